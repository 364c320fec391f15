"""Named-entity recognition: a linear-chain CRF (python-crfsuite) per language.

Types: PERSON, ORG, LOC (GPE folded into LOC) and EVENT (Indonesian only, from NERP).
The models ship in `kabar/models/` (`ner-id.crfsuite`, `ner-en.crfsuite`); `models/NER.md`
says how they were trained and how well they do. `train_shipped()` rebuilds both.

Features are lean so that tagging stays fast: the per-word part of every token's
feature list is cached (`functools.lru_cache`), so a word seen before costs a few
list operations. Gazetteer features come from language data that babel ships (CLDR
territory, language and time-zone city names), never from hand-typed word lists.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycrfsuite

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
LABELS = ("PERSON", "ORG", "LOC", "EVENT")

# --------------------------------------------------------------------------- tokens

# Abbreviations written with dots ("U.S.", "S.H."), then words and numbers with internal
# hyphens, apostrophes, decimal/thousand marks ("12.000", "1,2") and dotted domains in lower
# case ("Kompas.com"; "ini.Washington" stays two words), then any other single character.
_TOKEN_RE = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:[-'’]\w+|[.,]\d+|\.(?=[a-z])\w+)*|[^\w\s]")
_SENT_END = frozenset(".!?…")


@dataclass(frozen=True)
class Mention:
    text: str  # exact substring text[start:end]
    label: str  # "PERSON" | "ORG" | "LOC" | "EVENT"
    start: int
    end: int


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Tokens of raw text with their character offsets: (token, start, end)."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def _sentence_spans(text: str, toks: Sequence[tuple[str, int, int]], max_len: int = 150) -> list[tuple[int, int]]:
    """Token index ranges of sentence-sized pieces: a break after . ! ? when whitespace and a
    capital (maybe after an opening quote) follow, and at every line break."""
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(toks)
    for i in range(n - 1):
        tok, _, end = toks[i]
        nxt, nstart, _ = toks[i + 1]
        gap = text[end:nstart]
        cut = "\n" in gap
        if not cut and tok in _SENT_END and gap:
            first = nxt
            if not first[0].isalnum() and i + 2 < n:
                first = toks[i + 2][0]
            cut = first[0].isupper() or first[0].isdigit()
        if cut or i + 1 - start >= max_len:
            spans.append((start, i + 1))
            start = i + 1
    if start < n:
        spans.append((start, n))
    return spans


# --------------------------------------------------------------------------- tags and scores


def _base_type(raw: str, dataset_hint: str | None) -> str | None:
    t = raw.upper().replace("_", "-")
    hint = (dataset_hint or "").lower()
    if t in ("PERSON", "PER", "PPL"):
        return "PERSON"
    if t in ("LOC", "LOCATION", "PLACE", "PLC", "GPE"):
        return "LOC"
    if t in ("ORG", "ORGANIZATION", "ORGANISATION", "IND"):
        return "ORG"
    if t in ("CORPORATION", "GROUP"):  # WNUT-17
        return "ORG"
    if t in ("EVENT", "EVT"):
        # GUM tags every event mention ("the meeting"), not named events only.
        return None if hint == "gum" else "EVENT"
    return None  # MISC, FNB, TIME, QUANTITY, product, creative-work, GUM abstract/object/...


def normalise_tag(raw: str, dataset_hint: str | None = None) -> str:
    """A raw tag ("B-PLC", "I-ORGANISATION", "I-PER", "B-corporation") as BIO over
    PERSON/ORG/LOC/EVENT, or "O". A tag without a prefix counts as I-.

    NERGrit PLACE, NERP PLC, IndoLEM LOCATION, GUM place, WNUT location, GPE -> LOC;
    ORGANISATION/ORGANIZATION, NERP IND, WNUT corporation and group -> ORG;
    PERSON, PER, NERP PPL -> PERSON; NERP EVT -> EVENT (GUM `event`, which is not limited
    to named events, -> O); everything else (MISC, FNB, TIME, QUANTITY, ...) -> O."""
    raw = raw.strip()
    if not raw or raw == "O":
        return "O"
    if len(raw) > 2 and raw[1] in "-_" and raw[0] in "BIESbies":
        prefix, typ = raw[0].upper(), raw[2:]
    else:
        prefix, typ = "I", raw
    base = _base_type(typ, dataset_hint)
    if base is None:
        return "O"
    return ("B-" if prefix in ("B", "S") else "I-") + base


def repair_bio(tags: Sequence[str]) -> list[str]:
    """IO/IOB1 to BIO: an I- that does not continue a chunk of its type becomes B-."""
    out: list[str] = []
    prev = "O"
    for t in tags:
        if t.startswith("I-") and (prev == "O" or prev[2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def chunks(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entities as (type, first token, end token exclusive), conlleval/seqeval style: a chunk is a
    maximal run of B/I of one type; B- always starts a new chunk, and so does an I- after O or after
    another type."""
    out: list[tuple[str, int, int]] = []
    typ: str | None = None
    start = 0
    for i, tag in enumerate(tags):
        if tag == "O" or len(tag) < 2 or tag[1] != "-":
            prefix, t = "O", None
        else:
            prefix, t = tag[0], tag[2:]
        if typ is not None and (prefix in ("O", "B", "S") or t != typ):
            out.append((typ, start, i))
            typ = None
        if t is not None and typ is None:
            typ, start = t, i
    if typ is not None:
        out.append((typ, start, len(tags)))
    return out


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "support": float(n_gold), "predicted": float(n_pred)}


