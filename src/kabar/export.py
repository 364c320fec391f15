"""Export: the store as JSON Lines files other tools can read (docs/export-format.md);
and a story's read model, `StoryDetail` (its articles, facts, brief and storyline), built
once by `story_detail` for `kabar show`, GET /api/stories/{id} and the story page.

A story may hold 100,000 articles (a long-running matter). Its facts and brief are
gathered from a bounded, representative sample of them (`choose_articles`: originals
before copies, every outlet its share, each outlet's share spread over its time line),
read from the store in one query; records say how many articles they come from.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from kabar.brief import DEFAULT_SENTENCES, Brief
from kabar.brief import build as build_brief
from kabar.extract.story import facts
from kabar.model import Article, Story, StoryFacts, StoryQuote, StorySelection, Syndication
from kabar.query import Filters
from kabar.search import entity_keys, query_variants
from kabar.store import ReadStore, StoryMember

# Articles a story's facts and brief are read from. Every story of the demo, the seeds,
# ECB+ and NeuS (at most 103 articles) is read whole. Reading 300 articles takes ~0.9 s,
# their facts ~0.9 s and the brief ~0.5 s, whatever the story's size (a story of 100,000:
# `kabar show --json` 2.8 s at 141 MB peak RSS, bench/story_reads.py --story 100000).
STORY_SAMPLE = 300
# The timeline covers the storyline: the story itself and, of the other stories, the
# nearest in time, each through a sample of its articles. ECB+ storylines (up to 12
# stories of up to 27 articles) are read whole; a NeuS storyline has 922 stories, and
# reading them all made every one of its stories read the whole storyline.
STORYLINE_STORIES = 20
STORYLINE_ARTICLES = 30


def _day(published: str | None) -> int | None:
    try:
        return date.fromisoformat(published[:10]).toordinal() if published else None
    except ValueError:
        return None


def _spread(pool: Sequence[StoryMember], k: int) -> list[StoryMember]:
    """At most `k` of `pool`: each outlet (articles with none count as one) an equal share,
    an outlet with fewer articles leaving the rest to the others; an outlet's share spread
    evenly over its articles in publication order, its first and last included."""
    if len(pool) <= k:
        return list(pool)
    by_outlet: dict[str, list[StoryMember]] = {}
    for m in pool:
        by_outlet.setdefault((m.outlet or "").lower(), []).append(m)
    groups = [sorted(g, key=lambda m: (m.published is None, m.published or "", m.id)) for g in by_outlet.values()]
    groups.sort(key=lambda g: (len(g), g[0].published is None, g[0].published or "", g[0].id))
    chosen: list[StoryMember] = []
    left = k
    for n, group in enumerate(groups):
        take = min(len(group), left // (len(groups) - n))
        left -= take
        if take == 1:
            chosen.append(group[0])
        elif take > 1:
            chosen.extend(group[round(i * (len(group) - 1) / (take - 1))] for i in range(take))
    return chosen


def choose_articles(members: Sequence[StoryMember], limit: int) -> list[str]:
    """Ids of at most `limit` of a story's articles, in the members' order: all of them when
    there are no more; else the originals before copies (a copy repeats its original),
    spread over outlets and time (`_spread`). One sort: O(n log n)."""
    if len(members) <= limit:
        return [m.id for m in members]
    chosen = _spread([m for m in members if not m.duplicate_of], limit)
    if len(chosen) < limit:
        chosen += _spread([m for m in members if m.duplicate_of], limit - len(chosen))
    keep = {m.id for m in chosen}
    return [m.id for m in members if m.id in keep]


def story_articles(store: ReadStore, story: Story, limit: int = STORY_SAMPLE) -> list[Article]:
    """The story's articles, in ingest order: all of them, or `limit` chosen by
    `choose_articles` when it has more (`len(story.articles)` is how many it has)."""
    if len(story.articles) <= limit:
        return store.get_articles(story.articles)
    return store.get_articles(choose_articles(store.story_members(story.id), limit))


def story_facts(
    store: ReadStore, story: Story, articles: list[Article] | None = None,
    syndications: dict[str, list[Syndication]] | None = None,
) -> StoryFacts:
    """The story's entities, quotes with sources, claims with denials, and conflicts;
    `articles_read` of `articles_total` say how much of the story they come from.
    `syndications` of the articles, when the caller has read them already."""
    members = articles if articles is not None else story_articles(store, story)
    synd = syndications if syndications is not None else store.syndications([a.id for a in members])
    return facts(members, synd, total=len(story.articles))


def story_brief(store: ReadStore, story: Story, n_sentences: int = DEFAULT_SENTENCES,
                articles: list[Article] | None = None, line_stories: list[Story] | None = None,
                syndications: dict[str, list[Syndication]] | None = None) -> Brief:
    """The story's brief; its timeline covers the storyline (`line_stories`, read from the
    store when not given): the story and its STORYLINE_STORIES nearest others in time."""
    members = articles if articles is not None else story_articles(store, story)
    stories = line_stories if line_stories is not None else storyline_stories(store, story)
    here = _day(story.first_published)

    def distance(s: Story) -> tuple[bool, int, str]:
        day = _day(s.first_published)
        return (day is None or here is None, abs(day - here) if day is not None and here is not None else 0, s.id)

    nearest = {s.id for s in sorted((s for s in stories if s.id != story.id), key=distance)[:STORYLINE_STORIES]}
    line = [a for s in stories if s.id == story.id or s.id in nearest
            for a in (members if s.id == story.id else story_articles(store, s, STORYLINE_ARTICLES))]  # fmt: skip
    synd = syndications if syndications is not None else store.syndications([a.id for a in members])
    return build_brief(members, n_sentences, synd, storyline=line)


def storyline_stories(store: ReadStore, story: Story) -> list[Story]:
    """Every story of `story`'s storyline, itself included."""
    return store.list_stories(StorySelection(storyline=story.storyline))[0]


