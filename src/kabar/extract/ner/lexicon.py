"""The word lexicon each model uses (a case class and two cluster ids per word): reading it,
and learning it from unlabelled news text."""

from __future__ import annotations

import gzip
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from kabar.doc import tokenize
from kabar.lang import ner_code

# The shipped model files (CRFs and word lexicons): src/kabar/models, two levels above this package.
MODEL_DIR = Path(__file__).resolve().parents[2] / "models"

# Caches that other modules build from the lexicon (the word attributes in `attributes`): they
# register their clear functions here and `build_lexicon` empties them, so this module need not
# import the modules that read it.
_ON_REBUILD: list[Callable[[], None]] = []


def lexicon_path(lang: str) -> Path:
    return MODEL_DIR / f"ner-{ner_code(lang)}.lex.gz"


def _indonesian_news(data_root: Path) -> Iterator[str]:
    with open(data_root / "indosum-dev" / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            yield from json.loads(line)["paragraphs"]


def _english_news(data_root: Path) -> Iterator[str]:
    with open(data_root / "neus-dev" / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            yield row["title"]
            yield row["text"]
    for folder in (data_root / "ecbplus-dev" / "docs", data_root / "quotes-en" / "train" / "text"):
        for path in sorted(folder.glob("*.txt")):
            yield path.read_text(encoding="utf-8")


# The unlabelled news each shipped model's word lexicon is built from, by model code.
RAW_TEXTS: dict[str, Callable[[Path], Iterator[str]]] = {"id": _indonesian_news, "en": _english_news}


def raw_texts(data_root: Path, lang: str) -> Iterator[str]:
    """Unlabelled news text for the word lexicon of the model `lang` uses: IndoSum paragraphs
    for Indonesian; NeuS titles and leads, ECB+ documents and PolNeAR train articles for English."""
    return RAW_TEXTS[ner_code(lang)](data_root)


_SENTENCE_STOPS = frozenset(".!?…")  # a word after one of these is capitalised as the first of its sentence


def build_lexicon(
    texts: Iterable[str],
    out: Path,
    *,
    min_count: int = 3,
    max_words: int = 40000,
    context_words: int = 2000,
    dims: int = 100,
    clusters: tuple[int, int] = (64, 512),
    seed: int = 13,
) -> dict[str, Any]:
    """Learn a word lexicon from unlabelled text and save it (gzip TSV: word, case class, coarse
    cluster, fine cluster).

    Case class: how often the word is capitalised where it does not start a sentence (0: under
    10 %, 1: under 50 %, 2: under 90 %, 3: more), which tells names apart from ordinary words even
    in lower-cased text. Clusters: k-means over SVD-reduced PPMI vectors of the words to the left
    and right, as a cheap stand-in for Brown clusters."""
    import numpy as np
    from scipy import sparse
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    t0 = time.perf_counter()
    docs: list[list[str]] = []
    counts: Counter[str] = Counter()
    mid: Counter[str] = Counter()
    mid_cap: Counter[str] = Counter()
    for text in texts:
        toks = [t for t, _, _ in tokenize(text)]
        low = [t.lower() for t in toks]
        docs.append(low)
        counts.update(low)
        for i in range(1, len(toks)):
            tok = toks[i]
            if not tok[0].isalpha() or toks[i - 1] in _SENTENCE_STOPS or not toks[i - 1][0].isalnum():
                continue
            mid[low[i]] += 1
            if tok[0].isupper():
                mid_cap[low[i]] += 1
    vocab = [w for w, c in counts.most_common(max_words) if c >= min_count and any(ch.isalpha() for ch in w)]
    index = {w: i for i, w in enumerate(vocab)}
    ctx_index = {w: i for i, (w, _) in enumerate(counts.most_common(context_words))}
    n_ctx = len(ctx_index)
    rows: list[int] = []
    cols: list[int] = []
    for low in docs:
        ids = [index.get(w, -1) for w in low]
        cids = [ctx_index.get(w, -1) for w in low]
        n = len(low)
        for i in range(n):
            if ids[i] < 0:
                continue
            for slot, off in enumerate((-2, -1, 1, 2)):
                j = i + off
                if 0 <= j < n and cids[j] >= 0:
                    rows.append(ids[i])
                    cols.append(slot * n_ctx + cids[j])
    data = np.ones(len(rows), dtype=np.float64)
    m = sparse.coo_matrix((data, (rows, cols)), shape=(len(vocab), 4 * n_ctx)).tocsr()
    total = m.sum()
    row_sum = np.asarray(m.sum(axis=1)).ravel()
    col_sum = np.asarray(m.sum(axis=0)).ravel() ** 0.75
    col_sum = col_sum / col_sum.sum() * total
    m = m.tocoo()
    pmi = np.log(m.data * total / (row_sum[m.row] * col_sum[m.col]))
    keep = pmi > 0
    ppmi = sparse.coo_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape).tocsr()
    vectors = normalize(TruncatedSVD(dims, random_state=seed).fit_transform(ppmi))
    labels = [MiniBatchKMeans(k, random_state=seed, n_init=3, batch_size=4096).fit_predict(vectors) for k in clusters]
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for w, i in sorted(index.items()):
        n_mid = mid[w]
        case = str(min(3, int(4 * mid_cap[w] / n_mid))) if n_mid >= 2 else "-"
        if "\t" in w or "\n" in w:
            continue
        lines.append(f"{w}\t{case}\t{labels[0][i]}\t{labels[1][i]}\n")
    with open(out, "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as gz:  # byte-identical rebuilds
        gz.write("".join(lines).encode("utf-8"))
    _lexicon.cache_clear()
    for clear in _ON_REBUILD:
        clear()
    return {
        "lexicon": str(out),
        "bytes": out.stat().st_size,
        "words": len(lines),
        "texts": len(docs),
        "tokens": sum(counts.values()),
        "clusters": list(clusters),
        "seconds": round(time.perf_counter() - t0, 1),
    }


@lru_cache(maxsize=2)
def _lexicon(lang: str) -> dict[str, tuple[str, str, str]]:
    path = lexicon_path(lang)
    if not path.exists():
        return {}
    out: dict[str, tuple[str, str, str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            w, case, k1, k2 = line.rstrip("\n").split("\t")
            out[w] = (case, k1, k2)
    return out
