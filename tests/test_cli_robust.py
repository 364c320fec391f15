"""The command line on hostile text, missing stores and paths, and unexpected failures."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from kabar import cli
from kabar.cli import EXIT_QUARANTINED, app

runner = CliRunner()
# Bytes that must never reach a terminal from stored text: ESC (ANSI and OSC sequences),
# BEL (ends an OSC title), CSI and the right-to-left override.
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\u202e")
WIDE = {"COLUMNS": "250"}

BODY = (
    "Banjir merendam 300 rumah di Kecamatan Dayeuhkolot, Bandung, pada Senin pagi setelah hujan deras "
    'sejak Minggu malam. "Kami sedang mengevakuasi warga ke masjid terdekat," kata Budi Santoso, '
    "Kepala BPBD Kabupaten Bandung, kepada wartawan.\n\n"
    "Menurut Budi, 12 orang mengungsi dan air setinggi satu meter belum surut. Ia membantah kabar "
    "bahwa tanggul jebol [/] karena kelalaian petugas \x1b[2J\x1b]8;;http://evil.example\x07klik\x1b]8;;\x07."
)
HOSTILE = [
    {"id": "a", "outlet": "[/]", "title": "Banjir \x1b[31mmerendam\x1b[0m Dayeuhkolot Bandung",
     "published": "2024-06-03", "text": BODY},
    {"id": "b", "outlet": "[bold]x[/bold]", "title": "Banjir \x1b]0;pwned\x07 Bandung \u202egpj.exe",
     "published": "2024-06-03", "text": BODY.replace("300", "310")},
    {"id": "c", "outlet": "\x9b31mcsi", "title": "Warga [link=http://evil.example]Bandung[/link] mengungsi",
     "published": "2024-06-04", "text": BODY.replace("12 orang", "15 orang")},
]  # fmt: skip


def _clean(text: str) -> None:
    for ch in FORBIDDEN:
        assert ch not in text, f"{ch!r} reached the terminal"


def _parse(text: str) -> object:
    """One JSON document, or JSON Lines."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def _hostile_store(tmp_path: Path) -> tuple[str, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "hostile.jsonl").write_text("\n".join(json.dumps(r) for r in HOSTILE) + "\n", encoding="utf-8")
    # A file whose very name would drive the terminal, with a line that is quarantined.
    (folder / "[red]bad\x1b]0;x\x07\u202e.jsonl").write_text("{not json\n", encoding="utf-8")
    db = str(tmp_path / "hostile.db")
    result = runner.invoke(app, ["ingest", str(folder), "--db", db, "--no-embed"], env=WIDE)
    assert result.exit_code == EXIT_QUARANTINED, result.output
    assert "3 stored" in result.output and "1 quarantined: 1 broken JSON line" in result.output
    assert "[red]bad]0;x" in result.output  # the name shown, its controls gone
    _clean(result.output)
    return db, folder


def test_stored_text_is_never_markup_and_never_drives_the_terminal(tmp_path: Path) -> None:
    db, _ = _hostile_store(tmp_path)

    table = runner.invoke(app, ["articles", "--db", db], env=WIDE)
    assert table.exit_code == 0, table.output
    _clean(table.output)
    assert "[/]" in table.output and "[bold]x[/bold]" in table.output and "31mcsi" in table.output
    assert "[link=http://evil.example]Bandung[/link]" in table.output
    assert "Banjir [31mmerendam[0m Dayeuhkolot" in table.output and "Bandung gpj.exe" in table.output

    rows = [json.loads(line) for line in runner.invoke(app, ["articles", "--db", db, "--json"]).stdout.splitlines()]
    # JSON keeps the data as it is; the characters are written as escapes.
    assert {r["title"] for r in rows} == {r["title"] for r in HOSTILE}
    assert {r["outlet"] for r in rows} == {r["outlet"] for r in HOSTILE}

    for args in (["show", rows[0]["id"][:10], "--removed"], ["show", rows[1]["id"][:10]], ["stories"],
                 ["storylines"], ["search", "banjir"], ["search", "mengungsi", "--outlet", "[/]"], ["quarantine"],
                 ["ask", "Berapa rumah terendam banjir di Bandung?", "--no-embed"]):  # fmt: skip
        for as_json in ([], ["--json"]):
            result = runner.invoke(app, [*args, *as_json, "--db", db], env=WIDE)
            assert result.exit_code == 0, (args, result.output)
            _clean(result.output)
            if as_json:
                _parse(result.stdout)

    stories = [json.loads(line) for line in runner.invoke(app, ["stories", "--db", db, "--json"]).stdout.splitlines()]
    assert stories
    for story in stories:
        shown = runner.invoke(app, ["show", story["id"], "--db", db], env=WIDE)
        assert shown.exit_code == 0, shown.output
        _clean(shown.output)
        detail = json.loads(runner.invoke(app, ["show", story["id"], "--db", db, "--json"]).stdout)
        assert {a["title"] for a in detail["articles"]} <= {r["title"] for r in HOSTILE}
    quarantined = runner.invoke(app, ["quarantine", "--db", db], env=WIDE).output
    assert "[red]bad]0;x" in quarantined and "broken JSON line" in quarantined
    assert json.loads(runner.invoke(app, ["quarantine", "--db", db, "--json"]).stdout)[0]["source"].endswith(
        "[red]bad\x1b]0;x\x07\u202e.jsonl#1"
    )

    out = tmp_path / "export"
    exported = runner.invoke(app, ["export", "--out", str(out), "--db", db])
    assert exported.exit_code == 0, exported.output
    titles = {json.loads(line)["title"] for line in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()}
    assert titles == {r["title"] for r in HOSTILE}


