"""CRF attributes: the features of each token of a sentence.

Tagging is built for speed: every attribute of every token costs crfsuite a lookup, so a
token has few attributes (own word, shape+case, affixes, cluster; the word, shape+case and
cluster of its two neighbours), names are short bytes, a word's attributes are built once
and kept, and the shipped models are "folded" (`model.fold_model`): frequent words get one
attribute per role that carries the summed weights, with exactly the same scores. Gazetteer
features come from language data that babel ships (CLDR territory, language and time-zone
city names), never from hand-typed word lists.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import add, itemgetter

from kabar.doc import tokenize
from kabar.extract.ner.lexicon import _ON_REBUILD, _lexicon
from kabar.lang import ner_code

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


_ON_REBUILD.append(_clear_word_cache)  # a rebuilt lexicon makes the kept words stale


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
