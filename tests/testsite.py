"""A small hostile news site on 127.0.0.1 for the fetch and monitoring tests (issue 17).

`serve_site()` starts it in a thread and yields a `Site`: its base URL, its articles (our own
writing, in Indonesian and English), and a log of every request it served (path, time,
headers) so tests can check politeness. `site.add_article(...)` publishes a new article
between passes; the feeds and the news sitemap list it at once.

Paths:
  /robots.txt                     Disallow: /private/, Crawl-delay (the `crawl_delay` given);
                                  `site.robots_status` serves it as 404 or 503 instead
  /berita/<slug>.html, /news/<slug>.html   articles, with ETag and Last-Modified (304 on match)
  /rss.xml, /atom.xml             RSS 2.0 and Atom feeds of all articles
  /sitemap-news.xml               a Google News sitemap; /sitemap-index.xml points to it and
                                  to /sitemap-pages.xml
  /private/memo.html              disallowed by robots.txt
  /busy.html                      429 with `Retry-After: 1` the first time, then the page
  /down.html                      503 with Retry-After as an HTTP date the first time
  /very-busy.html                 always 429 with `Retry-After: 3600`
  /flaky.html                     503 without Retry-After `site.flaky_failures` times, then a page
  any path and query in `site.pages`   that HTML (multi-page articles)
  /slow.html                      sends its body a few bytes at a time over `slow_seconds`
  /to-metadata.html               redirects to a link-local (cloud metadata) address
  /loop-a.html <-> /loop-b.html   a redirect loop; /moved.html redirects to an article
                                  with tracking parameters
  /huge.html                      a 6 MB page
  /bomb.html                      gzip-encoded: 40 KB on the wire, 40 MB inflated
  /laporan.pdf                    a non-HTML body (application/pdf)
  /broken-feed.xml                a feed whose XML breaks off mid-element
  /feed.xml                       RSS of all articles and of the paths in `site.feed_extras`
                                  (bad pages a feed may list), with ETag (304 on match)
"""

from __future__ import annotations

import gzip
import hashlib
import html
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Article:
    section: str  # "berita" (Indonesian) or "news" (English)
    slug: str
    language: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.slug}.html"


@dataclass(frozen=True)
class Hit:
    path: str
    at: float  # time.monotonic() when the request arrived
    headers: dict[str, str]
    status: int = 0


_BASE_TIME = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)

ARTICLES = (
    Article(
        "berita",
        "banjir-rob-pesisir-semarang",
        "id",
        "Banjir Rob Rendam Tiga Kelurahan di Pesisir Semarang",
        (
            "SEMARANG — Banjir rob kembali merendam tiga kelurahan di pesisir utara Semarang pada "
            "Minggu pagi, dengan ketinggian air mencapai 60 sentimeter di sejumlah ruas jalan.",
            "Kepala Badan Penanggulangan Bencana Daerah Kota Semarang, Hartono Wibisono, mengatakan "
            "sekitar 1.200 rumah terdampak dan 340 warga mengungsi ke balai kelurahan.",
            '"Pompa di Kali Banger sudah kami operasikan sejak dini hari, tetapi pasang tahun ini lebih '
            'tinggi dari perkiraan," kata Hartono kepada wartawan.',
            "Pemerintah kota berencana menambah dua unit pompa bergerak dan meninggikan tanggul "
            "sepanjang 800 meter sebelum puncak pasang pada pertengahan Desember.",
        ),
        _BASE_TIME,
    ),
    Article(
        "berita",
        "harga-cabai-naik-jelang-natal",
        "id",
        "Harga Cabai Rawit Naik Hampir Dua Kali Lipat Menjelang Natal",
        (
            "JAKARTA — Harga cabai rawit merah di Pasar Induk Kramat Jati naik menjadi Rp 78.000 per "
            "kilogram, dari Rp 41.000 dua pekan lalu.",
            "Pedagang menyebut pasokan dari Jawa Timur berkurang karena hujan deras merusak tanaman di "
            "sentra produksi Kediri dan Blitar.",
            "Kementerian Perdagangan menyatakan akan menggelar operasi pasar di 25 titik mulai pekan depan "
            "untuk menahan kenaikan harga.",
        ),
        _BASE_TIME + timedelta(hours=2),
    ),
    Article(
        "berita",
        "kereta-cepat-tambah-jadwal",
        "id",
        "Kereta Cepat Tambah 12 Perjalanan Selama Libur Akhir Tahun",
        (
            "BANDUNG — Operator kereta cepat menambah 12 perjalanan per hari selama libur akhir tahun, "
            "sehingga total menjadi 62 perjalanan.",
            "Direktur operasional, Rini Kusumawati, mengatakan tingkat keterisian pada akhir pekan sudah "
            "mencapai 94 persen sejak awal November.",
            "Tiket perjalanan tambahan dapat dipesan mulai Senin melalui aplikasi dan loket stasiun.",
        ),
        _BASE_TIME + timedelta(hours=3),
    ),
    Article(
        "news",
        "semarang-tidal-flood",
        "en",
        "Tidal flood swamps three Semarang neighbourhoods",
        (
            "SEMARANG — A tidal flood swamped three neighbourhoods on Semarang's northern coast on "
            "Sunday morning, leaving up to 60 centimetres of water on several roads.",
            "Hartono Wibisono, who heads the city's disaster agency, said about 1,200 homes were "
            "affected and 340 residents had moved to neighbourhood halls.",
            "The city plans two more mobile pumps and an 800-metre higher sea wall before the "
            "mid-December spring tide.",
        ),
        _BASE_TIME + timedelta(hours=1),
    ),
    Article(
        "news",
        "chilli-prices-christmas",
        "en",
        "Chilli prices nearly double in Jakarta ahead of Christmas",
        (
            "JAKARTA — Bird's eye chilli now sells for 78,000 rupiah a kilogram at the Kramat Jati "
            "wholesale market, up from 41,000 rupiah two weeks ago.",
            "Traders blame heavy rain that damaged crops around Kediri and Blitar in East Java.",
            "The trade ministry said it would run market operations at 25 sites from next week.",
        ),
        _BASE_TIME + timedelta(hours=4),
    ),
)


def article_html(article: Article) -> bytes:
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{article.language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(article.title)} - Warta Uji</title>"
        f'<meta property="og:site_name" content="Warta Uji">'
        f'<meta property="article:published_time" content="{article.published.isoformat()}">'
        f'<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        f'</head><body><header><nav><a href="/">Beranda</a></nav></header>'
        f"<article><h1>{html.escape(article.title)}</h1>\n{paragraphs}\n</article>"
        f"<footer>Warta Uji &copy; 2026</footer></body></html>\n"
    ).encode()


