"""Small, hand-made cases for the building blocks."""

from __future__ import annotations

import pytest

from kabar.evaluate import score_clean
from kabar.lang import get
from kabar.meta import detect_language, find_dateline, normalize_published, parse_date_line
from kabar.model import Article, Removal
from kabar.text import split_sentences

ID = get("id")


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("Senin, 16 September 2024 - 19:10 WIB", "2024-09-16T19:10:00+07:00"),
        ("12 - Nov - 2024, 04:00", "2024-11-12T04:00:00"),
        ("Kamis, 3 Oktober 2024 | 14:25 WITA", "2024-10-03T14:25:00+08:00"),
        ("03/10/2024 09:15 WIT", "2024-10-03T09:15:00+09:00"),
        ("October 3, 2024 2:15 PM", "2024-10-03T14:15:00"),
        ("Diperbarui 3 Agu 2024, 10.15 WIB", "2024-08-03T10:15:00+07:00"),
        ("Minggu, 4 Agustus 2024", "2024-08-04"),
    ],
)
def test_site_date_lines(line: str, iso: str) -> None:
    parsed = parse_date_line(line)
    assert parsed is not None and parsed.iso() == iso


@pytest.mark.parametrize("line", ["tahun 1961", "Perjanjian 2000 dan 2001 diganti", "Pukul 19:10", ""])
def test_not_date_lines(line: str) -> None:
    assert parse_date_line(line) is None


def test_container_dates() -> None:
    assert normalize_published("2024-11-20 09:15") == "2024-11-20T09:15:00"
    assert normalize_published("2024-06-12T15:20:00+07:00") == "2024-06-12T15:20:00+07:00"
    assert normalize_published("") is None and normalize_published("kemarin") is None


def test_datelines() -> None:
    assert find_dateline("MOSKOW - Rusia dan Korea").place == "MOSKOW"  # type: ignore[union-attr]
    wire = find_dateline("PALU (KBN) - Gempa")
    assert wire is not None and (wire.place, wire.credit) == ("PALU", "KBN")
    own = find_dateline("Jakarta, Cakrawala — Harga beras")
    assert own is not None and (own.place, own.brand) == ("JAKARTA", "Cakrawala")
    country = find_dateline("PALU, Indonesia - A quake")
    assert country is not None and country.brand is None
    assert find_dateline("KABARTIMUR - Gempa", frozenset({"kabartimur"})).brand == "KABARTIMUR"  # type: ignore[union-attr]
    assert find_dateline("PRESIDEN Rusia Vladimir Putin menandatangani") is None
    assert find_dateline("JAKARTA -Wakil Presiden membuka").place == "JAKARTA"  # type: ignore[union-attr]
    assert find_dateline("Suara.com - Ketua DPR").brand == "suara.com"  # type: ignore[union-attr]
    assert find_dateline("JAKARTA-BANDUNG tol macet") is None  # a hyphenated word, not a dateline


def test_sentences_split_glued_and_mend_stray_stops() -> None:
    text = "Kim tiba pada bulan Juni tahun ini.Warga menyambutnya. Payung nuklir kini meluas ke. Korea Utara."
    assert split_sentences(text, ID.abbreviations, ID.non_final_words) == [
        "Kim tiba pada bulan Juni tahun ini.",
        "Warga menyambutnya.",
        "Payung nuklir kini meluas ke Korea Utara.",
    ]
    # "AS." ends a sentence: upper case words are never treated as stray stops.
    assert len(split_sentences("Mereka menuding AS. Kemudian pulang.", ID.abbreviations, ID.non_final_words)) == 2
    assert split_sentences("Ia dirawat di RSUD dr. Hendrikus di Jl. Sudirman.", ID.abbreviations) == [
        "Ia dirawat di RSUD dr. Hendrikus di Jl. Sudirman."
    ]


def test_language() -> None:
    assert (
        detect_language(
            "Pemerintah daerah mengatakan bahwa warga yang terdampak banjir sudah dievakuasi ke tempat yang aman."
        )
        == "id"
    )
    assert (
        detect_language("The regional government said that residents affected by the flood had been moved to safety.")
        == "en"
    )
    malay = "Kerajaan negeri berkata bahawa penduduk yang terjejas akibat banjir telah dipindahkan kerana keadaan semakin buruk."
    assert detect_language(malay) == "ms"


