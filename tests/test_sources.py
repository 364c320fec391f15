"""Outlet sources: the TOML/CSV/OPML importers, feed and sitemap discovery from home pages
and robots.txt, `kabar sources add|list|remove|import` against a small site served on
127.0.0.1, and the outlet table in both backends."""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import new_location
from kabar.cli import app
from kabar.fetch import Fetcher
from kabar.fetch import client as fc
from kabar.sources import (
    Entry,
    Problem,
    Source,
    classify,
    discover,
    feeds_in_html,
    from_entry,
    import_csv,
    import_opml,
    import_toml,
    merge_entries,
)
from kabar.store import open_store
from testsite import serve_site

runner = CliRunner()

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Kabar Pesisir</title><link>{base}/</link><description>Berita terkini dari pesisir utara</description>
<item><title>Nelayan Demak menunda melaut karena gelombang tinggi</title>
<link>{base}/berita/2026/12/07/nelayan-demak-menunda-melaut</link>
<pubDate>Mon, 07 Dec 2026 06:10:00 +0700</pubDate></item>
<item><title>Harga cabai di Pasar Johar turun dua ribu rupiah</title>
<link>{base}/ekonomi/2026/12/07/harga-cabai-pasar-johar</link>
<pubDate>Mon, 07 Dec 2026 07:45:00 +0700</pubDate></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Kabar Pesisir: Ekonomi</title>
<id>{base}/ekonomi/</id><updated>2026-12-07T07:45:00+07:00</updated>
<entry><title>Harga cabai di Pasar Johar turun</title><id>{base}/ekonomi/2026/12/07/harga-cabai</id>
<link href="{base}/ekonomi/2026/12/07/harga-cabai"/><updated>2026-12-07T07:45:00+07:00</updated></entry>
</feed>"""

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{base}/berita/2026/12/07/nelayan-demak-menunda-melaut</loc>
<news:news><news:publication><news:name>Kabar Pesisir</news:name><news:language>id</news:language></news:publication>
<news:publication_date>2026-12-07T06:10:00+07:00</news:publication_date>
<news:title>Nelayan Demak menunda melaut</news:title></news:news></url>
</urlset>"""

HOME = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<title>Kabar Pesisir | Berita Pantura Hari Ini</title>
<meta property="og:site_name" content="Kabar Pesisir">
<link rel="alternate" type="application/rss+xml" title="Semua berita" href="/rss">
<link rel="alternate" type="application/atom+xml" title="Ekonomi" href="{base}/ekonomi/atom.xml">
<link rel="stylesheet" href="/static/site.css">
</head><body>
<nav><a href="/berita">Berita</a> <a href="/ekonomi">Ekonomi</a></nav>
<h2><a href="/berita/2026/12/07/nelayan-demak-menunda-melaut">Nelayan Demak menunda melaut</a></h2>
<footer><a href="/feed/olahraga.rss">RSS Olahraga</a> <a href="/tag/rss">Tentang RSS</a>
<a href="/berita/komentar/comments/feed">Komentar</a></footer>
</body></html>"""

ROBOTS = """# robots.txt untuk kabar pesisir
User-agent: *
Disallow: /cari
Sitemap: {base}/sitemap-berita.xml
"""


class _Site:
    """A small outlet on 127.0.0.1: a home page, feeds, a news sitemap and robots.txt."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, str]] = {}
        self.gzipped: dict[str, bytes] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                status, kind, body = site.pages.get(self.path, (404, "text/plain", "tidak ditemukan"))
                data = site.gzipped.get(self.path, body.encode())
                self.send_response(status)
                if self.path in site.gzipped:
                    self.send_header("Content-Encoding", "gzip")
                if status in (301, 302):
                    self.send_header("Location", body)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve(self, path: str, kind: str, body: str, status: int = 200) -> None:
        self.pages[path] = (status, kind, body.replace("{base}", self.base))


@pytest.fixture
def site() -> Iterator[_Site]:
    s = _Site()
    s.serve("/", "text/html; charset=utf-8", HOME)
    s.serve("/rss", "application/rss+xml", RSS)
    s.serve("/ekonomi/atom.xml", "application/atom+xml", ATOM)
    s.serve("/feed/olahraga.rss", "application/xml", RSS)
    s.serve("/tag/rss", "text/html", "<html><body><p>Cara berlangganan RSS</p></body></html>")
    s.serve("/robots.txt", "text/plain", ROBOTS)
    s.serve("/sitemap-berita.xml", "application/xml", SITEMAP)
    s.thread.start()
    yield s
    s.server.shutdown()
    s.server.server_close()


