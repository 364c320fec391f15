"""One article's text analysed once: paragraphs, sentences and tokens with offsets.

Like spaCy's `Doc`, this is the only place the text is segmented. `analyse` runs once per
article (the runner calls it after cleaning, and a reader calls `of_article` on a stored
article), and every later stage reads the one `Doc`: NER tags its sentences' tokens,
attribution reads its tokens and sentences, figures its paragraphs, the search index its
words, and search snippets, the brief and `ask` its sentences and words.

Offsets are character offsets into `Doc.text`: an article's paragraphs joined by a blank
line (`Article.text`), or any text, whose lines are then its paragraphs.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import sub
from typing import TYPE_CHECKING

from kabar.lang import get
from kabar.text import WORD, sentence_spans, without_strays

if TYPE_CHECKING:
    from kabar.model import Article

Span = tuple[int, int]

# Abbreviations written with dots ("U.S.", "S.H."), then words and numbers with internal
# hyphens, apostrophes, decimal/thousand marks ("12.000", "1,2", "27.5mm") and dotted
# domains in lower case ("Kompas.com"; "ini.Washington" stays two words), then any other
# single character. A token never ends inside a run of word characters, so the words of
# the tokens are the words of the text (`Doc.words`).
TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:[-'’]\w+|[.,]\d\w*|\.(?=[a-z])\w+)*|[^\w\s]")
# A token with the whitespace before it: one findall over a paragraph gives the tokens,
# and their offsets come from the running sum of the match lengths (no match objects).
_SPACED_TOKEN = re.compile(r"\s*(?:" + TOKEN.pattern + ")")
PARAGRAPH_BREAK = "\n\n"  # between two paragraphs in an article's text


@dataclass(frozen=True, slots=True)
class Doc:
    """Tokens with offsets, sentence and paragraph spans of one text, computed once.

    `tokens[i]` is `text[starts[i]:ends[i]]`; `sentence_tokens[k]` is the range of token
    indices inside `sentences[k]`; every sentence lies inside one paragraph."""

    text: str
    language: str
    paragraphs: tuple[Span, ...]
    sentences: tuple[Span, ...]
    tokens: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    sentence_tokens: tuple[Span, ...]
    strays: frozenset[int]  # offsets of stray full stops ("meluas ke. Korea"), no boundary

    def sentence(self, k: int) -> str:
        """The text of sentence `k`, without its stray stops."""
        return without_strays(self.text, *self.sentences[k], self.strays)

    def sentences_in(self, start: int, end: int) -> range:
        """Indices of the sentences that start inside text[start:end] (a paragraph)."""
        first = bisect_left(self.sentences, (start, start))
        last = bisect_left(self.sentences, (end, end), first)
        return range(first, last)

    def sentence_of(self, offset: int) -> int | None:
        """The index of the sentence holding `offset`, or None (between sentences)."""
        k = bisect_right(self.sentences, (offset, len(self.text) + 1)) - 1
        return k if k >= 0 and offset < self.sentences[k][1] else None

    def paragraph_of(self, offset: int) -> int:
        """The index of the paragraph holding (or, in a gap, following) `offset`."""
        return max(0, bisect_left(self.paragraphs, (offset + 1, offset + 1)) - 1)

    def words(self, start: int = 0, end: int | None = None) -> list[str]:
        """The lower-case words of text[start:end] (a span of whole tokens), as
        `text.words` finds them: what the search index and `ask` count."""
        # A token never ends inside a word (see TOKEN), so the words of the tokens in the
        # span are the words of the span's text, found in one pass.
        return WORD.findall(self.text[start:end].lower())

    def token_range(self, start: int, end: int) -> Span:
        """The indices [i, j) of the tokens that lie inside text[start:end]."""
        return bisect_left(self.starts, start), bisect_left(self.ends, end + 1)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """The tokens of any text with their character offsets: (token, start, end)."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def analyse(text: str, language: str, paragraphs: Sequence[Span] | None = None) -> Doc:
    """Segment `text` once. `paragraphs` are its paragraph spans; by default its lines."""
    if paragraphs is None:
        paragraphs = _lines(text)
    lang = get(language)
    sentences: list[Span] = []
    tokens: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    sentence_tokens: list[Span] = []
    strays: set[int] = set()
    for p_start, p_end in paragraphs:
        paragraph = text[p_start:p_end]
        spaced = _SPACED_TOKEN.findall(paragraph, 0, len(paragraph.rstrip()))
        words = list(map(str.lstrip, spaced))
        p_ends = list(accumulate(map(len, spaced), initial=p_start))[1:]
        p_starts = list(map(sub, p_ends, map(len, words)))
        base = len(tokens)
        at = 0
        for s, e, stray in sentence_spans(paragraph, lang.abbreviations, lang.non_final_words):
            sentences.append((p_start + s, p_start + e))
            if stray:
                strays.update(p_start + k for k in stray)
            stop = bisect_left(p_starts, p_start + e, at)  # every token starting inside the span
            sentence_tokens.append((base + at, base + stop))
            at = stop
        tokens.extend(words)
        starts.extend(p_starts)
        ends.extend(p_ends)
    return Doc(text, language, tuple(paragraphs), tuple(sentences), tuple(tokens), tuple(starts), tuple(ends),
               tuple(sentence_tokens), frozenset(strays))  # fmt: skip


def paragraph_spans(paragraphs: Sequence[str]) -> list[Span]:
    """Offsets of each paragraph in an article's text (paragraphs joined by a blank line)."""
    spans = []
    pos = 0
    for p in paragraphs:
        spans.append((pos, pos + len(p)))
        pos += len(p) + len(PARAGRAPH_BREAK)
    return spans


def of_article(article: Article) -> Doc:
    """The analysed text of an article (stored or just built)."""
    return analyse(article.text, article.language, paragraph_spans(article.paragraphs))


def pieces(doc: Doc, max_tokens: int) -> Iterator[Span]:
    """The sentences' token ranges, each cut every `max_tokens` tokens."""
    for s, e in doc.sentence_tokens:
        yield from ((a, min(a + max_tokens, e)) for a in range(s, e, max_tokens))


def _lines(text: str) -> list[Span]:
    spans = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans
