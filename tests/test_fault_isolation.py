"""The runner isolates faults: a step that fails or runs too long for one document
quarantines that document, with the stage and the error, and the rest of the batch is
stored as it would be without it.

The failures are injected into the real stages (a stage that raises or hangs on one
document); the corpus is the demo's real-looking articles, so every other step is the
real one."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import DEMO
from kabar import extract, guard, pipeline, stories
from kabar.store import Store, open_store

MARK = "Kotawaringin"  # a word written into one copied demo article only


DEMO_ARTICLES = 48  # examples/demo/gold/labels.csv


def _corpus(tmp_path: Path) -> tuple[Path, int]:
    """The demo corpus plus one more article carrying MARK; returns the folder and how
    many articles it holds."""
    folder = tmp_path / "corpus"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("gold"))
    site = folder / "wartanusantara"
    lines = sorted(site.glob("*.txt"))[0].read_text(encoding="utf-8").split("\n")
    at = len(lines) // 2  # inside the body, before any end-of-article marker
    lines[at:at] = ["", f"Warga {MARK} ikut menyaksikan peristiwa itu dari tepi jalan.", ""]
    (site / "zz_marked.txt").write_text("\n".join(lines), "utf-8")
    return folder, DEMO_ARTICLES + 1


def _run(folder: Path, db: Path) -> tuple[pipeline.IngestReport, Store]:
    store = open_store(str(db))
    return pipeline.run([str(folder)], store, embed=False), store


def _marked(a: object) -> bool:
    return any(MARK in p for p in getattr(a, "paragraphs", []))


def test_a_failing_extraction_quarantines_one_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, n = _corpus(tmp_path)
    real = extract.extract_article

    def failing(article: object, *rest: Any) -> None:
        if _marked(article):
            raise ValueError("boom on a hostile record\nsecond line of the message")
        real(article, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "extract_article", failing)
    report, store = _run(folder, tmp_path / "a.db")
    try:
        assert [e.reason for e in report.quarantined] == ["failed in extract"]
        entry = report.quarantined[0]
        assert entry.source.endswith("zz_marked.txt")
        assert entry.detail == "ValueError: boom on a hostile record"  # one line, with the type
        assert report.stored == n - 1 == store.count_articles()
        assert {q["reason"] for q in store.quarantine()} == {"failed in extract"}
        # The others went through every stage: stories were assigned.
        assert all(a.story for a in store.iter_articles())
    finally:
        store.close()


def test_a_document_over_the_time_budget_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, n = _corpus(tmp_path)
    real = extract.extract_article

    def hanging(article: object, *rest: Any) -> None:
        while _marked(article):  # a step that never ends on one document
            time.sleep(0.01)
        real(article, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "extract_article", hanging)
    monkeypatch.setattr(guard, "DOCUMENT_BUDGET_SECONDS", 0.5)
    monkeypatch.setattr(guard, "DOCUMENT_BUDGET_SECONDS_PER_MB", 0.0)
    started = time.monotonic()
    report, store = _run(folder, tmp_path / "b.db")
    try:
        assert time.monotonic() - started < 60
        assert [(e.reason, e.detail.split(":")[0]) for e in report.quarantined] == [("over the time budget", "extract")]
        assert store.count_articles() == n - 1
    finally:
        store.close()


def test_an_ordered_stage_failure_isolates_the_article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stories fail for the chunk holding the marked article: the runner reads the stories
    back from the store and assigns the chunk one article at a time, so the failing one is
    quarantined and no other article is lost or counted twice."""
    folder, n = _corpus(tmp_path)
    real = stories.StoryStage.process

    def failing(self: stories.StoryStage, articles: list, feats: list, chunk: object) -> None:  # type: ignore[type-arg]
        real(self, articles, feats, chunk)  # type: ignore[arg-type]  # state changed, then it fails
        if any(_marked(a) for a in articles):
            raise RuntimeError("story index corrupted")

    monkeypatch.setattr(stories.StoryStage, "process", failing)
    report, store = _run(folder, tmp_path / "c.db")
    try:
        assert [(e.reason, e.detail) for e in report.quarantined] == [
            ("failed in stories", "RuntimeError: story index corrupted")
        ]
        assert report.stored == n - 1 == store.count_articles()
        members = [aid for s in store.stories() for aid in s.articles]
        assert len(members) == len(set(members)) == n - 1  # every stored article in one story, once
        assert {a.id for a in store.iter_articles()} == set(members)
    finally:
        store.close()

    # The same corpus without the failure gives the same stories for the other articles.
    monkeypatch.setattr(stories.StoryStage, "process", real)
    (folder / "wartanusantara" / "zz_marked.txt").unlink()
    clean_report, clean_store = _run(folder, tmp_path / "d.db")
    failed_store = open_store(str(tmp_path / "c.db"))
    try:
        assert clean_report.stored == n - 1
        assert sorted(sorted(s.articles) for s in clean_store.stories()) == sorted(
            sorted(s.articles) for s in failed_store.stories()
        )
    finally:
        clean_store.close()
        failed_store.close()


def test_a_broken_store_is_not_blamed_on_the_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _ = _corpus(tmp_path)
    store = open_store(str(tmp_path / "e.db"))

    def broken(chunk: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "save_chunk", broken)
    try:
        with pytest.raises(OSError, match="disk full"):
            pipeline.run([str(folder)], store, embed=False)
        assert store.quarantine() == []
    finally:
        store.close()


def test_one_line_messages() -> None:
    assert guard.one_line(ValueError("a\nb")) == "ValueError: a"
    assert guard.one_line(KeyError()) == "KeyError"
    assert len(guard.one_line(RuntimeError("x" * 1000))) == guard.MESSAGE_CHARS


def test_every_input_item_has_one_outcome(tmp_path: Path) -> None:
    """stored + already + quarantined == seen, with items quarantined by the readers and the
    stages, and a copy of a stored file."""
    folder, n = _corpus(tmp_path)
    (folder / "empty.txt").write_text("", "utf-8")
    (folder / "broken.jsonl").write_text('{"text": "not closed\n{"id": 1}\n', "utf-8")
    shutil.copy(folder / "wartanusantara" / "zz_marked.txt", folder / "again.txt")
    report, store = _run(folder, tmp_path / "f.db")
    try:
        assert report.seen == report.stored + report.already + len(report.quarantined)
        assert report.stored == n and report.already == 1
        assert {e.reason for e in report.quarantined} >= {"empty file", "broken JSON line"}
    finally:
        store.close()


def test_a_stage_failing_on_every_article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every article a culprit: each is quarantined, the run ends, and nothing half-stored
    remains."""
    folder, n = _corpus(tmp_path)

    def failing(self: stories.StoryStage, articles: list, feats: list, out: object) -> None:  # type: ignore[type-arg]
        if articles:
            raise RuntimeError("clusterer broken")

    monkeypatch.setattr(stories.StoryStage, "process", failing)
    report, store = _run(folder, tmp_path / "g.db")
    try:
        assert report.stored == 0 == store.count_articles()
        assert len(report.quarantined) == n
        assert {(e.reason, e.detail) for e in report.quarantined} == {("failed in stories", "RuntimeError: clusterer broken")}
    finally:
        store.close()
