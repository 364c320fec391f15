"""Cleaning: boilerplate out, repeats out, glued sentences split, stray stops mended.

The cleaner works on lines of text (scraped `.txt`, or trafilatura's output for
HTML). Every line or sentence it takes out becomes a `Removal` with a reason, so
a wrong removal can be seen and reverted.

Two kinds of evidence mark boilerplate:
* cues from the language modules ("Baca Juga :", "Leave a Reply", photo credits);
* the corpus: a line that recurs across many articles of one site
  (`recurring` keys, computed by the pipeline from the store and the batch).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache

from kabar.lang import LanguageData, all_languages
from kabar.model import Removal
from kabar.text import collapse, key, split_sentences, words

# Where an end-of-article cue sits at least this far into the text, what follows
# it is page furniture (tags, link lists, SEO tails), not the article.
END_CUE_MIN_POSITION = 0.5
# A short keyword line at the end sharing fewer content words than this with the
# article is SEO spam ("cara menyimpan tomat"). A whole paragraph must share almost
# nothing: closing paragraphs of real articles often bring new names and places.
TAIL_MIN_OVERLAP = 0.2
TAIL_MIN_OVERLAP_PARAGRAPH = 0.05
TAIL_KEYWORD_LINE_WORDS = 12
TAIL_MAX_PARAGRAPHS = 6
# The tail test leaves at least TAIL_KEEP_PARAGRAPHS paragraphs: at 1, 13 more ECB+ lines,
# mostly real closing sentences of short reports, and 7 html-eval-dev ones would go.
# Content words are longer than TAIL_SHORT_WORD_CHARS characters: at 3 ("man", "gas" no
# longer count) 72 tail removals change, the new ones including real ECB+ closing sentences.
TAIL_KEEP_PARAGRAPHS = 2
TAIL_SHORT_WORD_CHARS = 2
# Paragraphs this similar (Jaccard of word sets) are the same paragraph, lightly edited.
NEAR_REPEAT_JACCARD = 0.85
# Only paragraphs of at least this many distinct words are tested for near-repeats: below
# it, only the same words reordered, or one word more or less, reach NEAR_REPEAT_JACCARD
# anyway. At 4 no removal changes on the cleaning corpora (named with the captions below).
NEAR_REPEAT_MIN_WORDS = 8
MIN_REPEAT_SENTENCE_WORDS = 5
# Boilerplate lines (comment forms, follow prompts, editor credits) are short.
MAX_CUE_LINE_WORDS = 25
# Photo credits and captions. Measured on the cleaning corpora (the seeds, the demo, the
# 487 html-eval-dev pages, the ECB+ docs, 200 IndoSum dev articles in `synth` noise), each
# value changed alone:
# * a credit line ("Foto: Dok. BPBD") has at most MAX_CREDIT_LINE_WORDS words; the longest
#   removed has 6, and at 16 nothing more goes;
# * the credit itself ("(ANTARA/Budi)", "Photo: Reuters/Jane Doe") has at most
#   MAX_CREDIT_CHARS characters; at 120 a bracketed 76-character price note would go too;
# * a caption closed by a credit naming a photo has at most MAX_CAPTION_WORDS words; the
#   longest caption removed has 31 words, and at 60 a 52-word author biography would go;
# * one closed by a bare credit (initials, an agency in capitals) and not ending as a
#   sentence has at most MAX_BARE_CREDIT_CAPTION_WORDS; at 40 a product listing and a
#   game-guide paragraph would go;
# * a "Photo: ..." credit sits in the caption's last CAPTION_TAIL_CHARS characters, a cheap
#   test before the pattern (at 200 nothing changes).
MAX_CREDIT_LINE_WORDS = 8
MAX_CREDIT_CHARS = 60
MAX_CAPTION_WORDS = 40
MAX_BARE_CREDIT_CAPTION_WORDS = 20
CAPTION_TAIL_CHARS = 70
# A paragraph of more than QUOTE_MIN_WORDS words ending in a quote and at most
# QUOTE_ATTRIBUTION_WORDS words after it ('..." kata dia.') is a quoted paragraph of the
# article, even with a photo credit after it; a shorter one is still a caption. At 60
# nothing changes on the cleaning corpora (the attribution bound was not varied).
QUOTE_MIN_WORDS = 25
QUOTE_ATTRIBUTION_WORDS = 6
# A related article's headline ("Baca Juga: <headline>", or the line after a bare
# "Baca Juga:") has this many words and does not end like a sentence. The one such line
# after a bare cue in the cleaning corpora has 8 words; at 40 nothing changes.
HEADLINE_MIN_WORDS = 2
HEADLINE_MAX_WORDS = 25
# Bounds on the units later per-token stages (NER, attribution, embeddings) see. Text
# without newlines is one paragraph, and a base64 blob or a minified line is one token.
# The longest paragraph in the seeds, the demo, IndoSum, NeuS, PolNeAR and ECB+ has 2,825
# characters and the longest token 179 (a URL); among the 487 html-eval-dev pages, after
# extraction, one token is longer than 300: a 480-character `JSON.parse('\x7b…` script.
# So a paragraph over MAX_PARAGRAPH_CHARS is cut into pieces at sentence boundaries (or
# between words), and a token over MAX_TOKEN_CHARS is taken out with a `Removal`.
MAX_PARAGRAPH_CHARS = 5000
MAX_TOKEN_CHARS = 300
# A paragraph is compared for near-repeats with at most this many of the earlier ones
# that share each of its rarest words (`_NearRepeats`); on the 487 html-eval-dev pages
# (up to 1,381 paragraphs) the cleaner removes exactly what it removed comparing all pairs.
NEAR_REPEAT_CANDIDATES = 200
# trafilatura spends about 0.1 ms per element (a 100 KB page of 33,000 empty <p> took
# 3 s, and its justext fallback is quadratic in a run of short blocks: 8,000 "<li>x"
# took 40 s). The most elements any of the 487 html-eval-dev pages has is 10,106, and
# the densest has 28.8 per 1,000 characters of markup; a page with twice either
# (the density beyond HTML_DENSE_MIN_ELEMENTS elements) is markup spam, not an
# article.
MAX_HTML_ELEMENTS = 20_000
MAX_HTML_ELEMENTS_PER_1000_CHARS = 60
HTML_DENSE_MIN_ELEMENTS = 2_000
# trafilatura's date is trusted only for a whole page: one with "<head" in its first
# HTML_HEAD_WITHIN_CHARS characters. 485 of the 487 html-eval-dev pages open their head
# within 1,357; two follow 5,081 and 24,068 characters of stray output (server warnings,
# scripts) and are read as fragments.
HTML_HEAD_WITHIN_CHARS = 5000
# Page links ("1 2 Selanjutnya", "Halaman 1/2") sit in a pagination container that
# trafilatura would otherwise keep as a list at the end of the text ("- 2"); it is pruned
# before extraction, like the boilerplate trafilatura drops itself. On the 487
# html-eval-dev pages it changes no extracted text.
HTML_PRUNE_XPATH: list[str] = [
    '//*[@id="pagination" or contains(concat(" ", normalize-space(@class), " "), " pagination ")'
    ' or contains(concat(" ", normalize-space(@class), " "), " paging ")]',
]


@dataclass(frozen=True)
class _Cues:
    line: tuple[re.Pattern[str], dict[str, str]]
    related: re.Pattern[str]
    end: re.Pattern[str]
    credit_line: re.Pattern[str]
    credit_tail: re.Pattern[str]
    caption_tail: re.Pattern[str]


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    langs = all_languages()
    by_reason: dict[str, list[str]] = {}
    for lang in langs:
        for reason, patterns in lang.line_cues.items():
            by_reason.setdefault(reason, []).extend(patterns)
    # One pattern with a named group per reason: one match call per line.
    groups = {f"g{i}": reason for i, reason in enumerate(by_reason)}
    alternatives = "|".join(f"(?P<{g}>{'|'.join(by_reason[r])})" for g, r in groups.items())
    line = (re.compile(rf"^\W*(?:{alternatives})\W*$", re.IGNORECASE), groups)
    related = "|".join(c for lang in langs for c in lang.related_cues)
    end = "|".join(c for lang in langs for c in lang.end_cues)
    credit_words = "|".join(
        re.escape(w) for w in sorted({w for lang in langs for w in lang.credit_words}, key=len, reverse=True)
    )
    return _Cues(
        line=line,
        related=re.compile(rf"^\W*(?:{related})\s*[:：]?\s*(?P<rest>.*)$", re.IGNORECASE),
        end=re.compile(rf"^\W*(?:{end})\W*$", re.IGNORECASE),
        # "Foto/AP", "Photo: Reuters/Jane Doe", "FOTO: Dok. BPBD"
        credit_line=re.compile(rf"^\W*(?:{credit_words})\.?\s*[/:]\s*\S.{{0,{MAX_CREDIT_CHARS}}}$", re.IGNORECASE),
        # "... (Foto: gambar aliansi/ dpa/ KCNA)", "...Agresi(KCNA)", "... (ANTARA/Budi)"
        credit_tail=re.compile(rf"\((?P<credit>[^()]{{1,{MAX_CREDIT_CHARS}}})\)\s*$"),
        # "... Photo: Reuters/Jane Doe"
        caption_tail=re.compile(rf"(?:{credit_words})\s*:\s*[^.]{{1,{MAX_CREDIT_CHARS}}}$", re.IGNORECASE),
    )


@lru_cache(maxsize=1)
def _credit_word_set() -> frozenset[str]:
    return frozenset(w for lang in all_languages() for w in lang.credit_words)


@dataclass
class CleanResult:
    paragraphs: list[str]
    removed: list[Removal] = field(default_factory=list)


@dataclass
class _Block:
    line: int
    text: str
    tokens: frozenset[str] = frozenset()


def clean(
    lines: list[tuple[int, str]],
    *,
    title: str | None,
    lang: LanguageData,
    recurring: Collection[str] = (),
) -> CleanResult:
    """Clean the body `lines` ((input line number, text) pairs) of one article."""
    cues = _cues()
    removed: list[Removal] = []
    blocks: list[_Block] = []
    total = sum(len(t) for _, t in lines) or 1
    seen_chars = 0
    truncated_by: str | None = None
    expect_related_headline = False
    title_key = key(title) if title else ""

    for number, raw in lines:
        text = _without_long_tokens(collapse(raw), number, removed)
        seen_chars += len(raw)
        if not text:
            continue
        if truncated_by is not None:
            removed.append(Removal(text, f"after end-of-article marker '{truncated_by}'", number))
            continue
        if cues.end.match(text):
            if seen_chars / total >= END_CUE_MIN_POSITION:
                truncated_by = text
                removed.append(Removal(text, "end-of-article marker", number))
            else:
                removed.append(Removal(text, "page furniture", number))
            continue
        reason = _line_reason(text, title_key, recurring, cues)
        if reason is None and expect_related_headline and _looks_like_headline(text):
            reason = "related-article headline"
        expect_related_headline = False
        if reason is None:
            related = cues.related.match(text)
            if related and (not related.group("rest") or _looks_like_headline(related.group("rest"))):
                reason = "related-article link"
                expect_related_headline = not related.group("rest").strip()
        if reason:
            removed.append(Removal(text, reason, number))
        else:
            blocks.extend(_Block(number, piece) for piece in _pieces(text, lang))

    paragraphs = _drop_repeats(blocks, title_key, lang, removed)
    _drop_offtopic_tail(paragraphs, lang, removed)
    removed.sort(key=lambda r: r.line)
    return CleanResult([b.text for b in paragraphs], removed)


def _without_long_tokens(text: str, line: int, removed: list[Removal]) -> str:
    """`text` (collapsed) without its tokens longer than MAX_TOKEN_CHARS, each recorded."""
    if len(text) <= MAX_TOKEN_CHARS or all(len(t) <= MAX_TOKEN_CHARS for t in text.split(" ")):
        return text
    kept: list[str] = []
    for token in text.split(" "):
        if len(token) > MAX_TOKEN_CHARS:
            removed.append(Removal(token, f"token longer than {MAX_TOKEN_CHARS} characters (a blob, not words)", line))
        else:
            kept.append(token)
    return " ".join(kept)


def _pieces(text: str, lang: LanguageData) -> list[str]:
    """A paragraph, or pieces of at most MAX_PARAGRAPH_CHARS cut at sentence boundaries;
    a sentence that is still too long is cut between words, a word at the limit."""
    if len(text) <= MAX_PARAGRAPH_CHARS:
        return [text]
    units: list[str] = []
    for sentence in split_sentences(text, lang.abbreviations, lang.non_final_words):
        if len(sentence) <= MAX_PARAGRAPH_CHARS:
            units.append(sentence)
            continue
        for word in sentence.split(" "):
            units.extend(word[i : i + MAX_PARAGRAPH_CHARS] for i in range(0, len(word), MAX_PARAGRAPH_CHARS))
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for unit in units:
        if current and size + 1 + len(unit) > MAX_PARAGRAPH_CHARS:
            pieces.append(" ".join(current))
            current, size = [], 0
        size += len(unit) + (1 if current else 0)
        current.append(unit)
    if current:
        pieces.append(" ".join(current))
    return pieces


def _line_reason(text: str, title_key: str, recurring: Collection[str], cues: _Cues) -> str | None:
    n_words = text.count(" ") + 1
    if n_words <= MAX_CUE_LINE_WORDS:
        pattern, reasons = cues.line
        m = pattern.match(text)
        if m and m.lastgroup:
            return reasons[m.lastgroup]
    if _is_site_line(text):
        return "site name"
    if cues.credit_line.match(text) and len(text.split()) <= MAX_CREDIT_LINE_WORDS:
        return "photo credit"
    caption = _caption_reason(text, title_key, cues)
    if caption:
        return caption
    k = key(text)
    if k and k in recurring:
        return "recurs across many articles of this site"
    return None


def _is_site_line(text: str) -> bool:
    return bool(re.match(r"^(?:https?://)?(?:www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,6}/?$", text, re.IGNORECASE))


def _caption_reason(text: str, title_key: str, cues: _Cues) -> str | None:
    tail = cues.credit_tail.search(text) if text.endswith(")") else None
    if tail:
        credit = tail.group("credit")
        before = text[: tail.start()].strip()
        credit_words = set(words(credit))
        photo = bool(credit_words & _credit_word_set())
        n_words = len(before.split())
        sentence_end = before.endswith((".", "!", "?", '"', "”"))
        if title_key and key(before) == title_key:
            return "title repeated as photo caption"
        # A photo credit closes a caption, not a sentence of the article. A bare
        # "(ANTARA/Budi)" does too, but "(agi/agi)" after a full sentence is the
        # editor's initials closing a real paragraph.
        if photo and n_words <= MAX_CAPTION_WORDS and not _ends_in_quote(before):
            return "photo caption"
        if "/" in credit and n_words <= MAX_BARE_CREDIT_CAPTION_WORDS and not sentence_end:
            return "photo caption"
        if credit.isupper() and n_words <= MAX_BARE_CREDIT_CAPTION_WORDS and not sentence_end:
            return "photo caption"
    if ":" in text[-CAPTION_TAIL_CHARS:] and len(text.split()) <= MAX_CAPTION_WORDS and cues.caption_tail.search(text):
        return "photo caption"
    return None


def _ends_in_quote(text: str) -> bool:
    quoted = re.search(rf"[\"”]\s*,?\s*(?:\w+\s+){{0,{QUOTE_ATTRIBUTION_WORDS}}}\w+\.?$", text)
    return bool(quoted) and len(text.split()) > QUOTE_MIN_WORDS


def _looks_like_headline(text: str) -> bool:
    n = len(text.split())
    return HEADLINE_MIN_WORDS <= n <= HEADLINE_MAX_WORDS and not text.rstrip().endswith((".", ",", ";"))


class _NearRepeats:
    """The word sets of kept paragraphs, indexed for the near-repeat test by prefix
    filtering: in one fixed order of words, two sets of Jaccard index ≥ t share a word
    among the first |A| - ceil(t·|A|) + 1 of each. The order is the article's rarest
    words first, so prefixes hold rare words and a paragraph is compared only with the
    few kept ones sharing one (at most NEAR_REPEAT_CANDIDATES per word, the most recent),
    never with all of them: a page of many short lines stays linear."""

    def __init__(self, frequency: Counter[str]) -> None:
        self.frequency = frequency
        self.sets: list[frozenset[str]] = []
        self.postings: dict[str, list[int]] = {}

    def prefix(self, tokens: frozenset[str]) -> list[str]:
        size = len(tokens) - int(NEAR_REPEAT_JACCARD * len(tokens)) + 1  # floor: never too short
        return sorted(tokens, key=lambda t: (self.frequency[t], t))[:size]

    def near(self, tokens: frozenset[str], prefix: list[str]) -> bool:
        candidates: set[int] = set()
        for word in prefix:
            candidates.update(self.postings.get(word, ())[-NEAR_REPEAT_CANDIDATES:])
        return any(_jaccard(tokens, self.sets[i]) >= NEAR_REPEAT_JACCARD for i in candidates)

    def add(self, tokens: frozenset[str], prefix: list[str]) -> None:
        for word in prefix:
            self.postings.setdefault(word, []).append(len(self.sets))
        self.sets.append(tokens)


def _drop_repeats(blocks: list[_Block], title_key: str, lang: LanguageData, removed: list[Removal]) -> list[_Block]:
    kept: list[_Block] = []
    kept_keys: set[str] = set()
    kept_sets = _NearRepeats(Counter(w for block in blocks for w in set(key(block.text).split())))
    kept_sentences: set[str] = set()
    for block in blocks:
        text = block.text
        k = key(text)
        if title_key and k == title_key:
            removed.append(Removal(block.text, "title repeated in body", block.line))
            continue
        if k in kept_keys:
            removed.append(Removal(block.text, "repeated paragraph", block.line))
            continue
        tokens = frozenset(k.split())
        prefix = kept_sets.prefix(tokens)
        if len(tokens) >= NEAR_REPEAT_MIN_WORDS and kept_sets.near(tokens, prefix):
            removed.append(Removal(block.text, "near-repeat of an earlier paragraph", block.line))
            continue
        sentences = split_sentences(text, lang.abbreviations, lang.non_final_words)
        fresh: list[str] = []
        fresh_keys: list[str] = []
        for sentence in sentences:
            sk = key(sentence)
            if sk in kept_sentences and sk.count(" ") + 1 >= MIN_REPEAT_SENTENCE_WORDS:
                removed.append(Removal(sentence, "repeated sentence", block.line))
            else:
                fresh.append(sentence)
                fresh_keys.append(sk)
        if not fresh:
            continue
        kept_sentences.update(fresh_keys)
        kept_keys.add(k)
        kept_sets.add(tokens, prefix)
        kept.append(_Block(block.line, " ".join(fresh), tokens))
    return kept


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    small, large = sorted((len(a), len(b)))
    if not small or small < NEAR_REPEAT_JACCARD * large:
        return 0.0  # the Jaccard index cannot exceed the ratio of the set sizes
    return len(a & b) / len(a | b)


def _drop_offtopic_tail(paragraphs: list[_Block], lang: LanguageData, removed: list[Removal]) -> None:
    """Take off trailing paragraphs that share almost no content words with the article
    (SEO keyword lines, a generic blurb about the province)."""

    def content(tokens: frozenset[str]) -> set[str]:
        return {w for w in tokens if w not in lang.stopwords and len(w) > TAIL_SHORT_WORD_CHARS and not w.isdigit()}

    contents = [content(p.tokens) for p in paragraphs]
    checked = 0
    while len(paragraphs) > TAIL_KEEP_PARAGRAPHS and checked < TAIL_MAX_PARAGRAPHS:
        own = contents[-1]
        if not own:
            break
        body = set().union(*contents[:-1])
        overlap = len(own & body) / len(own)
        text = paragraphs[-1].text
        keyword_line = len(text.split()) <= TAIL_KEYWORD_LINE_WORDS and not text.endswith((".", "!", "?", '"', "”"))
        if overlap >= (TAIL_MIN_OVERLAP if keyword_line else TAIL_MIN_OVERLAP_PARAGRAPH):
            break
        last = paragraphs.pop()
        contents.pop()
        removed.append(Removal(last.text, "off-topic tail (SEO spam)", last.line))
        checked += 1


def extract_html(html: str, url: str | None) -> tuple[str, str | None, str | None, str | None, str | None] | None:
    """Main text and metadata of an HTML page, by trafilatura.

    Returns (text, title, published, site name, url), or None when the page holds
    no article text. Trafilatura's own deduplication stays off: the cleaner
    decides about repeats and records them.
    """
    import trafilatura
    from trafilatura.utils import load_html

    try:
        # Parsed here as bare_extraction would parse it, to count the elements first.
        tree = load_html(html)
        if tree is None or _markup_spam(sum(1 for _ in tree.iter()), len(html)):
            return None
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            deduplicate=False,
            prune_xpath=HTML_PRUNE_XPATH,
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    except Exception:  # lxml, htmldate and trafilatura raise many kinds on hostile markup
        return None
    if doc is None or isinstance(doc, dict) or not (doc.text or "").strip():
        return None
    published = _meta_published(html)
    if published is None and doc.date and re.search(r"<head[\s>]", html[:HTML_HEAD_WITHIN_CHARS], re.IGNORECASE):
        # htmldate reads the page's markup; on a bare fragment it would guess from
        # the text, so it is only trusted for whole pages. Its clock time is not
        # reliable, so only the day is kept.
        published = doc.date[:10]
    return str(doc.text), doc.title, published, doc.sitename or doc.hostname, doc.url


# A <meta> tag (it ends at the next "<" or ">", so a page of unclosed "<meta" stays
# linear) or a JSON-LD "datePublished"; a tag's attributes are read one by one.
def _markup_spam(elements: int, chars: int) -> bool:
    dense = elements > HTML_DENSE_MIN_ELEMENTS and elements * 1000 > MAX_HTML_ELEMENTS_PER_1000_CHARS * chars
    return elements > MAX_HTML_ELEMENTS or dense


_META_DATE = re.compile(r'<meta\b(?P<attrs>[^<>]*+)>|"datePublished"\s*+:\s*+"(?P<ld>[^"]++)"', re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""(?P<name>[\w:-]++)\s*+=\s*+(?:"(?P<dq>[^"]*+)"|'(?P<sq>[^']*+)')""")
_NAME_ATTRS = ("property", "name", "itemprop")
# Names of a publication date; written after the content, only the unambiguous ones.
_DATE_NAMES = frozenset({"article:published_time", "og:published_time", "datepublished", "pubdate",
                         "publish-date", "publish_date", "date"})  # fmt: skip
_DATE_NAMES_AFTER = frozenset({"article:published_time", "datepublished"})


def _meta_published(html: str) -> str | None:
    """The publication time a page declares in its metadata, with its offset."""
    for m in _META_DATE.finditer(html):
        if m.group("ld"):
            return m.group("ld")
        before: set[str] = set()  # names given before the content attribute
        after: set[str] = set()
        content: str | None = None
        for attr in _ATTRIBUTE.finditer(m.group("attrs")):
            name, value = attr.group("name").lower(), attr.group("dq") or attr.group("sq") or ""
            if name in _NAME_ATTRS:
                (after if content is not None else before).add(value.lower())
            elif name == "content" and content is None and value:
                content = value
        if content and (before & _DATE_NAMES or after & _DATE_NAMES_AFTER):
            return content
    return None