def _fetcher(**options: object) -> Fetcher:
    """A Fetcher for the site on 127.0.0.1, with no spacing between requests."""
    settings: dict[str, object] = {"allow_private": True, "min_interval": 0.0, "backoff": 0.01}
    settings.update(options)
    return Fetcher(**settings)


# --- importers ---

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Langganan saya</title></head>
  <body>
    <outline text="Nasional" title="Nasional">
      <outline type="rss" text="Jakarta Ledger" xmlUrl="https://jakartaledger.com/rss/nasional"
               htmlUrl="https://www.jakartaledger.com/"/>
      <outline text="Daerah">
        <outline type="rss" text="Kabar Pesisir" xmlUrl="https://kabarpesisir.id/rss" htmlUrl="https://kabarpesisir.id/"
                 language="id"/>
      </outline>
    </outline>
    <outline text="Ekonomi">
      <outline type="rss" text="Jakarta Ledger" xmlUrl="https://jakartaledger.com/rss/ekonomi"
               htmlUrl="https://www.jakartaledger.com/"/>
      <outline type="rss" text="Arsip lama" xmlUrl="gopher://arsip.example/feed"/>
    </outline>
  </body>
</opml>"""


def test_opml_reads_nested_outlines_and_quarantines_a_broken_one() -> None:
    got = import_opml(OPML)
    assert [(e.name, e.feeds) for e in got.entries] == [
        ("Jakarta Ledger", ("https://jakartaledger.com/rss/nasional",)),
        ("Kabar Pesisir", ("https://kabarpesisir.id/rss",)),
        ("Jakarta Ledger", ("https://jakartaledger.com/rss/ekonomi",)),
    ]
    assert got.entries[1].language == "id" and got.entries[0].url == "https://www.jakartaledger.com/"
    assert len(got.problems) == 1
    assert "Arsip lama" in got.problems[0].where and "gopher" in got.problems[0].reason
    merged = merge_entries(got.entries)
    assert [e.name for e in merged] == ["Jakarta Ledger", "Kabar Pesisir"]
    assert merged[0].feeds == ("https://jakartaledger.com/rss/nasional", "https://jakartaledger.com/rss/ekonomi")
    source = from_entry(merged[0])
    assert source is not None and source.domains == ("jakartaledger.com",)
    assert source.home == "https://www.jakartaledger.com/"


def test_opml_that_is_not_xml_is_a_reason_not_a_crash() -> None:
    got = import_opml(OPML[: len(OPML) // 2])
    assert not got.entries and len(got.problems) == 1 and "not XML" in got.problems[0].reason
    entities = '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body/></opml>'
    assert not import_opml(entities).entries and import_opml(entities).problems


def test_toml_entries_with_and_without_feeds() -> None:
    text = """
[[source]]
name = "Jakarta Ledger"
url = "https://www.jakartaledger.com/"
language = "en"
feeds = ["https://jakartaledger.com/rss/nasional"]
aliases = ["The Ledger", "JL"]

[[source]]
url = "https://kabarpesisir.id/"
language = "id"

[[source]]
name = "Tanpa alamat"
language = "id"

