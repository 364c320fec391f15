"""Extraction: entities, quotes with speakers, claims and denials, and figures.

`extract_article` fills an article's `entities`, `quotes`, `claims` and `numbers`;
`story.facts` gathers them across a story (ranked entities, quotes with their
independent sources, denials linked to accusations, conflicting figures).
"""

from __future__ import annotations

from kabar.extract import attribution, entities, numbers
from kabar.lang import get
from kabar.model import Article


def paragraph_spans(paragraphs: list[str]) -> list[tuple[int, int]]:
    """Offsets of each paragraph in the clean text (paragraphs joined by a blank line)."""
    spans = []
    pos = 0
    for p in paragraphs:
        spans.append((pos, pos + len(p)))
        pos += len(p) + 2
    return spans


def extract_article(article: Article, with_entities: bool = True) -> Article:
    """Run every extractor on one article, in place; returns it for chaining."""
    lang = get(article.language)
    text = article.text
    spans = paragraph_spans(article.paragraphs)
    article.entities = entities.find(text, spans, lang) if with_entities else []
    article.quotes, article.claims = attribution.extract(text, spans, lang, article.entities)
    article.numbers = numbers.quantities(text, spans, lang, article.time_mentions)
    return article
