"""The bundled demo corpus is cleaned and described as its gold says."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DEMO, ingest_into, load_json, new_location
from kabar.evaluate import score_clean
from kabar.model import Article
from kabar.store import open_store

GOLD = load_json(DEMO / "gold" / "gold.json")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, module_backend: str) -> dict[str, Article]:
    store = open_store(new_location(module_backend, tmp_path_factory.mktemp("demo")))
    report = ingest_into(store, DEMO)
    assert not report.quarantined, [q.message() for q in report.quarantined]
    out = {}
    for a in store.iter_articles():
        out[str(Path(a.source).relative_to(DEMO))] = a
    store.close()
    return out


def test_demo_corpus_shape() -> None:
    articles = GOLD["articles"]
    assert len(articles) >= 48
    assert len({a["story"] for a in articles.values()}) >= 8
    assert len({p.split("/")[0] for p in articles if not p.startswith("feeds/")} | {"kbn", "borneo"}) >= 6
    assert sum(a["language"] == "en" for a in articles.values()) >= 5
    assert sum(a["language"] == "ms" for a in articles.values()) >= 6  # examples/demo/beritasemenanjung
    assert any(a["published"] is None for a in articles.values())


def test_demo_clean_and_metadata_match_gold(demo: dict[str, Article]) -> None:
    score = score_clean(demo, GOLD)
    failures = "\n".join(f"{f.article} {f.check}: {f.detail}" for f in score.failures)
    assert len(demo) == len(GOLD["articles"])
    # Everything the gold says about text is held; metadata may miss in rare cases.
    assert score.rate("clean") == 1.0, failures
    assert score.rate("meta") >= 0.97, failures
