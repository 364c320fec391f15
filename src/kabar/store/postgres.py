"""The PostgreSQL backend, for teams: the same queries as SQLite (`store.sql`), a schema
migrated on connect (version kept in `kabar_schema`), and full-text search on a
weighted tsvector column.

The index holds kabar's own stems (Snowball, per article language) under the `simple`
configuration rather than PostgreSQL's `indonesian` dictionary: both backends then
index and match exactly the same terms, and a query word can match its stems in every
language at once ("pengiriman" and "troops" alike).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg

from kabar.model import Article
from kabar.query import Filters
from kabar.store import acquire_within
from kabar.store.sql import COUNT_CAP, FETCH_TABLES, SOURCES_TABLES, WATCH_TABLES, SQLStore

# Each entry moves the schema one version up; never edit a released entry.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE articles (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        url TEXT,
        outlet TEXT,
        title TEXT NOT NULL,
        published TEXT,
        language TEXT NOT NULL,
        dateline TEXT,
        text TEXT NOT NULL,
        removed TEXT NOT NULL,
        time_mentions TEXT NOT NULL,
        raw_text TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        story TEXT,
        duplicate_of TEXT,
        duplicate_similarity DOUBLE PRECISION,
        extraction TEXT NOT NULL DEFAULT '{}',
        search TSVECTOR
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_outlet ON articles(outlet);
    CREATE INDEX articles_story ON articles(story);
    CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
    CREATE INDEX articles_search ON articles USING GIN (search);
    CREATE TABLE article_sources (
        article_id TEXT NOT NULL REFERENCES articles(id), source TEXT NOT NULL, PRIMARY KEY (article_id, source)
    );
    CREATE INDEX article_sources_source ON article_sources(source);
    CREATE TABLE quarantine (
        source TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL, first_seen TEXT NOT NULL,
        PRIMARY KEY (source, reason)
    );
    CREATE TABLE line_stats (hash BIGINT PRIMARY KEY, docs BIGINT NOT NULL);
    CREATE TABLE minhashes (article_id TEXT PRIMARY KEY, signature BYTEA NOT NULL);
    CREATE TABLE lsh_bands (band BIGINT NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (band, article_id));
    CREATE TABLE paragraph_signatures (
        article_id TEXT NOT NULL, paragraph INTEGER NOT NULL, signature BYTEA NOT NULL,
        PRIMARY KEY (article_id, paragraph)
    );
    CREATE TABLE paragraph_bands (
        band BIGINT NOT NULL, article_id TEXT NOT NULL, paragraph INTEGER NOT NULL,
        PRIMARY KEY (band, article_id, paragraph)
    );
    CREATE TABLE syndication (
        article_id TEXT NOT NULL, paragraph INTEGER NOT NULL, other_id TEXT NOT NULL, other_paragraph INTEGER NOT NULL,
        similarity DOUBLE PRECISION NOT NULL, PRIMARY KEY (article_id, paragraph, other_id, other_paragraph)
    );
    CREATE TABLE stories (
        id TEXT PRIMARY KEY, storyline TEXT NOT NULL, title TEXT NOT NULL, n_articles INTEGER NOT NULL,
        first_published TEXT, last_published TEXT, languages TEXT NOT NULL, outlets TEXT NOT NULL,
        state TEXT NOT NULL, embedding BYTEA, last_seq BIGINT NOT NULL
    );
    CREATE INDEX stories_last ON stories(last_published);
    CREATE INDEX stories_seq ON stories(last_seq);
    CREATE INDEX stories_line ON stories(storyline);
    CREATE TABLE story_merges (merged TEXT PRIMARY KEY, into_story TEXT NOT NULL, article_id TEXT NOT NULL);
    CREATE TABLE term_df (term TEXT PRIMARY KEY, df BIGINT NOT NULL);
    CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
    CREATE TABLE article_entities (entity TEXT NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (entity, article_id));
    """,
    # Copy candidates come from an in-memory window rebuilt from the signatures.
    """
    DROP TABLE lsh_bands;
    DROP TABLE paragraph_bands;
    """,
    # Line keys seen once, kept for a window of recent chunks (pipeline.LineEvidence).
    """
    CREATE TABLE line_window (seq BIGSERIAL PRIMARY KEY, hashes BYTEA NOT NULL);
    """,
    # MinHash signatures move into the article row (SQLStore._move_signatures).
    """
    ALTER TABLE articles ADD COLUMN signature BYTEA;
    ALTER TABLE articles ADD COLUMN paragraph_signatures BYTEA;
    """,
    """
    DROP TABLE minhashes;
    DROP TABLE paragraph_signatures;
    """,
    # Story listings in their two orders (`_STORY_ORDER` in sql.py, the same expressions).
    """
    CREATE INDEX stories_recent ON stories ((COALESCE(substr(last_published, 1, 10), '')), n_articles, id);
    CREATE INDEX stories_largest ON stories (n_articles, (COALESCE(last_published, '')), id);
    """,
    # Each story's salient names in a column of their own (SQLStore._fill_salient).
    """
    ALTER TABLE stories ADD COLUMN salient TEXT NOT NULL DEFAULT '[]';
    """,
    # A story's members from the index alone (an index-only scan), in ingest order.
    """
    CREATE INDEX articles_story_members ON articles (story, seq) INCLUDE (id, outlet, published, duplicate_of);
    DROP INDEX articles_story;
    """,
    # Entity and outlet pages: the entity index by (entity, published, seq) with how each
    # article names the entity and whether it quotes it or puts it in a claim (partial
    # indexes), refilled from the stored extraction (SQLStore._fill_entities); an outlet's
    # articles by lower(outlet) and publication, its copies by a partial index.
    """
    DROP TABLE article_entities;
    CREATE TABLE article_entities (
        entity TEXT NOT NULL, published TEXT NOT NULL, seq BIGINT NOT NULL, article_id TEXT NOT NULL,
        language TEXT NOT NULL, label TEXT NOT NULL, name TEXT NOT NULL, forms TEXT NOT NULL,
        mentions INTEGER NOT NULL, quotes INTEGER NOT NULL, claims INTEGER NOT NULL,
        PRIMARY KEY (entity, published, seq)
    );
    CREATE INDEX article_entities_article ON article_entities(article_id);
    CREATE INDEX article_entities_quoted ON article_entities(entity, published, seq) WHERE quotes > 0;
    CREATE INDEX article_entities_claimed ON article_entities(entity, published, seq) WHERE claims > 0;
    CREATE INDEX articles_outlet_latest ON articles ((lower(outlet)), (COALESCE(published, '')), seq);
    CREATE INDEX articles_outlet_copies ON articles ((lower(outlet)), (COALESCE(published, '')), seq)
        WHERE duplicate_of IS NOT NULL;
    DROP INDEX articles_outlet;
    """,
    SOURCES_TABLES,  # sql.py: the same in both backends
    FETCH_TABLES,  # sql.py: the same in both backends
    WATCH_TABLES,  # sql.py: the same in both backends
]
SIGNATURES_MIGRATION = 4
INGEST_LOCK = 4243  # advisory lock key held by an ingest run (4242 is the migrator's)
MONITOR_LOCK = 4244  # held by a kabar fetch pass or a kabar watch
SALIENT_MIGRATION = 7
ENTITIES_MIGRATION = 9

