"""Questions answered from the stored articles, extractively, with evidence.

1. The question's content words (question words and stopwords of every language left
   out) become a search: each word matches its stems in Indonesian and English.
2. Sentences of the matching articles are scored by how many of the question's words
   they cover, plus the names they share with it (entity keys, so "Korut" meets
   "Korea Utara").
3. Evidence is the best-covering sentences, at most two per article, no two alike.
   When it is thin (no sentence covers most of the question, or the question's rarest
   word appears nowhere) kabar abstains rather than guess.
4. A yes/no question gets a stance: evidence with a negation or a denial counts
   against, the rest for; the strength is the share of independent sources on the
   winning side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kabar.doc import of_article
from kabar.features import Embedder, normalize_entity
from kabar.lang import LanguageData, all_languages, get
from kabar.search import Filters, query_variants, resolved
from kabar.store import ReadStore
from kabar.text import stem, words

MIN_COVERAGE = 0.5  # share of the question's words an evidence sentence must hold
MAX_EVIDENCE = 8
PER_ARTICLE = 2
CANDIDATE_ARTICLES = 40
NEAR_DUPLICATE = 0.7
SEMANTIC_CANDIDATES = 60  # sentences embedded per question
SEMANTIC_WEIGHT = 0.5
SEMANTIC_MIN = 0.45  # cosine a sentence needs to stand in for a word it lacks


@dataclass(slots=True)
class EvidenceSentence:
    article: str
    outlet: str | None
    paragraph: int
    text: str
    published: str | None
    coverage: float
    supports: str | None = None  # "yes" / "no" for a yes/no question
    dates: list[str] = field(default_factory=list)
    language: str = ""  # its article's language (its negation words), not in the record


@dataclass(slots=True)
class Answer:
    question: str
    language: str
    answer: str
    stance: str | None  # yes, no, mixed; None when the question is not yes/no
    strength: float  # share of independent sources on the stance's side (0 when abstaining)
    abstained: bool
    evidence: list[EvidenceSentence]
    dates: list[str]

    def to_record(self) -> dict[str, Any]:
        """The JSON form: {question, language, answer, stance, strength, abstained, dates,
        evidence: [{article, outlet, paragraph, text, supports, published, dates}]}."""
        record = asdict(self)
        for e in record["evidence"]:
            del e["coverage"], e["language"]
        return record


def question_language(question: str) -> LanguageData:
    tokens = words(question)
    for lang in all_languages():
        if tokens and tokens[0] in lang.question_words:
            return lang
    from kabar.meta import detect_language

    return get(detect_language(question))


def _content_words(question: str) -> list[str]:
    question_words = set().union(*(lang.question_words for lang in all_languages()))
    stop = set().union(*(lang.stopwords for lang in all_languages()))
    return [w for w in words(question) if w not in question_words and w not in stop and len(w) > 1]


def _entity_keys(question: str) -> set[str]:
    """Keys of the names in a question: every run of one to three words that is an alias,
    a country or a capitalised name."""
    tokens = question.replace("?", " ").split()
    keys: set[str] = set()
    for n in (3, 2, 1):
        for i in range(len(tokens) - n + 1):
            span = " ".join(tokens[i : i + n]).strip(",.;:!\"'“”")
            if not span[:1].isupper() and n > 1:
                continue
            for lang in all_languages():
                key = normalize_entity(span, lang)
                if key.startswith("C:") or key != " ".join(words(span)):
                    keys.add(key)
    return keys


def _semantic(question: str, sentences: Sequence[str], embedder: Embedder | None) -> list[float]:
    """Cosine of each sentence to the question (multilingual USE); zeros without an embedder."""
    if embedder is None or not sentences:
        return [0.0] * len(sentences)
    vectors = embedder.encode([question, *sentences])
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    return [float(x) for x in vectors[1:] @ vectors[0]]


def ask(store: ReadStore, question: str, filters: Filters | None = None, embedder: Embedder | None = None) -> Answer:
    """Answer `question` from the store (a `kabar.store.Store`). With an `embedder`,
    evidence may also match the question's meaning, not only its words."""
    lang = question_language(question)
    content = _content_words(question)
    variants = query_variants(" ".join(content))
    yes_no = bool(words(question)) and words(question)[0] in lang.yes_no_openers
    if not variants:
        return _abstain(question, lang)
    found, _ = store.search(variants, "any", resolved(filters or Filters()), CANDIDATE_ARTICLES, 0)
    keys = _entity_keys(question)
    candidates: list[tuple[float, EvidenceSentence, set[int]]] = []
    covered_anywhere: Counter[int] = Counter()
    for article in store.get_articles([article_id for article_id, _score in found]):
        if article.duplicate_of:
            continue
        alang = get(article.language)
        doc = of_article(article)
        # Names and dates by sentence, each looked up once (not every mention per sentence).
        names_in: dict[int | None, set[str]] = {}
        for m in article.entities:
            names_in.setdefault(doc.sentence_of(m.start), set()).add(m.entity)
        dates_in: dict[int | None, set[str]] = {}
        for t in article.time_mentions:
            dates_in.setdefault(doc.sentence_of(t.start), set()).add(t.date)
        for k, (start, end) in enumerate(doc.sentences):
            index, sentence = doc.paragraph_of(start), doc.sentence(k)
            sentence_words = doc.words(start, end)
            sentence_stems = {stem(w, alang.stemmer) for w in sentence_words} | set(sentence_words)
            hit = {i for i, group in enumerate(variants) if group & sentence_stems}
            covered_anywhere.update(hit)
            coverage = len(hit) / len(variants)
            bonus = 0.2 * len(names_in.get(k, set()) & keys) / len(keys) if keys else 0.0
            dates = sorted(dates_in.get(k, ()))
            ev = EvidenceSentence(article.id, article.outlet, index, sentence.strip(), article.published,
                                  round(coverage, 3), dates=dates, language=alang.code)  # fmt: skip
            candidates.append((coverage + bonus, ev, hit))
    # The question's rarest word (fewest sentences) must be found somewhere, or the
    # corpus is about something else that merely shares common words.
    rarest = min(range(len(variants)), key=lambda i: covered_anywhere[i]) if len(variants) > 1 else 0
    candidates = sorted((c for c in candidates if c[1].coverage >= MIN_COVERAGE), key=lambda c: -c[0])
    candidates = candidates[:SEMANTIC_CANDIDATES]
    meaning = _semantic(question, [c[1].text for c in candidates], embedder)
    scored = zip(candidates, meaning, strict=True)
    ranked = sorted(((score + SEMANTIC_WEIGHT * sim, ev, hit, sim) for (score, ev, hit), sim in scored),
                    key=lambda c: -c[0])  # fmt: skip
    evidence: list[EvidenceSentence] = []
    per_article: Counter[str] = Counter()
    for _score, ev, hit, sim in ranked:
        if len(evidence) >= MAX_EVIDENCE or per_article[ev.article] >= PER_ARTICLE:
            continue
        # Without the rarest word, a sentence must say the same thing in other words
        # ("persekutuan" for "bersahabat"), as the shipped sentence embeddings judge it.
        if rarest not in hit and ev.coverage < 1.0 and len(variants) > 2 and sim < SEMANTIC_MIN:
            continue
        if any(_similar(ev.text, other.text) for other in evidence):
            continue
        per_article[ev.article] += 1
        evidence.append(ev)
    if not evidence or not covered_anywhere[rarest]:
        return _abstain(question, lang)
    sources = {e.outlet or e.article for e in evidence}
    dates = sorted({d for e in evidence for d in e.dates} | {e.published[:10] for e in evidence if e.published})
    if not yes_no:
        text = lang.answers["found"].format(n=len(sources)) + " " + evidence[0].text
        return Answer(question, lang.code, text, None, 1.0, False, evidence, dates)
    for e in evidence:
        # A sentence says no in its own language's words (or the question's, when it quotes them).
        negations = get(e.language).negations | lang.negations
        e.supports = "no" if any(w in negations for w in words(e.text)) else "yes"
    yes = {e.outlet or e.article for e in evidence if e.supports == "yes"}
    no = {e.outlet or e.article for e in evidence if e.supports == "no"} - yes
    if len(yes) > len(no):
        stance, text = "yes", lang.answers["yes"].format(n=len(yes))
    elif len(no) > len(yes):
        stance, text = "no", lang.answers["no"].format(n=len(no))
    else:
        stance, text = "mixed", lang.answers["mixed"].format(yes=len(yes), no=len(no))
    strength = round(max(len(yes), len(no)) / max(1, len(yes) + len(no)), 3)
    evidence.sort(key=lambda e: (e.supports != stance, -e.coverage))
    return Answer(question, lang.code, text + " " + evidence[0].text, stance, strength, False, evidence, dates)


def _similar(a: str, b: str) -> bool:
    x, y = set(words(a)), set(words(b))
    return bool(x and y) and len(x & y) / len(x | y) >= NEAR_DUPLICATE


def _abstain(question: str, lang: LanguageData) -> Answer:
    return Answer(question, lang.code, lang.answers["abstain"], None, 0.0, True, [], [])


def group_evidence(evidence: Sequence[EvidenceSentence]) -> dict[str, list[EvidenceSentence]]:
    """Evidence by what it supports ("yes", "no", or "evidence" for open questions)."""
    out: dict[str, list[EvidenceSentence]] = {}
    for e in evidence:
        out.setdefault(e.supports or "evidence", []).append(e)
    return out
