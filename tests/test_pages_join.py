"""Articles split over pages (kabar.pages): the next-page link, and the pages of one
article joined into one article when a WARC holds them in a row, as `kabar fetch` writes
them. The pages are in tests/pages/multipage (detik-style "/2" pages, kompas-style
"?page=2" pages, an English "Next page")."""

from __future__ import annotations

from pathlib import Path

import pytest

from kabar import ingest, pipeline
from kabar.fetch import RollingWarc
from kabar.model import Article, RawDocument
from kabar.pages import MAX_PAGES, is_continuation, next_page_url
from kabar.store import open_store

PAGES = Path(__file__).parent / "pages" / "multipage"
BANJIR = "https://news.detik.com/berita/d-7241803/banjir-rendam-ratusan-rumah-di-kabupaten-sumbawa"
KERETA = "https://money.kompas.com/read/2024/05/20/140211026/uji-coba-kereta-cepat-rute-baru-ditunda"
FERRY = "https://harbourtimes.example/news/2024/04/02/ferry-night-crossings"
URLS = {
    "banjir-1": BANJIR, "banjir-2": f"{BANJIR}/2", "banjir-3": f"{BANJIR}/3",
    "kereta-1": KERETA, "kereta-2": f"{KERETA}?page=2",
    "ferry-1": FERRY, "ferry-2": f"{FERRY}?page=2",
}  # fmt: skip
# A sentence of each page, in page order.
BANJIR_SENTENCES = ["sedikitnya 340 rumah warga", "Masjid Nurul Huda", "Mahmud juga menyebut normalisasi"]
KERETA_SENTENCES = ["menunda uji coba perjalanan", "Pengamat transportasi dari Universitas Indonesia"]
FERRY_SENTENCES = ["extra night crossings across the strait", "no earlier than ninety minutes"]


def html(name: str) -> str:
    return (PAGES / f"{name}.html").read_text(encoding="utf-8")


def write_warc(folder: Path, names: list[str]) -> Path:
    """The pages as `kabar fetch` records them: a response and its request each, in order."""
    with RollingWarc(folder) as warc:
        for name in names:
            headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")]
            warc.record(URLS[name], {"User-Agent": "kabar/0.1"}, 200, "OK", headers, html(name).encode())
    return folder


def ingest_warc(tmp_path: Path, names: list[str]) -> tuple[pipeline.IngestReport, list[Article]]:
    folder = write_warc(tmp_path / "warc", names)
    with open_store(str(tmp_path / "kabar.db")) as store:
        report = pipeline.run([str(folder)], store, extract=False, embed=False)
        return report, list(store.iter_articles())


def in_order(text: str, sentences: list[str]) -> bool:
    where = [text.find(s) for s in sentences]
    return -1 not in where and where == sorted(where)


# ---- the next-page link


def test_next_page_is_found_by_link_text_rel_next_and_page_number() -> None:
    assert next_page_url(html("banjir-1"), BANJIR) == f"{BANJIR}/2"  # rel="next", "Halaman selanjutnya"
    assert next_page_url(html("banjir-2"), f"{BANJIR}/2") == f"{BANJIR}/3"
    assert next_page_url(html("banjir-3"), f"{BANJIR}/3") is None  # the last page
    assert next_page_url(html("kereta-1").encode(), KERETA) == f"{KERETA}?page=2"  # "2" and "Selanjutnya"
    assert next_page_url(html("kereta-2"), f"{KERETA}?page=2") is None  # links only back to page 1
    assert next_page_url(html("ferry-1"), FERRY) == f"{FERRY}?page=2"  # a relative "Next page"


def test_a_link_to_another_article_or_host_is_never_the_next_page() -> None:
    # "Selanjutnya: <headline>" in a list of related articles, and "Next: ..." to another story.
    related = """<html><body><p>Isi berita.</p><ul>
        <li><a href="https://news.detik.com/berita/d-7240011/longsor-tutup-jalan">Selanjutnya: Longsor Tutup Jalan</a></li>
        <li><a href="https://news.detik.com/berita/d-7240011/longsor-tutup-jalan">Selanjutnya</a></li>
        <li><a rel="next" href="https://news.detik.com/berita/d-7239950/bmkg-peringatkan-cuaca">Berita berikutnya</a></li>
        </ul></body></html>"""
    assert next_page_url(related, BANJIR) is None
    assert next_page_url(html("ferry-1").replace('?page=2" rel="next"', '"'), FERRY) is None
    # The same path on another host, or a mirror's "?page=2" on another site.
    other_host = '<a href="https://m.detik.com/berita/d-7241803/banjir/2">Halaman selanjutnya</a>'
    assert next_page_url(other_host, "https://news.detik.com/berita/d-7241803/banjir") is None
    assert next_page_url('<link rel="next" href="https://mirror.example/read/x?page=2">', "https://kompas.com/read/x") is None
    # Page 3 is not the next page of page 1; "Tampilkan Semua" (?page=all) is not a page.
    assert next_page_url(f'<a href="{BANJIR}/3">3</a><a href="{BANJIR}/3">Halaman selanjutnya</a>', BANJIR) is None
    assert next_page_url(f'<a href="{KERETA}?page=all">Tampilkan Semua</a><a href="{KERETA}?page=all">»</a>', KERETA) is None
    assert next_page_url("", BANJIR) is None and next_page_url("<p>tanpa tautan</p>", "bukan-url") is None


