"""The store's two interfaces: `ReadStore` (what the CLI, web, export, search and ask read)
and `PipelineStore` (the ingest runner's state); `Store` is both."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import DEMO, ROOT, SEEDS, ingest_into, new_location
from kabar import export, pipeline, search
from kabar import store as store_package
from kabar.query import Filters
from kabar.store import PipelineStore, ReadStore, Store, open_store
from kabar.store.sql import _STORY_ORDER
from kabar.store.sqlite import SQLiteStore


class ReadOnly(ReadStore):
    """A store seen through `ReadStore` alone: any other method is an AttributeError."""

    def __init__(self, store: Store) -> None:
        self._store = store


def _delegate(name: str) -> Callable[..., Any]:
    def method(self: ReadOnly, *args: Any, **kwargs: Any) -> Any:
        return getattr(self._store, name)(*args, **kwargs)

    return method


for _name in ReadStore.__abstractmethods__:
    setattr(ReadOnly, _name, _delegate(_name))
ReadOnly.__abstractmethods__ = frozenset()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, module_backend: str) -> Store:
    store = open_store(new_location(module_backend, tmp_path_factory.mktemp("demo")))
    ingest_into(store, DEMO)
    return store


def test_the_two_interfaces_make_up_the_store() -> None:
    read, pipeline = ReadStore.__abstractmethods__, PipelineStore.__abstractmethods__
    assert not read & pipeline
    assert Store.__abstractmethods__ == read | pipeline
    assert not hasattr(ReadOnly, "save_chunk") and not hasattr(ReadOnly, "duplicate_info")


def test_export_and_search_need_only_the_read_interface(demo: Store, tmp_path: Path) -> None:
    reader = ReadOnly(demo)
    assert export.export(reader, str(tmp_path / "read")) == export.export(demo, str(tmp_path / "full"))  # type: ignore[arg-type]
    for name in ("articles.jsonl", "stories.jsonl"):
        assert (tmp_path / "read" / name).read_bytes() == (tmp_path / "full" / name).read_bytes()
    assert search.run(reader, "gempa", Filters(entity="Poso")) == search.run(demo, "gempa", Filters(entity="Poso"))
    hits, total = search.run(reader, "gempa", Filters(entity="Poso"))
    assert total >= 3
    for hit in hits:  # each names Poso, as a key or inside a longer one ("kabupaten poso")
        article = reader.get_article(hit.article)
        assert article is not None and any("poso" in m.entity.split() for m in article.entities)


def test_an_entity_filter_reaches_the_store_as_keys(demo: Store) -> None:
    """The store matches entity keys; naming a thing ("Korea Utara" -> C:KP) is the search
    stage's work, so a filter that did not go through it is refused, not read wrongly."""
    variants = search.query_variants("gempa")
    with pytest.raises(ValueError, match="entity filter"):
        demo.search(variants, "all", Filters(entity="Poso"), 10, 0)
    keyed = search.resolved(Filters(entity="Poso"))
    assert keyed.entity_keys and "poso" in keyed.entity_keys
    found, total = demo.search(variants, "all", keyed, 10, 0)
    assert total >= 3 and len(found) == min(total, 10)


def test_the_store_package_imports_no_stage() -> None:
    code = (
        "import sys, kabar.store, kabar.store.sql, kabar.store.sqlite, kabar.store.postgres; "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('kabar'))))"
    )
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                cwd=ROOT).stdout.split())  # fmt: skip
    assert "kabar.store.postgres" in loaded
    stages = {"kabar.search", "kabar.features", "kabar.dedup", "kabar.stories", "kabar.pipeline", "kabar.clean",
              "kabar.meta", "kabar.extract", "kabar.brief", "kabar.ask", "kabar.export"}  # fmt: skip
    assert not loaded & stages


class _Archive(SQLiteStore):
    """A backend written for the test: `archive://NAME` opens NAME as a SQLite file."""

    def __init__(self, location: str) -> None:
        super().__init__(location.removeprefix("archive://"))


def test_a_backend_is_one_class_plus_registration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_package, "_BACKENDS", dict(store_package._BACKENDS))
    with pytest.raises(ValueError, match="no store backend for archive://"):
        open_store(f"archive://{tmp_path / 'a.db'}")
    store_package.register_backend(["archive"], _Archive)
    store = open_store(f"archive://{tmp_path / 'a.db'}")
    try:
        report = ingest_into(store, SEEDS)
        assert isinstance(store, _Archive) and report.stored == store.count_articles() > 0
    finally:
        store.close()
    assert (tmp_path / "a.db").exists()
    store_package.register_backend(["archive"], _Archive)  # the same again: fine
    for scheme in ("postgresql", "Archive", "a+b"):
        with pytest.raises(ValueError):
            store_package.register_backend([scheme], _Archive)


