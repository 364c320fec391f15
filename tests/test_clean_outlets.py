"""Main text of Indonesian outlets' pages (detik-, kompas-, tribun-, cnnindonesia- and
antara-style templates): the whole HTML path (trafilatura, header, cleaner) must keep the
article's sentences and drop related-article blocks, "Baca juga" inserts, pagination, tag
clouds, advertisement lines and promos, each dropped line recorded with its reason.

The pages under tests/pages/id-outlets/ are written for these tests; beside each page a
JSON file lists segments that must be in the main text ("with") and must not ("without").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kabar import pipeline
from kabar.clean import clean, extract_html
from kabar.lang import get
from kabar.model import Article, QuarantineEntry, RawDocument

PAGES = Path(__file__).parent / "pages" / "id-outlets"
PAGE_FILES = sorted(PAGES.glob("*.html"))
ID = get("id")


def _article(page: Path) -> Article:
    raw = RawDocument(source=str(page), body=page.read_text(encoding="utf-8"), format="html")
    prepared = pipeline.prepare(raw)
    assert not isinstance(prepared, QuarantineEntry), prepared
    article = pipeline.build_article(prepared, set(), frozenset())
    assert not isinstance(article, QuarantineEntry), article
    return article


def test_every_template_has_a_page() -> None:
    templates = {p.name.split("-")[0] for p in PAGE_FILES}
    assert templates == {"detik", "kompas", "tribun", "cnnindonesia", "antara"}
    assert all(p.with_suffix(".json").exists() for p in PAGE_FILES)


@pytest.mark.parametrize("page", PAGE_FILES, ids=lambda p: p.stem)
def test_outlet_page_main_text(page: Path) -> None:
    gold = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    article = _article(page)
    assert article.language == "id"
    text = "\n".join(article.paragraphs)
    missing = [s for s in gold["with"] if s not in text]
    left = [s for s in gold["without"] if s in text]
    assert not missing, f"article text lost: {missing}"
    assert not left, f"page furniture left in the text: {left}"
    # What trafilatura let through and the cleaner took out is recorded with a reason.
    extracted = extract_html(page.read_text(encoding="utf-8"), None)
    assert extracted is not None
    removed = [r for r in article.removed if r.reason]
    for segment in gold["without"]:
        if segment in extracted[0]:
            assert any(segment in r.text for r in removed), f"{segment!r} dropped without a recorded reason"


def _reasons(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    result = clean(list(enumerate(lines)), title="Judul", lang=ID)
    return result.paragraphs, {r.text: r.reason for r in result.removed}


BODY = [
    "Petugas gabungan mengevakuasi warga dari tiga desa yang terendam banjir sejak Minggu malam.",
    "Kepala desa mengatakan dapur umum sudah berdiri di halaman balai desa untuk para pengungsi.",
    "Ketinggian air mulai turun pada Senin siang, tetapi lumpur masih menutup jalan utama desa.",
]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Halaman 2", "pagination"),
        ("Halaman 2 dari 3", "pagination"),
        ("Halaman: 1 2 3 Selanjutnya", "pagination"),
        ("Halaman 1/2", "pagination"),
        ("- Halaman selanjutnya", "pagination"),
        ("1 2 Selanjutnya", "pagination"),
        ("BACA HALAMAN BERIKUTNYA", "pagination"),
        ("Tampilkan Semua", "pagination"),
        ("[Gambas:Video CNN]", "embed placeholder"),
        ("ADVERTISEMENT", "advertisement"),
        ("SCROLL TO CONTINUE WITH CONTENT", "advertisement"),
        ("Copyright © ANTARA 2026", "copyright / syndication notice"),
        ("Dilarang keras mengambil konten, melakukan crawling atau pengindeksan otomatis tanpa izin.",
         "copyright / syndication notice"),
        ("Artikel ini telah tayang di Contoh.com dengan judul Banjir Rendam Tiga Desa, https://contoh.example/a",
         "copyright / syndication notice"),
        ("Laporan Wartawan Contoh.com, Rina Maharani", "editor credit"),
        ("Simak Video: Detik-detik Air Bah Menerjang Jalan Desa", "related-article link"),
        ("Saksikan juga video: Warga Bergotong Royong Membersihkan Lumpur", "related-article link"),
    ],
)  # fmt: skip
def test_outlet_furniture_line_is_removed_with_its_reason(line: str, reason: str) -> None:
    paragraphs, removed = _reasons([*BODY[:2], line, *BODY[2:]])
    assert paragraphs == BODY
    assert removed == {line: reason}


@pytest.mark.parametrize(
    "sentence",
    [
        "Halaman rumah warga tergenang air setinggi lutut sejak Minggu malam.",
        "Selanjutnya, petugas akan memeriksa tanggul di hulu sungai bersama warga.",
        "Hak cipta lagu daerah itu kini dipegang ahli waris sang pencipta.",
        "Dilarang mengambil pasir di pantai itu sejak tahun lalu, kata kepala desa.",
        "Simak juga penjelasan petugas tentang jalur evakuasi yang aman bagi warga desa.",
        "Tampilkan semua dokumen anggaran kepada publik, kata anggota dewan itu.",
    ],
)
def test_article_sentences_that_start_like_furniture_stay(sentence: str) -> None:
    paragraphs, removed = _reasons([*BODY[:2], sentence, *BODY[2:]])
    assert sentence in paragraphs
    assert removed == {}


def test_outlet_cues_stay_linear_on_hostile_lines() -> None:
    # At most MAX_CUE_LINE_WORDS words, each as long as a token may be: the cue patterns
    # are possessive, so these end at once instead of backtracking.
    digits = " ".join(["1" * 299] * 24)
    hostile = [f"Halaman {digits} x", f"{digits} Selanjutnya!x", "[Gambas:" + "a" * 290 + " " * 2 + "x",
               "© " + " ".join(["a" * 299] * 24) + "\u200b"]  # fmt: skip
    paragraphs, removed = _reasons(BODY + hostile)
    assert paragraphs[:3] == BODY
    assert "pagination" not in removed.values() and "embed placeholder" not in removed.values()
