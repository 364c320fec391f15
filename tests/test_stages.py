"""The ordered stages are chosen by name: unknown names are refused, a clusterer
registered here runs through the real pipeline unchanged, and the default one still
gives the demo's gold stories."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DEMO
from kabar import pipeline, stages
from kabar.cli import app
from kabar.model import Article, ArticleFeatures, StoryWrite
from kabar.store import PipelineStore, open_store

runner = CliRunner()
LABELS = DEMO / "gold" / "labels.csv"


class OwnStories:
    """A second clusterer: every article its own story."""

    made = 0

    def __init__(self, store: PipelineStore) -> None:
        self.store = store
        type(self).made += 1

    def process(self, articles: list[Article], features: list[ArticleFeatures], out: stages.StoryUpdates) -> None:
        for a in articles:
            sid = f"own-{a.id}"
            out.assigned[a.id] = sid
            out.stories.append(
                StoryWrite(
                    id=sid, storyline=sid, title=a.title, n_articles=1, first_published=a.published,
                    last_published=a.published, languages=[a.language], outlets=[a.outlet] if a.outlet else [],
                    state={}, embedding=None, last_seq=0,
                )
            )  # fmt: skip
        out.n_docs += len(articles)


def _first_labelled() -> str:
    with LABELS.open(encoding="utf-8") as fh:
        return next(csv.DictReader(fh))["file"]


class FailingOwnStories(OwnStories):
    """Every article its own story, failing for any chunk that holds the first labelled
    demo article (after recording the others, as a half-done update would)."""

    made = 0

    def process(self, articles: list[Article], features: list[ArticleFeatures], out: stages.StoryUpdates) -> None:
        super().process(articles, features, out)
        if any(a.source.endswith(_first_labelled()) for a in articles):
            raise RuntimeError("own stories broke")


stages.CLUSTERERS.register("own", OwnStories)
stages.CLUSTERERS.register("own-failing", FailingOwnStories)


def _eval(tmp_path: Path, *options: str) -> tuple[dict[str, object], Path]:
    keep = tmp_path / "eval.db"
    result = runner.invoke(
        app, ["eval", "stories", str(DEMO), "--gold", str(LABELS), "--json", "--keep", str(keep), *options]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output), keep


def test_unknown_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(stages.UnknownStage, match="online"):
        stages.CLUSTERERS.get("agglomerative")
    with pytest.raises(stages.UnknownStage, match="minhash"):
        stages.COPY_FINDERS.get("simhash")
    assert {"online", "own"} <= set(stages.CLUSTERERS.names())
    with pytest.raises(ValueError, match="already registered"):
        stages.CLUSTERERS.register("own", FailingOwnStories)

    # The runner refuses before it reads or stores anything.
    store = open_store(str(tmp_path / "direct.db"))
    try:
        with pytest.raises(stages.UnknownStage):
            pipeline.run([str(DEMO)], store, clusterer="agglomerative")
        assert store.count_articles() == 0
    finally:
        store.close()

    # The CLI: exit 2, one line naming the known ones, no store created.
    db = tmp_path / "cli.db"
    result = runner.invoke(app, ["ingest", str(DEMO), "--db", str(db), "--stories", "agglomerative"])
    assert result.exit_code == 2
    assert "agglomerative" in result.output and "online" in result.output and "own" in result.output
    assert not db.exists()
    result = runner.invoke(app, ["eval", "stories", str(DEMO), "--gold", str(LABELS), "--copies", "simhash"])
    assert result.exit_code == 2
    assert "minhash" in result.output


def test_the_default_clusterer_gives_the_demo_gold_stories(tmp_path: Path) -> None:
    with LABELS.open(encoding="utf-8") as fh:
        gold = {r["file"]: r["story"] for r in csv.DictReader(fh)}
    report, keep = _eval(tmp_path)
    assert report["items"] == len(gold)
    assert report["bcubed_f1"] == 1.0
    assert report["predicted_stories"] == report["gold_stories"] == len(set(gold.values()))
    store = open_store(str(keep))
    try:
        assert all(a.story and a.story.startswith("s") for a in store.iter_articles())  # the online ids
    finally:
        store.close()


def test_a_clusterer_registered_elsewhere_runs_through_the_pipeline(tmp_path: Path) -> None:
    report, keep = _eval(tmp_path, "--stories", "own")
    assert report["predicted_stories"] == report["items"]
    assert report["bcubed_precision"] == 1.0
    assert float(str(report["bcubed_recall"])) < 1.0  # the demo's gold stories have several articles
    store = open_store(str(keep))
    try:
        articles = list(store.iter_articles())
        stories = store.stories()
        assert len(stories) == len(articles) == report["items"]
        assert sorted(a.story or "" for a in articles) == sorted(f"own-{a.id}" for a in articles)
        assert all(len(s.articles) == 1 for s in stories)
        # The copy finder still ran: the demo has copies.
        assert any(a.duplicate_of for a in articles)
    finally:
        store.close()


def test_after_a_failure_the_runner_remakes_the_chosen_clusterer(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "failing.db"))
    try:
        report = pipeline.run([str(DEMO)], store, clusterer="own-failing")
        assert [(e.reason, e.detail) for e in report.quarantined] == [
            ("failed in stories", "RuntimeError: own stories broke")
        ]
        assert report.quarantined[0].source.endswith(_first_labelled())
        assert FailingOwnStories.made > 1  # made again from the store after the failure
        articles = list(store.iter_articles())
        assert len(articles) == report.stored == report.seen - 1
        assert sorted(a.story or "" for a in articles) == sorted(f"own-{a.id}" for a in articles)
    finally:
        store.close()


def test_eval_scores_the_storylines_too(tmp_path: Path) -> None:
    report, _ = _eval(tmp_path)
    lines = report["storyline"]
    assert isinstance(lines, dict) and lines["items"] == report["items"] == 48
    # A storyline holds whole stories: never more of them, never a lower recall.
    assert lines["predicted_stories"] <= report["predicted_stories"]  # type: ignore[operator]
    assert lines["bcubed_recall"] >= report["bcubed_recall"]  # type: ignore[operator]
    missing = runner.invoke(app, ["eval", "stories", str(DEMO), "--gold", str(LABELS), "--storyline-column", "matter"])
    assert missing.exit_code == 2 and "no column matter" in missing.output
