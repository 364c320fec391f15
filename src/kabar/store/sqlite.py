"""The SQLite backend: one file, WAL, schema migrated on open, FTS5 for search."""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from kabar.model import Article
from kabar.query import Filters, fts_expression
from kabar.store import acquire_within
from kabar.store.sql import COUNT_CAP, FETCH_TABLES, SOURCES_TABLES, WATCH_TABLES, SQLStore

# Each entry moves the schema one version up; never edit a released entry.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE articles (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_outlet ON articles(outlet);
    CREATE TABLE article_sources (
        article_id TEXT NOT NULL REFERENCES articles(id),
        source TEXT NOT NULL,
        PRIMARY KEY (article_id, source)
    ) WITHOUT ROWID;
    CREATE INDEX article_sources_source ON article_sources(source);
    CREATE TABLE quarantine (
        source TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        PRIMARY KEY (source, reason)
    ) WITHOUT ROWID;
    CREATE TABLE line_stats (
        hash INTEGER PRIMARY KEY,
        docs INTEGER NOT NULL
    );
    """,
    """
    ALTER TABLE articles ADD COLUMN story TEXT;
    ALTER TABLE articles ADD COLUMN duplicate_of TEXT;
    ALTER TABLE articles ADD COLUMN duplicate_similarity REAL;
    CREATE INDEX articles_story ON articles(story);
    CREATE TABLE minhashes (article_id TEXT PRIMARY KEY, signature BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE lsh_bands (band INTEGER NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (band, article_id))
        WITHOUT ROWID;
    CREATE TABLE paragraph_signatures (
        article_id TEXT NOT NULL, paragraph INTEGER NOT NULL, signature BLOB NOT NULL,
        PRIMARY KEY (article_id, paragraph)
    ) WITHOUT ROWID;
    CREATE TABLE paragraph_bands (
        band INTEGER NOT NULL, article_id TEXT NOT NULL, paragraph INTEGER NOT NULL,
        PRIMARY KEY (band, article_id, paragraph)
    ) WITHOUT ROWID;
    CREATE TABLE syndication (
        article_id TEXT NOT NULL, paragraph INTEGER NOT NULL,
        other_id TEXT NOT NULL, other_paragraph INTEGER NOT NULL, similarity REAL NOT NULL,
        PRIMARY KEY (article_id, paragraph, other_id, other_paragraph)
    ) WITHOUT ROWID;
    CREATE TABLE stories (
        id TEXT PRIMARY KEY, storyline TEXT NOT NULL, title TEXT NOT NULL, n_articles INTEGER NOT NULL,
        first_published TEXT, last_published TEXT, languages TEXT NOT NULL, outlets TEXT NOT NULL,
        state TEXT NOT NULL, embedding BLOB, last_seq INTEGER NOT NULL
    );
    CREATE INDEX stories_last ON stories(last_published);
    CREATE INDEX stories_seq ON stories(last_seq);
    CREATE INDEX stories_line ON stories(storyline);
    CREATE TABLE story_merges (merged TEXT PRIMARY KEY, into_story TEXT NOT NULL, article_id TEXT NOT NULL);
    CREATE TABLE term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    """,
    """
    ALTER TABLE articles ADD COLUMN extraction TEXT NOT NULL DEFAULT '{}';
    """,
    """
    CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='', tokenize='unicode61 remove_diacritics 2');
    CREATE TABLE article_entities (
        entity TEXT NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (entity, article_id)
    ) WITHOUT ROWID;
    """,
    """
    INSERT INTO article_fts (article_fts, rank) VALUES ('rank', 'bm25(3.0, 1.0)');
    """,
    # Copy candidates come from an in-memory window rebuilt from the signatures.
    """
    DROP TABLE lsh_bands;
    DROP TABLE paragraph_bands;
    """,
    # Line keys seen once, kept for a window of recent chunks (pipeline.LineEvidence).
    """
    CREATE TABLE line_window (seq INTEGER PRIMARY KEY, hashes BLOB NOT NULL);
    """,
    # MinHash signatures move into the article row (SQLStore._move_signatures): the two
    # tables keyed by article id cost a random page write per article and paragraph.
    """
    ALTER TABLE articles ADD COLUMN signature BLOB;
    ALTER TABLE articles ADD COLUMN paragraph_signatures BLOB;
    """,
    """
    DROP TABLE minhashes;
    DROP TABLE paragraph_signatures;
    """,
    # A copy's group is found by its original when an earlier original turns up; without
    # this index each such case read the whole articles table (PostgreSQL has had it).
    """
    CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
    """,
    # Story listings in their two orders (`_STORY_ORDER` in sql.py, the same expressions),
    # so a page of stories is an index scan however many stories there are.
    """
    CREATE INDEX stories_recent ON stories(COALESCE(substr(last_published, 1, 10), ''), n_articles, id);
    CREATE INDEX stories_largest ON stories(n_articles, COALESCE(last_published, ''), id);
    """,
    # Each story's salient names in a column of their own (SQLStore._fill_salient): a run
    # read them by decoding every story's whole state, seconds on a large store.
    """
    ALTER TABLE stories ADD COLUMN salient TEXT NOT NULL DEFAULT '[]';
    """,
    # A story's members (`SQLStore.story_members`, `_story`) from the index alone, in ingest
    # order: through articles(story) each member cost a read of its whole row, and a story of
    # 100,000 articles read ~1 GB of them to list its ids (bench/story_reads.py --story).
    """
    CREATE INDEX articles_story_members ON articles(story, seq, id, outlet, published, duplicate_of);
    DROP INDEX articles_story;
    """,
    # Entity and outlet pages (SQLStore.entity, outlet, ...). The entity index is ordered by
    # (entity, published, seq), so an entity's latest articles are the end of its range and
    # its per-day counts one range read; each row says how the article names it and whether
    # it quotes it or puts it in a claim (partial indexes for those). It is refilled from
    # the stored extraction (SQLStore._fill_entities). An outlet's articles by
    # lower(outlet) and publication, its copies by a partial index; the plain outlet index
    # served nothing (the search filter is on lower(outlet) too).
    """
    DROP TABLE article_entities;
    CREATE TABLE article_entities (
        entity TEXT NOT NULL, published TEXT NOT NULL, seq INTEGER NOT NULL, article_id TEXT NOT NULL,
        language TEXT NOT NULL, label TEXT NOT NULL, name TEXT NOT NULL, forms TEXT NOT NULL,
        mentions INTEGER NOT NULL, quotes INTEGER NOT NULL, claims INTEGER NOT NULL,
        PRIMARY KEY (entity, published, seq)
    ) WITHOUT ROWID;
    CREATE INDEX article_entities_article ON article_entities(article_id);
    CREATE INDEX article_entities_quoted ON article_entities(entity, published, seq) WHERE quotes > 0;
    CREATE INDEX article_entities_claimed ON article_entities(entity, published, seq) WHERE claims > 0;
    CREATE INDEX articles_outlet_latest ON articles(lower(outlet), COALESCE(published, ''), seq);
    CREATE INDEX articles_outlet_copies ON articles(lower(outlet), COALESCE(published, ''), seq)
        WHERE duplicate_of IS NOT NULL;
    DROP INDEX articles_outlet;
    """,
    SOURCES_TABLES,  # sql.py: the same in both backends
    FETCH_TABLES,  # sql.py: the same in both backends
    WATCH_TABLES,  # sql.py: the same in both backends
]
# The migration that added the search index; stores older than it are indexed on open.
SEARCH_MIGRATION = 4
SIGNATURES_MIGRATION = 8
SALIENT_MIGRATION = 12
ENTITIES_MIGRATION = 14
SOURCES_MIGRATION = 15  # outlet_sources, outlet_names, outlet_feeds
FETCH_MIGRATION = 16  # fetch_seen, fetch_feeds
WATCH_MIGRATION = 17  # retries, source schedules, ingested WARC files, alerts


PAGE_CACHE_KB = 256 * 1024


class SQLiteStore(SQLStore):
    def __init__(self, path: str) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=10000")
        # The copy and search indexes are keyed by hashes, so every insert lands on a random
        # page; with SQLite's default 2 MB page cache the cost of a write grew with the store.
        self.db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KB}")
        self._migrate()

    def _x(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.db.execute(sql, params)

    def ingest_lock(self, wait: float) -> AbstractContextManager[None]:
        return self._file_lock("ingest-lock", wait, f"another ingest is writing to {self.path}")

    def monitor_lock(self, wait: float) -> AbstractContextManager[None]:
        return self._file_lock("monitor-lock", wait, f"another kabar fetch or watch follows {self.path}")

    @contextmanager
    def _file_lock(self, suffix: str, wait: float, busy: str) -> Iterator[None]:
        # An advisory lock on a file beside the database: released by the kernel if the
        # process dies, so a killed run never leaves the store locked.
        with open(f"{self.path}.{suffix}", "a+b") as fh:

            def try_lock() -> bool:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    return False

            acquire_within(try_lock, wait, busy)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.db.executemany(sql, rows)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _migrate(self) -> None:
        version = self.schema_version
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._transaction():
                for statement in script.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                if number == SIGNATURES_MIGRATION:
                    self._move_signatures()
                if number == SALIENT_MIGRATION:
                    self._fill_salient()
                if number == ENTITIES_MIGRATION:
                    self._fill_entities()
                self.db.execute(f"PRAGMA user_version={number}")
        if version and version < SEARCH_MIGRATION:
            self.reindex_search()

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _use_index(self, name: str) -> str:
        # Without statistics SQLite reads a partial index's rows through the primary key
        # instead, which scans every article of a rarely quoted entity named in many.
        return f" INDEXED BY {name}"

    def _index(self, seq: int, article: Article, terms: tuple[str, str]) -> None:
        self.db.execute("INSERT INTO article_fts (rowid, title, body) VALUES (?,?,?)", (seq, *terms))

    def _clear_index(self) -> None:
        # A contentless FTS5 table cannot DELETE rows; 'delete-all' empties it.
        self.db.execute("INSERT INTO article_fts (article_fts) VALUES ('delete-all')")

    def search(
        self, variants: Sequence[set[str]], mode: str, filters: Filters, limit: int, offset: int
    ) -> tuple[list[tuple[str, float]], int]:
        where, params = self._filter_sql(filters)
        expression = fts_expression(variants, mode)
        try:
            if where:
                sql = "FROM article_fts JOIN articles a ON a.seq = article_fts.rowid WHERE " + " AND ".join(
                    ["article_fts MATCH ?", *where]
                )
                params = [expression, *params]
                total = self._count(sql, params)
                rows = self.db.execute(
                    f"SELECT a.id, article_fts.rank {sql} ORDER BY article_fts.rank LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                ).fetchall()
            else:
                # Rank inside FTS5 first, then join only the page. A query matching more than
                # COUNT_CAP articles (one common word) is not worth ranking them all: its newest
                # matches come first, which FTS5 reads in index order and stops early.
                total = self._count("FROM article_fts WHERE article_fts MATCH ?", [expression])
                order = "rowid DESC" if total >= COUNT_CAP else "rank"
                rows = self.db.execute(
                    f"SELECT a.id, r.rank FROM (SELECT rowid, rank FROM article_fts WHERE article_fts MATCH ?"
                    f" ORDER BY {order} LIMIT ? OFFSET ?) r JOIN articles a ON a.seq = r.rowid ORDER BY r.rank",
                    [expression, limit, offset],
                ).fetchall()
        except sqlite3.OperationalError as exc:  # an expression FTS5 cannot read
            raise ValueError(f"cannot search for {expression!r}: {exc}") from exc
        # bm25 is lower-is-better and negative; report higher-is-better.
        return [(aid, -float(score)) for aid, score in rows], total

    def articles_after(
        self, after_seq: int, variants: Sequence[set[str]] | None, mode: str, filters: Filters, limit: int
    ) -> list[tuple[int, str, str | None]]:
        where, params = self._filter_sql(filters)
        source = "articles a"
        if variants is not None:
            source = "article_fts JOIN articles a ON a.seq = article_fts.rowid"
            where, params = ["article_fts MATCH ?", *where], [fts_expression(variants, mode), *params]
        sql = f"SELECT a.seq, a.id, a.story FROM {source} WHERE " + " AND ".join(["a.seq > ?", *where])
        try:
            rows = self.db.execute(f"{sql} ORDER BY a.seq LIMIT ?", [after_seq, *params, limit]).fetchall()
        except sqlite3.OperationalError as exc:  # an expression FTS5 cannot read
            raise ValueError(f"cannot search for {variants!r}: {exc}") from exc
        return [(int(seq), str(aid), story) for seq, aid, story in rows]

    def _count(self, sql: str, params: Sequence[Any]) -> int:
        """Matches, counted up to COUNT_CAP."""
        return int(self.db.execute(f"SELECT count(*) FROM (SELECT 1 {sql} LIMIT {COUNT_CAP})", params).fetchone()[0])

    def close(self) -> None:
        self.db.close()
