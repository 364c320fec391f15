"""What the SQL backends share: every query the pipeline, the CLI and the web make,
written once in SQL both SQLite and PostgreSQL accept (`?` placeholders, ON CONFLICT
upserts, RETURNING). A backend supplies the connection, transactions, its schema
migrations and its full-text index."""

from __future__ import annotations

import json
from abc import abstractmethod
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import numpy as np

from kabar.model import (
    Article,
    ChunkWrite,
    QuarantineEntry,
    Removal,
    Story,
    Storyline,
    StorySelection,
    StoryWrite,
    Syndication,
    TimeMention,
)
from kabar.query import Filters, index_terms
from kabar.sources import Source
from kabar.store import (
    ENTITY_SCAN,
    LINE_STORIES_READ,
    Alert,
    AlertEvent,
    ArticleRef,
    CoverageCount,
    EntityInfo,
    EntityName,
    FeedState,
    FetchRecord,
    OutletInfo,
    SourceSchedule,
    Store,
    StoryMember,
    StoryRef,
)

# The outlets kabar follows (`kabar sources`, kabar.sources.Source): one row each; the
# keys that name it (its domains, name and aliases, lower case) in outlet_names, so a
# domain or a brand resolves to one canonical outlet (Store.outlet_for); its feeds and
# sitemaps in outlet_feeds, in the order they were found.
SOURCES_TABLES = """
CREATE TABLE IF NOT EXISTS outlet_sources (
    name TEXT PRIMARY KEY, home TEXT, language TEXT, allow_private INTEGER NOT NULL, added TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outlet_names (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL, position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outlet_names_name ON outlet_names(name);
CREATE TABLE IF NOT EXISTS outlet_feeds (
    name TEXT NOT NULL, url TEXT NOT NULL, kind TEXT NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (name, kind, url)
);
"""

# What `kabar fetch` has done (kabar.monitor): every article URL seen (normalised), when,
# and how its fetch went (a failure keeps its reason, so it is not fetched again), and
# per feed or sitemap the ETag and Last-Modified for the next conditional GET.
FETCH_TABLES = """
CREATE TABLE IF NOT EXISTS fetch_seen (
    url TEXT PRIMARY KEY, outlet TEXT NOT NULL, seen TEXT NOT NULL, status INTEGER,
    problem TEXT, detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fetch_seen_failed ON fetch_seen(outlet) WHERE problem IS NOT NULL;
CREATE TABLE IF NOT EXISTS fetch_feeds (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, checked TEXT NOT NULL, status INTEGER,
    problem TEXT
);
"""

# What `kabar watch` and the alerts keep (kabar.monitor, kabar.alerts):
# - fetch_seen gains a retry schedule: a page that failed for a passing reason (429, 503,
#   a timeout, a dropped connection) is tried again at `retry_at`, at most
#   `monitor.MAX_ATTEMPTS` times; a final failure has no `retry_at`;
# - fetch_sources: per source, when it is next due and its own interval (NULL: the watch's);
# - fetch_warcs: the WARC files of fetch passes whose ingest finished (a file not listed is
#   ingested again, whole: what a killed pass fetched is never fetched again nor lost);
# - alerts: saved watches, with the last article (ingest order) each has looked at;
# - alert_events: one row per alert, story and event ("new-story", "new-outlet:NAME",
#   "sources:N", "conflict:KEY"); the primary key is what makes a notification happen once,
#   across restarts. Delivery to the webhook keeps its attempts and the next try.
WATCH_TABLES = """
ALTER TABLE fetch_seen ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
ALTER TABLE fetch_seen ADD COLUMN retry_at TEXT;
CREATE INDEX IF NOT EXISTS fetch_seen_retry ON fetch_seen(outlet, retry_at) WHERE retry_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS fetch_sources (
    name TEXT PRIMARY KEY, next_due TEXT NOT NULL, last_pass TEXT, interval_s REAL
);
CREATE TABLE IF NOT EXISTS fetch_warcs (path TEXT PRIMARY KEY, ingested TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, query TEXT NOT NULL, entity TEXT, outlet TEXT,
    language TEXT, condition TEXT NOT NULL, webhook TEXT, secret TEXT NOT NULL, created TEXT NOT NULL,
    checked_seq INTEGER NOT NULL, allow_private INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS alert_events (
    alert TEXT NOT NULL, story TEXT NOT NULL, event TEXT NOT NULL, created TEXT NOT NULL,
    payload TEXT NOT NULL, delivered TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_try TEXT,
    last_error TEXT,
    PRIMARY KEY (alert, story, event)
);
CREATE INDEX IF NOT EXISTS alert_events_latest ON alert_events(alert, created);
CREATE INDEX IF NOT EXISTS alert_events_pending ON alert_events(next_try) WHERE delivered IS NULL;
"""

# `StorySelection.sort` -> ORDER BY; the day first, as `kabar stories` shows it. The
# stories_recent and stories_largest indexes are on these very expressions.
_STORY_ORDER = {
    "recent": "COALESCE(substr(last_published, 1, 10), '') DESC, n_articles DESC, id DESC",
    "largest": "n_articles DESC, COALESCE(last_published, '') DESC, id DESC",
}


# Search matches are counted up to this many: counting every hit of a common word costs
# more than the search itself.
COUNT_CAP = 10_000

# Articles read per query when going through the whole store (export): a page of full
# articles is a few MB, and the store may hold millions.
ARTICLE_PAGE = 500


def _like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pack(signature: Sequence[int]) -> bytes:
    return array("Q", signature).tobytes()


def _unpack(blob: bytes) -> list[int]:
    return array("Q", bytes(blob)).tolist()


def _pack_paragraphs(paragraphs: Sequence[tuple[int, Sequence[int]]]) -> bytes:
    """[(paragraph, signature), ...] as one blob: paragraph, length, signature, ..."""
    out = array("Q")
    for paragraph, sig in paragraphs:
        out.extend((paragraph, len(sig), *sig))
    return out.tobytes()


def _paragraph_table(blob: bytes | None) -> tuple[np.ndarray, np.ndarray]:
    """A stored article's paragraph signatures as (paragraph numbers, one signature per
    row), numpy views of the blob: a run's start reads 30,000 articles' worth of these."""
    values = np.frombuffer(bytes(blob or b""), dtype=np.uint64)
    if not len(values):
        return values, values.reshape(0, 0)
    width = int(values[1]) + 2  # paragraph, length, signature: every signature is one length
    table = values.reshape(-1, width)
    if not bool((table[:, 1] == width - 2).all()):
        raise ValueError("paragraph signatures of different lengths")
    return table[:, 0], table[:, 2:]


# Forms of one entity an article's index row keeps ("Kim Jong Un", "Kim"): one article
# naming a thing in more ways than this is a list, not prose.
ROW_FORMS = 8