def test_is_continuation() -> None:
    assert is_continuation(BANJIR, f"{BANJIR}/2") and is_continuation(KERETA, f"{KERETA}?page=3")
    assert is_continuation("https://www.kompas.com/read/x", "https://kompas.com/read/x?page=2")
    assert is_continuation("https://kompas.com/read/x?utm_source=rss&utm_medium=feed", "https://kompas.com/read/x?page=2")
    assert not is_continuation("https://kompas.com/read?id=12", "https://kompas.com/read?id=13&page=2")
    assert not is_continuation(f"{BANJIR}/2", BANJIR)  # backwards
    assert not is_continuation(BANJIR, "https://news.detik.com/berita/d-7240011/longsor-tutup-jalan/2")
    assert not is_continuation("https://example.com/berita/123456", "https://example.com/berita/123457")


# ---- joined at ingest


def test_pages_in_a_row_in_a_warc_become_one_article_each(tmp_path: Path) -> None:
    names = ["banjir-1", "banjir-2", "banjir-3", "kereta-1", "kereta-2", "ferry-1", "ferry-2"]
    report, articles = ingest_warc(tmp_path, names)
    assert report.stored == 3 and not report.quarantined
    by_url = {a.url: a for a in articles}
    assert set(by_url) == {BANJIR, KERETA, FERRY}  # each first page's URL
    banjir, kereta, ferry = by_url[BANJIR], by_url[KERETA], by_url[FERRY]
    assert in_order(banjir.text, BANJIR_SENTENCES)
    assert in_order(kereta.text, KERETA_SENTENCES)
    assert in_order(ferry.text, FERRY_SENTENCES)
    # The first page's metadata.
    assert banjir.title == "Banjir Rendam Ratusan Rumah di Kabupaten Sumbawa, Warga Mengungsi ke Masjid"
    assert banjir.published == "2024-03-12T09:15:00+08:00" and banjir.language == "id"
    assert ferry.title == "Ferry operators add night crossings as holiday traffic builds" and ferry.language == "en"
    # No page link is left in the text, and what was taken out is listed.
    for article in articles:
        lowered = article.text.lower()
        assert "halaman selanjutnya" not in lowered and "next page" not in lowered and "selanjutnya" not in lowered
    reasons = {r.reason for r in banjir.removed}
    assert "pagination" in reasons  # page 2's inline "Halaman selanjutnya"
    # Page 2's headline, repeated from page 1, is furniture; the headline is in the text once.
    assert any(r.reason == "page furniture" and r.text == ferry.title for r in ferry.removed)
    assert ferry.text.count("night crossings as holiday") == 0
    # Every page is kept in the raw text.
    assert "Mahmud juga menyebut normalisasi" in banjir.raw_text


def test_a_later_page_without_the_page_before_it_is_an_article_of_its_own(tmp_path: Path) -> None:
    # Page 2 alone; page 3 after page 1 (page 2 missing) is not page 1's next page.
    report, articles = ingest_warc(tmp_path, ["banjir-2", "kereta-2", "banjir-1", "banjir-3"])
    assert report.stored == 4
    by_url = {a.url: a for a in articles}
    assert set(by_url) == {f"{BANJIR}/2", f"{KERETA}?page=2", BANJIR, f"{BANJIR}/3"}
    assert "Masjid Nurul Huda" in by_url[f"{BANJIR}/2"].text
    assert "Mahmud" not in by_url[BANJIR].text and "Mahmud" in by_url[f"{BANJIR}/3"].text


def test_the_first_page_alone_is_the_same_article_as_before(tmp_path: Path) -> None:
    """A first page without its later pages is read as ever (its id is its body's hash)."""
    _, [alone] = ingest_warc(tmp_path, ["kereta-1"])
    assert alone.raw_text == html("kereta-1") and "Pengamat" not in alone.text


@pytest.mark.parametrize("pages", [3, MAX_PAGES + 2])
def test_at_most_max_pages_are_joined(pages: int) -> None:
    base = "https://contoh.example/read/2024/06/01/123/berita-panjang"

    def page(n: int) -> RawDocument:
        url = base if n == 1 else f"{base}?page={n}"
        body = f'<html><body><p>Paragraf halaman {n}.</p><a href="{base}?page={n + 1}">Halaman selanjutnya</a></body></html>'
        return RawDocument(source=f"x.warc#{n}", body=body, format="html", url=url)

    joined = list(ingest.join_pages(page(n) for n in range(1, pages + 1)))
    assert isinstance(joined[0], RawDocument)
    assert len(joined[0].continuations) == min(pages, MAX_PAGES) - 1
    assert len(joined) == (1 if pages <= MAX_PAGES else 2)
