"""Benchmark: `kabar fetch` and `kabar watch` over a local site of many outlets (issue 17).

    uv run python bench/watch_site.py [--pages 10000] [--outlets 10] [--cycles 10] [--interval 5]
                                      [--publish-every 1.0] [--no-embed] [--threads 4] [--per-host 2]
                                      [--json OUT] [--keep DIR]

The site (bench/site_pages.py) runs in a child process, so the figures are kabar's alone:
--pages generated articles over --outlets outlets, each on a loopback address of its own
(127.0.0.2, 127.0.0.3, ...; --shared-host: all on 127.0.0.1, one port each), with an RSS feed,
a sitemap index and robots.txt without Crawl-delay. Each outlet is a source of a fresh
SQLite store (its address as its domain, its feed and sitemap, allow_private for loopback).
An article's outlet is the source's that fetched it (its WARC folder's), so with
--shared-host the outlets stay apart too.

1. Throughput: one `Monitor.run_pass` over every source, the politeness limit set high
   (min_interval 0, --per-host requests to one host at once, --max-connections in all), the
   ingest as `kabar fetch` does it (stories, extraction, title embeddings unless --no-embed).
   Reported: pages/s for fetching (pass start to ingest start: feeds, sitemaps, pages into
   WARC files), for the ingest of those files, and overall (the whole pass); peak RSS.
2. Freshness: `Monitor.follow` for --cycles passes, every source due every --interval
   seconds, on the store that now holds the site. A thread publishes new articles at random
   times (exponential gaps of mean --publish-every seconds) through the site's control port:
   a new story, another outlet's report of a recent one, or an update. Another thread polls
   the store (read-only SQLite, every POLL_SECONDS) for the new articles with a story id.
   Reported: for each new page, the time from its appearing in the feed to its article being
   stored with a story: p50, p95, max, and how many were published and found. Publishing
   stops after pass --cycles − 1, so the last pass can take what came before it.
3. Memory: RSS after each of the --cycles passes (psutil, else /proc/self/status).

Prints a table; --json OUT writes the same figures as one JSON line. Not a test: run it on
demand.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kabar import monitor, pipeline
from kabar.fetch import client as fc
from kabar.sources import Source
from kabar.store import open_store

HERE = Path(__file__).resolve().parent
# How often the freshness poller reads the store: the latency figures are this coarse.
POLL_SECONDS = 0.1
# The site builds its pages before it announces its ports; 10,000 take a few seconds.
SITE_START_TIMEOUT = 300.0


def rss_bytes() -> int:
    """This process's resident set size now."""
    try:
        import psutil
    except ImportError:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0
    return int(psutil.Process().memory_info().rss)


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def mb(n: float) -> float:
    return round(n / 2**20, 1)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation, None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, round(q) - 1))]


class IngestClock:
    """When the last ingest of a Monitor's pass started and how long it took: the Monitor's
    `_ingest_pending` (one `pipeline.run` over the pass's WARC files) wrapped on the instance."""

    def __init__(self, m: monitor.Monitor) -> None:
        self.started: float | None = None
        self.seconds = 0.0
        inner = m._ingest_pending

        def timed(files: Sequence[Path]) -> pipeline.IngestReport | None:
            self.started = time.perf_counter()
            try:
                return inner(files)
            finally:
                self.seconds = time.perf_counter() - self.started

        setattr(m, "_ingest_pending", timed)  # noqa: B010 (an instance attribute, for this bench only)


def start_site(pages: int, outlets: int, seed: int, shared: bool) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    command = [sys.executable, str(HERE / "site_pages.py"), "--pages", str(pages), "--outlets", str(outlets),
               "--seed", str(seed), *(["--shared-host"] if shared else [])]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    ready = threading.Event()
    lines: list[str] = []

    def read() -> None:
        assert child.stdout is not None
        lines.append(child.stdout.readline())
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(SITE_START_TIMEOUT) or not lines[0].strip():
        child.kill()
        raise SystemExit("the site did not start")
    return child, json.loads(lines[0])