@dataclass(frozen=True, slots=True)
class StoryDetail:
    """One story as it is shown: `kabar show STORY` (table and --json), GET
    /api/stories/{id} and the story page all read this, built by `story_detail`.

    `articles` are the articles read (all, or a sample of a large story: `choose_articles`),
    in publication order (undated last); `facts` and `brief` come from them. `syndicated`
    counts each one's paragraphs shared with other outlets; `storyline` holds the other
    stories of its storyline, earliest first."""

    story: Story
    articles: tuple[Article, ...]
    syndicated: Mapping[str, int]
    facts: StoryFacts
    brief: Brief
    storyline: tuple[Story, ...]

    @property
    def articles_total(self) -> int:
        return len(self.story.articles)

    @property
    def articles_more(self) -> int:
        """The story's articles that are not listed (nor read for its facts and brief)."""
        return max(0, self.articles_total - len(self.articles))

    def to_record(self) -> dict[str, Any]:
        """The JSON of `kabar show STORY --json` and GET /api/stories/{id}: the story, its
        articles (with copies and shared paragraphs), its storyline, facts and brief."""
        record: dict[str, Any] = self.story.to_record()
        record["articles"] = [
            {"id": a.id, "outlet": a.outlet, "title": a.title, "published": a.published, "language": a.language,
             "duplicate_of": a.duplicate_of, "syndicated_paragraphs": self.syndicated[a.id]}
            for a in self.articles
        ]  # fmt: skip
        record["articles_total"] = self.articles_total
        record["articles_more"] = self.articles_more
        record["storyline_stories"] = [
            {"id": s.id, "title": s.title, "first_published": s.first_published, "last_published": s.last_published}
            for s in self.storyline
        ]
        record.update(self.facts.to_record())
        record["brief"] = self.brief.to_record()
        return record


def story_detail(store: ReadStore, story: Story, n_sentences: int = DEFAULT_SENTENCES) -> StoryDetail:
    """The story's read model. Its reads are bounded whatever the story's size: at most
    STORY_SAMPLE articles, read once for the facts and the brief; the storyline's stories,
    of which the timeline reads the STORYLINE_STORIES nearest; syndication in batches."""
    articles = story_articles(store, story)
    synd = store.syndications([a.id for a in articles])  # read once, for the facts, the brief and the counts
    found = story_facts(store, story, articles, synd)
    line = storyline_stories(store, story)
    made = story_brief(store, story, n_sentences, articles, line, synd)
    shared = {aid: len({s.paragraph for s in rows}) for aid, rows in synd.items()}
    return StoryDetail(
        story=story,
        articles=tuple(sorted(articles, key=lambda a: a.published or "9999")),
        syndicated=shared,
        facts=found,
        brief=made,
        storyline=tuple(sorted((s for s in line if s.id != story.id), key=lambda s: s.first_published or "")),
    )


def quotes_by_speaker(quotes: Sequence[StoryQuote], unnamed: str) -> list[tuple[str, list[StoryQuote]]]:
    """A story's quotes grouped by speaker (`unnamed` for those with none), the speaker
    with the most independently sourced quote first."""
    grouped: dict[str, list[StoryQuote]] = {}
    for q in quotes:
        grouped.setdefault(q.speaker or unnamed, []).append(q)
    return sorted(grouped.items(), key=lambda kv: -max(q.independent_sources for q in kv[1]))


