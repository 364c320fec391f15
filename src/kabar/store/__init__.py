"""Storage: two small interfaces, with SQLite as the embedded default.

* `ReadStore` is what readers use: the CLI's listings and `show`, the web pages and
  API, export, search and ask. Articles, stories, storylines, a story's members,
  syndication, the quarantine list and full-text search; nothing here writes.
* `PipelineStore` is the state the ingest runner keeps between chunks and runs: the
  ingest lock, the one-transaction chunk write, the recurring-line evidence, the copy
  window's signatures and duplicate groups, document frequencies, counters and the
  active stories; and the maintenance writes (`update_extraction`, `reindex_search`).

`Store` combines both; the SQLite and PostgreSQL backends implement it, and
`open_store` picks the backend from the location. A function that only reads takes a
`ReadStore`, so a read-only or remote backend need only implement that.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from kabar.model import (
    Article,
    ChunkWrite,
    QuarantineEntry,
    Story,
    Storyline,
    StorySelection,
    StoryWrite,
    Syndication,
)
from kabar.query import Filters
from kabar.sources import Source


def line_hash(site: str, line_key: str) -> int:
    """A signed 64-bit hash of (site, line) for the recurring-line statistics."""
    digest = hashlib.blake2b(f"{site}\x00{line_key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True, slots=True)
class StoryMember:
    """What choosing a story's articles needs of each, without its text: one index read."""

    id: str
    outlet: str | None
    published: str | None
    duplicate_of: str | None


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """An article as a listing shows it (an entity's or an outlet's page), without its
    text or extraction: one row read, no JSON decoded."""

    id: str
    title: str
    outlet: str | None
    published: str | None
    language: str
    story: str | None
    duplicate_of: str | None

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "outlet": self.outlet, "published": self.published,
                "language": self.language, "story": self.story, "duplicate_of": self.duplicate_of}  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoryRef:
    """A story as a listing shows it, without its members: one row of the stories table
    (`n_articles` says how many it holds)."""

    id: str
    title: str
    storyline: str
    n_articles: int
    first_published: str | None
    last_published: str | None
    languages: tuple[str, ...]
    outlets: tuple[str, ...]

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "storyline": self.storyline, "articles": self.n_articles,
                "first_published": self.first_published, "last_published": self.last_published,
                "languages": list(self.languages), "outlets": list(self.outlets)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class EntityName:
    """One way the articles write an entity: the form, the language of the articles that
    use it, its type there (PERSON, ORG, LOC, EVENT; "" for a speaker or claim holder the
    tagger did not tag) and in how many of the articles read it appears."""

    name: str
    language: str
    label: str
    articles: int


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """What the store knows of one entity key (`ReadStore.entity`). Counts are over every
    article; `names` over its latest ENTITY_SCAN articles, most used first."""

    key: str
    articles: int  # articles naming it, quoting it or holding a claim of it
    quoted_in: int  # articles quoting it
    claimed_in: int  # articles with a claim it holds or that names it
    first_published: str | None  # its earliest and latest dated article
    last_published: str | None
    names: tuple[EntityName, ...]


@dataclass(frozen=True, slots=True)
class OutletInfo:
    """What the store knows of one outlet (`ReadStore.outlet`), counted over all its articles."""

    name: str  # as its latest article spells it
    articles: int
    copies: int  # its articles marked as copies of an earlier one (`duplicate_of`)
    first_published: str | None
    last_published: str | None


@dataclass(frozen=True, slots=True)
class CoverageCount:
    """A row of `ReadStore.story_coverage`: how many of a story's articles share an outlet
    (as spelled), a language, being a copy or not, and a period of their publication time
    (its first `period` characters: the day, month or year; "" when undated)."""

    outlet: str | None
    language: str
    copy: bool
    period: str
    articles: int


# Rows of an entity's index an entity page reads for its stories and names (its latest
# articles): bounded whatever the entity's size. 1,000 rows are a few milliseconds.
ENTITY_SCAN = 1000

