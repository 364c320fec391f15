"""The story-clustering scores (B-cubed, split and merge reports) on hand-made clusterings,
and the two levels they are read at (stories and storylines) on the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SEEDS


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


def test_clustered_reads_each_source_at_story_and_storyline_level(tmp_path: Path) -> None:
    # The two levels `kabar eval stories` scores, on the seeds (expected.json): the June
    # summit's four reports are one story, and all five are one storyline.
    from kabar import pipeline
    from kabar.evaluate import cluster_report, clustered
    from kabar.store import open_store

    store = open_store(str(tmp_path / "seeds.db"))
    try:
        pipeline.run([str(SEEDS)], store)
        stories, lines = clustered(store)
        line_of = {s.id: s.storyline for s in store.stories()}
    finally:
        store.close()
    by_name = {Path(source).name[:3]: story for source, story in stories.items()}
    assert sorted(by_name) == ["000", "001", "002", "003", "004"]
    assert len({by_name[n] for n in ("000", "001", "003", "004")}) == 1
    assert all(lines[source] == (line_of[story] or story) for source, story in stories.items())
    june = {source: "june" if Path(source).name[:3] != "002" else "november" for source in stories}
    assert cluster_report(lines, dict.fromkeys(stories, "asean"))["bcubed_f1"] == 1.0
    assert cluster_report(stories, june)["bcubed_recall"] == 1.0


def test_leave_one_out_chooses_on_the_other_corpora() -> None:
    from kabar.evaluate import leave_one_out

    scores = {
        0.3: {"ecb": 0.90, "neus": 0.50, "demo": 1.00},
        0.5: {"ecb": 0.80, "neus": 0.70, "demo": 1.00},
        0.7: {"ecb": 0.60, "neus": 0.75, "demo": 0.90},
    }
    # Without ecb: 0.3 gives 1.50, 0.5 1.70, 0.7 1.65 -> 0.5, and ecb scores 0.80 there.
    # Without neus: 1.90, 1.80, 1.50 -> 0.3 (neus 0.50). Without demo: 1.40, 1.50, 1.35 -> 0.5.
    assert leave_one_out(scores) == {"demo": (0.5, 1.00), "ecb": (0.5, 0.80), "neus": (0.3, 0.50)}
    tie = {"a": {"x": 1.0, "y": 0.0}, "b": {"x": 1.0, "y": 1.0}}
    assert leave_one_out(tie)["y"] == ("a", 0.0)  # the first value given wins a tie ...
    assert leave_one_out(tie, prefer="b")["y"] == ("b", 1.0)  # ... unless one is in use
    with pytest.raises(ValueError):
        leave_one_out({1: {"x": 1.0, "y": 1.0}, 2: {"x": 1.0}})
    with pytest.raises(ValueError):
        leave_one_out({1: {"x": 1.0}})
