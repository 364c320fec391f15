"""The command line, end to end, through typer's runner."""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DEMO, SEEDS, new_location
from kabar import stories
from kabar.cli import EXIT_QUARANTINED, app

runner = CliRunner()


def test_ingest_show_export_quarantine(tmp_path: Path, backend: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        (folder / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "broken.jsonl").write_text("{not json\n")
    db = new_location(backend, tmp_path)

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


@pytest.mark.slow
def test_demo_runs_on_the_bundled_corpus() -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "48 documents, 48 articles stored, 0 quarantined" in result.output
    assert "cakrawala.co.id" in result.output


def test_eval_clean_scores_the_demo_gold() -> None:
    result = runner.invoke(app, ["eval", "clean", str(DEMO), "--gold", str(DEMO / "gold" / "gold.json"), "--json"])
    scores = json.loads(result.stdout)["scores"]
    assert scores["clean"] == 1.0 and scores["meta"] >= 0.97


@pytest.mark.slow
def test_eval_stories_lists_the_stories_split_and_merged(tmp_path: Path) -> None:
    # The demo gold, doctored: the two Garut and Poso earthquakes marked as one story (kabar
    # keeps them apart, so gold "gempa" is split) and the rice story cut in two (kabar
    # keeps it whole, so one story merges two gold ones).
    rows = list(csv.DictReader((DEMO / "gold" / "labels.csv").open(encoding="utf-8")))
    rice = [r for r in rows if r["story"] == "beras-bulog"]
    for r in rows:
        if r["story"] in ("gempa-garut", "gempa-poso"):
            r["story"] = "gempa"
    for r in rice[:2]:
        r["story"] = "beras-bulog-2"
    labels = tmp_path / "labels.csv"
    with labels.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["file", "story"])
        writer.writeheader()
        writer.writerows(rows)
    kept = tmp_path / "eval.db"
    args = ["eval", "stories", str(DEMO), "--gold", str(labels), "--errors", "5", "--keep", str(kept)]
    report = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert [e["gold"] for e in report["split"]] == ["gempa"]
    assert report["split"][0]["pairs_lost"] == 5 * 6  # eleven reports (one Malay in each), in stories of five and six
    assert [sorted(e["gold"]) for e in report["merged"]] == [["beras-bulog", "beras-bulog-2"]]
    assert report["merged"][0]["pairs_wrong"] == 2 * 3
    # The kept store holds the stories the report names, for `kabar show`.
    shown = runner.invoke(app, ["show", report["merged"][0]["predicted"], "--db", str(kept), "--json"])
    assert len(json.loads(shown.stdout)["articles"]) == 5
    again = runner.invoke(app, [*args[:-2], "--keep", str(kept)])
    assert again.exit_code == 1 and "already exists" in " ".join(again.output.split())
    table = runner.invoke(app, args[:-2]).output
    assert "gold gempa split in 2" in table and "joins 2 gold stories" in table


