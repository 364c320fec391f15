"""Copies: near-duplicate articles and syndicated paragraphs, by MinHash LSH.

Signatures come from rensa (MinHash in Rust). Candidates come from LSH bands over a
window of recent articles held in memory (`CopyIndex`), so finding the copies of one
article costs a few dictionary lookups, never a pass over the corpus; the store keeps
the signatures, from which the window is rebuilt when a new run starts.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kabar.model import Article, Syndication, publication_order
from kabar.store import Store
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


def bands(sig: Sequence[int], n_bands: int = BANDS, tag: int = 0) -> list[int]:
    """64-bit keys of the signature's bands; `tag` keeps article and paragraph bands apart."""
    rows = len(sig) // n_bands
    out = []
    for b in range(n_bands):
        h = hash((tag, b, *sig[b * rows : (b + 1) * rows]))  # int tuples hash the same in every process
        out.append(h)
    return out


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


@dataclass(frozen=True, slots=True)
class ParagraphSignature:
    paragraph: int
    signature: list[int]
    bands: list[int]


def paragraph_signatures(paragraphs: Iterable[str]) -> list[ParagraphSignature]:
    out = []
    for i, p in enumerate(paragraphs):
        if len(p.split()) >= PARA_MIN_WORDS:
            sig = signature(p, PARA_PERM)
            out.append(ParagraphSignature(i, sig, bands(sig, PARA_BANDS, tag=1)))
    return out


@dataclass
class CopiesResult:
    minhashes: dict[str, list[int]]
    paragraph_signatures: list[tuple[str, int, list[int]]]
    syndications: list[Syndication]
    duplicate_updates: list[tuple[str, str | None, float | None]]  # stored articles whose original changed


class CopyIndex:
    """The band keys and signatures of the most recent `window` articles and their
    paragraphs, in memory.

    Copies and syndicated paragraphs turn up within days of their original, so a window
    in ingest order is enough, and it keeps the store's writes to one signature row per
    article and paragraph: band keys are hashes, and storing them meant a random B-tree
    page written per key, which made writes slower as the store grew."""

    def __init__(self, window: int = COPY_WINDOW) -> None:
        self.window = window
        self.article_bands: dict[int, list[str]] = {}
        self.paragraph_bands: dict[int, list[tuple[str, int]]] = {}
        self.signatures: dict[str, array[int]] = {}
        self.paragraph_signatures: dict[tuple[str, int], array[int]] = {}
        self._order: deque[tuple[str, list[int], list[ParagraphSignature]]] = deque()

    @classmethod
    def load(cls, store: Store, window: int = COPY_WINDOW) -> CopyIndex:
        index = cls(window)
        for article_id, sig, paragraphs in store.recent_signatures(window):
            index.add(
                article_id, sig, bands(sig),
                [ParagraphSignature(p, psig, bands(psig, PARA_BANDS, tag=1)) for p, psig in paragraphs],
            )  # fmt: skip
        return index

    def __len__(self) -> int:
        return len(self._order)

    def add(self, article_id: str, sig: Sequence[int], keys: list[int], paragraphs: list[ParagraphSignature]) -> None:
        self.signatures[article_id] = array("Q", sig)
        for k in keys:
            self.article_bands.setdefault(k, []).append(article_id)
        for ps in paragraphs:
            self.paragraph_signatures[(article_id, ps.paragraph)] = array("Q", ps.signature)
            for k in ps.bands:
                self.paragraph_bands.setdefault(k, []).append((article_id, ps.paragraph))
        self._order.append((article_id, keys, paragraphs))
        while len(self._order) > self.window:
            self._evict(*self._order.popleft())

    def _evict(self, article_id: str, keys: list[int], paragraphs: list[ParagraphSignature]) -> None:
        self.signatures.pop(article_id, None)
        for k in keys:
            _remove(self.article_bands, k, article_id)
        for ps in paragraphs:
            self.paragraph_signatures.pop((article_id, ps.paragraph), None)
            for k in ps.bands:
                _remove(self.paragraph_bands, k, (article_id, ps.paragraph))


def _remove(postings: dict[int, list[Any]], key: int, item: Any) -> None:
    posting = postings.get(key)
    if posting is not None:
        if item in posting:
            posting.remove(item)
        if not posting:
            del postings[key]


class CopyStage:
    """Copies against a store: loads the recent window once, then follows the stream."""

    def __init__(self, store: Store, window: int = COPY_WINDOW) -> None:
        self.store = store
        self.window = window
        self.index: CopyIndex | None = None

    def process(self, articles: list[Article], first_seq: int) -> CopiesResult:
        if self.index is None:
            self.index = CopyIndex.load(self.store, self.window)
        return find_copies(articles, self.index, self.store, first_seq)


def find_copies(articles: list[Article], index: CopyIndex, store: Store, first_seq: int) -> CopiesResult:
    """Mark near-duplicate articles (`duplicate_of`, the earliest published or first seen)
    and record syndicated paragraphs, against the articles in `index` and each other.
    `articles` are new; `first_seq` is the ingest order the first of them will get. They
    are added to `index` as they are checked."""
    result = CopiesResult({}, [], [], [])
    info: dict[str, tuple[str | None, str | None, int]] = {}
    by_id = {a.id: a for a in articles}
    for offset, a in enumerate(articles):
        sig = signature(a.text)
        keys = bands(sig)
        paragraphs = paragraph_signatures(a.paragraphs)
        result.minhashes[a.id] = sig
        candidates = {c for k in keys for c in index.article_bands.get(k, ())}
        candidates.discard(a.id)
        sims = {c: jaccard(sig, index.signatures[c]) for c in candidates}
        copies = {c: s for c, s in sims.items() if s >= DUPLICATE_JACCARD}
        info[a.id] = (a.published, None, first_seq + offset)
        if copies:
            missing = [c for c in copies if c not in info]
            info.update(store.duplicate_info(missing))
            roots = {info[c][1] or c for c in copies}
            missing = [r for r in roots if r not in info]
            info.update(store.duplicate_info(missing))
            original = min([*roots, a.id], key=lambda x: publication_order(info[x][0], info[x][2]))
            if original != a.id:
                a.duplicate_of, a.duplicate_similarity = original, round(max(copies.values()), 3)
                info[a.id] = (a.published, original, first_seq + offset)
            for root in roots - {original}:  # an earlier original turned up: repoint the group
                members = [root, *store.duplicates_of([root])]
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
    return result


def _syndication(article_id: str, signatures: list[ParagraphSignature], index: CopyIndex, result: CopiesResult) -> None:
    """Record the article's paragraphs found in other articles of the window."""
    for ps in signatures:
        result.paragraph_signatures.append((article_id, ps.paragraph, ps.signature))
        found = {ref for k in ps.bands for ref in index.paragraph_bands.get(k, ())}
        for other, paragraph in sorted(found):
            if other == article_id:
                continue
            sim = jaccard(ps.signature, index.paragraph_signatures[(other, paragraph)])
            if sim >= SYNDICATED_JACCARD:
                sim = round(sim, 3)
                result.syndications.append(Syndication(article_id, ps.paragraph, other, paragraph, sim))
                result.syndications.append(Syndication(other, paragraph, article_id, ps.paragraph, sim))
