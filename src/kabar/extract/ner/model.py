"""The shipped model files: where they are, tagging a sentence with them, and folding them."""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycrfsuite

from kabar.doc import tokenize
from kabar.extract.ner.attributes import _MAXW, _Folding, _gaz_first, _shape, _word, features
from kabar.extract.ner.lexicon import MODEL_DIR, _lexicon
from kabar.lang import ner_code

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
