"""Following the outlets kabar knows (`kabar fetch`, `kabar watch`, issue 17).

A pass, for each due source: read its feeds (feedparser) and sitemaps (a urlset or a news
sitemap; a sitemap index one level deep) with a conditional GET on the validators kept from
the last pass; collect the article URLs they list (normalised, so tracking parameters never
make a second copy); skip those a pass has already seen; fetch the new ones, the pages an
article continues on, and the earlier failures whose retry is due, through the polite
`Fetcher` into the source's own rolling WARC files; then ingest the WARC files with the
normal pipeline (`pipeline.run` takes the store's ingest lock, so a pass takes turns with
`kabar ingest` and uploads; fetching runs outside it). Sources are read and fetched in
worker threads (`SOURCE_THREADS`); only the main thread touches the store.

An article's outlet is the source's that fetched it: each source's pages go to a WARC folder
of its own, and the ingest files every article of a folder under its source's name.

Crash safety: the WARC files are the journal. A page's record is written whole and flushed
before its fetch is saved in the store (`fetch_seen`, every `JOURNAL_SECONDS`); a file is
marked ingested only once its ingest has finished. A pass starts by marking the pages of the
files not yet ingested as fetched, then ingests those files with its own: after a `kill -9`
at any point, nothing fetched is fetched again and nothing is lost (an ingest run again
stores only what it had not stored). A failed page is state, not an error: a passing failure
(429, 503, a timeout, a dropped connection) is tried again after a growing wait, at most
`MAX_ATTEMPTS` times; any other is final and kept with its reason.

After a pass the alerts are checked and their webhooks posted (`kabar.alerts`).
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from kabar import alerts, pages, pipeline
from kabar.fetch import Fetcher, FetchResult, RollingWarc, normalize
from kabar.fetch import client as fc
from kabar.sources import Source
from kabar.store import AlertEvent, FeedState, FetchRecord, SourceSchedule, Store, StoreBusy

# Article URLs taken from one feed or sitemap, and child sitemaps read from one index: a
# hostile or huge sitemap must not make a pass unbounded.
MAX_URLS_PER_LIST = 5000
MAX_CHILD_SITEMAPS = 50
NOT_A_FEED = "not a feed"
NOT_A_SITEMAP = "not a sitemap"
# Failures that pass: the site was busy, down for a moment, or slow. Tried again after
# RETRY_BASE seconds, doubling, at most MAX_ATTEMPTS fetches in all (5 min, 10, 20, 40:
# about 75 minutes, past the usual length of a news site's outage or rate-limit window).
TRANSIENT = frozenset({fc.RATE_LIMITED, fc.UNAVAILABLE, fc.TIMED_OUT, fc.CONNECTION_FAILED})
RETRY_BASE = 300.0
MAX_ATTEMPTS = 5
RETRY_BATCH = 200  # retries per source and pass
# How often fetched pages are saved as seen while a pass fetches (seconds).
JOURNAL_SECONDS = 1.0
# Sources read and fetched at once: each has its own hosts and politeness, so they do not
# slow each other; threads mostly wait on the network.
SOURCE_THREADS = 4
# `kabar watch` reads each source every this many seconds unless the source has its own
# interval: news feeds change every few minutes, and 15 minutes keeps a monitor current
# within a news cycle at 96 reads of a feed a day.
DEFAULT_INTERVAL = 900.0
# The watch sleeps at least this long between passes (a schedule in the past does not spin)
# and at most this long (so a stop or a new source is noticed).
MIN_SLEEP = 0.2
MAX_SLEEP = 60.0
# After a failed pass the watch waits this long, doubling with each failure in a row up to
# the maximum (a database restart takes seconds; an outage longer is waited out at a
# pass every 10 minutes rather than a busy loop).
MIN_FAILURE_WAIT = 5.0
MAX_FAILURE_WAIT = 600.0


@dataclass
class SourcePass:
    """What one pass did for one source."""

    name: str
    feeds_read: int = 0  # feeds and sitemaps read (200)
    feeds_unchanged: int = 0  # answered 304
    lists_failed: Counter[str] = field(default_factory=Counter)  # feed or sitemap problems
    new_urls: int = 0
    retried: int = 0  # earlier passing failures tried again
    fetched: int = 0
    failed: Counter[str] = field(default_factory=Counter)  # article page problems by reason


@dataclass
class PassReport:
    sources: list[SourcePass] = field(default_factory=list)
    ingest: pipeline.IngestReport | None = None
    ingest_busy: str | None = None  # another ingest held the store: the files wait for the next pass
    warc_files: list[Path] = field(default_factory=list)
    recovered: int = 0  # pages of an earlier, killed pass marked as fetched from its WARC files
    notifications: list[AlertEvent] = field(default_factory=list)
    deliveries: alerts.DeliveryReport | None = None


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
    """One source's lists read in one pass (in a worker thread: it does not touch the store;
    `states` are the lists' stored validators, read beforehand)."""

    def __init__(self, source: Source, fetcher: Fetcher, report: SourcePass, states: dict[str, FeedState]) -> None:
        self.source, self.fetcher, self.report = source, fetcher, report
        self.states = states
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