def url_key(url: str) -> tuple[int | None, str]:
    parts = urlsplit(url)
    return parts.port, parts.path


class Publisher(threading.Thread):
    """Publishes new articles at random times until `stop`; keeps when each appeared."""

    def __init__(self, control: int, mean_gap: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.control, self.mean_gap = control, mean_gap
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.appeared: dict[tuple[int | None, str], float] = {}
        self.kinds: Counter[str] = Counter()

    def run(self) -> None:
        while not self.stop.wait(self.rng.expovariate(1.0 / self.mean_gap)):
            with urllib.request.urlopen(f"http://127.0.0.1:{self.control}/publish", timeout=10) as answer:
                got = json.loads(answer.read())
            self.appeared[url_key(got["url"])] = float(got["at"])
            self.kinds[got["kind"]] += 1


class Poller(threading.Thread):
    """Watches the store (its own read-only connection) for articles after `since_seq` with a
    story id, and when each was first seen so."""

    def __init__(self, db: Path, since_seq: int) -> None:
        super().__init__(daemon=True)
        self.db, self.since_seq = db, since_seq
        self.stop = threading.Event()
        self.found: dict[tuple[int | None, str], float] = {}

    def run(self) -> None:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT url FROM articles WHERE seq > ? AND story IS NOT NULL AND url IS NOT NULL",
                    (self.since_seq,),
                ).fetchall()
                now = time.monotonic()
                for (url,) in rows:
                    self.found.setdefault(url_key(url), now)
                self.stop.wait(POLL_SECONDS)
        finally:
            conn.close()


def store_counts(db: Path) -> tuple[int, int, int]:
    """(articles, stories, highest seq) in the store."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        n, stories, seq = conn.execute("SELECT COUNT(*), COUNT(DISTINCT story), MAX(seq) FROM articles").fetchone()
    finally:
        conn.close()
    return int(n), int(stories), int(seq or 0)


def story_outlets(db: Path) -> tuple[int, int]:
    """(outlets the articles are attributed to, stories reported by more than one of them)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        (outlets,) = conn.execute("SELECT COUNT(DISTINCT outlet) FROM articles").fetchone()
        (shared,) = conn.execute(
            "SELECT COUNT(*) FROM (SELECT story FROM articles GROUP BY story HAVING COUNT(DISTINCT outlet) > 1)"
        ).fetchone()
    finally:
        conn.close()
    return int(outlets), int(shared)


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    started = time.perf_counter()
    site, info = start_site(args.pages, args.outlets, args.seed, args.shared_host)
    built = time.perf_counter() - started
    db = folder / "kabar.db"
    result: dict[str, Any] = {
        "pages": args.pages, "outlets": args.outlets, "site_stories": info["stories"], "embed": not args.no_embed,
        "threads": args.threads, "per_host": args.per_host, "max_connections": args.max_connections,
        "interval": args.interval, "cycles": args.cycles, "site_build_seconds": round(built, 1),
        "shared_host": args.shared_host,
    }  # fmt: skip
    fetcher = {"min_interval": 0.0, "per_host": args.per_host, "max_connections": args.max_connections,
               "user_agent": "kabar/0.1", "contact": "mailto:bench@example.org"}  # fmt: skip
    try:
        with open_store(str(db)) as store:
            for outlet in info["outlets"]:
                base = f"http://{outlet['host']}:{outlet['port']}"
                domains = () if args.shared_host else (outlet["host"],)
                store.save_outlet_source(
                    Source(name=outlet["name"], domains=domains, feeds=(f"{base}/rss.xml",),
                           sitemaps=(f"{base}/sitemap.xml",), language=outlet["language"], allow_private=True,
                           added="bench", home=f"{base}/")
                )  # fmt: skip
            m = monitor.Monitor(store, folder / "warc", fetcher_options=fetcher, interval=args.interval,
                                threads=args.threads, embed=not args.no_embed)  # fmt: skip
            clock = IngestClock(m)
            with store.monitor_lock(0.0), m:
                result["throughput"] = throughput(m, clock, db)
                result["watch"] = watch(m, db, info["control"], args)
    finally:
        site.kill()
        site.wait()
    result["peak_rss_mb"] = mb(peak_rss_bytes())
    return result