@pytest.mark.slow
def test_eval_stories_leave_one_out(tmp_path: Path) -> None:
    # Two labelled corpora (the demo, and the demo with the quakes labelled one story); a
    # join threshold no report reaches leaves every article alone, so each corpus left out
    # gets the value the other prefers, scored on itself.
    rows = list(csv.DictReader((DEMO / "gold" / "labels.csv").open(encoding="utf-8")))
    for r in rows:
        r["story"] = "gempa" if r["story"] in ("gempa-garut", "gempa-poso") else r["story"]
    merged = tmp_path / "quakes-as-one.csv"
    with merged.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["file", "story"])
        writer.writeheader()
        writer.writerows(rows)
    spec = tmp_path / "corpora.toml"
    spec.write_text(
        f'[[corpus]]\nname = "demo"\nfolder = "{DEMO}"\ngold = "{DEMO / "gold" / "labels.csv"}"\n\n'
        f'[[corpus]]\nname = "quakes"\nfolder = "{DEMO}"\ngold = "{merged.name}"\n',
        encoding="utf-8",
    )
    args = ["eval", "stories", "--leave-one-out", str(spec), "--tune", "JOIN=0.3,5.0", "--no-embed", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    scores = {float(v): by for v, by in report["scores"].items()}
    assert scores[5.0]["demo"] < scores[0.3]["demo"] and scores[5.0]["quakes"] < scores[0.3]["quakes"]
    assert scores[0.3]["quakes"] < scores[0.3]["demo"]  # the merged labels split what kabar keeps apart
    assert report["left_out"] == {c: {"chosen": 0.3, "f1": scores[0.3][c]} for c in ("demo", "quakes")}
    assert stories.JOIN == 0.3  # the constant is put back
    bad = runner.invoke(app, ["eval", "stories", "--leave-one-out", str(spec), "--tune", "JOINS=1"])
    assert bad.exit_code == 2 and "not a numeric constant" in bad.output


def test_stories_commands_and_export(tmp_path: Path, backend: str) -> None:
    db = new_location(backend, tmp_path)
    assert runner.invoke(app, ["ingest", str(DEMO), "--db", db, "--quiet"]).exit_code == 0
    listed = [json.loads(line) for line in runner.invoke(app, ["stories", "--db", db, "--json"]).stdout.splitlines()]
    assert len(listed) == 10
    assert listed[0]["last_published"] >= listed[-1]["last_published"]  # most recent first
    largest = runner.invoke(app, ["stories", "--db", db, "--sort", "largest", "--json"]).stdout.splitlines()
    sizes = [len(json.loads(line)["articles"]) for line in largest]
    assert sizes == sorted(sizes, reverse=True) and sizes != [len(s["articles"]) for s in listed]
    english = runner.invoke(app, ["stories", "--db", db, "--lang", "en", "--json"]).stdout.splitlines()
    assert 0 < len(english) < 10
    since = runner.invoke(app, ["stories", "--db", db, "--since", "2024-11-01", "--json"]).stdout.splitlines()
    # The November ratification and the November eruption.
    assert len(since) == 2 and all(json.loads(s)["last_published"] >= "2024-11-01" for s in since)
    quake = next(s for s in listed if "Poso" in s["title"])
    shown = json.loads(runner.invoke(app, ["show", quake["id"], "--db", db, "--json"]).stdout)
    assert len(shown["articles"]) == 6 and {"en", "id", "ms"} <= set(shown["languages"])
    table = runner.invoke(app, ["show", quake["id"][:8], "--db", db])
    assert table.exit_code == 0 and "Poso" in table.output

    out = tmp_path / "export"
    assert runner.invoke(app, ["export", "--out", str(out), "--db", db]).exit_code == 0
    stories = [json.loads(line) for line in (out / "stories.jsonl").read_text().splitlines()]
    assert len(stories) == 10
    for story in stories:
        assert set(story) == {"id", "title", "articles", "outlets", "languages", "first_published",
                              "last_published", "storyline", "entities", "quotes", "claims", "conflicts",
                              "articles_read", "articles_total", "quotes_left_out", "claims_left_out",
                              "figures_capped", "conflicts_left_out"}  # fmt: skip
    articles = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    assert all(a["story"] in {s["id"] for s in stories} for a in articles)
    assert sum(1 for a in articles if a["duplicate_of"]) == 2


def test_extract_command_fills_a_store_made_without_extraction(tmp_path: Path) -> None:
    from kabar import pipeline
    from kabar.search import Filters, run
    from kabar.store.sqlite import SQLiteStore

    db = str(tmp_path / "old.db")
    store = SQLiteStore(db)
    pipeline.run([str(DEMO)], store, stories=False, embed=False, extract=False)
    assert not any(a.quotes or a.entities for a in store.iter_articles())
    assert run(store, "gempa", Filters(entity="Poso"))[1] == 0  # no entity index yet
    store.close()
    result = runner.invoke(app, ["extract", "--db", db])
    assert result.exit_code == 0 and "48 articles extracted again" in result.output
    store = SQLiteStore(db)
    assert sum(len(a.quotes) for a in store.iter_articles()) > 50
    assert run(store, "gempa", Filters(entity="Poso"))[1] >= 3
    assert store.reindex_search() == 48 and run(store, "gempa", Filters(entity="Poso"))[1] >= 3
    store.close()


@pytest.mark.slow
def test_ingest_on_a_dask_cluster_started_from_its_own_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deployment the README describes: `dask scheduler` and `dask worker` run as their
    own processes (the worker in a folder of its own), and `kabar ingest --scheduler`
    reaches them by address. A scheduler that does not answer, or has no worker yet, is
    a clear error (exit 2) instead of a traceback or a wait for ever."""
    from kabar import parallel

    dask = str(Path(sys.executable).with_name("dask"))
    monkeypatch.setattr(parallel, "CONNECT_SECONDS", 2)
    monkeypatch.setattr(parallel, "WORKER_WAIT_SECONDS", 2)
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    nobody = f"tcp://127.0.0.1:{free.getsockname()[1]}"
    free.close()
    unreachable = runner.invoke(app, ["ingest", str(DEMO), "--db", str(tmp_path / "x.db"), "--scheduler", nobody])
    assert unreachable.exit_code == 2 and f"cannot reach the Dask scheduler at {nobody}" in unreachable.output

    scheduler_file = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [subprocess.Popen([dask, "scheduler", "--scheduler-file", str(scheduler_file), "--port", "0",
                                   "--no-dashboard", "--host", "127.0.0.1"], **quiet)]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        idle = runner.invoke(app, ["ingest", str(DEMO), "--db", str(tmp_path / "y.db"), "--scheduler", address])
        assert idle.exit_code == 2 and "has no workers" in idle.output

        worker_home = tmp_path / "worker"
        worker_home.mkdir()
        processes.append(subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                           "--no-dashboard"], cwd=worker_home, **quiet))  # fmt: skip
        monkeypatch.setattr(parallel, "WORKER_WAIT_SECONDS", 60)
        on_cluster = str(tmp_path / "cluster.db")
        result = runner.invoke(app, ["ingest", str(DEMO), "--db", on_cluster, "--scheduler", address, "--quiet"])
        assert result.exit_code == 0, result.output
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
    alone = str(tmp_path / "alone.db")
    assert runner.invoke(app, ["ingest", str(DEMO), "--db", alone, "--quiet"]).exit_code == 0

    def stories(db: str) -> list[dict[str, object]]:
        listed = runner.invoke(app, ["stories", "--db", db, "--json"]).stdout.splitlines()
        return sorted((json.loads(line) for line in listed), key=lambda s: str(s["id"]))

    assert len(stories(on_cluster)) == 10
    assert stories(on_cluster) == stories(alone)


def test_stories_of_one_storyline(tmp_path: Path) -> None:
    """`kabar stories --storyline` takes a storyline id or any of its stories' ids and lists
    that matter's stories: the demo's carbon-market signing and its ratification."""
    db = str(tmp_path / "demo.db")
    assert runner.invoke(app, ["ingest", str(DEMO), "--db", db, "--quiet"]).exit_code == 0
    every = [json.loads(line) for line in runner.invoke(app, ["stories", "--db", db, "--json"]).stdout.splitlines()]
    lines: dict[str, list[str]] = {}
    for story in every:
        lines.setdefault(story["storyline"], []).append(story["id"])
    line, members = next((k, v) for k, v in lines.items() if len(v) > 1)
    for ref in (line, members[-1][:10]):
        listed = runner.invoke(app, ["stories", "--db", db, "--storyline", ref, "--json"]).stdout.splitlines()
        assert sorted(json.loads(row)["id"] for row in listed) == sorted(members)
    unknown = runner.invoke(app, ["stories", "--db", db, "--storyline", "no-such-line", "--json"])
    assert unknown.exit_code == 0 and unknown.stdout.strip() == ""
    # `kabar show` names the other stories of the storyline, in its table and its JSON.
    first, second = sorted(members)
    shown = json.loads(runner.invoke(app, ["show", first, "--db", db, "--json"]).stdout)
    assert [s["id"] for s in shown["storyline_stories"]] == [second]
    table = runner.invoke(app, ["show", second, "--db", db])
    assert "Same storyline" in table.output and first in table.output


def test_ingest_into_a_store_another_ingest_holds_exits_2(tmp_path: Path) -> None:
    from kabar.store import open_store

    db = str(tmp_path / "busy.db")
    holder = open_store(db)
    with holder.ingest_lock(0):
        result = runner.invoke(app, ["ingest", str(SEEDS), "--db", db, "--wait", "0.3"])
    holder.close()
    assert result.exit_code == 2 and f"another ingest is writing to {db}" in result.output
    assert runner.invoke(app, ["ingest", str(SEEDS), "--db", db, "--quiet"]).exit_code == 0


def test_storylines_lists_matters_of_more_than_one_story(tmp_path: Path, backend: str) -> None:
    db = new_location(backend, tmp_path)
    assert runner.invoke(app, ["ingest", str(DEMO), "--db", db, "--quiet"]).exit_code == 0
    lines = [json.loads(row) for row in runner.invoke(app, ["storylines", "--db", db, "--json"]).stdout.splitlines()]
    assert len(lines) == 1 and len(lines[0]["stories"]) == 2
    signing, ratification = lines[0]["stories"]
    assert "ASEAN" in signing["title"] and signing["first_published"] < ratification["first_published"]
    assert lines[0]["first_published"] == signing["first_published"]
    table = runner.invoke(app, ["storylines", "--db", db])
    assert table.exit_code == 0 and "1 of 1 storylines" in table.output


def test_listings_at_80_columns_keep_ids_and_dates_whole(tmp_path: Path) -> None:
    """On an 80-column terminal the listings leave columns out rather than cut an id or a
    date (they must be copyable), and cut titles on one line with an ellipsis."""
    import os

    db = str(tmp_path / "demo.db")
    assert runner.invoke(app, ["ingest", str(DEMO), str(SEEDS), "--db", db, "--quiet"]).exit_code in (0, 3)
    stories_json = [json.loads(r) for r in runner.invoke(app, ["stories", "--db", db, "--json"]).stdout.splitlines()]
    articles_json = [json.loads(r) for r in runner.invoke(app, ["articles", "--db", db, "--json"]).stdout.splitlines()]
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}

    def at_80(*args: str) -> list[str]:
        done = subprocess.run([sys.executable, "-m", "kabar", *args, "--db", db], env=env, capture_output=True,
                              text=True, timeout=120, check=True)  # fmt: skip
        lines = done.stdout.splitlines()
        assert lines and max(len(line) for line in lines) <= 80, done.stdout
        return lines

    listed = "\n".join(at_80("stories", "--limit", "100"))
    for story in stories_json:
        assert story["id"] in listed and (story["last_published"] or "—")[:10] in listed
    cut = [line for line in listed.splitlines() if line.endswith("…")]
    assert cut, listed  # the demo's long headlines are cut, on their own line
    assert all(line.split()[0].startswith("s") for line in cut)
    shown = "\n".join(at_80("articles", "--limit", "100"))
    for article in articles_json:
        assert article["id"] in shown
        if article["published"]:
            assert article["published"][:16] in shown
    lines = "\n".join(at_80("storylines"))
    assert all(s["id"] in lines for s in stories_json if s["storyline"] != s["id"])
    first = stories_json[0]["id"]
    assert all(a in "\n".join(at_80("show", first)) for a in stories_json[0]["articles"][:10])


def test_version_option() -> None:
    from kabar import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"kabar {__version__}"


def test_entity_command_finds_a_name_in_either_language(tmp_path: Path) -> None:
    """`kabar entity` takes a name in English for entities the Indonesian seeds name
    ("North Korea" is Korea Utara, C:KP): the same record as GET /api/entities/{key}."""
    db = str(tmp_path / "seeds.db")
    assert runner.invoke(app, ["ingest", str(SEEDS), "--db", db, "--quiet"]).exit_code == 0
    record = json.loads(runner.invoke(app, ["entity", "North Korea", "--db", db, "--json"]).stdout)
    assert record["key"] == "C:KP" and record["articles"] >= 3
    assert record["stories"] and all(s["mentions"] >= 1 for s in record["stories"])
    assert any(c["holder"] for c in record["claims"])  # the seeds' claims about Pyongyang
    table = runner.invoke(app, ["entity", "Korea Utara", "--db", db])
    assert table.exit_code == 0 and "C:KP" in table.stdout and record["stories"][0]["id"] in table.stdout
    missing = runner.invoke(app, ["entity", "Atlantis", "--db", db])
    assert missing.exit_code == 1 and "no article names Atlantis" in missing.output
    assert "Traceback" not in missing.output


@pytest.mark.slow
def test_eval_ask_scores_the_bilingual_gold_questions() -> None:
    gold = Path(__file__).resolve().parent.parent / "examples" / "gold" / "ask-demo.jsonl"
    result = runner.invoke(app, ["eval", "ask", str(gold), "--no-embed", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    n = sum(1 for line in gold.read_text(encoding="utf-8").splitlines() if line.strip())
    assert report["all"]["questions"] == n >= 40
    assert set(report["split"]) == {"dev", "test"} and set(report["language"]) == {"en", "id"}
    # The unanswerable questions are all abstained on, and half the rest answered right
    # even without embeddings (0.638 in BENCHMARKS.md).
    assert report["kind"]["unanswerable"]["abstain_recall"] == 1.0
    assert report["all"]["accuracy"] >= 0.5
