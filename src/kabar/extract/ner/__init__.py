"""Named-entity recognition: a linear-chain CRF (python-crfsuite) per language.

Types: PERSON, ORG, LOC (GPE folded into LOC) and EVENT (Indonesian only, from NERP).
The models ship in `kabar/models/` (`ner-id.crfsuite`, `ner-en.crfsuite`); `models/NER.md`
says how they were trained and how well they do. `train_shipped()` rebuilds both.

Tagging is built for speed: every attribute of every token costs crfsuite a lookup, so a
token has few attributes (own word, shape+case, affixes, cluster; the word, shape+case and
cluster of its two neighbours), names are short bytes, a word's attributes are built once
and kept, and the shipped models are "folded" (`fold_model`): frequent words get one
attribute per role that carries the summed weights, with exactly the same scores. Gazetteer
features come from language data that babel ships (CLDR territory, language and time-zone
city names), never from hand-typed word lists.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import string
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import add, itemgetter
from pathlib import Path
from typing import Any

import pycrfsuite

from kabar.doc import Doc, analyse, pieces, tokenize
from kabar.evaluate import prf
from kabar.lang import ner_code

MODEL_DIR = Path(__file__).resolve().parents[2] / "models"  # src/kabar/models
LABELS = ("PERSON", "ORG", "LOC", "EVENT")

@dataclass(frozen=True)
class Mention:
    text: str  # exact substring text[start:end]
    label: str  # "PERSON" | "ORG" | "LOC" | "EVENT"
    start: int
    end: int


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
    """`evaluate.prf` with the support and the number predicted, as `kabar eval ner` reports."""
    return {**prf(tp, n_pred, n_gold)._asdict(), "support": float(n_gold), "predicted": float(n_pred)}


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
    _clear_word_cache()
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


_SHAPE_ASCII = str.maketrans(
    {
        **dict.fromkeys(string.ascii_uppercase, "X"),
        **dict.fromkeys(string.ascii_lowercase, "x"),
        **dict.fromkeys(string.digits, "d"),
    }
)
_RUNS = re.compile(r"(.)\1+")


def _shape(word: str) -> str:
    """Compressed shape: capitals X, lower case x, digits d, anything else itself, runs of one
    class written once, at most 5 runs ("Jum'at" -> "Xx'x", "12.000" -> "d.d")."""
    if word.isascii():
        if word.isalpha():
            if word.islower():
                return "x"
            if word.isupper():
                return "X"
            if word[0].isupper() and word[1:].islower():
                return "Xx"
        elif word.isdigit():
            return "d"
        return _RUNS.sub(r"\1", word.translate(_SHAPE_ASCII))[:5]
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


# Whose CLDR country and language names are gazetteer entries: the shipped models were trained
# with these two, so another locale would change their features (not a language switch).
_GAZETTEER_LOCALES = ("id", "en")


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

    for code in _GAZETTEER_LOCALES:
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


# Attribute names are bytes with a one-character prefix, and words are cut to 14 characters, so
# that a name fits in 15 bytes: crfsuite copies every name a few times per call, and one that
# short stays inside std::string's small-string buffer (no malloc). A word's attributes are
# built once (`_words` keeps them); a sentence only concatenates its tokens' tuples.
_MAXW = 14
_FIRST = True  # the first token's shape

Attrs = tuple[bytes, ...]
# own attributes, lent to the next token (as its -1), lent to the previous token (as its +1),
# first-token attributes, and the word lower-cased if a gazetteer phrase can start with it.
WordAttrs = tuple[Attrs, Attrs, Attrs, Attrs, "str | None"]


@dataclass(frozen=True, eq=False)
class _Folding:
    """What a model file offers beyond the plain attributes (see `fold_model`): the words with
    one attribute per role, the (shape with case class, cluster) pairs folded the same way, and
    the lower-cased words the model has any word attribute for; a word outside that set gets no
    word attributes, as crfsuite would ignore them anyway (each unknown name costs a lookup)."""

    words: frozenset[str]
    classes: frozenset[str]
    vocabulary: frozenset[str]


def _word(
    word: str,
    caseless: bool,
    lexicon: dict[str, tuple[str, str, str]],
    gaz_first: frozenset[str],
    folding: _Folding | None = None,
) -> WordAttrs:
    lw = word.lower()
    gaz = lw if len(word) > 1 and word[0].isalpha() and lw in gaz_first else None
    shape = _shape(word)
    if folding is not None and not caseless and word in folding.words:
        # One attribute per role, whose weights are the sums of the word's own attributes
        # (see `fold_model`); the first-token and gazetteer attributes stay separate.
        name = word.encode()
        first = (("F" + shape).encode(),) if _FIRST else ()
        return (b"#" + name,), (b"{" + name,), (b"}" + name,), first, gaz
    if caseless:  # a sentence without capitals: its shapes carry no case information
        shape = "~" + shape.replace("X", "x")
    lex = lexicon.get(lw)
    ww = lw[:_MAXW]
    case, k2 = ("?", "?") if lex is None else (lex[0], lex[2])
    sc = shape + case
    affixes = f"p{lw[:3]}\n3{lw[-3:]}\n4{lw[-4:]}" if len(lw) > 4 else f"p{lw[:3]}\n3{lw[-3:]}"
    # One encode for all names: a token never holds a line break.
    if folding is None:
        names = f"F{shape}\nw{ww}\n<{ww}\n>{ww}\n({sc}\n[{k2}\n){sc}\n]{k2}\nS{sc}\n{affixes}"
        if lex is not None:
            names += f"\nK{k2}"
        enc = names.encode().split(b"\n")
        f, own, left, right = enc[0], [enc[1], *enc[8:]], enc[2:3] + enc[4:6], enc[3:4] + enc[6:8]
    else:
        # Leaving out names the model does not know changes no score; a folded class name stands
        # for the sum of its parts, so it is exact even where the model dropped it (a zero sum).
        combo = f"{k2}|{sc}"
        words = ww in folding.vocabulary
        if combo in folding.classes:
            own_class = "S" + sc if lex is None else "Z" + combo
            names = f"F{shape}\nw{ww}\n<{ww}\n>{ww}\nL{combo}\nR{combo}\n{own_class}\n{affixes}"
            enc = names.encode().split(b"\n")
            f, own, left, right = enc[0], enc[6:], enc[4:5], enc[5:6]
        else:
            names = f"F{shape}\nw{ww}\n<{ww}\n>{ww}\n({sc}\n[{k2}\n){sc}\n]{k2}\nS{sc}\n{affixes}"
            if lex is not None:
                names += f"\nK{k2}"
            enc = names.encode().split(b"\n")
            f, own, left, right = enc[0], enc[8:], enc[4:6], enc[6:8]
        if words:
            own.insert(0, enc[1])
            left.insert(0, enc[2])
            right.insert(0, enc[3])
    first_ = (f,) if _FIRST else ()
    return tuple(own), tuple(left), tuple(right), first_, gaz


_ITEM0, _ITEM1, _ITEM2, _ITEM4 = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(4)
_EDGE_BOS: Attrs = (b"<BOS", b"(BOS", b"[BOS")  # upper case: never a lower-cased word
_EDGE_EOS: Attrs = (b">EOS", b")EOS", b"]EOS")
_WORDS: dict[tuple[bool, str, _Folding | None], dict[str, WordAttrs]] = {}
_WORDS_MAX = 1 << 17


def _clear_word_cache() -> None:
    _WORDS.clear()


def _words(tokens: Sequence[str], caseless: bool, lang: str, folding: _Folding | None) -> list[WordAttrs]:
    key = (caseless, lang, folding)
    cache = _WORDS.get(key)
    if cache is None or len(cache) > _WORDS_MAX:
        cache = _WORDS[key] = {}
    out = list(map(cache.get, tokens))
    if None in out:
        lexicon, gaz_first = _lexicon(lang), _gaz_first()
        i = out.index(None)
        try:
            while True:
                t = tokens[i]
                out[i] = cache[t] = _word(t, caseless, lexicon, gaz_first, folding)
                i = out.index(None, i + 1)
        except ValueError:
            pass
    return out  # type: ignore[return-value]


def _is_caseless(tokens: Sequence[str]) -> bool:
    letters = 0
    for t in tokens:
        if t[:1].isalpha():
            if t != t.lower():
                return False
            letters += 1
    return letters >= 3


def features(tokens: Sequence[str], lang: str, folding: _Folding | None = None) -> list[Attrs]:
    """CRF attributes for one sentence: one tuple of attribute names (bytes) per token.

    Token i gets its own attributes (word, shape with case class, prefix, suffixes, fine
    cluster), the word, shape with case class and fine cluster of tokens i-1 and i+1, the
    first token's shape, and gazetteer matches. With `folding` (from a folded model, see
    `fold_model`) the attributes are the model's folded ones where it has them, and names the
    model does not know are left out; the scores are the same."""
    n = len(tokens)
    if n == 0:
        return []
    lang = ner_code(lang)
    words = _words(tokens, _is_caseless(tokens), lang, folding)
    lefts = [_EDGE_BOS, *map(_ITEM1, words)]  # one longer than words: map stops at the shortest
    rights = [*map(_ITEM2, words[1:]), _EDGE_EOS]
    out = list(map(add, map(add, map(_ITEM0, words), lefts), rights))
    out[0] += words[0][3]
    # Gazetteer: longest match of a known phrase starting at each token.
    gaz_words = list(map(_ITEM4, words))
    if gaz_words.count(None) != n:
        starts = [i for i, w in enumerate(gaz_words) if w is not None]
        gaz, longest = _gazetteer()
        lows = [t.lower() for t in tokens]
        for i in starts:
            for length in range(min(longest, n - i), 0, -1):
                cls = gaz.get(tuple(lows[i : i + length]))
                if cls is not None:
                    out[i] += (b"G" + cls.encode(),)
                    for k in range(i + 1, i + length):
                        out[k] += (b"g" + cls.encode(),)
                    break
    return out


# --------------------------------------------------------------------------- tagging


def model_path(lang: str) -> Path:
    return MODEL_DIR / f"ner-{ner_code(lang)}.crfsuite"


@lru_cache(maxsize=4)
def _tagger(path: str) -> tuple[Any, _Folding]:
    """The tagger of a model file, and what it offers for feature building."""
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    return tagger, _folding(Path(path))


@lru_cache(maxsize=4)
def _lang_tagger(lang: str) -> tuple[Any, _Folding]:
    return _tagger(str(model_path(lang)))


def tag(tokens: Sequence[str], lang: str) -> list[str]:
    """BIO tags for one sentence of tokens in language `lang`, by the shipped model that
    language uses (`kabar.lang.ner_code`: its own, or its fallback's; Indonesian's for a
    language not registered)."""
    if not tokens:
        return []
    lang = ner_code(lang)
    tagger, folding = _lang_tagger(lang)
    return tagger.tag(features(tokens, lang, folding))  # type: ignore[no-any-return]


def _may_name(words: Sequence[str], lexicon: dict[str, tuple[str, str, str]]) -> bool:
    """Whether a sentence can hold a name at all: a capital past its first word, or a first
    word the lexicon does not know as an ordinary lower-case word ("Pemerintah", "Dan").
    Skipping the rest saves about a third of the tagging on news text."""
    first = words[0]
    if first[:1].isupper() and lexicon.get(first.lower(), ("3",))[0] != "0":
        return True
    return any(w[:1].isupper() for w in words[1:])


# A token longer than this is no word (a base64 blob, a minified script, URLs run together):
# it is never tagged, and the piece it stands in is tagged as the pieces on either side of
# it. The longest token in IndoSum dev, PolNeAR, ECB+ and NeuS is a 137-character URL
# slug, so no real word is left out; and a name never comes near it.
MAX_TOKEN_CHARS = 200


def _without_long_tokens(words: Sequence[str], spans: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """`spans` with every token over MAX_TOKEN_CHARS taken out (a span is split around it)."""
    for s, e in spans:
        start = s
        for k in range(s, e):
            if len(words[k]) > MAX_TOKEN_CHARS:
                if k > start:
                    yield start, k
                start = k + 1
        if e > start:
            yield start, e


def mentions(text: str, lang: str) -> list[Mention]:
    """Entity mentions in any text (its lines are its paragraphs), with exact character
    offsets; an article's own analysed text goes through `doc_mentions`."""
    return doc_mentions(analyse(text, lang))