def entity_scores(gold: list[list[str]], pred: list[list[str]]) -> dict[str, dict[str, float]]:
    """Entity-level precision, recall and F1 per type and "overall" (micro-averaged):
    a predicted entity counts only if its type and both boundaries match a gold entity."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred have different numbers of sentences")
    tp: dict[str, int] = {}
    n_gold: dict[str, int] = {}
    n_pred: dict[str, int] = {}
    for g, p in zip(gold, pred, strict=True):
        if len(g) != len(p):
            raise ValueError("a gold and a predicted sentence differ in length")
        gc = set(chunks(g))
        pc = set(chunks(p))
        for c in gc:
            n_gold[c[0]] = n_gold.get(c[0], 0) + 1
        for c in pc:
            n_pred[c[0]] = n_pred.get(c[0], 0) + 1
        for c in gc & pc:
            tp[c[0]] = tp.get(c[0], 0) + 1
    scores = {t: _prf(tp.get(t, 0), n_pred.get(t, 0), n_gold.get(t, 0)) for t in sorted(set(n_gold) | set(n_pred))}
    scores["overall"] = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    return scores


# --------------------------------------------------------------------------- data


def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    """Sentences of (token, raw tag) from a CoNLL-style file: one token per line, the token in the
    first column and the tag in the last (tab- or space-separated), a blank line between sentences.
    -DOCSTART- lines are skipped."""
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if not line.strip():
                if current:
                    sentences.append(current)
                    current = []
                continue
            cols = line.split("\t") if "\t" in line else line.split()
            if cols[0].startswith("-DOCSTART-"):
                continue
            if len(cols) < 2:
                cols = [cols[0], "O"]
            token = cols[0].strip() or cols[0]
            current.append((token, cols[-1].strip()))
    if current:
        sentences.append(current)
    return sentences


def dataset_hint(path: Path) -> str | None:
    """Which known data set a file belongs to, from its path."""
    s = str(path).lower()
    for key, name in (
        ("nergrit", "nergrit"),
        ("nerp", "nerp"),
        ("prosa", "nerp"),
        ("nerui", "nerui"),
        ("nerugm", "nerugm"),
        ("wikigold", "wikigold"),
        ("gum", "gum"),
        ("wnut", "wnut17"),
    ):
        if key in s:
            return name
    return None


# Types each data set annotates; when scoring a data set, predictions of other types count as O.
DATASET_TYPES: dict[str, frozenset[str]] = {
    "nergrit": frozenset({"PERSON", "ORG", "LOC"}),
    "nerp": frozenset({"PERSON", "ORG", "LOC", "EVENT"}),
    "nerui": frozenset({"PERSON", "ORG", "LOC"}),
    "nerugm": frozenset({"PERSON", "ORG", "LOC"}),
    "wikigold": frozenset({"PERSON", "ORG", "LOC"}),
    "gum": frozenset({"PERSON", "ORG", "LOC"}),
    "wnut17": frozenset({"PERSON", "ORG", "LOC"}),
}

WIKIGOLD_HELD_OUT = 0.1  # the last 10 % of wikigold's sentences are never trained on


def _split_wikigold(
    sents: list[list[tuple[str, str]]],
) -> tuple[list[list[tuple[str, str]]], list[list[tuple[str, str]]]]:
    cut = len(sents) - round(len(sents) * WIKIGOLD_HELD_OUT)
    return sents[:cut], sents[cut:]


def _gum_proper(tokens: list[str], tags: list[str]) -> list[str]:
    """GUM marks every mention ("you", "the main website"); keep only proper-name spans.

    Leading and trailing stopwords and lower-case words are trimmed ("the Chathams" ->
    "Chathams"); what is left must be capitalised words, with lower-case stopwords allowed
    only inside ("University of Chicago"). Anything else becomes O."""
    from kabar.lang import get

    stop = get("en").stopwords
    out = ["O"] * len(tags)

    def ok(word: str) -> bool:
        return (word[:1].isupper() or word[:1].isdigit()) and word.lower() not in stop

    for typ, s, e in chunks(tags):
        while s < e and not ok(tokens[s]):
            s += 1
        while e > s and not ok(tokens[e - 1]):
            e -= 1
        if s == e:
            continue
        if all(ok(w) or w.lower() in stop for w in tokens[s:e]):
            out[s] = "B-" + typ
            for k in range(s + 1, e):
                out[k] = "I-" + typ
    return out


def load_dataset(path: Path, part: str = "all") -> list[tuple[list[str], list[str]]]:
    """(tokens, normalised BIO tags) per sentence. For wikigold, `part` "train" is the first
    90 % of sentences and "heldout" the last 10 %; other files are used whole."""
    hint = dataset_hint(path)
    sents = read_conll(path)
    if hint == "wikigold" and part != "all":
        train_part, held = _split_wikigold(sents)
        sents = train_part if part == "train" else held
    out: list[tuple[list[str], list[str]]] = []
    for sent in sents:
        tokens = [w for w, _ in sent]
        tags = repair_bio([normalise_tag(t, hint) for _, t in sent])
        if hint == "gum":
            tags = _gum_proper(tokens, tags)
        out.append((tokens, tags))
    return out


# --------------------------------------------------------------------------- word lexicon from raw text


def lexicon_path(lang: str) -> Path:
    return MODEL_DIR / f"ner-{'id' if lang == 'id' else 'en'}.lex.gz"


def raw_texts(data_root: Path, lang: str) -> Iterator[str]:
    """Unlabelled news text for the word lexicon: IndoSum paragraphs for Indonesian; NeuS titles and
    leads, ECB+ documents and PolNeAR train articles for English."""
    if lang == "id":
        with open(data_root / "indosum-dev" / "articles.jsonl", encoding="utf-8") as fh:
            for line in fh:
                yield from json.loads(line)["paragraphs"]
        return
    with open(data_root / "neus-dev" / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            yield row["title"]
            yield row["text"]
    for folder in (data_root / "ecbplus-dev" / "docs", data_root / "quotes-en" / "train" / "text"):
        for path in sorted(folder.glob("*.txt")):
            yield path.read_text(encoding="utf-8")


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
            if not tok[0].isalpha() or toks[i - 1] in _SENT_END or not toks[i - 1][0].isalnum():
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
    _own.cache_clear()
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


# --------------------------------------------------------------------------- features


def _shape(word: str) -> str:
    out: list[str] = []
    prev = ""
    for ch in word:
        c = "X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch
        if c != prev:
            out.append(c)
            prev = c
        if len(out) >= 5:
            break
    return "".join(out)


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[tuple[str, ...], str], int]:
    """Phrases (lower-case token tuples) -> gazetteer classes, from babel's CLDR data:
    territory names (C), time-zone cities (T) and language names (L), in Indonesian and English."""
    from babel import Locale
    from babel.core import get_global

    entries: dict[tuple[str, ...], set[str]] = {}

    def add(name: str, cls: str) -> None:
        toks = tuple(t.lower() for t, _, _ in tokenize(name) if t.isalnum() or len(t) > 1)
        if toks and len(toks) <= 5:
            entries.setdefault(toks, set()).add(cls)

    for code in ("id", "en"):
        loc = Locale.parse(code)
        for name in loc.territories.values():
            add(name, "C")
        for name in loc.languages.values():
            add(name, "L")
    for zone in get_global("zone_territories"):
        add(zone.rsplit("/", 1)[-1].replace("_", " "), "T")
    gaz = {k: "".join(sorted(v)) for k, v in entries.items()}
    return gaz, max(len(k) for k in gaz)


@lru_cache(maxsize=1)
def _gaz_first() -> frozenset[str]:
    return frozenset(k[0] for k in _gazetteer()[0])


@lru_cache(maxsize=1 << 17)
def _own(word: str, caseless: bool, lang: str) -> tuple[list[str], tuple[str, ...]]:
    """The token's own features and the features it lends to its neighbours."""
    lw = word.lower()
    shape = _shape(word)
    if caseless:  # a sentence without capitals: its shapes carry no case information
        shape = "~" + shape.replace("X", "x")
    own = ["b", "w=" + lw, "s=" + shape, "p3=" + lw[:3], "x2=" + lw[-2:], "x3=" + lw[-3:]]
    if len(lw) > 4:
        own.append("x4=" + lw[-4:])
    lex = _lexicon(lang).get(lw)
    if lex is None:
        case, k1, k2 = "?", "?", "?"
    else:
        case, k1, k2 = lex
        own += ("c=" + case, "k=" + k1, "K=" + k2)
    ctx = (
        "-1w=" + lw,
        "-1s=" + shape,
        "+1w=" + lw,
        "+1s=" + shape,
        "-2w=" + lw,
        "+2w=" + lw,
        "-1k=" + k2,
        "+1k=" + k2,
        "-1c=" + case,
        "+1c=" + case,
    )
    return own, ctx


