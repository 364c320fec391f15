"""Benchmark: the story stage's memory and latency on a month-long monitor feed (issue 15).

    uv run python bench/memory_stream.py --days 30 --per-day 10000 --seed 1 [--no-embed] [--unbounded]
        [--active-days D] [--active-recent N] [--active-max N] [--restart-daily] [--blas-threads 1]
    uv run python bench/memory_stream.py --compare 3 3000 [--seed 1] [--no-embed] [--active-max N]

The whole text path runs ~60 articles/s on one core here, so a month of 10,000 articles a
day cannot go through it. This drives the REAL story stage instead: `StoryStage` over a
real `SQLiteStore` in a temporary folder, one chunk (`pipeline.CHUNK_SIZE` articles, in
publication order) per transaction, with the story and article rows written by
`save_chunk` as `pipeline._commit_chunk` writes them, so stories leave memory by the
stage's own sweep (`StoryIndex._expire`) and storyline links read them back from the store.
Copy detection, cleaning and extraction are not run.

The feature records are derived from REAL articles. Once, in a child process (so the
models it loads do not count in the stream's memory), IndoSum dev, NeuS dev and the ECB+
dev documents are ingested by `pipeline.run` and the `ArticleFeatures` it computes are kept
(title embeddings too, unless --no-embed), compactly, in a cache under the temp folder.
From them the feed is synthesised, deterministically from --seed:

* a story takes one real article as its template and keeps a random three quarters of
  its stems and names, and 30 % of those of a second real article of the same language
  (so stories built on one template differ, as two events of one kind do), plus
  story-unique tokens: two stems, one name and, for half of them, a figure;
* a member keeps a random three quarters of its story's stems and names and 80 % of the
  unique tokens, takes five stems of a random other article as noise, and its title
  embedding is the template's (plus 0.4 of the second article's) with story-level and
  member-level Gaussian jitter;
* sizes are heavy-tailed: a share --singletons of the stories are single articles, the
  others 2 + a Pareto(1.3) draw (capped at 3,000); a story lasts hours to days (log-normal,
  longer for larger stories) and its members come early in its life more often than late;
* 5 % of the articles are wire copies: the identical features (and title) of an earlier
  member of their story, published later;
* story starts are spread uniformly over the stream (from two days before it, so the first
  days are not quieter), and each article carries its publication day and, for half of
  them, the day its story began as a named day. Articles from 500 outlets.

Prints per day: articles, active stories in memory, stories in total, every story's
storyline entry (kept for all time), RSS now, assignment p50/p99 that day; at the end peak
RSS, overall assignment p50/p99/max, the story stage's articles/s (and with the store
writes), how often it read the store (story states, recall searches), Python's full
garbage collections (the longest pause is usually the longest assignment), the singleton
and wire shares produced, and B³ against the synthetic gold. BLAS runs on one thread
(--blas-threads 0 for the library's default). --active-days/--active-recent/--active-max
set those `kabar.stories` constants for the run (a cap a small stream reaches);
--unbounded sets all three so high that nothing leaves memory. --restart-daily makes a
new `StoryStage` each day, loaded from the store, as a daily `kabar ingest` would.

--compare DAYS PER_DAY runs the smaller stream twice, bounded (the shipped constants, or
the ones given) and --unbounded, each in a fresh child process, and prints both B³ and
their difference.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from kabar import pipeline, stories
from kabar.evaluate import bcubed
from kabar.model import Article, ArticleFeatures, ChunkWrite
from kabar.stages import StoryUpdates
from kabar.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CACHE = Path(tempfile.gettempdir()) / "kabar-memory-stream"
EPOCH = datetime(2024, 3, 1, tzinfo=UTC)  # the stream's first day
DAY = 86_400

SINGLETONS = 0.70  # share of stories that are one article
PARETO_ALPHA = 1.3  # the tail of the other stories' sizes
MAX_SIZE = 3_000
LIFETIME_HOURS = 8.0  # median lifetime of a two-article story
LIFETIME_SIGMA = 1.0
MAX_LIFETIME_DAYS = 10.0
WIRE_SHARE = 0.05
LEAD_IN_DAYS = 2  # stories start from this long before the stream
OUTLETS = 500
STORY_KEEP = 0.75  # of the template's stems and names, per story
SECOND_KEEP = 0.3  # of the second article's, per story
SECOND_WEIGHT = 0.4  # of the second article's title embedding
MEMBER_KEEP = 0.75  # of the story's stems and names, per member
UNIQUE_KEEP = 0.8  # of the story-unique tokens, per member
NOISE_TERMS = 5
STORY_JITTER = 0.5  # Gaussian jitter of the embedding, relative to the unit template vector
MEMBER_JITTER = 0.6


# --- templates: real articles' features, computed once --------------------------------------


@dataclass
class Templates:
    """Story features of real articles, as flat arrays over two vocabularies."""

    terms: list[str]
    names: list[str]
    term_off: np.ndarray
    term_ids: np.ndarray
    term_counts: np.ndarray
    title_ids: list[np.ndarray]
    ent_off: np.ndarray
    ent_ids: np.ndarray
    ent_counts: np.ndarray
    language: list[str]
    embeddings: np.ndarray | None
    corpora: dict[str, int]

    def __len__(self) -> int:
        return len(self.language)


def _inputs(tmp: Path) -> list[str]:
    """IndoSum dev and NeuS dev as JSONL files kabar ingests, and the ECB+ dev documents."""
    indosum = tmp / "indosum.jsonl"
    with open(DATA / "indosum-dev" / "articles.jsonl", encoding="utf-8") as src, open(indosum, "w") as out:
        for line in src:
            r = json.loads(line)
            stamp = r["id"].split("-", 1)[0]  # the id's prefix is a Unix timestamp
            published = datetime.fromtimestamp(int(stamp), UTC).isoformat() if stamp.isdigit() else None
            out.write(json.dumps({"id": r["id"], "text": "\n\n".join(r["paragraphs"]), "outlet": r.get("source"),
                                  "published": published}, ensure_ascii=False) + "\n")  # fmt: skip
    neus = tmp / "neus.jsonl"
    with open(DATA / "neus-dev" / "articles.jsonl", encoding="utf-8") as src, open(neus, "w") as out:
        for line in src:
            r = json.loads(line)
            if r["text"].strip():
                out.write(json.dumps({"id": r["id"], "title": r["title"], "text": r["text"], "language": "en"}) + "\n")
    return [str(indosum), str(neus), str(DATA / "ecbplus-dev" / "docs")]


def build_templates(path: Path, embed: bool) -> None:
    """Ingest the real corpora once and keep the story features the pipeline computes."""
    captured: dict[str, ArticleFeatures] = {}
    original = pipeline.featurize

    def capture(articles: list[Article], embedder: Any, docs: Any = None) -> list[ArticleFeatures]:
        feats: list[ArticleFeatures] = original(articles, embedder, docs)
        for a, f in zip(articles, feats, strict=True):
            captured[a.source] = f
        return feats

    pipeline.featurize = capture
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        paths = _inputs(Path(tmp))
        store = SQLiteStore(str(Path(tmp) / "templates.db"))
        pipeline.run(paths, store, embed=embed, extract=False)
        store.close()
    pipeline.featurize = original
    terms: dict[str, int] = {}
    names: dict[str, int] = {}
    t_off, t_ids, t_counts, e_off, e_ids, e_counts = [0], array("i"), array("i"), [0], array("i"), array("i")
    titles: list[np.ndarray] = []
    language: list[str] = []
    vectors: list[np.ndarray] = []
    corpora: dict[str, int] = {}
    for source in sorted(captured):
        f = captured[source]
        if len(f.terms) < 5 or (embed and f.embedding is None):
            continue
        corpus = "ecbplus" if "/ecbplus-dev/" in source else Path(source.split("#")[0]).stem
        corpora[corpus] = corpora.get(corpus, 0) + 1
        for t, n in sorted(f.terms.items()):
            t_ids.append(terms.setdefault(t, len(terms)))
            t_counts.append(n)
        t_off.append(len(t_ids))
        titles.append(np.array([terms[t] for t in f.title_terms if t in terms], dtype=np.int32))
        for e, n in sorted(f.entities.items()):
            e_ids.append(names.setdefault(e, len(names)))
            e_counts.append(n)
        e_off.append(len(e_ids))
        language.append(f.language)
        if embed:
            vectors.append(np.asarray(f.embedding, dtype=np.float32))
    out = Templates(
        terms=list(terms), names=list(names),
        term_off=np.array(t_off, dtype=np.int64), term_ids=np.frombuffer(t_ids, dtype=np.int32).copy(),
        term_counts=np.frombuffer(t_counts, dtype=np.int32).copy(), title_ids=titles,
        ent_off=np.array(e_off, dtype=np.int64), ent_ids=np.frombuffer(e_ids, dtype=np.int32).copy(),
        ent_counts=np.frombuffer(e_counts, dtype=np.int32).copy(), language=language,
        embeddings=np.stack(vectors) if embed else None, corpora=corpora,
    )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump(vars(out), fh)  # plain types: the class's module differs between scripts
    print(f"templates: {len(out)} real articles {corpora} in {time.perf_counter() - started:.0f} s -> {path}")


def load_templates(embed: bool) -> Templates:
    path = CACHE / f"templates-{'embed' if embed else 'noembed'}.pkl"
    if not path.exists():  # in a child, so the models it loads stay out of this process's memory
        child = multiprocessing.get_context("spawn").Process(target=build_templates, args=(path, embed))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"building the templates failed ({child.exitcode})")
    with open(path, "rb") as fh:
        return Templates(**pickle.load(fh))


# --- the synthetic feed ------------------------------------------------------------------


@dataclass
class Feed:
    """The stream's plan, one row per article in publication order (compact arrays)."""

    story: np.ndarray  # gold story index
    member: np.ndarray  # the member whose features it carries (an earlier one for a wire copy)
    wire: np.ndarray  # bool
    time: np.ndarray  # seconds from EPOCH
    start: np.ndarray  # per story: seconds from EPOCH (may be before it)


