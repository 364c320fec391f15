"""Copies: near-duplicate articles and syndicated paragraphs, by MinHash LSH.

Signatures come from rensa (MinHash in Rust). Candidates come from LSH bands
kept in the store's index, so finding the copies of one article costs a few
indexed lookups, never a pass over the corpus.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
    bands: list[tuple[int, str]]
    paragraph_signatures: list[tuple[str, int, list[int]]]
    paragraph_bands: list[tuple[int, str, int]]
    syndications: list[Syndication]
    duplicate_updates: list[tuple[str, str | None, float | None]]  # stored articles whose original changed


def find_copies(articles: list[Article], store: Store, first_seq: int) -> CopiesResult:
    """Mark near-duplicate articles (`duplicate_of`, the earliest published or first seen)
    and record syndicated paragraphs. `articles` are new; `first_seq` is the ingest
    order the first of them will get. The store is asked once per chunk, not per article."""
    result = CopiesResult({}, [], [], [], [], [])
    sigs = {a.id: signature(a.text) for a in articles}
    keys_of = {aid: bands(sig) for aid, sig in sigs.items()}
    stored_bands = store.band_candidates([k for keys in keys_of.values() for k in keys])
    stored_ids = {c for ids in stored_bands.values() for c in ids} - set(sigs)
    known = store.minhashes(sorted(stored_ids))
    paragraphs = {a.id: paragraph_signatures(a.paragraphs) for a in articles}
    stored_paras, para_sigs = store.paragraph_candidates(
        [k for signatures in paragraphs.values() for ps in signatures for k in ps.bands]
    )
    chunk_bands: dict[int, list[str]] = {}
    info: dict[str, tuple[str | None, str | None, int]] = {}
    by_id = {a.id: a for a in articles}
    for offset, a in enumerate(articles):
        sig, keys = sigs[a.id], keys_of[a.id]
        result.minhashes[a.id] = sig
        result.bands.extend((k, a.id) for k in keys)
        candidates = {c for k in keys for c in (*stored_bands.get(k, ()), *chunk_bands.get(k, ()))}
        candidates.discard(a.id)
        sims = {c: jaccard(sig, result.minhashes.get(c) or known.get(c, [])) for c in candidates}
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
        for k in keys:
            chunk_bands.setdefault(k, []).append(a.id)
        _syndication(a.id, paragraphs[a.id], stored_paras, para_sigs, result)
    return result


def _syndication(
    article_id: str,
    signatures: list[ParagraphSignature],
    by_band: dict[int, list[tuple[str, int]]],
    para_sigs: dict[tuple[str, int], list[int]],
    result: CopiesResult,
) -> None:
    """Record the article's paragraphs found in other articles; then index them, so
    later articles of the chunk find them too (`by_band` and `para_sigs` grow)."""
    for ps in signatures:
        result.paragraph_signatures.append((article_id, ps.paragraph, ps.signature))
        result.paragraph_bands.extend((k, article_id, ps.paragraph) for k in ps.bands)
        found = {ref for k in ps.bands for ref in by_band.get(k, ())}
        for other, paragraph in sorted(found):
            if other == article_id:
                continue
            sim = jaccard(ps.signature, para_sigs[(other, paragraph)])
            if sim >= SYNDICATED_JACCARD:
                sim = round(sim, 3)
                result.syndications.append(Syndication(article_id, ps.paragraph, other, paragraph, sim))
                result.syndications.append(Syndication(other, paragraph, article_id, ps.paragraph, sim))
    for ps in signatures:
        para_sigs[(article_id, ps.paragraph)] = ps.signature
        for k in ps.bands:
            by_band.setdefault(k, []).append((article_id, ps.paragraph))