# Stories of one storyline a listing reads, its latest: the web page shows 12 of them
# (`web.views.STORYLINE_SHOWN`) and `kabar storylines` this many. NeuS dev's largest
# storyline holds 99 stories; a monitor's running matter may hold thousands.
LINE_STORIES_READ = 50


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One article URL `kabar fetch` has seen (normalised): the outlet whose feed or
    sitemap listed it, when, and how its fetch went (`problem` None when it was fetched)."""

    url: str
    outlet: str
    seen: str
    status: int | None = None
    problem: str | None = None
    detail: str = ""
    attempts: int = 1  # fetches tried so far
    retry_at: str | None = None  # a passing failure is tried again from then; None: final


@dataclass(frozen=True, slots=True)
class SourceSchedule:
    """When `kabar watch` next reads a source, when it last did, and the source's own
    interval in seconds (None: the watch's `--interval`)."""

    name: str
    next_due: str
    last_pass: str | None = None
    interval: float | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    """A saved watch (`kabar alerts add`): words (`query`, any of the search syntax's), an
    entity (any of its names), an outlet and a language narrow which new articles it looks
    at; `condition` is "new-story", "new-outlet", "sources:N" or "conflict". `checked_seq`
    is the last article (in ingest order) it has looked at; `secret` signs its webhook."""

    id: str
    name: str
    query: str
    condition: str
    secret: str
    created: str
    checked_seq: int
    entity: str | None = None
    outlet: str | None = None
    language: str | None = None
    webhook: str | None = None
    allow_private: bool = False  # the webhook may be on a private or loopback address


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One notification: `alert` fired for `story` on `event` ("new-story",
    "new-outlet:NAME", "sources:N", "conflict:KEY"), once. `payload` is the JSON sent to
    the webhook and shown in the feed; delivery state is kept with it."""

    alert: str
    story: str
    event: str
    created: str
    payload: dict[str, Any]
    delivered: str | None = None
    attempts: int = 0
    next_try: str | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class FeedState:
    """A feed or sitemap as `kabar fetch` last read it: the validators for the next
    conditional GET, when, and how it went."""

    url: str
    etag: str | None
    last_modified: str | None
    checked: str
    status: int | None = None
    problem: str | None = None


class StoreBusy(RuntimeError):
    """Another ingest is writing to the store, and did not finish within the wait."""


def acquire_within(try_acquire: Callable[[], bool], wait: float, busy: str) -> None:
    """Call `try_acquire` until it succeeds; StoreBusy(`busy`) after `wait` seconds."""
    deadline = time.monotonic() + wait
    while not try_acquire():
        if time.monotonic() >= deadline:
            raise StoreBusy(f"{busy} (waited {wait:g} s)")
        time.sleep(0.1)


class ReadStore(ABC):
    """What readers need of storage (the CLI's listings and `show`, the web, export,
    search, ask): articles, stories and storylines, a story's members, syndication, the
    quarantine list and full-text search. Nothing here writes."""

    @abstractmethod
    def get_article(self, ref: str) -> Article | None:
        """An article by id, id prefix or source path."""

    @abstractmethod
    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        """The articles with these ids, in the order given (unknown ids left out)."""

    @abstractmethod
    def iter_articles(self) -> Iterator[Article]:
        """Every article in ingest order, read a page at a time (memory does not grow with
        the store)."""

    @abstractmethod
    def count_articles(self) -> int: ...

    @abstractmethod
    def quarantine(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def syndication(self, article_id: str) -> list[Syndication]: ...

    @abstractmethod
    def syndications(self, ids: Sequence[str]) -> dict[str, list[Syndication]]:
        """`syndication` of each of these articles, in one read; every id is a key."""

    @abstractmethod
    def resolve_story(self, story_id: str) -> str:
        """Follow recorded merges to the story an id now belongs to."""

    @abstractmethod
    def stories(self) -> list[Story]: ...

    @abstractmethod
    def list_storylines(self, limit: int, offset: int = 0) -> tuple[list[Storyline], int]:
        """Storylines of more than one story, the most recently active first, and how many
        there are; each with its latest LINE_STORIES_READ stories and its total."""

    @abstractmethod
    def list_stories(self, selection: StorySelection) -> tuple[list[Story], int]:
        """The stories `selection` asks for, in its order and page, and how many match in
        all. Filters and order run in the database: a listing never reads every story's
        articles."""

    @abstractmethod
    def filter_stories(
        self, selection: StorySelection, until: str | None = None, entity_keys: Sequence[str] | None = None
    ) -> tuple[list[Story], int]:
        """`list_stories` with two filters more: `until`, stories first published up to
        that day or month (an ISO prefix, "2024-06" keeps June); `entity_keys`, stories
        with an article naming one of these entity keys, or a longer name holding one as
        whole words (as search's entity filter). Counted and paged in the database."""

    @abstractmethod
    def get_story(self, ref: str) -> Story | None: ...

    @abstractmethod
    def story_members(self, story_id: str) -> list[StoryMember]:
        """The story's articles in ingest order, without their text (`kabar.export`
        chooses which to read in full)."""

    # --- entities and outlets: every read is bounded, whatever their size ---
    @abstractmethod
    def entity(self, key: str) -> EntityInfo | None:
        """The entity `key` (an extraction key: "vladimir putin", "C:KP"), or None if no
        article names, quotes or holds a claim of it. Its counts cost one index range count;
        its names come from its latest ENTITY_SCAN articles."""

    @abstractmethod
    def entity_stories(self, key: str, limit: int) -> list[tuple[StoryRef, int]]:
        """The stories of the entity's latest ENTITY_SCAN articles, the one that named it
        last first, at most `limit`; each with how many of those articles are in it."""

    @abstractmethod
    def entity_articles(self, key: str, limit: int, role: str | None = None) -> list[str]:
        """Ids of the entity's latest `limit` articles, newest published first (undated
        last). `role` "quote": articles quoting it; "claim": articles with a claim it holds
        or that names it; None: every article it is in."""

    @abstractmethod
    def entity_days(self, key: str) -> list[tuple[str, int]]:
        """(ISO day, articles) for each day with a dated article naming the entity, oldest
        first: one GROUP BY over its index range; a row per day, not per article."""

    @abstractmethod
    def cooccurring(self, key: str, limit: int, articles: int) -> list[tuple[str, str, str, int]]:
        """The `limit` entities named in most of the entity's latest `articles` articles:
        (key, name, label, articles together), most first. The name is the form those
        articles use most (the longest of equals)."""

    @abstractmethod
    def outlet(self, name: str) -> OutletInfo | None:
        """The outlet named `name` (any case), or None if no article has it."""

    @abstractmethod
    def outlet_articles(self, name: str, limit: int, copies: bool = False) -> list[ArticleRef]:
        """The outlet's latest `limit` articles (any case of its name), newest published
        first (undated last); `copies`: only those marked as copies (`duplicate_of`)."""

    @abstractmethod
    def story_refs(self, ids: Sequence[str]) -> dict[str, StoryRef]:
        """The stories with these ids (merged ids are not followed), without their members."""

    @abstractmethod
    def article_refs(self, ids: Sequence[str]) -> dict[str, ArticleRef]:
        """The articles with these ids, without their text."""

    @abstractmethod
    def story_first_articles(self, story_id: str, limit: int) -> list[ArticleRef]:
        """The story's first `limit` articles in ingest order, without their text."""

    @abstractmethod
    def story_coverage(self, story_id: str, period: int) -> list[CoverageCount]:
        """The story's articles counted by outlet, language, copy or not, and the first
        `period` characters of their publication time (10: the day, 7: the month, 4: the
        year): one GROUP BY over the story's articles, a row per group, not per article."""

    @abstractmethod
    def story_first_reports(self, story_id: str, limit: int) -> list[ArticleRef]:
        """Each outlet's earliest article in the story (outlets in any case; dated before
        undated, then ingest order), the earliest first, at most `limit` outlets."""

    @abstractmethod
    def shared_paragraphs(self, ids: Sequence[str], limit: int) -> dict[str, list[Syndication]]:
        """At most `limit` syndication rows of each of these articles (its paragraphs found
        in other articles), in paragraph order: bounded however many others share them."""

    @abstractmethod
    def search(
        self, variants: Sequence[set[str]], mode: str, filters: Filters, limit: int, offset: int
    ) -> tuple[list[tuple[str, float]], int]:
        """Article ids matching the query, best first, with their scores, and how many match
        in all (counted up to `sql.COUNT_CAP`). `variants` holds, per query word, the stems it
        may take; `mode` "all" needs every word, "any" one of them. An entity filter is read
        by its keys (`kabar.search.resolved` fills them); ValueError if they are missing."""

    @abstractmethod
    def articles_after(
        self, after_seq: int, variants: Sequence[set[str]] | None, mode: str, filters: Filters, limit: int
    ) -> list[tuple[int, str, str | None]]:
        """(ingest order, article id, story) of the articles stored after `after_seq` that
        match the query words (`variants` as for `search`; None: any words) and the filters,
        in ingest order, at most `limit`: a page of a filtered listing, from the indexes
        (alerts read what is new with it; export pages through a filtered store)."""

    # --- outlets followed (`kabar sources`) ---
    @abstractmethod
    def outlet_sources(self) -> list[Source]:
        """Every outlet source, by name."""

    @abstractmethod
    def outlet_for(self, domain_or_name: str) -> str | None:
        """The canonical outlet name for a domain, a URL, a name or an alias (any case;
        "www." ignored), or None when no source knows it."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PipelineStore(ABC):
    """The state the ingest runner keeps in storage (`pipeline.py`, `dedup.CopyStage`,
    `stories.StoryStage`): the ingest lock, the chunk write, the recurring-line evidence
    (`line_stats`, `line_window`), the copy window (`recent_signatures`, `duplicate_info`,
    `duplicates_of`), document frequencies and counters, the active stories and
    storylines; and the maintenance writes of `kabar extract` (`update_extraction`,
    `reindex_search`)."""

    @abstractmethod
    def ingest_lock(self, wait: float) -> AbstractContextManager[None]:
        """Held for a whole ingest run. A run keeps the active stories, the copy window and
        the line evidence in memory, so two runs on one store at once would overwrite each
        other's stories: runs take turns, across threads and processes. Waits up to `wait`
        seconds for the store, then raises StoreBusy."""

    @abstractmethod
    def existing_ids(self, ids: Sequence[str]) -> set[str]: ...

    @abstractmethod
    def save_chunk(self, chunk: ChunkWrite) -> None:
        """Write everything a chunk produced in one transaction; known article ids are skipped."""

    @abstractmethod
    def add_source(self, article_id: str, source: str) -> None: ...

    @abstractmethod
    def add_quarantine(self, entry: QuarantineEntry) -> None: ...

    @abstractmethod
    def save_outlet_source(self, source: Source) -> None:
        """Add an outlet source, or replace the one of that name (its domains, aliases,
        feeds and sitemaps with it). ValueError if one of its domains or aliases already
        names another outlet."""

    @abstractmethod
    def remove_outlet_source(self, domain_or_name: str) -> str | None:
        """Remove the outlet source `outlet_for` finds; its name, or None if there is none."""

    # --- fetch state (`kabar fetch`, kabar.monitor) ---
    @abstractmethod
    def fetched_urls(self, urls: Sequence[str]) -> set[str]:
        """Those of these (normalised) URLs already seen by a fetch pass, fetched or failed."""

    @abstractmethod
    def save_fetches(self, records: Sequence[FetchRecord]) -> None:
        """Record these URLs as seen (a URL seen again keeps its newest record), in one transaction."""

    @abstractmethod
    def fetch_failures(self, limit: int) -> list[FetchRecord]:
        """The latest `limit` URLs whose fetch failed, newest first."""

    @abstractmethod
    def feed_states(self, urls: Sequence[str]) -> dict[str, FeedState]:
        """The stored state of these feeds and sitemaps, by URL."""

    @abstractmethod
    def save_feed_states(self, states: Sequence[FeedState]) -> None:
        """Store (replace) these feeds' and sitemaps' states, in one transaction."""

    @abstractmethod
    def retry_due(self, outlet: str, now: str, limit: int) -> list[FetchRecord]:
        """The outlet's pages that failed for a passing reason and are due again at `now`
        (ISO time), the longest waiting first, at most `limit`."""

    @abstractmethod
    def monitor_lock(self, wait: float) -> AbstractContextManager[None]:
        """Held by a `kabar fetch` pass or a `kabar watch` for as long as it runs: one monitor
        per store, so two never fetch the same pages or ingest each other's WARC files.
        Released if the process dies. StoreBusy after `wait` seconds."""

    @abstractmethod
    def source_schedules(self) -> dict[str, SourceSchedule]:
        """Every source's schedule, by source name (sources never read have none)."""

    @abstractmethod
    def save_source_schedules(self, schedules: Sequence[SourceSchedule]) -> None:
        """Store (replace) these schedules, in one transaction."""

    @abstractmethod
    def ingested_warcs(self) -> set[str]:
        """The WARC files (as recorded) whose fetch-pass ingest finished."""

    @abstractmethod
    def mark_warcs_ingested(self, paths: Sequence[str], when: str) -> None: ...

    # --- alerts (kabar.alerts) ---
    @abstractmethod
    def max_seq(self) -> int:
        """The ingest order of the latest stored article (0 when there is none)."""

    @abstractmethod
    def save_alert(self, alert: Alert) -> None:
        """Add an alert, or replace the one with its id. ValueError if another has its name."""

    @abstractmethod
    def alerts(self) -> list[Alert]:
        """Every alert, by name."""

    @abstractmethod
    def remove_alert(self, id_or_name: str) -> Alert | None:
        """Remove an alert and its notifications; the alert removed, or None."""

    @abstractmethod
    def story_outlets(self, story_id: str, upto_seq: int | None = None) -> dict[str, bool]:
        """The story's outlets (one spelling of each, grouped in any case) among its
        articles stored up to `upto_seq` (None: all), each with whether it has an article
        that is not a copy (an independent source): one GROUP BY, a row per outlet."""

    @abstractmethod
    def story_started(self, story_id: str) -> int:
        """The ingest order of the story's first article (0 if it has none)."""

    @abstractmethod
    def add_alert_events(self, events: Sequence[AlertEvent], checked: dict[str, int]) -> list[AlertEvent]:
        """Store these notifications and move the alerts' `checked_seq` to `checked` (alert
        id -> seq), in one transaction, so a check killed half-way is done again whole and
        one done is never done twice. A notification already stored (same alert, story and
        event) is left as it is; the new ones are returned."""

    @abstractmethod
    def alert_stories(self, alert_id: str, story_ids: Sequence[str]) -> set[str]:
        """Those of these stories the alert has a row for (a notification or "watching")."""

    @abstractmethod
    def alert_counts(self) -> dict[str, int]:
        """How many notifications each alert has raised (alerts with none left out): one
        GROUP BY over the notifications' index."""

    @abstractmethod
    def alert_events(self, alert_id: str | None, limit: int) -> list[AlertEvent]:
        """The latest `limit` notifications, of one alert or of all, newest first (the
        "watching" rows that only mark a story as followed are not notifications)."""

    @abstractmethod
    def pending_deliveries(self, now: str, limit: int) -> list[tuple[Alert, AlertEvent]]:
        """Notifications not yet delivered to their alert's webhook whose next try is due at
        `now`, oldest first, at most `limit`."""

    @abstractmethod
    def save_delivery(self, event: AlertEvent) -> None:
        """Store an event's delivery state (delivered, attempts, next try, last error)."""

    @abstractmethod
    def line_stats(self, hashes: Sequence[int]) -> dict[int, int]:
        """How many stored articles hold each recurring line key (by `line_hash`)."""

    @abstractmethod
    def line_window(self, chunks: int) -> list[list[int]]:
        """The line keys seen once in each of the last `chunks` chunks, oldest first."""

    # --- copies ---
    @abstractmethod
    def recent_signatures(self, limit: int) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
        """The MinHash signatures of the `limit` most recently stored articles, oldest first:
        (article id, signature, paragraph numbers, their signatures one per row), uint64 arrays."""

    @abstractmethod
    def duplicate_info(self, ids: Sequence[str]) -> dict[str, tuple[str | None, str | None, int]]:
        """id -> (published, duplicate_of, ingest order)."""

    @abstractmethod
    def duplicates_of(self, ids: Sequence[str]) -> list[str]: ...

    # --- stories ---
    @abstractmethod
    def term_df(self, terms: Sequence[str]) -> dict[str, int]: ...

    @abstractmethod
    def counter(self, name: str) -> int: ...

    @abstractmethod
    def active_stories(self, since_published: str | None, since_seq: int, limit: int) -> list[StoryWrite]:
        """The stories joined since `since_seq` or published since `since_published`: the
        `limit` most recently joined, as the story stage keeps at most that many in memory."""

    @abstractmethod
    def story_state(self, story_id: str) -> StoryWrite | None:
        """One story's stored row, active or not (storylines compare with older stories)."""

    @abstractmethod
    def story_lines(self) -> list[tuple[str, str, list[str]]]: ...

    @abstractmethod
    def latest_published(self) -> str | None: ...

    @abstractmethod
    def stories_about(self, terms: Sequence[str], since: str, until: str, limit: int) -> list[str]:
        """Stories with articles published from `since` to `until` (ISO dates, inclusive)
        that the full-text index matches on any of `terms` (index stems), best first, at most
        `limit`: where an article older than the stream's clock finds its story when that
        story has left memory (an archive ingested one outlet at a time)."""

    # --- maintenance ---
    @abstractmethod
    def update_extraction(self, articles: Sequence[Article]) -> None:
        """Store these articles' (re-run) entities, quotes, claims and figures, in one transaction."""

    @abstractmethod
    def reindex_search(self) -> int:
        """Rebuild the search indexes from the stored articles; returns how many."""


class Store(ReadStore, PipelineStore):
    """Both interfaces: what a backend implements (SQLite, PostgreSQL). Callers that only
    read should ask for a `ReadStore`."""


StoreFactory = Callable[[str], Store]
_BACKENDS: dict[str, StoreFactory] = {}


def register_backend(schemes: Sequence[str], factory: StoreFactory) -> None:
    """Open locations `scheme://...` with `factory(location)`. A scheme is taken once
    (registering the same factory again is fine); a location without a scheme is a SQLite
    file."""
    for scheme in schemes:
        if not scheme.isalnum() or scheme != scheme.lower():
            raise ValueError(f"a store scheme is lower-case letters and digits, not {scheme!r}")
        if _BACKENDS.get(scheme, factory) is not factory:
            raise ValueError(f"store scheme {scheme!r} is already registered")
    for scheme in schemes:
        _BACKENDS[scheme] = factory


def open_store(location: str) -> Store:
    """The store at `location`: a registered backend's for a `scheme://` URL
    (`postgresql://` is built in), else a SQLite file at that path."""
    scheme, sep, _ = location.partition("://")
    if sep and scheme.isalnum():
        factory = _BACKENDS.get(scheme.lower())
        if factory is None:
            raise ValueError(f"no store backend for {scheme}:// (known: {', '.join(sorted(_BACKENDS))})")
        return factory(location)
    from kabar.store.sqlite import SQLiteStore

    return SQLiteStore(location)


def _postgres(location: str) -> Store:
    from kabar.store.postgres import PostgresStore  # psycopg is imported only when used

    return PostgresStore(location)


register_backend(["postgresql", "postgres"], _postgres)