def _slug(name: str) -> str:
    """A source's WARC subfolder: its name in lower-case ASCII letters, digits and dashes."""
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower()).strip("-")
    return "-".join(filter(None, slug.split("-")))[:60] or "source"


def warc_files(warc_dir: str | Path) -> list[Path]:
    """Every WARC file the fetch passes wrote under `warc_dir` (one subfolder per source)."""
    return sorted(Path(warc_dir).glob("**/kabar-*.warc.gz"))


def _retry(record: FetchRecord, result: FetchResult, when: datetime) -> FetchRecord:
    """`record` with its retry schedule: a passing failure is tried again after a growing
    wait (or the site's Retry-After, if longer), at most MAX_ATTEMPTS times."""
    if result.problem not in TRANSIENT or record.attempts >= MAX_ATTEMPTS:
        return record
    wait = max(RETRY_BASE * 2 ** (record.attempts - 1), result.retry_after or 0.0)
    return replace(record, retry_at=(when + timedelta(seconds=wait)).isoformat(timespec="seconds"))


class _Work:
    """What a source's worker fetches in one pass, and what it found (shared with the main
    thread through `records`, under `lock`)."""

    def __init__(self, source: Source, fetcher: Fetcher, folder: Path, states: dict[str, FeedState]) -> None:
        self.source, self.fetcher, self.folder = source, fetcher, folder
        self.report = SourcePass(source.name)
        self.run = _SourceRun(source, fetcher, self.report, states)
        self.lock = threading.Lock()
        self.records: list[FetchRecord] = []
        self.warc_files: list[Path] = []

    def take(self) -> list[FetchRecord]:
        with self.lock:
            out, self.records = self.records, []
        return out

    def fetch(self, targets: Sequence[tuple[str, int]], stop: threading.Event) -> None:
        """Fetch `targets` ((key, attempts so far)) into this source's WARC files, with the
        pages each article is continued on (`pages.next_page_url`) right after it."""
        with RollingWarc(self.folder) as archive:
            before = set(archive.files())
            self.fetcher.archive = archive
            try:
                for key, attempts in targets:
                    if stop.is_set():
                        break
                    self._fetch_article(key, attempts)
            finally:
                self.fetcher.archive = None
                self.warc_files = [f for f in archive.files() if f not in before]

    def _fetch_article(self, key: str, attempts: int) -> None:
        result = self.fetcher.fetch(key)
        self._record(key, result, attempts + 1)
        seen = {key}
        for _ in range(pages.MAX_PAGES - 1):
            if not result.ok or result.body is None:
                break
            following = pages.next_page_url(result.body, result.final_url)
            if following is None:
                break
            try:
                following = normalize(following)
            except ValueError:
                break
            if following in seen:
                break
            seen.add(following)
            result = self.fetcher.fetch(following)
            self._record(following, result, 1, continued=True)

    def _record(self, key: str, result: FetchResult, attempts: int, continued: bool = False) -> None:
        if result.ok:
            if not continued:
                self.report.fetched += 1
        else:
            self.report.failed[result.problem or f"HTTP {result.status}"] += 1
        when = datetime.now(UTC)
        record = FetchRecord(key, self.source.name, when.isoformat(timespec="seconds"), result.status,
                             result.problem, result.detail[:500], attempts)  # fmt: skip
        # A later page is fetched only after its first: retried alone, it would be stored
        # as an article of its own, so its failure is final.
        with self.lock:
            self.records.append(record if continued else _retry(record, result, when))


