"""The SQLite backend: one file, WAL, schema migrated on open."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from kabar.model import Article, QuarantineEntry, Removal, TimeMention
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
]


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
            found.update(
                r[0] for r in self.db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", part)
            )
        return found

    def add_articles(self, articles: Sequence[Article], line_counts: Mapping[str, Counter[str]]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for a in articles:
                self.db.execute(
                    "INSERT OR IGNORE INTO articles (id, source, url, outlet, title, published, language,"
                    " dateline, text, removed, time_mentions, raw_text, ingested_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (a.id, a.source, a.url, a.outlet, a.title, a.published, a.language, a.dateline, a.text,
                     json.dumps([[r.text, r.reason, r.line] for r in a.removed], ensure_ascii=False),
                     json.dumps([[t.text, t.start, t.end, t.date, t.end_date] for t in a.time_mentions],
                                ensure_ascii=False),
                     a.raw_text, now),
                )  # fmt: skip
                for source in a.sources or [a.source]:
                    self.db.execute("INSERT OR IGNORE INTO article_sources VALUES (?,?)", (a.id, source))
            rows = [
                (line_hash(site, k), n) for site, counts in line_counts.items() for k, n in counts.items()
            ]
            self.db.executemany(
                "INSERT INTO line_stats (hash, docs) VALUES (?, ?)"
                " ON CONFLICT(hash) DO UPDATE SET docs = docs + excluded.docs",
                rows,
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def add_source(self, article_id: str, source: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO article_sources VALUES (?,?)", (article_id, source))

    def add_quarantine(self, entry: QuarantineEntry) -> None:
        self.db.execute(
            "INSERT INTO quarantine VALUES (?,?,?,?)"
            " ON CONFLICT(source, reason) DO UPDATE SET detail=excluded.detail",
            (entry.source, entry.reason, entry.detail, datetime.now(UTC).isoformat(timespec="seconds")),
        )

    def line_counts(self, site: str, keys: Sequence[str]) -> dict[str, int]:
        by_hash = {line_hash(site, k): k for k in keys}
        hashes = list(by_hash)
        out: dict[str, int] = {}
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            marks = ",".join("?" * len(part))
            for h, docs in self.db.execute(
                f"SELECT hash, docs FROM line_stats WHERE hash IN ({marks})", part
            ):
                out[by_hash[h]] = docs
        return out

    _COLUMNS = (
        "id, source, url, outlet, title, published, language, dateline,"
        " text, removed, time_mentions, raw_text"
    )

    def _article(self, row: tuple[Any, ...]) -> Article:
        (aid, source, url, outlet, title, published, language, dateline, text, removed, times, raw) = row
        sources = [r[0] for r in self.db.execute(
            "SELECT source FROM article_sources WHERE article_id=? ORDER BY source", (aid,))]  # fmt: skip
        return Article(
            id=aid, source=source, url=url, outlet=outlet, title=title, published=published,
            language=language, dateline=dateline, paragraphs=text.split("\n\n") if text else [],
            removed=[Removal(*r) for r in json.loads(removed)],
            time_mentions=[TimeMention(*t) for t in json.loads(times)],
            raw_text=raw, sources=sources or [source],
        )  # fmt: skip

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
