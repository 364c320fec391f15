"""Copies: near-duplicate articles and syndicated paragraphs, by MinHash LSH.

Signatures come from rensa (MinHash in Rust). Candidates come from LSH bands over a
window of recent articles held in memory (`CopyIndex`), so finding the copies of one
article costs a few dictionary lookups, never a pass over the corpus; the store keeps
the signatures, from which the window is rebuilt when a new run starts (band keys are
computed for the whole window at once, `band_keys`, so that costs about a second).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from kabar.model import Article, Syndication, publication_order
from kabar.stages import COPY_FINDERS, DEFAULT_COPIES
from kabar.store import PipelineStore
from kabar.text import key

NUM_PERM = 128
BANDS = 32  # 32 bands x 4 rows: pairs at Jaccard 0.5 are candidates 87 % of the time, at 0.6 99 %
ROWS = NUM_PERM // BANDS
DUPLICATE_JACCARD = 0.5  # a copy cut to half its length still counts
SHINGLE_WORDS = 5

PARA_PERM = 16
PARA_BANDS = 4
PARA_ROWS = PARA_PERM // PARA_BANDS
PARA_MIN_WORDS = 15  # shorter paragraphs ("Reaksi dari China") repeat by chance
SYNDICATED_JACCARD = 0.7
SEED = 20241119
COPY_WINDOW = 30_000  # the most recent articles (in ingest order) a new one is checked against


def shingles(text: str, n: int = SHINGLE_WORDS) -> list[str]:
    tokens = key(text).split()
    if len(tokens) <= n:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def signature(text: str, num_perm: int = NUM_PERM) -> list[int]:
    from rensa import RMinHash

    mh = RMinHash(num_perm=num_perm, seed=SEED)
    mh.update(shingles(text))
    return list(mh.digest())


_MIX = np.uint64(0x9E3779B97F4A7C15)  # an odd 64-bit constant (the golden ratio's)


def band_keys(signatures: np.ndarray, n_bands: int = BANDS, tag: int = 0) -> np.ndarray:
    """64-bit keys of the bands of many signatures at once: (n, perm) -> (n, n_bands).

    Each key mixes the band's rows, the band's number and `tag` (which keeps article and
    paragraph bands apart) by multiply-xorshift in wrapping uint64 arithmetic: the same
    in every process, and vectorised, so a window of 30,000 stored articles is keyed in
    one pass when a run starts. Keys live in memory only, never in the store."""
    n, perm = signatures.shape
    rows = perm // n_bands
    values = signatures.astype(np.uint64).reshape(n, n_bands, rows)
    h = np.empty((n, n_bands), dtype=np.uint64)
    h[:] = np.arange(n_bands, dtype=np.uint64) + np.uint64(tag << 32)
    for r in range(rows):
        h ^= values[:, :, r]
        h *= _MIX
        h ^= h >> np.uint64(31)
    return h.view(np.int64)


def bands(sig: Sequence[int], n_bands: int = BANDS, tag: int = 0) -> list[int]:
    """The band keys of one signature (`band_keys`)."""
    keys: list[int] = band_keys(np.asarray([sig], dtype=np.uint64), n_bands, tag)[0].tolist()
    return keys


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    if not len(a) or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


@dataclass(frozen=True, slots=True)
class ParagraphSignature:
    paragraph: int
    signature: list[int]
    bands: list[int]


def paragraph_signatures(paragraphs: Iterable[str]) -> list[ParagraphSignature]:
    numbered = [(i, signature(p, PARA_PERM)) for i, p in enumerate(paragraphs) if len(p.split()) >= PARA_MIN_WORDS]
    if not numbered:
        return []
    keys = band_keys(np.asarray([sig for _, sig in numbered], dtype=np.uint64), PARA_BANDS, tag=1).tolist()
    return [ParagraphSignature(i, sig, k) for (i, sig), k in zip(numbered, keys, strict=True)]


@dataclass(frozen=True, slots=True)
class ArticleSignature:
    """An article's MinHash signature, its LSH band keys and its paragraphs' signatures:
    all that depends on the article alone, so it can be computed anywhere."""

    signature: list[int]
    bands: list[int]
    paragraphs: list[ParagraphSignature]


def article_signature(article: Article) -> ArticleSignature:
    sig = signature(article.text)
    return ArticleSignature(sig, bands(sig), paragraph_signatures(article.paragraphs))


@dataclass
class CopiesResult:
    minhashes: dict[str, list[int]]
    paragraph_signatures: dict[str, list[tuple[int, list[int]]]]  # article -> [(paragraph, signature)]
    syndications: list[Syndication]
    duplicate_updates: list[tuple[str, str | None, float | None]]  # stored articles whose original changed


@dataclass
class _Segment:
    """Sealed articles of the window: sorted band keys with the row each belongs to."""

    ids: list[str]
    signatures: np.ndarray  # (articles, NUM_PERM)
    keys: np.ndarray  # sorted band keys
    rows: np.ndarray  # the article row of each key
    refs: list[tuple[str, int]]  # (article, paragraph)
    paragraph_signatures: np.ndarray  # (paragraphs, PARA_PERM)
    paragraph_keys: np.ndarray
    paragraph_rows: np.ndarray

    @classmethod
    def build(cls, parts: list[_Segment]) -> _Segment:
        def sort(keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            order = np.argsort(keys, kind="stable")
            return keys[order], rows[order]

        ids: list[str] = []
        refs: list[tuple[str, int]] = []
        key_parts, row_parts, pkey_parts, prow_parts = [], [], [], []
        for part in parts:
            key_parts.append(part.keys)
            row_parts.append(part.rows + len(ids))
            pkey_parts.append(part.paragraph_keys)
            prow_parts.append(part.paragraph_rows + len(refs))
            ids.extend(part.ids)
            refs.extend(part.refs)
        keys, rows = sort(np.concatenate(key_parts), np.concatenate(row_parts))
        pkeys, prows = sort(np.concatenate(pkey_parts), np.concatenate(prow_parts))
        return cls(
            ids, np.concatenate([p.signatures for p in parts]), keys, rows,
            refs, np.concatenate([p.paragraph_signatures for p in parts]), pkeys, prows,
        )  # fmt: skip

    @classmethod
    def of(cls, stored: Sequence[tuple[str, np.ndarray, np.ndarray, np.ndarray]]) -> _Segment:
        """A segment of stored articles: (id, signature, paragraph numbers, their signatures)."""
        signatures = np.asarray([sig for _, sig, _, _ in stored], dtype=np.uint64).reshape(len(stored), NUM_PERM)
        refs = [(aid, p) for aid, _, numbers, _ in stored for p in numbers.tolist()]
        tables = [t.reshape(-1, PARA_PERM) for _, _, _, t in stored]
        psigs = np.concatenate(tables) if tables else np.zeros((0, PARA_PERM), dtype=np.uint64)
        return cls(
            [aid for aid, _, _, _ in stored], signatures,
            band_keys(signatures).ravel(), np.repeat(np.arange(len(stored)), BANDS),
            refs, psigs,
            band_keys(psigs, PARA_BANDS, tag=1).ravel(), np.repeat(np.arange(len(refs)), PARA_BANDS),
        )  # fmt: skip

    @staticmethod
    def find(keys: np.ndarray, rows: np.ndarray, query: np.ndarray) -> dict[int, list[int]]:
        """query key -> the rows that have it."""
        lo, hi = np.searchsorted(keys, query, "left"), np.searchsorted(keys, query, "right")
        return {int(query[i]): rows[lo[i] : hi[i]].tolist() for i in np.flatnonzero(hi > lo)}


class CopyIndex:
    """The band keys and signatures of the most recent articles (at least `window`) and
    their paragraphs, in memory.

    Copies and syndicated paragraphs turn up within days of their original, so a window
    in ingest order is enough, and it keeps the store's writes to one signature row per
    article and paragraph: band keys are hashes, and storing them meant a random B-tree
    page written per key, which made writes slower as the store grew. Sealed articles sit
    in numpy segments (about 2 KB an article); the articles of the open chunk in dicts."""

    SEGMENT = 4096  # small segments are merged into one of this many articles

    def __init__(self, window: int = COPY_WINDOW) -> None:
        self.window = window
        self.segments: list[_Segment] = []
        self._small: list[_Segment] = []  # sealed chunks not yet merged
        self._open: dict[str, tuple[Sequence[int], list[int], list[ParagraphSignature]]] = {}
        self._open_bands: dict[int, list[str]] = {}
        self._open_paragraphs: dict[int, list[tuple[str, int]]] = {}
        self._sealed = 0  # articles in the segments
        self._found: dict[int, list[tuple[_Segment, int]]] = {}
        self._found_paragraphs: dict[int, list[tuple[_Segment, int]]] = {}

    @classmethod
    def load(cls, store: PipelineStore, window: int = COPY_WINDOW) -> CopyIndex:
        """The window of the store's most recent articles, keyed in bulk into segments
        of SEGMENT articles (oldest first, so the oldest leave first)."""
        index = cls(window)
        stored = store.recent_signatures(window)
        for start in range(0, len(stored), cls.SEGMENT):
            part = stored[start : start + cls.SEGMENT]
            index.segments.append(_Segment.build([_Segment.of(part)]))
            index._sealed += len(part)
        return index

    def __len__(self) -> int:
        return self._sealed + len(self._open)

    def prefetch(self, keys: Iterable[int], paragraph_keys: Iterable[int]) -> None:
        """Look up a chunk's band keys in the sealed segments at once (one vectorised
        search per segment instead of one per article)."""
        query = np.unique(np.fromiter(keys, dtype=np.int64))
        pquery = np.unique(np.fromiter(paragraph_keys, dtype=np.int64))
        self._found, self._found_paragraphs = {}, {}
        for seg in [*self.segments, *self._small]:
            for k, rows in _Segment.find(seg.keys, seg.rows, query).items():
                self._found.setdefault(k, []).extend((seg, r) for r in rows)
            for k, rows in _Segment.find(seg.paragraph_keys, seg.paragraph_rows, pquery).items():
                self._found_paragraphs.setdefault(k, []).extend((seg, r) for r in rows)

    def article_candidates(self, keys: Iterable[int]) -> dict[str, Sequence[int]]:
        """Articles sharing a band key (sealed ones found by `prefetch`) -> their signatures."""
        out: dict[str, Sequence[int]] = {}
        for k in keys:
            for seg, row in self._found.get(k, ()):
                out[seg.ids[row]] = seg.signatures[row]
            for aid in self._open_bands.get(k, ()):
                out[aid] = self._open[aid][0]
        return out

    def paragraph_candidates(self, keys: Iterable[int]) -> dict[tuple[str, int], Sequence[int]]:
        out: dict[tuple[str, int], Sequence[int]] = {}
        for k in keys:
            for seg, row in self._found_paragraphs.get(k, ()):
                out[seg.refs[row]] = seg.paragraph_signatures[row]
            for ref in self._open_paragraphs.get(k, ()):
                out[ref] = next(ps.signature for ps in self._open[ref[0]][2] if ps.paragraph == ref[1])
        return out

    def add(self, article_id: str, sig: Sequence[int], keys: list[int], paragraphs: list[ParagraphSignature]) -> None:
        if article_id in self._open:  # stored articles are never ingested twice; a chunk may repeat one
            return
        self._open[article_id] = (sig, keys, paragraphs)
        for k in keys:
            self._open_bands.setdefault(k, []).append(article_id)
        for ps in paragraphs:
            for k in ps.bands:
                self._open_paragraphs.setdefault(k, []).append((article_id, ps.paragraph))

    def seal(self) -> None:
        """Move the open articles into a segment; merge small segments; drop the oldest
        segments the window no longer needs."""
        if self._open:
            ids = list(self._open)  # dicts keep insertion order
            refs: list[tuple[str, int]] = []
            keys, rows, psigs, pkeys, prows = [], [], [], [], []
            for row, aid in enumerate(ids):
                _, article_keys, paragraphs = self._open[aid]
                keys.extend(article_keys)
                rows.extend([row] * len(article_keys))
                for ps in paragraphs:
                    pkeys.extend(ps.bands)
                    prows.extend([len(refs)] * len(ps.bands))
                    refs.append((aid, ps.paragraph))
                    psigs.append(ps.signature)
            seg = _Segment.build([_Segment(
                ids, np.array([self._open[a][0] for a in ids], dtype=np.uint64).reshape(len(ids), NUM_PERM),
                np.array(keys, dtype=np.int64), np.array(rows, dtype=np.int64), refs,
                np.array(psigs, dtype=np.uint64).reshape(len(refs), PARA_PERM),
                np.array(pkeys, dtype=np.int64), np.array(prows, dtype=np.int64),
            )])  # fmt: skip
            self._small.append(seg)
            self._open, self._open_bands, self._open_paragraphs = {}, {}, {}
            if sum(len(s.ids) for s in self._small) >= self.SEGMENT:
                self.segments.append(_Segment.build(self._small))
                self._small = []
            self._sealed += len(ids)
        while self.segments and len(self) - len(self.segments[0].ids) >= self.window:
            self._sealed -= len(self.segments.pop(0).ids)


class CopyLookups(Protocol):
    """What finding copies reads about articles already stored: the groups of copies they
    belong to. `PipelineStore` provides it from the store (`CopyStage`); `MemoryCopies`
    from articles held in memory."""

    def duplicate_info(self, ids: Sequence[str]) -> dict[str, tuple[str | None, str | None, int]]:
        """id -> (published, duplicate_of, ingest order), for the known ids among `ids`."""
        ...

    def duplicates_of(self, ids: Sequence[str]) -> list[str]:
        """The known articles marked as copies of any of `ids`."""
        ...


class MemoryCopies:
    """`CopyLookups` over articles kept in memory: what a run without a store (a test, a
    benchmark) records after each `find_copies`, as `Store.save_chunk` would."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str | None, str | None, int]] = {}  # id -> (published, duplicate_of, seq)
        self.next_seq = 1  # the ingest order of the next article (the `first_seq` of the next chunk)

    def record(self, articles: Sequence[Article], first_seq: int, result: CopiesResult) -> None:
        """Keep `articles` (given to `find_copies` with `first_seq`) and the groups it changed;
        an id already kept stays as it was, as in the store."""
        for offset, a in enumerate(articles):
            self.rows.setdefault(a.id, (a.published, a.duplicate_of, first_seq + offset))
        self.next_seq = max(self.next_seq, first_seq + len(articles))
        for aid, original, _ in result.duplicate_updates:
            if aid in self.rows:
                published, _, seq = self.rows[aid]
                self.rows[aid] = (published, original, seq)

    def duplicate_info(self, ids: Sequence[str]) -> dict[str, tuple[str | None, str | None, int]]:
        return {aid: self.rows[aid] for aid in ids if aid in self.rows}

    def duplicates_of(self, ids: Sequence[str]) -> list[str]:
        wanted = set(ids)
        return [aid for aid, (_, original, _) in self.rows.items() if original in wanted]