def entity_rows(article: Article) -> list[tuple[str, str, str, str, int, int, int]]:
    """The article's rows of the entity index, one per key it names (a mention), quotes (a
    speaker's key) or names in a claim or as its holder: (key, label, name, forms,
    mentions, quotes, claims). The name is the key's most used form in the article (the
    longest of equals); forms are its distinct forms, most used first, at most ROW_FORMS,
    one a line. A key that only speaks or holds a claim takes that phrase, with no label.
    Linear in the article's mentions, quotes and claims: a claim finds the mentions inside
    its content by bisection over the mentions' starts."""
    names: dict[str, Counter[str]] = defaultdict(Counter)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    phrases: dict[str, Counter[str]] = defaultdict(Counter)
    mentions: Counter[str] = Counter()
    quotes: Counter[str] = Counter()
    claims: Counter[str] = Counter()
    for m in article.entities:
        names[m.entity][" ".join(m.text.split())] += 1
        labels[m.entity][m.label] += 1
        mentions[m.entity] += 1
    for q in article.quotes:
        if q.speaker_entity and not q.nested:
            quotes[q.speaker_entity] += 1
            phrases[q.speaker_entity][" ".join((q.speaker or q.speaker_entity).split())] += 1
    ordered = sorted(article.entities, key=lambda m: m.start)
    starts = [m.start for m in ordered]
    for c in article.claims:
        keys = {m.entity for m in ordered[bisect_left(starts, c.start) : bisect_left(starts, c.end)]}
        if c.holder_entity:
            keys.add(c.holder_entity)
            phrases[c.holder_entity][" ".join((c.holder or c.holder_entity).split())] += 1
        claims.update(keys)
    rows = []
    for key in sorted(set(mentions) | set(quotes) | set(claims)):
        counted = names.get(key) or phrases.get(key) or Counter({key: 1})
        forms = sorted(counted, key=lambda f: (-counted[f], -len(f), f))
        label = labels[key].most_common(1)[0][0] if key in labels else ""
        rows.append((key, label, forms[0], "\n".join(forms[:ROW_FORMS]), mentions[key], quotes[key], claims[key]))
    return rows


def _outlet_keys(source: Source) -> dict[str, tuple[str, str, int]]:
    """What resolves to an outlet, by its lower-case key: its domains, its name and aliases
    -> (kind, the text as given, position)."""
    keys: dict[str, tuple[str, str, int]] = {}
    for position, domain in enumerate(source.domains):
        keys.setdefault(domain.lower(), ("domain", domain.lower(), position))
    keys.setdefault(source.name.strip().lower(), ("name", source.name, 0))
    for position, alias in enumerate(source.aliases):
        keys.setdefault(alias.strip().lower(), ("alias", alias.strip(), position))
    return keys


def _story_write(row: tuple[Any, ...]) -> StoryWrite:
    sid, line, title, n, first, last, langs, outlets, state, emb, seq = row
    return StoryWrite(sid, line, title, n, first, last, json.loads(langs), json.loads(outlets), json.loads(state),
                      bytes(emb) if emb is not None else None, seq)  # fmt: skip


