"""Latency of the story reads users make every day, on a large synthetic store.

    uv run python bench/story_reads.py --n 50000 [--db PATH]

Builds (or reuses, with --db) a store of N synthetic articles with copies and stories
(no extraction; no title embeddings, which do not change what is read), then times:
the first page of `kabar stories` (recent and largest), a filtered page, one story's
storyline (what a story page and its brief read), and, for comparison, reading every
story with its members (`Store.stories`, which listings used before stop 10); then what
every run pays before its first article: rebuilding the copy window and loading the
story stage.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta

from kabar.dedup import CopyIndex
from kabar.model import StorySelection
from kabar.stories import StoryStage
from synthetic_store import synthetic_store


def _timed(fn: Callable[[], object], repeat: int) -> str:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return f"median {statistics.median(samples):.1f} ms, max {max(samples):.1f} ms ({repeat} runs)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--db", default=None, help="reuse (or create) the store here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = synthetic_store(args.db, args.n, tmp, embed=False, extract=False)
        page, total = store.list_stories(StorySelection(limit=30))
        print(f"{store.count_articles()} articles, {total} stories")
        lines = [s.storyline for s in random.Random(5).sample(page, min(10, len(page)))]
        newest = date.fromisoformat((page[0].last_published or "2020-01-01")[:10])
        since = (newest - timedelta(days=30)).isoformat()  # the last month's stories
        reads: list[tuple[str, Callable[[], object], int]] = [
            ("stories, first page (recent)", lambda: store.list_stories(StorySelection(limit=30)), 20),
            ("stories, first page (largest)", lambda: store.list_stories(StorySelection(sort="largest", limit=30)), 20),
            ("last month, page 2", lambda: store.list_stories(StorySelection(since, limit=30, offset=30)), 20),
            ("ten stories' storylines", lambda: [store.list_stories(StorySelection(storyline=x)) for x in lines], 5),
            ("every story with its members", store.stories, 3),
        ]
        for name, read, repeat in reads:
            print(f"{name:<32}{_timed(read, repeat)}", flush=True)
        # What every run (a CLI ingest, a web upload) pays before its first article.
        starts: list[tuple[str, Callable[[], object], int]] = [
            ("run start: copy window", lambda: CopyIndex.load(store), 3),
            ("run start: story stage", lambda: StoryStage(store)._load(), 3),
        ]
        for name, read, repeat in starts:
            print(f"{name:<32}{_timed(read, repeat)}", flush=True)
        store.close()


if __name__ == "__main__":
    main()