[[source]]
url = "https://berita.example/"
language = "fr"
"""
    got = import_toml(text)
    assert [e.url for e in got.entries] == ["https://www.jakartaledger.com/", "https://kabarpesisir.id/"]
    assert got.entries[0].aliases == ("The Ledger", "JL")
    assert from_entry(got.entries[1]) is None  # a URL to discover from
    assert [p.where for p in got.problems] == ["source 3", "source 4"]
    assert "no url" in got.problems[0].reason and "'fr'" in got.problems[1].reason
    assert import_toml("[[source]\nurl=").problems[0].reason.startswith("not TOML")


def test_csv_rows_and_a_broken_row() -> None:
    text = (
        "name,url,language,feeds\n"
        "Jakarta Ledger,https://www.jakartaledger.com/,en,https://jakartaledger.com/rss https://jakartaledger.com/atom\n"
        "Kabar Pesisir,https://kabarpesisir.id/,id,\n"
        "Rusak,javascript:alert(1),id,\n"
        "Terlalu,https://a.example/,id,https://a.example/rss,lebih\n"
    )
    got = import_csv(text)
    assert [e.name for e in got.entries] == ["Jakarta Ledger", "Kabar Pesisir"]
    assert got.entries[0].feeds == ("https://jakartaledger.com/rss", "https://jakartaledger.com/atom")
    assert [p.where for p in got.problems] == ["line 4", "line 5"]
    assert "http(s)" in got.problems[0].reason
    assert import_csv("nama,alamat\nA,https://a.example/\n").problems[0].reason == "the CSV header has no url column"


# --- discovery on hand-written pages ---


def test_feeds_declared_by_a_home_page_and_anchors_to_check() -> None:
    base = "https://kabarpesisir.id"
    declared, anchors = feeds_in_html(HOME.replace("{base}", base), base + "/")
    assert declared == [f"{base}/rss", f"{base}/ekonomi/atom.xml"]
    # anchors that look like feeds, to be fetched and checked; a comments feed is not one
    assert anchors == [f"{base}/feed/olahraga.rss", f"{base}/tag/rss"]
    json_feed = '<html><head><link rel="alternate" type="application/feed+json" href="/feed.json"></head></html>'
    assert feeds_in_html(json_feed, base + "/") == ([f"{base}/feed.json"], [])
    assert feeds_in_html("<html><body><p>Tanpa umpan</p></body></html>", base + "/") == ([], [])


def test_sitemaps_named_by_robots_txt(site: _Site) -> None:
    text = (
        "User-agent: *\nDisallow: /cari\n# Sitemap: https://kabarpesisir.id/lama.xml\n"
        "sitemap: https://kabarpesisir.id/sitemap-berita.xml\nSitemap: /sitemap_index.xml  # indeks\n"
    )
    site.serve("/robots.txt", "text/plain", text)
    with _fetcher() as fetcher:
        found = fetcher.robots_sitemaps(site.base + "/cari?q=rob")  # a disallowed page: its robots.txt still read
    assert found == ["https://kabarpesisir.id/sitemap-berita.xml", f"{site.base}/sitemap_index.xml"]
    site.serve("/robots.txt", "text/plain", "User-agent: *\nDisallow:\n")
    with _fetcher() as fetcher:
        assert fetcher.robots_sitemaps(site.base + "/") == []
    assert site.hits == ["/robots.txt", "/robots.txt"]  # read by the Fetcher, once each


def test_classify_feeds_sitemaps_and_pages() -> None:
    base = "https://kabarpesisir.id"
    assert classify("application/rss+xml", RSS.replace("{base}", base).encode()) == "feed"
    assert classify("text/xml", ATOM.replace("{base}", base).encode()) == "feed"
    assert classify("application/xml", SITEMAP.replace("{base}", base).encode()) == "sitemap"
    index = b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></sitemapindex>'
    assert classify("text/xml", index) == "sitemap"
    assert classify("text/html", HOME.encode()) == "html"
    assert classify("application/pdf", b"%PDF-1.7 binary") is None


# --- the store ---


def test_outlet_table_in_both_backends(backend: str, tmp_path: Path) -> None:
    store = open_store(new_location(backend, tmp_path))
    ledger = Source(
        name="Jakarta Ledger",
        domains=("jakartaledger.com", "ledger.co.id"),
        aliases=("The Ledger",),
        feeds=("https://jakartaledger.com/rss/nasional", "https://jakartaledger.com/rss/ekonomi"),
        sitemaps=("https://jakartaledger.com/news-sitemap.xml",),
        language="en",
        added="2026-12-07T05:00:00+00:00",
        home="https://www.jakartaledger.com/",
    )
    store.save_outlet_source(ledger)
    assert store.outlet_sources() == [ledger]
    for key in ("jakartaledger.com", "https://www.jakartaledger.com/berita/1", "JAKARTA LEDGER", "the ledger"):
        assert store.outlet_for(key) == "Jakarta Ledger", key
    assert store.outlet_for("kabarpesisir.id") is None
    with pytest.raises(ValueError, match="already names the outlet"):
        store.save_outlet_source(Source(name="Ledger Palsu", domains=("ledger.co.id",), added="x"))
    assert [s.name for s in store.outlet_sources()] == ["Jakarta Ledger"]
    fewer = Source(name="Jakarta Ledger", domains=("jakartaledger.com",), feeds=ledger.feeds[:1], added="y")
    store.save_outlet_source(fewer)  # replaces, with its own domains and feeds only
    assert store.outlet_sources() == [fewer] and store.outlet_for("ledger.co.id") is None
    assert store.remove_outlet_source("jakartaledger.com") == "Jakarta Ledger"
    assert store.outlet_sources() == [] and store.remove_outlet_source("jakartaledger.com") is None
    store.close()


# --- the commands, against a site on 127.0.0.1 ---


def _sources(db: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["sources", "list", "--json", "--db", db])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_add_a_home_page_finds_its_feeds_and_sitemaps(site: _Site, backend: str, tmp_path: Path) -> None:
    db = new_location(backend, tmp_path)
    result = runner.invoke(app, ["sources", "add", site.base + "/", "--language", "id", "--allow-private", "--db", db])
    assert result.exit_code == 0, result.output
    [source] = _sources(db)
    assert source["name"] == "Kabar Pesisir" and source["domains"] == ["127.0.0.1"] and source["language"] == "id"
    # the two declared feeds, and the anchor that parses as a feed (not the page about RSS)
    assert source["feeds"] == [f"{site.base}/rss", f"{site.base}/ekonomi/atom.xml", f"{site.base}/feed/olahraga.rss"]
    assert source["sitemaps"] == [f"{site.base}/sitemap-berita.xml"]  # from robots.txt
    assert "/sitemap.xml" not in site.hits  # robots.txt named one: no guessing
    with open_store(db) as store:
        assert store.outlet_for("127.0.0.1") == "Kabar Pesisir"


def test_add_a_feed_and_a_sitemap(site: _Site, tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    result = runner.invoke(app, ["sources", "add", site.base + "/rss", "--allow-private", "--db", db])
    assert result.exit_code == 0, result.output
    [feed] = _sources(db)
    assert feed["name"] == "Kabar Pesisir" and feed["feeds"] == [f"{site.base}/rss"] and feed["sitemaps"] == []
    assert feed["home"] == f"{site.base}/"
    assert runner.invoke(app, ["sources", "remove", "Kabar Pesisir", "--db", db]).exit_code == 0
    result = runner.invoke(
        app, ["sources", "add", site.base + "/sitemap-berita.xml", "--name", "Pesisir", "--allow-private", "--db", db]
    )
    assert result.exit_code == 0, result.output
    [sitemap] = _sources(db)
    assert sitemap["name"] == "Pesisir" and sitemap["sitemaps"] == [f"{site.base}/sitemap-berita.xml"]
    assert sitemap["feeds"] == []


def test_a_feed_of_a_known_outlet_joins_it(site: _Site, tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    site.serve(
        "/berita/rss", "application/rss+xml", RSS.replace("<title>Kabar Pesisir</title>", "<title>Berita</title>")
    )
    assert runner.invoke(app, ["sources", "add", site.base + "/rss", "--allow-private", "--db", db]).exit_code == 0
    result = runner.invoke(app, ["sources", "add", site.base + "/berita/rss", "--allow-private", "--db", db])
    assert result.exit_code == 0, result.output
    [source] = _sources(db)
    assert source["name"] == "Kabar Pesisir" and source["feeds"] == [f"{site.base}/rss", f"{site.base}/berita/rss"]
    assert source["aliases"] == ["Berita"]
    result = runner.invoke(
        app, ["sources", "add", site.base + "/berita/rss", "--name", "Lain", "--allow-private", "--db", db]
    )
    assert result.exit_code == 2 and "already names the outlet 'Kabar Pesisir'" in result.stderr
    assert [s["name"] for s in _sources(db)] == ["Kabar Pesisir"]


def test_a_home_page_without_robots_sitemaps_gets_the_usual_places_tried(site: _Site, tmp_path: Path) -> None:
    site.serve("/robots.txt", "text/plain", "User-agent: *\nDisallow: /cari\n")
    site.serve("/sitemap_index.xml", "application/xml", SITEMAP)
    site.serve("/sitemap.xml", "text/html", "<html><body>Halaman tidak ditemukan</body></html>")
    db = str(tmp_path / "k.db")
    result = runner.invoke(app, ["sources", "add", site.base + "/", "--allow-private", "--db", db])
    assert result.exit_code == 0, result.output
    assert _sources(db)[0]["sitemaps"] == [f"{site.base}/sitemap_index.xml"]


def test_a_private_address_is_refused_without_allow_private(site: _Site, tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    result = runner.invoke(app, ["sources", "add", site.base + "/", "--db", db])
    assert result.exit_code == 2
    assert fc.PRIVATE_ADDRESS in result.stderr and "--allow-private" in result.stderr
    assert "Traceback" not in result.output
    assert site.hits == []  # refused before any request, robots.txt included


def test_every_redirect_hop_is_checked(site: _Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A public page redirecting to a private address is refused at the hop. Here 127.0.0.1
    stands for the public site and the cloud metadata address for the private target."""
    real = fc._blocked
    monkeypatch.setattr(fc, "_blocked", lambda address: address != "127.0.0.1" and real(address))
    site.serve("/pindah", "text/plain", "http://169.254.169.254/latest/meta-data/", status=302)
    db = str(tmp_path / "k.db")
    result = runner.invoke(app, ["sources", "add", site.base + "/pindah", "--db", db])
    assert result.exit_code == 2 and "169.254.169.254" in result.stderr and fc.PRIVATE_ADDRESS in result.stderr
    assert site.hits == ["/robots.txt", "/pindah"]  # the redirect was not followed
    port = site.base.rsplit(":", 1)[1]
    site.serve("/ke-lokal", "text/plain", f"http://localhost:{port}/rss", status=302)
    result = runner.invoke(app, ["sources", "add", site.base + "/ke-lokal", "--allow-private", "--db", db])
    assert result.exit_code == 0, result.output
    assert _sources(db)[0]["feeds"] == [f"http://localhost:{port}/rss"]  # the final URL is kept


