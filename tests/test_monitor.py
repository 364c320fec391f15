"""`kabar fetch` (kabar.monitor): passes over a source on the test site (tests/testsite.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import new_location
from kabar import monitor
from kabar.cli import app
from kabar.fetch import client as fc
from kabar.sources import Source
from kabar.store import FeedState, FetchRecord, Store, open_store
from testsite import ARTICLES, Site, new_article, serve_site

OUTLET = "Warta Uji Semarang"  # not the pages' own site name ("Warta Uji"): the source names them
FETCHER = {"min_interval": 0.0, "user_agent": "kabar/0.1", "contact": "mailto:monitor@example.org", "backoff": 0.05}


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site(crawl_delay=0.0, slow_seconds=1.0) as s:
        s.feed_extras = ["/laporan.pdf"]
        yield s


def follow(site: Site, db: str) -> None:
    with open_store(db) as store:
        store.save_outlet_source(
            Source(
                name=OUTLET,
                domains=("127.0.0.1",),
                feeds=(site.url("/feed.xml"),),
                sitemaps=(site.url("/sitemap-index.xml"),),
                allow_private=True,
                added="2026-12-07T00:00:00+00:00",
            )
        )


def one_pass(store: Store, tmp_path: Path) -> monitor.PassReport:
    return monitor.run_pass(store, tmp_path / "warc", fetcher_options=FETCHER, extract=False, embed=False)


def article_hits(site: Site) -> Counter[str]:
    paths = {a.path for a in site.articles}
    return Counter(h.path.split("?")[0] for h in site.log() if h.path.split("?")[0] in paths)


def test_two_passes_fetch_each_article_once_and_store_it_with_the_source_outlet(
    site: Site, tmp_path: Path, backend: str
) -> None:
    db = new_location(backend, tmp_path)
    follow(site, db)
    with open_store(db) as store:
        first = one_pass(store, tmp_path)
        [done] = first.sources
        assert done.name == OUTLET
        # The feed, the sitemap index and its two sitemaps.
        assert done.feeds_read == 4 and done.feeds_unchanged == 0 and not done.lists_failed
        # Five articles, the PDF the feed lists and the page the pages sitemap lists.
        assert done.new_urls == len(ARTICLES) + 2
        assert done.fetched == len(ARTICLES)
        assert done.failed == Counter({fc.UNSUPPORTED_TYPE: 1, fc.HTTP_ERROR: 1})
        assert first.ingest is not None and first.ingest.stored == len(ARTICLES)
        articles = list(store.iter_articles())
        assert sorted(a.url or "" for a in articles) == sorted(site.url(a.path) for a in ARTICLES)
        assert {a.outlet for a in articles} == {OUTLET}
        failures = {f.url: f for f in store.fetch_failures(10)}
        pdf = failures[site.url("/laporan.pdf")]
        assert pdf.problem == fc.UNSUPPORTED_TYPE and pdf.outlet == OUTLET
        assert failures[site.url("/tentang.html")].status == 404
        assert all(n == 1 for n in article_hits(site).values()) and len(article_hits(site)) == len(ARTICLES)

        site.add_article(new_article(1))
        feed_requests = len(site.requests_to("/feed.xml"))
        second = one_pass(store, tmp_path)
        [done] = second.sources
        # The feed has a new item, so it is read again; it was asked for conditionally.
        assert site.requests_to("/feed.xml")[feed_requests].headers.get("if-none-match")
        assert done.new_urls == 1 and done.fetched == 1 and not done.failed
        assert second.ingest is not None and second.ingest.stored == 1
        hits = article_hits(site)
        assert hits == Counter({a.path: 1 for a in site.articles})  # nothing fetched twice
        assert len(site.requests_to("/laporan.pdf")) == 1  # a failure is not fetched again
        stored = {a.url: a.outlet for a in store.iter_articles()}
        assert stored[site.url(new_article(1).path)] == OUTLET and len(stored) == len(ARTICLES) + 1

        before = len(site.log())
        third = one_pass(store, tmp_path)
        [done] = third.sources
        assert done.feeds_unchanged == 1  # the feed answered 304
        assert done.new_urls == 0 and done.fetched == 0 and third.ingest is None
        fetched_now = [h.path for h in site.log()[before:]]
        assert not [p for p in fetched_now if p.startswith(("/berita/", "/news/", "/laporan"))]


def test_a_broken_feed_is_a_failure_of_its_own_and_the_pass_goes_on(site: Site, tmp_path: Path) -> None:
    db = str(tmp_path / "kabar.db")
    with open_store(db) as store:
        store.save_outlet_source(
            Source(
                name=OUTLET,
                domains=("127.0.0.1",),
                feeds=(site.url("/laporan.pdf"), site.url("/rss.xml")),
                sitemaps=(site.url("/huge.html"),),
                allow_private=True,
                added="x",
            )
        )
        site.feed_extras = []
        report = one_pass(store, tmp_path)
        [done] = report.sources
        assert done.lists_failed == Counter({fc.UNSUPPORTED_TYPE: 1, fc.TOO_LARGE: 1})
        assert done.feeds_read == 1 and done.fetched == len(ARTICLES)
        assert report.ingest is not None and report.ingest.stored == len(ARTICLES)


def test_cli_fetch_prints_each_source_and_exits_0_despite_failed_pages(site: Site, tmp_path: Path) -> None:
    db = str(tmp_path / "kabar.db")
    runner = CliRunner()
    follow(site, db)
    result = runner.invoke(
        app, ["fetch", "--db", db, "--warc", str(tmp_path / "w"), "--no-embed", "--min-interval", "0"]
    )
    assert result.exit_code == 0, result.output
    assert OUTLET in result.output and "unsupported content type" in result.output
    assert f"{len(ARTICLES)} stored" in result.output
    assert list((tmp_path / "w").glob("*/kabar-*.warc.gz"))


def test_cli_fetch_without_store_or_sources_exits_2(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["fetch", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "no store" in missing.output
    db = str(tmp_path / "empty.db")
    open_store(db).close()
    empty = runner.invoke(app, ["fetch", "--db", db])
    assert empty.exit_code == 2 and "no sources" in empty.output


def test_a_store_of_the_previous_schema_gets_the_fetch_tables(tmp_path: Path) -> None:
    from kabar.store.sqlite import FETCH_MIGRATION, MIGRATIONS, SQLiteStore

    path = str(tmp_path / "old.db")
    old = SQLiteStore(path)
    old.db.executescript("DROP TABLE fetch_seen; DROP TABLE fetch_feeds;")
    old.db.execute(f"PRAGMA user_version = {FETCH_MIGRATION - 1}")
    old.close()
    with SQLiteStore(path) as upgraded:
        assert upgraded.schema_version == len(MIGRATIONS)
        upgraded.save_fetches([FetchRecord("https://kabarpesisir.id/a.html", "Kabar Pesisir", "2026-12-07", 404,
                                           fc.HTTP_ERROR, "404 Not Found")])  # fmt: skip
        upgraded.save_feed_states([FeedState("https://kabarpesisir.id/rss", '"e1"', None, "2026-12-07", 200)])
        assert upgraded.fetched_urls(["https://kabarpesisir.id/a.html", "https://kabarpesisir.id/b.html"]) == {
            "https://kabarpesisir.id/a.html"
        }
        assert upgraded.feed_states(["https://kabarpesisir.id/rss"])["https://kabarpesisir.id/rss"].etag == '"e1"'
        assert [f.detail for f in upgraded.fetch_failures(5)] == ["404 Not Found"]


def test_fetch_state_round_trip(tmp_path: Path, backend: str) -> None:
    with open_store(new_location(backend, tmp_path)) as store:
        page = "https://kabarpesisir.id/berita/a.html"
        store.save_fetches([FetchRecord(page, "Kabar Pesisir", "2026-12-07T01:00:00+00:00", 200)])
        assert store.fetch_failures(5) == []
        # Seen again, now failing: the newest record is kept.
        store.save_fetches([FetchRecord(page, "Kabar Pesisir", "2026-12-07T02:00:00+00:00", None, fc.TIMED_OUT)])
        assert [(f.url, f.problem) for f in store.fetch_failures(5)] == [(page, fc.TIMED_OUT)]
        feed = "https://kabarpesisir.id/rss"
        store.save_feed_states([FeedState(feed, '"v1"', None, "2026-12-07T01:00:00+00:00", 200)])
        store.save_feed_states([FeedState(feed, '"v2"', "Mon, 07 Dec 2026 01:00:00 GMT", "2026-12-07T02:00:00+00:00")])
        state = store.feed_states([feed, "https://kabarpesisir.id/other"])
        assert list(state) == [feed] and state[feed].etag == '"v2"' and state[feed].last_modified
