"""The outlets kabar follows: a `Source` record per outlet (its name, domains and aliases,
feeds and sitemaps, language), the discovery of an outlet's feeds and sitemaps from its
home page and robots.txt, and the readers of TOML, CSV and OPML source lists.

Discovery fetches through the shared polite `kabar.fetch.Fetcher`: robots.txt, the
private-address refusal at every hop, the size cap, timeouts and redirects are its. The
importers are pure functions over text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from kabar.fetch import Fetcher, FetchResult

# Discovery asks one site for a dozen URLs at most (the page, MAX_ANCHOR_FEEDS candidates,
# robots.txt, the SITEMAP_GUESSES), once, while the user waits on `sources add`: half a
# second between them (the monitor's default is 2 s) keeps that under ten seconds and still
# polite; a robots.txt Crawl-delay above it wins, as always with the Fetcher.
DISCOVERY_MIN_INTERVAL = 0.5
# Candidate sitemaps tried when robots.txt names none.
SITEMAP_GUESSES = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml", "/sitemap-news.xml")
# Anchors that may be feeds are fetched to check; at most this many per home page.
MAX_ANCHOR_FEEDS = 8
MAX_IMPORT_BYTES = 10 * 1024 * 1024
LANGUAGES = ("id", "en")

Kind = Literal["feed", "sitemap", "html"]


@dataclass(frozen=True)
class Source:
    """An outlet kabar follows. `name` is its canonical name; `domains` the hosts its pages
    come from (lower case, without "www."); `aliases` other names it goes by (a brand in
    datelines, its site name). All of them resolve to `name` (`Store.outlet_for`)."""

    name: str
    domains: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    language: str | None = None
    allow_private: bool = False
    added: str = ""
    home: str | None = None

    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "home": self.home,
            "domains": list(self.domains),
            "aliases": list(self.aliases),
            "feeds": list(self.feeds),
            "sitemaps": list(self.sitemaps),
            "language": self.language,
            "allow_private": self.allow_private,
            "added": self.added,
        }


@dataclass(frozen=True)
class Problem:
    """Why a URL or a list entry was not taken: where, and a short reason."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class Entry:
    """One source from a list: a URL to discover from, or feeds and sitemaps given outright."""

    url: str
    name: str | None = None
    language: str | None = None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass
class Imported:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def domain_of(url_or_host: str) -> str:
    """The host of a URL (or a bare host) in lower case, without port or a leading "www."."""
    text = url_or_host.strip().lower()
    host = urlsplit(text).hostname if "://" in text else text.split("/", 1)[0].rsplit(":", 1)[0]
    host = (host or "").rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _http_url(url: str) -> str | None:
    """Why `url` is not a fetchable http(s) URL, or None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return f"only http(s) URLs are followed, not {parts.scheme or 'a bare path'!r}"
    if not parts.hostname:
        return "the URL has no host"
    return None


_XML_ROOT = re.compile(rb"<(?:[\w.-]+:)?(urlset|sitemapindex|rss|feed|RDF|html)\b", re.IGNORECASE)


def json_feed(body: bytes) -> dict[str, Any] | None:
    """A JSON Feed (jsonfeed.org, which feedparser does not read): its top object, or None."""
    if not body.lstrip().startswith(b"{"):
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if (
        isinstance(data, dict)
        and str(data.get("version", "")).startswith("https://jsonfeed.org/version/")
        and isinstance(data.get("items"), list)
    ):
        return data
    return None


def classify(content_type: str, body: bytes) -> Kind | None:
    """What a fetched body is: a sitemap (an XML urlset or sitemapindex), a feed (a JSON
    Feed, or one feedparser reads with entries or without errors), a home page (HTML), or None."""
    head = body[:2048].lstrip()
    if json_feed(body) is not None:
        return "feed"
    root = _XML_ROOT.search(head)
    name = root.group(1).lower() if root else b""
    if name in (b"urlset", b"sitemapindex"):
        return "sitemap"
    kind = content_type.split(";", 1)[0].strip().lower()
    if name != b"html" and (name or "json" in kind or head.startswith(b"{")):
        import feedparser

        parsed = feedparser.parse(body)
        if parsed.get("version") and (parsed.entries or not parsed.get("bozo")):
            return "feed"
    if name == b"html" or kind in ("text/html", "application/xhtml+xml") or head.lower().startswith(b"<!doctype html"):
        return "html"
    return None


def _text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def feeds_in_html(html: str, base_url: str) -> tuple[list[str], list[str]]:
    """Feeds a home page declares (`<link rel="alternate">` of a feed type, by trafilatura's
    feed finder) and anchors that look like feeds (to be checked): two lists of absolute URLs."""
    from lxml import html as lxml_html
    from trafilatura.feeds import LINK_VALIDATION_RE, FeedParameters, determine_feed

    domain = domain_of(base_url)
    declared: list[str] = []
    tree = None
    try:
        tree = lxml_html.fromstring(html) if html.strip() else None
    except (ValueError, lxml_html.etree.ParserError):
        tree = None
    if tree is not None and tree.xpath('//link[@rel="alternate"][@href]'):
        # determine_feed reads the <link>s, and the anchors only when there are none.
        declared = determine_feed(html, FeedParameters(base_url, domain, base_url))
    anchors: list[str] = []
    if tree is not None:
        for href in tree.xpath("//a/@href"):
            href = str(href).strip()
            if href and LINK_VALIDATION_RE.search(href) and "comments" not in href:
                link = urljoin(base_url, href).split("#", 1)[0]
                if domain_of(link) == domain and link not in declared and link not in anchors:
                    anchors.append(link)
    return declared, anchors


_SITE_NAME = re.compile(r"\s*[|\-–—:·]\s*")


def page_name(html: str) -> str | None:
    """An outlet's name from its home page: og:site_name, else the title's first part."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    for value in tree.xpath('//meta[@property="og:site_name"]/@content'):
        if str(value).strip():
            return str(value).strip()
    for title in tree.xpath("//title/text()"):
        first = _SITE_NAME.split(str(title).strip(), maxsplit=1)[0].strip()
        if first:
            return first
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Statuses that only say a candidate is not there: routine for guesses, not worth reporting.
NOT_THERE = frozenset({404, 410})


