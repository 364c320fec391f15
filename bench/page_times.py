"""Page times of the story, entity and outlet pages on a 100,000-article synthetic store,
through a real server (`kabar serve`, uvicorn) and HTTP.

    uv run python bench/page_times.py [--n 100000] [--db PATH] [--pages 40] [--rounds 2]

The store is written through `Store.save_chunk`, not the pipeline (100,000 pipeline runs
with extraction would take hours): its articles are clones of 1,000 synthetic reports
(`kabar.synth`, 125 matters) that went through date resolution and the real extraction,
so they carry entities, quotes, claims and figures. A story holds 20 clones of one matter's
reports from 60 outlets over a day (one in twenty a copy of the article before it, sharing
three paragraphs with it), four stories make a storyline, stories run over two years; and
one story of 5,000 articles gathers one in twenty of all articles. An organisation such as
"BPBD" is then named in about 12,000 articles, a matter's people in a few hundred. Kept
with --db and reused when it holds --n articles.

Times GET of `--pages` story pages (random stories, the 5,000-article one among them),
entity pages (the five most named entities and random others) and outlet pages (random
outlets, each ~1,650 articles), `--rounds` times each after one warm-up request per page
type; prints p50, p95 and max per type, and the same for their JSON (/api/...).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx

from kabar import meta, synth
from kabar.extract import extract_article
from kabar.lang import get
from kabar.model import Article, ChunkWrite, StoryWrite, Syndication
from kabar.query import index_terms
from kabar.store import open_store
from kabar.store.sqlite import SQLiteStore

BASE_ARTICLES, MATTERS = 1000, 125  # extracted reports the store's articles are cloned from
OUTLETS = 60
STORY_SIZE = 20
LINE_STORIES = 4
BIG_EVERY = 20  # one article in twenty goes to the big story
_EPOCH = datetime(2023, 1, 1, 6)
_SPAN_DAYS = 730
_SKIP = ("Baca Juga", "Lihat Juga", "tulis komentar")


def _base_articles() -> dict[int, list[tuple[Article, tuple[str, str]]]]:
    """Synthetic reports by matter, through date resolution and the real extraction, each
    with its search-index terms."""
    lang = get("id")
    out: dict[int, list[tuple[Article, tuple[str, str]]]] = {}
    for k, s in enumerate(synth.generate(BASE_ARTICLES, stories=MATTERS, seed=11)):
        lines = s.text.strip().split("\n")
        paragraphs = [x for x in lines[2:] if not x.startswith(_SKIP)]
        published = (_EPOCH + timedelta(hours=k)).isoformat() + "+07:00"
        a = Article(s.name, s.name, None, None, lines[0], published, "id", None, paragraphs)
        a.time_mentions = meta.resolve_time_mentions(a.text, published, lang)
        a = extract_article(a)
        out.setdefault(s.story, []).append((a, index_terms(a)))
    return out


def build(path: str, n: int) -> None:
    start = time.perf_counter()
    base = _base_articles()
    print(f"extracted {BASE_ARTICLES} base reports in {time.perf_counter() - start:.0f} s", flush=True)
    store = open_store(path)
    rng = random.Random(n)
    n_stories = n // STORY_SIZE + 1
    big_id = "sbig000000000000"
    stories: dict[str, StoryWrite] = {}
    chunk: list[Article] = []
    terms: dict[str, tuple[str, str]] = {}
    synd: list[Syndication] = []
    last_in: dict[str, Article] = {}

    def flush() -> None:
        store.save_chunk(ChunkWrite(list(chunk), syndications=list(synd), stories=list(stories.values()),
                                    search_terms=dict(terms)))  # fmt: skip
        chunk.clear(), terms.clear(), synd.clear(), stories.clear()

    counts: dict[str, int] = {}
    for i in range(n):
        big = i % BIG_EVERY == BIG_EVERY - 1
        k = i // STORY_SIZE
        sid = big_id if big else f"s{k:016x}"
        matter = (0 if big else k) % MATTERS
        reports = base[matter]
        b, t = reports[i % len(reports)]
        when = _EPOCH + timedelta(days=_SPAN_DAYS * i / n, minutes=rng.randrange(600))
        aid = f"{i:016x}"
        before = last_in.get(sid)
        copy = before is not None and rng.random() < 0.05
        a = dataclasses.replace(
            b, id=aid, source=f"{aid}.txt", sources=[f"{aid}.txt"], outlet=f"outlet{rng.randrange(OUTLETS)}.id",
            published=when.isoformat(timespec="minutes") + "+07:00", story=sid,
            duplicate_of=before.id if copy and before else None,
        )  # fmt: skip
        if copy and before:
            for p in range(min(3, len(a.paragraphs), len(before.paragraphs))):
                synd += [Syndication(aid, p, before.id, p, 0.9), Syndication(before.id, p, aid, p, 0.9)]
        last_in[sid] = a
        chunk.append(a)
        terms[aid] = t
        counts[sid] = counts.get(sid, 0) + 1
        row = stories.get(sid)
        line = big_id if big else f"s{(k // LINE_STORIES) * LINE_STORIES:016x}"
        outlets = sorted({*(row.outlets if row else ()), a.outlet or ""})
        first = row.first_published if row else None
        stories[sid] = StoryWrite(sid, line, b.title, counts[sid], first or a.published, a.published, ["id"],
                                  outlets, {}, None, i)  # fmt: skip
        if big and row is None:
            # The big story's row is rewritten each chunk: keep its first day and its outlets.
            old = store.story_state(sid)
            if old is not None:
                stories[sid] = dataclasses.replace(stories[sid], first_published=old.first_published,
                                                   outlets=sorted({*old.outlets, *outlets}))  # fmt: skip
        if len(chunk) >= 5000:
            flush()
            print(f"  {i + 1} articles, {time.perf_counter() - start:.0f} s", flush=True)
    if chunk:
        flush()
    print(f"built {store.count_articles()} articles, {n_stories} stories in {time.perf_counter() - start:.0f} s",
          flush=True)  # fmt: skip
    store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"p50 {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms  max {ordered[-1]:6.1f} ms"
            f"  ({len(ordered)} requests)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="reuse (or create) the store here")
    parser.add_argument("--pages", type=int, default=40, help="pages of each type")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "pages.db")
        if not Path(db).exists() or open_store(db).count_articles() < args.n:
            build(db, args.n)
        store = SQLiteStore(db)  # migrated on open; the pages read through the server
        rng = random.Random(7)
        story_ids = [r[0] for r in store.db.execute("SELECT id FROM stories ORDER BY id")]
        stories = ["sbig000000000000", *rng.sample([s for s in story_ids if s != "sbig000000000000"],
                                                   args.pages - 1)]  # fmt: skip
        top = [r[0] for r in store.db.execute(
            "SELECT entity FROM (SELECT entity, count(*) AS n FROM article_entities GROUP BY entity)"
            " ORDER BY n DESC LIMIT 5")]  # fmt: skip
        every = [r[0] for r in store.db.execute("SELECT DISTINCT entity FROM article_entities")]
        entities = [*top, *rng.sample([e for e in every if e not in top], args.pages - len(top))]
        sizes = dict(store.db.execute(
            f"SELECT entity, count(*) FROM article_entities WHERE entity IN ({','.join('?' * len(entities))})"
            " GROUP BY entity", entities))  # fmt: skip
        outlets = rng.sample([f"outlet{k}.id" for k in range(OUTLETS)], min(args.pages, OUTLETS))
        print(f"{store.count_articles()} articles; entities sampled: {len(entities)}, named in "
              f"{min(sizes.values())} to {max(sizes.values())} articles (median "
              f"{statistics.median(sizes.values()):.0f}); {len(outlets)} outlets", flush=True)  # fmt: skip
        store.close()

        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "kabar", "serve", "--db", db, "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(300):
                    try:
                        client.get("/api/stories?per_page=1")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                kinds = {
                    "story": [f"/stories/{s}" for s in stories],
                    "entity": [f"/entities/{quote(e, safe='')}" for e in entities],
                    "outlet": [f"/outlets/{quote(o, safe='')}" for o in outlets],
                }
                for kind, urls in kinds.items():
                    for prefix in ("", "/api"):
                        client.get(prefix + urls[-1])  # warm-up: imports, models, page cache
                        samples = []
                        for _ in range(args.rounds):
                            for url in urls:
                                t0 = time.perf_counter()
                                response = client.get(prefix + url)
                                samples.append((time.perf_counter() - t0) * 1000)
                                if response.status_code != 200:
                                    raise SystemExit(f"{prefix + url}: {response.status_code}")
                        label = f"{kind} {'JSON' if prefix else 'page'}"
                        print(f"{label:<12} {_summary(samples)}", flush=True)
                big = [0.0] * 3
                for r in range(3):
                    t0 = time.perf_counter()
                    client.get("/stories/sbig000000000000")
                    big[r] = (time.perf_counter() - t0) * 1000
                print(f"the 5,000-article story's page alone: {', '.join(f'{x:.0f}' for x in big)} ms")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