def plan(days: int, per_day: int, seed: int, singletons: float) -> Feed:
    """Stories with heavy-tailed sizes and lifetimes, until the stream holds days × per_day articles.

    Stories start uniformly over the stream (and its lead-in), independently, so the ones
    kept are a prefix of those drawn: every day is about as full as the others."""
    rng = np.random.default_rng(seed)
    end = days * DAY
    want = days * per_day
    owners, ranks, times, wires, starts = [], [], [], [], []
    n_stories = have = 0
    while have < want:
        batch = max(1000, (want - have) // 4)
        single = rng.random(batch) < singletons
        tail = np.floor(2 * (1 - rng.random(batch)) ** (-1 / PARETO_ALPHA)).astype(np.int64)
        size = np.where(single, 1, np.minimum(tail, MAX_SIZE))
        start = rng.uniform(-LEAD_IN_DAYS * DAY, end, batch)
        life = np.minimum(
            np.exp(rng.normal(np.log(LIFETIME_HOURS), LIFETIME_SIGMA, batch)) * (size / 2) ** 0.4 * 3600,
            MAX_LIFETIME_DAYS * DAY,
        )
        total = int(size.sum())
        owner = np.repeat(np.arange(batch), size)
        first = np.repeat(np.concatenate([[0], np.cumsum(size)[:-1]]), size)
        member = np.arange(total) - first
        t = start[owner] + np.where(member == 0, 0.0, rng.random(total) ** 1.5 * life[owner])
        order = np.lexsort((t, owner))  # by story, then publication time
        t = t[order]
        rank = member  # owners are already grouped, so the k-th by time is rank k
        # A wire copy carries the identical features of an earlier member (by publication order).
        wire = (rank > 0) & (rng.random(total) < WIRE_SHARE * total / max(1, int((rank > 0).sum())))
        carried = rank.copy()
        pick = rng.random(total)
        for i in np.flatnonzero(wire):
            carried[i] = carried[first[i] + int(pick[i] * rank[i])]
        keep = (t >= 0) & (t < end)
        owners.append(owner[keep] + n_stories)
        ranks.append(carried[keep])
        times.append(t[keep])
        wires.append(wire[keep])
        starts.append(start)
        n_stories += batch
        have += int(keep.sum())
    story = np.concatenate(owners)
    cut = int(np.searchsorted(np.cumsum(np.bincount(story, minlength=n_stories)), want))  # the last story kept
    kept = story <= cut
    order = np.argsort(np.concatenate(times)[kept], kind="stable")
    return Feed(
        story=story[kept][order].astype(np.int32),
        member=np.concatenate(ranks)[kept][order].astype(np.int32),
        wire=np.concatenate(wires)[kept][order],
        time=np.concatenate(times)[kept][order].astype(np.int64),
        start=np.concatenate(starts).astype(np.int64),
    )


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n else v


class Synth:
    """Feature records of the feed's articles, made on demand (a month of them at once would
    take gigabytes of this process's memory, and the point is to measure the stage's)."""

    def __init__(self, templates: Templates, feed: Feed, seed: int) -> None:
        self.t = templates
        self.feed = feed
        self.seed = seed
        # Each story's template, and a second article of its language that it borrows from.
        rng = np.random.default_rng([seed, 3])
        n_stories = len(feed.start)
        self.template = rng.integers(0, len(templates), n_stories)
        self.second = np.zeros(n_stories, dtype=np.int64)
        language = np.array(templates.language)
        for code in sorted(set(templates.language)):
            pool, mine = np.flatnonzero(language == code), language[self.template] == code
            self.second[mine] = pool[rng.integers(0, len(pool), int(mine.sum()))]

    def _sample(
        self, template: int, story_keep: float, srng: np.random.Generator, mrng: np.random.Generator
    ) -> tuple[dict[str, int], dict[str, int]]:
        """The stems and names of `template` a member keeps: those its story keeps (`srng`,
        the same for every member) that the member keeps too (`mrng`)."""
        t = self.t
        lo, hi = t.term_off[template], t.term_off[template + 1]
        ids, counts = t.term_ids[lo:hi], t.term_counts[lo:hi]
        keep = (srng.random(len(ids)) < story_keep) & (mrng.random(len(ids)) < MEMBER_KEEP)
        terms = {t.terms[k]: int(n) for k, n in zip(ids[keep], counts[keep], strict=True)}
        lo, hi = t.ent_off[template], t.ent_off[template + 1]
        ids, counts = t.ent_ids[lo:hi], t.ent_counts[lo:hi]
        keep = (srng.random(len(ids)) < story_keep) & (mrng.random(len(ids)) < MEMBER_KEEP)
        return terms, {t.names[k]: int(n) for k, n in zip(ids[keep], counts[keep], strict=True)}

    def article(self, i: int) -> tuple[Article, ArticleFeatures]:
        feed, t = self.feed, self.t
        story, member = int(feed.story[i]), int(feed.member[i])
        template = int(self.template[story])
        srng = np.random.default_rng([self.seed, 1, story])
        mrng = np.random.default_rng([self.seed, 2, story, member])
        terms, entities = self._sample(template, STORY_KEEP, srng, mrng)
        second_terms, second_entities = self._sample(int(self.second[story]), SECOND_KEEP, srng, mrng)
        for k, n in second_terms.items():
            terms.setdefault(k, n)
        for k, n in second_entities.items():
            entities.setdefault(k, n)
        tag = np.base_repr(story, 36).lower()
        unique = mrng.random(4) < UNIQUE_KEEP
        if unique[0]:
            terms[f"zq{tag}a"] = 2
        if unique[1]:
            terms[f"zq{tag}b"] = 1
        if unique[2]:
            entities[f"zq{tag} name"] = 2
        if unique[3] and story % 2:
            entities[f"#{10 + story % 99_991}"] = 1
        other = int(mrng.integers(0, len(t)))
        olo, ohi = t.term_off[other], t.term_off[other + 1]
        if ohi > olo:
            for k in mrng.choice(t.term_ids[olo:ohi], size=min(NOISE_TERMS, int(ohi - olo)), replace=False):
                terms.setdefault(t.terms[k], 1)
        title_terms = sorted(t.terms[k] for k in t.title_ids[template] if t.terms[k] in terms)
        day = int(feed.time[i] // DAY)
        start_day = int(feed.start[story] // DAY)
        ord0 = EPOCH.toordinal()
        days = {(ord0 + day, ord0 + day)}
        marks: tuple[str, ...] = ()
        if member % 2 == 0:  # names the day the story began ("Selasa (14/11)")
            days.add((ord0 + start_day, ord0 + start_day))
            marks = (date.fromordinal(ord0 + start_day).strftime("%m-%d"),)
        embedding = None
        if t.embeddings is not None:
            dim = t.embeddings.shape[1]
            s_noise = np.asarray(srng.standard_normal(dim), dtype=np.float32) / np.sqrt(dim)
            m_noise = np.asarray(mrng.standard_normal(dim), dtype=np.float32) / np.sqrt(dim)
            jittered = (
                t.embeddings[template] + SECOND_WEIGHT * t.embeddings[int(self.second[story])]
                + STORY_JITTER * s_noise + MEMBER_JITTER * m_noise
            )  # fmt: skip
            embedding = _unit(jittered).astype(np.float32)  # as `features.centred` gives them
        aid = f"a{i:07d}"
        published = (EPOCH + timedelta(seconds=int(feed.time[i]))).isoformat()
        article = Article(
            id=aid, source=f"feed#{aid}", url=None, outlet=f"outlet{int(mrng.integers(0, OUTLETS))}",
            title=f"t{template} s{story} m{member}", published=published, language=t.language[template],
            dateline=None, paragraphs=[],
        )  # fmt: skip
        features = ArticleFeatures(
            article_id=aid, language=t.language[template], terms=terms, title_terms=title_terms,
            entities=entities, days=sorted(days), embedding=embedding, day_marks=marks,
        )  # fmt: skip
        return article, features


# --- the run -----------------------------------------------------------------------------


def kabar_source() -> str:
    """Where kabar was imported from, and the commit when that is this checkout."""
    import kabar

    path = Path(kabar.__file__).resolve().parent
    if path != ROOT / "src" / "kabar":
        return str(path)
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "src"], capture_output=True, text=True).stdout.strip()
    return f"{path} at {commit}" + (" (src has uncommitted changes)" if dirty else "")


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    """The process's peak RSS so far (`getrusage` maxrss)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    """Wall time of every `StoryIndex.assign` call, how often the stage reads the store
    (story states read back, and searches for an article's stored stories), wrapped on the
    classes, and the pauses of Python's full (generation 2) garbage collections."""

    def __init__(self) -> None:
        self.seconds = array("d")
        self.gc_pauses = array("d")
        self._gc_start = 0.0
        self.reads: dict[str, int] = {"_read_state": 0, "_recall": 0}
        self.originals: list[tuple[type, str, Any]] = [(stories.StoryIndex, "assign", stories.StoryIndex.assign)]
        self.originals += [(stories.StoryStage, n, getattr(stories.StoryStage, n))
                           for n in self.reads if hasattr(stories.StoryStage, n)]  # fmt: skip

    def __enter__(self) -> Timer:
        seconds, reads = self.seconds, self.reads
        for owner, name, original in self.originals:
            if name == "assign":

                def timed(index: Any, f: ArticleFeatures, article: Any, original: Any = original) -> Any:
                    t0 = time.perf_counter()
                    try:
                        return original(index, f, article)
                    finally:
                        seconds.append(time.perf_counter() - t0)

                setattr(owner, name, timed)
            else:

                def counted(stage: Any, *args: Any, original: Any = original, name: str = name) -> Any:
                    reads[name] += 1
                    return original(stage, *args)

                setattr(owner, name, counted)
        gc.callbacks.append(self._gc)
        return self

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                self._gc_start = time.perf_counter()
            else:
                self.gc_pauses.append(time.perf_counter() - self._gc_start)

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._gc)
        for owner, name, original in self.originals:
            setattr(owner, name, original)


def _chunks(n: int, size: int) -> Iterator[range]:
    for lo in range(0, n, size):
        yield range(lo, min(n, lo + size))


def run_stream(args: argparse.Namespace, days: int, per_day: int) -> dict[str, Any]:
    """Stream the feed through the story stage; print a line a day; return the figures."""
    for name in ("active_days", "active_recent", "active_max"):
        if getattr(args, name) is not None:
            setattr(stories, name.upper(), getattr(args, name))
    if args.unbounded:  # nothing leaves memory
        stories.ACTIVE_DAYS, stories.ACTIVE_RECENT = 10**9, 10**12
        if hasattr(stories, "ACTIVE_MAX"):
            stories.ACTIVE_MAX = 10**12
    embed = not args.no_embed
    templates = load_templates(embed)
    feed = plan(days, per_day, args.seed, args.singletons)
    synth = Synth(templates, feed, args.seed)
    n = len(feed.story)
    gc.collect()
    base = rss_mb()
    print(f"{n:,} articles over {days} days from {len(templates):,} real templates {templates.corpora}; "
          f"embeddings {'on' if embed else 'off'}; ACTIVE_DAYS {stories.ACTIVE_DAYS}, "
          f"ACTIVE_RECENT {stories.ACTIVE_RECENT}, ACTIVE_MAX {getattr(stories, 'ACTIVE_MAX', '-')}, "
          f"EXPIRE_EVERY {stories.EXPIRE_EVERY}; "
          f"RSS before the stream {base:.0f} MB", flush=True)  # fmt: skip
    predicted = np.full(n, -1, dtype=np.int64)  # the story each article was put in, as an article index
    redirects: dict[str, str] = {}  # merged story -> the story it went into, as the store keeps them
    made = merged = 0
    stage_seconds = write_seconds = synth_seconds = load_seconds = 0.0
    print(" day  articles  active stories  stories total  line entries   RSS MB  assign p50 ms  p99 ms", flush=True)
    with tempfile.TemporaryDirectory() as tmp, Timer() as timer:
        store = SQLiteStore(str(Path(tmp) / "memory.db"))
        stage = stories.StoryStage(store)
        day_of = feed.time // DAY
        day_first_assign = 0
        day_articles = 0
        current_day = 0

        def day_line(day: int) -> None:
            nonlocal day_first_assign, day_articles
            ms = np.frombuffer(timer.seconds, dtype=np.float64)[day_first_assign:] * 1000
            index = stage.index
            active = len(index.stories) if index else 0
            lines = len(index.line_entities) if index else 0
            row = {"day": day + 1, "articles": day_articles, "active": active, "stories": made - merged,
                   "line_entries": lines, "rss_mb": round(rss_mb()),
                   "p50_ms": float(np.percentile(ms, 50)) if len(ms) else 0.0,
                   "p99_ms": float(np.percentile(ms, 99)) if len(ms) else 0.0}  # fmt: skip
            print(f"{row['day']:>4}{day_articles:>10,}{active:>16,}{row['stories']:>15,}{lines:>14,}"
                  f"{row['rss_mb']:>9,}{row['p50_ms']:>15.2f}{row['p99_ms']:>8.2f}", flush=True)  # fmt: skip
            day_first_assign = len(timer.seconds)
            day_articles = 0

        started = time.perf_counter()
        for chunk in _chunks(n, pipeline.CHUNK_SIZE):
            first_day = int(day_of[chunk[0]])
            if first_day != current_day:
                day_line(current_day)
                current_day = first_day
                if args.restart_daily:  # a new `kabar ingest` run: the stage loads from the store
                    stage = stories.StoryStage(store)
                    gc.collect()
                    t0 = time.perf_counter()
                    stage.index = stage._load()
                    load_seconds += time.perf_counter() - t0
            t0 = time.perf_counter()
            pairs = [synth.article(i) for i in chunk]
            synth_seconds += time.perf_counter() - t0
            articles = [a for a, _ in pairs]
            t0 = time.perf_counter()
            updates = StoryUpdates()
            stage.process(articles, [f for _, f in pairs], updates)
            stage_seconds += time.perf_counter() - t0
            t0 = time.perf_counter()
            write = ChunkWrite(articles=articles)
            # The search index rows `pipeline.index_terms` would give (stemmed title, body):
            # the story stage reads stories back through them (`stories_about`).
            write.search_terms = {a.id: (" ".join(f.title_terms), " ".join(f.terms)) for a, f in pairs}
            updates.fold(articles, write)
            store.save_chunk(write)
            write_seconds += time.perf_counter() - t0
            made += sum(1 for a in articles if a.story == f"s{a.id}")
            merged += len(updates.merges)
            redirects.update((m.merged, m.into) for m in updates.merges)
            for i, a in zip(chunk, articles, strict=True):
                predicted[i] = int(str(a.story)[2:])  # story ids are "s" + the first article's id
            day_articles += len(chunk)
        day_line(current_day)
        elapsed = time.perf_counter() - started
        stream_peak = peak_mb()  # before the scoring below, whose dicts are the harness's
        store.close()

    def resolve(story: str) -> str:
        while story in redirects:
            story = redirects[story]
        return story

    resolved = {f"a{i:07d}": resolve(f"sa{p:07d}") for i, p in enumerate(predicted)}
    gold = {f"a{i:07d}": str(s) for i, s in enumerate(feed.story)}
    p, r, f1 = bcubed(resolved, gold)
    ms = np.frombuffer(timer.seconds, dtype=np.float64) * 1000
    sizes = np.bincount(np.unique(feed.story, return_inverse=True)[1])
    figures = {
        "articles": n, "days": days, "per_day": per_day, "embed": embed,
        "active_days": stories.ACTIVE_DAYS, "active_recent": stories.ACTIVE_RECENT,
        "active_max": getattr(stories, "ACTIVE_MAX", None),
        "rss_before_stream_mb": round(base), "peak_rss_mb": round(stream_peak),
        "peak_rss_with_scoring_mb": round(peak_mb()),
        "assign_p50_ms": round(float(np.percentile(ms, 50)), 3),
        "assign_p99_ms": round(float(np.percentile(ms, 99)), 3),
        "assign_max_ms": round(float(ms.max()), 1),
        "stage_articles_per_s": round(n / stage_seconds),
        "with_store_writes_per_s": round(n / (stage_seconds + write_seconds)),
        "synthesis_s": round(synth_seconds), "elapsed_s": round(elapsed),
        "gold_stories": len(sizes), "singleton_story_share": round(float((sizes == 1).mean()), 4),
        "singleton_article_share": round(float((sizes == 1).sum() / n), 4),
        "largest_gold_story": int(sizes.max()), "wire_share": round(float(feed.wire.mean()), 4),
        "predicted_stories": made - merged,
        "bcubed_precision": round(p, 4), "bcubed_recall": round(r, 4), "bcubed_f1": round(f1, 4),
    }  # fmt: skip
    figures["full_gc_count"] = len(timer.gc_pauses)
    figures["full_gc_max_ms"] = round(max(timer.gc_pauses, default=0.0) * 1000, 1)
    figures["full_gc_total_s"] = round(sum(timer.gc_pauses), 1)
    figures["story_states_read"] = timer.reads["_read_state"]
    figures["recall_searches"] = timer.reads["_recall"]
    if args.restart_daily:
        figures["load_seconds_total"] = round(load_seconds, 1)
    print(
        f"peak RSS {figures['peak_rss_mb']:,} MB (before the stream {base:.0f} MB); assignment p50 "
        f"{figures['assign_p50_ms']} ms, p99 {figures['assign_p99_ms']} ms, max {figures['assign_max_ms']} ms; "
        f"story stage {figures['stage_articles_per_s']:,} articles/s "
        f"({figures['with_store_writes_per_s']:,}/s with the store writes); elapsed {elapsed:.0f} s; "
        f"store reads: {timer.reads['_read_state']:,} story states, {timer.reads['_recall']:,} recall searches; "
        f"{len(timer.gc_pauses)} full garbage collections, the longest {figures['full_gc_max_ms']} ms"
    )
    print(
        f"gold: {len(sizes):,} stories, singletons {figures['singleton_story_share']:.1%} of stories "
        f"({figures['singleton_article_share']:.1%} of articles), largest {figures['largest_gold_story']:,}, "
        f"wire copies {figures['wire_share']:.1%}; predicted {made - merged:,} stories; "
        f"B3 P {p:.4f} R {r:.4f} F1 {f1:.4f}"
    )
    print("FIGURES " + json.dumps(figures), flush=True)
    return figures


def compare(args: argparse.Namespace) -> None:
    """The smaller stream bounded and unbounded, each in its own process (so neither's
    memory or module constants reach the other)."""
    days, per_day = args.compare
    common = ["--days", str(days), "--per-day", str(per_day), "--seed", str(args.seed),
              "--singletons", str(args.singletons), "--blas-threads", str(args.blas_threads)]  # fmt: skip
    if args.no_embed:
        common.append("--no-embed")
    bounded = []
    for name in ("active_days", "active_recent", "active_max"):
        if getattr(args, name) is not None:
            bounded += ["--" + name.replace("_", "-"), str(getattr(args, name))]
    results = {}
    for name, extra in (("bounded", bounded), ("unbounded", ["--unbounded"])):
        print(f"== {name}", flush=True)
        proc = subprocess.run([sys.executable, __file__, *common, *extra], capture_output=True, text=True)
        print(proc.stdout, end="", flush=True)
        if proc.returncode:
            raise SystemExit(f"the {name} run failed:\n{proc.stderr}")
        line = next(x for x in proc.stdout.splitlines() if x.startswith("FIGURES "))
        results[name] = json.loads(line[len("FIGURES ") :])
    print("\n            B3 P     B3 R     B3 F1   stories  peak RSS MB  p99 ms")
    for name, r in results.items():
        print(f"{name:<10}{r['bcubed_precision']:>8.4f}{r['bcubed_recall']:>9.4f}{r['bcubed_f1']:>9.4f}"
              f"{r['predicted_stories']:>10,}{r['peak_rss_mb']:>13,}{r['assign_p99_ms']:>8.2f}")  # fmt: skip
    b, u = results["bounded"], results["unbounded"]
    print(f"{'difference':<10}{b['bcubed_precision'] - u['bcubed_precision']:>+8.4f}"
          f"{b['bcubed_recall'] - u['bcubed_recall']:>+9.4f}{b['bcubed_f1'] - u['bcubed_f1']:>+9.4f}"
          f"{b['predicted_stories'] - u['predicted_stories']:>+10,}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-embed", action="store_true")
    parser.add_argument("--unbounded", action="store_true", help="nothing leaves memory (ACTIVE_DAYS/RECENT/MAX huge)")
    parser.add_argument("--active-days", type=int, help="set stories.ACTIVE_DAYS for this run (diagnosis)")
    parser.add_argument("--active-recent", type=int, help="set stories.ACTIVE_RECENT for this run (diagnosis)")
    parser.add_argument(
        "--active-max", type=int, help="set stories.ACTIVE_MAX for this run (a cap a small stream reaches)"
    )
    parser.add_argument(
        "--restart-daily", action="store_true", help="a new StoryStage, loaded from the store, each day"
    )
    parser.add_argument("--singletons", type=float, default=SINGLETONS, help="share of stories drawn as one article")
    parser.add_argument("--compare", type=int, nargs=2, metavar=("DAYS", "PER_DAY"))
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="harness BLAS threads (0: default); the story stage pins one"
    )
    args = parser.parse_args()
    if args.compare:
        compare(args)
        return
    # One core, as the other throughput figures: on a busy two-core box a multi-threaded
    # matrix-vector product of the embedding search waits for its second thread.
    with threadpool_limits(limits=args.blas_threads or None, user_api="blas"):
        threads = ",".join(str(x["num_threads"]) for x in threadpool_info() if x["user_api"] == "blas")
        print(f"kabar from {kabar_source()}; BLAS threads {threads}; "
              f"load average before {Path('/proc/loadavg').read_text().split()[0]}")  # fmt: skip
        run_stream(args, args.days, args.per_day)


if __name__ == "__main__":
    main()