_BOS = tuple(p + "<s>" for p in ("-1w=", "-1s=", "+1w=", "+1s=", "-2w=", "+2w=", "-1k=", "+1k=", "-1c=", "+1c="))
_EOS = tuple(p + "</s>" for p in ("-1w=", "-1s=", "+1w=", "+1s=", "-2w=", "+2w=", "-1k=", "+1k=", "-1c=", "+1c="))


def _is_caseless(tokens: Sequence[str]) -> bool:
    letters = [t for t in tokens if t[:1].isalpha()]
    return len(letters) >= 3 and not any(t != t.lower() for t in letters)


def features(tokens: Sequence[str], lang: str) -> list[list[str]]:
    """CRF features for one sentence."""
    n = len(tokens)
    if n == 0:
        return []
    lang = "id" if lang == "id" else "en"
    caseless = _is_caseless(tokens)
    pairs = [_own(t, caseless, lang) for t in tokens]
    ctx = [p[1] for p in pairs]
    out: list[list[str]] = []
    for i in range(n):
        f = list(pairs[i][0])
        prev1 = ctx[i - 1] if i > 0 else _BOS
        next1 = ctx[i + 1] if i + 1 < n else _EOS
        prev2 = ctx[i - 2] if i > 1 else _BOS
        next2 = ctx[i + 2] if i + 2 < n else _EOS
        f += (prev1[0], prev1[1], next1[2], next1[3], prev2[4], next2[5], prev1[6], next1[7], prev1[8], next1[9])
        if i == 0:
            f.append("F" + f[2])
        out.append(f)
    # Gazetteer: longest match of a known phrase starting at each token.
    first = _gaz_first()
    lows: list[str] | None = None
    for i, tok in enumerate(tokens):
        if len(tok) < 2 or not tok[0].isalpha():
            continue
        lw = tok.lower()
        if lw not in first:
            continue
        if lows is None:
            lows = [t.lower() for t in tokens]
        gaz, longest = _gazetteer()
        for length in range(min(longest, n - i), 0, -1):
            cls = gaz.get(tuple(lows[i : i + length]))
            if cls is not None:
                out[i].append("gB=" + cls)
                for k in range(i + 1, i + length):
                    out[k].append("gI=" + cls)
                break
    return out


