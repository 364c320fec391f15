"""Benchmark: the whole path (ingest, clean, copies, stories) on a synthetic stream.

    uv run python bench/stories_stream.py --n 10000 [--n 100000] [--no-embed] [--no-extract] [--keep DIR] [--workers N]

Prints articles/s on one core, the p50/p99 time to assign one article to a story, peak
memory, and the cost per article of each stage in the first and the last tenth of the
stream: cost per article should stay flat as the corpus grows.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from array import array
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kabar import dedup, features, pipeline, stories
from kabar.store.sqlite import SQLiteStore
from kabar.synth import write_corpus


class StageClock:
    """Wall time spent in named functions, per chunk of the stream."""

    def __init__(self) -> None:
        self.chunk = 0
        self.sizes: list[int] = []  # articles seen per chunk
        # name -> chunk -> seconds; summed per chunk so a long stream costs no memory here
        self.spent: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        self.assign_seconds = array("d")  # every assignment, for its percentiles
        self.every = 0  # print a progress line every this many chunks
        self.started = time.perf_counter()

    def progress(self) -> None:
        """A line per tenth of the stream, so a long run shows whether its cost stays flat."""
        done, lo = sum(self.sizes), self.chunk - self.every
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  {done:>9,} articles, {time.perf_counter() - self.started:.0f} s, RSS {rss:.0f} MB; "
              f"ms/article {self.window(lo, self.chunk)}", flush=True)  # fmt: skip

    def window(self, lo: int, hi: int) -> str:
        """Each stage's ms per article over chunks lo..hi, on one line."""
        n = max(1, sum(self.sizes[lo:hi]))
        parts = [f"{name.strip()} {1000 * self._seconds(name, lo, hi) / n:.2f}"
                 for _, _, name in STAGES]  # fmt: skip
        return ", ".join(parts)

    def wrap(self, owner: Any, attr: str, name: str) -> None:
        original: Callable[..., Any] = getattr(owner, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds = time.perf_counter() - start
                self.spent[name][self.chunk] += seconds
                if name == "story assignment":
                    self.assign_seconds.append(seconds)

        setattr(owner, attr, timed)

    def wrap_chunks(self) -> None:
        original = pipeline._commit_chunk

        def counted(store: Any, chunk: Any, *args: Any, **kwargs: Any) -> None:
            original(store, chunk, *args, **kwargs)
            self.sizes.append(len(chunk.built))
            self.chunk += 1
            if self.every and self.chunk % self.every == 0:
                self.progress()

        pipeline._commit_chunk = counted  # type: ignore[assignment]

    def _seconds(self, name: str, lo: int, hi: int) -> float:
        return sum(s for at, s in self.spent[name].items() if lo <= at < hi)

    def per_article(self, name: str, first: float, last: float) -> float:
        """Milliseconds per article spent in `name` over the chunks in [first, last) of the stream."""
        lo, hi = int(first * len(self.sizes)), max(int(last * len(self.sizes)), int(first * len(self.sizes)) + 1)
        seconds = self._seconds(name, lo, hi)
        return 1000 * seconds / max(1, sum(self.sizes[lo:hi]))


# With --workers > 1 the first five run in worker processes and are not timed here.
STAGES = [
    (pipeline, "build_article", "ingest+clean+meta"),
    (pipeline, "index_terms", "search terms"),
    (dedup, "article_signature", "copy signatures"),
    (pipeline, "featurize", "features"),
    (features.Embedder, "encode", "  of which embeddings"),
    (dedup, "find_copies", "copies (window)"),
    (stories.StoryIndex, "assign", "story assignment"),
    (SQLiteStore, "save_chunk", "store writes"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, action="append")
    parser.add_argument("--no-embed", action="store_true")
    parser.add_argument("--no-extract", action="store_true", help="leave out extraction (entities, quotes, figures)")
    parser.add_argument("--keep", type=Path, help="keep the corpus and the store in DIR/<n>/")
    parser.add_argument("--workers", type=int, default=1, help="Dask worker processes for the per-article work")
    args = parser.parse_args()
    for n in args.n or [10_000]:
        clock = StageClock()
        originals = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in STAGES]
        for owner, attr, name in STAGES:
            clock.wrap(owner, attr, name)
        commit_chunk = pipeline._commit_chunk
        clock.wrap_chunks()
        clock.every = max(1, n // pipeline.CHUNK_SIZE // 10)

        with tempfile.TemporaryDirectory() as tmp:
            root = args.keep / str(n) if args.keep else Path(tmp)
            root.mkdir(parents=True, exist_ok=True)
            write_corpus(root / "corpus", n)
            store = SQLiteStore(str(root / "bench.db"))
            start = time.perf_counter()
            report = pipeline.run(
                [str(root / "corpus")], store, embed=not args.no_embed, extract=not args.no_extract,
                workers=args.workers,
            )  # fmt: skip
            elapsed = time.perf_counter() - start
            n_stories = len(store.stories())
            store.close()
        for owner, attr, original in originals:
            setattr(owner, attr, original)
        pipeline._commit_chunk = commit_chunk
        assign = np.frombuffer(clock.assign_seconds, dtype=np.float64) * 1000
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # Worker processes have ended by now; the largest of them, reported apart.
        workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"n={n}: {report.stored / elapsed:.0f} articles/s ({elapsed:.0f} s), {n_stories} stories, "
            f"assign p50 {np.percentile(assign, 50):.2f} ms p99 {np.percentile(assign, 99):.2f} ms, "
            f"peak RSS {peak:.0f} MB" + (f", largest worker {workers_peak:.0f} MB" if args.workers > 1 else ""),
            flush=True,
        )
        print("  ms per article        first tenth  last tenth")
        for _, _, name in STAGES:
            first, last = clock.per_article(name, 0.0, 0.1), clock.per_article(name, 0.9, 1.0)
            print(f"  {name:<22}{first:>10.3f}{last:>12.3f}")


if __name__ == "__main__":
    main()
