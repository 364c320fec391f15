from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kabar import pipeline
from kabar.model import Article
from kabar.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
DEMO = ROOT / "examples" / "demo"


def collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(str(tmp_path / "test.db"))
    yield s
    s.close()


def ingest_into(store: SQLiteStore, *paths: Path | str) -> pipeline.IngestReport:
    return pipeline.run([str(p) for p in paths], store)


def articles_by_stem(store: SQLiteStore) -> dict[str, Article]:
    return {Path(a.source).stem: a for a in store.iter_articles()}


def load_json(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text(encoding="utf-8"))