def test_redirect_loops_and_oversized_pages_are_problems(site: _Site) -> None:
    site.serve("/a", "text/plain", "/b", status=301)
    site.serve("/b", "text/plain", "/a", status=301)
    with _fetcher() as fetcher:
        got = discover(site.base + "/a", fetcher=fetcher)
    assert isinstance(got, Problem) and got.reason.startswith(fc.REDIRECT_LOOP)
    assert site.hits == ["/robots.txt", "/a", "/b"]
    with _fetcher(max_bytes=256) as fetcher:
        got = discover(site.base + "/rss", fetcher=fetcher)
        assert isinstance(got, Problem) and got.reason.startswith(fc.TOO_LARGE)
        # a small gzip body that inflates past the cap is cut while it is read
        site.serve("/bom.xml", "application/xml", "")
        site.gzipped["/bom.xml"] = gzip.compress(b"<rss>" + b" " * 50_000)
        got = discover(site.base + "/bom.xml", fetcher=fetcher)
        assert isinstance(got, Problem) and got.reason == f"{fc.TOO_LARGE} (over 256 bytes decompressed)"


# Robots rules for kabar alone: every other crawler may fetch everything.
KABAR_ROBOTS = """User-agent: kabar
Disallow: /feed/
Disallow: /ekonomi/
Disallow: /sitemap

User-agent: *
Disallow:
"""