# --------------------------------------------------------------------------- tagging


def model_path(lang: str) -> Path:
    return MODEL_DIR / f"ner-{'id' if lang == 'id' else 'en'}.crfsuite"


@lru_cache(maxsize=4)
def _tagger(path: str) -> Any:
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    return tagger


def tag(tokens: Sequence[str], lang: str) -> list[str]:
    """BIO tags for one sentence of tokens. `lang` "id" or "en" (anything else: "en")."""
    if not tokens:
        return []
    tagger = _tagger(str(model_path(lang)))
    return list(tagger.tag(features(tokens, lang)))


def _may_name(piece: Sequence[tuple[str, int, int]], lexicon: dict[str, tuple[str, str, str]]) -> bool:
    """Whether a sentence can hold a name at all: a capital past its first word, or a first
    word the lexicon does not know as an ordinary lower-case word ("Pemerintah", "Dan").
    Skipping the rest saves about a third of the tagging on news text."""
    for k, (token, _, _) in enumerate(piece):
        if token[:1].isupper() and (k > 0 or lexicon.get(token.lower(), ("3",))[0] != "0"):
            return True
    return False


def mentions(text: str, lang: str) -> list[Mention]:
    """Entity mentions in raw text, with exact character offsets."""
    toks = tokenize(text)
    out: list[Mention] = []
    lexicon = _lexicon(lang)
    for s, e in _sentence_spans(text, toks):
        piece = toks[s:e]
        if not _may_name(piece, lexicon):
            continue
        tags = tag([t for t, _, _ in piece], lang)
        for typ, a, b in chunks(tags):
            start, end = piece[a][1], piece[b - 1][2]
            out.append(Mention(text[start:end], typ, start, end))
    return out