def _reason(fetcher: Fetcher, problem: str, detail: str) -> str:
    """Why the Fetcher refused or failed a URL, in one line."""
    from kabar.fetch import client

    if problem == client.PRIVATE_ADDRESS:
        return f"{problem} ({detail}); add with --allow-private"
    if problem == client.ROBOTS_DISALLOWED and detail.startswith(("http://", "https://")):
        return f"{problem} for {fetcher.robots_agent}"  # the detail is only the URL again
    return f"{problem} ({detail})" if detail else problem


def _get(fetcher: Fetcher, url: str) -> FetchResult | Problem:
    """The fetched page (a body, after redirects), or why there is none."""
    got = fetcher.fetch(url)
    if got.ok and got.body is not None:
        return got
    return Problem(url, _reason(fetcher, got.problem or f"HTTP {got.status}", got.detail))


def discover(
    url: str,
    name: str | None = None,
    language: str | None = None,
    allow_private: bool = False,
    *,
    fetcher: Fetcher | None = None,
    problems: list[Problem] | None = None,
) -> Source | Problem:
    """A Source from a URL given to `kabar sources add`: a feed or a sitemap is taken as it
    is; a home page gives the feeds and sitemaps it declares, those robots.txt names and
    those at the usual places.

    Every URL goes through `fetcher` (a polite `kabar.fetch.Fetcher`; when None, one made
    here with `allow_private` and DISCOVERY_MIN_INTERVAL, closed at the end), so robots.txt
    is obeyed: a candidate it disallows is neither fetched nor kept. Candidates left out for
    a reason other than not being there (robots.txt, a private address, a timeout, ...) are
    appended to `problems` when given, and named in the Problem returned when nothing is found."""
    bad = _http_url(url)
    if bad:
        return Problem(url, bad)
    if language is not None and language not in LANGUAGES:
        return Problem(url, f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    if fetcher is None:
        from kabar.fetch import Fetcher

        with Fetcher(allow_private=allow_private, min_interval=DISCOVERY_MIN_INTERVAL) as own:
            return discover(url, name, language, allow_private, fetcher=own, problems=problems)
    skipped: list[Problem] = []
    found = _discover(fetcher, url, name, language, allow_private, skipped)
    if problems is not None:
        problems.extend(skipped)
    return found


def _discover(
    fetcher: Fetcher, url: str, name: str | None, language: str | None, allow_private: bool, skipped: list[Problem]
) -> Source | Problem:
    got = _get(fetcher, url)
    if isinstance(got, Problem):
        return got
    assert got.body is not None
    kind = classify(got.content_type, got.body)
    if kind is None:
        return Problem(url, f"neither a feed, a sitemap nor an HTML page ({got.content_type or 'no content type'})")
    feeds: list[str] = []
    sitemaps: list[str] = []
    aliases: list[str] = []
    home: str | None = None
    found_name: str | None = None

    def allowed(candidate: str) -> bool:
        """Whether the monitor may fetch a candidate kept without fetching it here."""
        refused = fetcher.refusal(candidate)
        if refused is not None:
            skipped.append(Problem(candidate, _reason(fetcher, *refused)))
        return refused is None

    def fetched_as(candidate: str, wanted: Kind) -> str | None:
        """The final URL of a candidate that is a `wanted`, else None (and why, if not missing)."""
        page = fetcher.fetch(candidate)
        if page.ok and page.body is not None:
            return page.final_url if classify(page.content_type, page.body) == wanted else None
        if page.status not in NOT_THERE:
            skipped.append(Problem(candidate, _reason(fetcher, page.problem or f"HTTP {page.status}", page.detail)))
        return None

    if kind == "feed":
        import feedparser

        feeds.append(got.final_url)
        meta: Any = json_feed(got.body) or feedparser.parse(got.body).feed
        found_name = str(meta.get("title") or "").strip() or None
        home = str(meta.get("home_page_url") or meta.get("link") or "") or None
        if home and _http_url(home):
            home = None
    elif kind == "sitemap":
        sitemaps.append(got.final_url)
    else:
        home = got.final_url
        html = _text(got.body)
        found_name = page_name(html)
        declared, anchors = feeds_in_html(html, got.final_url)
        feeds.extend(f for f in declared if allowed(f))
        for candidate in anchors[:MAX_ANCHOR_FEEDS]:
            feed = fetched_as(candidate, "feed")
            if feed:
                feeds.append(feed)
        sitemaps.extend(m for m in fetcher.robots_sitemaps(got.final_url) if allowed(m))
        if not sitemaps:
            for path in SITEMAP_GUESSES:
                sitemap = fetched_as(_origin(got.final_url) + path, "sitemap")
                if sitemap:
                    sitemaps.append(sitemap)
        if not feeds and not sitemaps:
            why = "no feed or sitemap found on this page, in its robots.txt or at the usual places"
            if skipped:
                more = f" and {len(skipped) - 1} more" if len(skipped) > 1 else ""
                why += f"; left out: {skipped[0]}{more}"
            return Problem(url, why)
    domains = [domain_of(u) for u in (url, got.final_url, *([home] if home else []))]
    outlet = (name or found_name or domain_of(got.final_url)).strip()
    if found_name and found_name != outlet:
        aliases.append(found_name)
    return Source(
        name=outlet,
        domains=tuple(dict.fromkeys(d for d in domains if d)),
        aliases=tuple(aliases),
        feeds=tuple(dict.fromkeys(feeds)),
        sitemaps=tuple(dict.fromkeys(sitemaps)),
        language=language,
        allow_private=allow_private,
        added=now(),
        home=home,
    )


def from_entry(entry: Entry, allow_private: bool = False) -> Source | None:
    """The Source an entry names outright (its feeds or sitemaps given), with no fetch; None
    when the entry is only a URL to discover from."""
    if not entry.feeds and not entry.sitemaps:
        return None
    urls = [entry.url, *entry.feeds, *entry.sitemaps]
    domains = tuple(dict.fromkeys(d for d in (domain_of(u) for u in urls) if d))
    name = entry.name or domains[0]
    return Source(
        name=name,
        domains=domains,
        aliases=entry.aliases,
        feeds=entry.feeds,
        sitemaps=entry.sitemaps,
        language=entry.language,
        allow_private=allow_private,
        added=now(),
        home=entry.url if entry.url not in entry.feeds + entry.sitemaps else None,
    )


def joined(old: Source, new: Source) -> Source:
    """`old` with what `new` adds: its domains, aliases, feeds and sitemaps; `new`'s
    language and home page where `old` has none. The name stays `old`'s, and the name `new`
    found becomes an alias."""

    def union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a + b))

    aliases = union(old.aliases, (new.name, *new.aliases) if new.name.lower() != old.name.lower() else new.aliases)
    return Source(
        name=old.name,
        domains=union(old.domains, new.domains),
        aliases=tuple(a for a in aliases if a.lower() not in {d.lower() for d in (*old.domains, *new.domains)}),
        feeds=union(old.feeds, new.feeds),
        sitemaps=union(old.sitemaps, new.sitemaps),
        language=new.language or old.language,
        allow_private=old.allow_private or new.allow_private,
        added=old.added,
        home=old.home or new.home,
    )