def test_discovery_obeys_robots_txt_and_says_what_it_left_out(site: _Site) -> None:
    site.serve("/robots.txt", "text/plain", KABAR_ROBOTS)  # names no sitemap: the usual places are tried
    site.serve("/sitemap_index.xml", "application/xml", SITEMAP)  # there, but disallowed
    site.serve("/news-sitemap.xml", "application/xml", SITEMAP)
    problems: list[Problem] = []
    with _fetcher() as fetcher:
        found = discover(site.base + "/", fetcher=fetcher, problems=problems)
    assert isinstance(found, Source), found
    assert found.feeds == (f"{site.base}/rss",)  # the declared Atom feed is under /ekonomi/
    assert found.sitemaps == (f"{site.base}/news-sitemap.xml",)
    for path in ("/feed/olahraga.rss", "/ekonomi/atom.xml", "/sitemap.xml", "/sitemap_index.xml"):
        assert path not in site.hits, path
    assert site.hits.count("/robots.txt") == 1
    left_out = {p.where: p.reason for p in problems}
    assert left_out == {
        f"{site.base}/ekonomi/atom.xml": f"{fc.ROBOTS_DISALLOWED} for kabar",
        f"{site.base}/feed/olahraga.rss": f"{fc.ROBOTS_DISALLOWED} for kabar",
        f"{site.base}/sitemap.xml": f"{fc.ROBOTS_DISALLOWED} for kabar",
        f"{site.base}/sitemap_index.xml": f"{fc.ROBOTS_DISALLOWED} for kabar",
        f"{site.base}/sitemap-news.xml": f"{fc.ROBOTS_DISALLOWED} for kabar",
    }