# --------------------------------------------------------------------------- training and evaluation


def train(
    lang: str,
    files: Sequence[Path],
    out: Path,
    *,
    c1: float,
    c2: float,
    max_iterations: int,
    seed: int = 13,
) -> dict[str, Any]:
    """Train one CRF on the train files (wikigold: its first 90 % only) and save it to `out`.

    Sentences are shuffled with `random.Random(seed)`; L-BFGS itself is deterministic."""
    data: list[tuple[list[str], list[str]]] = []
    per_file: dict[str, int] = {}
    for path in files:
        part = load_dataset(Path(path), "train")
        per_file[str(path)] = len(part)
        data.extend(part)
    random.Random(seed).shuffle(data)
    t0 = time.perf_counter()
    trainer = pycrfsuite.Trainer(verbose=False)
    for tokens, tags in data:
        trainer.append(features(tokens, lang), tags)
    trainer.select("lbfgs", "crf1d")
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": max_iterations, "feature.possible_transitions": True})
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    seconds = time.perf_counter() - t0
    _tagger.cache_clear()
    last = trainer.logparser.last_iteration or {}
    return {
        "lang": lang,
        "model": str(out),
        "bytes": out.stat().st_size,
        "sentences": len(data),
        "tokens": sum(len(t) for t, _ in data),
        "files": per_file,
        "c1": c1,
        "c2": c2,
        "max_iterations": max_iterations,
        "iterations": len(trainer.logparser.iterations),
        "loss": last.get("loss"),
        "active_features": last.get("active_features"),
        "seconds": round(seconds, 1),
        "seed": seed,
    }


