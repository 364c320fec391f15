"""The one analysed document (kabar.doc): tokens with offsets, sentences and paragraphs,
computed once and read by NER, attribution, figures, search, features, brief and ask."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabar.doc import Doc, analyse, of_article, paragraph_spans, pieces, tokenize
from kabar.lang import get
from kabar.model import Article
from kabar.text import split_sentences, words

FUZZ = settings(derandomize=True, max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
TEXT = st.lists(
    st.one_of(st.sampled_from(["Jl.", "U.S.", "12.000", "ke.", "Korea", ". ", "\n", "\n\n", '"', "“", "”", "A.", "di",
                               "Jakarta.Presiden", "  ", "kata", "—", "dr.", "27.5mm", "1,2juta", "a'", "-b"]), st.text(max_size=8)),
    max_size=60,
).map(" ".join)  # fmt: skip


def _invariants(doc: Doc) -> None:
    text = doc.text
    assert all(text[s:e] == t for t, s, e in zip(doc.tokens, doc.starts, doc.ends, strict=True))
    assert list(doc.starts) == sorted(doc.starts)
    assert len(doc.sentence_tokens) == len(doc.sentences)
    assert not any(t.isspace() for t in doc.tokens)
    covered = [k for a, b in doc.sentence_tokens for k in range(a, b)]
    assert covered == list(range(len(doc.tokens)))  # every token in exactly one sentence, in order
    for (s, e), (a, b) in zip(doc.sentences, doc.sentence_tokens, strict=True):
        assert text[s:e] == text[s:e].strip() and text[s:e]
        assert all(s <= doc.starts[k] < e for k in range(a, b))
        p = doc.paragraph_of(s)
        assert doc.paragraphs[p][0] <= s and e <= doc.paragraphs[p][1]  # a sentence stays in its paragraph


def test_tokens_keep_numbers_abbreviations_and_compounds_whole() -> None:
    text = "Harga naik 12.000 atau 1,2 persen di U.S. kata Jum'at, dari Kompas.com-nya; tol Cikampek-Palimanan."
    toks = tokenize(text)
    for tok, start, end in toks:
        assert text[start:end] == tok
    words = [t for t, _, _ in toks]
    assert "12.000" in words and "1,2" in words and "U.S." in words and "Jum'at" in words
    assert "Kompas.com-nya" in words and "Cikampek-Palimanan" in words
    assert words[-1] == "." and ";" in words and "," in words


def test_a_glued_sentence_is_two_tokens_and_two_sentences() -> None:
    text = "di Jakarta.Presiden “Prabowo” tiba"
    assert [t for t, _, _ in tokenize(text)] == ["di", "Jakarta", ".", "Presiden", "“", "Prabowo", "”", "tiba"]
    doc = analyse(text, "id")
    assert [doc.sentence(k) for k in range(len(doc.sentences))] == ["di Jakarta.", "Presiden “Prabowo” tiba"]


def test_an_articles_doc_has_its_paragraphs_sentences_and_tokens() -> None:
    paragraphs = [
        "JAKARTA - Presiden meresmikan Jl. Sudirman yang baru. “Ini penting,” katanya.",
        "George W. Bush tiba di Jakarta pada Senin. Ia disambut warga.",
    ]
    article = Article(id="a", source="t", url=None, outlet=None, title="Judul", published=None, language="id",
                      dateline=None, paragraphs=paragraphs)  # fmt: skip
    doc = of_article(article)
    _invariants(doc)
    assert doc.text == article.text and list(doc.paragraphs) == paragraph_spans(paragraphs)
    sentences = [doc.sentence(k) for k in range(len(doc.sentences))]
    assert sentences == [s for p in paragraphs for s in split_sentences(p, get("id").abbreviations)]
    assert "Jl. Sudirman yang baru." in sentences[0]  # an abbreviation ends no sentence
    assert list(doc.sentences_in(*doc.paragraphs[1])) == [2, 3]  # "W." is an initial
    assert [doc.sentence_of(doc.text.index(w)) for w in ("Sudirman", "katanya", "Bush", "warga")] == [0, 1, 2, 3]
    assert doc.sentence_of(doc.paragraphs[1][0] - 1) is None  # in the blank line between paragraphs
    assert doc.words(*doc.paragraphs[1])[:4] == ["george", "w", "bush", "tiba"]


def test_words_are_the_words_of_the_text() -> None:
    text = "Kompas.com-nya: 12.000 warga (U.S.) di Cikampek–Palimanan, kata Jum’at_2 dan Jum'at, 27.5mm."
    assert analyse(text, "id").words() == words(text)
    assert "com-nya" in words(text) and "jum'at" in words(text)


def test_a_stray_stop_is_no_boundary_and_is_left_out_of_the_sentence() -> None:
    doc = analyse("Banjir meluas ke. Korea Utara kemarin. Warga mengungsi.", "id")
    assert [doc.sentence(k) for k in range(len(doc.sentences))] == ["Banjir meluas ke Korea Utara kemarin.",
                                                                    "Warga mengungsi."]  # fmt: skip


def test_long_sentences_are_cut_into_pieces() -> None:
    doc = analyse(" ".join(["kata"] * 320) + ". Akhir", "id")
    assert [b - a for a, b in pieces(doc, 150)] == [150, 150, 21, 1]


@FUZZ
@given(TEXT, st.sampled_from(["id", "en", "ms"]))
def test_any_text_gives_a_consistent_doc(text: str, code: str) -> None:
    doc = analyse(text, code)
    _invariants(doc)
    assert [t for t, _, _ in tokenize(text)] == list(doc.tokens)
    assert doc.words() == words(text)
    assert all(b - a <= 150 for a, b in pieces(doc, 150))
    for k, (s, e) in enumerate(doc.sentences):
        assert doc.sentence_of(s) == doc.sentence_of(e - 1) == k