# The longest token run the tagger sees at once: a sentence longer than this (a list, a
# table read as text) is tagged in pieces of this many tokens.
MAX_PIECE_TOKENS = 150


def doc_mentions(doc: Doc) -> list[Mention]:
    """Entity mentions in an analysed text, sentence by sentence, with character offsets
    into `doc.text`."""
    lang = ner_code(doc.language)
    words, ends = doc.tokens, doc.ends
    out: list[Mention] = []
    if not words:
        return out
    lexicon = _lexicon(lang)
    tagger, folding = _lang_tagger(lang)
    for s, e in _without_long_tokens(words, pieces(doc, MAX_PIECE_TOKENS)):
        piece = words[s:e]
        if not _may_name(piece, lexicon):
            continue
        tags = tagger.tag(features(piece, lang, folding))
        if tags.count("O") == len(tags):
            continue
        for typ, a, b in chunks(tags):
            start, end = ends[s + a] - len(piece[a]), ends[s + b - 1]
            out.append(Mention(doc.text[start:end], typ, start, end))
    return out


# --------------------------------------------------------------------------- folded models
#
# Tagging costs crfsuite about the same for every attribute of every token, so the shipped models
# are "folded": for the most frequent words of the raw news text, each role a word plays (itself,
# the token before a token, the token after it) gets one attribute whose weights are the sums of
# the weights of the attributes it stands for. The scores, and so the tags, are the same as the
# unfolded model's (up to float rounding); a known word costs 1 attribute per role instead of 6/3/3.
# The folded model is written with crfsuite's own trainer (one tiny training run that creates
# exactly the wanted features), and then its weights are set in the file.

