"""Briefs, timelines and ROUGE: hand-made cases, the seeds, and the demo corpus."""

from __future__ import annotations

import pytest

from conftest import SEEDS, articles_by_stem, collapse, ingest_into
from kabar import brief
from kabar.export import story_brief
from kabar.model import Article
from kabar.store.sqlite import SQLiteStore


def test_rouge_on_hand_made_cases() -> None:
    same = brief.rouge("Banjir merendam Demak", "banjir merendam demak.")
    assert same["rouge1"]["f1"] == same["rouge2"]["f1"] == same["rougeL"]["f1"] == 1.0
    half = brief.rouge("banjir merendam", "banjir merendam kota demak")
    assert half["rouge1"]["precision"] == 1.0 and half["rouge1"]["recall"] == 0.5
    assert half["rouge2"]["recall"] == pytest.approx(1 / 3)
    # LCS counts in-order matches only: "b a" against "a b" shares one.
    assert brief.rouge("b a", "a b")["rougeL"]["f1"] == 0.5
    assert brief.rouge("", "a b")["rouge1"]["f1"] == 0.0


def test_lead_baseline() -> None:
    assert brief.lead(["Satu dua tiga. Empat lima.", "Enam tujuh. Delapan."], "id", 3) == (
        "Satu dua tiga. Empat lima. Enam tujuh."
    )


def _article(aid: str, outlet: str, paragraphs: list[str], published: str) -> Article:
    return Article(aid, aid, None, outlet, "t", published, "id", None, paragraphs)


def test_brief_prefers_corroborated_and_never_repeats() -> None:
    shared = "Banjir setinggi dua meter merendam 14 desa di Kabupaten Demak sejak Minggu malam."
    a = _article(
        "a",
        "Warta",
        [shared, "Pemerintah kabupaten membuka enam posko pengungsian di balai desa dan sekolah."],
        "2024-02-05T08:00:00+07:00",
    )
    b = _article(
        "b",
        "Kabar",
        [
            "Banjir setinggi dua meter merendam 14 desa di Demak sejak Minggu malam.",
            "Seorang warga mengaku kehilangan seluruh ternak kambingnya akibat arus deras.",
        ],
        "2024-02-05T09:00:00+07:00",
    )
    c = _article(
        "c",
        "Pelita",
        [
            "Banjir merendam 14 desa di Kabupaten Demak sejak Minggu malam, kata BPBD.",
            "Harga sayur di pasar induk naik karena pasokan dari Demak terhambat banjir.",
        ],
        "2024-02-05T10:00:00+07:00",
    )
    made = brief.build([a, b, c], 2)
    assert len(made.sentences) == 2
    top = max(made.sentences, key=lambda s: s.score)
    assert "14 desa" in top.text and top.sources == 3
    flooded = [s for s in made.sentences if "14 desa" in s.text]
    assert len(flooded) == 1  # the three wordings of one fact are one sentence of the brief
    for s in made.sentences:
        source = {"a": a, "b": b, "c": c}[s.article]
        assert s.text in source.paragraphs[s.paragraph]  # every citation points at its words
    assert set(made.outlet_adds) <= {"Warta", "Kabar", "Pelita"} and made.outlet_adds


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the checkout")
def test_seed_brief_and_timeline(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = SQLiteStore(str(tmp_path / "s.db"))
    ingest_into(store, SEEDS)
    articles = articles_by_stem(store)
    story = store.get_story(articles["000_49a0ff22adec8dd1"].story or "")
    assert story is not None
    made = story_brief(store, story, 5)
    by_id = {a.id: a for a in articles.values()}
    assert len(made.sentences) == 5 and made.language == "id"
    for s in made.sentences:
        assert collapse(s.text) in collapse(by_id[s.article].paragraphs[s.paragraph])
    days = {e.date: e for e in made.timeline}
    # The signing on Wednesday 19 June, the ratification decree on Monday 11 November,
    # and the KCNA report on Tuesday 12 November, each cited.
    assert {"2024-06-19", "2024-11-11", "2024-11-12"} <= set(days)
    assert "menandatangani" in days["2024-06-19"].text
    assert "dekrit" in days["2024-11-11"].text
    assert all(e.evidence for e in made.timeline)
    assert [e.date for e in made.timeline] == sorted(e.date for e in made.timeline)
    store.close()


def test_oracle_labels_pick_what_the_summary_says() -> None:
    cands = [brief.Cited(t, "a", None, i, "id", None, rank=i) for i, t in enumerate([
        "Harga cabai di pasar naik tajam pekan ini.",
        "Cuaca cerah menyelimuti kota sepanjang hari.",
        "Pedagang menyebut pasokan dari petani berkurang.",
    ])]  # fmt: skip
    labels = brief.oracle_labels(cands, "Harga cabai naik karena pasokan dari petani berkurang.")
    assert labels == [1, 0, 1]


def test_shipped_scorer_matches_its_features() -> None:
    assert brief._learned_weights(str(brief.MODEL)) is not None  # trained on the current FEATURES