_PLACEHOLDER = re.compile(r"\?")
_TERM = re.compile(r"[^\w]+", re.UNICODE)


def _pg(sql: str) -> str:
    """`?` placeholders to psycopg's `%s` (the shared SQL never holds a literal ? or %)."""
    return _PLACEHOLDER.sub("%s", sql)


def tsquery(variants: Sequence[set[str]], mode: str) -> str:
    """(a | b) & (c) over sanitised stems: no query text reaches tsquery syntax."""
    groups = []
    for group in variants:
        terms = sorted({_TERM.sub("", v) for v in group} - {""})
        if terms:
            groups.append("(" + " | ".join(f"'{t}'" for t in terms) + ")")
    return (" & " if mode == "all" else " | ").join(groups)


class PostgresStore(SQLStore):
    def __init__(self, url: str) -> None:
        self.url = url
        self.db = psycopg.connect(url, autocommit=True)
        self._migrate()

    def _x(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.db.execute(_pg(sql), tuple(params))

    def ingest_lock(self, wait: float) -> AbstractContextManager[None]:
        return self._advisory_lock(INGEST_LOCK, wait, "another ingest is writing to this database")

    def monitor_lock(self, wait: float) -> AbstractContextManager[None]:
        return self._advisory_lock(MONITOR_LOCK, wait, "another kabar fetch or watch follows these sources")

    @contextmanager
    def _advisory_lock(self, key: int, wait: float, busy: str) -> Iterator[None]:
        # A session advisory lock: the server drops it if the connection goes.
        def try_lock() -> bool:
            row = self.db.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            return bool(row and row[0])

        acquire_within(try_lock, wait, busy)
        try:
            yield
        finally:
            self.db.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.db.cursor() as cursor:
                cursor.executemany(_pg(sql), [tuple(r) for r in rows])

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self.db.transaction():
            yield

    def _migrate(self) -> None:
        with self._transaction():
            # One migrator at a time, even when several processes connect at once.
            self.db.execute("SELECT pg_advisory_xact_lock(4242)")
            self.db.execute("CREATE TABLE IF NOT EXISTS kabar_schema (version INTEGER NOT NULL)")
            row = self.db.execute("SELECT version FROM kabar_schema").fetchone()
            version = int(row[0]) if row else 0
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                self.db.execute(script.encode())
                if number == SIGNATURES_MIGRATION:
                    self._move_signatures()
                if number == SALIENT_MIGRATION:
                    self._fill_salient()
                if number == ENTITIES_MIGRATION:
                    self._fill_entities()
                self.db.execute("DELETE FROM kabar_schema")
                self.db.execute("INSERT INTO kabar_schema VALUES (%s)", (number,))

    @property
    def schema_version(self) -> int:
        row = self.db.execute("SELECT version FROM kabar_schema").fetchone()
        return int(row[0]) if row else 0

    def _index(self, seq: int, article: Article, terms: tuple[str, str]) -> None:
        self.db.execute(
            "UPDATE articles SET search = setweight(to_tsvector('simple', %s), 'A')"
            " || setweight(to_tsvector('simple', %s), 'B') WHERE seq = %s",
            (*terms, seq),
        )

    def _clear_index(self) -> None:
        self.db.execute("UPDATE articles SET search = NULL")

    def search(
        self, variants: Sequence[set[str]], mode: str, filters: Filters, limit: int, offset: int
    ) -> tuple[list[tuple[str, float]], int]:
        query = tsquery(variants, mode)
        if not query:
            return [], 0
        where, params = self._filter_sql(filters)
        sql = "FROM articles a WHERE " + " AND ".join(["a.search @@ to_tsquery('simple', ?)", *where])
        params = [query, *params]
        total = int(self._x(f"SELECT count(*) FROM (SELECT 1 {sql} LIMIT {COUNT_CAP}) hits", params).fetchone()[0])
        # As on SQLite: past COUNT_CAP matches the newest come first instead of ranking them all.
        order = "a.seq DESC" if total >= COUNT_CAP else "score DESC, a.seq"
        rows = self._x(
            f"SELECT a.id, ts_rank(a.search, to_tsquery('simple', ?)) AS score {sql} ORDER BY {order} LIMIT ? OFFSET ?",
            [query, *params, limit, offset],
        ).fetchall()
        return [(aid, float(score)) for aid, score in rows], total

    def articles_after(
        self, after_seq: int, variants: Sequence[set[str]] | None, mode: str, filters: Filters, limit: int
    ) -> list[tuple[int, str, str | None]]:
        where, params = self._filter_sql(filters)
        if variants is not None:
            query = tsquery(variants, mode)
            if not query:
                return []
            where, params = ["a.search @@ to_tsquery('simple', ?)", *where], [query, *params]
        rows = self._x(
            "SELECT a.seq, a.id, a.story FROM articles a WHERE " + " AND ".join(["a.seq > ?", *where])
            + " ORDER BY a.seq LIMIT ?",
            [after_seq, *params, limit],
        ).fetchall()
        return [(int(seq), str(aid), story) for seq, aid, story in rows]

    def close(self) -> None:
        self.db.close()