class Monitor:
    """Follows the store's sources: `run_pass` reads the due ones' feeds and sitemaps, fetches
    what is new into WARC files and ingests them; `follow` repeats passes as `kabar watch`.
    Fetchers (with their robots.txt cache and per-host pacing) are kept per source across
    passes. The caller holds `store.monitor_lock` (`kabar fetch` and `kabar watch` do)."""

    def __init__(
        self,
        store: Store,
        warc_dir: str | Path,
        *,
        fetcher_options: dict[str, Any] | None = None,
        interval: float = DEFAULT_INTERVAL,
        threads: int = SOURCE_THREADS,
        alerts: bool = True,
        **ingest_options: Any,
    ) -> None:
        self.store, self.warc_dir = store, Path(warc_dir).resolve()
        self.fetcher_options = dict(fetcher_options or {})
        self.interval, self.threads, self.alerts = interval, threads, alerts
        self.ingest_options = ingest_options
        self.stop = threading.Event()
        self._fetchers: dict[tuple[str, bool], Fetcher] = {}

    def close(self) -> None:
        for fetcher in self._fetchers.values():
            fetcher.close()
        self._fetchers.clear()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fetcher(self, source: Source) -> Fetcher:
        key = (source.name, source.allow_private)
        if key not in self._fetchers:
            self._fetchers[key] = Fetcher(**{**self.fetcher_options, "allow_private": source.allow_private})
        return self._fetchers[key]

    # ---- Recovery: the WARC files are the journal

    def pending_files(self) -> list[Path]:
        """WARC files under the folder whose ingest has not finished (a pass killed before
        or during it, or this pass's)."""
        done = self.store.ingested_warcs()
        return [f for f in warc_files(self.warc_dir) if str(f) not in done]

    def _file_sources(self, files: Sequence[Path]) -> dict[str, str]:
        """Each file's source: the one whose folder it is in. A file's pages belong to it,
        whatever their URL says (outlets sharing a host, a syndication domain, a CDN)."""
        by_folder = {_slug(s.name): s.name for s in self.store.outlet_sources()}
        return {str(f): by_folder[f.parent.name] for f in files if f.parent.name in by_folder}

    def _journal_files(self, files: Sequence[Path]) -> int:
        """Mark the pages in `files` as fetched, so a page a killed pass fetched (its record
        whole in a WARC file, its fetch not yet in the store) is never fetched again."""
        sources = self._file_sources(files)
        found: dict[str, tuple[str, str]] = {}
        for path in files:
            for url, when in _warc_responses(path):
                try:
                    found.setdefault(normalize(url), (sources.get(str(path), path.parent.name), when))
                except ValueError:
                    continue
        missing = set(found) - self.store.fetched_urls(list(found))
        records = [FetchRecord(url, *found[url], 200, detail="recovered from the WARC file") for url in sorted(missing)]
        self.store.save_fetches(records)
        return len(records)

    def _ingest_pending(self, files: Sequence[Path]) -> pipeline.IngestReport | None:
        if not files:
            return None
        outlets = self._file_sources(files)
        report = pipeline.run([str(f) for f in files], self.store, outlets=outlets, **self.ingest_options)
        self.store.mark_warcs_ingested([str(f) for f in files], _now())
        return report

    def _ingest(self, report: PassReport, files: Sequence[Path]) -> None:
        try:
            report.ingest = self._ingest_pending(files)
        except StoreBusy as busy:
            report.ingest_busy = str(busy)

    # ---- One pass

    def due(self, now: datetime | None = None) -> list[Source]:
        """The sources due at `now`: never read, or their next due time has come."""
        when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        schedules = self.store.source_schedules()
        return [s for s in self.store.outlet_sources() if s.name not in schedules or schedules[s.name].next_due <= when]

    def next_due(self) -> datetime | None:
        """When the next source is due (None: no sources)."""
        sources = {s.name for s in self.store.outlet_sources()}
        if not sources:
            return None
        schedules = self.store.source_schedules()
        if sources - set(schedules):
            return datetime.now(UTC)
        return min(datetime.fromisoformat(schedules[n].next_due) for n in sources)

    def run_pass(
        self, sources: Sequence[Source] | None = None, on_source: Callable[[SourcePass], None] | None = None
    ) -> PassReport:
        """One pass over `sources` (default: every source), see the module doc."""
        report = PassReport()
        left = self.pending_files()  # an earlier pass's, killed or kept from its ingest
        report.recovered = self._journal_files(left)
        chosen = list(self.store.outlet_sources() if sources is None else sources)
        works = [
            _Work(s, self._fetcher(s), self.warc_dir / _slug(s.name), self.store.feed_states([*s.feeds, *s.sitemaps]))
            for s in chosen
        ]
        started = datetime.now(UTC)
        with ThreadPoolExecutor(max_workers=max(1, self.threads), thread_name_prefix="kabar-fetch") as pool:
            listed = list(pool.map(lambda w: _keys(w.run.article_urls()), works))
            targets: list[list[tuple[str, int]]] = []
            now = _now()
            for work, keys in zip(works, listed, strict=True):
                seen = self.store.fetched_urls(keys)
                fresh = [(k, 0) for k in keys if k not in seen]
                work.report.new_urls = len(fresh)
                retries = self.store.retry_due(work.source.name, now, RETRY_BATCH)
                work.report.retried = len(retries)
                targets.append([*fresh, *((r.url, r.attempts) for r in retries)])
            futures = [pool.submit(w.fetch, t, self.stop) for w, t in zip(works, targets, strict=True)]
            # Fetched pages go into the store as they come (the main thread owns the store).
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=JOURNAL_SECONDS, return_when=FIRST_COMPLETED)
                self.store.save_fetches([r for w in works for r in w.take()])
            for future in futures:
                future.result()  # a worker's bug is raised here, after what it fetched is saved
        self.store.save_fetches([r for w in works for r in w.take()])
        report.warc_files = [f for w in works for f in w.warc_files if f.exists()]
        if to_ingest := sorted({*left, *report.warc_files}):
            self._ingest(report, to_ingest)
        self.store.save_feed_states([st for w in works for st in w.run.new_states])
        schedules = self.store.source_schedules()
        self.store.save_source_schedules([self._schedule(w.source, schedules.get(w.source.name), started)
                                          for w in works])  # fmt: skip
        for work in works:
            report.sources.append(work.report)
            if on_source is not None:
                on_source(work.report)
        if self.alerts:
            report.notifications = alerts.check(self.store)
            report.deliveries = alerts.deliver(self.store)
        return report

    def _schedule(self, source: Source, old: SourceSchedule | None, started: datetime) -> SourceSchedule:
        interval = old.interval if old and old.interval else self.interval
        due = (started + timedelta(seconds=interval)).isoformat(timespec="seconds")
        return SourceSchedule(source.name, due, started.isoformat(timespec="seconds"), old.interval if old else None)

    # ---- The loop

    def follow(
        self,
        cycles: int | None = None,
        on_pass: Callable[[PassReport], None] | None = None,
        on_source: Callable[[SourcePass], None] | None = None,
        sleep: Callable[[float], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Pass over the due sources until `stop` is set or `cycles` passes were made, waiting
        for the next due source in between; how many passes were made (a failed one counts).

        A pass that fails (the database went away, the disk is full) is reported to
        `on_error` and tried again after a wait that doubles up to MAX_FAILURE_WAIT: a
        service keeps running, and what the failed pass fetched is in its WARC files, which
        the next pass ingests."""
        done = failures = 0
        pause = sleep if sleep is not None else self.stop.wait
        while not self.stop.is_set() and (cycles is None or done < cycles):
            due = self.due()
            if due:
                try:
                    report = self.run_pass(due, on_source)
                except Exception as exc:  # one pass's failure must not end the watch
                    done += 1
                    failures += 1
                    if on_error is not None:
                        on_error(exc)
                    pause(min(MIN_FAILURE_WAIT * 2 ** (failures - 1), MAX_FAILURE_WAIT))
                    continue
                done += 1
                failures = 0
                if on_pass is not None:
                    on_pass(report)
                continue
            upcoming = self.next_due()
            wait_for = self.interval if upcoming is None else (upcoming - datetime.now(UTC)).total_seconds()
            pause(min(max(wait_for, MIN_SLEEP), MAX_SLEEP))
        return done


def _warc_responses(path: Path) -> Iterator[tuple[str, str]]:
    """(target URI, date) of each whole response record in a WARC file; a record cut short
    by a kill ends the reading."""
    try:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    when = record.rec_headers.get_header("WARC-Date") or _now()
                    if uri:
                        yield uri, when
    except (ArchiveLoadFailed, OSError, EOFError, zlib.error, ValueError):
        return


def run_pass(
    store: Store,
    warc_dir: str | Path,
    *,
    fetcher_options: dict[str, Any] | None = None,
    on_source: Callable[[SourcePass], None] | None = None,
    **ingest_options: Any,
) -> PassReport:
    """One pass over every source in `store` (`kabar fetch`), under the store's monitor lock
    for as long as it runs. `fetcher_options` go to each source's `Fetcher` (a source's
    `allow_private` is its own); `ingest_options` to `pipeline.run`."""
    with store.monitor_lock(0.0), Monitor(store, warc_dir, fetcher_options=fetcher_options, **ingest_options) as m:
        return m.run_pass(on_source=on_source)
