"""Ingest: every format, bad input quarantined with a clear reason, idempotent reingest."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import DEMO, ingest_into, new_location
from kabar import ingest, pipeline
from kabar.model import QuarantineEntry, RawDocument
from kabar.store import Store, open_store
from kabar.text import key

ARTICLE_ID = """Banjir Rendam Tiga Kecamatan di Kudus
Selasa, 5 Maret 2024 - 08:15 WIB
KUDUS - Hujan deras sejak Senin malam membuat Sungai Wulan meluap dan merendam tiga kecamatan di Kudus. Ketinggian air di permukiman mencapai satu meter.
Baca Juga : Harga Cabai Rawit Turun di Pasar Kliwon
Badan Penanggulangan Bencana Daerah mencatat 2.300 warga mengungsi ke balai desa dan masjid. "Kami sudah menyiapkan dapur umum di empat titik," kata Kepala Pelaksana BPBD Kudus, Rini Astuti.
Petugas masih menyisir rumah yang terisolasi dengan perahu karet pada Selasa pagi.
tulis komentar anda
"""

HTML = """<!doctype html><html><head><title>Jembatan Putus, Warga Seberangi Sungai dengan Rakit - Harian Contoh</title>
<meta property="article:published_time" content="2024-03-06T10:30:00+07:00">
<link rel="canonical" href="https://www.hariancontoh.id/daerah/jembatan-putus"></head><body>
<nav><a href="/">Beranda</a> <a href="/daerah">Daerah</a></nav>
<article><h1>Jembatan Putus, Warga Seberangi Sungai dengan Rakit</h1>
<p>Jembatan gantung yang menghubungkan dua desa di Kabupaten Lebak putus diterjang arus sungai pada Selasa sore. Sejak itu warga menyeberang dengan rakit bambu.</p>
<p><strong>Baca Juga:</strong> <a href="/x">Pasar Murah Digelar di Alun-alun</a></p>
<p>Kepala desa setempat mengatakan sedikitnya 400 pelajar bergantung pada jembatan itu untuk berangkat ke sekolah setiap hari.</p>
<p>Pemerintah kabupaten berjanji membangun jembatan darurat dalam dua pekan, namun warga meminta kepastian anggaran.</p>
</article><footer>Berlangganan newsletter kami</footer></body></html>"""


def _warc(path: Path, pages: list[tuple[str, str]]) -> None:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=path.suffix == ".gz")
        for url, html in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()), http_headers=headers)
            writer.write_record(record)


def test_every_format(tmp_path: Path, store: Store) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "banjir.txt").write_text(ARTICLE_ID, encoding="utf-8")
    (corpus / "jembatan.html").write_text(HTML, encoding="utf-8")
    with gzip.open(corpus / "banjir-copy.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write(ARTICLE_ID.replace("Kudus", "Pati").replace("KUDUS", "PATI"))
    record = {"id": "r1", "url": "https://kabar.example.id/a", "title": "Ribuan Warga Mengungsi",
              "published": "2024-03-05T09:00:00+07:00", "outlet": "Kabar Contoh", "language": "id",
              "text": ARTICLE_ID.split("\n", 2)[2].replace("Kudus", "Grobogan")}  # fmt: skip
    html_record = {"url": "https://kabar.example.id/b", "html": HTML.replace("Lebak", "Pandeglang")}
    (corpus / "feed.jsonl").write_text(json.dumps(record) + "\n" + json.dumps(html_record) + "\n")
    _warc(corpus / "crawl.warc.gz", [("https://warta.example.id/c", HTML.replace("Lebak", "Serang"))])

    report = ingest_into(store, corpus)
    assert report.quarantined == []
    by_source = {a.source: a for a in store.iter_articles()}
    assert len(by_source) == 6

    txt = by_source[str(corpus / "banjir.txt")]
    assert txt.title == "Banjir Rendam Tiga Kecamatan di Kudus"
    assert txt.published == "2024-03-05T08:15:00+07:00"
    assert txt.dateline == "KUDUS"
    assert "Baca Juga" not in txt.text and "tulis komentar" not in txt.text
    assert txt.paragraphs[0].startswith("Hujan deras")

    html = by_source[str(corpus / "jembatan.html")]
    assert html.title == "Jembatan Putus, Warga Seberangi Sungai dengan Rakit"
    assert html.published == "2024-03-06T10:30:00+07:00"
    assert html.outlet == "hariancontoh.id"
    assert "Baca Juga" not in html.text and "Beranda" not in html.text
    assert "400 pelajar" in html.text

    jl = by_source[f"{corpus / 'feed.jsonl'}#r1"]
    assert (jl.outlet, jl.title, jl.published) == (
        "kabar.example.id",
        "Ribuan Warga Mengungsi",
        "2024-03-05T09:00:00+07:00",
    )
    assert f"{corpus / 'feed.jsonl'}#2" in by_source  # no id: keyed by line number
    warc = next(a for s, a in by_source.items() if s.startswith(str(corpus / "crawl.warc.gz") + "#<urn:uuid:"))
    assert warc.url == "https://warta.example.id/c" and warc.outlet == "warta.example.id"
    assert by_source[str(corpus / "banjir-copy.txt.gz")].dateline == "PATI"


def _read_csv(opened: ingest.Opened) -> Iterator[ingest.Item]:
    """A made-up format: one document per row of `id,title,text`."""
    raw = gzip.GzipFile(fileobj=opened.fh) if opened.gz else opened.fh
    for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")):
        where = f"{opened.source}#{row['id']}"
        if not row["text"].strip():
            yield QuarantineEntry(where, "row has no text")
        else:
            yield RawDocument(
                source=where, body=row["text"], format="txt", title=row["title"], site_key=opened.site_key
            )
        opened.tick()


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "title", "text"])
    writer.writeheader()
    writer.writerows(rows)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(out.getvalue().encode()))
    else:
        path.write_text(out.getvalue(), encoding="utf-8")


def test_a_registered_reader_reads_a_new_format(tmp_path: Path, store: Store) -> None:
    """A format added by one reader function and `register_reader`: its files (and their
    gzip) are found in folders, read row by row, and stored like any other document."""
    body = ARTICLE_ID.split("\n", 2)[2]
    _write_csv(tmp_path / "feed.csv", [
        {"id": "k1", "title": "Banjir Rendam Tiga Kecamatan di Kudus", "text": body},
        {"id": "k2", "title": "Tanpa Isi", "text": "  "},
    ])  # fmt: skip
    _write_csv(tmp_path / "older.csv.gz", [
        {"id": "p1", "title": "Banjir Rendam Tiga Kecamatan di Pati", "text": body.replace("Kudus", "Pati")},
    ])  # fmt: skip
    assert ingest_into(store, tmp_path).seen == 0  # not registered: the folder has nothing to read
    ingest.register_reader([".csv"], _read_csv)
    try:
        assert ".csv" in ingest.SUPPORTED
        report = ingest_into(store, tmp_path)
    finally:
        del ingest.READERS[".csv"]
    assert [(Path(q.source).name, q.reason) for q in report.quarantined] == [("feed.csv#k2", "row has no text")]
    by_source = {Path(a.source).name: a for a in store.iter_articles()}
    assert sorted(by_source) == ["feed.csv#k1", "older.csv.gz#p1"]
    kudus, pati = by_source["feed.csv#k1"], by_source["older.csv.gz#p1"]
    assert kudus.title == "Banjir Rendam Tiga Kecamatan di Kudus" and "2.300 warga mengungsi" in kudus.text
    assert pati.title.endswith("di Pati") and "Sungai Wulan" in pati.text
    assert ".csv" not in ingest.SUPPORTED


@pytest.mark.parametrize("suffixes", [["csv"], [".CSV"], [".gz"], [".csv.gz"], [""], [".csv", ".txt"]])
def test_registering_a_bad_or_taken_suffix_is_refused(suffixes: list[str]) -> None:
    """No dot, upper case, `.gz` or two parts (never matched), or a suffix another reader
    holds: refused, and none of the call's suffixes is registered."""
    before = dict(ingest.READERS)
    with pytest.raises(ValueError, match="suffix"):
        ingest.register_reader(suffixes, _read_csv)
    assert before == ingest.READERS