def throughput(m: monitor.Monitor, clock: IngestClock, db: Path) -> dict[str, Any]:
    rss_before = rss_bytes()
    start = time.perf_counter()
    report = m.run_pass()
    total = time.perf_counter() - start
    fetch_seconds = (clock.started or time.perf_counter()) - start
    fetched = sum(s.fetched for s in report.sources)
    failed = sum(sum(s.failed.values()) for s in report.sources)
    ing = report.ingest
    articles, stories, _ = store_counts(db)
    outlets, multi_outlet = story_outlets(db)
    return {
        "fetched": fetched,
        "failed": failed,
        "stored": ing.stored if ing else 0,
        "quarantined": len(ing.quarantined) if ing else 0,
        "stories": stories,
        "stories_by_several_outlets": multi_outlet,
        "outlets": outlets,
        "articles": articles,
        "fetch_seconds": round(fetch_seconds, 2),
        "ingest_seconds": round(clock.seconds, 2),
        "pass_seconds": round(total, 2),
        "fetch_pages_per_s": round(fetched / fetch_seconds, 1) if fetch_seconds else None,
        "ingest_pages_per_s": round((ing.seen if ing else 0) / clock.seconds, 1) if clock.seconds else None,
        "overall_pages_per_s": round(fetched / total, 1),
        "rss_before_mb": mb(rss_before),
        "rss_after_mb": mb(rss_bytes()),
        "peak_rss_mb": mb(peak_rss_bytes()),
    }


