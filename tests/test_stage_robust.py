"""The per-document stages before extraction hold up on any input (issue 13): header,
dates and relative dates, outlet, clean, HTML, text splitting, search terms, copies and
features. No exception; every step linear in its input and inside kabar's own per-document
time budget (tests/costs.py: no speed targets here, those are in bench/).

Real pages are read from ../shared at run time; all other text here is written for the
tests."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SHARED
from costs import assert_linear, within_budget
from kabar import clean, dedup, features, meta, search
from kabar.lang import get
from kabar.model import Article, QuarantineEntry, RawDocument
from kabar.pipeline import build_article, prepare
from kabar.text import key, split_sentences, well_formed, words

ID, EN = get("id"), get("en")
PAGES = SHARED / "data" / "html-eval-dev" / "pages"
EDGES = ("0001-01-01T00:00:00", "0001-01-07", "9999-12-31T23:59:59", "9999-12-25")
MAX_CHARS = 100_000  # the largest input these tests build
FUZZ = settings(derandomize=True, max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def bounded(f: Callable[[], Any]) -> Any:
    """`f()` inside the time budget kabar gives a document of MAX_CHARS characters."""
    return within_budget(f, MAX_CHARS)


def _article(text: str, title: str = "Judul berita", published: str | None = None, language: str = "id") -> Article:
    return Article(id="a1", source="t.txt", url=None, outlet=None, title=title, published=published, language=language,
                   dateline=None, paragraphs=[p for p in text.split("\n") if p.strip()] or [text], removed=[],
                   raw_text=text, sources=["t.txt"])  # fmt: skip


# --- 1. real pages whose relative dates crashed ingest ------------------------------

# html-eval-dev pages whose text names a weekday, "yesterday", "last week" or a month:
# with a publication date at the calendar's edge (a CMS's null date "0001-01-01", or
# 9999-12-31) they raised OverflowError ("date value out of range") or "year 0 is out
# of range" in resolve_time_mentions, and the whole batch was lost. Such placeholders
# are now no date at all (pipeline.PUBLISHED_YEARS); the arithmetic at the edges is
# tested on its own below.
EDGE_PAGES = ["900b19d661199051", "0a3a3454f9eaaa34", "8877a49d7dee4069"]


@pytest.mark.skipif(not PAGES.is_dir(), reason="../shared/data/html-eval-dev is not here")
@pytest.mark.parametrize("page", EDGE_PAGES)
def test_real_pages_with_a_publication_date_at_the_calendars_edge_are_built(page: str) -> None:
    html = gzip.decompress((PAGES / f"{page}.html.gz").read_bytes()).decode("utf-8", "replace")
    resolved = 0
    for published in ("0001-01-01T00:00:00", "9999-12-31T23:59:59"):
        prepared = prepare(RawDocument(source=page, body=html, format="html", published=published))
        assert not isinstance(prepared, QuarantineEntry)
        article = build_article(prepared, set(), frozenset())
        assert isinstance(article, Article)
        # The placeholder is no date: the page's own date is taken instead.
        assert article.published is not None and 1900 <= int(article.published[:4]) <= 2100
        for mention in article.time_mentions:
            start = date.fromisoformat(mention.date)
            assert mention.end_date is None or date.fromisoformat(mention.end_date) >= start
        resolved += len(article.time_mentions)
    assert resolved > 0  # the pages do name relative days: they are read, not skipped


# --- 2. relative dates at the edges of the calendar ---------------------------------

RELATIVE_ID = "Kemarin, pada hari Selasa (31/12), pekan lalu, besok, lusa, bulan lalu, bulan Desember dan bulan Januari; Sabtu (6/1)."
RELATIVE_EN = (
    "Yesterday, on Tuesday (31/12), last week, tomorrow, last month, in December and in January; Saturday (6/1)."
)


@pytest.mark.parametrize("published", EDGES)
@pytest.mark.parametrize(("text", "code"), [(RELATIVE_ID, "id"), (RELATIVE_EN, "en")])
def test_relative_dates_at_the_calendars_edges_are_kept_or_dropped(published: str, text: str, code: str) -> None:
    found = meta.resolve_time_mentions(text, published, get(code))
    anchor = date.fromisoformat(published[:10])
    kinds = {m.text.lower().split()[-1] for m in found}
    if anchor.year == 1 and anchor.month == 1 and anchor.day == 1:
        # Nothing lies before 1 January 1: yesterday, last week, last month are dropped.
        assert not {"kemarin", "yesterday", "lalu", "week", "month"} & kinds
        assert {"besok", "tomorrow"} & kinds  # what comes after is still read
    if anchor == date(9999, 12, 31):
        assert not {"besok", "tomorrow", "lusa"} & kinds  # nothing lies after 31 December 9999
        december = [m for m in found if m.text.lower().endswith(("desember", "december"))]
        assert [(m.date, m.end_date) for m in december] == [("9999-12-01", "9999-12-31")]
    for m in found:
        assert date.fromisoformat(m.date) <= date.fromisoformat(m.end_date or m.date)


def test_normalize_published_on_hostile_values() -> None:
    for value in (["x"], 5, {"a": 1}, "", "   ", "0000-00-00", "9999-99-99", "2024-13-45T99:99", "\ud800",
                  "x" * 100_000, "2024" * 10_000, "Senin, " * 5000):  # fmt: skip
        assert bounded(lambda v=value: meta.normalize_published(v)) is None
    assert meta.normalize_published("0001-01-01") == "0001-01-01"
    assert meta.normalize_published("9999-12-31T23:59:59") == "9999-12-31T23:59:59"
    assert meta.normalize_published("Senin, 16 September 2024 - 19:10 WIB") == "2024-09-16T19:10:00+07:00"


# --- 3. outlet from any URL ---------------------------------------------------------


def test_outlet_from_url_is_total() -> None:
    for url in ("http://[x]/a", "https://[::1/", "http://[", ["x"], 5, None, b"http://a.com", "", "javascript:x"):
        assert meta.outlet_from_url(url) is None
    assert meta.outlet_from_url("https://www.kompas.com/read/1") == "kompas.com"
    assert meta.outlet_from_url("http://[::1]/a") == "::1"


# --- 4. lone surrogates -------------------------------------------------------------


def test_a_lone_surrogate_passes_every_stage() -> None:
    text = "Presiden Joko Widodo\ud800 meresmikan jalan tol di Jakarta kemarin, kata pejabat\udfff itu."
    assert well_formed(text).encode("utf-8")
    article = _article(text, title="Jalan tol\ud800 diresmikan", published="2024-11-12")
    vectors = features.Embedder().encode([article.title, "Jalan tol baru"])
    assert vectors.shape == (2, features.EMBEDDING_DIM) and float(abs(vectors).sum()) > 0
    title_terms, body_terms = search.index_terms(article)
    assert "\ud800" not in title_terms and body_terms.encode("utf-8")
    assert "jakarta" in body_terms.split()
    signature = dedup.article_signature(article)
    assert len(signature.signature) == dedup.NUM_PERM
    result = clean.clean([(0, text)], title=article.title, lang=ID)
    assert result.paragraphs == [text]


# --- 5. long paragraphs and blob tokens ---------------------------------------------


def test_a_paragraph_without_newlines_is_cut_at_sentences() -> None:
    # Shared words, so no piece is an off-topic tail; numbers, so none repeats another.
    def one_line(n: int) -> str:
        return " ".join(f"Warga desa {i} melapor kerusakan rumah nomor {i * 3 + 1}." for i in range(n))

    text = one_line(2500)  # about 130 KB on one line
    assert_linear(lambda n: clean.clean([(0, one_line(n))], title=None, lang=ID), 312)
    result = clean.clean([(0, text)], title=None, lang=ID)
    assert len(result.paragraphs) > 1
    assert all(len(p) <= clean.MAX_PARAGRAPH_CHARS for p in result.paragraphs)
    assert " ".join(result.paragraphs) == text  # cut between sentences, nothing lost
    assert all(p.endswith(".") for p in result.paragraphs)


def test_a_sentence_without_stops_is_cut_between_words() -> None:
    text = " ".join(f"warga desa {i}" for i in range(3000))
    result = clean.clean([(0, text)], title=None, lang=ID)
    assert all(len(p) <= clean.MAX_PARAGRAPH_CHARS for p in result.paragraphs)
    assert " ".join(result.paragraphs) == text


def test_a_blob_token_is_removed_with_its_reason() -> None:
    blob = "QUJD" * 1250  # a 5,000-character base64 run, capitalised
    lines = [(0, f"Gempa mengguncang Palu pada pagi hari. {blob} Warga mengungsi ke tempat tinggi.")]
    result = bounded(lambda: clean.clean(lines, title=None, lang=ID))
    assert result.paragraphs == ["Gempa mengguncang Palu pada pagi hari. Warga mengungsi ke tempat tinggi."]
    [removal] = [r for r in result.removed if r.text == blob]
    assert removal.line == 0 and str(clean.MAX_TOKEN_CHARS) in removal.reason


def test_many_short_lines_stay_linear() -> None:
    # Comparing every pair of paragraphs took 39 s on 5,000 such lines.
    def lines(n: int) -> list[tuple[int, str]]:
        return [(i, f"baris {i} berisi kata {i * 7} yang lain {i * 13} dan {i * 17} juga") for i in range(n)]

    assert_linear(lambda n: clean.clean(lines(n), title=None, lang=ID), 625)
    assert len(clean.clean(lines(5000), title=None, lang=ID).paragraphs) == 5000


def test_near_repeats_are_still_found() -> None:
    base = "Badan Nasional Penanggulangan Bencana mencatat dua ratus rumah rusak berat akibat gempa di Palu."
    edited = base.replace("dua ratus", "dua ratus") + " Data"
    lines = [(0, base), (1, "Warga diminta tetap tenang."), (2, edited)]
    result = clean.clean(lines, title=None, lang=ID)
    assert [r.reason for r in result.removed] == ["near-repeat of an earlier paragraph"]


# --- 6. adversarial runs ------------------------------------------------------------

UNITS = ["A", "A.", "1.", " ", ".", "-", "—", '"', "“", "(", "(1/", "A ", "Oleh ", "JAKARTA ", "A, ", "<meta ",
         '"datePublished": ', "<p>a</p>", "bulan ", "\t", "kemarin ", "Sabtu (1/6) ", "Dan "]  # fmt: skip
# What a run may sit between: a byline, dateline, caption, related-link or date line cue.
AROUND = [
    ("", ""),
    ("Oleh", "!"),
    ("JAKARTA", " x"),
    ("Foto:", ":"),
    ("Baca Juga:", ""),
    ("Senin, 16 September 2024", ")"),
]


def _stages(text: str) -> list[Callable[[], Any]]:
    return [
        lambda: meta.parse_date_line(text),
        lambda: meta.normalize_published(text),
        lambda: meta.outlet_from_url(text),
        lambda: meta.find_dateline(text),
        lambda: meta.site_line_domain(text),
        lambda: meta.read_header([(0, text), (1, text)]),
        lambda: meta.resolve_time_mentions(text, "2024-11-12", ID),
        lambda: meta.resolve_time_mentions(text, "0001-01-01", EN),
        lambda: clean.clean([(0, text), (1, text + "!")], title="Judul", lang=ID),
        lambda: clean._meta_published(text),
        lambda: split_sentences(text, ID.abbreviations, ID.non_final_words),
        lambda: search.stems(text, "id"),
        lambda: search.query_variants(text),
        lambda: dedup.signature(text),
        lambda: features.entities(text, ID),
        lambda: features.numbers(text, ID),
    ]


def _assert_stages_linear(make: Callable[[int], str], n: int) -> None:
    for i in range(len(_stages(""))):
        assert_linear(lambda k, i=i: _stages(make(k))[i](), n)  # type: ignore[misc]


@pytest.mark.slow  # a growth check: runs each step on two sizes, up to five times
@pytest.mark.parametrize("unit", UNITS)
def test_adversarial_runs_stay_linear(unit: str) -> None:
    # Up to 30,000 characters of the run: a backtracking regex shows long before that.
    for prefix, suffix in AROUND:
        _assert_stages_linear(lambda k, p=prefix, s=suffix: p + unit * (k // len(unit)) + s, 3_750)


def test_extract_html_survives_hostile_markup() -> None:
    hostile = ["", "<", "<html>", "<" * 50_000, "<div>" * 50_000, "<p>" * 33_000, "<li>x" * 20_000, "<meta " * 20_000,
               "<html><head><meta charset='x-unknown'></head><body><p>Teks</p></body></html>", "\x00" * 1000,
               "<?xml version='1.0' encoding='utf-8'?><html><body><p>ok</p></body></html>", "\ud800<p>x</p>"]  # fmt: skip
    for html in hostile:
        bounded(lambda h=html: clean.extract_html(h, None))
    page = "<html><head><title>Banjir</title></head><body><article>" + "<p>Banjir melanda kota.</p>" * 50
    extracted = clean.extract_html(page + "</article></body></html>", "https://kabar.example/a")
    assert extracted is not None and "Banjir melanda kota." in extracted[0]


# --- 7. properties (hypothesis) -----------------------------------------------------

PUBLISHED = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.datetimes().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(EDGES),
)
NEWSY = ["kemarin", "Selasa", "pekan lalu", "besok", "bulan Desember", "yesterday", "Tuesday", "last week",
         "tomorrow", "in December", "(31/12)", "(29/2/2024)", "16 September 2024", "JAKARTA -", "Oleh", "Foto:",
         ".", "\n", "  ", "A.", "(", '"']  # fmt: skip
MARKUP = ["<html>", "<head>", "</head>", "<body>", "<p>", "</p>", "<div>", "</div>", "<li>",
          "<meta name='date' content='2024-11-12'>", "<script>", "</script>", "<!--", "-->", "<article>",
          "</article>", "&amp;", "&#xD800;", "<![CDATA[", "<title>"]  # fmt: skip
WORDY = st.lists(
    st.one_of(st.sampled_from(NEWSY), st.text(max_size=12)),
    max_size=60,
).map(" ".join)
TEXT = st.one_of(st.text(max_size=2000), WORDY)
URLISH = st.builds(
    lambda scheme, host, rest: f"{scheme}{host}{rest}",
    st.sampled_from(["", "http://", "https://", "//", "javascript:", "ftp://", "http:"]),
    st.one_of(st.text(max_size=30), st.from_regex(r"\[[^\]]{0,10}\]?|[a-z0-9.-]{0,20}(:\d{0,8})?", fullmatch=True)),
    st.text(max_size=20),
)
HTMLISH = st.lists(
    st.one_of(st.sampled_from(MARKUP), st.text(max_size=20)),
    max_size=80,
).map("".join)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 50), TEXT), max_size=12), st.one_of(st.none(), TEXT))
def test_read_header_never_raises(lines: list[tuple[int, str]], hint: str | None) -> None:
    header = bounded(lambda: meta.read_header(lines, hint))
    assert header.title is None or header.title.strip()


@FUZZ
@given(TEXT, PUBLISHED, st.sampled_from(["id", "en"]))
def test_relative_dates_never_raise(text: str, published: str | None, code: str) -> None:
    for m in bounded(lambda: meta.resolve_time_mentions(text, published, get(code))):
        assert text[m.start : m.end] == m.text
        assert date.fromisoformat(m.date) <= date.fromisoformat(m.end_date or m.date)


@FUZZ
@given(st.one_of(PUBLISHED, st.integers(), st.lists(st.text(max_size=3), max_size=2)))
def test_normalize_published_never_raises(value: object) -> None:
    out = bounded(lambda: meta.normalize_published(value))
    assert out is None or date.fromisoformat(out[:10])


@FUZZ
@given(st.one_of(URLISH, st.text(max_size=200), st.none(), st.integers()))
def test_outlet_from_url_never_raises(url: object) -> None:
    out = bounded(lambda: meta.outlet_from_url(url))
    assert out is None or (isinstance(out, str) and out and not out.startswith("www."))


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 100), TEXT), max_size=10), st.one_of(st.none(), TEXT))
def test_clean_never_raises(lines: list[tuple[int, str]], title: str | None) -> None:
    result = bounded(lambda: clean.clean(lines, title=title, lang=ID, recurring={"baca juga"}))
    assert all(len(p) <= clean.MAX_PARAGRAPH_CHARS for p in result.paragraphs)
    assert all(len(t) <= clean.MAX_TOKEN_CHARS for p in result.paragraphs for t in p.split())


@FUZZ
@given(st.one_of(HTMLISH, st.text(max_size=3000)), st.one_of(st.none(), URLISH))
def test_extract_html_never_raises(html: str, url: str | None) -> None:
    out = bounded(lambda: clean.extract_html(html, url))
    assert out is None or out[0].strip()


@FUZZ
@given(TEXT)
def test_text_splitting_never_raises(text: str) -> None:
    sentences = bounded(lambda: split_sentences(text, ID.abbreviations, ID.non_final_words))
    assert all(s.strip() == s and s for s in sentences)
    assert bounded(lambda: words(text)) == words(text)
    assert key(text) == key(key(text))


@FUZZ
@given(TEXT, TEXT, st.sampled_from(["id", "en"]))
def test_search_terms_and_signatures_never_raise(title: str, body: str, code: str) -> None:
    article = _article(body, title=title, language=code)
    title_terms, body_terms = bounded(lambda: search.index_terms(article))
    assert isinstance((title_terms + body_terms).encode("utf-8"), bytes)
    assert all(variant for group in bounded(lambda: search.query_variants(title)) for variant in group)
    signature = bounded(lambda: dedup.article_signature(article))
    assert len(signature.signature) == dedup.NUM_PERM and len(signature.bands) == dedup.BANDS


@pytest.mark.slow  # a growth check: runs each step on two sizes, up to five times
@settings(derandomize=True, max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(4, MAX_CHARS), st.sampled_from(UNITS))
def test_inputs_up_to_100_kb_stay_linear(size: int, unit: str) -> None:
    _assert_stages_linear(lambda k: (unit * (k // len(unit) + 1))[:k], max(1, size // 8))


@pytest.mark.parametrize("placeholder", ["0001-01-01T00:00:00", "9999-12-31", "1899-12-31"])
def test_a_placeholder_publication_date_is_no_date(placeholder: str) -> None:
    body = ("Petugas pemadam kebakaran memadamkan api di sebuah gudang kayu di Cilacap kemarin. "
            "Tidak ada korban jiwa dalam kejadian itu, kata kepala dinas setempat.")  # fmt: skip
    prepared = prepare(RawDocument(source="x.jsonl#1", body=body, format="txt", published=placeholder))
    assert not isinstance(prepared, QuarantineEntry)
    article = build_article(prepared, set(), frozenset())
    assert isinstance(article, Article)
    assert article.published is None and article.time_mentions == []  # "kemarin" has nothing to resolve against
