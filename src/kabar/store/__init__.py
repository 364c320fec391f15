"""Storage: one small interface, with SQLite as the embedded default.

The pipeline talks only to `Store`. A PostgreSQL backend implements the same
methods; `open_store` picks the backend from the location.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kabar.model import Article, QuarantineEntry


def line_hash(site: str, line_key: str) -> int:
    """A signed 64-bit hash of (site, line) for the recurring-line statistics."""
    digest = hashlib.blake2b(f"{site}\x00{line_key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Store(ABC):
    """What the pipeline needs from storage."""

    @abstractmethod
    def existing_ids(self, ids: Sequence[str]) -> set[str]: ...

    @abstractmethod
    def add_articles(self, articles: Sequence[Article], line_counts: Mapping[str, Counter[str]]) -> None:
        """Store articles and their line statistics atomically; known ids are skipped."""

    @abstractmethod
    def add_source(self, article_id: str, source: str) -> None: ...

    @abstractmethod
    def add_quarantine(self, entry: QuarantineEntry) -> None: ...

    @abstractmethod
    def line_counts(self, site: str, keys: Sequence[str]) -> dict[str, int]:
        """How many stored articles of `site` hold each line key."""

    @abstractmethod
    def get_article(self, ref: str) -> Article | None:
        """An article by id, id prefix or source path."""

    @abstractmethod
    def iter_articles(self) -> Iterator[Article]: ...

    @abstractmethod
    def count_articles(self) -> int: ...

    @abstractmethod
    def quarantine(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(location: str) -> Store:
    if location.startswith(("postgresql://", "postgres://")):
        raise NotImplementedError("the PostgreSQL backend is not built yet; use a SQLite file path")
    from kabar.store.sqlite import SQLiteStore

    return SQLiteStore(location)