def test_score_clean_on_a_hand_made_case() -> None:
    article = Article(
        id="x", source="a.txt", url=None, outlet="kabartimur", title="Judul Berita", published="2024-01-02T03:04:00+07:00",
        language="id", dateline=None, paragraphs=["Kalimat pertama tetap ada.", "Kalimat kedua."],
        removed=[Removal("Baca Juga : Lain", "related-article link", 3)],
    )  # fmt: skip
    gold = {"articles": {"a": {
        "title": "Judul Berita", "published": "2024-01-02T03:04:00+07:00", "outlet": "kabartimur.co.id",
        "must_keep": ["pertama tetap", "hilang"], "must_drop": ["Baca Juga", "Iklan"],
        "max_count": {"Kalimat": 1},
    }}}  # fmt: skip
    score = score_clean({"a": article}, gold)
    by_check = {(r.check, r.detail.split(" ")[0]): r.ok for r in score.results}
    assert by_check[("meta:title", "'Judul")] and by_check[("meta:outlet", "kabartimur")]
    assert [r.ok for r in score.results if r.check == "clean:keep"] == [True, False]
    # "Iklan" never appeared, so it was never removed: the check wants the removal recorded.
    assert [r.ok for r in score.results if r.check == "clean:drop"] == [True, False]
    assert [r.ok for r in score.results if r.check == "clean:max_count"] == [False]
    assert score.rate("meta") == 1.0 and score.rate("clean") == pytest.approx(3 / 6)


def test_bcubed_on_hand_made_clusterings() -> None:
    from kabar.evaluate import bcubed, cluster_report

    gold = {"a": "1", "b": "1", "c": "2", "d": "2"}
    assert bcubed(gold, gold) == (1.0, 1.0, 1.0)
    # Everything in one cluster: precision 0.5 for every item, recall 1.
    assert bcubed(dict.fromkeys(gold, "x"), gold) == (0.5, 1.0, pytest.approx(2 / 3))
    # Every item alone: precision 1, recall 0.5.
    p, r, _ = bcubed({i: i for i in gold}, gold)
    assert (p, r) == (1.0, 0.5)
    # a,b,c together, d alone: P = (2/3+2/3+1/3+1)/4, R = (1+1+1/2+1/2)/4
    p, r, _ = bcubed({"a": "x", "b": "x", "c": "x", "d": "y"}, gold)
    assert p == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4) and r == pytest.approx(0.75)
    report = cluster_report({"a": "x", "b": "x", "c": "x", "d": "y"}, gold)
    assert report["gold_split_share"] == 0.5 and report["gold_merged_share"] == 1.0
    assert report["predicted_stories"] == 2 and report["ari"] < 1.0


def test_cluster_errors_name_what_was_split_and_merged_worst_first() -> None:
    from kabar.evaluate import cluster_errors

    gold = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "2", "f": "3", "g": "3"}
    assert cluster_errors(gold, gold) == {"split": [], "merged": []}
    # Gold 1 split 2 + 1 (2 pairs apart); gold 2 split 1 + 1 (1 pair); "x" joins gold 2 and 3.
    predicted = {"a": "p", "b": "p", "c": "q", "d": "q", "e": "x", "f": "x", "g": "x"}
    found = cluster_errors(predicted, gold)
    assert [(e["gold"], e["pairs_lost"]) for e in found["split"]] == [("1", 2), ("2", 1)]
    assert found["split"][0]["pieces"] == [{"predicted": "p", "items": ["a", "b"]}, {"predicted": "q", "items": ["c"]}]
    # "x" holds e (gold 2) with f, g (gold 3): 2 pairs wrong; "q" holds c (1) with d (2): 1.
    assert [(e["predicted"], e["pairs_wrong"]) for e in found["merged"]] == [("x", 2), ("q", 1)]
    assert found["merged"][0]["gold"] == {"3": ["f", "g"], "2": ["e"]}
    # Items missing from either side are not counted.
    assert cluster_errors({"a": "p"}, gold) == {"split": [], "merged": []}
