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


# Stories of one storyline a listing reads, its latest: the web page shows 12 of them
# (`web.views.STORYLINE_SHOWN`) and `kabar storylines` this many. NeuS dev's largest
# storyline holds 99 stories; a monitor's running matter may hold thousands.
LINE_STORIES_READ = 50


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
    def get_story(self, ref: str) -> Story | None: ...

    @abstractmethod
    def story_members(self, story_id: str) -> list[StoryMember]:
        """The story's articles in ingest order, without their text (`kabar.export`
        chooses which to read in full)."""

    @abstractmethod
    def search(
        self, variants: Sequence[set[str]], mode: str, filters: Filters, limit: int, offset: int
    ) -> tuple[list[tuple[str, float]], int]:
        """Article ids matching the query, best first, with their scores, and how many match
        in all (counted up to `sql.COUNT_CAP`). `variants` holds, per query word, the stems it
        may take; `mode` "all" needs every word, "any" one of them. An entity filter is read
        by its keys (`kabar.search.resolved` fills them); ValueError if they are missing."""

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
