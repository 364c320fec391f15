"""`kabar watch` and alerts (kabar.monitor, kabar.alerts) over several passes of the test site
(tests/testsite.py), with a webhook receiver on 127.0.0.1: stories appear and grow, nothing
is fetched twice, robots.txt and the pace are obeyed, bad pages are kept with a reason,
passing failures are retried, alerts fire once, and a `kill -9` loses and repeats nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kabar import alerts, monitor
from kabar.cli import app
from kabar.fetch import client as fc
from kabar.sources import Source
from kabar.store import Store, open_store
from testsite import ARTICLES, Site, article_html, new_article, serve_site

OUTLET = "Warta Uji Semarang"
PACE = 0.15  # seconds between two requests to the site
FETCHER = {"min_interval": PACE, "backoff": 0.05, "user_agent": "kabar/0.1", "contact": "mailto:uji@example.org"}
BAD_PAGES = ["/laporan.pdf", "/bomb.html", "/private/memo.html", "/very-busy.html", "/flaky.html"]


@dataclass
class Receiver:
    """A webhook endpoint: every POST's headers and body; answers `fail_first` posts with 500."""

    url: str = ""
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    fail_first: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def receiver(fail_first: int = 0) -> Iterator[Receiver]:
    got = Receiver(fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with got.lock:
                got.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                failing = len(got.posts) <= got.fail_first
            self.send_response(500 if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site(crawl_delay=0.0, slow_seconds=1.0) as s:
        s.feed_extras = list(BAD_PAGES)
        yield s


def follow(site: Site, store: Store) -> None:
    store.save_outlet_source(
        Source(name=OUTLET, domains=("127.0.0.1",), feeds=(site.url("/feed.xml"),), allow_private=True, added="x")
    )


def article_hits(site: Site) -> Counter[str]:
    paths = {a.path for a in site.articles}
    return Counter(h.path.split("?")[0] for h in site.log() if h.path.split("?")[0] in paths)


def test_watch_cycles_grow_stories_fetch_once_obey_robots_and_pace_and_alert_once(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitor, "RETRY_BASE", 0.0)  # /flaky.html is due again on the next pass
    with receiver(fail_first=1) as hook, open_store(str(tmp_path / "kabar.db")) as store:
        follow(site, store)
        flood = alerts.new_alert(store, "Rob Semarang", "rob", condition="new-story", webhook=hook.url,
                                 allow_private=True)  # fmt: skip
        monkeypatch.setattr(alerts, "RETRY_BASE", alerts.timedelta(seconds=0))  # retry a failed post at once
        passes: list[monitor.PassReport] = []
        sizes: list[dict[str, int]] = []

        def on_pass(report: monitor.PassReport) -> None:
            passes.append(report)
            sizes.append(Counter(a.story or "" for a in store.iter_articles()))
            if len(passes) <= 2:
                site.add_article(new_article(len(passes)))  # news appears between passes

        with monitor.Monitor(store, tmp_path / "warc", fetcher_options=FETCHER, interval=1.0, embed=False) as m:
            made = m.follow(cycles=4, on_pass=on_pass)
        assert made == 4

        # Stories appear, then grow: the updates (two, and /flaky.html's) join the flood's story.
        articles = list(store.iter_articles())
        assert len(articles) == len(ARTICLES) + 2 + 1  # the five, two updates, /flaky.html on its retry
        assert all(a.story for a in articles) and {a.outlet for a in articles} == {OUTLET}
        update_story = {a.story for a in articles if "Pembaruan" in a.title}
        assert len(update_story) == 1
        [story] = update_story
        assert 0 < sizes[0][story] < sizes[1][story] < sizes[2][story] == sizes[3][story]

        # Nothing fetched twice; robots.txt obeyed; the pace kept between requests.
        assert all(n == 1 for n in article_hits(site).values()) and len(article_hits(site)) == len(ARTICLES) + 2
        assert not site.requests_to("/private/memo.html")
        times = [h.at for h in site.log() if not h.path.startswith("/robots.txt")]
        gaps = [b - a for a, b in pairwise(times)]
        # Arrival times jitter by the connection and the threads (unpaced requests come ~2 ms apart).
        assert min(gaps) >= PACE * 0.66 and sum(gaps) / len(gaps) >= PACE

        # Bad pages are kept with their reason; a passing failure is retried, and a final one is not.
        failures = {f.url.removeprefix(site.base): f for f in store.fetch_failures(20)}
        assert failures["/laporan.pdf"].problem == fc.UNSUPPORTED_TYPE and failures["/laporan.pdf"].retry_at is None
        assert failures["/bomb.html"].problem == fc.TOO_LARGE
        assert failures["/private/memo.html"].problem == fc.ROBOTS_DISALLOWED
        busy = failures["/very-busy.html"]
        assert busy.problem == fc.RATE_LIMITED and busy.retry_at is not None and busy.attempts == 1
        assert "/flaky.html" not in failures  # failed on pass 1, fetched on its retry
        assert len(site.requests_to("/laporan.pdf")) == 1 and len(site.requests_to("/bomb.html")) == 1
        assert passes[1].sources[0].retried == 1

        # Alerts: one notification per story and condition, whatever the passes; the webhook
        # got each (the first post failed and was retried), signed with the alert's secret.
        # The flood's story matched on every pass; it is notified once, on the first.
        [event] = store.alert_events(flood.id, 100)
        assert event.story == story and event.event == "new-story"
        assert [len(p.notifications) for p in passes] == [1, 0, 0, 0]
        assert len(hook.posts) == 2  # the failed first post, then its retry on the next pass
        for headers, body in hook.posts:
            assert alerts.verify(flood.secret, body, headers[alerts.SIGNATURE_HEADER.lower()])
            assert json.loads(body)["story"]["id"] == story and headers["x-kabar-event"] == "new-story"
        assert not alerts.verify("another secret", hook.posts[0][1], hook.posts[0][0]["x-kabar-signature"])
        [delivered] = store.alert_events(flood.id, 100)
        assert delivered.delivered and delivered.attempts == 2

        # A check after the passes finds nothing new.
        assert alerts.check(store) == []


def test_watch_cli_runs_its_cycles_and_refuses_a_second_monitor(site: Site, tmp_path: Path) -> None:
    db = str(tmp_path / "kabar.db")
    with open_store(db) as store:
        follow(site, store)
    site.feed_extras = []
    runner = CliRunner()
    args = ["--db", db, "--warc", str(tmp_path / "w"), "--no-embed", "--min-interval", "0"]
    with open_store(db) as store, store.monitor_lock(0.0):
        busy = runner.invoke(app, ["fetch", *args])
        assert busy.exit_code == 2 and "another kabar fetch or watch" in busy.output
    result = runner.invoke(app, ["watch", *args, "--interval", "1", "--cycles", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.count("pass at ") == 2
    assert f"{len(ARTICLES)} stored" in result.output and "nothing new to ingest" in result.output
    added = runner.invoke(app, ["alerts", "add", "Banjir", "--query", "banjir rob", "--when", "sources:3", "--db", db])
    assert added.exit_code == 0 and "sources:3" in added.output
    listed = runner.invoke(app, ["alerts", "list", "--json", "--db", db])
    [record] = json.loads(listed.output)
    assert record["name"] == "Banjir" and "secret" not in record
    assert runner.invoke(app, ["alerts", "remove", "Banjir", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["alerts", "remove", "Banjir", "--db", db]).exit_code == 2


def test_kill_9_during_watch_loses_nothing_and_fetches_nothing_twice(site: Site, tmp_path: Path) -> None:
    db = str(tmp_path / "kabar.db")
    with open_store(db) as store:
        follow(site, store)
    site.feed_extras = []
    command = [sys.executable, "-m", "kabar", "watch", "--db", db, "--warc", str(tmp_path / "w"), "--no-embed",
               "--min-interval", "0.6", "--interval", "1", "--quiet"]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ})
    try:
        deadline = time.monotonic() + 60
        while sum(article_hits(site).values()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # the second page is in its WARC file; the third not yet asked for
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    fetched_before = sum(article_hits(site).values())
    assert 2 <= fetched_before < len(ARTICLES)
    with open_store(db) as store:
        with monitor.Monitor(store, tmp_path / "w", fetcher_options=FETCHER, embed=False) as m:
            m.run_pass()
        urls = [a.url for a in store.iter_articles()]
    assert sorted(urls) == sorted(site.url(a.path) for a in ARTICLES)  # none lost, none doubled
    assert article_hits(site) == Counter({a.path: 1 for a in ARTICLES})  # none fetched twice


def test_a_pass_fetches_an_articles_later_pages_and_stores_one_article(site: Site, tmp_path: Path) -> None:
    pages = Path(__file__).parent / "pages" / "multipage"
    first = "/news/2024/04/02/ferry-night-crossings"
    site.pages = {first: (pages / "ferry-1.html").read_bytes(), f"{first}?page=2": (pages / "ferry-2.html").read_bytes()}
    site.feed_extras = [first]
    with open_store(str(tmp_path / "kabar.db")) as store:
        follow(site, store)
        with monitor.Monitor(store, tmp_path / "w", fetcher_options=FETCHER, embed=False, extract=False) as m:
            report = m.run_pass()
        assert report.sources[0].fetched == len(ARTICLES) + 1  # the ferry article counted once
        assert len(site.requests_to(first)) == 2  # its first page, then its second
        ferry = [a for a in store.iter_articles() if "ferry" in (a.url or "").lower()]
        assert len(ferry) == 1 and store.count_articles() == len(ARTICLES) + 1
        page_two = (pages / "ferry-2.html").read_text(encoding="utf-8")
        # A sentence only page 2 has is in the one article.
        assert any(p in page_two for p in ferry[0].paragraphs[-2:])
        assert store.fetched_urls([site.url(f"{first}?page=2")])  # page 2 is never fetched as new


def test_each_article_takes_the_outlet_of_the_source_that_fetched_it_on_a_shared_host(
    site: Site, tmp_path: Path
) -> None:
    site.feed_extras = []
    second = [new_article(7), new_article(8)]
    items = "".join(f"<item><title>{a.title}</title><link>{site.url('/kedua/' + a.slug)}</link></item>" for a in second)
    site.pages = {"/kedua.xml": f'<?xml version="1.0"?><rss version="2.0"><channel><title>Kedua</title>{items}'
                  "</channel></rss>".encode()}  # fmt: skip
    site.pages |= {f"/kedua/{a.slug}": article_html(a) for a in second}
    with open_store(str(tmp_path / "kabar.db")) as store:
        store.save_outlet_source(Source(name=OUTLET, domains=("127.0.0.1",), feeds=(site.url("/rss.xml"),),
                                        allow_private=True, added="x"))  # fmt: skip
        # Same host, no domain of its own: only the source that fetched a page can name its outlet.
        store.save_outlet_source(Source(name="Kabar Kedua", feeds=(site.url("/kedua.xml"),), allow_private=True,
                                        added="x"))  # fmt: skip
        with monitor.Monitor(store, tmp_path / "w", fetcher_options=FETCHER, embed=False, extract=False) as m:
            m.run_pass()
        outlets = {a.url: a.outlet for a in store.iter_articles()}
    assert len(outlets) == len(ARTICLES) + 2
    assert {outlets[site.url(a.path)] for a in ARTICLES} == {OUTLET}
    assert {outlets[site.url("/kedua/" + a.slug)] for a in second} == {"Kabar Kedua"}


def test_a_failed_pass_does_not_end_the_watch_and_the_next_ingests_what_it_fetched(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.feed_extras = []
    errors: list[BaseException] = []
    waits: list[float] = []
    with open_store(str(tmp_path / "kabar.db")) as store:
        follow(site, store)
        real = store.save_feed_states
        calls = {"n": 0}

        def broken_once(states: Any) -> None:  # the database fails after the pages were fetched
            calls["n"] += 1
            if calls["n"] == 1:
                raise OSError("disk I/O error")
            real(states)

        monkeypatch.setattr(store, "save_feed_states", broken_once)
        with monitor.Monitor(store, tmp_path / "w", fetcher_options=FETCHER, interval=1.0, embed=False,
                             extract=False) as m:  # fmt: skip
            made = m.follow(cycles=2, on_error=errors.append, sleep=waits.append)
        assert made == 2 and [str(e) for e in errors] == ["disk I/O error"]
        assert waits[0] == monitor.MIN_FAILURE_WAIT
        assert sorted(a.url for a in store.iter_articles()) == sorted(site.url(a.path) for a in ARTICLES)
    assert article_hits(site) == Counter({a.path: 1 for a in ARTICLES})  # the second pass fetched none again