_FOLD_MARKS = (b"#", b"{", b"}", b"Z", b"L", b"R")  # words: own, lent to the next / previous token; classes


def _cqdb_keys(buf: bytes, base: int) -> list[bytes]:
    """The keys of a CQDB (crfsuite's string dictionary) at `base`, in id order."""
    if buf[base : base + 4] != b"CQDB":
        raise ValueError("not a CQDB chunk")
    n, bwd = struct.unpack_from("<2I", buf, base + 16)
    keys: list[bytes] = []
    for off in struct.unpack_from(f"<{n}I", buf, base + bwd):
        size = struct.unpack_from("<I", buf, base + off + 4)[0]
        keys.append(buf[base + off + 8 : base + off + 7 + size])
    return keys


def _read_crf(path: Path) -> tuple[bytes, list[str], list[bytes], int, list[tuple[int, int, int, float]]]:
    """A CRF1d model file: its bytes, labels, attribute names, the offset of its feature chunk and
    its features (type 0 state / 1 transition, source id, destination label id, weight)."""
    buf = path.read_bytes()
    if buf[:4] != b"lCRF" or buf[8:12] != b"FOMC":
        raise ValueError(f"{path}: not a crfsuite CRF1d model")
    off_features, off_labels, off_attrs = struct.unpack_from("<3I", buf, 28)
    labels = [k.decode() for k in _cqdb_keys(buf, off_labels)]
    attrs = _cqdb_keys(buf, off_attrs)
    if buf[off_features : off_features + 4] != b"FEAT":
        raise ValueError(f"{path}: no feature chunk")
    n = struct.unpack_from("<I", buf, off_features + 8)[0]
    start = off_features + 12
    feats = list(struct.iter_unpack("<3Id", buf[start : start + 20 * n]))
    return buf, labels, attrs, off_features, feats


