"""The one key of a URL (issue 17): what the fetcher fetches by, what the fetch state
remembers, and what `pages` compares an article's pages by. Only courlan, so readers can
use it without loading the HTTP client."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import courlan

NOT_HTTP = "not an http(s) URL"


def normalize(url: str) -> str:
    """The one key of a URL: courlan's normalisation (lower-case host, default port out,
    tracking parameters such as utm_* and fbclid out, query sorted) without the fragment.
    Raises ValueError for anything but an absolute http(s) URL."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(NOT_HTTP)
    normal = courlan.normalize_url(url, strict=False)
    return urlunsplit(urlsplit(normal)._replace(fragment=""))