def watch(m: monitor.Monitor, db: Path, control: int, args: argparse.Namespace) -> dict[str, Any]:
    _, _, seq = store_counts(db)
    poller = Poller(db, seq)
    publisher = Publisher(control, args.publish_every, args.seed)
    cycles: list[dict[str, Any]] = []
    last = time.perf_counter()

    def on_pass(report: monitor.PassReport) -> None:
        nonlocal last
        now = time.perf_counter()
        cycles.append({
            "cycle": len(cycles) + 1,
            "seconds": round(now - last, 2),
            "new_urls": sum(s.new_urls for s in report.sources),
            "fetched": sum(s.fetched for s in report.sources),
            "unchanged_lists": sum(s.feeds_unchanged for s in report.sources),
            "stored": report.ingest.stored if report.ingest else 0,
            "rss_mb": mb(rss_bytes()),
        })  # fmt: skip
        last = now
        if len(cycles) >= args.cycles - 1:
            publisher.stop.set()

    poller.start()
    publisher.start()
    m.follow(args.cycles, on_pass=on_pass)
    publisher.stop.set()
    publisher.join()
    time.sleep(2 * POLL_SECONDS)
    poller.stop.set()
    poller.join()
    latencies = sorted(poller.found[k] - at for k, at in publisher.appeared.items() if k in poller.found)
    rss = [c["rss_mb"] for c in cycles]
    return {
        "published": len(publisher.appeared),
        "published_kinds": dict(publisher.kinds),
        "found": len(latencies),
        "latency_p50_s": _round(percentile(latencies, 50)),
        "latency_p95_s": _round(percentile(latencies, 95)),
        "latency_max_s": _round(max(latencies) if latencies else None),
        "cycles": cycles,
        "rss_first_mb": rss[0] if rss else None,
        "rss_last_mb": rss[-1] if rss else None,
        "rss_growth_after_first_mb": round(rss[-1] - rss[0], 1) if rss else None,
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def show(r: dict[str, Any]) -> None:
    t, w = r["throughput"], r["watch"]
    print(f"site: {r['pages']} pages, {r['outlets']} outlets, {r['site_stories']} stories written "
          f"(built in {r['site_build_seconds']} s); embed {'on' if r['embed'] else 'off'}, "
          f"{r['threads']} source threads, per_host {r['per_host']}, min_interval 0")  # fmt: skip
    print("\nthroughput (one run_pass)")
    print(f"  {'step':<10}{'seconds':>9}{'pages/s':>9}")
    print(f"  {'fetch':<10}{t['fetch_seconds']:>9}{t['fetch_pages_per_s']!s:>9}")
    print(f"  {'ingest':<10}{t['ingest_seconds']:>9}{t['ingest_pages_per_s']!s:>9}")
    print(f"  {'overall':<10}{t['pass_seconds']:>9}{t['overall_pages_per_s']!s:>9}")
    print(f"  fetched {t['fetched']}, failed {t['failed']}, stored {t['stored']}, quarantined {t['quarantined']}, "
          f"{t['stories']} stories ({t['stories_by_several_outlets']} by more than one outlet), "
          f"{t['outlets']} outlets named; RSS {t['rss_before_mb']} -> {t['rss_after_mb']} MB, "
          f"peak {t['peak_rss_mb']} MB")  # fmt: skip
    print(f"\nfreshness (follow, interval {r['interval']} s): {w['published']} published "
          f"({', '.join(f'{n} {k}' for k, n in w['published_kinds'].items())}), "
          f"{w['found']} stored with a story; feed -> story p50 {w['latency_p50_s']} s, "
          f"p95 {w['latency_p95_s']} s, max {w['latency_max_s']} s")  # fmt: skip
    print(f"\n  {'cycle':>5}{'seconds':>9}{'new':>6}{'stored':>8}{'304s':>6}{'RSS MB':>9}")
    for c in w["cycles"]:
        print(f"  {c['cycle']:>5}{c['seconds']:>9}{c['new_urls']:>6}{c['stored']:>8}{c['unchanged_lists']:>6}"
              f"{c['rss_mb']:>9}")  # fmt: skip
    print(f"  RSS growth from cycle 1 to {len(w['cycles'])}: {w['rss_growth_after_first_mb']} MB; "
          f"peak RSS of the run {r['peak_rss_mb']} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10_000, help="article pages on the site (default 10000)")
    parser.add_argument("--outlets", type=int, default=10, help="outlets, one address and one source each (1-12)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--shared-host", action="store_true",
                        help="serve every outlet on 127.0.0.1 (told apart by port only) instead of one "
                             "loopback address each; the sources then have no domain")  # fmt: skip
    parser.add_argument(
        "--threads", type=int, default=monitor.SOURCE_THREADS, help="sources fetched at once (Monitor threads)"
    )
    parser.add_argument(
        "--per-host",
        type=int,
        default=fc.DEFAULT_PER_HOST,
        help="Fetcher requests to one host at once (no effect on a pass as the Monitor runs it: each "
        "source has its own Fetcher and one worker thread that fetches one page after another)",
    )
    parser.add_argument("--max-connections", type=int, default=fc.DEFAULT_MAX_CONNECTIONS,
                        help="Fetcher requests in all (per source)")  # fmt: skip
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between two reads of a source")
    parser.add_argument("--cycles", type=int, default=10, help="watch passes")
    parser.add_argument("--publish-every", type=float, default=1.0, help="mean seconds between new articles")
    parser.add_argument("--no-embed", action="store_true", help="ingest without title embeddings")
    parser.add_argument("--json", metavar="OUT", help="write the figures as one JSON line here")
    parser.add_argument("--keep", metavar="DIR", help="keep the store and WARC files in DIR (default: a temp dir)")
    args = parser.parse_args()
    if not 1 <= args.outlets <= 12:
        parser.error("--outlets must be between 1 and 12")
    if args.pages < 1 or args.cycles < 2 or args.interval <= 0 or args.publish_every <= 0:
        parser.error("--pages must be positive, --cycles at least 2, --interval and --publish-every above 0")
    if args.keep:
        folder = Path(args.keep)
        folder.mkdir(parents=True, exist_ok=True)
        result = run(args, folder)
    else:
        with tempfile.TemporaryDirectory(prefix="kabar-watch-") as tmp:
            result = run(args, Path(tmp))
    show(result)
    line = json.dumps(result, ensure_ascii=False)
    if args.json:
        Path(args.json).write_text(line + "\n")
    print(line)


if __name__ == "__main__":
    main()