class Site:
    """The running site: its base URL, articles, request log and knobs."""

    def __init__(self, crawl_delay: float, slow_seconds: float) -> None:
        self.base = ""
        self.crawl_delay = crawl_delay
        self.slow_seconds = slow_seconds
        self.articles: list[Article] = list(ARTICLES)
        self.hits: list[Hit] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.in_flight = 0  # requests being served now, and the most at once
        self.most_in_flight = 0
        self.robots_status = 200  # set to 404 or 503 to serve robots.txt that way
        self.bomb = gzip.compress(b"\0" * (40 * 1024 * 1024), compresslevel=9)
        self.feed_extras: list[str] = []  # paths /feed.xml lists after the articles
        self.flaky_failures = 4  # /flaky.html answers 503 this many times, then a page
        self.pages: dict[str, bytes] = {}  # extra HTML pages by path and query, as given

    def url(self, path: str) -> str:
        return self.base + path

    def add_article(self, article: Article) -> None:
        with self.lock:
            self.articles.append(article)

    def requests_to(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path.split("?")[0] == path]

    def log(self) -> list[Hit]:
        with self.lock:
            return list(self.hits)

    def _count(self, path: str) -> int:
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1
            return self.counts[path]

    # ---- Documents

    def robots(self) -> bytes:
        return (
            "# Warta Uji\nUser-agent: *\nDisallow: /private/\n"
            f"Crawl-delay: {self.crawl_delay:g}\n\nSitemap: {self.base}/sitemap-index.xml\n"
        ).encode()

    def rss(self) -> bytes:
        with self.lock:
            items = list(self.articles)
        body = "".join(
            f"<item><title>{html.escape(a.title)}</title><link>{self.base}{a.path}?utm_source=rss</link>"
            f"<guid>{self.base}{a.path}</guid><pubDate>{format_datetime(a.published)}</pubDate></item>"
            for a in items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Warta Uji</title>'
            f"<link>{self.base}/</link><description>Berita uji</description>{body}</channel></rss>"
        ).encode()

    def feed(self) -> bytes:
        """The RSS feed, with an item for each path in `feed_extras` after the articles."""
        with self.lock:
            extras = list(self.feed_extras)
        items = "".join(
            f"<item><title>Lampiran {html.escape(p)}</title><link>{self.base}{p}</link></item>" for p in extras
        )
        return self.rss().replace(b"</channel>", items.encode() + b"</channel>")

    def atom(self) -> bytes:
        with self.lock:
            items = list(self.articles)
        entries = "".join(
            f'<entry><title>{html.escape(a.title)}</title><link href="{self.base}{a.path}"/>'
            f"<id>{self.base}{a.path}</id><updated>{a.published.isoformat()}</updated></entry>"
            for a in items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Warta Uji</title><id>{self.base}/</id><updated>{_BASE_TIME.isoformat()}</updated>"
            f"{entries}</feed>"
        ).encode()

    def news_sitemap(self) -> bytes:
        with self.lock:
            items = list(self.articles)
        urls = "".join(
            f"<url><loc>{self.base}{a.path}</loc><news:news><news:publication><news:name>Warta Uji"
            f"</news:name><news:language>{a.language}</news:language></news:publication>"
            f"<news:publication_date>{a.published.isoformat()}</news:publication_date>"
            f"<news:title>{html.escape(a.title)}</news:title></news:news></url>"
            for a in items
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"{urls}</urlset>"
        ).encode()

    def sitemap_index(self) -> bytes:
        maps = "".join(
            f"<sitemap><loc>{self.base}{p}</loc></sitemap>" for p in ("/sitemap-news.xml", "/sitemap-pages.xml")
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
        ).encode()

    def pages_sitemap(self) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{self.base}/tentang.html</loc></url></urlset>"
        ).encode()


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, each keep-alive response
        # waits ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def redirect(self, status: int, location: str) -> None:
            self.send(status, b"", Location=location)

        def do_GET(self) -> None:
            with site.lock:
                site.hits.append(Hit(self.path, time.monotonic(), {k.lower(): v for k, v in self.headers.items()}))
            path = self.path.split("?")[0]
            with site.lock:
                site.in_flight += 1
                site.most_in_flight = max(site.most_in_flight, site.in_flight)
            try:
                with suppress(BrokenPipeError, ConnectionResetError):
                    if self.path in site.pages:
                        self.send(200, site.pages[self.path])
                        return
                    self.route(path)
            finally:
                with site.lock:
                    site.in_flight -= 1

        def route(self, path: str) -> None:
            with site.lock:
                by_path = {a.path: a for a in site.articles}
            if path in by_path:
                body = article_html(by_path[path])
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                modified = format_datetime(by_path[path].published, usegmt=True)
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send(200, body, ETag=etag, Last_Modified=modified)
                return
            documents = {
                "/robots.txt": (site.robots, "text/plain"),
                "/rss.xml": (site.rss, "application/rss+xml"),
                "/atom.xml": (site.atom, "application/atom+xml"),
                "/sitemap-news.xml": (site.news_sitemap, "application/xml"),
                "/sitemap-index.xml": (site.sitemap_index, "application/xml"),
                "/sitemap-pages.xml": (site.pages_sitemap, "application/xml"),
            }
            if path == "/robots.txt" and site.robots_status != 200:
                self.send(site.robots_status, b"", "text/plain")
            elif path in documents:
                make, ctype = documents[path]
                self.send(200, make(), ctype)
            elif path == "/private/memo.html":
                self.send(200, b"<html><body><p>Memo internal redaksi.</p></body></html>")
            elif path == "/busy.html":
                if site._count(path) == 1:
                    self.send(429, b"Terlalu banyak permintaan", "text/plain", Retry_After="1")
                else:
                    self.send(200, article_html(ARTICLES[1]))
            elif path == "/down.html":
                if site._count(path) == 1:
                    when = formatdate(time.time() + 2, usegmt=True)
                    self.send(503, b"Sedang pemeliharaan", "text/plain", Retry_After=when)
                else:
                    self.send(200, article_html(ARTICLES[2]))
            elif path == "/flaky.html":
                if site._count(path) <= site.flaky_failures:
                    self.send(503, b"Sedang sibuk", "text/plain")
                else:
                    self.send(200, article_html(new_article(99)))
            elif path == "/very-busy.html":
                self.send(429, b"Coba lagi besok", "text/plain", Retry_After="3600")
            elif path == "/slow.html":
                body = article_html(ARTICLES[0])
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                pieces = 20
                step = max(1, len(body) // pieces)
                for i in range(0, len(body), step):
                    self.wfile.write(body[i : i + step])
                    self.wfile.flush()
                    time.sleep(site.slow_seconds / pieces)
            elif path == "/loop-a.html":
                self.redirect(302, "/loop-b.html")
            elif path == "/loop-b.html":
                self.redirect(302, site.base + "/loop-a.html?utm_medium=loop")
            elif path == "/to-metadata.html":
                self.redirect(302, "http://169.254.169.254/latest/meta-data/")
            elif path == "/moved.html":
                self.redirect(301, ARTICLES[3].path + "?utm_source=newsletter&utm_campaign=pagi")
            elif path == "/huge.html":
                filler = b"<p>" + b"Paragraf pengisi yang sangat panjang. " * 40 + b"</p>\n"
                self.send(200, b"<html><body>" + filler * (6 * 1024 * 1024 // len(filler)) + b"</body></html>")
            elif path == "/bomb.html":
                self.send(200, site.bomb, Content_Encoding="gzip")
            elif path == "/laporan.pdf":
                self.send(200, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "application/pdf")
            elif path == "/feed.xml":
                body = site.feed()
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send(200, body, "application/rss+xml", ETag=etag)
            elif path == "/broken-feed.xml":
                self.send(200, site.rss()[:-60], "application/rss+xml")
            else:
                self.send(404, b"<html><body><p>Halaman tidak ditemukan.</p></body></html>")

    return Handler


@contextmanager
def serve_site(crawl_delay: float = 0.3, slow_seconds: float = 4.0) -> Iterator[Site]:
    """The site on 127.0.0.1 (a free port) while the block runs."""
    site = Site(crawl_delay, slow_seconds)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    site.base = f"http://{host!s}:{port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def new_article(n: int) -> Article:
    """A fresh article for the n-th pass (the tests publish these between passes)."""
    return Article(
        "berita",
        f"pembaruan-banjir-rob-{n}",
        "id",
        f"Pembaruan {n}: Air Rob di Semarang Mulai Surut",
        (
            f"SEMARANG — Pada pembaruan ke-{n}, genangan rob di pesisir utara Semarang dilaporkan mulai "
            "surut setelah dua pompa bergerak tambahan dioperasikan.",
            "Hartono Wibisono mengatakan sebagian pengungsi sudah kembali ke rumah masing-masing, "
            "sementara petugas membersihkan lumpur di jalan kampung.",
        ),
        _BASE_TIME + timedelta(days=1, hours=n),
    )