# --- importers: pure functions over a list's text ---


def _strings(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split() if v.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    return None


def _entry(where: str, raw: dict[str, Any]) -> Entry | Problem:
    """An entry from a TOML table or a CSV row, or why it is not one."""
    feeds = _strings(raw.get("feeds", raw.get("feed")))
    sitemaps = _strings(raw.get("sitemaps", raw.get("sitemap")))
    aliases = _strings(raw.get("aliases"))
    if feeds is None or sitemaps is None or aliases is None:
        return Problem(where, "feeds, sitemaps and aliases must be strings or lists of strings")
    url = raw.get("url") or (feeds[0] if feeds else None) or (sitemaps[0] if sitemaps else None)
    if not isinstance(url, str) or not url.strip():
        return Problem(where, "no url")
    for u in (url, *feeds, *sitemaps):
        bad = _http_url(u)
        if bad:
            return Problem(where, f"{u}: {bad}")
    name = raw.get("name")
    language = raw.get("language") or None
    if name is not None and not isinstance(name, str):
        return Problem(where, "name must be a string")
    if language is not None and language not in LANGUAGES:
        return Problem(where, f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return Entry(url.strip(), (name or "").strip() or None, language, feeds, sitemaps, aliases)


def _collect(items: Iterable[tuple[str, dict[str, Any]]]) -> Imported:
    out = Imported()
    for where, raw in items:
        got = _entry(where, raw)
        (out.problems if isinstance(got, Problem) else out.entries).append(got)  # type: ignore[arg-type]
    return out


def import_toml(text: str) -> Imported:
    """`[[source]]` tables (or `[[sources]]`) with url, name, language, feeds, sitemaps, aliases."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Imported(problems=[Problem("the file", f"not TOML: {exc}")])
    tables = data.get("source", data.get("sources", []))
    if not isinstance(tables, list):
        return Imported(problems=[Problem("the file", "expected [[source]] tables")])
    items = []
    problems = []
    for number, table in enumerate(tables, start=1):
        if isinstance(table, dict):
            items.append((f"source {number}", table))
        else:
            problems.append(Problem(f"source {number}", "not a table"))
    out = _collect(items)
    out.problems[:0] = problems
    return out


def import_csv(text: str) -> Imported:
    """A header row naming url (and name, language, feeds, sitemaps, aliases: several URLs
    in one cell separated by spaces), then a row per source."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "url" not in [f.strip().lower() for f in reader.fieldnames]:
        return Imported(problems=[Problem("the file", "the CSV header has no url column")])
    items = []
    for row in reader:
        raw = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        if None in row:
            raw["_extra"] = "yes"
        items.append((f"line {reader.line_num}", {k: v for k, v in raw.items() if v}))
    out = Imported()
    for where, raw in items:
        if raw.pop("_extra", None):
            out.problems.append(Problem(where, "more cells than the header names"))
            continue
        got = _entry(where, raw)
        (out.problems if isinstance(got, Problem) else out.entries).append(got)  # type: ignore[arg-type]
    return out


def import_opml(text: str) -> Imported:
    """A feed reader's export: every `<outline xmlUrl=...>`, at any depth, is a feed; its
    htmlUrl the outlet's home page, its text (or title) the outlet's name."""
    if len(text) > MAX_IMPORT_BYTES:
        return Imported(problems=[Problem("the file", "too large")])
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return Imported(problems=[Problem("the file", "OPML with a DOCTYPE or entities is not read")])
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return Imported(problems=[Problem("the file", f"not XML: {exc}")])
    out = Imported()
    for number, outline in enumerate(root.iter("outline"), start=1):
        feed = (outline.get("xmlUrl") or "").strip()
        if not feed:
            continue  # a folder
        name = (outline.get("text") or outline.get("title") or "").strip() or None
        where = f"outline {number}" + (f" ({name})" if name else "")
        bad = _http_url(feed)
        if bad:
            out.problems.append(Problem(where, f"{feed}: {bad}"))
            continue
        home = (outline.get("htmlUrl") or "").strip()
        language = (outline.get("language") or "").strip().lower() or None
        if language not in (None, *LANGUAGES):
            out.problems.append(Problem(where, f"language must be one of {', '.join(LANGUAGES)}, not {language!r}"))
            continue
        url = home if home and not _http_url(home) else feed
        out.entries.append(Entry(url, name, language, (feed,), (), ()))
    return out


def import_text(text: str, filename: str) -> Imported:
    """A list by its file name's extension (.toml, .csv, .opml or .xml)."""
    lower = filename.lower()
    if lower.endswith(".toml"):
        return import_toml(text)
    if lower.endswith(".csv"):
        return import_csv(text)
    if lower.endswith((".opml", ".xml")):
        return import_opml(text)
    return Imported(problems=[Problem(filename, "a source list is a .toml, .csv or .opml file")])


def merge_entries(entries: Sequence[Entry]) -> list[Entry]:
    """Entries with the same name (an OPML file lists an outlet's feeds one by one) joined."""
    joined: dict[str, Entry] = {}
    order: list[str] = []
    for e in entries:
        key = (e.name or e.url).lower()
        if key in joined:
            old = joined[key]
            joined[key] = Entry(
                old.url,
                old.name,
                old.language or e.language,
                tuple(dict.fromkeys(old.feeds + e.feeds)),
                tuple(dict.fromkeys(old.sitemaps + e.sitemaps)),
                tuple(dict.fromkeys(old.aliases + e.aliases)),
            )
        else:
            joined[key] = e
            order.append(key)
    return [joined[k] for k in order]
