"""Small text utilities shared by stages: tokens, keys for comparing text, sentences."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

WORD = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)  # what `words` finds
_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_CLOSERS = "”’)]»"
_OPENERS = "\"“‘(«'"
_STOPS = ".!?…"
_STOP_RE = re.compile(r"[.!?…]")


def words(text: str) -> list[str]:
    """Lowercase word tokens."""
    return WORD.findall(text.lower())


@lru_cache(maxsize=4)
def _stemmer(name: str):  # type: ignore[no-untyped-def]
    import snowballstemmer

    return snowballstemmer.stemmer(name)


# Words longer than this are not stemmed: the Indonesian Snowball stemmer's cost grows
# with the square of a word's length (a 3,000-letter token took 1.1 s, a 100-letter one
# about 1 ms), and stemming means nothing for such strings (URL pieces, hyphenated
# chains such as one 85-character token in NeuS).
STEM_MAX_CHARS = 100


@lru_cache(maxsize=1 << 18)
def stem(word: str, stemmer: str) -> str:
    """A lowercase word's stem by the named Snowball stemmer (a language module's
    `stemmer`); the word itself when the language has none, or when it is longer than
    STEM_MAX_CHARS."""
    return str(_stemmer(stemmer).stemWord(word)) if stemmer and len(word) <= STEM_MAX_CHARS else word


_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """`text` with every surrogate code point (a lone "\\ud800" from a JSON escape)
    replaced by U+FFFD, so it can be encoded as UTF-8 by the libraries that need bytes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


@lru_cache(maxsize=1 << 16)
def key(text: str) -> str:
    """A comparison key: case, punctuation and spacing do not matter.

    Text is NFC-normalised once when it is read, so no normalisation here."""
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def collapse(text: str) -> str:
    return " ".join(text.split())


# How far back `_word_before` looks: abbreviations and initials ("Brigjen.", "U.S.") are
# short, and a bound keeps a paragraph of one long run ("A.A.A.…") linear instead of
# quadratic (each stop rescanned the whole run before it).
WORD_BEFORE_MAX_CHARS = 64


_WORD_RUN = re.compile(r"(?:[^\W_]|\.)*+")  # letters, digits and dots ([^\W_] is str.isalnum)


def _word_before(text: str, end: int) -> str:
    """The run of letters, digits and dots that ends at `end` (at most WORD_BEFORE_MAX_CHARS)."""
    window = text[max(0, end - WORD_BEFORE_MAX_CHARS) : end]
    run = _WORD_RUN.match(window[::-1])
    return window[len(window) - run.end() :] if run else ""


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(paragraph: str, abbreviations: Collection[str], non_final: Collection[str] = ()) -> list[str]:
    """The sentences of a paragraph as text (see `sentence_spans`), without stray stops."""
    out = [without_strays(paragraph, *span) for span in sentence_spans(paragraph, abbreviations, non_final)]
    return [s for s in out if s]


def without_strays(text: str, start: int, end: int, strays: frozenset[int]) -> str:
    """text[start:end] without the stray stops at the offsets `strays`."""
    if not strays:
        return text[start:end]
    return "".join(ch for k, ch in enumerate(text[start:end], start) if k not in strays)


def sentence_spans(
    paragraph: str, abbreviations: Collection[str], non_final: Collection[str] = ()
) -> list[tuple[int, int, frozenset[int]]]:
    """(start, end, stray stops) of each sentence of a paragraph, also where a full stop
    is glued to the next sentence ("ini.Washington", 'negara."Perjanjian'); no span starts
    or ends with whitespace, and the text between two spans is only whitespace.

    A stop ends a sentence when an upper-case letter or digit (maybe after an opening
    quote) follows, and the word before it is not an abbreviation or an initial.
    A full stop after a lower-case word in `non_final` (a preposition: "meluas ke.
    Korea Utara") is a stray: no boundary, and its offset is given with the sentence so
    that the sentence's text can leave it out (`without_strays`).
    """
    spans: list[tuple[int, int]] = []
    start = 0
    stray: list[int] = []
    n = len(paragraph)
    i = 0
    while True:
        found = _STOP_RE.search(paragraph, i)
        if found is None:
            break
        stop = i = found.start()
        j = i + 1
        while j < n and paragraph[j] in _STOPS:
            j += 1
        # Closing quotes and brackets stay with the sentence they close.
        while j < n and (
            paragraph[j] in _CLOSERS or (paragraph[j] in "\"'" and (j + 1 == n or paragraph[j + 1].isspace()))
        ):
            j += 1
        k = j
        while k < n and paragraph[k].isspace():
            k += 1
        if k >= n:
            break
        glued = k == j
        nxt = k + 1 if paragraph[k] in _OPENERS and k + 1 < n else k
        word = _word_before(paragraph, stop)
        if not glued and j == stop + 1 and paragraph[stop] == "." and word in non_final and word.islower():
            stray.append(stop)
        elif _is_boundary(paragraph, stop, nxt, glued, word, abbreviations):
            spans.append(_stripped(paragraph, start, j))
            start = k
        i = max(j, i + 1)
    spans.append(_stripped(paragraph, start, n))
    out = []
    strays = iter(stray)
    at = next(strays, n)
    for s, e in spans:
        if s == e:
            continue
        inside = []
        while at < e:
            if at >= s:
                inside.append(at)
            at = next(strays, n)
        out.append((s, e, frozenset(inside)))
    return out


def _is_boundary(text: str, stop: int, nxt: int, glued: bool, word: str, abbreviations: Collection[str]) -> bool:
    following = text[nxt]
    if not (following.isupper() or following.isdigit()):
        return False
    lowered = word.lower().rstrip(".")
    if "." in word or lowered in abbreviations:
        return False  # "U.S.", "dr.", "Jl."
    if glued:
        # Only a lower-case word glued to a capitalised word is a missing space;
        # "KOMPAS.com" or "1.200" never are.
        prev = text[stop - 1] if stop > 0 else ""
        nxt_word = text[nxt : nxt + 2]
        return (prev.islower() or prev in _CLOSERS) and len(nxt_word) == 2 and nxt_word[1].islower()
    return True
