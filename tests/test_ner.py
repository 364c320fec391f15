from __future__ import annotations

from pathlib import Path

import pytest

from kabar.doc import tokenize
from kabar.extract import ner
from kabar.extract.ner import Mention, entity_scores, mentions, normalise_tag, read_conll, repair_bio, tag

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


# ----------------------------------------------------------------- entity_scores


def test_scores_exact_match() -> None:
    gold = [["B-PERSON", "I-PERSON", "O", "B-LOC"]]
    s = entity_scores(gold, [list(gold[0])])
    assert s["overall"] == pytest.approx({"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2.0, "predicted": 2.0})
    assert s["PERSON"]["f1"] == 1.0 and s["LOC"]["f1"] == 1.0


def test_scores_partial_span_is_a_miss() -> None:
    gold = [["B-PERSON", "I-PERSON", "O"]]
    pred = [["B-PERSON", "O", "O"]]
    s = entity_scores(gold, pred)
    assert s["PERSON"]["precision"] == 0.0
    assert s["PERSON"]["recall"] == 0.0
    assert s["overall"]["f1"] == 0.0


def test_scores_type_mismatch() -> None:
    gold = [["B-ORG", "I-ORG", "O", "B-PERSON"]]
    pred = [["B-LOC", "I-LOC", "O", "B-PERSON"]]
    s = entity_scores(gold, pred)
    assert s["ORG"] == pytest.approx({"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1.0, "predicted": 0.0})
    assert s["LOC"]["predicted"] == 1.0 and s["LOC"]["precision"] == 0.0
    assert s["PERSON"]["f1"] == 1.0
    assert s["overall"]["precision"] == pytest.approx(0.5)
    assert s["overall"]["recall"] == pytest.approx(0.5)
    assert s["overall"]["f1"] == pytest.approx(0.5)


def test_scores_i_after_o_starts_a_chunk() -> None:
    # conlleval/seqeval: I-LOC after O is an entity of its own; B- always starts a new one.
    assert ner.chunks(["O", "I-LOC", "I-LOC", "B-LOC", "I-PERSON"]) == [("LOC", 1, 3), ("LOC", 3, 4), ("PERSON", 4, 5)]
    gold = [["O", "B-LOC", "I-LOC"]]
    pred = [["O", "I-LOC", "I-LOC"]]
    assert entity_scores(gold, pred)["overall"]["f1"] == 1.0
    # Two adjacent entities are not one long one.
    s = entity_scores([["B-LOC", "B-LOC"]], [["B-LOC", "I-LOC"]])
    assert s["overall"]["recall"] == 0.0 and s["overall"]["precision"] == 0.0


def test_scores_micro_average() -> None:
    gold = [["B-PERSON", "O", "B-LOC"], ["B-ORG", "I-ORG"]]
    pred = [["B-PERSON", "O", "O"], ["B-ORG", "I-ORG"]]
    s = entity_scores(gold, pred)
    assert s["overall"]["precision"] == 1.0
    assert s["overall"]["recall"] == pytest.approx(2 / 3)
    assert s["overall"]["f1"] == pytest.approx(0.8)


def test_scores_length_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        entity_scores([["O"]], [["O", "O"]])


# ----------------------------------------------------------------- tags and files


def test_normalise_tag() -> None:
    assert normalise_tag("B-PLC") == "B-LOC"
    assert normalise_tag("I-ORGANISATION") == "I-ORG"
    assert normalise_tag("B-ORGANIZATION") == "B-ORG"
    assert normalise_tag("B-IND") == "B-ORG"
    assert normalise_tag("I-PPL") == "I-PERSON"
    assert normalise_tag("I-PER") == "I-PERSON"
    assert normalise_tag("B-GPE") == "B-LOC"
    assert normalise_tag("B-EVT") == "B-EVENT"
    assert normalise_tag("B-event", "gum") == "O"
    assert normalise_tag("B-corporation", "wnut17") == "B-ORG"
    assert normalise_tag("I-group") == "I-ORG"
    for raw in ("O", "B-FNB", "I-TIME", "B-QUANTITY", "I-MISC", "B-product", "B-abstract", ""):
        assert normalise_tag(raw) == "O"


def test_repair_bio_from_io() -> None:
    assert repair_bio(["I-PERSON", "I-PERSON", "O", "I-LOC", "I-ORG"]) == [
        "B-PERSON",
        "I-PERSON",
        "O",
        "B-LOC",
        "B-ORG",
    ]


def test_read_conll(tmp_path: Path) -> None:
    p = tmp_path / "x.conll"
    p.write_text(
        "-DOCSTART- O\n\nAlpha\tB-PERSON\nBeta\tI-PERSON\n.\tO\n\n\nGamma B-LOC\nDelta\tO\n",
        encoding="utf-8",
    )
    assert read_conll(p) == [
        [("Alpha", "B-PERSON"), ("Beta", "I-PERSON"), (".", "O")],
        [("Gamma", "B-LOC"), ("Delta", "O")],
    ]


# ----------------------------------------------------------------- shipped models


def _labels(found: list[Mention]) -> set[tuple[str, str]]:
    return {(m.text, m.label) for m in found}


def test_model_files_ship_inside_the_package() -> None:
    for lang in ("id", "en"):
        assert ner.model_path(lang).is_file()
        assert ner.model_path(lang).parent == ner.MODEL_DIR
        assert ner.lexicon_path(lang).is_file()
        assert ner.model_path(lang).stat().st_size < 8_000_000


def test_indonesian_sentence() -> None:
    text = (
        "Presiden Joko Widodo meresmikan jalan tol baru di Surabaya, Jawa Timur, pada Senin pagi. "
        "Kementerian Pekerjaan Umum dan Perumahan Rakyat menyebut proyek itu selesai lebih cepat."
    )
    found = mentions(text, "id")
    for m in found:
        assert text[m.start : m.end] == m.text
        assert m.label in ner.LABELS
    got = _labels(found)
    assert ("Joko Widodo", "PERSON") in got
    assert ("Surabaya", "LOC") in got
    assert ("Kementerian Pekerjaan Umum dan Perumahan Rakyat", "ORG") in got


def test_english_sentence() -> None:
    text = "Angela Merkel met French officials in Paris on Tuesday, a spokesman for the European Commission said."
    got = _labels(mentions(text, "en"))
    assert ("Angela Merkel", "PERSON") in got
    assert ("Paris", "LOC") in got


def test_tag_is_bio_and_unknown_language_falls_back() -> None:
    tokens = ["Barack", "Obama", "visited", "London", "."]
    tags = tag(tokens, "fr")
    assert tags == tag(tokens, "en")
    assert len(tags) == len(tokens)
    assert all(t == "O" or t[:2] in ("B-", "I-") for t in tags)
    assert tag([], "id") == []
    assert mentions("", "id") == []


def test_nerui_dev_f1_floor() -> None:
    path = DATA / "ner-id" / "nerui" / "dev.01.tsv"
    if not path.exists():
        pytest.skip("shared NER data not present")
    result = ner.evaluate([path], "id")
    f1 = result[str(path)]["scores"]["overall"]["f1"]
    assert f1 > 0.80


def test_folded_model_tags_like_plain_attributes() -> None:
    # The shipped models are folded (see fold_model): their folded attributes must give exactly the
    # tags that the plain attributes give on the same model.
    texts = (
        "Presiden Joko Widodo meresmikan jalan tol baru di Surabaya, Jawa Timur, pada Senin pagi.",
        "Kementerian Pekerjaan Umum dan Perumahan Rakyat menyebut proyek itu selesai.",
        "menteri luar negeri retno marsudi bertemu dubes amerika serikat di jakarta",
        "Angela Merkel met French officials in Paris on Tuesday.",
    )
    sentences = [[t for t, _, _ in tokenize(text)] for text in texts]
    for lang in ("id", "en"):
        tagger, folding = ner._lang_tagger(lang)
        assert folding.words  # the shipped model is folded
        for tokens in sentences:
            plain = tagger.tag(ner.features(tokens, lang))
            folded = tagger.tag(ner.features(tokens, lang, folding))
            assert plain == folded
            assert tag(tokens, lang) == folded
