"""Extraction: entities, quotes with speakers, claims and denials, and figures.

`extract_article` fills an article's `entities`, `quotes`, `claims` and `numbers`;
`story.facts` gathers them across a story (ranked entities, quotes with their
independent sources, denials linked to accusations, conflicting figures).
"""

from __future__ import annotations

from kabar.doc import Doc, of_article
from kabar.extract import attribution, entities, numbers
from kabar.lang import get
from kabar.model import Article


def extract_article(article: Article, with_entities: bool = True, doc: Doc | None = None) -> Article:
    """Run every extractor on one article, in place, reading its analysed text (`doc`,
    analysed here when not given); returns the article for chaining."""
    lang = get(article.language)
    doc = doc or of_article(article)
    article.entities = entities.find(doc, lang) if with_entities else []
    article.quotes, article.claims = attribution.extract(doc, lang, article.entities)
    article.numbers = numbers.quantities(doc.text, doc.paragraphs, lang, article.time_mentions)
    return article
