"""Full-text search over stored articles, with Indonesian and English stemming on both
the index side and the query side.

The store indexes each article's stemmed title and body (SQLite FTS5; PostgreSQL
full-text on the server backend). A query word matches any of its stems in either
language, because a query rarely says which language it is in: "pengiriman" finds
"dikirim", "troops" finds "troop". Snippets are cut from the clean text in Python and
come back as segments marked matched or not, so a page can escape them safely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from kabar.doc import of_article
from kabar.features import normalize_entity
from kabar.lang import all_languages, get
from kabar.model import Article
from kabar.query import Filters, fts_expression, index_terms, stems
from kabar.store import ReadStore
from kabar.text import WORD, stem, words

# Filters and the index-term helpers live in kabar.query (the store reads them without
# importing this stage); they are re-exported here for callers of kabar.search.
__all__ = ["Filters", "Hit", "entity_keys", "fts_expression", "index_terms", "plain", "query_variants",
           "resolved", "run", "snippet", "stems"]  # fmt: skip

SNIPPET_WORDS = 40


def query_variants(query: str) -> list[set[str]]:
    """Per query word, the stems it may take in any language (stopwords in every language dropped)."""
    out: list[set[str]] = []
    # Words that are stopwords in every language, and the conjunctions and relatives of each
    # ("dan", "yang", "and"); not a language's whole stopword list, where "as" is a country.
    stop = set.intersection(*(lang.stopwords for lang in all_languages()))
    for lang in all_languages():
        stop |= lang.list_conjunctions | lang.relatives
    for w in words(query):
        if w in stop:
            continue
        variants = {stem(w, lang.stemmer) for lang in all_languages()} | {w}
        out.append({v for v in variants if v})
    return out


def entity_keys(name: str) -> set[str]:
    """The entity keys a filter value may mean ("Korea Utara", "North Korea", "DPRK" -> C:KP);
    a country's key itself ("C:KP", as the entity pages link it) means itself."""
    keys = {normalize_entity(name, lang) for lang in all_languages()}
    if len(name) == 4 and name.startswith("C:") and name[2:].isalpha() and name[2:].isupper():
        keys.add(name)
    return keys


def resolved(filters: Filters) -> Filters:
    """`filters` with the entity keys its entity name may mean, as the store reads them."""
    if filters.entity is None or filters.entity_keys is not None:
        return filters
    return replace(filters, entity_keys=tuple(sorted(entity_keys(filters.entity))))


@dataclass(slots=True)
class Hit:
    article: str
    title: str
    outlet: str | None
    published: str | None
    language: str
    story: str | None
    score: float
    snippet: list[tuple[str, bool]] = field(default_factory=list)  # (text, matched)
    paragraph: int = 0
    outlet_from_folder: bool = False  # the outlet is only its folder's name

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["snippet"] = [{"text": t, "match": m} for t, m in self.snippet]
        return record


def snippet(article: Article, variants: Sequence[set[str]]) -> tuple[list[tuple[str, bool]], int]:
    """The sentence that matches most query words, cut to about SNIPPET_WORDS words, as
    (text, matched) segments; and its paragraph."""
    lang = get(article.language)
    wanted = set().union(*variants) if variants else set()
    best: tuple[int, int, str] = (-1, 0, "")
    doc = of_article(article)
    for k, (start, end) in enumerate(doc.sentences):
        hits = sum(1 for w in doc.words(start, end) if w in wanted or stem(w, lang.stemmer) in wanted)
        if hits > best[0]:
            best = (hits, doc.paragraph_of(start), doc.sentence(k))
    text = best[2] or (article.paragraphs[0] if article.paragraphs else article.title)
    tokens = text.split()
    if len(tokens) > SNIPPET_WORDS:
        text = " ".join(tokens[:SNIPPET_WORDS]) + " …"
    segments: list[tuple[str, bool]] = []
    last = 0
    for m in WORD.finditer(text):
        w = m.group(0).lower()
        if w in wanted or stem(w, lang.stemmer) in wanted:
            if m.start() > last:
                segments.append((text[last : m.start()], False))
            segments.append((m.group(0), True))
            last = m.end()
    if last < len(text):
        segments.append((text[last:], False))
    return segments, best[1]


def plain(segments: Sequence[tuple[str, bool]], mark: tuple[str, str] = ("«", "»")) -> str:
    return "".join(f"{mark[0]}{t}{mark[1]}" if m else t for t, m in segments)


def run(
    store: ReadStore, query: str, filters: Filters | None = None, limit: int = 20, offset: int = 0, mode: str = "all"
) -> tuple[list[Hit], int]:
    """Search the store: hits with snippets, best first, and the total number of matches."""
    variants = query_variants(query)
    if not variants:
        return [], 0
    found, total = store.search(variants, mode, resolved(filters or Filters()), limit, offset)
    hits = []
    for article_id, score in found:
        article = store.get_article(article_id)
        if article is None:
            continue
        segments, paragraph = snippet(article, variants)
        hits.append(Hit(article.id, article.title, article.outlet, article.published, article.language,
                        article.story, round(score, 4), segments, paragraph, article.outlet_from_folder))  # fmt: skip
    return hits, total
