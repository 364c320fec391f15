"""One monitoring pass over the outlets kabar follows (`kabar fetch`, issue 17).

For each source in the store: read its feeds (feedparser) and sitemaps (a urlset or a news
sitemap; a sitemap index one level deep) with a conditional GET on the validators kept from
the last pass; collect the article URLs they list (normalised, so tracking parameters never
make a second copy); skip those a pass has already seen; fetch the new ones through the
polite `Fetcher`, which keeps every page in the rolling WARC files; then ingest the WARC
files written in this pass with the normal pipeline (`pipeline.run`, which takes the store's
ingest lock: fetching runs outside it, ingesting inside it).

An article's outlet is the source's: the pipeline resolves a page's site name or its URL's
domain to a source through the store's outlet table (`Store.outlet_for`), and a source's
domains are those of its pages.

The fetch state (URLs seen with their result, feed validators) is written after the ingest,
so a pass killed half-way leaves the state of the pass before it: the next pass refetches
what this one did not finish rather than missing it. A page that failed is recorded with
its reason and not fetched again; failures are state, not errors.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser

from kabar import pipeline
from kabar.fetch import Fetcher, FetchResult, RollingWarc, normalize
from kabar.sources import Source
from kabar.store import FeedState, FetchRecord, Store

# Article URLs taken from one feed or sitemap, and child sitemaps read from one index: a
# hostile or huge sitemap must not make a pass unbounded.
MAX_URLS_PER_LIST = 5000
MAX_CHILD_SITEMAPS = 50
NOT_A_FEED = "not a feed"
NOT_A_SITEMAP = "not a sitemap"


@dataclass
class SourcePass:
    """What one pass did for one source."""

    name: str
    feeds_read: int = 0  # feeds and sitemaps read (200)
    feeds_unchanged: int = 0  # answered 304
    lists_failed: Counter[str] = field(default_factory=Counter)  # feed or sitemap problems
    new_urls: int = 0
    fetched: int = 0
    failed: Counter[str] = field(default_factory=Counter)  # article page problems by reason


@dataclass
class PassReport:
    sources: list[SourcePass] = field(default_factory=list)
    ingest: pipeline.IngestReport | None = None
    warc_files: list[Path] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def feed_links(body: bytes, base_url: str) -> list[str] | None:
    """The entry links of an RSS, Atom or JSON feed (feedparser), or None if it is none.
    A feed whose XML breaks off still gives the entries before the break."""
    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        return None
    links: list[str] = []
    for entry in parsed.entries[:MAX_URLS_PER_LIST]:
        link = entry.get("link")
        if not link:
            alternates = [x.get("href") for x in entry.get("links", []) if x.get("rel", "alternate") == "alternate"]
            link = next((a for a in alternates if a), None)
        if link:
            links.append(urljoin(base_url, str(link)))
    return links


def sitemap_locs(body: bytes) -> tuple[str, list[str]] | None:
    """("urlset", page URLs) or ("sitemapindex", sitemap URLs), or None if `body` is neither.
    The document is read as a stream of elements (linear; expat refuses entity expansion
    attacks since 2.4.1)."""
    kind = ""
    locs: list[str] = []
    try:
        for event, element in ET.iterparse(_Reader(body), events=("start", "end")):
            name = _local(element.tag)
            if event == "start":
                if not kind:
                    kind = name
                    if kind not in ("urlset", "sitemapindex"):
                        return None
                continue
            if name == "loc" and element.text and len(locs) < MAX_URLS_PER_LIST:
                locs.append(element.text.strip())
            if name in ("url", "sitemap"):
                element.clear()
    except ET.ParseError:
        if not locs:
            return None
    return (kind, locs) if kind else None


class _Reader:
    """A bytes body as the file ET.iterparse reads."""

    def __init__(self, body: bytes) -> None:
        self.body, self.at = body, 0

    def read(self, n: int = -1) -> bytes:
        end = len(self.body) if n < 0 else self.at + n
        out = self.body[self.at : end]
        self.at += len(out)
        return out


class _SourceRun:
    def __init__(self, store: Store, source: Source, fetcher: Fetcher, report: SourcePass) -> None:
        self.store, self.source, self.fetcher, self.report = store, source, fetcher, report
        self.states: dict[str, FeedState] = store.feed_states([*source.feeds, *source.sitemaps])
        self.new_states: list[FeedState] = []

    def _read_list(self, url: str) -> FetchResult | None:
        """Fetch a feed or sitemap conditionally; its result when there is a body to read."""
        old = self.states.get(url)
        result = self.fetcher.fetch(
            url, etag=old.etag if old else None, last_modified=old.last_modified if old else None
        )
        if result.not_modified and old is not None:
            self.report.feeds_unchanged += 1
            self.new_states.append(FeedState(url, old.etag, old.last_modified, _now(), result.status))
            return None
        if result.not_modified:  # 304 to a request without validators: nothing to read
            result = replace(result, problem="304 without a validator")
        if not result.ok or result.body is None:
            self.report.lists_failed[result.problem or "no body"] += 1
            # Keep the old validators: the list was not read, so what it listed then still holds.
            self.new_states.append(
                FeedState(
                    url,
                    old.etag if old else None,
                    old.last_modified if old else None,
                    _now(),
                    result.status,
                    result.problem or "no body",
                )
            )
            return None
        return result

    def _done(self, url: str, result: FetchResult, problem: str | None = None) -> None:
        if problem:
            self.report.lists_failed[problem] += 1
        else:
            self.report.feeds_read += 1
        self.new_states.append(FeedState(url, result.etag, result.last_modified, _now(), result.status, problem))

    def article_urls(self) -> list[str]:
        found: list[str] = []
        for url in self.source.feeds:
            result = self._read_list(url)
            if result is None or result.body is None:
                continue
            links = feed_links(result.body, result.final_url)
            if links is None:
                self._done(url, result, NOT_A_FEED)
                continue
            self._done(url, result)
            found.extend(links)
        for url in self.source.sitemaps:
            found.extend(self._sitemap(url, depth=0))
        return found

    def _sitemap(self, url: str, depth: int) -> list[str]:
        result = self._read_list(url)
        if result is None or result.body is None:
            return []
        parsed = sitemap_locs(result.body)
        if parsed is None or (parsed[0] == "sitemapindex" and depth > 0):
            self._done(url, result, NOT_A_SITEMAP)
            return []
        self._done(url, result)
        kind, locs = parsed
        if kind == "urlset":
            return [urljoin(result.final_url, loc) for loc in locs]
        pages: list[str] = []
        for child in locs[:MAX_CHILD_SITEMAPS]:
            pages.extend(self._sitemap(urljoin(result.final_url, child), depth + 1))
        return pages


def _keys(urls: Iterable[str]) -> list[str]:
    """Normalised URLs in first-seen order; ones that cannot be normalised are dropped."""
    out: dict[str, None] = {}
    for url in urls:
        try:
            out[normalize(url)] = None
        except ValueError:
            continue
    return list(out)


def run_pass(
    store: Store,
    warc_dir: str | Path,
    *,
    fetcher_options: dict[str, Any] | None = None,
    on_source: Callable[[SourcePass], None] | None = None,
    **ingest_options: Any,
) -> PassReport:
    """One pass over every source in `store` (see the module doc). `fetcher_options` go to
    each source's `Fetcher` (a source's `allow_private` is its own); `ingest_options` to
    `pipeline.run`."""
    report = PassReport()
    records: list[FetchRecord] = []
    states: list[FeedState] = []
    with RollingWarc(warc_dir) as archive:
        before = set(archive.files())
        for source in store.outlet_sources():
            done = SourcePass(source.name)
            options = {**(fetcher_options or {}), "allow_private": source.allow_private, "archive": archive}
            with Fetcher(**options) as fetcher:
                run = _SourceRun(store, source, fetcher, done)
                keys = _keys(run.article_urls())
                seen = store.fetched_urls(keys) | {r.url for r in records}
                fresh = [k for k in keys if k not in seen]
                done.new_urls = len(fresh)
                for key in fresh:
                    result = fetcher.fetch(key)
                    if result.ok:
                        done.fetched += 1
                    else:
                        done.failed[result.problem or f"HTTP {result.status}"] += 1
                    records.append(FetchRecord(key, source.name, _now(), result.status, result.problem,
                                               result.detail[:500]))  # fmt: skip
                states.extend(run.new_states)
            report.sources.append(done)
            if on_source is not None:
                on_source(done)
    report.warc_files = [f for f in archive.files() if f not in before]
    if any(s.fetched for s in report.sources):  # feeds and sitemaps alone are no articles
        report.ingest = pipeline.run([str(f) for f in report.warc_files], store, **ingest_options)
    store.save_fetches(records)
    store.save_feed_states(states)
    return report