def _folding(path: Path) -> _Folding:
    """What a model file offers for feature building (see `_Folding`)."""
    buf = path.read_bytes()
    if buf[:4] != b"lCRF":
        raise ValueError(f"{path}: not a crfsuite model")
    words: set[str] = set()
    classes: set[str] = set()
    vocabulary: set[str] = set()
    for key in _cqdb_keys(buf, struct.unpack_from("<I", buf, 36)[0]):
        mark = key[:1]
        if mark in (b"w", b"<", b">"):
            vocabulary.add(key[1:].decode())
        elif mark == b"#":
            words.add(key[1:].decode())
        elif mark in (b"Z", b"L", b"R"):
            classes.add(key[1:].decode())
    return _Folding(frozenset(words), frozenset(classes), frozenset(vocabulary))


def fold_vocabulary(
    texts: Iterable[str], lang: str, n_words: int, n_classes: int
) -> tuple[list[str], list[tuple[str, str]]]:
    """What to fold, from raw text: the `n_words` most frequent tokens (as written) that fit an
    attribute name, and the `n_classes` most frequent (shape with case class, fine cluster) pairs
    of the other tokens."""
    lang = ner_code(lang)
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(t for t, _, _ in tokenize(text))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    words = [w for w, _ in ranked if len(w.encode()) <= _MAXW and "\n" not in w][:n_words]
    chosen = set(words)
    lexicon = _lexicon(lang)
    classes: Counter[tuple[str, str]] = Counter()
    for w, n in ranked:
        if w not in chosen:
            lex = lexicon.get(w.lower())
            classes[(_shape(w) + ("?" if lex is None else lex[0]), "?" if lex is None else lex[2])] += n
    ranked_classes = sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))
    return words, [c for c, _ in ranked_classes[:n_classes]]