def test_schema_is_migrated_on_open_and_wal_is_on(tmp_path: Path) -> None:
    import sqlite3

    from kabar.store.sqlite import MIGRATIONS

    path = tmp_path / "m.db"
    # A store left at version 1 (the first release) is brought forward, keeping its rows.
    con = sqlite3.connect(path)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute("PRAGMA user_version=1")
    con.execute(
        "INSERT INTO articles (id, source, title, language, text, removed, time_mentions, raw_text, ingested_at)"
        " VALUES ('a', 'a.txt', 't', 'id', 'x', '[]', '[]', 'x', 'now')"
    )
    con.commit()
    con.close()
    store = SQLiteStore(str(path))
    assert store.schema_version == len(MIGRATIONS)
    assert store.count_articles() == 1
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # The lookups made per article or per copy are index searches, never table scans.
    for sql in (
        "SELECT id FROM articles WHERE duplicate_of IN (?, ?)",
        "SELECT id FROM articles WHERE id IN (?, ?)",
        "SELECT id FROM articles WHERE story = ?",
        "SELECT hash, docs FROM line_stats WHERE hash IN (?, ?)",
        "SELECT id FROM stories WHERE storyline = ?",  # a story page lists its storyline
    ):
        plan = " ".join(str(row[-1]) for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", [1] * sql.count("?")))
        assert plan.startswith("SEARCH"), (sql, plan)
    # A page of stories in either order is read off an index, not sorted from all of them.
    for order in _STORY_ORDER.values():
        sql = f"SELECT id FROM stories ORDER BY {order} LIMIT 30"
        plan = " ".join(str(row[-1]) for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, (sql, plan)
    store.close()


def _sqlite_at_version(path: Path, version: int) -> sqlite3.Connection:
    """A SQLite store as kabar left it at schema `version`, open for the test to fill."""
    from kabar.store.sqlite import MIGRATIONS

    con = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        for statement in script.split(";"):
            if statement.strip():
                con.execute(statement)
    con.execute(f"PRAGMA user_version={version}")
    return con


def test_signatures_move_into_article_rows_on_upgrade(tmp_path: Path) -> None:
    """A store from before migration 8 keeps its copy signatures: they move from their
    own tables into the article rows, and the copy window is rebuilt from them."""
    from array import array

    from kabar.store.sqlite import SIGNATURES_MIGRATION

    path = tmp_path / "old.db"
    con = _sqlite_at_version(path, SIGNATURES_MIGRATION - 1)
    for aid in ("a", "b"):
        con.execute(
            "INSERT INTO articles (id, source, title, language, text, removed, time_mentions, raw_text, ingested_at)"
            " VALUES (?, ?, 't', 'id', 'x', '[]', '[]', 'x', 'now')",
            (aid, f"{aid}.txt"),
        )
    con.execute("INSERT INTO minhashes VALUES ('a', ?)", (array("Q", [1, 2, 3]).tobytes(),))
    con.execute("INSERT INTO minhashes VALUES ('b', ?)", (array("Q", [4, 5, 6]).tobytes(),))
    con.execute("INSERT INTO paragraph_signatures VALUES ('a', 1, ?)", (array("Q", [9, 8]).tobytes(),))
    con.execute("INSERT INTO paragraph_signatures VALUES ('a', 0, ?)", (array("Q", [7, 7]).tobytes(),))
    con.commit()
    con.close()
    store = SQLiteStore(str(path))

    def as_lists(rows: list) -> list:  # type: ignore[type-arg]
        return [
            (aid, sig.tolist(), list(zip(ps.tolist(), table.tolist(), strict=True))) for aid, sig, ps, table in rows
        ]

    assert as_lists(store.recent_signatures(10)) == [("a", [1, 2, 3], [(0, [7, 7]), (1, [9, 8])]), ("b", [4, 5, 6], [])]
    assert as_lists(store.recent_signatures(1)) == [("b", [4, 5, 6], [])]
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert not tables & {"minhashes", "paragraph_signatures"}
    store.close()


def test_story_names_move_into_their_own_column_on_upgrade(tmp_path: Path) -> None:
    """A store from before migration 12 kept a story's salient names only inside its state;
    they are read out once into the `salient` column, which is what a run loads."""
    import json

    from kabar.store.sqlite import SALIENT_MIGRATION

    path = tmp_path / "old.db"
    con = _sqlite_at_version(path, SALIENT_MIGRATION - 1)
    entities = {f"nama{i}": float(i) for i in range(15)}
    con.execute(
        "INSERT INTO stories VALUES ('s1', 'line1', 't', 1, NULL, NULL, '[]', '[]', ?, NULL, 1)",
        (json.dumps({"entities": entities}),),
    )
    con.commit()
    con.close()
    store = SQLiteStore(str(path))
    assert store.story_lines() == [("s1", "line1", [f"nama{i}" for i in range(14, 4, -1)])]
    store.close()


def test_ingest_runs_on_one_store_take_turns(tmp_path: Path, backend: str) -> None:
    """A run keeps stories and the copy window in memory, so two runs on one store must
    not interleave: a second run waits for the first (here for one second), and gives up
    with StoreBusy when the wait is shorter than that."""
    import threading
    import time

    from kabar.store import StoreBusy

    location = new_location(backend, tmp_path)
    seeds = sorted(SEEDS.glob("*.txt"))[:2]
    store = open_store(location)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        holder = open_store(location)
        with holder.ingest_lock(0):
            held.set()
            release.wait(30)
        holder.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(30)
    with pytest.raises(StoreBusy, match="another ingest"):
        pipeline.run([str(p) for p in seeds], store, wait=0.3, stories=False, extract=False)
    assert store.count_articles() == 0
    threading.Timer(1.0, release.set).start()
    start = time.monotonic()
    report = pipeline.run([str(p) for p in seeds], store, wait=30, stories=False, extract=False)
    assert time.monotonic() - start >= 0.9 and report.stored == 2
    thread.join(30)
    store.close()
