"""The SQLite backend: one file, WAL, schema migrated on open."""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from kabar.model import (
    Article,
    ChunkWrite,
    QuarantineEntry,
    Removal,
    Story,
    StoryWrite,
    Syndication,
    TimeMention,
)
from kabar.search import Filters, entity_keys
from kabar.store import Store, line_hash

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
]
# The migration that added the search index; stores older than it are indexed on open.
SEARCH_MIGRATION = 4


def _pack(signature: Sequence[int]) -> bytes:
    return array("Q", signature).tobytes()


def _unpack(blob: bytes) -> list[int]:
    return array("Q", blob).tolist()


def _story_write(row: tuple[Any, ...]) -> StoryWrite:
    sid, line, title, n, first, last, langs, outlets, state, emb, seq = row
    return StoryWrite(sid, line, title, n, first, last, json.loads(langs), json.loads(outlets), json.loads(state),
                      emb, seq)  # fmt: skip


class SQLiteStore(Store):
    def __init__(self, path: str) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=10000")
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        self._migrate_scripts(version)
        if version and version < SEARCH_MIGRATION:
            self.reindex_search()

    def reindex_search(self) -> int:
        """(Re)build the full-text and entity indexes from the stored articles."""
        from kabar.search import index_terms

        count = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("DELETE FROM article_fts")
            self.db.execute("DELETE FROM article_entities")
            for seq, *row in self.db.execute(f"SELECT seq, {self._COLUMNS} FROM articles").fetchall():
                article = self._article(tuple(row))
                self._index(seq, article, index_terms(article))
                count += 1
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return count

    def _index(self, seq: int, article: Article, terms: tuple[str, str]) -> None:
        self.db.execute("INSERT INTO article_fts (rowid, title, body) VALUES (?,?,?)", (seq, *terms))
        self.db.executemany(
            "INSERT OR IGNORE INTO article_entities VALUES (?,?)",
            [(key, article.id) for key in {m.entity for m in article.entities}],
        )

    def _migrate_scripts(self, version: int) -> None:
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in script.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={number}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            found.update(r[0] for r in self.db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", part))
        return found

    def save_chunk(self, chunk: ChunkWrite) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for a in chunk.articles:
                inserted = db.execute(
                    "INSERT OR IGNORE INTO articles (id, source, url, outlet, title, published, language,"
                    " dateline, text, removed, time_mentions, raw_text, ingested_at, story, duplicate_of,"
                    " duplicate_similarity, extraction) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (a.id, a.source, a.url, a.outlet, a.title, a.published, a.language, a.dateline, a.text,
                     json.dumps([[r.text, r.reason, r.line] for r in a.removed], ensure_ascii=False),
                     json.dumps([[t.text, t.start, t.end, t.date, t.end_date] for t in a.time_mentions],
                                ensure_ascii=False),
                     a.raw_text, now, a.story, a.duplicate_of, a.duplicate_similarity,
                     json.dumps(a.extraction_record(), ensure_ascii=False)),
                )  # fmt: skip
                if inserted.rowcount == 1 and a.id in chunk.search_terms:
                    self._index(int(inserted.lastrowid or 0), a, chunk.search_terms[a.id])
                for source in a.sources or [a.source]:
                    db.execute("INSERT OR IGNORE INTO article_sources VALUES (?,?)", (a.id, source))
            rows = [(line_hash(site, k), n) for site, counts in chunk.line_counts.items() for k, n in counts.items()]
            db.executemany(
                "INSERT INTO line_stats (hash, docs) VALUES (?, ?)"
                " ON CONFLICT(hash) DO UPDATE SET docs = docs + excluded.docs",
                rows,
            )
            db.executemany(
                "INSERT OR REPLACE INTO minhashes VALUES (?,?)",
                [(aid, _pack(sig)) for aid, sig in chunk.minhashes.items()],
            )
            db.executemany("INSERT OR IGNORE INTO lsh_bands VALUES (?,?)", chunk.bands)
            db.executemany(
                "INSERT OR REPLACE INTO paragraph_signatures VALUES (?,?,?)",
                [(aid, p, _pack(sig)) for aid, p, sig in chunk.paragraph_signatures],
            )
            db.executemany("INSERT OR IGNORE INTO paragraph_bands VALUES (?,?,?)", chunk.paragraph_bands)
            db.executemany(
                "INSERT OR REPLACE INTO syndication VALUES (?,?,?,?,?)",
                [(x.article_id, x.paragraph, x.other_article_id, x.other_paragraph, x.similarity)
                 for x in chunk.syndications],
            )  # fmt: skip
            db.executemany(
                "UPDATE articles SET duplicate_of=?, duplicate_similarity=? WHERE id=?",
                [(dup, sim, aid) for aid, dup, sim in chunk.duplicate_updates],
            )
            for m in chunk.merges:
                db.execute("INSERT OR REPLACE INTO story_merges VALUES (?,?,?)", (m.merged, m.into, m.article_id))
                db.execute("UPDATE articles SET story=? WHERE story=?", (m.into, m.merged))
                db.execute("DELETE FROM stories WHERE id=?", (m.merged,))
            for st in chunk.stories:
                db.execute(
                    "INSERT OR REPLACE INTO stories VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (st.id, st.storyline, st.title, st.n_articles, st.first_published, st.last_published,
                     json.dumps(st.languages), json.dumps(st.outlets, ensure_ascii=False),
                     json.dumps(st.state, ensure_ascii=False), st.embedding, st.last_seq),
                )  # fmt: skip
            db.executemany(
                "UPDATE stories SET storyline=? WHERE id=?",
                [(line, sid) for sid, line in chunk.storylines.items()],
            )
            db.executemany(
                "INSERT INTO term_df VALUES (?,?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                list(chunk.term_df.items()),
            )
            for name, value in (("n_docs", chunk.n_docs), ("seq", 0)):
                db.execute(
                    "INSERT INTO counters VALUES (?,?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                    (name, value),
                )
            if chunk.seq:
                db.execute("UPDATE counters SET value=? WHERE name='seq'", (chunk.seq,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _select_in(self, sql: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        for i in range(0, len(values), 500):
            part = list(values[i : i + 500])
            out.extend(self.db.execute(sql.format(marks=",".join("?" * len(part))), part).fetchall())
        return out

    def band_candidates(self, bands: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for band, aid in self._select_in("SELECT band, article_id FROM lsh_bands WHERE band IN ({marks})", bands):
            out.setdefault(band, []).append(aid)
        return out

    def minhashes(self, ids: Sequence[str]) -> dict[str, list[int]]:
        rows = self._select_in("SELECT article_id, signature FROM minhashes WHERE article_id IN ({marks})", ids)
        return {aid: _unpack(sig) for aid, sig in rows}

    def paragraph_candidates(
        self, bands: Sequence[int]
    ) -> tuple[dict[int, list[tuple[str, int]]], dict[tuple[str, int], list[int]]]:
        rows = self._select_in(
            "SELECT b.band, s.article_id, s.paragraph, s.signature FROM paragraph_bands b"
            " JOIN paragraph_signatures s ON s.article_id=b.article_id AND s.paragraph=b.paragraph"
            " WHERE b.band IN ({marks})",
            bands,
        )
        by_band: dict[int, list[tuple[str, int]]] = {}
        signatures: dict[tuple[str, int], list[int]] = {}
        for band, aid, p, sig in rows:
            by_band.setdefault(band, []).append((aid, p))
            signatures[(aid, p)] = _unpack(sig)
        return by_band, signatures

    def duplicate_info(self, ids: Sequence[str]) -> dict[str, tuple[str | None, str | None, int]]:
        """id -> (published, duplicate_of, ingest order)."""
        rows = self._select_in("SELECT id, published, duplicate_of, seq FROM articles WHERE id IN ({marks})", ids)
        return {aid: (pub, dup, seq) for aid, pub, dup, seq in rows}

    def duplicates_of(self, ids: Sequence[str]) -> list[str]:
        rows = self._select_in("SELECT id FROM articles WHERE duplicate_of IN ({marks})", ids)
        return [r[0] for r in rows]

    def term_df(self, terms: Sequence[str]) -> dict[str, int]:
        return dict(self._select_in("SELECT term, df FROM term_df WHERE term IN ({marks})", terms))

    def counter(self, name: str) -> int:
        row = self.db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def active_stories(self, since_published: str | None, since_seq: int) -> list[StoryWrite]:
        rows = self.db.execute(
            "SELECT id, storyline, title, n_articles, first_published, last_published, languages, outlets,"
            " state, embedding, last_seq FROM stories WHERE last_seq >= ? OR last_published >= ?",
            (since_seq, since_published or "9999"),
        ).fetchall()
        return [_story_write(r) for r in rows]

    def story_lines(self) -> list[tuple[str, str, list[str]]]:
        """Every story's (id, storyline, salient entity keys), for linking storylines."""
        out = []
        for sid, line, state in self.db.execute("SELECT id, storyline, state FROM stories"):
            entities = json.loads(state).get("entities", {})
            out.append((sid, line, [e for e, _ in sorted(entities.items(), key=lambda kv: -kv[1])[:10]]))
        return out

    def latest_published(self) -> str | None:
        row = self.db.execute("SELECT max(last_published) FROM stories").fetchone()
        return row[0] if row else None

    def resolve_story(self, story_id: str) -> str:
        seen = set()
        while story_id not in seen:
            seen.add(story_id)
            row = self.db.execute("SELECT into_story FROM story_merges WHERE merged=?", (story_id,)).fetchone()
            if row is None:
                break
            story_id = row[0]
        return story_id

    def stories(self) -> list[Story]:
        rows = self.db.execute(
            "SELECT id, title, first_published, last_published, languages, outlets, storyline FROM stories"
        ).fetchall()
        members: dict[str, list[str]] = {}
        for aid, sid in self.db.execute("SELECT id, story FROM articles WHERE story IS NOT NULL ORDER BY seq"):
            members.setdefault(sid, []).append(aid)
        return [
            Story(sid, title, members.get(sid, []), json.loads(outlets), json.loads(langs), first, last, line)
            for sid, title, first, last, langs, outlets, line in rows
        ]

    def get_story(self, ref: str) -> Story | None:
        sid = self.resolve_story(ref)
        row = self.db.execute(
            "SELECT id, title, first_published, last_published, languages, outlets, storyline FROM stories"
            " WHERE id=? OR id LIKE ? LIMIT 2",
            (sid, sid + "%"),
        ).fetchall()
        if len(row) != 1:
            return None
        sid, title, first, last, langs, outlets, line = row[0]
        members = [r[0] for r in self.db.execute("SELECT id FROM articles WHERE story=? ORDER BY seq", (sid,))]
        return Story(sid, title, members, json.loads(outlets), json.loads(langs), first, last, line)

    def search(self, expression: str, filters: Filters, limit: int, offset: int) -> tuple[list[tuple[str, float]], int]:
        where = ["article_fts MATCH ?"]
        params: list[Any] = [expression]
        if filters.since:
            where.append("a.published >= ?")
            params.append(filters.since)
        if filters.until:
            where.append("substr(a.published, 1, ?) <= ?")
            params += [len(filters.until), filters.until]
        if filters.outlet:
            where.append("lower(a.outlet) = lower(?)")
            params.append(filters.outlet)
        if filters.language:
            where.append("a.language = ?")
            params.append(filters.language)
        if filters.story:
            where.append("a.story = ?")
            params.append(self.resolve_story(filters.story))
        if filters.entity:
            # The key itself, or a longer name holding it as whole words ("poso" in "kabupaten poso").
            keys = sorted(entity_keys(filters.entity))
            match = " OR ".join(["(' ' || entity || ' ') LIKE ?"] * len(keys))
            where.append(f"a.id IN (SELECT article_id FROM article_entities WHERE {match})")
            params += [f"% {k} %" for k in keys]
        sql = (
            "FROM article_fts JOIN articles a ON a.seq = article_fts.rowid WHERE " + " AND ".join(where)
        )
        try:
            total = int(self.db.execute(f"SELECT count(*) {sql}", params).fetchone()[0])
            rows = self.db.execute(
                f"SELECT a.id, bm25(article_fts, 3.0, 1.0) AS score {sql} ORDER BY score LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        except sqlite3.OperationalError as exc:  # an expression FTS5 cannot read
            raise ValueError(f"cannot search for {expression!r}: {exc}") from exc
        # bm25 is lower-is-better and negative; report higher-is-better.
        return [(aid, -float(score)) for aid, score in rows], total

    def syndication(self, article_id: str) -> list[Syndication]:
        rows = self.db.execute(
            "SELECT article_id, paragraph, other_id, other_paragraph, similarity FROM syndication"
            " WHERE article_id=? ORDER BY paragraph",
            (article_id,),
        ).fetchall()
        return [Syndication(*r) for r in rows]

    def add_source(self, article_id: str, source: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO article_sources VALUES (?,?)", (article_id, source))

    def add_quarantine(self, entry: QuarantineEntry) -> None:
        self.db.execute(
            "INSERT INTO quarantine VALUES (?,?,?,?) ON CONFLICT(source, reason) DO UPDATE SET detail=excluded.detail",
            (entry.source, entry.reason, entry.detail, datetime.now(UTC).isoformat(timespec="seconds")),
        )

    def line_counts(self, site: str, keys: Sequence[str]) -> dict[str, int]:
        by_hash = {line_hash(site, k): k for k in keys}
        hashes = list(by_hash)
        out: dict[str, int] = {}
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            marks = ",".join("?" * len(part))
            for h, docs in self.db.execute(f"SELECT hash, docs FROM line_stats WHERE hash IN ({marks})", part):
                out[by_hash[h]] = docs
        return out

    _COLUMNS = (
        "id, source, url, outlet, title, published, language, dateline,"
        " text, removed, time_mentions, raw_text, story, duplicate_of, duplicate_similarity, extraction"
    )

    def _article(self, row: tuple[Any, ...]) -> Article:
        (
            aid,
            source,
            url,
            outlet,
            title,
            published,
            language,
            dateline,
            text,
            removed,
            times,
            raw,
            story,
            dup,
            sim,
            extraction,
        ) = row
        sources = [r[0] for r in self.db.execute(
            "SELECT source FROM article_sources WHERE article_id=? ORDER BY source", (aid,))]  # fmt: skip
        return Article(
            id=aid, source=source, url=url, outlet=outlet, title=title, published=published,
            language=language, dateline=dateline, paragraphs=text.split("\n\n") if text else [],
            removed=[Removal(*r) for r in json.loads(removed)],
            time_mentions=[TimeMention(*t) for t in json.loads(times)],
            raw_text=raw, sources=sources or [source], story=story, duplicate_of=dup, duplicate_similarity=sim,
        ).with_extraction(json.loads(extraction))  # fmt: skip

    def get_article(self, ref: str) -> Article | None:
        row = self.db.execute(f"SELECT {self._COLUMNS} FROM articles WHERE id=?", (ref,)).fetchone()
        if row is None and len(ref) >= 4 and all(c in "0123456789abcdef" for c in ref):
            rows = self.db.execute(
                f"SELECT {self._COLUMNS} FROM articles WHERE id LIKE ? LIMIT 2", (ref + "%",)
            ).fetchall()
            row = rows[0] if len(rows) == 1 else None
        if row is None:
            # A source path, or the start of a file name when that is unambiguous.
            hits = self.db.execute(
                "SELECT DISTINCT article_id FROM article_sources WHERE source=? OR source LIKE ? LIMIT 2",
                (ref, "%/" + ref.replace("%", "") + "%"),
            ).fetchall()
            if len(hits) == 1:
                row = self.db.execute(f"SELECT {self._COLUMNS} FROM articles WHERE id=?", hits[0]).fetchone()
        return self._article(row) if row else None

    def iter_articles(self) -> Iterator[Article]:
        for row in self.db.execute(f"SELECT {self._COLUMNS} FROM articles ORDER BY seq").fetchall():
            yield self._article(row)

    def count_articles(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def quarantine(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT source, reason, detail, first_seen FROM quarantine ORDER BY source")
        return [dict(zip(("source", "reason", "detail", "first_seen"), r, strict=True)) for r in rows]

    def close(self) -> None:
        self.db.close()
