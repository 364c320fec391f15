"""The store's two interfaces: `ReadStore` (what the CLI, web, export, search and ask read)
and `PipelineStore` (the ingest runner's state); `Store` is both."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import DEMO, ROOT, ingest_into, new_location
from kabar import export, search
from kabar.query import Filters
from kabar.store import PipelineStore, ReadStore, Store, open_store


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
