"""Search and ask latency on a large synthetic store.

    uv run python bench/search_latency.py --n 100000 [--db PATH] [--queries 200]

Builds (or reuses, with --db) a store of N synthetic articles (ingest, clean and the
search index; copies, stories and extraction off, since latency depends on the index),
then times `search.run` (20 hits with snippets) and `ask` (words and names only, and
with sentence embeddings) on queries drawn from the corpus' own words. Prints p50 and
p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time

from kabar.ask import ask
from kabar.features import Embedder
from kabar.search import Filters, run
from synthetic_store import synthetic_store


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms ({len(ordered)} queries)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="reuse (or create) the store here")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = synthetic_store(args.db, args.n, tmp, stories=False, embed=False, extract=False)
        rng = random.Random(3)
        titles = [a.title for _, a in zip(range(2000), store.iter_articles(), strict=False)]
        queries = []
        for _ in range(args.queries):
            words = [w for w in rng.choice(titles).split() if len(w) > 3]
            queries.append(" ".join(rng.sample(words, min(len(words), rng.choice((1, 2, 3))))))
        search_ms, totals = [], []
        for q in queries:
            start = time.perf_counter()
            _hits, total = run(store, q, Filters(), 20, 0)
            search_ms.append((time.perf_counter() - start) * 1000)
            totals.append(total)
        print(f"search (20 hits + snippets): {_percentiles(search_ms)}; median matches {statistics.median(totals):.0f}")
        questions = [f"Apa yang terjadi dengan {q}?" for q in queries[: max(20, args.queries // 5)]]
        for label, embedder in (("ask, words and names", None), ("ask, with embeddings", Embedder())):
            ask_ms = []
            for q in questions:
                start = time.perf_counter()
                ask(store, q, Filters(), embedder)
                ask_ms.append((time.perf_counter() - start) * 1000)
            print(f"{label}: {_percentiles(ask_ms)}")
        store.close()


if __name__ == "__main__":
    main()