def test_json_escapes_c1_controls_and_bidi_marks_but_keeps_the_data() -> None:
    value = {"t": "a\x9b31mb\u202ec\x1bd\x7fe", "n": ["\u2066x\u2069", "\\\u202e\\"]}
    for indent in (None, 1):
        text = cli._json(value, indent)
        _clean(text)
        assert "\x7f" not in text and "\u2066" not in text
        assert json.loads(text) == value


READS = [
    ["articles"], ["stories"], ["storylines"], ["show", "s123"], ["search", "banjir"], ["ask", "Siapa?", "--no-embed"],
    ["quarantine"], ["export", "--out", "OUT"], ["extract"], ["serve", "--port", "1"],
]  # fmt: skip


@pytest.mark.parametrize("args", READS, ids=[a[0] for a in READS])
def test_read_commands_refuse_a_store_that_does_not_exist(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "kabr.db"  # a typo for kabar.db
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = runner.invoke(app, [*args, "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == f"kabar: no store at {db}; run `kabar ingest` first"
    assert list(tmp_path.iterdir()) == []  # no store, lock or export folder made


def test_ingest_paths_and_store_folder_are_checked_before_anything_is_stored(tmp_path: Path) -> None:
    good = tmp_path / "a.jsonl"
    good.write_text(json.dumps(HOSTILE[0]) + "\n", encoding="utf-8")
    db = tmp_path / "kabar.db"
    missing = tmp_path / "artikel"  # a mistyped folder
    result = runner.invoke(app, ["ingest", str(good), str(missing), "--db", str(db)])
    assert result.exit_code == 2
    assert result.output.strip() == f"kabar: ingest: no such file or folder: {missing}"
    assert not db.exists()

    elsewhere = tmp_path / "no-such-folder" / "kabar.db"
    result = runner.invoke(app, ["ingest", str(good), "--db", str(elsewhere)])
    assert result.exit_code == 2
    assert result.output.strip() == f"kabar: no folder {elsewhere.parent} for the store {elsewhere}"
    assert not elsewhere.parent.exists()

    result = runner.invoke(app, ["ingest", str(good), "--db", str(tmp_path)])
    assert result.exit_code == 2 and result.output.strip() == f"kabar: {tmp_path} is a folder, not a store"


def test_the_summary_counts_quarantine_by_reason(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    lines = [json.dumps(HOSTILE[0]), "{broken", json.dumps({"id": "x", "title": "no body"}), "[1, 2", "7"]
    (folder / "mixed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    db = str(tmp_path / "kabar.db")
    result = runner.invoke(app, ["ingest", str(folder), "--db", db, "--no-embed"])
    assert result.exit_code == EXIT_QUARANTINED, result.output
    summary = [line for line in result.stdout.splitlines() if "documents:" in line]
    stored = json.loads(runner.invoke(app, ["quarantine", "--db", db, "--json"]).stdout)
    reasons: dict[str, int] = {}
    for entry in stored:
        reasons[entry["reason"]] = reasons.get(entry["reason"], 0) + 1
    assert reasons["broken JSON line"] == 2 and sum(reasons.values()) == 5
    head, counted = summary[0].split(", 5 quarantined: ")
    assert head.endswith("1 stored, 0 already in the store")
    parts = [(int(n), reason) for n, reason in (p.split(" ", 1) for p in counted.split(", "))]
    assert sorted(parts) == sorted((n, r) for r, n in reasons.items())
    assert [n for n, _ in parts] == sorted((n for n, _ in parts), reverse=True)  # the commonest first
    # Each problem still has its own line on stderr.
    problems = [line for line in result.output.splitlines() if line.startswith("quarantined: ")]
    assert len(problems) == 5 and any("mixed.jsonl#2: broken JSON line" in p for p in problems)


def _kabar(*args: str, module: bool = False) -> subprocess.CompletedProcess[str]:
    entry = [sys.executable, "-m", "kabar"] if module else [str(Path(sys.executable).with_name("kabar"))]
    return subprocess.run([*entry, *args], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_an_unexpected_failure_is_one_line_and_a_traceback_only_with_debug(tmp_path: Path) -> None:
    """A store file overwritten by something else (a real failure no command handles): one
    line and exit 1 from `kabar` and `python -m kabar`; the traceback with --debug."""
    corrupt = tmp_path / "kabar.db"
    corrupt.write_bytes(random.Random(13).randbytes(8192))
    before = corrupt.read_bytes()
    for module in (False, True):
        result = _kabar("articles", "--db", str(corrupt), module=module)
        assert result.returncode == 1, result.stderr
        assert result.stdout == "" and "Traceback" not in result.stderr
        assert result.stderr.splitlines() == [
            "kabar: error: DatabaseError: file is not a database (run with --debug for the traceback)"
        ]
    good = tmp_path / "a.jsonl"
    good.write_text(json.dumps(HOSTILE[0]) + "\n", encoding="utf-8")
    result = _kabar("ingest", str(good), "--db", str(corrupt), "--no-embed")
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert corrupt.read_bytes() == before

    debug = _kabar("--debug", "articles", "--db", str(corrupt), module=True)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "DatabaseError" in debug.stderr


def test_progress_bar_by_bytes_and_none_when_quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal, ingest shows a bar by bytes with the rate and time left; --quiet none."""
    good = tmp_path / "a.jsonl"
    good.write_text("\n".join(json.dumps(r) for r in HOSTILE) + "\n", encoding="utf-8")
    monkeypatch.setattr(cli, "PROGRESS_MIN_BYTES", 0)  # a small input, so the test stays quick
    for quiet, db in (([], "a.db"), (["--quiet"], "b.db")):
        screen = Console(force_terminal=True, width=120, record=True)
        monkeypatch.setattr(cli, "err", screen)
        result = runner.invoke(app, ["ingest", str(good), "--db", str(tmp_path / db), "--no-embed", *quiet])
        assert result.exit_code == 0, result.output
        shown = screen.export_text()
        if quiet:
            assert shown == ""
        else:
            size = good.stat().st_size
            assert "ingest" in shown and f"{size / 1000:.1f}/{size / 1000:.1f} kB" in shown, shown  # every byte counted


def test_progress_counts_input_once_its_chunk_is_stored(tmp_path: Path) -> None:
    """The reader runs a chunk or two ahead of the store; the bar advances with what is
    stored, so it is not full while the last chunks are still being worked on."""
    from conftest import DEMO
    from kabar import pipeline
    from kabar.ingest import input_bytes
    from kabar.store import open_store

    store = open_store(str(tmp_path / "p.db"))
    seen: list[tuple[int, int]] = []  # (bytes reported so far, articles stored then)

    def on_bytes(n: int) -> None:
        total = (seen[-1][0] if seen else 0) + n
        seen.append((total, store.count_articles()))

    pipeline.run([str(DEMO)], store, on_bytes=on_bytes, chunk_size=8, extract=False)
    stored = store.count_articles()
    store.close()
    assert seen and seen[-1][0] == input_bytes([str(DEMO)])  # every byte, in the end
    assert all(articles > 0 for _, articles in seen)  # nothing counted before a chunk is stored
    assert len({articles for _, articles in seen}) >= stored // 8 - 1  # one step per stored chunk