def test_a_sitemap_robots_txt_names_but_disallows_is_left_out(site: _Site) -> None:
    site.serve("/robots.txt", "text/plain", KABAR_ROBOTS + "Sitemap: {base}/sitemap-berita.xml\n")
    site.serve("/", "text/html", HOME.replace('rel="alternate"', 'rel="preload"'))  # no declared feeds
    problems: list[Problem] = []
    with _fetcher() as fetcher:
        found = discover(site.base + "/", fetcher=fetcher, problems=problems)
    # nothing is left: the Problem names what robots.txt kept out
    assert isinstance(found, Problem)
    assert found.reason.startswith("no feed or sitemap found")
    assert f"left out: {site.base}/feed/olahraga.rss: {fc.ROBOTS_DISALLOWED} for kabar" in found.reason
    assert found.reason.endswith(f"and {len(problems) - 1} more")
    # the usual places are disallowed too, but for /news-sitemap.xml, which is not there (404,
    # not reported); /tag/rss, a page about RSS, is fetched and is no feed (not reported)
    assert [p.where.removeprefix(site.base) for p in problems] == [
        "/feed/olahraga.rss",
        "/sitemap-berita.xml",
        "/sitemap.xml",
        "/sitemap_index.xml",
        "/sitemap-news.xml",
    ]
    assert site.hits == ["/robots.txt", "/", "/tag/rss", "/news-sitemap.xml"]


def test_a_home_page_robots_txt_disallows_is_not_fetched(site: _Site, tmp_path: Path) -> None:
    site.serve("/robots.txt", "text/plain", "User-agent: kabar\nDisallow: /\n")
    db = str(tmp_path / "k.db")
    result = runner.invoke(app, ["sources", "add", site.base + "/", "--allow-private", "--db", db])
    assert result.exit_code == 2 and f"{fc.ROBOTS_DISALLOWED} for kabar" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert site.hits == ["/robots.txt"]


def test_discovery_on_the_shared_test_site() -> None:
    """The fetch tests' site (tests/testsite.py): its RSS is a source; its /private/ pages,
    which its robots.txt disallows to every crawler, are refused unfetched."""
    with serve_site(crawl_delay=0.0) as shared, _fetcher() as fetcher:
        feed = discover(shared.url("/rss.xml"), language="id", fetcher=fetcher)
        memo = discover(shared.url("/private/memo.html"), fetcher=fetcher)
        hits = [h.path for h in shared.log()]
    assert isinstance(feed, Source) and feed.name == "Warta Uji" and feed.feeds == (shared.url("/rss.xml"),)
    assert feed.home == shared.url("/") and feed.language == "id"
    assert memo == Problem(shared.url("/private/memo.html"), f"{fc.ROBOTS_DISALLOWED} for kabar")
    assert hits == ["/robots.txt", "/rss.xml"]


def test_add_a_json_feed(site: _Site, tmp_path: Path) -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Ledger Daily",
        "home_page_url": "https://www.jakartaledger.com/",
        "items": [{"id": "1", "url": "https://jakartaledger.com/2026/12/07/port-tariffs", "title": "Port tariffs"}],
    }
    site.serve("/feed.json", "application/feed+json", json.dumps(feed))
    db = str(tmp_path / "k.db")
    result = runner.invoke(app, ["sources", "add", site.base + "/feed.json", "--allow-private", "--db", db])
    assert result.exit_code == 0, result.output
    [source] = _sources(db)
    assert source["name"] == "Ledger Daily" and source["domains"] == ["127.0.0.1", "jakartaledger.com"]
    with open_store(db) as store:
        assert store.outlet_for("https://jakartaledger.com/2026/12/07/port-tariffs") == "Ledger Daily"


def test_a_store_of_the_previous_schema_gets_the_sources_tables(tmp_path: Path) -> None:
    from kabar.store.sqlite import MIGRATIONS, SOURCES_MIGRATION, SQLiteStore

    path = str(tmp_path / "old.db")
    old = sqlite3.connect(path)  # the schema before the sources, as a store of then left it
    for script in MIGRATIONS[: SOURCES_MIGRATION - 1]:
        old.executescript(script)
    old.execute(f"PRAGMA user_version = {SOURCES_MIGRATION - 1}")
    old.close()
    upgraded = SQLiteStore(path)
    assert upgraded.schema_version == len(MIGRATIONS)
    upgraded.save_outlet_source(Source(name="Kabar Pesisir", domains=("kabarpesisir.id",), added="x"))
    assert upgraded.outlet_for("www.kabarpesisir.id") == "Kabar Pesisir"
    upgraded.close()