def story_record(store: ReadStore, story: Story) -> dict[str, Any]:
    return {**story.to_record(), **story_facts(store, story).to_record()}


# --- Exports: `kabar export` and the download links (docs/export-format.md) ---
#
# What is exported is chosen article by article (`Selection`, its filters ANDed) and
# streamed: articles come a page at a time from the store's iterator, from a story's or a
# storyline's members, or from the search index's pages for a query; rows are written as
# they come (CSV and JSON Lines in ~1 MB pieces, Parquet one row group at a time), so
# memory does not grow with the store. Only the entity graph is held whole, within caps.


class ExportError(ValueError):
    """An export that cannot be made as asked: an unknown kind or format, a story or
    storyline that is not there, a date that is not ISO-8601. The message says which."""


class TableFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class GraphFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"


TABLE_FORMATS = tuple(f.value for f in TableFormat)
GRAPH_FORMATS = tuple(f.value for f in GraphFormat)
KINDS = ("articles", "stories", "quotes", "claims", "entities", "figures")
DEFAULT_KINDS = ("articles", "stories")
MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
}

# Column types. CSV: a scalar as text, null as an empty cell, a bool as true/false, a list
# ("strs", "json") as JSON text. Parquet: string, int64, float64, bool; "strs" a
# list<string>; "json" (lists of records) JSON text, its field marked {"encoding": "json"}.
Column = tuple[str, str]
_CONTEXT: tuple[Column, ...] = (
    ("article", "str"), ("story", "str"), ("outlet", "str"), ("published", "str"), ("language", "str"),
    ("url", "str"), ("duplicate_of", "str"), ("paragraph", "int"), ("index", "int"),
)  # fmt: skip
COLUMNS: dict[str, tuple[Column, ...]] = {
    "articles": (
        ("id", "str"), ("source", "str"), ("sources", "strs"), ("url", "str"), ("outlet", "str"), ("title", "str"),
        ("published", "str"), ("language", "str"), ("dateline", "str"), ("text", "str"), ("removed", "json"),
        ("time_mentions", "json"), ("story", "str"), ("duplicate_of", "str"), ("duplicate_similarity", "float"),
        ("entities", "json"), ("quotes", "json"), ("claims", "json"), ("numbers", "json"),
    ),
    "stories": (
        ("id", "str"), ("title", "str"), ("articles", "strs"), ("outlets", "strs"), ("languages", "strs"),
        ("first_published", "str"), ("last_published", "str"), ("storyline", "str"), ("entities", "json"),
        ("quotes", "json"), ("claims", "json"), ("conflicts", "json"), ("articles_read", "int"),
        ("articles_total", "int"), ("quotes_left_out", "int"), ("claims_left_out", "int"),
        ("figures_capped", "int"), ("conflicts_left_out", "int"),
    ),
    "quotes": (
        *_CONTEXT, ("speaker", "str"), ("speaker_entity", "str"), ("cue", "str"), ("kind", "str"),
        ("content", "str"), ("start", "int"), ("end", "int"), ("speaker_start", "int"), ("speaker_end", "int"),
        ("nested", "bool"),
    ),
    "claims": (
        *_CONTEXT, ("kind", "str"), ("holder", "str"), ("holder_entity", "str"), ("cue", "str"),
        ("content", "str"), ("start", "int"), ("end", "int"), ("denies", "int"), ("holder_start", "int"),
        ("holder_end", "int"),
    ),
    "entities": (*_CONTEXT, ("entity", "str"), ("text", "str"), ("label", "str"), ("start", "int"), ("end", "int")),
    "figures": (
        *_CONTEXT, ("text", "str"), ("low", "float"), ("high", "float"), ("qualifier", "str"), ("unit", "str"),
        ("counted", "str"), ("start", "int"), ("end", "int"), ("vague", "bool"),
    ),
}  # fmt: skip
# Where each per-article kind's records are in `Article.extraction_record()`.
_EXTRACTED = {"quotes": "quotes", "claims": "claims", "entities": "entities", "figures": "numbers"}

ARTICLE_BATCH = 500  # articles read per query, as `iter_articles` pages them
ID_PAGE = 5000  # article ids per search page (a query export)
STORY_PAGE = 500  # stories per listing page (an unfiltered stories export)
FLUSH_BYTES = 1 << 20  # a CSV or JSON Lines piece, and a stream's chunk
ROW_GROUP_ROWS = 10_000  # a Parquet row group: this many rows or ROW_GROUP_CHARS of text
ROW_GROUP_CHARS = 32 << 20
# The entity graph: per article, pairs among its PAIR_ENTITIES most mentioned entities;
# past NODE_CAP entities or EDGE_CAP pairs the lightest are dropped (`EntityGraph`).
PAIR_ENTITIES = 40
NODE_CAP = 100_000
EDGE_CAP = 500_000

