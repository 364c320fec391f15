"""Latency of the story reads users make every day, on a large synthetic store; and the
reads of one story as it grows to 100,000 articles.

    uv run python bench/story_reads.py --n 50000 [--db PATH]
    uv run python bench/story_reads.py --story 1000 10000 100000 [--keep DIR]

With --story, each size gets a store holding one story of that many articles (written
through `Store.save_chunk`, not the pipeline: 100,000 pipeline runs would take hours)
and 20 small stories of its storyline. The articles are clones of 500 synthetic reports
(`kabar.synth`) that went through the real extraction and date resolution, so they carry
quotes, claims, figures, entities and dated events; 60 outlets, dates over a year, one in
twenty a copy. Each read runs in a fresh process, which prints its time and peak RSS
(the interpreter and its imports included):

* show --json: `kabar show STORY --json` (export.story_detail, its record as JSON);
* api + page: views.story_detail (what GET /api/stories/{id} and the story page read),
  its record as JSON;
* export story: the one story's stories.jsonl record (export.story_record);
* export store: `kabar export` of the whole store (articles.jsonl too).

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
import dataclasses
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from kabar import meta, synth
from kabar.dedup import CopyIndex
from kabar.export import (
    export,
    story_detail,
    story_record,
)
from kabar.extract import extract_article
from kabar.lang import get
from kabar.model import Article, ChunkWrite, StorySelection, StoryWrite
from kabar.store import open_store
from kabar.stories import StoryStage
from kabar.web import views
from synthetic_store import synthetic_store

BASE_ARTICLES = 500  # distinct extracted reports the story's articles are cloned from
OUTLETS = 60
OTHER_STORIES, OTHER_SIZE = 20, 15  # the rest of the storyline
BIG = "sbig000000000000"
_EPOCH = datetime(2023, 1, 1, 6)
_SKIP = ("Baca Juga", "Lihat Juga", "tulis komentar")


def _base_articles() -> list[Article]:
    """Synthetic reports of one matter, through date resolution and the real extraction."""
    lang = get("id")
    out = []
    for k, s in enumerate(synth.generate(BASE_ARTICLES, stories=1, seed=11)):
        lines = s.text.strip().split("\n")
        paragraphs = [x for x in lines[2:] if not x.startswith(_SKIP)]
        published = (_EPOCH + timedelta(hours=k * 365 * 24 // BASE_ARTICLES)).isoformat() + "+07:00"
        a = Article(s.name, s.name, None, None, lines[0], published, "id", None, paragraphs)
        a.time_mentions = meta.resolve_time_mentions(a.text, published, lang)
        out.append(extract_article(a))
    return out


def build_story_store(path: str, n: int) -> None:
    """A store with one story of `n` articles and OTHER_STORIES small ones in its storyline."""
    start = time.perf_counter()
    base = _base_articles()
    store = open_store(path)
    rng = random.Random(n)

    def clones(story: str, count: int, offset: int) -> list[Article]:
        out = []
        for i in range(count):
            b = base[(offset + i) % len(base)]
            aid = f"{story[1:5]}{offset + i:012x}"
            copy = i % 20 == 19
            out.append(dataclasses.replace(
                b, id=aid, source=f"{aid}.txt", sources=[f"{aid}.txt"], outlet=f"outlet{rng.randrange(OUTLETS)}.id",
                published=(datetime.fromisoformat(b.published or "") + timedelta(minutes=i % 997)).isoformat(),
                story=story, duplicate_of=out[-1].id if copy and out else None,
            ))  # fmt: skip
        return out

    def story_row(sid: str, articles: list[Article], seq: int) -> StoryWrite:
        days = sorted(a.published or "" for a in articles)
        return StoryWrite(sid, BIG, articles[0].title, len(articles), days[0], days[-1], ["id"],
                          sorted({a.outlet or "" for a in articles}), {}, None, seq)  # fmt: skip

    chunk = 5000  # articles per transaction
    for done in range(0, n, chunk):
        store.save_chunk(ChunkWrite(clones(BIG, min(chunk, n - done), done)))
    first = store.get_articles([f"{BIG[1:5]}{0:012x}"])[0]
    last = store.get_articles([f"{BIG[1:5]}{n - 1:012x}"])[0]
    row = StoryWrite(BIG, BIG, first.title, n, first.published, last.published, ["id"],
                     [f"outlet{k}.id" for k in range(OUTLETS)], {}, None, n)  # fmt: skip
    others = []
    for k in range(OTHER_STORIES):
        sid = f"s{k:04d}other000000"
        arts = clones(sid, OTHER_SIZE, k * OTHER_SIZE * 25)
        others.append((arts, story_row(sid, arts, n + k)))
    store.save_chunk(ChunkWrite([a for arts, _ in others for a in arts], stories=[row, *(w for _, w in others)]))
    print(f"built {store.count_articles()} articles in {time.perf_counter() - start:.0f} s", flush=True)
    store.close()


def _read(db: str, path: str) -> None:
    """One read path, in this (fresh) process: prints seconds and peak RSS."""
    store = open_store(db)
    start = time.perf_counter()
    story = store.get_story(BIG)
    assert story is not None
    size = 0
    if path == "show --json":
        show = story_detail(store, story, 5)
        size = len(json.dumps(show.to_record(), ensure_ascii=False, indent=1))
    elif path == "api + page":
        detail = views.story_detail(store, story.id, 5)
        assert detail is not None
        size = len(json.dumps(detail.to_record(), ensure_ascii=False, default=str))
    elif path == "export story":
        size = len(json.dumps(story_record(store, story), ensure_ascii=False))
    elif path == "export store":
        with tempfile.TemporaryDirectory() as out:
            export(store, out)
            size = sum(f.stat().st_size for f in Path(out).iterdir())
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mb": round(peak), "output_mb": round(size / 1e6, 1)}))
    store.close()


READS = ("show --json", "api + page", "export story", "export store")


def story_sizes(sizes: list[int], keep: str | None, reads: Sequence[str] = READS) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            db = str(folder / f"story-{n}.db")
            if not Path(db).exists():
                build_story_store(db, n)
            open_store(db).close()  # a kept store from an older schema is migrated before the reads
            for path in reads:
                done = subprocess.run([sys.executable, __file__, "--read", path, "--db", db],
                                      capture_output=True, text=True, check=True)  # fmt: skip
                result = json.loads(done.stdout.strip().splitlines()[-1])
                print(
                    f"{n:>7} articles  {path:<14} {result['seconds']:7.2f} s  peak RSS {result['peak_rss_mb']:5d} MB"
                    f"  output {result['output_mb']} MB",
                    flush=True,
                )


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
    parser.add_argument("--story", type=int, nargs="*", help="one-story stores of these sizes; time each story read")
    parser.add_argument("--keep", default=None, help="with --story: keep (and reuse) the stores in this folder")
    parser.add_argument("--reads", nargs="*", choices=READS, default=list(READS), help="with --story: these reads only")
    parser.add_argument("--read", choices=READS, help=argparse.SUPPRESS)  # one read, in a child process
    args = parser.parse_args()
    if args.read:
        _read(args.db, args.read)
        return
    if args.story:
        story_sizes(args.story, args.keep, args.reads)
        return
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
