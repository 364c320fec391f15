"""The polite fetcher (kabar.fetch) against a hostile site on 127.0.0.1 (tests/testsite.py)."""

from __future__ import annotations

import itertools
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from warcio.archiveiterator import ArchiveIterator

from kabar import pipeline
from kabar.fetch import client as fc
from kabar.fetch.client import Fetcher, FetchResult, normalize
from kabar.fetch.warc import RollingWarc
from kabar.store import open_store
from testsite import ARTICLES, Site, article_html, new_article, serve_site

CRAWL_DELAY = 0.3
AGENT = "kabar/0.1"
CONTACT = "mailto:monitor@example.org"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve_site(crawl_delay=CRAWL_DELAY, slow_seconds=4.0) as s:
        yield s


def polite(**options: object) -> Fetcher:
    settings: dict[str, object] = {
        "allow_private": True,
        "min_interval": 0.0,
        "user_agent": AGENT,
        "contact": CONTACT,
        "backoff": 0.05,
    }
    settings.update(options)
    return Fetcher(**settings)


# ---- URLs


def test_tracking_parameters_give_one_key() -> None:
    plain = "https://warta.example/berita/banjir-rob.html"
    assert normalize("https://Warta.Example:443/berita/banjir-rob.html?utm_source=fb&utm_medium=social") == plain
    assert normalize(plain + "?fbclid=IwAR0abc#komentar") == plain
    assert normalize(plain + "?page=2&utm_campaign=x") == plain + "?page=2"
    assert normalize(plain + "?page=2") != normalize(plain + "?page=3")


def test_only_http_urls_are_fetched() -> None:
    with polite() as fetcher:
        for url in ("ftp://warta.example/berita.html", "file:///etc/passwd", "javascript:alert(1)", "/relatif.html"):
            result = fetcher.fetch(url)
            assert result.problem == fc.NOT_HTTP, url
            assert result.body is None


def test_redirect_lands_on_the_normalised_article(site: Site) -> None:
    with polite() as fetcher:
        moved = fetcher.fetch(site.url("/moved.html"))
        direct = fetcher.fetch(site.url(ARTICLES[3].path + "?utm_source=twitter"))
    assert moved.ok and direct.ok
    assert moved.final_url == direct.final_url == site.url(ARTICLES[3].path)
    assert moved.body == direct.body == article_html(ARTICLES[3])


# ---- Safety


def test_private_addresses_are_refused_without_the_flag(site: Site) -> None:
    before = len(site.log())
    with Fetcher(user_agent=AGENT) as fetcher:
        for url in (
            site.url(ARTICLES[0].path),
            "http://localhost:9/",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/",
            "http://0.0.0.0/",
        ):
            result = fetcher.fetch(url)
            assert result.problem == fc.PRIVATE_ADDRESS, url
            assert result.body is None
    assert len(site.log()) == before  # nothing reached the site, not even robots.txt


