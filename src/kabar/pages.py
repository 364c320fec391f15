"""Articles split over pages (issue 17): the link from one page to the next.

Indonesian outlets cut long articles into pages: kompas' `?page=2`, detik's `/2` suffix,
linked as "Halaman selanjutnya", "Selanjutnya", "Halaman 2" or `rel="next"`; English sites
say "Next page" or "Page 2". `next_page_url` finds that link on a page, and only when it
leads to page N+1 of the same article on the same host: a "Selanjutnya: <headline>" list
of other articles, a link to another host or to another path is never a next page.

`kabar fetch` fetches the next pages right after the first, so they follow it in the same
WARC file; `kabar.ingest` joins such a run of pages into one document (at most
MAX_PAGES), and `pipeline.prepare` appends the later pages' text to the first's.

The link texts are language data (`LanguageData.next_page_cues`); arrows and a bare page
number are not words of any language and are kept here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from kabar.lang import all_languages
from kabar.urls import normalize

# Pages joined into one article at most, the first included. Long Indonesian features run
# to 5 or 6 pages (kompas' longest reads are split in about 1,000-word pages); a chain
# longer than this is a crawler trap or a listing, not an article.
MAX_PAGES = 10
# A number in the last path segment or a page parameter is a page number only up to this:
# beyond it the number is an article id ("/berita/123456").
MAX_PAGE_NUMBER = 99
# Query parameters that number an article's pages ("?page=2"); languages add their own
# (`LanguageData.page_params`: "?hal=2"). Not "p": it is WordPress' post id.
PAGE_PARAMS = frozenset({"page", "pg", "pageno"})
# Link texts longer than this are headlines or sentences, never a next-page link.
MAX_LINK_TEXT_CHARS = 60
# Link texts that mean "next" whatever the language.
ARROWS = ("›", "»", ">", ">>", "→")
# Anchors read at most on one page: a page of more links than this is a listing.
MAX_ANCHORS = 20_000


def _host(netloc: str) -> str:
    """A normalised URL's host, without credentials or "www." (its default port is out)."""
    return netloc.rsplit("@", 1)[-1].removeprefix("www.")


def page_key(url: str) -> tuple[str, str, int] | None:
    """(host, article path and query without the page marker, page number) of a URL, or
    None when it has no host. The first page, unnumbered, is page 1."""
    # The fetcher's key: a feed's link to page 1 carries "?utm_source=rss" and the page's own
    # link to page 2 does not, and tracking parameters say where a reader came from.
    try:
        parts = urlsplit(normalize(url))
    except ValueError:
        return None
    number = 1
    query: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.lower() in _page_params():
            if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_NUMBER:
                return None  # "?page=all" (the whole article) or no page number at all
            number = int(value)
        else:
            query.append((name, value))
    path = parts.path.rstrip("/") or "/"
    head, _, last = path.rpartition("/")
    if number == 1 and last.isdigit() and head and re.search(r"[^\W\d_]", head.rsplit("/", 1)[-1]) \
            and 1 <= int(last) <= MAX_PAGE_NUMBER:
        # detik's "/d-7123456/judul-berita/2": the last segment numbers the page when the
        # one before it is a slug (it has letters), not when the number is the article.
        number, path = int(last), head
    return _host(parts.netloc), path + ("?" + urlencode(sorted(query)) if query else ""), number


def is_continuation(first_url: str, url: str) -> bool:
    """Whether `url` is a later page of the article whose page `first_url` is: same host,
    same article path, a higher page number."""
    first, later = page_key(first_url), page_key(url)
    return first is not None and later is not None and first[:2] == later[:2] and later[2] > first[2]


@lru_cache(maxsize=1)
def _page_params() -> frozenset[str]:
    return PAGE_PARAMS | {p for lang in all_languages() for p in lang.page_params}


@lru_cache(maxsize=1)
def _cue() -> re.Pattern[str]:
    cues = [c for lang in all_languages() for c in lang.next_page_cues]
    arrows = [re.escape(a) for a in ARROWS]
    return re.compile(rf"(?:{'|'.join(cues + arrows)})", re.IGNORECASE)


def next_page_url(html: str | bytes, url: str) -> str | None:
    """The URL of the next page of the article `html` (fetched from `url`) is the page of,
    when the page links it: a `rel="next"` link or anchor, or an anchor whose text is a
    next-page cue ("Halaman selanjutnya", "Next page", "»") or the next page's number, and
    that leads to page N+1 of the same article on the same host. None otherwise, or when
    the page cannot be parsed."""
    here = page_key(url)
    if here is None or here[2] >= MAX_PAGE_NUMBER or not html:
        return None
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except ValueError:  # a str with an XML encoding declaration: lxml wants its bytes
        try:
            tree = lxml_html.fromstring(html.encode("utf-8") if isinstance(html, str) else html)
        except (etree.ParserError, ValueError, TypeError):
            return None
    except (etree.ParserError, TypeError):
        return None
    base = url
    for found in tree.iter("base"):
        if href := (found.get("href") or "").strip():
            base = urljoin(url, href)
        break
    wanted = str(here[2] + 1)
    cue = _cue()
    by_text: str | None = None
    for n, link in enumerate(tree.iter("a", "link")):
        if n >= MAX_ANCHORS:
            break
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        rel = (link.get("rel") or "").lower().split()
        if "next" in rel:
            target = _next_of(base, href, here)
            if target is not None:
                return target  # the page says so itself
            continue
        if link.tag != "a" or by_text is not None:
            continue
        text = " ".join(link.text_content().split())
        if not text or len(text) > MAX_LINK_TEXT_CHARS:
            continue
        if text == wanted or cue.fullmatch(text):
            by_text = _next_of(base, href, here)
    return by_text


def _next_of(base: str, href: str, here: tuple[str, str, int]) -> str | None:
    """The absolute URL of `href` when it is page N+1 of the article of `here`."""
    try:
        target = urljoin(base, href).split("#", 1)[0]
    except ValueError:
        return None
    key = page_key(target)
    if key is None or key[:2] != here[:2] or key[2] != here[2] + 1:
        return None
    return target
