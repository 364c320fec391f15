"""A kill -9 in the middle of an ingest leaves the store consistent, and a rerun
ends with every article stored exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kabar.synth import write_corpus

pytestmark = pytest.mark.slow

N = 3000


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(db, timeout=5)
        try:
            return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def test_kill_midway_then_rerun(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, N)
    db = tmp_path / "kill.db"
    cmd = [sys.executable, "-m", "kabar", "ingest", str(corpus), "--db", str(db), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(db) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "ingest finished before it could be killed; raise N"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _count(db)
    assert 0 < killed_at < N

    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Whole chunks or nothing: every stored article has its source row.
    orphans = con.execute(
        "SELECT count(*) FROM articles WHERE id NOT IN (SELECT article_id FROM article_sources)"
    ).fetchone()[0]
    assert orphans == 0
    con.close()

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == N
    assert con.execute("SELECT count(DISTINCT id) FROM articles").fetchone()[0] == N
    assert con.execute("SELECT count(*) FROM article_sources").fetchone()[0] == N
    # Stories were written in the same transactions: every article has one that exists.
    assert con.execute("SELECT count(*) FROM articles WHERE story IS NULL").fetchone()[0] == 0
    orphan_stories = con.execute(
        "SELECT count(*) FROM articles WHERE story NOT IN (SELECT id FROM stories)"
        " AND story NOT IN (SELECT merged FROM story_merges)"
    ).fetchone()[0]
    assert orphan_stories == 0
    assert con.execute("SELECT count(*) FROM articles WHERE signature IS NOT NULL").fetchone()[0] == N
    con.close()