def test_every_redirect_hop_is_checked(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The site (on 127.0.0.1, counted as public here) redirects to the cloud metadata
    address: the second hop is refused before any connection."""
    real = fc._blocked
    monkeypatch.setattr(fc, "_blocked", lambda address: address != "127.0.0.1" and real(address))
    with Fetcher(user_agent=AGENT, min_interval=0.0) as fetcher:
        result = fetcher.fetch(site.url("/to-metadata.html"))
    assert result.problem == fc.PRIVATE_ADDRESS
    assert result.final_url == "http://169.254.169.254/latest/meta-data/" and result.status is None
    assert len(site.requests_to("/to-metadata.html")) == 1


def test_the_connection_itself_is_checked(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the name to resolve to a public address at the first check and to loopback at
    connect time (DNS rebinding), the connection is still refused."""
    monkeypatch.setattr(Fetcher, "_check_address", lambda self, url: None)
    before = len(site.log())
    with Fetcher(user_agent=AGENT, min_interval=0.0) as fetcher:
        result = fetcher.fetch(site.url(ARTICLES[0].path))
    assert result.problem == fc.PRIVATE_ADDRESS and result.body is None
    assert len(site.log()) == before


# ---- Politeness


def test_robots_txt_is_obeyed_and_read_once(site: Site) -> None:
    robots_before = len(site.requests_to("/robots.txt"))
    with polite() as fetcher:
        refused = fetcher.fetch(site.url("/private/memo.html"))
        assert refused.problem == fc.ROBOTS_DISALLOWED
        assert not fetcher.allowed(site.url("/private/lain.html"))
        assert fetcher.allowed(site.url(ARTICLES[0].path))
        assert fetcher.fetch(site.url(ARTICLES[0].path)).ok
    assert site.requests_to("/private/memo.html") == []
    robots = site.requests_to("/robots.txt")[robots_before:]
    assert len(robots) == 1
    assert robots[0].headers["user-agent"] == f"{AGENT} (+{CONTACT})"


def test_robots_txt_unavailable_means_wait_and_missing_means_allowed(site: Site) -> None:
    try:
        site.robots_status = 503
        with polite() as fetcher:
            before = len(site.log())
            result = fetcher.fetch(site.url(ARTICLES[2].path))
            assert result.problem == fc.ROBOTS_DISALLOWED
            assert [h.path for h in site.log()[before:]] == ["/robots.txt"]
        site.robots_status = 404
        with polite() as fetcher:
            assert fetcher.fetch(site.url("/private/memo.html")).ok
    finally:
        site.robots_status = 200


def test_crawl_delay_spaces_requests_to_one_host(site: Site) -> None:
    """Four threads fetch at once; the site still sees its Crawl-delay between requests."""
    start = len(site.log())
    with polite(per_host=4) as fetcher:
        fetcher.allowed(site.url("/"))  # robots.txt first
        threads = [threading.Thread(target=fetcher.fetch, args=(site.url(a.path),)) for a in ARTICLES[:4]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    hits = sorted(h.at for h in site.log()[start:])
    assert len(hits) == 5  # robots.txt and four pages
    gaps = [b - a for a, b in itertools.pairwise(hits)]
    assert min(gaps) >= CRAWL_DELAY * 0.95, gaps


def test_min_interval_above_crawl_delay_wins(site: Site) -> None:
    start = len(site.log())
    with polite(min_interval=0.6) as fetcher:
        for a in ARTICLES[:3]:
            assert fetcher.fetch(site.url(a.path)).ok
    hits = [h.at for h in site.log()[start:]]
    gaps = [b - a for a, b in itertools.pairwise(hits)]
    assert len(gaps) == 3 and min(gaps) >= 0.6 * 0.95, gaps


@pytest.mark.parametrize("per_host", [1, 3])
def test_concurrency_cap_per_host(per_host: int) -> None:
    with serve_site(crawl_delay=0, slow_seconds=0.6) as busy, polite(per_host=per_host) as fetcher:
        fetcher.allowed(busy.url("/"))
        threads = [threading.Thread(target=fetcher.fetch, args=(busy.url(f"/slow.html?n={i}"),)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(busy.requests_to("/slow.html")) == 3
        assert busy.most_in_flight <= per_host
        if per_host > 1:  # the cap, not something else, is what kept them apart
            assert busy.most_in_flight > 1


def test_waiting_for_a_turn_does_not_use_up_the_deadline(site: Site) -> None:
    with polite(min_interval=1.0, deadline=0.8) as fetcher:
        results = [fetcher.fetch(site.url(a.path)) for a in ARTICLES[:2]]
    assert [r.problem for r in results] == [None, None]


def test_conditional_get_gives_304(site: Site) -> None:
    url = site.url(ARTICLES[1].path)
    with polite() as fetcher:
        first = fetcher.fetch(url)
        assert first.ok and first.status == 200 and first.etag and first.last_modified
        again = fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
        changed = fetcher.fetch(url, etag='"usang"')
    assert again.not_modified and again.body is None and again.problem is None
    assert again.etag == first.etag
    assert changed.status == 200 and changed.body == first.body
    sent = site.requests_to(ARTICLES[1].path)[-2]
    assert sent.headers["if-none-match"] == first.etag
    assert sent.headers["if-modified-since"] == first.last_modified


def test_validators_go_only_on_the_hop_they_belong_to(site: Site) -> None:
    """/moved.html redirects to an article (tracking parameters on the way). The site logs
    the headers of every request it gets."""
    article = site.url(ARTICLES[3].path)
    with polite() as fetcher:
        first = fetcher.fetch(site.url("/moved.html"))
        assert first.ok and first.final_url == article and first.etag and first.last_modified
        # the validators are the article's, but kept under the redirecting URL: by default
        # they belong to /moved.html, so the article is asked for without them (200)
        stale = fetcher.fetch(site.url("/moved.html"), etag=first.etag, last_modified=first.last_modified)
        moved_hit, article_hit = site.requests_to("/moved.html")[-1], site.requests_to(ARTICLES[3].path)[-1]
        # named as the article's (tracking parameters and all: compared after normalize)
        fresh = fetcher.fetch(
            site.url("/moved.html"),
            etag=first.etag,
            last_modified=first.last_modified,
            validated_url=article + "?utm_source=newsletter",
        )
    assert stale.status == 200 and stale.body == first.body
    assert moved_hit.headers["if-none-match"] == first.etag
    assert moved_hit.headers["if-modified-since"] == first.last_modified
    assert "if-none-match" not in article_hit.headers and "if-modified-since" not in article_hit.headers
    assert fresh.not_modified and fresh.final_url == article and fresh.etag == first.etag
    moved_hit, article_hit = site.requests_to("/moved.html")[-1], site.requests_to(ARTICLES[3].path)[-1]
    assert "if-none-match" not in moved_hit.headers and "if-modified-since" not in moved_hit.headers
    assert article_hit.headers["if-none-match"] == first.etag
    assert article_hit.headers["if-modified-since"] == first.last_modified


# ---- Retries


class Sleeps:
    """Records what the fetcher waits for, and really waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


def test_429_retry_after_seconds_is_honoured(site: Site) -> None:
    sleeps = Sleeps()
    with polite(sleep=sleeps) as fetcher:
        result = fetcher.fetch(site.url("/busy.html"))
    assert result.ok and result.status == 200
    hits = site.requests_to("/busy.html")
    assert len(hits) == 2
    assert 1.0 in sleeps.waits
    assert hits[1].at - hits[0].at >= 0.95


def test_503_retry_after_http_date_is_honoured(site: Site) -> None:
    sleeps = Sleeps()
    with polite(sleep=sleeps) as fetcher:
        result = fetcher.fetch(site.url("/down.html"))
    assert result.ok and result.status == 200
    assert len(site.requests_to("/down.html")) == 2
    assert any(0.5 < w <= 2.5 for w in sleeps.waits), sleeps.waits


def test_a_long_retry_after_is_left_for_a_later_pass(site: Site) -> None:
    with polite() as fetcher:
        result = fetcher.fetch(site.url("/very-busy.html"))
    assert result.problem == fc.RATE_LIMITED and result.status == 429
    assert result.retry_after == 3600
    assert len(site.requests_to("/very-busy.html")) == 1


def test_connection_errors_back_off_exponentially() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        sleeps = Sleeps()
        with polite(sleep=sleeps, retries=3, backoff=0.05) as fetcher:
            result = fetcher.fetch(f"http://127.0.0.1:{port}/berita.html")
    assert result.problem == fc.CONNECTION_FAILED and result.body is None
    retry_waits = [w for w in sleeps.waits if w >= 0.05]
    assert retry_waits == [0.05, 0.1, 0.2]


# ---- Hostile pages


def test_hostile_pages_each_give_their_reason(site: Site) -> None:
    with polite(max_bytes=1024 * 1024, deadline=1.5, read_timeout=5.0) as fetcher:
        cases = {
            "/bomb.html": fc.TOO_LARGE,
            "/huge.html": fc.TOO_LARGE,
            "/loop-a.html": fc.REDIRECT_LOOP,
            "/slow.html": fc.TIMED_OUT,
            "/laporan.pdf": fc.UNSUPPORTED_TYPE,
            "/tidak-ada.html": fc.HTTP_ERROR,
        }
        results: dict[str, FetchResult] = {path: fetcher.fetch(site.url(path)) for path in cases}
    for path, problem in cases.items():
        assert results[path].problem == problem, (path, results[path])
        assert results[path].body is None
    assert results["/tidak-ada.html"].status == 404
    assert "1048576" in results["/bomb.html"].detail
    assert results["/laporan.pdf"].detail == "application/pdf"
    # The loop took two hops and ended; it did not bounce until the hop limit.
    assert len(site.requests_to("/loop-a.html")) == 1 and len(site.requests_to("/loop-b.html")) == 1


def test_redirect_hop_limit(site: Site) -> None:
    with polite(max_redirects=0) as fetcher:
        result = fetcher.fetch(site.url("/moved.html"))
    assert result.problem == fc.TOO_MANY_REDIRECTS


def test_broken_feed_is_fetched_and_left_to_the_parser(site: Site) -> None:
    with polite() as fetcher:
        good = fetcher.fetch(site.url("/rss.xml"))
        broken = fetcher.fetch(site.url("/broken-feed.xml"))
    assert good.ok and broken.ok and broken.body
    assert not feedparser.parse(good.body).bozo
    assert feedparser.parse(broken.body).bozo


# ---- WARC


def test_warc_round_trip_through_kabar_ingest(site: Site, tmp_path: Path) -> None:
    folder = tmp_path / "warc"
    site.add_article(new_article(1))
    pages = [a.path for a in ARTICLES] + [new_article(1).path]
    with RollingWarc(folder, max_bytes=8 * 1024) as archive, polite(archive=archive) as fetcher:
        for path in pages:
            assert fetcher.fetch(site.url(path + "?utm_source=rss")).ok
        assert fetcher.fetch(site.url("/rss.xml")).ok
        assert fetcher.fetch(site.url("/laporan.pdf")).problem == fc.UNSUPPORTED_TYPE
    files = sorted(folder.iterdir())
    assert len(files) > 1  # rolled at 8 KB
    assert all(re.fullmatch(r"kabar-\d{8}-\d{6}-\d{5}\.warc\.gz", f.name) for f in files)
    kinds: list[tuple[str, str | None]] = []
    for f in files:
        with f.open("rb") as fh:
            for record in ArchiveIterator(fh):
                kinds.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI")))
    responses = [u for k, u in kinds if k == "response"]
    assert responses == [site.url(p) for p in pages] + [site.url("/rss.xml")]
    assert sum(k == "request" for k, _ in kinds) == len(responses)

    store = open_store(str(tmp_path / "kabar.db"))
    try:
        report = pipeline.run([str(folder)], store)
        articles = list(store.iter_articles())
    finally:
        store.close()
    assert report.stored == len(pages) and report.quarantined == []
    assert sorted(a.url or "" for a in articles) == sorted(site.url(p) for p in pages)
    titles = {a.title for a in articles}
    assert ARTICLES[0].title in titles and new_article(1).title in titles
    assert {a.language for a in articles} == {"id", "en"}


def test_warc_records_are_whole_and_decompressed(site: Site, tmp_path: Path) -> None:
    """A gzip-encoded response is stored inflated, with headers that say so."""
    with RollingWarc(tmp_path) as archive:
        archive.record(
            site.url("/x.html"),
            {"User-Agent": AGENT},
            200,
            "OK",
            [("content-type", "text/html"), ("content-encoding", "gzip"), ("content-length", "12")],
            b"<p>isi</p>",
        )
        path = archive.path
        assert path is not None
        size = path.stat().st_size
    assert path.stat().st_size == size  # closed whole; nothing pending
    with path.open("rb") as fh:
        records = [(r.rec_type, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(fh)]
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    headers = records[1][1]
    assert headers.get_header("Content-Encoding") is None
    assert headers.get_header("Content-Length") == "10"
    assert records[1][2] == b"<p>isi</p>"


def test_a_record_cut_short_by_a_crash_loses_only_itself(site: Site, tmp_path: Path) -> None:
    """`kill -9` mid-write leaves at most the last record cut short; ingest keeps the rest."""
    folder = tmp_path / "warc"
    with RollingWarc(folder) as archive, polite(archive=archive) as fetcher:
        for a in ARTICLES[:3]:
            assert fetcher.fetch(site.url(a.path)).ok
        path = archive.path
    assert path is not None
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        starts = [(r.rec_type, records.get_record_offset()) for r in records]
    last_response = [offset for kind, offset in starts if kind == "response"][-1]
    next_start = min(offset for _, offset in starts if offset > last_response)
    data = path.read_bytes()
    path.write_bytes(data[: (last_response + next_start) // 2])  # the crash hit mid-record
    store = open_store(str(tmp_path / "kabar.db"))
    try:
        report = pipeline.run([str(folder)], store, stories=False, extract=False)
        urls = sorted(a.url or "" for a in store.iter_articles())
        reasons = [q["reason"] for q in store.quarantine()]
    finally:
        store.close()
    assert report is not None
    assert urls == sorted(site.url(a.path) for a in ARTICLES[:2])
    assert any("truncated" in r for r in reasons), reasons


def test_new_articles_show_in_feeds_and_sitemap_between_passes(site: Site) -> None:
    fresh = new_article(2)
    with polite() as fetcher:
        before = fetcher.fetch(site.url("/atom.xml"))
        site.add_article(fresh)
        after = fetcher.fetch(site.url("/atom.xml"))
        rss = fetcher.fetch(site.url("/rss.xml"))
        sitemap = fetcher.fetch(site.url("/sitemap-news.xml"))
        index = fetcher.fetch(site.url("/sitemap-index.xml"))
    assert before.body and after.body and rss.body and sitemap.body and index.body
    links = [{e.link for e in feedparser.parse(r.body).entries} for r in (before, after)]
    assert site.url(fresh.path) in links[1] - links[0]
    # The RSS links carry tracking parameters; normalised, they are the article's key.
    rss_links = {normalize(e.link) for e in feedparser.parse(rss.body).entries}
    assert site.url(fresh.path) in rss_links
    assert f"<loc>{site.url(fresh.path)}</loc>".encode() in sitemap.body
    assert b"/sitemap-news.xml</loc>" in index.body