def _score(
    data: Iterable[tuple[list[str], list[str]]], tagger: Any, types: frozenset[str], lang: str
) -> dict[str, Any]:
    gold: list[list[str]] = []
    pred: list[list[str]] = []
    n_tok = 0
    t0 = time.perf_counter()
    for tokens, tags in data:
        if not tokens:
            continue
        p = list(tagger.tag(features(tokens, lang)))
        gold.append([t if t == "O" or t[2:] in types else "O" for t in tags])
        pred.append([t if t == "O" or t[2:] in types else "O" for t in p])
        n_tok += len(tokens)
    seconds = time.perf_counter() - t0
    return {
        "sentences": len(gold),
        "tokens": n_tok,
        "seconds": seconds,
        "scores": entity_scores(gold, pred),
    }


def evaluate(files: Sequence[Path], lang: str, model: Path | None = None) -> dict[str, Any]:
    """Scores of the shipped model (or `model`) on each file. Wikigold is scored on its held-out
    last 10 % only. Types a data set does not annotate are set to O in both gold and prediction."""
    tagger = _tagger(str(model or model_path(lang)))
    result: dict[str, Any] = {}
    for path in files:
        path = Path(path)
        hint = dataset_hint(path)
        types = DATASET_TYPES.get(hint or "", frozenset(LABELS))
        data = load_dataset(path, "heldout" if hint == "wikigold" else "all")
        name = str(path) + (" [held-out last 10%]" if hint == "wikigold" else "")
        result[name] = _score(data, tagger, types, lang)
    return result


# The shipped recipe: see models/NER.md.
SHIPPED_ID_FILES = (
    "ner-id/nergrit_ner-grit/train_preprocess.txt",
    "ner-id/nerp_ner-prosa/train_preprocess.txt",
    "ner-id/nerui/train.01.tsv",
    "ner-id/nerugm/train.01.tsv",
)
SHIPPED_ID_DEV = (
    "ner-id/nergrit_ner-grit/valid_preprocess.txt",
    "ner-id/nerp_ner-prosa/valid_preprocess.txt",
    "ner-id/nerui/dev.01.tsv",
    "ner-id/nerugm/dev.01.tsv",
)
# Wikigold alone scored best on held-out wikigold (news-like proper names); adding WNUT-17 or
# the proper-name spans of GUM raised WNUT dev F1 but lowered wikigold's (see models/NER.md).
SHIPPED_EN_FILES = ("ner-en/wikigold/wikigold.conll.txt",)
SHIPPED_EN_DEV = ("ner-en/wikigold/wikigold.conll.txt", "ner-en/wnut17/dev.conll")
SHIPPED_PARAMS: dict[str, dict[str, float]] = {
    "id": {"c1": 0.2, "c2": 0.1, "max_iterations": 200},
    "en": {"c1": 0.05, "c2": 0.01, "max_iterations": 200},
}


def train_shipped(data_root: Path) -> dict[str, Any]:
    """Rebuild both shipped models from the development data under `data_root` (the folder holding
    `ner-id/`, `ner-en/` and the raw-text sets) with the documented settings: first the word
    lexicons from unlabelled text, then the CRFs; then score them on the dev splits."""
    info: dict[str, Any] = {}
    for lang in ("id", "en"):
        info[f"lexicon-{lang}"] = build_lexicon(raw_texts(data_root, lang), lexicon_path(lang))
    for lang, files, dev in (
        ("id", SHIPPED_ID_FILES, SHIPPED_ID_DEV),
        ("en", SHIPPED_EN_FILES, SHIPPED_EN_DEV),
    ):
        p = SHIPPED_PARAMS[lang]
        out = model_path(lang)
        result = train(
            lang,
            [data_root / f for f in files],
            out,
            c1=p["c1"],
            c2=p["c2"],
            max_iterations=int(p["max_iterations"]),
        )
        result["dev"] = evaluate([data_root / f for f in dev], lang)
        info[lang] = result
    return info