def fold_model(
    base: Path, out: Path, lang: str, words: Sequence[str], classes: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    """Write a folded copy of the model `base` to `out` (they may be the same file): it keeps every
    attribute of `base` and adds, for each of `words`, one attribute per role, and for each
    (shape with case class, fine cluster) pair of `classes` one attribute for the pair's own
    attributes and one for each neighbour role (see above)."""
    lang = ner_code(lang)
    _, labels, attrs, _, feats = _read_crf(base)
    want: dict[bytes, dict[str, float]] = {}
    trans: dict[tuple[str, str], float] = {}
    for typ, src, dst, w in feats:
        if typ == 0:
            if attrs[src][:1] in _FOLD_MARKS:  # folding a folded model again: start from its base
                continue
            want.setdefault(attrs[src], {})[labels[dst]] = w
        else:
            trans[(labels[src], labels[dst])] = w
    state = dict(want)
    lexicon, gaz_first = _lexicon(lang), _gaz_first()
    folded = 0
    for word in words:
        if "\n" in word or len(word.encode()) > _MAXW:
            continue
        roles = _word(word, False, lexicon, gaz_first)[:3]
        for mark, names in zip(_FOLD_MARKS[:3], roles, strict=True):
            total: dict[str, float] = {}
            for name in names:
                for label, w in state.get(name, {}).items():
                    total[label] = total.get(label, 0.0) + w
            total = {k: v for k, v in total.items() if v != 0.0}
            if total:
                want[mark + word.encode()] = total
        folded += 1
    for sc, k2 in classes:
        combo = f"{k2}|{sc}".encode()
        for mark, parts in (
            (b"Z", (f"S{sc}", f"K{k2}")),
            (b"L", (f"({sc}", f"[{k2}")),
            (b"R", (f"){sc}", f"]{k2}")),
        ):
            if mark == b"Z" and k2 == "?":
                continue  # a word the lexicon does not know has no cluster attribute
            total = {}
            for part in parts:
                for label, w in state.get(part.encode(), {}).items():
                    total[label] = total.get(label, 0.0) + w
            total = {k: v for k, v in total.items() if v != 0.0}
            if total:
                want[mark + combo] = total
    # One sequence with one item per label; an item holds every attribute that needs a feature
    # for its label. possible_transitions adds all label pairs.
    items: dict[str, list[bytes]] = {label: [] for label in labels}
    for name, weights in want.items():
        for label in weights:
            items[label].append(name)
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.append([items[label] for label in labels], labels)
    trainer.select("lbfgs", "crf1d")
    trainer.set_params({"c1": 0.0, "c2": 1.0, "max_iterations": 1, "feature.possible_transitions": True})
    tmp = out.with_name(out.name + ".tmp")
    trainer.train(str(tmp))
    buf, labels2, attrs2, off, feats2 = _read_crf(tmp)
    tmp.unlink()
    n_state = sum(len(v) for v in want.values())
    if len(feats2) != n_state + len(labels) ** 2:
        raise RuntimeError(f"folding: {len(feats2)} features written, {n_state + len(labels) ** 2} wanted")
    patched = bytearray(buf)
    for k, (typ, src, dst, _) in enumerate(feats2):
        w = want[attrs2[src]][labels2[dst]] if typ == 0 else trans.get((labels2[src], labels2[dst]), 0.0)
        struct.pack_into("<d", patched, off + 12 + 20 * k + 12, w)
    out.write_bytes(bytes(patched))
    _tagger.cache_clear()
    _lang_tagger.cache_clear()
    return {
        "model": str(out),
        "bytes": out.stat().st_size,
        "folded_words": folded,
        "folded_classes": len(classes),
        "features": len(feats2),
    }


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
    _lang_tagger.cache_clear()
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
    data: Iterable[tuple[list[str], list[str]]], tagger: tuple[Any, _Folding], types: frozenset[str], lang: str
) -> dict[str, Any]:
    gold: list[list[str]] = []
    pred: list[list[str]] = []
    n_tok = 0
    t0 = time.perf_counter()
    for tokens, tags in data:
        if not tokens:
            continue
        p = tagger[0].tag(features(tokens, lang, tagger[1]))
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
    "id": {"c1": 0.2, "c2": 0.1, "max_iterations": 200, "fold_words": 3000, "fold_classes": 1000},
    "en": {"c1": 0.05, "c2": 0.01, "max_iterations": 200, "fold_words": 3000, "fold_classes": 1000},
}


def train_shipped(data_root: Path) -> dict[str, Any]:
    """Rebuild both shipped models from the development data under `data_root` (the folder holding
    `ner-id/`, `ner-en/` and the raw-text sets) with the documented settings: first the word
    lexicons from unlabelled text, then the CRFs, which are then folded for the most frequent
    words of the same raw text; then score them on the dev splits."""
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
        words, classes = fold_vocabulary(raw_texts(data_root, lang), lang, int(p["fold_words"]), int(p["fold_classes"]))
        result["fold"] = fold_model(out, out, lang, words, classes)
        result["dev"] = evaluate([data_root / f for f in dev], lang)
        info[lang] = result
    return info