def test_bad_input_is_one_line_and_exit_2(site: _Site, tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    site.serve("/robots.txt", "text/plain", "User-agent: *\nDisallow: /cari\n")  # no sitemap named
    for args in (
        ["sources", "add", "ftp://kabarpesisir.id/rss"],
        ["sources", "add", site.base + "/", "--language", "fr", "--allow-private"],
        ["sources", "add", site.base + "/tidak-ada", "--allow-private"],
        ["sources", "add", site.base + "/tag/rss", "--allow-private"],  # no feed, no sitemap anywhere
        ["sources", "import", str(tmp_path / "tidak-ada.opml")],
    ):
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 2, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    runner.invoke(app, ["sources", "add", site.base + "/rss", "--allow-private", "--db", db])
    assert runner.invoke(app, ["sources", "remove", "tidak-dikenal", "--db", db]).exit_code == 2


def test_import_stores_given_feeds_discovers_bare_urls_and_skips_broken(site: _Site, tmp_path: Path) -> None:
    listing = tmp_path / "sumber.toml"
    listing.write_text(
        f"""
[[source]]
name = "Jakarta Ledger"
url = "https://www.jakartaledger.com/"
feeds = ["https://jakartaledger.com/rss/nasional"]

[[source]]
url = "{site.base}/"
language = "id"

[[source]]
url = "file:///etc/passwd"
""",
        encoding="utf-8",
    )
    db = str(tmp_path / "k.db")
    result = runner.invoke(app, ["sources", "import", str(listing), "--allow-private", "--db", db])
    assert result.exit_code == 3, result.output
    assert "source 3" in result.stderr and "1 skipped" in result.stdout
    got = {s["name"]: s for s in _sources(db)}
    assert set(got) == {"Jakarta Ledger", "Kabar Pesisir"}
    assert got["Kabar Pesisir"]["sitemaps"] == [f"{site.base}/sitemap-berita.xml"]
    assert not any(h.startswith("/rss/nasional") for h in site.hits)  # given feeds are not fetched


def test_import_an_opml_export(tmp_path: Path) -> None:
    listing = tmp_path / "langganan.opml"
    listing.write_text(OPML, encoding="utf-8")
    db = str(tmp_path / "k.db")
    result = runner.invoke(app, ["sources", "import", str(listing), "--db", db])
    assert result.exit_code == 3 and "gopher" in result.stderr
    got = {s["name"]: s for s in _sources(db)}
    assert got["Jakarta Ledger"]["feeds"] == [
        "https://jakartaledger.com/rss/nasional",
        "https://jakartaledger.com/rss/ekonomi",
    ]
    assert got["Kabar Pesisir"]["language"] == "id"


def test_entry_without_feeds_is_not_a_source_by_itself() -> None:
    assert from_entry(Entry("https://kabarpesisir.id/")) is None


def test_articles_take_the_canonical_outlet_name_of_a_followed_source(tmp_path: Path) -> None:
    # The demo's Borneo outlet is known by its domain; followed as "Borneo Post Daily", every
    # article of that domain is stored under that one name, and nothing else is renamed.
    from conftest import DEMO
    from kabar import pipeline

    before = open_store(str(tmp_path / "before.db"))
    pipeline.run([str(DEMO)], before, extract=False)
    outlets = {a.id: a.outlet for a in before.iter_articles()}
    before.close()
    store = open_store(str(tmp_path / "after.db"))
    store.save_outlet_source(Source(name="Borneo Post Daily", domains=("borneopost-daily.com",), added="x"))
    pipeline.run([str(DEMO)], store, extract=False)
    after = {a.id: a.outlet for a in store.iter_articles()}
    renamed = {i for i in after if after[i] != outlets[i]}
    assert renamed and all(outlets[i] == "borneopost-daily.com" and after[i] == "Borneo Post Daily" for i in renamed)
    assert "borneopost-daily.com" not in after.values()
    assert any("Borneo Post Daily" in s.outlets for s in store.stories())  # stories count it by that name
    store.close()