class CopyStage:
    """Copies against a store, the default copy finder ("minhash", a `stages.CopyFinder`):
    loads the recent window once, then follows the stream."""

    def __init__(self, store: PipelineStore, window: int = COPY_WINDOW) -> None:
        self.store = store
        self.window = window
        self.index: CopyIndex | None = None

    def process(
        self, articles: list[Article], first_seq: int, signatures: Mapping[str, ArticleSignature] | None = None
    ) -> CopiesResult:
        if self.index is None:
            self.index = CopyIndex.load(self.store, self.window)
        return find_copies(articles, self.index, self.store, first_seq, signatures)


def find_copies(
    articles: list[Article],
    index: CopyIndex,
    lookups: CopyLookups,
    first_seq: int,
    signatures: Mapping[str, ArticleSignature] | None = None,
) -> CopiesResult:
    """Mark near-duplicate articles (`duplicate_of`, the earliest published or first seen)
    and record syndicated paragraphs, against the articles in `index` and each other.
    `articles` are new; `first_seq` is the ingest order the first of them will get. They
    are added to `index` as they are checked. `signatures` may hold theirs, computed
    elsewhere (`article_signature`). What is known of earlier articles (their publication,
    ingest order and copy groups) comes from `lookups`: the store, for `CopyStage`."""
    result = CopiesResult({}, {}, [], [])
    info: dict[str, tuple[str | None, str | None, int]] = {}
    by_id = {a.id: a for a in articles}
    computed = {a.id: (signatures or {}).get(a.id) or article_signature(a) for a in articles}
    sigs = {aid: c.signature for aid, c in computed.items()}
    keys_of = {aid: c.bands for aid, c in computed.items()}
    paragraphs_of = {aid: c.paragraphs for aid, c in computed.items()}
    index.prefetch(
        (k for keys in keys_of.values() for k in keys),
        (k for ps_list in paragraphs_of.values() for ps in ps_list for k in ps.bands),
    )
    for offset, a in enumerate(articles):
        sig, keys, paragraphs = sigs[a.id], keys_of[a.id], paragraphs_of[a.id]
        result.minhashes[a.id] = sig
        candidates = index.article_candidates(keys)
        candidates.pop(a.id, None)
        sims = {c: jaccard(sig, other) for c, other in candidates.items()}
        copies = {c: s for c, s in sims.items() if s >= DUPLICATE_JACCARD}
        info[a.id] = (a.published, None, first_seq + offset)
        if copies:
            missing = [c for c in copies if c not in info]
            info.update(lookups.duplicate_info(missing))
            roots = {info[c][1] or c for c in copies}
            missing = [r for r in roots if r not in info]
            info.update(lookups.duplicate_info(missing))
            original = min([*roots, a.id], key=lambda x: publication_order(info[x][0], info[x][2]))
            if original != a.id:
                a.duplicate_of, a.duplicate_similarity = original, round(max(copies.values()), 3)
                info[a.id] = (a.published, original, first_seq + offset)
            for root in roots - {original}:  # an earlier original turned up: repoint the group
                members = [root, *lookups.duplicates_of([root])]
                members += [x.id for x in articles[:offset] if x.duplicate_of == root]
                for m in members:
                    sim = round(copies.get(m, max(copies.values())), 3)
                    if m in by_id:
                        by_id[m].duplicate_of, by_id[m].duplicate_similarity = original, sim
                    else:
                        result.duplicate_updates.append((m, original, sim))
                    info[m] = (info.get(m, (None, None, 0))[0], original, info.get(m, (None, None, 0))[2])
        _syndication(a.id, paragraphs, index, result)
        index.add(a.id, sig, keys, paragraphs)
    index.seal()
    return result


def _syndication(article_id: str, signatures: list[ParagraphSignature], index: CopyIndex, result: CopiesResult) -> None:
    """Record the article's paragraphs found in other articles of the window."""
    for ps in signatures:
        result.paragraph_signatures.setdefault(article_id, []).append((ps.paragraph, ps.signature))
        found = index.paragraph_candidates(ps.bands)
        for other, paragraph in sorted(found):
            if other == article_id:
                continue
            sim = jaccard(ps.signature, found[(other, paragraph)])
            if sim >= SYNDICATED_JACCARD:
                sim = round(sim, 3)
                result.syndications.append(Syndication(article_id, ps.paragraph, other, paragraph, sim))
                result.syndications.append(Syndication(other, paragraph, article_id, ps.paragraph, sim))


COPY_FINDERS.register(DEFAULT_COPIES, CopyStage)
