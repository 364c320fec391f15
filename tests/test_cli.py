"""The command line, end to end, through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import DEMO, SEEDS
from kabar.cli import EXIT_QUARANTINED, app

runner = CliRunner()


def test_ingest_show_export_quarantine(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        (folder / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "broken.jsonl").write_text("{not json\n")
    db = str(tmp_path / "k.db")

    result = runner.invoke(app, ["ingest", str(folder), "--db", db])
    assert result.exit_code == EXIT_QUARANTINED
    assert "broken.jsonl#1: broken JSON line" in result.output
    assert "2 stored" in result.output

    again = runner.invoke(app, ["ingest", str(folder), "--db", db, "--quiet"])
    assert again.exit_code == EXIT_QUARANTINED and "stored" not in again.stdout

    shown = runner.invoke(app, ["show", "000", "--db", db, "--removed"])
    assert shown.exit_code == 0
    assert "Apakah Rusia dan Korea Utara Bersahabat?" in shown.output
    assert "repeated paragraph" in shown.output and "Lihat Juga" in shown.output

    as_json = json.loads(runner.invoke(app, ["show", "001", "--db", db, "--json"]).stdout)
    assert as_json["published"] == "2024-06-19T20:40:00+07:00" and as_json["dateline"] == "PYONGYANG"

    quarantine = json.loads(runner.invoke(app, ["quarantine", "--db", db, "--json"]).stdout)
    assert [(Path(q["source"]).name, q["reason"]) for q in quarantine] == [("broken.jsonl#1", "broken JSON line")]

    out = tmp_path / "export"
    assert runner.invoke(app, ["export", "--out", str(out), "--db", db]).exit_code == 0
    records = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    assert len(records) == 2
    for record in records:
        assert {
            "id",
            "source",
            "url",
            "outlet",
            "title",
            "published",
            "language",
            "dateline",
            "text",
            "removed",
        } <= set(record)
        assert all({"text", "reason"} <= set(r) for r in record["removed"])
        assert "\n\n" in record["text"]

    missing = runner.invoke(app, ["show", "nothing-like-this", "--db", db])
    assert missing.exit_code == 1


def test_demo_runs_on_the_bundled_corpus() -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "42 documents, 42 articles stored, 0 quarantined" in result.output
    assert "cakrawala.co.id" in result.output


def test_eval_clean_scores_the_demo_gold() -> None:
    result = runner.invoke(app, ["eval", "clean", str(DEMO), "--gold", str(DEMO / "gold" / "gold.json"), "--json"])
    scores = json.loads(result.stdout)["scores"]
    assert scores["clean"] == 1.0 and scores["meta"] >= 0.97