class SQLStore(Store):
    """The shared queries; subclasses connect, migrate and index."""

    @abstractmethod
    def _x(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Execute one statement (`?` placeholders); returns a cursor."""

    @abstractmethod
    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[None]: ...

    @abstractmethod
    def _index(self, seq: int, article: Article, terms: tuple[str, str]) -> None:
        """Add an article to the full-text index (`terms`: stemmed title and body)."""

    @abstractmethod
    def _clear_index(self) -> None: ...

    def _use_index(self, name: str) -> str:
        """A clause after a table name that makes the query read it through index `name`,
        where the backend's planner needs telling (SQLite); nothing by default."""
        return ""

    def _index_entities(self, article: Article, seq: int) -> None:
        """The article's rows of the entity index (`entity_rows`)."""
        self._many(
            "INSERT INTO article_entities (entity, article_id, seq, published, language, label, name, forms,"
            " mentions, quotes, claims) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [(key, article.id, seq, article.published or "", article.language, *rest)
             for key, *rest in entity_rows(article)],
        )  # fmt: skip

    def _fill_entities(self) -> None:
        """Schema upgrade: the entity index rebuilt from every stored article's extraction,
        a page of articles at a time (inside the migration's transaction)."""
        last = -1
        while True:
            rows = self._x(
                "SELECT seq, id, published, language, extraction FROM articles WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, ARTICLE_PAGE),
            ).fetchall()
            if not rows:
                return
            last = int(rows[-1][0])
            for seq, aid, published, language, extraction in rows:
                article = Article(aid, "", None, None, "", published, language, None, [])
                self._index_entities(article.with_extraction(json.loads(extraction)), int(seq))

    def reindex_search(self) -> int:
        count = 0
        with self._transaction():
            self._clear_index()
            self._x("DELETE FROM article_entities")
            for seq, *row in self._x(f"SELECT seq, {self._COLUMNS} FROM articles").fetchall():
                article = self._article(tuple(row))
                self._index(seq, article, index_terms(article))
                self._index_entities(article, int(seq))
                count += 1
        return count

    def update_extraction(self, articles: Sequence[Article]) -> None:
        with self._transaction():
            for a in articles:
                found = self._x(
                    "UPDATE articles SET extraction=? WHERE id=? RETURNING seq",
                    (json.dumps(a.extraction_record(), ensure_ascii=False), a.id),
                ).fetchone()
                self._x("DELETE FROM article_entities WHERE article_id=?", (a.id,))
                if found is not None:
                    self._index_entities(a, int(found[0]))

    def _filter_sql(self, filters: Filters) -> tuple[list[str], list[Any]]:
        """WHERE clauses (over `articles a`) and parameters for search filters."""
        where: list[str] = []
        params: list[Any] = []
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
            if filters.entity_keys is None:
                raise ValueError(f"entity filter {filters.entity!r} without its keys (kabar.search.resolved)")
            # The key itself, or a longer name holding it as whole words ("poso" in "kabupaten poso").
            keys = sorted(filters.entity_keys)
            match = " OR ".join(["(' ' || entity || ' ') LIKE ?"] * len(keys))
            where.append(f"a.id IN (SELECT article_id FROM article_entities WHERE {match})")
            params += [f"% {k} %" for k in keys]
        return where, params

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            found.update(r[0] for r in self._x(f"SELECT id FROM articles WHERE id IN ({marks})", part))
        return found

    def save_chunk(self, chunk: ChunkWrite) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction():
            for a in chunk.articles:
                inserted = self._x(
                    "INSERT INTO articles (id, source, url, outlet, title, published, language,"
                    " dateline, text, removed, time_mentions, raw_text, ingested_at, story, duplicate_of,"
                    " duplicate_similarity, extraction, signature, paragraph_signatures)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (id) DO NOTHING RETURNING seq",
                    (a.id, a.source, a.url, a.outlet, a.title, a.published, a.language, a.dateline, a.text,
                     json.dumps([[r.text, r.reason, r.line] for r in a.removed], ensure_ascii=False),
                     json.dumps([[t.text, t.start, t.end, t.date, t.end_date] for t in a.time_mentions],
                                ensure_ascii=False),
                     a.raw_text, now, a.story, a.duplicate_of, a.duplicate_similarity,
                     json.dumps(a.extraction_record(), ensure_ascii=False),
                     _pack(chunk.minhashes[a.id]) if a.id in chunk.minhashes else None,
                     _pack_paragraphs(chunk.paragraph_signatures.get(a.id, [])) if a.id in chunk.minhashes else None),
                )  # fmt: skip
                row = inserted.fetchone()
                if row is not None and a.id in chunk.search_terms:
                    self._index(int(row[0]), a, chunk.search_terms[a.id])
                    self._index_entities(a, int(row[0]))
                for source in a.sources or [a.source]:
                    self._x("INSERT INTO article_sources VALUES (?,?) ON CONFLICT DO NOTHING", (a.id, source))
            self._many(
                "INSERT INTO line_stats (hash, docs) VALUES (?, ?)"
                " ON CONFLICT (hash) DO UPDATE SET docs = line_stats.docs + excluded.docs",
                sorted(chunk.line_counts.items()),
            )
            if chunk.line_window is not None:
                self._x("INSERT INTO line_window (hashes) VALUES (?)", (array("q", chunk.line_window).tobytes(),))
                self._x(
                    "DELETE FROM line_window WHERE seq <= (SELECT max(seq) FROM line_window) - ?",
                    (chunk.line_window_chunks,),
                )
            self._many(
                "INSERT INTO syndication VALUES (?,?,?,?,?)"
                " ON CONFLICT (article_id, paragraph, other_id, other_paragraph)"
                " DO UPDATE SET similarity = excluded.similarity",
                [(x.article_id, x.paragraph, x.other_article_id, x.other_paragraph, x.similarity)
                 for x in chunk.syndications],
            )  # fmt: skip
            self._many(
                "UPDATE articles SET duplicate_of=?, duplicate_similarity=? WHERE id=?",
                [(dup, sim, aid) for aid, dup, sim in chunk.duplicate_updates],
            )
            for m in chunk.merges:
                self._x(
                    "INSERT INTO story_merges VALUES (?,?,?) ON CONFLICT (merged) DO UPDATE"
                    " SET into_story = excluded.into_story, article_id = excluded.article_id",
                    (m.merged, m.into, m.article_id),
                )
                self._x("UPDATE articles SET story=? WHERE story=?", (m.into, m.merged))
                self._x("DELETE FROM stories WHERE id=?", (m.merged,))
            for st in chunk.stories:
                self._x(
                    "INSERT INTO stories (id, storyline, title, n_articles, first_published, last_published,"
                    " languages, outlets, state, embedding, last_seq, salient) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (id) DO UPDATE SET"
                    " storyline = excluded.storyline, title = excluded.title, n_articles = excluded.n_articles,"
                    " first_published = excluded.first_published, last_published = excluded.last_published,"
                    " languages = excluded.languages, outlets = excluded.outlets, state = excluded.state,"
                    " embedding = excluded.embedding, last_seq = excluded.last_seq, salient = excluded.salient",
                    (st.id, st.storyline, st.title, st.n_articles, st.first_published, st.last_published,
                     json.dumps(st.languages), json.dumps(st.outlets, ensure_ascii=False),
                     json.dumps(st.state, ensure_ascii=False), st.embedding, st.last_seq,
                     json.dumps(st.salient, ensure_ascii=False)),
                )  # fmt: skip
            self._many(
                "UPDATE stories SET storyline=? WHERE id=?",
                [(line, sid) for sid, line in chunk.storylines.items()],
            )
            self._many(
                "INSERT INTO term_df VALUES (?,?) ON CONFLICT (term) DO UPDATE SET df = term_df.df + excluded.df",
                list(chunk.term_df.items()),
            )
            for name, value in (("n_docs", chunk.n_docs), ("seq", 0)):
                self._x(
                    "INSERT INTO counters VALUES (?,?)"
                    " ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value",
                    (name, value),
                )
            if chunk.seq:
                self._x("UPDATE counters SET value=? WHERE name='seq'", (chunk.seq,))

    def _select_in(self, sql: str, values: Sequence[Any], before: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """`sql` with its `{marks}` bound to `values`, 500 at a time; `before` binds the
        parameters ahead of them."""
        out: list[tuple[Any, ...]] = []
        for i in range(0, len(values), 500):
            part = list(values[i : i + 500])
            out.extend(self._x(sql.format(marks=",".join("?" * len(part))), [*before, *part]).fetchall())
        return out

    def recent_signatures(self, limit: int) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
        rows = self._x(
            "SELECT id, signature, paragraph_signatures FROM articles WHERE signature IS NOT NULL"
            " ORDER BY seq DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [(aid, np.frombuffer(bytes(sig), dtype=np.uint64), *_paragraph_table(paras))
                for aid, sig, paras in reversed(rows)]  # fmt: skip

    def _move_signatures(self) -> None:
        """Schema upgrade: signatures from the minhashes and paragraph_signatures tables
        into the article rows (inside the migration's transaction)."""
        paragraphs: dict[str, list[tuple[int, list[int]]]] = defaultdict(list)
        for aid, p, sig in self._x("SELECT article_id, paragraph, signature FROM paragraph_signatures").fetchall():
            paragraphs[aid].append((int(p), _unpack(sig)))
        self._many(
            "UPDATE articles SET signature=?, paragraph_signatures=? WHERE id=?",
            [(bytes(sig), _pack_paragraphs(sorted(paragraphs.get(aid, []))), aid)
             for aid, sig in self._x("SELECT article_id, signature FROM minhashes").fetchall()],
        )  # fmt: skip

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
        row = self._x("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def active_stories(self, since_published: str | None, since_seq: int, limit: int) -> list[StoryWrite]:
        rows = self._x(
            "SELECT id, storyline, title, n_articles, first_published, last_published, languages, outlets,"
            " state, embedding, last_seq FROM stories WHERE last_seq >= ? OR last_published >= ?"
            " ORDER BY last_seq DESC, id LIMIT ?",
            (since_seq, since_published or "9999", limit),
        ).fetchall()
        return [_story_write(r) for r in rows]

    def story_state(self, story_id: str) -> StoryWrite | None:
        row = self._x(
            "SELECT id, storyline, title, n_articles, first_published, last_published, languages, outlets,"
            " state, embedding, last_seq FROM stories WHERE id = ?",
            (story_id,),
        ).fetchone()
        return _story_write(row) if row else None

    def story_lines(self) -> list[tuple[str, str, list[str]]]:
        """Every story's (id, storyline, salient entity keys), for linking storylines; oldest first."""
        rows = self._x("SELECT id, storyline, salient FROM stories ORDER BY last_seq, id")
        return [(sid, line, json.loads(salient)) for sid, line, salient in rows]

    def _fill_salient(self) -> None:
        """Schema upgrade: each story's salient names, read once from its state (the ten
        strongest entities, as the story stage picks them) into their own column."""
        rows = self._x("SELECT id, state FROM stories").fetchall()
        self._many(
            "UPDATE stories SET salient=? WHERE id=?",
            [(json.dumps([e for e, _ in Counter(json.loads(state).get("entities", {})).most_common(10)],
                         ensure_ascii=False), sid) for sid, state in rows],
        )  # fmt: skip

    def latest_published(self) -> str | None:
        row = self._x("SELECT max(last_published) FROM stories").fetchone()
        return row[0] if row else None

    def stories_about(self, terms: Sequence[str], since: str, until: str, limit: int) -> list[str]:
        # The full-text index ranks the articles of those days by the terms; their stories,
        # in that order. Twice `limit` articles: a story's reports tend to come up together.
        if not terms:
            return []
        hits, _ = self.search([{t} for t in terms], "any", Filters(since=since, until=until), 2 * limit, 0)
        ids = [aid for aid, _ in hits]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        story_of = dict(self._x(f"SELECT id, story FROM articles WHERE id IN ({marks})", ids).fetchall())
        found = [story_of[a] for a in ids if story_of.get(a)]
        return list(dict.fromkeys(self.resolve_story(s) for s in found))[:limit]

    def resolve_story(self, story_id: str) -> str:
        seen = set()
        while story_id not in seen:
            seen.add(story_id)
            row = self._x("SELECT into_story FROM story_merges WHERE merged=?", (story_id,)).fetchone()
            if row is None:
                break
            story_id = row[0]
        return story_id

    def stories(self) -> list[Story]:
        rows = self._x(
            "SELECT id, title, first_published, last_published, languages, outlets, storyline FROM stories"
        ).fetchall()
        members: dict[str, list[str]] = {}
        # Story by story, each in ingest order: the articles_story_members index alone.
        for aid, sid in self._x("SELECT id, story FROM articles WHERE story IS NOT NULL ORDER BY story, seq"):
            members.setdefault(sid, []).append(aid)
        return [
            Story(sid, title, members.get(sid, []), json.loads(outlets), json.loads(langs), first, last, line)
            for sid, title, first, last, langs, outlets, line in rows
        ]

    def list_stories(self, selection: StorySelection) -> tuple[list[Story], int]:
        return self.filter_stories(selection)

    def filter_stories(
        self, selection: StorySelection, until: str | None = None, entity_keys: Sequence[str] | None = None
    ) -> tuple[list[Story], int]:
        where: list[str] = []
        params: list[Any] = []
        if until:
            where.append("substr(first_published, 1, ?) <= ?")
            params += [len(until), until]
        if entity_keys is not None:
            # As search's entity filter (`_filter_sql`): the key, or a longer name holding it.
            keys = sorted(entity_keys) or [""]
            match = " OR ".join(["(' ' || entity || ' ') LIKE ?"] * len(keys))
            where.append(f"id IN (SELECT a.story FROM articles a WHERE a.id IN"
                         f" (SELECT article_id FROM article_entities WHERE {match}))")  # fmt: skip
            params += [f"% {k} %" for k in keys]
        if selection.since:
            where.append("last_published >= ?")
            params.append(selection.since)
        if selection.outlet:
            where.append("lower(outlets) LIKE ? ESCAPE '\\'")
            params.append(f"%{_like(selection.outlet.lower())}%")
        if selection.language:
            where.append("languages LIKE ? ESCAPE '\\'")
            params.append(f'%"{_like(selection.language)}"%')
        if selection.storyline:
            where.append("storyline = ?")
            params.append(selection.storyline)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        total = int(self._x(f"SELECT count(*) FROM stories{clause}", params).fetchone()[0])
        page = " LIMIT ? OFFSET ?" if selection.limit is not None else ""
        rows = self._x(
            "SELECT id, title, first_published, last_published, languages, outlets, storyline FROM stories"
            f"{clause} ORDER BY {_STORY_ORDER[selection.sort]}{page}",
            [*params, *((selection.limit, selection.offset) if page else ())],
        ).fetchall()
        return [self._story(row) for row in rows], total

    def list_storylines(self, limit: int, offset: int = 0) -> tuple[list[Storyline], int]:
        grouped = (
            "SELECT storyline, max(COALESCE(last_published, '')) AS last, min(first_published) AS first FROM stories"
            " GROUP BY storyline HAVING count(*) > 1"
        )
        total = int(self._x(f"SELECT count(*) FROM ({grouped}) AS lines").fetchone()[0])
        rows = self._x(f"{grouped} ORDER BY last DESC, storyline LIMIT ? OFFSET ?", (limit, offset)).fetchall()
        out = []
        for line, _, first in rows:
            # The latest stories of each, however many it holds: a page of storylines costs
            # the same for matters of ten stories or of ten thousand.
            stories, n = self.list_stories(StorySelection(storyline=line, limit=LINE_STORIES_READ))
            out.append(Storyline(line, sorted(stories, key=lambda s: (s.first_published or "", s.id)), n, first))
        return out, total

    def _story(self, row: Sequence[Any]) -> Story:
        sid, title, first, last, langs, outlets, line = row
        members = [r[0] for r in self._x("SELECT id FROM articles WHERE story=? ORDER BY seq", (sid,))]
        return Story(sid, title, members, json.loads(outlets), json.loads(langs), first, last, line)

    def get_story(self, ref: str) -> Story | None:
        sid = self.resolve_story(ref)
        row = self._x(
            "SELECT id, title, first_published, last_published, languages, outlets, storyline FROM stories"
            " WHERE id=? OR id LIKE ? LIMIT 2",
            (sid, sid + "%"),
        ).fetchall()
        return self._story(row[0]) if len(row) == 1 else None

    def story_members(self, story_id: str) -> list[StoryMember]:
        rows = self._x(
            "SELECT id, outlet, published, duplicate_of FROM articles WHERE story=? ORDER BY seq", (story_id,)
        ).fetchall()
        return [StoryMember(*r) for r in rows]

    # --- entities and outlets ---------------------------------------------------------
    # The entity index, article_entities, is ordered by (entity, published, seq): an
    # entity's latest articles are the end of its range, read backwards and cut by LIMIT;
    # `published` is "" for an undated article, so those come last.

    _LATEST = "ORDER BY published DESC, seq DESC LIMIT ?"

    def entity(self, key: str) -> EntityInfo | None:
        count, quoted, claimed, first, last = self._x(
            "SELECT count(*), COALESCE(sum(CASE WHEN quotes > 0 THEN 1 ELSE 0 END), 0),"
            " COALESCE(sum(CASE WHEN claims > 0 THEN 1 ELSE 0 END), 0),"
            " min(NULLIF(published, '')), max(NULLIF(published, '')) FROM article_entities WHERE entity = ?",
            (key,),
        ).fetchone()
        if not count:
            return None
        used: Counter[tuple[str, str, str]] = Counter()
        for forms, lang, label in self._x(
            f"SELECT forms, language, label FROM article_entities WHERE entity = ? {self._LATEST}", (key, ENTITY_SCAN)
        ):
            used.update((form, lang, label) for form in forms.split("\n"))
        names = sorted((EntityName(name, lang, label, n) for (name, lang, label), n in used.items()),
                       key=lambda e: (-e.articles, e.name, e.language, e.label))  # fmt: skip
        return EntityInfo(key, int(count), int(quoted), int(claimed), first, last, tuple(names))

    def entity_stories(self, key: str, limit: int) -> list[tuple[StoryRef, int]]:
        rows = self._x(
            "SELECT a.story, count(*), max(e.published) AS latest FROM (SELECT seq, published FROM article_entities"
            f" WHERE entity = ? {self._LATEST}) AS e JOIN articles a ON a.seq = e.seq WHERE a.story IS NOT NULL"
            " GROUP BY a.story ORDER BY latest DESC, a.story LIMIT ?",
            (key, ENTITY_SCAN, limit),
        ).fetchall()
        refs = self.story_refs([r[0] for r in rows])
        return [(refs[sid], int(n)) for sid, n, _ in rows if sid in refs]

    def entity_articles(self, key: str, limit: int, role: str | None = None) -> list[str]:
        # Each role has a partial index of its own, so a rarely quoted entity named in
        # 100,000 articles finds its quotes without reading past the others.
        where = {None: "", "quote": " AND quotes > 0", "claim": " AND claims > 0"}[role]
        hint = {None: "", "quote": self._use_index("article_entities_quoted"),
                "claim": self._use_index("article_entities_claimed")}[role]  # fmt: skip
        rows = self._x(
            f"SELECT article_id FROM article_entities{hint} WHERE entity = ?{where} {self._LATEST}", (key, limit)
        )
        return [r[0] for r in rows]

    def entity_days(self, key: str) -> list[tuple[str, int]]:
        rows = self._x(
            "SELECT substr(published, 1, 10) AS day, count(*) FROM article_entities WHERE entity = ?"
            " AND published <> '' GROUP BY substr(published, 1, 10) ORDER BY day",
            (key,),
        ).fetchall()
        return [(day, int(n)) for day, n in rows]

    def cooccurring(self, key: str, limit: int, articles: int) -> list[tuple[str, str, str, int]]:
        sample = f"(SELECT article_id FROM article_entities WHERE entity = ? {self._LATEST}) AS e"
        top = self._x(
            f"SELECT o.entity, count(*) AS n FROM {sample} JOIN article_entities o ON o.article_id = e.article_id"
            " WHERE o.entity <> ? GROUP BY o.entity ORDER BY n DESC, o.entity LIMIT ?",
            (key, articles, key, limit),
        ).fetchall()
        if not top:
            return []
        marks = ",".join("?" * len(top))
        forms: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
        for entity, name, label, n in self._x(
            f"SELECT o.entity, o.name, o.label, count(*) FROM {sample} JOIN article_entities o"
            f" ON o.article_id = e.article_id WHERE o.entity IN ({marks}) GROUP BY o.entity, o.name, o.label",
            (key, articles, *(r[0] for r in top)),
        ):
            forms[entity][(name, label)] += int(n)
        out = []
        for entity, n in top:
            (name, label), _ = max(forms[entity].items(), key=lambda kv: (kv[1], len(kv[0][0]), kv[0]))
            out.append((entity, name, label, int(n)))
        return out

    _REF = "id, title, outlet, published, language, story, duplicate_of"
    # The outlet indexes (articles_outlet_latest, articles_outlet_copies) are on exactly
    # these expressions.
    _OUTLET = "lower(outlet) = lower(?)"
    _OUTLET_LATEST = "ORDER BY COALESCE(published, '') DESC, seq DESC LIMIT ?"

    def outlet(self, name: str) -> OutletInfo | None:
        count = int(self._x(f"SELECT count(*) FROM articles WHERE {self._OUTLET}", (name,)).fetchone()[0])
        if not count:
            return None
        copies = self._x(f"SELECT count(*) FROM articles WHERE {self._OUTLET} AND duplicate_of IS NOT NULL", (name,))
        spelled, last = self._x(
            f"SELECT outlet, published FROM articles WHERE {self._OUTLET} {self._OUTLET_LATEST}", (name, 1)
        ).fetchone()
        first = self._x(
            f"SELECT published FROM articles WHERE {self._OUTLET} AND COALESCE(published, '') <> ''"
            " ORDER BY COALESCE(published, ''), seq LIMIT 1",
            (name,),
        ).fetchone()
        return OutletInfo(spelled, count, int(copies.fetchone()[0]), first[0] if first else None, last)

    def outlet_articles(self, name: str, limit: int, copies: bool = False) -> list[ArticleRef]:
        only = " AND duplicate_of IS NOT NULL" if copies else ""
        rows = self._x(
            f"SELECT {self._REF} FROM articles WHERE {self._OUTLET}{only} {self._OUTLET_LATEST}", (name, limit)
        ).fetchall()
        return [ArticleRef(*r) for r in rows]

    def story_refs(self, ids: Sequence[str]) -> dict[str, StoryRef]:
        rows = self._select_in(
            "SELECT id, title, storyline, n_articles, first_published, last_published, languages, outlets"
            " FROM stories WHERE id IN ({marks})",
            list(dict.fromkeys(ids)),
        )
        return {sid: StoryRef(sid, title, line, int(n), first, last, tuple(json.loads(langs)),
                              tuple(json.loads(outlets)))
                for sid, title, line, n, first, last, langs, outlets in rows}  # fmt: skip

    def article_refs(self, ids: Sequence[str]) -> dict[str, ArticleRef]:
        rows = self._select_in(f"SELECT {self._REF} FROM articles WHERE id IN ({{marks}})", list(dict.fromkeys(ids)))
        return {r[0]: ArticleRef(*r) for r in rows}

    def story_first_articles(self, story_id: str, limit: int) -> list[ArticleRef]:
        rows = self._x(f"SELECT {self._REF} FROM articles WHERE story = ? ORDER BY seq LIMIT ?", (story_id, limit))
        return [ArticleRef(*r) for r in rows]

    def story_coverage(self, story_id: str, period: int) -> list[CoverageCount]:
        if period not in (4, 7, 10):
            raise ValueError(f"a coverage period is 4, 7 or 10 characters, not {period}")
        rows = self._x(
            f"SELECT outlet, language, duplicate_of IS NOT NULL AS copy, COALESCE(substr(published, 1, {period}), '')"
            " AS period, count(*) FROM articles WHERE story = ? GROUP BY outlet, language, copy, period",
            (story_id,),
        ).fetchall()
        return [CoverageCount(outlet, language, bool(copy), when, int(n)) for outlet, language, copy, when, n in rows]

    def story_first_reports(self, story_id: str, limit: int) -> list[ArticleRef]:
        rows = self._x(
            f"SELECT {self._REF} FROM (SELECT {self._REF}, row_number() OVER (PARTITION BY lower(COALESCE(outlet, ''))"
            " ORDER BY published IS NULL, published, seq) AS k, published IS NULL AS undated, seq FROM articles"
            " WHERE story = ?) AS firsts WHERE k = 1 ORDER BY undated, published, seq LIMIT ?",
            (story_id, limit),
        ).fetchall()
        return [ArticleRef(*r) for r in rows]

    def shared_paragraphs(self, ids: Sequence[str], limit: int) -> dict[str, list[Syndication]]:
        sql = (
            "SELECT article_id, paragraph, other_id, other_paragraph, similarity FROM syndication WHERE article_id = ?"
            " ORDER BY paragraph, other_id, other_paragraph LIMIT ?"
        )
        return {aid: [Syndication(*r) for r in self._x(sql, (aid, limit))] for aid in dict.fromkeys(ids)}

    def syndications(self, ids: Sequence[str]) -> dict[str, list[Syndication]]:
        out: dict[str, list[Syndication]] = {aid: [] for aid in ids}
        rows = self._select_in(
            "SELECT article_id, paragraph, other_id, other_paragraph, similarity FROM syndication"
            " WHERE article_id IN ({marks})",
            list(out),
        )
        for r in sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3])):
            out[r[0]].append(Syndication(*r))
        return out

    def syndication(self, article_id: str) -> list[Syndication]:
        rows = self._x(
            "SELECT article_id, paragraph, other_id, other_paragraph, similarity FROM syndication"
            " WHERE article_id=? ORDER BY paragraph",
            (article_id,),
        ).fetchall()
        return [Syndication(*r) for r in rows]

    def add_source(self, article_id: str, source: str) -> None:
        self._x("INSERT INTO article_sources VALUES (?,?) ON CONFLICT DO NOTHING", (article_id, source))

    def add_quarantine(self, entry: QuarantineEntry) -> None:
        self._x(
            "INSERT INTO quarantine VALUES (?,?,?,?) ON CONFLICT(source, reason) DO UPDATE SET detail=excluded.detail",
            (entry.source, entry.reason, entry.detail, datetime.now(UTC).isoformat(timespec="seconds")),
        )

    # --- outlets followed (`kabar sources`) ---
    def save_outlet_source(self, source: Source) -> None:
        keys = _outlet_keys(source)
        with self._transaction():
            taken = self._select_in("SELECT key, name FROM outlet_names WHERE key IN ({marks})", list(keys))
            for key, owner in taken:
                if owner != source.name:
                    raise ValueError(f"{key!r} already names the outlet {owner!r}")
            self._drop_outlet(source.name)
            self._x(
                "INSERT INTO outlet_sources (name, home, language, allow_private, added) VALUES (?,?,?,?,?)",
                (source.name, source.home, source.language, int(source.allow_private), source.added),
            )
            self._many(
                "INSERT INTO outlet_names (key, name, kind, label, position) VALUES (?,?,?,?,?)",
                [(k, source.name, *v) for k, v in keys.items()],
            )
            self._many(
                "INSERT INTO outlet_feeds (name, url, kind, position) VALUES (?,?,?,?)",
                [(source.name, u, "feed", i) for i, u in enumerate(source.feeds)]
                + [(source.name, u, "sitemap", i) for i, u in enumerate(source.sitemaps)],
            )

    def _drop_outlet(self, name: str) -> None:
        self._x("DELETE FROM outlet_feeds WHERE name=?", (name,))
        self._x("DELETE FROM outlet_names WHERE name=?", (name,))
        self._x("DELETE FROM outlet_sources WHERE name=?", (name,))

    def remove_outlet_source(self, domain_or_name: str) -> str | None:
        with self._transaction():
            name = self.outlet_for(domain_or_name)
            if name is not None:
                self._drop_outlet(name)
            return name

    def outlet_for(self, domain_or_name: str) -> str | None:
        from kabar.sources import domain_of

        text = domain_or_name.strip()
        keys = [text.lower(), domain_of(text)] if text else []
        for key in keys:
            row = self._x("SELECT name FROM outlet_names WHERE key=?", (key,)).fetchone()
            if row:
                return str(row[0])
        return None

    def outlet_sources(self) -> list[Source]:
        names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for name, label, kind in self._x(
            "SELECT name, label, kind FROM outlet_names ORDER BY name, kind, position"
        ).fetchall():
            names[name][kind].append(label)
        urls: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for name, url, kind in self._x(
            "SELECT name, url, kind FROM outlet_feeds ORDER BY name, kind, position"
        ).fetchall():
            urls[name][kind].append(url)
        rows = self._x(
            "SELECT name, home, language, allow_private, added FROM outlet_sources ORDER BY lower(name), name"
        ).fetchall()
        return [
            Source(
                name=name,
                domains=tuple(names[name]["domain"]),
                aliases=tuple(names[name]["alias"]),
                feeds=tuple(urls[name]["feed"]),
                sitemaps=tuple(urls[name]["sitemap"]),
                language=language,
                allow_private=bool(allow_private),
                added=added,
                home=home,
            )
            for name, home, language, allow_private, added in rows
        ]

    # --- fetch state (`kabar fetch`) ---
    def fetched_urls(self, urls: Sequence[str]) -> set[str]:
        rows = self._select_in("SELECT url FROM fetch_seen WHERE url IN ({marks})", list(dict.fromkeys(urls)))
        return {str(r[0]) for r in rows}

    def save_fetches(self, records: Sequence[FetchRecord]) -> None:
        if not records:
            return
        with self._transaction():
            self._many(
                "INSERT INTO fetch_seen (url, outlet, seen, status, problem, detail, attempts, retry_at)"
                " VALUES (?,?,?,?,?,?,?,?)"
                " ON CONFLICT(url) DO UPDATE SET outlet=excluded.outlet, seen=excluded.seen,"
                " status=excluded.status, problem=excluded.problem, detail=excluded.detail,"
                " attempts=excluded.attempts, retry_at=excluded.retry_at",
                [(r.url, r.outlet, r.seen, r.status, r.problem, r.detail, r.attempts, r.retry_at) for r in records],
            )

    _FETCH_COLUMNS = "url, outlet, seen, status, problem, detail, attempts, retry_at"

    def fetch_failures(self, limit: int) -> list[FetchRecord]:
        rows = self._x(
            f"SELECT {self._FETCH_COLUMNS} FROM fetch_seen WHERE problem IS NOT NULL ORDER BY seen DESC, url LIMIT ?",
            (limit,),
        ).fetchall()
        return [FetchRecord(*r) for r in rows]

    def retry_due(self, outlet: str, now: str, limit: int) -> list[FetchRecord]:
        rows = self._x(
            f"SELECT {self._FETCH_COLUMNS} FROM fetch_seen WHERE outlet=? AND retry_at IS NOT NULL AND retry_at <= ?"
            " ORDER BY retry_at, url LIMIT ?",
            (outlet, now, limit),
        ).fetchall()
        return [FetchRecord(*r) for r in rows]

    def source_schedules(self) -> dict[str, SourceSchedule]:
        rows = self._x("SELECT name, next_due, last_pass, interval_s FROM fetch_sources").fetchall()
        return {str(r[0]): SourceSchedule(*r) for r in rows}

    def save_source_schedules(self, schedules: Sequence[SourceSchedule]) -> None:
        if not schedules:
            return
        with self._transaction():
            self._many(
                "INSERT INTO fetch_sources (name, next_due, last_pass, interval_s) VALUES (?,?,?,?)"
                " ON CONFLICT(name) DO UPDATE SET next_due=excluded.next_due, last_pass=excluded.last_pass,"
                " interval_s=excluded.interval_s",
                [(s.name, s.next_due, s.last_pass, s.interval) for s in schedules],
            )

    def ingested_warcs(self) -> set[str]:
        return {str(r[0]) for r in self._x("SELECT path FROM fetch_warcs").fetchall()}

    def mark_warcs_ingested(self, paths: Sequence[str], when: str) -> None:
        if not paths:
            return
        with self._transaction():
            self._many(
                "INSERT INTO fetch_warcs (path, ingested) VALUES (?,?) ON CONFLICT(path) DO NOTHING",
                [(p, when) for p in paths],
            )

    # --- alerts (kabar.alerts) ---
    def max_seq(self) -> int:
        row = self._x("SELECT max(seq) FROM articles").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    _ALERT_COLUMNS = (
        "id, name, query, condition, secret, created, checked_seq, entity, outlet, language, webhook, allow_private"
    )

    def save_alert(self, alert: Alert) -> None:
        row = self._x("SELECT id FROM alerts WHERE lower(name)=lower(?)", (alert.name,)).fetchone()
        if row is not None and row[0] != alert.id:
            raise ValueError(f"an alert is already called {alert.name!r}")
        with self._transaction():
            self._x("DELETE FROM alerts WHERE id=?", (alert.id,))
            self._x(
                f"INSERT INTO alerts ({self._ALERT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (alert.id, alert.name, alert.query, alert.condition, alert.secret, alert.created, alert.checked_seq,
                 alert.entity, alert.outlet, alert.language, alert.webhook, int(alert.allow_private)),
            )  # fmt: skip

    def alerts(self) -> list[Alert]:
        rows = self._x(f"SELECT {self._ALERT_COLUMNS} FROM alerts ORDER BY lower(name)").fetchall()
        return [self._alert(r) for r in rows]

    @staticmethod
    def _alert(row: Sequence[Any]) -> Alert:
        aid, name, query, condition, secret, created, checked, entity, outlet, language, webhook, private = row
        return Alert(aid, name, query, condition, secret, created, int(checked), entity, outlet, language, webhook,
                     bool(private))  # fmt: skip

    def remove_alert(self, id_or_name: str) -> Alert | None:
        row = self._x(
            f"SELECT {self._ALERT_COLUMNS} FROM alerts WHERE id=? OR lower(name)=lower(?)", (id_or_name, id_or_name)
        ).fetchone()
        if row is None:
            return None
        alert = self._alert(row)
        with self._transaction():
            self._x("DELETE FROM alert_events WHERE alert=?", (alert.id,))
            self._x("DELETE FROM alerts WHERE id=?", (alert.id,))
        return alert

    def story_outlets(self, story_id: str, upto_seq: int | None = None) -> dict[str, bool]:
        bound, params = ("", [story_id]) if upto_seq is None else (" AND seq <= ?", [story_id, upto_seq])
        rows = self._x(
            "SELECT min(outlet), max(CASE WHEN duplicate_of IS NULL THEN 1 ELSE 0 END) FROM articles"
            f" WHERE story=? AND outlet IS NOT NULL{bound} GROUP BY lower(outlet)",
            params,
        ).fetchall()
        return {str(o): bool(independent) for o, independent in rows}

    def story_started(self, story_id: str) -> int:
        row = self._x("SELECT min(seq) FROM articles WHERE story=?", (story_id,)).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    _EVENT_COLUMNS = "alert, story, event, created, payload, delivered, attempts, next_try, last_error"

    def _event(self, row: Sequence[Any]) -> AlertEvent:
        alert, story, event, created, payload, *rest = row
        return AlertEvent(alert, story, event, created, json.loads(payload), *rest)

    def add_alert_events(self, events: Sequence[AlertEvent], checked: dict[str, int]) -> list[AlertEvent]:
        new: list[AlertEvent] = []
        with self._transaction():
            for e in events:
                inserted = self._x(
                    f"INSERT INTO alert_events ({self._EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(alert, story, event) DO NOTHING RETURNING alert",
                    (e.alert, e.story, e.event, e.created, json.dumps(e.payload, ensure_ascii=False),
                     e.delivered, e.attempts, e.next_try, e.last_error),
                )  # fmt: skip
                if inserted.fetchone() is not None:
                    new.append(e)
            self._many("UPDATE alerts SET checked_seq=? WHERE id=?", [(seq, aid) for aid, seq in checked.items()])
        return new

    def alert_stories(self, alert_id: str, story_ids: Sequence[str]) -> set[str]:
        rows = self._select_in(
            "SELECT DISTINCT story FROM alert_events WHERE alert=? AND story IN ({marks})",
            list(dict.fromkeys(story_ids)),
            [alert_id],
        )
        return {str(r[0]) for r in rows}

    def alert_counts(self) -> dict[str, int]:
        rows = self._x("SELECT alert, count(*) FROM alert_events WHERE event <> 'watching' GROUP BY alert").fetchall()
        return {str(a): int(n) for a, n in rows}

    def alert_events(self, alert_id: str | None, limit: int) -> list[AlertEvent]:
        where, params = ("AND alert=?", [alert_id]) if alert_id else ("", [])
        rows = self._x(
            f"SELECT {self._EVENT_COLUMNS} FROM alert_events WHERE event <> 'watching' {where}"
            " ORDER BY created DESC, story, event LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [self._event(r) for r in rows]

    def pending_deliveries(self, now: str, limit: int) -> list[tuple[Alert, AlertEvent]]:
        columns = ", ".join(f"e.{c.strip()}" for c in self._EVENT_COLUMNS.split(","))
        alert_columns = ", ".join(f"a.{c.strip()}" for c in self._ALERT_COLUMNS.split(","))
        rows = self._x(
            f"SELECT {alert_columns}, {columns} FROM alert_events e JOIN alerts a ON a.id = e.alert"
            " WHERE e.delivered IS NULL AND e.next_try IS NOT NULL AND e.next_try <= ? AND a.webhook IS NOT NULL"
            " ORDER BY e.next_try, e.created LIMIT ?",
            (now, limit),
        ).fetchall()
        n = len(self._ALERT_COLUMNS.split(","))
        return [(self._alert(r[:n]), self._event(r[n:])) for r in rows]

    def save_delivery(self, event: AlertEvent) -> None:
        with self._transaction():
            self._x(
                "UPDATE alert_events SET delivered=?, attempts=?, next_try=?, last_error=?"
                " WHERE alert=? AND story=? AND event=?",
                (event.delivered, event.attempts, event.next_try, event.last_error, event.alert, event.story,
                 event.event),
            )  # fmt: skip

    def feed_states(self, urls: Sequence[str]) -> dict[str, FeedState]:
        rows = self._select_in(
            "SELECT url, etag, last_modified, checked, status, problem FROM fetch_feeds WHERE url IN ({marks})",
            list(dict.fromkeys(urls)),
        )
        return {str(r[0]): FeedState(*r) for r in rows}

    def save_feed_states(self, states: Sequence[FeedState]) -> None:
        if not states:
            return
        with self._transaction():
            self._many(
                "INSERT INTO fetch_feeds (url, etag, last_modified, checked, status, problem) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified,"
                " checked=excluded.checked, status=excluded.status, problem=excluded.problem",
                [(f.url, f.etag, f.last_modified, f.checked, f.status, f.problem) for f in states],
            )

    def line_stats(self, hashes: Sequence[int]) -> dict[int, int]:
        rows = self._select_in("SELECT hash, docs FROM line_stats WHERE hash IN ({marks})", hashes)
        return {int(h): int(n) for h, n in rows}

    def line_window(self, chunks: int) -> list[list[int]]:
        rows = self._x("SELECT hashes FROM line_window ORDER BY seq DESC LIMIT ?", (chunks,)).fetchall()
        return [array("q", bytes(blob)).tolist() for (blob,) in reversed(rows)]

    _COLUMNS = (
        "id, source, url, outlet, title, published, language, dateline,"
        " text, removed, time_mentions, raw_text, story, duplicate_of, duplicate_similarity, extraction"
    )

    def _article(self, row: tuple[Any, ...], sources: list[str] | None = None) -> Article:
        """An article from its row; its sources are read unless given."""
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
        if sources is None:
            sources = [r[0] for r in self._x(
                "SELECT source FROM article_sources WHERE article_id=? ORDER BY source", (aid,))]  # fmt: skip
        return Article(
            id=aid, source=source, url=url, outlet=outlet, title=title, published=published,
            language=language, dateline=dateline, paragraphs=text.split("\n\n") if text else [],
            removed=[Removal(*r) for r in json.loads(removed)],
            time_mentions=[TimeMention(*t) for t in json.loads(times)],
            raw_text=raw, sources=sources or [source], story=story, duplicate_of=dup, duplicate_similarity=sim,
        ).with_extraction(json.loads(extraction))  # fmt: skip

    def get_article(self, ref: str) -> Article | None:
        row = self._x(f"SELECT {self._COLUMNS} FROM articles WHERE id=?", (ref,)).fetchone()
        if row is None and len(ref) >= 4 and all(c in "0123456789abcdef" for c in ref):
            rows = self._x(f"SELECT {self._COLUMNS} FROM articles WHERE id LIKE ? LIMIT 2", (ref + "%",)).fetchall()
            row = rows[0] if len(rows) == 1 else None
        if row is None:
            # A source path, or the start of a file name when that is unambiguous.
            hits = self._x(
                "SELECT DISTINCT article_id FROM article_sources WHERE source=? OR source LIKE ? LIMIT 2",
                (ref, "%/" + ref.replace("%", "") + "%"),
            ).fetchall()
            if len(hits) == 1:
                row = self._x(f"SELECT {self._COLUMNS} FROM articles WHERE id=?", hits[0]).fetchone()
        return self._article(row) if row else None

    def _articles(self, rows: Sequence[tuple[Any, ...]]) -> list[Article]:
        """Articles from rows, their sources read in one query."""
        sources: dict[str, list[str]] = defaultdict(list)
        for aid, source in self._select_in(
            "SELECT article_id, source FROM article_sources WHERE article_id IN ({marks})", [r[0] for r in rows]
        ):
            sources[aid].append(source)
        return [self._article(tuple(r), sorted(sources.get(r[0], []))) for r in rows]

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        rows = self._select_in(
            f"SELECT {self._COLUMNS} FROM articles WHERE id IN ({{marks}})", list(dict.fromkeys(ids))
        )
        found = {a.id: a for a in self._articles(rows)}
        return [found[aid] for aid in ids if aid in found]

    def iter_articles(self) -> Iterator[Article]:
        last = -1
        while True:
            rows = self._x(
                f"SELECT seq, {self._COLUMNS} FROM articles WHERE seq > ? ORDER BY seq LIMIT ?", (last, ARTICLE_PAGE)
            ).fetchall()
            if not rows:
                return
            last = int(rows[-1][0])
            yield from self._articles([tuple(r[1:]) for r in rows])

    def count_articles(self) -> int:
        return int(self._x("SELECT count(*) FROM articles").fetchone()[0])

    def quarantine(self) -> list[dict[str, Any]]:
        rows = self._x("SELECT source, reason, detail, first_seen FROM quarantine ORDER BY source")
        return [dict(zip(("source", "reason", "detail", "first_seen"), r, strict=True)) for r in rows]