_TIME = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


@dataclass(frozen=True, slots=True)
class Selection:
    """Which articles an export reads; every filter given must hold (AND). An empty
    string counts as not given.

    `query`: the full-text search (all its words, as `kabar search`); `since`/`until`:
    published from / up to (ISO date or time; `until` "2024-06" includes all of June; an
    undated article is left out by either); `story`: a story id, a prefix of one, or the
    id of a story since merged into another; `storyline`: a storyline id, or any of its
    stories' ids; `outlet`: the outlet, any case; `entity`: a name as written, with its
    aliases ("Korea Utara" is also "North Korea"), or a longer name holding it ("Poso"
    in "Kabupaten Poso"); `language`: a language code."""

    query: str | None = None
    since: str | None = None
    until: str | None = None
    story: str | None = None
    storyline: str | None = None
    outlet: str | None = None
    entity: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            object.__setattr__(self, f.name, (value.strip() or None) if isinstance(value, str) else None)

    @property
    def everything(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def describe(self) -> str:
        """The filters as `name=value; ...` ('' when there are none)."""
        return "; ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name))


@dataclass(frozen=True, slots=True)
class _Plan:
    """A selection resolved against the store: the story's current id, the storyline's
    stories, the entity's keys."""

    selection: Selection
    story: str | None
    line_stories: tuple[str, ...] | None
    entity_keys: tuple[str, ...] | None
    line_set: frozenset[str] = frozenset()

    def keeps(self, a: Article) -> bool:
        s = self.selection
        if self.story is not None and a.story != self.story:
            return False
        if self.line_stories is not None and a.story not in self.line_set:
            return False
        if s.since and not (a.published and a.published >= s.since):
            return False
        if s.until and not (a.published and a.published[: len(s.until)] <= s.until):
            return False
        if s.outlet and (a.outlet or "").lower() != s.outlet.lower():
            return False
        if s.language and a.language != s.language:
            return False
        return not self.entity_keys or _names(a, self.entity_keys)


def _names(article: Article, keys: Sequence[str]) -> bool:
    """Whether the article names one of these entity keys, or a longer name holding one as
    whole words: the store's entity filter (`SQLStore._filter_sql`), in Python."""
    wanted = [f" {k.lower()} " for k in keys]
    return any(w in f" {m.entity.lower()} " for m in article.entities for w in wanted)


def _check_time(name: str, value: str | None) -> None:
    if value is None or _TIME.fullmatch(value):
        return
    if value[10:11] in ("T", " ") and _TIME.fullmatch(value[:10]):
        try:
            datetime.fromisoformat(value)
            return
        except ValueError:
            pass
    raise ExportError(f"--{name} {value!r} is not an ISO date or time (2024-06-12, 2024-06, 2024-06-12T08:00)")


def plan(store: ReadStore, selection: Selection) -> _Plan:
    """`selection` checked and resolved against the store; ExportError if a date is not
    ISO-8601 or the story or storyline is not there."""
    _check_time("since", selection.since)
    _check_time("until", selection.until)
    story = None
    if selection.story:
        found = store.get_story(selection.story)
        if found is None:
            raise ExportError(f"no story {selection.story}")
        story = found.id
    line = _storyline_stories(store, selection.storyline) if selection.storyline else None
    keys = tuple(sorted(entity_keys(selection.entity))) if selection.entity else None
    return _Plan(selection, story, line, keys, frozenset(line or ()))


def _storyline_stories(store: ReadStore, ref: str) -> tuple[str, ...]:
    """The ids of a storyline's stories (`ref` is its id or one of its stories'), earliest first."""
    line = ref
    _, total = store.list_stories(StorySelection(storyline=line, limit=0))
    if not total:
        member = store.get_story(ref)
        if member is None:
            raise ExportError(f"no storyline {ref}")
        line = member.storyline
        _, total = store.list_stories(StorySelection(storyline=line, limit=0))
    found: list[tuple[bool, str, str]] = []
    for offset in range(0, total, STORY_PAGE):
        page, _ = store.list_stories(StorySelection(storyline=line, sort="largest", limit=STORY_PAGE, offset=offset))
        found += [(s.first_published is None, s.first_published or "", s.id) for s in page]
    return tuple(dict.fromkeys(sid for *_, sid in sorted(found)))


def selected_articles(store: ReadStore, selection: Selection) -> Iterator[Article]:
    """The articles `selection` picks, streamed: in ingest order (a story's or storyline's
    in theirs, story by story), or best match first for a query."""
    return _articles(store, plan(store, selection))


def _articles(store: ReadStore, p: _Plan) -> Iterator[Article]:
    s = p.selection
    ids: Iterable[str]
    if s.query is not None:
        ids = _search_ids(store, p)
    elif p.story is not None:
        ids = (m.id for m in store.story_members(p.story))
    elif p.line_stories is not None:
        ids = (m.id for sid in p.line_stories for m in store.story_members(sid))
    elif (indexed := _indexed_ids(store, _filters(p))) is not None:
        ids = indexed
    else:
        return (a for a in store.iter_articles() if p.keeps(a))
    return (a for batch in _batched(ids, ARTICLE_BATCH) for a in store.get_articles(batch) if p.keeps(a))


def _filters(p: _Plan) -> Filters:
    """The filters the store's indexes apply (search, `_indexed_ids`); `_Plan.keeps` applies all."""
    s = p.selection
    return Filters(since=s.since, until=s.until, outlet=s.outlet, language=s.language, entity=s.entity,
                   story=p.story, entity_keys=p.entity_keys)  # fmt: skip


def _indexed_ids(store: ReadStore, filters: Filters) -> Iterator[str] | None:
    """The ids of the articles `filters` pick, in ingest order, a page at a time from the
    indexes (publication time, outlet, the entity table) the search uses, so an entity's or
    an outlet's export does not read every article of the store; None with no filter (the
    store is read whole)."""
    if not any((filters.since, filters.until, filters.outlet, filters.language, filters.entity, filters.story)):
        return None

    def ids() -> Iterator[str]:
        after = 0
        while page := store.articles_after(after, None, "all", filters, ID_PAGE):
            yield from (aid for _, aid, _ in page)
            after = page[-1][0]

    return ids()


def _search_ids(store: ReadStore, p: _Plan) -> Iterator[str]:
    """A query's matches, best first, a page of ids at a time; the filters the index
    can apply go with it (the rest are `_Plan.keeps`)."""
    s = p.selection
    variants = query_variants(s.query or "")
    if not variants:
        return
    filters = _filters(p)
    offset = 0
    while True:
        hits, _ = store.search(variants, "all", filters, ID_PAGE, offset)
        yield from (aid for aid, _ in hits)
        if len(hits) < ID_PAGE:
            return
        offset += ID_PAGE


def _batched(items: Iterable[str], n: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def article_rows(kind: str, article: Article) -> Iterator[dict[str, Any]]:
    """One row per quote, claim, entity mention or figure of the article, each with the
    article, its story, outlet, publication, language, URL and copy-of, and the 0-based
    paragraph it stands in (the citation: `kabar show ARTICLE` numbers them the same)."""
    context = {"article": article.id, "story": article.story, "outlet": article.outlet,
               "published": article.published, "language": article.language, "url": article.url,
               "duplicate_of": article.duplicate_of}  # fmt: skip
    records = article.extraction_record()[_EXTRACTED[kind]]
    starts: list[int] = []
    if kind == "entities":  # a mention has offsets only: its paragraph from them
        pos = 0
        for text in article.paragraphs:
            starts.append(pos)
            pos += len(text) + 2
    for index, record in enumerate(records):
        paragraph = bisect_right(starts, record["start"]) - 1 if starts else record.get("paragraph")
        yield {**context, "paragraph": paragraph, "index": index, **record}


def _all_stories(store: ReadStore) -> Iterator[Story]:
    """Every story, most recent first, a page at a time."""
    offset = 0
    while True:
        page, _ = store.list_stories(StorySelection(sort="recent", limit=STORY_PAGE, offset=offset))
        yield from page
        if len(page) < STORY_PAGE:
            return
        offset += STORY_PAGE


class _Stories:
    """The stories of the selected articles, each once, as their first article comes."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store
        self.seen: set[str] = set()

    def of(self, article: Article) -> dict[str, Any] | None:
        if not article.story or article.story in self.seen:
            return None
        self.seen.add(article.story)
        story = self.store.get_story(article.story)
        return story_record(self.store, story) if story is not None else None


def records(store: ReadStore, kind: str, p: _Plan) -> Iterator[dict[str, Any]]:
    """The export records of one kind: `Article.to_record()` per article, `story_record`
    per story, `article_rows` per quote, claim, entity mention or figure."""
    if kind == "articles":
        yield from (a.to_record() for a in _articles(store, p))
    elif kind == "stories" and p.selection.everything:
        yield from (story_record(store, s) for s in _all_stories(store))
    elif kind == "stories":
        stories = _Stories(store)
        yield from (r for a in _articles(store, p) if (r := stories.of(a)) is not None)
    else:
        yield from (row for a in _articles(store, p) for row in article_rows(kind, a))


# --- writers ---


class _Out(Protocol):
    def write(self, data: bytes, /) -> int: ...


class _Chunks:
    """A file-like sink that keeps what is written until it is taken (a stream's chunks)."""

    closed = False

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.pos = 0

    def write(self, data: bytes, /) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        self.pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self.pos

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def _json_line(record: Mapping[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "replace")


def _csv_cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind in ("strs", "json"):
        return json.dumps(value, ensure_ascii=False)
    if kind == "bool":
        return "true" if value else "false"
    return str(value)


def _arrow_cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if kind == "float":
        return float(value)
    return value


def parquet_schema(kind: str) -> Any:
    """The explicit Parquet schema (a `pyarrow.Schema`) of one kind: its columns and types, `COLUMNS`."""
    import pyarrow as pa  # imported when a Parquet file is written: the CLI starts without it

    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
             "strs": pa.list_(pa.string()), "json": pa.string()}  # fmt: skip
    return pa.schema(
        [pa.field(name, types[t], metadata={"encoding": "json"} if t == "json" else None)
         for name, t in COLUMNS[kind]],
        metadata={"kabar.kind": kind, "kabar.format": "docs/export-format.md"},
    )  # fmt: skip


class _Table:
    """One kind's records in one format, written to `out` as they come: JSON Lines as
    they are; CSV and Parquet in the kind's columns (`COLUMNS`)."""

    def __init__(self, kind: str, fmt: str, out: _Out) -> None:
        self.kind, self.fmt, self.out = kind, fmt, out
        self.columns = COLUMNS[kind]
        self.count = 0
        self._text = io.StringIO()
        self._csv = csv.writer(self._text)
        self._rows: list[dict[str, Any]] = []
        self._chars = 0
        self._parquet: Any = None
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self._parquet = pq.ParquetWriter(out, parquet_schema(kind))
        if fmt == "csv":
            self._csv.writerow([name for name, _ in self.columns])

    def add(self, record: Mapping[str, Any]) -> None:
        self.count += 1
        if self.fmt == "jsonl":
            self.out.write(_json_line(record))
        elif self.fmt == "csv":
            self._csv.writerow([_csv_cell(record.get(name), t) for name, t in self.columns])
            if self._text.tell() >= FLUSH_BYTES:
                self._flush_text()
        else:
            row = {name: _arrow_cell(record.get(name), t) for name, t in self.columns}
            self._rows.append(row)
            self._chars += sum(len(v) for v in row.values() if isinstance(v, str))
            if len(self._rows) >= ROW_GROUP_ROWS or self._chars >= ROW_GROUP_CHARS:
                self._flush_rows()

    def _flush_text(self) -> None:
        self.out.write(self._text.getvalue().encode("utf-8", "replace"))
        self._text.seek(0)
        self._text.truncate()

    def _flush_rows(self) -> None:
        import pyarrow as pa

        if self._rows and self._parquet is not None:
            self._parquet.write_table(pa.Table.from_pylist(self._rows, schema=self._parquet.schema))
        self._rows = []
        self._chars = 0

    def close(self) -> None:
        if self.fmt == "csv":
            self._flush_text()
        elif self._parquet is not None:
            self._flush_rows()
            self._parquet.close()


# --- the entity graph ---

# Characters XML 1.0 cannot hold (C0 controls but tab and newlines, U+FFFE/U+FFFF, lone
# surrogates): a name holding one would make the GraphML or GEXF unreadable.
_NOT_XML = {c: None for c in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF, *range(0xD800, 0xE000)]}


def _xml_text(text: str) -> str:
    return text.translate(_NOT_XML)


@dataclass(slots=True)
class _Node:
    id: int
    mentions: int = 0
    articles: int = 0
    names: dict[str, int] = field(default_factory=dict)  # surface forms, at most NAMES_KEPT
    labels: dict[str, int] = field(default_factory=dict)


NAMES_KEPT = 8


class EntityGraph:
    """Entities and their co-occurrence, counted article by article: a node per entity key
    (its most frequent name and type, mentions, articles), an edge between two entities
    named in one article, weighted by the articles naming both.

    Memory is bounded: each article pairs only its PAIR_ENTITIES most mentioned entities,
    and past `node_cap` entities or `edge_cap` edges the lightest half are dropped
    (`dropped_nodes_at` / `dropped_edges_at`: the largest count dropped). A dropped
    entity or pair seen again starts from zero, so once anything was dropped a count is
    a lower bound (short by at most that much)."""

    def __init__(self, node_cap: int = NODE_CAP, edge_cap: int = EDGE_CAP) -> None:
        self.node_cap, self.edge_cap = node_cap, edge_cap
        self.nodes: dict[str, _Node] = {}
        self.keys: dict[int, str] = {}
        self.edges: dict[tuple[int, int], int] = {}
        self.next_id = 0
        self.dropped_nodes_at = 0
        self.dropped_edges_at = 0

    def add(self, article: Article) -> None:
        counts: Counter[str] = Counter()
        for m in article.entities:
            node = self.nodes.get(m.entity)
            if node is None:
                node = self.nodes[m.entity] = _Node(self.next_id)
                self.keys[node.id] = m.entity
                self.next_id += 1
            node.mentions += 1
            if m.text in node.names or len(node.names) < NAMES_KEPT:
                node.names[m.text] = node.names.get(m.text, 0) + 1
            node.labels[m.label] = node.labels.get(m.label, 0) + 1
            counts[m.entity] += 1
        for key in counts:
            self.nodes[key].articles += 1
        ids = sorted(self.nodes[key].id for key, _ in counts.most_common(PAIR_ENTITIES))
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                self.edges[(a, b)] = self.edges.get((a, b), 0) + 1
        if len(self.nodes) > self.node_cap:
            self._drop_nodes()
        if len(self.edges) > self.edge_cap:
            self.dropped_edges_at = max(self.dropped_edges_at, _drop_lightest(self.edges, self.edge_cap // 2))

    def _drop_nodes(self) -> None:
        by_articles = {key: node.articles for key, node in self.nodes.items()}
        self.dropped_nodes_at = max(self.dropped_nodes_at, _drop_lightest(by_articles, self.node_cap // 2))
        for key in [k for k in self.nodes if k not in by_articles]:
            del self.keys[self.nodes.pop(key).id]
        self.edges = {pair: w for pair, w in self.edges.items() if pair[0] in self.keys and pair[1] in self.keys}

    def graph(self, description: str = "") -> Any:
        """The graph as a networkx Graph (node ids are the entity keys)."""
        import networkx as nx  # imported when a graph is written: the CLI starts without it

        g = nx.Graph()
        g.graph["name"] = _xml_text(f"kabar entity co-occurrence{f' ({description})' if description else ''}")
        g.graph["dropped_nodes_at"] = self.dropped_nodes_at
        g.graph["dropped_edges_at"] = self.dropped_edges_at
        for key, node in self.nodes.items():
            g.add_node(
                _xml_text(key), label=_xml_text(_most(node.names) or key), type=_most(node.labels) or "",
                mentions=node.mentions, articles=node.articles,
            )  # fmt: skip
        for (a, b), weight in self.edges.items():
            g.add_edge(_xml_text(self.keys[a]), _xml_text(self.keys[b]), weight=weight)
        return g


def _most(counts: Mapping[str, int]) -> str | None:
    """The most frequent key; the first seen among equals."""
    return max(counts, key=lambda k: counts[k], default=None)


def _drop_lightest(counts: dict[Any, int], keep: int) -> int:
    """Drop the entries of lowest count until at most `keep` are left (all entries of one
    count go together); returns the largest count dropped."""
    histogram = Counter(counts.values())
    left, floor = len(counts), 0
    for count in sorted(histogram):
        if left <= keep:
            break
        left -= histogram[count]
        floor = count
    for k in [k for k, c in counts.items() if c <= floor]:
        del counts[k]
    return floor


def _write_graph(g: Any, fmt: str, out: _Out) -> None:
    import networkx as nx

    if fmt == "graphml":
        nx.write_graphml(g, out)
    else:
        nx.write_gexf(g, out)


# --- what the CLI and the web call ---


def _check(kinds: Sequence[str], fmt: str) -> None:
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ExportError(f"unknown export kind {', '.join(unknown)} (known: {', '.join(KINDS)})")
    if fmt not in TABLE_FORMATS + GRAPH_FORMATS:
        raise ExportError(f"unknown export format {fmt} (known: {', '.join(TABLE_FORMATS + GRAPH_FORMATS)})")


def stream(
    store: ReadStore, kind: str, fmt: str, selection: Selection | None = None
) -> tuple[Iterator[bytes], str, str]:
    """One kind in one format, as a download: (the file's bytes in pieces of about
    FLUSH_BYTES, its media type, its file name). The format is jsonl, csv or parquet, or
    for kind "entities" also graphml or gexf (the entity graph). The selection is checked
    here (ExportError); the store is read while the pieces are taken, so it must stay
    open until the iterator is done."""
    _check([kind], fmt)
    p = plan(store, selection or Selection())
    if fmt in GRAPH_FORMATS:
        if kind != "entities":
            raise ExportError(f"{fmt} is for the entity graph (kind entities), not {kind}")
        return _graph_bytes(store, p, fmt), MEDIA_TYPES[fmt], f"entities.{fmt}"
    return _table_bytes(store, p, kind, fmt), MEDIA_TYPES[fmt], f"{kind}.{fmt}"


def _table_bytes(store: ReadStore, p: _Plan, kind: str, fmt: str) -> Iterator[bytes]:
    chunks = _Chunks()
    table = _Table(kind, fmt, chunks)
    for record in records(store, kind, p):
        table.add(record)
        if chunks.size >= FLUSH_BYTES:
            yield chunks.take()
    table.close()
    if chunks.size:
        yield chunks.take()


def _graph_bytes(store: ReadStore, p: _Plan, fmt: str) -> Iterator[bytes]:
    graph = EntityGraph()
    for article in _articles(store, p):
        graph.add(article)
    out = io.BytesIO()
    _write_graph(graph.graph(p.selection.describe()), fmt, out)
    data = out.getvalue()
    for start in range(0, len(data), FLUSH_BYTES):
        yield data[start : start + FLUSH_BYTES]


def export(
    store: ReadStore, out_dir: str, fmt: str = "jsonl", kinds: Sequence[str] = DEFAULT_KINDS,
    selection: Selection | None = None, graph: str | None = None,
) -> dict[str, int]:
    """Write one file per kind into `out_dir` (`articles.jsonl`, `quotes.csv`, ...), and
    with `graph` the entity graph (`entities.graphml` or `entities.gexf`); returns how many
    rows each got (and the graph's "nodes" and "edges"). One pass over the selected
    articles feeds every file; each file is written to a temporary name, then renamed, so
    readers never see half a file. Stories' facts come from at most STORY_SAMPLE of their
    articles each. ExportError (before anything is written) for an unknown kind or format,
    or a selection that `plan` refuses."""
    _check(kinds, fmt)
    if fmt not in TABLE_FORMATS:
        raise ExportError(f"the format is one of {', '.join(TABLE_FORMATS)}; {fmt} is a graph format")
    if graph is not None and graph not in GRAPH_FORMATS:
        raise ExportError(f"unknown graph format {graph} (known: {', '.join(GRAPH_FORMATS)})")
    if not kinds and graph is None:
        raise ExportError("nothing to export: name a kind or a graph format")
    p = plan(store, selection or Selection())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kinds = list(dict.fromkeys(kinds))
    targets = [out / f"{kind}.{fmt}" for kind in kinds] + ([out / f"entities.{graph}"] if graph else [])
    temps = [t.with_name(f".{t.name}.tmp") for t in targets]
    try:
        with ExitStack() as files:
            handles: list[BinaryIO] = [files.enter_context(open(tmp, "wb")) for tmp in temps]
            tables = {kind: _Table(kind, fmt, fh) for kind, fh in zip(kinds, handles, strict=False)}
            graph_out = handles[-1] if graph else None
            counts = _fill(store, p, tables, EntityGraph() if graph else None, graph_out, graph)
        for tmp, target in zip(temps, targets, strict=True):
            os.replace(tmp, target)
        return counts
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


def _fill(
    store: ReadStore, p: _Plan, tables: dict[str, _Table], entity_graph: EntityGraph | None,
    graph_out: _Out | None, graph: str | None,
) -> dict[str, int]:
    """One pass over the selected articles, each fed to every table that wants it (and
    its story, when new, to the stories table) and to the graph; then the stories of an
    unfiltered export, a page at a time."""
    per_article = [t for kind, t in tables.items() if kind != "stories"]
    stories = tables.get("stories")
    inline = _Stories(store) if stories is not None and not p.selection.everything else None
    if per_article or inline or entity_graph:
        for a in _articles(store, p):
            for table in per_article:
                rows = [a.to_record()] if table.kind == "articles" else article_rows(table.kind, a)
                for row in rows:
                    table.add(row)
            if stories is not None and inline is not None and (record := inline.of(a)) is not None:
                stories.add(record)
            if entity_graph is not None:
                entity_graph.add(a)
    if stories is not None and inline is None:
        for s in _all_stories(store):
            stories.add(story_record(store, s))
    for table in tables.values():
        table.close()
    counts = {kind: table.count for kind, table in tables.items()}
    if entity_graph is not None and graph is not None and graph_out is not None:
        g = entity_graph.graph(p.selection.describe())
        _write_graph(g, graph, graph_out)
        counts["nodes"], counts["edges"] = g.number_of_nodes(), g.number_of_edges()
    return counts
