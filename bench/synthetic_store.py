"""A store of N synthetic articles for the read benchmarks, built once or reused."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from kabar import pipeline
from kabar.store import Store, open_store
from kabar.synth import write_corpus


def synthetic_store(db: str | None, n: int, tmp: str, **run_options: Any) -> Store:
    """Open the store at `db` (or a new one in `tmp`) and fill it up to `n` synthetic
    articles with `pipeline.run(..., **run_options)`."""
    store = open_store(db or str(Path(tmp) / "bench.db"))
    if store.count_articles() < n:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, n)
        start = time.perf_counter()
        pipeline.run([str(corpus)], store, **run_options)
        print(f"built {store.count_articles()} articles in {time.perf_counter() - start:.0f} s")
    return store
