"""One polite, bounded HTTP fetch per call (issue 17).

`Fetcher.fetch(url)` returns a `FetchResult` whatever happens: a refused or failed fetch
carries a `problem` (one of the reason constants below) and no body; it never raises for a
bad page. On the way it

- takes only http(s), normalised by courlan (tracking parameters and fragments out), so one
  article has one key (`normalize`);
- refuses hosts that resolve to private, loopback, link-local or reserved addresses, at
  every redirect hop and again at connect time, connecting to the very address checked
  (unless `allow_private`; the tests serve on 127.0.0.1);
- obeys robots.txt (protego), cached per host for `ROBOTS_TTL` seconds, with `Crawl-delay`;
- spaces requests to one host by a minimum interval and caps concurrent requests;
- sends If-None-Match / If-Modified-Since when the caller knows them (304: not modified);
- retries connection errors, 429 and 503 with exponential backoff, honouring
  `Retry-After` (seconds or an HTTP date) up to `MAX_RETRY_WAIT`;
- bounds every page: connect and read timeouts, a total deadline, a size cap counted on the
  decompressed bytes while they stream (a gzip bomb stops at the cap), redirects followed by
  hand up to `MAX_REDIRECTS` (a loop ends with `REDIRECT_LOOP`).

The client is synchronous and thread-safe: callers may fetch from several threads; the
per-host gate and the semaphores keep them polite.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from protego import Protego

from kabar.urls import NOT_HTTP, normalize

# ---- Reasons a fetch gives no page (FetchResult.problem)

BAD_URL = "malformed URL"
PRIVATE_ADDRESS = "private or reserved address refused"
UNRESOLVED = "host does not resolve"
ROBOTS_DISALLOWED = "disallowed by robots.txt"
TOO_LARGE = "page over the size cap"
REDIRECT_LOOP = "redirect loop"
TOO_MANY_REDIRECTS = "too many redirects"
BAD_REDIRECT = "redirect without a usable Location"
TIMED_OUT = "timed out"
CONNECTION_FAILED = "connection failed"
RATE_LIMITED = "rate limited by the site"
UNAVAILABLE = "site unavailable"
HTTP_ERROR = "HTTP error"
UNSUPPORTED_TYPE = "unsupported content type"
UNSUPPORTED_ENCODING = "unsupported content encoding"
BROKEN_ENCODING = "broken compressed body"

# ---- Limits, with their reasons

# Users and robots.txt rules see this; a contact lets a site owner reach whoever runs kabar.
DEFAULT_USER_AGENT = "kabar/0.1"
# RFC 9309 lets crawlers cache robots.txt for up to 24 hours.
ROBOTS_TTL = 24 * 3600.0
# A robots.txt that failed with 5xx or a network error: the site may be down; try again soon,
# and fetch nothing from it meanwhile (RFC 9309 §2.3.1.4 treats it as a full disallow).
ROBOTS_RETRY = 600.0
# RFC 9309 asks parsers to read at least 500 KiB of robots.txt; more is ignored.
ROBOTS_MAX_BYTES = 512 * 1024
# Two seconds between requests to one host is the usual polite default for a news crawler.
DEFAULT_MIN_INTERVAL = 2.0
# A Crawl-delay above this is clamped: a site asking for an hour per page cannot be followed.
MAX_CRAWL_DELAY = 60.0
# Concurrent requests in all and to one host.
DEFAULT_MAX_CONNECTIONS = 8
DEFAULT_PER_HOST = 2
# News pages are under 1 MB; 5 MB leaves room for heavy templates and still bounds memory.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 20.0
# The whole of one attempt (all redirect hops and the body) must finish within this.
DEFAULT_DEADLINE = 60.0
# Browsers stop at about 20 hops; news sites need two or three (http→https, www, slug).
MAX_REDIRECTS = 5
# Retries of connection errors, 429 and 503, waiting BACKOFF_BASE * 2**attempt seconds or
# what Retry-After asks; a site asking for longer than MAX_RETRY_WAIT is left for a later
# pass (FetchResult.retry_after says when).
DEFAULT_RETRIES = 3
BACKOFF_BASE = 1.0
MAX_RETRY_WAIT = 30.0
# Content types kept by default: pages, feeds and sitemaps.
DEFAULT_ACCEPT = ("text/html", "application/xhtml+xml", "xml", "application/feed+json", "application/json")
# Response headers worth keeping on the result (and in the WARC record they came with).
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-language",
    "etag",
    "last-modified",
    "date",
    "retry-after",
    "location",
    "link",
)
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
RETRY_CODES = frozenset({429, 503})


class Archive(Protocol):
    """Where fetched responses are kept (`kabar.fetch.warc.RollingWarc`)."""

    def record(
        self,
        url: str,
        request_headers: Mapping[str, str],
        status: int,
        reason: str,
        response_headers: Iterable[tuple[str, str]],
        body: bytes,
    ) -> None: ...


@dataclass(frozen=True)
class FetchResult:
    """What one fetch gave. `body` is the decompressed page, or None when the page was not
    modified (304), refused or failed; `problem` then says why (None when all went well)."""

    url: str
    final_url: str
    status: int | None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    elapsed: float = 0.0
    problem: str | None = None
    detail: str = ""
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and self.problem is None

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, resolving the host itself and connecting only to an
    address that passed the private-address check: the check and the connection use the
    same answer, so a DNS name that changes between them (DNS rebinding) gains nothing."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = _public_address(host, port)
        return super().connect_tcp(address, port, timeout, local_address, socket_options)


def address_problem(host: str, port: int) -> str | None:
    """Why `host` may not be reached (it does not resolve, or resolves to a private,
    loopback, link-local or reserved address), or None: the fetcher's own rule, for other
    clients (alert webhooks)."""
    try:
        _public_address(host, port)
    except _Refused as refused:
        return f"{refused.problem}: {refused.detail}"
    return None


def _public_address(host: str, port: int) -> str:
    """The first address `host` resolves to; _Refused if any of them is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _Refused(UNRESOLVED, f"{host}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        if _blocked(address):
            raise _Refused(PRIVATE_ADDRESS, f"{host} resolves to {address}")
    if not addresses:
        raise _Refused(UNRESOLVED, host)
    return addresses[0]


class _Deadline:
    """The time left for one attempt. Waiting for a turn at the host (our own politeness)
    does not use it up; the network does."""

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.at = clock() + seconds

    def extend(self, seconds: float) -> None:
        self.at += seconds

    def passed(self) -> bool:
        return self.clock() > self.at


class _Refused(Exception):
    def __init__(self, problem: str, detail: str = "", status: int | None = None) -> None:
        super().__init__(problem)
        self.problem, self.detail, self.status = problem, detail, status


@dataclass
class _Host:
    """Per-host politeness: the next moment a request may start, and a concurrency cap."""

    slots: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Held while robots.txt is read, so threads starting together read it once.
    robots_lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0
    robots: Protego | None = None
    robots_allow_all: bool = True
    robots_until: float = 0.0


class Fetcher:
    """A polite HTTP client for pages, feeds and sitemaps; see the module doc."""

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        contact: str | None = None,
        allow_private: bool = False,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        per_host: int = DEFAULT_PER_HOST,
        max_bytes: int = DEFAULT_MAX_BYTES,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        retries: int = DEFAULT_RETRIES,
        backoff: float = BACKOFF_BASE,
        max_retry_wait: float = MAX_RETRY_WAIT,
        max_redirects: int = MAX_REDIRECTS,
        accept: tuple[str, ...] = DEFAULT_ACCEPT,
        archive: Archive | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.user_agent = f"{user_agent} (+{contact})" if contact else user_agent
        # The token robots.txt groups are matched against: the product name, no version.
        self.robots_agent = user_agent.split("/")[0].split()[0]
        self.allow_private = allow_private
        self.min_interval = min_interval
        self.per_host = per_host
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.retries = retries
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self.max_redirects = max_redirects
        self.accept = tuple(a.lower() for a in accept)
        self.archive = archive
        self._sleep, self._clock = sleep, clock
        self._all = threading.BoundedSemaphore(max_connections)
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        transport = httpx.HTTPTransport(limits=httpx.Limits(max_connections=max_connections))
        if not allow_private:
            # httpx has no public hook for this; the pool's backend is the one place every
            # connection passes through.
            transport._pool._network_backend = _GuardedBackend()
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- Public

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        validated_url: str | None = None,
    ) -> FetchResult:
        """Fetch one page politely; see the module doc. `etag` and `last_modified` are what
        an earlier fetch of `validated_url` returned (by default `url` itself). Validators
        belong to one URL: If-None-Match / If-Modified-Since go only on the redirect hop whose
        normalised URL is `validated_url`'s, and no other hop gets them (a caller that kept
        the validators of where `url` redirected to passes that final URL here)."""
        started = self._clock()
        try:
            key = normalize(url)
        except ValueError as exc:
            return FetchResult(url, url, None, problem=NOT_HTTP if str(exc) == NOT_HTTP else BAD_URL, detail=url[:200])
        try:
            validated: str | None = key if validated_url is None else normalize(validated_url)
        except ValueError:
            validated = None  # validators of a URL we could never fetch match no hop
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            result = self._attempt(key, conditional, validated, started)
            wait = self._retry_wait(result, attempt)
            if wait is None:
                return result
            attempt += 1
            self._sleep(wait)

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets this client fetch `url` (fetching robots.txt if needed)."""
        try:
            self._check_robots(normalize(url), _Deadline(self.deadline, self._clock))
        except _Refused:
            return False
        return True

    def refusal(self, url: str) -> tuple[str, str] | None:
        """Why this client would not fetch `url`, as (problem, detail), checked without
        fetching it (its address, then robots.txt, read if need be); None when it would."""
        try:
            key = normalize(url)
        except ValueError as exc:
            return (NOT_HTTP if str(exc) == NOT_HTTP else BAD_URL, url[:200])
        try:
            self._check_address(key)
            self._check_robots(key, _Deadline(self.deadline, self._clock))
        except _Refused as refused:
            return (refused.problem, refused.detail)
        return None

    def robots_sitemaps(self, url: str) -> list[str]:
        """The `Sitemap:` lines of the robots.txt that governs `url` (read if need be), as
        absolute http(s) URLs in their order; none when it has none or cannot be read."""
        try:
            key = normalize(url)
        except ValueError:
            return []
        try:
            self._check_address(key)
            self._check_robots(key, _Deadline(self.deadline, self._clock))
        except _Refused as refused:
            if refused.problem != ROBOTS_DISALLOWED:
                return []
            # robots.txt was read; that it disallows `url` leaves its Sitemap lines good.
        robots = self._host(key).robots
        found: list[str] = []
        for line in robots.sitemaps if robots is not None else ():
            try:
                target = normalize(urljoin(key, str(line)))
            except ValueError:
                continue
            if target not in found:
                found.append(target)
        return found

    # ---- Retries

    def _retry_wait(self, result: FetchResult, attempt: int) -> float | None:
        retryable = result.problem in (CONNECTION_FAILED, RATE_LIMITED, UNAVAILABLE)
        if not retryable or attempt >= self.retries:
            return None
        backoff = self.backoff * 2.0**attempt
        if result.retry_after is not None:
            if result.retry_after > self.max_retry_wait:
                return None  # the site asks for longer than we wait here: a later pass tries
            return max(result.retry_after, 0.0)
        return min(backoff, self.max_retry_wait)

    # ---- One attempt: the redirect chain and the body

    def _attempt(
        self, key: str, conditional: dict[str, str], validated: str | None, started: float
    ) -> FetchResult:
        deadline = _Deadline(self.deadline, self._clock)
        url, seen, hops = key, {key}, 0
        status: int | None = None
        sent: dict[str, str] = {}
        try:
            while True:
                self._check_address(url)
                self._check_robots(url, deadline)
                sent = conditional if url == validated else {}
                response_headers, status, reason, body = self._get(url, sent, deadline)
                if status in REDIRECT_CODES:
                    location = dict(response_headers).get("location")
                    if not location:
                        raise _Refused(BAD_REDIRECT, url, status)
                    try:
                        target = normalize(urljoin(url, location))
                    except ValueError as exc:
                        raise _Refused(
                            NOT_HTTP if str(exc) == NOT_HTTP else BAD_REDIRECT, location[:200], status
                        ) from None
                    hops += 1
                    if target in seen:
                        raise _Refused(REDIRECT_LOOP, f"{url} -> {target}", status)
                    if hops > self.max_redirects:
                        raise _Refused(TOO_MANY_REDIRECTS, f"over {self.max_redirects} hops", status)
                    seen.add(target)
                    url = target
                    continue
                break
        except _Refused as refused:
            return FetchResult(
                key,
                url,
                refused.status,
                elapsed=self._clock() - started,
                problem=refused.problem,
                detail=refused.detail,
            )
        assert status is not None
        headers = tuple(response_headers)
        lookup = dict(headers)
        new_etag = lookup.get("etag")
        new_modified = lookup.get("last-modified")
        elapsed = self._clock() - started
        if status == 304:
            return FetchResult(
                key,
                url,
                status,
                headers,
                None,
                new_etag or sent.get("If-None-Match"),
                new_modified or sent.get("If-Modified-Since"),
                elapsed,
            )
        if status in RETRY_CODES or status >= 400:
            problem = RATE_LIMITED if status == 429 else UNAVAILABLE if status == 503 else HTTP_ERROR
            return FetchResult(
                key,
                url,
                status,
                headers,
                elapsed=elapsed,
                problem=problem,
                detail=f"HTTP {status} {reason}".strip(),
                retry_after=_retry_after(lookup.get("retry-after"), time.time()),
            )
        if status >= 300 or body is None:
            return FetchResult(key, url, status, headers, elapsed=elapsed, problem=HTTP_ERROR, detail=f"HTTP {status}")
        result = FetchResult(key, url, status, headers, body, new_etag, new_modified, elapsed)
        ctype = result.content_type
        if not any(a in ctype for a in self.accept):
            return FetchResult(
                key, url, status, headers, None, elapsed=elapsed, problem=UNSUPPORTED_TYPE, detail=ctype or "none given"
            )
        if self.archive is not None:
            self.archive.record(url, self._request_headers(url, sent), status, reason, headers, body)
        return result

    def _request_headers(self, url: str, conditional: Mapping[str, str]) -> dict[str, str]:
        parts = urlsplit(url)
        return {
            "Host": parts.netloc,
            "User-Agent": self.user_agent,
            "Accept-Encoding": "gzip, deflate",
            **conditional,
        }

    # ---- Safety checks

    def _check_address(self, url: str) -> None:
        if self.allow_private:
            return
        parts = urlsplit(url)
        _public_address(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))

    def _host(self, url: str) -> _Host:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._hosts_lock:
            host = self._hosts.get(origin)
            if host is None:
                host = self._hosts[origin] = _Host(threading.Semaphore(self.per_host))
            return host

    def _check_robots(self, url: str, deadline: _Deadline) -> None:
        host = self._host(url)
        if host.robots_until <= self._clock():
            with host.robots_lock:
                if host.robots_until <= self._clock():
                    self._load_robots(url, host, deadline)
        if host.robots is None:
            if host.robots_allow_all:
                return
            raise _Refused(ROBOTS_DISALLOWED, "robots.txt unavailable; retrying later")
        if not host.robots.can_fetch(url, self.robots_agent):
            raise _Refused(ROBOTS_DISALLOWED, url)

    def _load_robots(self, url: str, host: _Host, deadline: _Deadline) -> None:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        text: str | None = None
        allow_all = True
        until = self._clock() + ROBOTS_TTL
        try:
            target, hops = robots_url, 0
            while True:
                headers, status, _, body = self._get(target, {}, deadline, limit=ROBOTS_MAX_BYTES, truncate=True)
                location = dict(headers).get("location")
                if status in REDIRECT_CODES and location and hops < self.max_redirects:
                    hops += 1
                    target = normalize(urljoin(target, location))
                    self._check_address(target)
                    continue
                break
            if 200 <= status < 300 and body is not None:
                text = body.decode("utf-8", errors="replace")
            elif status in RETRY_CODES or status >= 500:
                allow_all, until = False, self._clock() + ROBOTS_RETRY
            # 4xx (no robots.txt): everything is allowed.
        except ValueError:  # a redirect to something not http(s)
            allow_all, until = False, self._clock() + ROBOTS_RETRY
        except _Refused as refused:
            if refused.problem in (CONNECTION_FAILED, TIMED_OUT, PRIVATE_ADDRESS, UNRESOLVED):
                # The host is unreachable or refused: the page fails for that reason (and a
                # connection failure is retried); robots.txt is asked again next time.
                raise
            allow_all, until = False, self._clock() + ROBOTS_RETRY
        robots = Protego.parse(text) if text is not None else None
        with host.lock:
            host.robots, host.robots_allow_all, host.robots_until = robots, allow_all, until
        # The robots.txt request itself was spaced before its Crawl-delay was known.
        interval = self._crawl_delay(host)
        with host.lock:
            host.next_at = max(host.next_at, self._clock() + interval)

    def _crawl_delay(self, host: _Host) -> float:
        delay: float | None = host.robots.crawl_delay(self.robots_agent) if host.robots is not None else None
        return max(self.min_interval, min(float(delay or 0.0), MAX_CRAWL_DELAY))

    # ---- The request itself

    def _wait_turn(self, host: _Host) -> None:
        """Reserve the next start slot for this host and sleep until it comes."""
        interval = self._crawl_delay(host)
        with host.lock:
            now = self._clock()
            start = max(now, host.next_at)
            host.next_at = start + interval
        if start > now:
            self._sleep(start - now)

    def _get(
        self,
        url: str,
        extra: Mapping[str, str],
        deadline: _Deadline,
        *,
        limit: int | None = None,
        truncate: bool = False,
    ) -> tuple[list[tuple[str, str]], int, str, bytes | None]:
        """One GET, no redirects followed: (kept headers, status, reason, body). The body is
        read only for 2xx answers, decompressed under `limit` (TOO_LARGE past it, or cut
        there with `truncate`)."""
        host = self._host(url)
        limit = self.max_bytes if limit is None else limit
        queued = self._clock()
        with host.slots, self._all:
            self._wait_turn(host)
            deadline.extend(self._clock() - queued)
            if deadline.passed():
                raise _Refused(TIMED_OUT, "deadline passed before the request")
            try:
                request = self._client.build_request("GET", url, headers=dict(extra))
                response = self._client.send(request, stream=True)
            except httpx.ConnectTimeout as exc:  # the host may be back soon: retried
                raise _Refused(CONNECTION_FAILED, f"{type(exc).__name__}: {exc}") from None
            except httpx.TimeoutException as exc:
                raise _Refused(TIMED_OUT, f"{type(exc).__name__}: {exc}") from None
            except (httpx.TransportError, httpx.InvalidURL, OSError) as exc:
                raise _Refused(CONNECTION_FAILED, f"{type(exc).__name__}: {exc}") from None
            try:
                headers = [(k.lower(), v) for k, v in response.headers.items() if k.lower() in KEPT_HEADERS]
                headers = [(k, v) for k, v in headers if k != "content-length"]
                status, reason = response.status_code, response.reason_phrase
                body: bytes | None = None
                if 200 <= status < 300:
                    encoding = response.headers.get("content-encoding", "identity").strip().lower()
                    body = self._read_body(response, encoding, limit, truncate, deadline)
                    headers.append(("content-length", str(len(body))))
                return headers, status, reason, body
            except httpx.TimeoutException as exc:
                raise _Refused(TIMED_OUT, f"{type(exc).__name__}: {exc}", response.status_code) from None
            except (httpx.TransportError, httpx.StreamError, OSError) as exc:
                raise _Refused(CONNECTION_FAILED, f"{type(exc).__name__}: {exc}", response.status_code) from None
            finally:
                response.close()

    def _read_body(
        self, response: httpx.Response, encoding: str, limit: int, truncate: bool, deadline: _Deadline
    ) -> bytes:
        if encoding in ("gzip", "x-gzip"):
            inflater: zlib._Decompress | None = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)
        elif encoding == "deflate":
            inflater = zlib.decompressobj()
        elif encoding in ("identity", ""):
            inflater = None
        else:
            raise _Refused(UNSUPPORTED_ENCODING, encoding[:60], response.status_code)
        out = bytearray()

        def room() -> int:
            return limit + 1 - len(out)

        for raw in response.iter_raw():
            if deadline.passed():
                raise _Refused(TIMED_OUT, f"page not read within {self.deadline:g} s", response.status_code)
            if inflater is None:
                out += raw[: room()]
            else:
                try:
                    data = inflater.decompress(raw, room())
                    out += data
                    while inflater.unconsumed_tail and room() > 0:
                        out += inflater.decompress(inflater.unconsumed_tail, room())
                except zlib.error as exc:
                    raise _Refused(BROKEN_ENCODING, str(exc), response.status_code) from None
            if len(out) > limit:
                if truncate:
                    return bytes(out[:limit])
                raise _Refused(TOO_LARGE, f"over {limit} bytes decompressed", response.status_code)
        return bytes(out)
