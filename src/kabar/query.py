"""What a search asks of the store, in terms the store can use without a stage: the
filters, the index terms of a text, and the boolean expression over query stems.

`kabar.search` (the search stage) builds these from what a user typed; the store
(`kabar.store`) reads them. Everything here depends on the language data and the
tokenizer only, so the store imports no stage module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kabar.doc import Doc, of_article
from kabar.lang import get
from kabar.model import Article
from kabar.text import stem, well_formed, words


def stems(text: str, language: str) -> list[str]:
    """The index terms of a text: its words' stems in the text's own language."""
    lang = get(language)
    return [stem(w, lang.stemmer) for w in words(well_formed(text))]  # the index stores UTF-8


def index_terms(article: Article, doc: Doc | None = None) -> tuple[str, str]:
    """What the store's full-text index holds for an article: stemmed title and body (the
    body's words read off its analysed text, `doc`, analysed here when not given)."""
    stemmer = get(article.language).stemmer
    body = (doc or of_article(article)).words()  # words hold no surrogate: UTF-8 as they are
    return " ".join(stems(article.title, article.language)), " ".join(stem(w, stemmer) for w in body)


def fts_expression(variants: Sequence[set[str]], mode: str = "all") -> str:
    """An FTS5 / tsquery-neutral boolean form: ((a OR b) AND (c)). Terms are quoted, so no
    query text is ever read as search syntax."""

    def quoted(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    groups = ["(" + " OR ".join(quoted(v) for v in sorted(g)) + ")" for g in variants if g]
    return (" AND " if mode == "all" else " OR ").join(groups)


@dataclass(slots=True)
class Filters:
    since: str | None = None  # ISO date or time, inclusive
    until: str | None = None
    outlet: str | None = None
    language: str | None = None
    entity: str | None = None  # a name as the user wrote it ("Korea Utara")
    story: str | None = None
    # The entity keys `entity` may mean ("Korea Utara" -> C:KP), which the store matches;
    # `kabar.search.resolved` fills them (keying a name is the features stage's work).
    entity_keys: tuple[str, ...] | None = None