def test_a_taken_suffix_can_be_replaced_on_purpose() -> None:
    builtin = ingest.READERS[".txt"]
    ingest.register_reader([".txt"], builtin)  # the same reader again (a reloaded module): fine
    ingest.register_reader([".txt"], _read_csv, replace=True)
    try:
        assert ingest.READERS[".txt"] is _read_csv
    finally:
        ingest.register_reader([".txt"], builtin, replace=True)
    assert ingest.READERS[".txt"] is ingest.read_text and ingest.READERS[".htm"] is ingest.read_html


def test_reingest_is_idempotent(tmp_path: Path, store: Store) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE_ID, encoding="utf-8")
    (tmp_path / "same-content.txt").write_text(ARTICLE_ID, encoding="utf-8")
    first = ingest_into(store, tmp_path)
    second = ingest_into(store, tmp_path)
    assert (first.stored, second.stored, second.already) == (1, 0, 2)
    assert store.count_articles() == 1
    (article,) = store.iter_articles()
    assert sorted(Path(s).name for s in article.sources) == ["a.txt", "same-content.txt"]


def test_bad_input_is_quarantined_and_the_batch_goes_on(tmp_path: Path, store: Store) -> None:
    (tmp_path / "good.txt").write_text(ARTICLE_ID, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("   \n\n  ")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (tmp_path / "huge.txt").write_text("kata " * 300_000)
    (tmp_path / "broken.txt.gz").write_bytes(b"\x1f\x8b\x08\x00not really gzip")
    (tmp_path / "nav-only.html").write_text("<html><body><nav><a href='/'>Beranda</a></nav></body></html>")
    (tmp_path / "no-text.html").write_text("<html><head><title>x</title></head><body><img src=a></body></html>")
    (tmp_path / "lines.jsonl").write_text(
        '{"id": "ok", "text": ' + json.dumps(ARTICLE_ID.replace("Kudus", "Jepara")) + "}\n"
        '{"id": "cut", "text": "unterminated\n'
        '["not", "an", "object"]\n'
        '{"id": "no-body", "title": "x"}\n'
    )
    (tmp_path / "bad.warc").write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nshort")
    # Latin-1 bytes in a .txt: decoded by detection, not quarantined.
    (tmp_path / "latin1.txt").write_bytes(
        ARTICLE_ID.replace("Kudus", "Blora").replace("mencapai", "mencapai ±").encode("latin-1")
    )

    report = pipeline_run(tmp_path, store, max_bytes=1_000_000)
    reasons = {Path(q.source).name: q.reason for q in report.quarantined}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.txt"] == "empty file"
    assert reasons["image.txt"] == "binary file"
    assert reasons["huge.txt"] == "file too large"
    assert reasons["broken.txt.gz"] == "broken gzip"
    assert reasons["nav-only.html"] == "no body text after cleaning"
    assert reasons["no-text.html"] == "no article text found in HTML"
    assert reasons["lines.jsonl#2"] == "broken JSON line"
    assert reasons["lines.jsonl#3"] == "JSON line is not an object"
    assert reasons["lines.jsonl#4"] == "record has no text or html"
    assert reasons["bad.warc#1"] == "broken WARC record"
    stored = {Path(a.source).name for a in store.iter_articles()}
    assert stored == {"good.txt", "lines.jsonl#ok", "latin1.txt"}
    latin = next(a for a in store.iter_articles() if a.source.endswith("latin1.txt"))
    assert "±" in latin.text
    # The quarantine table keeps one row per problem, even after a rerun.
    pipeline_run(tmp_path, store, max_bytes=1_000_000)
    assert len(store.quarantine()) == len(report.quarantined)


def pipeline_run(path: Path, store: Store, max_bytes: int):  # type: ignore[no-untyped-def]
    from kabar import pipeline

    return pipeline.run([str(path)], store, max_bytes=max_bytes)


_SITE_LINE = "Kirim foto kejadian di sekitar Anda lewat WhatsApp redaksi kami setiap hari."
_TOWNS = ("Demak", "Jepara", "Pati", "Rembang", "Blora", "Grobogan")


def _site_article(town: str) -> str:
    return (
        f"Jalan Rusak di {town} Dikeluhkan Pengendara\n"
        f"{town.upper()} - Warga {town} mengeluhkan jalan provinsi yang berlubang sepanjang dua kilometer.\n"
        f"{_SITE_LINE}\n"
        f"Dinas Pekerjaan Umum {town} berjanji menambal lubang sebelum musim hujan tiba, kata pejabatnya.\n"
    )


def _site_line_removed(store: Store, town: str) -> bool:
    article = next(a for a in store.iter_articles() if a.title.endswith(f"{town} Dikeluhkan Pengendara"))
    return any(r.text == _SITE_LINE and r.reason.startswith("recurs") for r in article.removed)


def test_site_lines_recur_across_runs_within_the_window(tmp_path: Path, backend: str) -> None:
    """A line repeated by one site's articles is boilerplate from its third article on, even
    when each article comes in its own ingest run; a line seen once is forgotten after the
    window of recent chunks, and counted in the store only from its second article."""
    from conftest import new_location
    from kabar import pipeline
    from kabar.store import open_store

    site = tmp_path / "lokalnews"
    site.mkdir()
    store = open_store(new_location(backend, tmp_path))
    for town in _TOWNS[:3]:
        (site / f"{town.lower()}.txt").write_text(_site_article(town), encoding="utf-8")
        pipeline.run([str(site / f"{town.lower()}.txt")], store, stories=False, extract=False)
    assert [_site_line_removed(store, t) for t in _TOWNS[:3]] == [False, False, True]
    # Counted in the store since its second article: the window no longer matters for it.
    assert pipeline.LineEvidence(store, window_chunks=0).counts(str(site), [key(_SITE_LINE)]) == {key(_SITE_LINE): 3}

    # Another site's line seen once, then again after more chunks than the window holds.
    monkey = pytest.MonkeyPatch()
    monkey.setattr(pipeline.LineEvidence, "WINDOW_CHUNKS", 2)
    try:
        other = tmp_path / "kotakita"
        other.mkdir()
        for i, town in enumerate(_TOWNS[3:]):
            text = _site_article(town).replace(_SITE_LINE, "Ikuti kanal berita kami untuk kabar terbaru dari daerah.")
            (other / f"{i}.txt").write_text(text, encoding="utf-8")
            pipeline.run([str(other / f"{i}.txt")], store, stories=False, extract=False)
            if i == 0:  # two unrelated runs push the first article's lines out of the window
                for filler in ("Kudus", "Kendal"):
                    (site / f"{filler}.txt").write_text(_site_article(filler).replace(_SITE_LINE, ""), encoding="utf-8")
                    pipeline.run([str(site / f"{filler}.txt")], store, stories=False, extract=False)
        counts = pipeline.LineEvidence(store).counts(
            str(other), [key("Ikuti kanal berita kami untuk kabar terbaru dari daerah.")]
        )
        assert list(counts.values()) == [2]  # the first sighting was forgotten: 2 of 3 articles
    finally:
        monkey.undo()
        store.close()


def test_a_record_without_a_headline_is_titled_from_its_lead(store: Store, tmp_path: Path) -> None:
    """A JSON record with text only, whose short first paragraph is a dateline lead: that
    paragraph is the body's start, not a headline, and the title is its first sentence
    without the dateline (cut at a word boundary when long)."""
    lead = ("Surabaya (KBN) - Pemerintah Provinsi Jawa Timur menambah 40 pompa air di Sidoarjo. "
            "Warga diminta tetap waspada.")  # fmt: skip
    long_lead = ("Harian.id - Dinas Perhubungan menutup sementara jalan layang di kawasan pelabuhan karena "
                 "retakan pada sambungan yang ditemukan petugas saat pemeriksaan rutin pada Senin pagi.")  # fmt: skip
    rest = "Banjir merendam tiga desa sejak Minggu malam. Ketinggian air mencapai satu meter di beberapa titik."
    records = [{"id": "a", "language": "id", "text": f"{lead}\n\n{rest}"},
               {"id": "b", "language": "id", "text": f"{long_lead}\n\n{rest.replace('tiga', 'empat')}"}]  # fmt: skip
    (tmp_path / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert ingest_into(store, tmp_path / "feed.jsonl").quarantined == []
    by_id = {a.source.rsplit("#", 1)[1]: a for a in store.iter_articles()}
    first, second = by_id["a"], by_id["b"]
    assert first.title == "Pemerintah Provinsi Jawa Timur menambah 40 pompa air di Sidoarjo."
    assert first.dateline == "SURABAYA" and first.paragraphs[0].startswith("Pemerintah Provinsi")
    assert second.title.endswith(" …") and len(second.title) <= 125
    assert second.title.startswith("Dinas Perhubungan menutup") and second.outlet == "harian.id"


def test_a_new_run_links_storylines_from_the_stored_names(tmp_path: Path, backend: str) -> None:
    """The carbon-market ratification, ingested in a run of its own months after the
    signing's, is a story of its own in the signing's storyline: the salient names stored
    by the first run are what links them."""
    ratification = [DEMO / "kabartimur" / "dpr-sahkan-ratifikasi-perjanjian-pasar-karbon-asean.txt",
                    DEMO / "suarapelita" / "perjanjian-karbon-asean-diratifikasi-dpr.txt"]  # fmt: skip
    location = new_location(backend, tmp_path)
    store = open_store(location)
    earlier = [p for p in sorted(DEMO.rglob("*.*")) if p.parent.name != "gold" and p not in ratification]
    earlier = [p for p in earlier if p.name != "borneo-b.jsonl"]  # it carries a ratification report too
    pipeline.run([str(p) for p in earlier], store)
    rows = {sid: (line, names) for sid, line, names in store.story_lines()}
    assert rows and all(0 < len(names) <= 10 for _, names in rows.values())
    ingest_into(store, *ratification)
    by_name = {Path(a.source).name: a for a in store.iter_articles()}
    signing = store.get_story(by_name["asean-sepakati-pasar-karbon-bersama.html"].story or "")
    ratified = store.get_story(by_name[ratification[0].name].story or "")
    assert signing and ratified and signing.id != ratified.id and signing.storyline == ratified.storyline
    store.close()
