"""Benchmark: the whole path (ingest, clean, dedup, stories) on a synthetic stream.

    uv run python bench/stories_stream.py --n 10000 [--n 100000] [--no-embed]

Prints articles/s on one core, the p50/p99 time to assign one article to a story,
and peak memory. Cost per article should stay flat as the corpus grows.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from kabar import pipeline, stories
from kabar.store.sqlite import SQLiteStore
from kabar.synth import write_corpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, action="append")
    parser.add_argument("--no-embed", action="store_true")
    args = parser.parse_args()
    timings: list[float] = []
    original = stories.StoryIndex.assign

    def timed(self: stories.StoryIndex, f, article):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return original(self, f, article)
        finally:
            timings.append(time.perf_counter() - start)

    stories.StoryIndex.assign = timed  # type: ignore[method-assign]
    for n in args.n or [10_000]:
        timings.clear()
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            write_corpus(root / "corpus", n)
            store = SQLiteStore(str(root / "bench.db"))
            start = time.perf_counter()
            report = pipeline.run([str(root / "corpus")], store, embed=not args.no_embed)
            elapsed = time.perf_counter() - start
            n_stories = len(store.stories())
            store.close()
        t = np.array(timings) * 1000
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"n={n}: {report.stored / elapsed:.0f} articles/s ({elapsed:.0f} s), {n_stories} stories, "
            f"assign p50 {np.percentile(t, 50):.2f} ms p99 {np.percentile(t, 99):.2f} ms, peak RSS {peak:.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
