"""Extractive multi-source briefs, a cited timeline, and ROUGE.

A brief picks sentences from the story's articles, each cited as [outlet, article,
paragraph]. A sentence scores by

* centrality: TF-IDF cosine (Snowball stems) to the story's centroid;
* corroboration: how many independent sources (copies and one outlet's articles count
  once) carry a sentence that says much the same;
* position: news puts the point first, so earlier paragraphs score higher;

and sentences are chosen by maximal marginal relevance, so no two say the same thing.
The brief is in the story's main language; sentences in other languages may join it
with a small penalty.

The timeline lists the dated events of a storyline: the days the texts name (resolved
against publication dates by `meta`) and each story's first report, each with the
sentence that dates it and its citation.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np

from kabar.doc import of_article
from kabar.evaluate import prf
from kabar.extract.story import SourceGroups, sentence_around
from kabar.lang import get
from kabar.model import Article, Syndication
from kabar.text import split_sentences, stem, words

DEFAULT_SENTENCES = 5
# The MMR trade-off, and the hand-set weights the brief scores with when no learned scorer
# is used (`build(weights=False)`). What they give is measured by `kabar eval brief`
# (BENCHMARKS.md, "ROUGE"): with the hand-set weights, ROUGE-1 68.42 on the 724 held-out
# IndoSum dev articles and 37.28 on NeuS dev.
MMR_LAMBDA = 0.7
SAME_SENTENCE = 0.4  # cosine at which two sentences say much the same
MAX_REDUNDANCY = 0.6  # never pick a sentence this close to one already picked
W_CENTRAL, W_CORROBORATED, W_POSITION = 0.4, 0.3, 0.8
POSITION_DECAY = 0.5
OTHER_LANGUAGE = 0.8  # a sentence not in the story's main language counts this much
MIN_WORDS, MAX_WORDS = 6, 70
MAX_CANDIDATES = 600  # per story; the leads of many articles say what the story is
# A paragraph another outlet also ran (a wire paragraph) scores this much: one source
# however often it appears. Hand-set, a tie-breaker below the other weights' steps.
SYNDICATED = 0.95


@dataclass(slots=True)
class Cited:
    """One sentence taken from an article, with where it came from."""

    text: str
    article: str
    outlet: str | None
    paragraph: int  # 0-based; shown 1-based
    language: str
    published: str | None
    score: float = 0.0
    sources: int = 1  # independent sources that carry much the same sentence
    rank: int = 0  # the sentence's place in its article
    outlet_from_folder: bool = False  # the outlet is only its folder's name (`Article.outlet_from_folder`)

    def citation(self) -> str:
        outlet = self.outlet or "?"
        if self.outlet and self.outlet_from_folder:  # "seeds (folder)", in the article's language
            outlet = (get(self.language).ui.get("folder_outlet") or get("en").ui["folder_outlet"]).format(name=outlet)
        return f"[{outlet}, {self.article[:10]}, ¶{self.paragraph + 1}]"


@dataclass(slots=True)
class TimelineEvent:
    date: str  # ISO day
    text: str
    kind: str  # "event" (a day the text names) or "published" (a story's first report)
    evidence: list[Cited]


@dataclass(slots=True)
class Brief:
    language: str
    sentences: list[Cited]
    timeline: list[TimelineEvent] = field(default_factory=list)
    # What each outlet says that no other outlet's sentences do.
    outlet_adds: dict[str, list[Cited]] = field(default_factory=dict)

    def text(self) -> str:
        return " ".join(f"{c.text} {c.citation()}" for c in self.sentences)

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


def _sentences(a: Article) -> list[Cited]:
    doc = of_article(a)
    out: list[Cited] = []
    for rank, (start, _end) in enumerate(doc.sentences):
        sentence = doc.sentence(rank)
        n = len(sentence.split())
        marks = sum(sentence.count(q) for q in '"“”')
        # A piece of a quote split across sentences reads badly out of its context.
        if MIN_WORDS <= n <= MAX_WORDS and not sentence.rstrip().endswith("?") and marks % 2 == 0:
            out.append(Cited(sentence, a.id, a.outlet, doc.paragraph_of(start), a.language, a.published, rank=rank,
                             outlet_from_folder=a.outlet_from_folder))
    return out


def _vectors(items: Sequence[Cited]) -> np.ndarray:
    """L2-normalised TF-IDF rows over stems (dense: a story has hundreds of sentences)."""
    docs = []
    for c in items:
        lang = get(c.language)
        docs.append(Counter(stem(w, lang.stemmer) for w in words(c.text) if w not in lang.stopwords and len(w) > 1))
    vocab: dict[str, int] = {}
    for d in docs:
        for t in d:
            vocab.setdefault(t, len(vocab))
    df = Counter(t for d in docs for t in d)
    matrix = np.zeros((len(docs), max(1, len(vocab))), dtype=np.float32)
    n = len(docs)
    for i, d in enumerate(docs):
        for t, tf in d.items():
            matrix[i, vocab[t]] = (1 + math.log(tf)) * (math.log((1 + n) / (1 + df[t])) + 1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    normalised: np.ndarray = matrix / np.maximum(norms, 1e-9)
    return normalised


def _centrality(vectors: np.ndarray) -> np.ndarray:
    """Each row's cosine to the normalised centroid."""
    centroid = vectors.mean(axis=0)
    scores: np.ndarray = vectors @ (centroid / max(float(np.linalg.norm(centroid)), 1e-9))
    return scores


def main_language(articles: Sequence[Article]) -> str:
    counts = Counter(a.language for a in articles)
    return counts.most_common(1)[0][0] if counts else "id"


def build(
    articles: Sequence[Article],
    n_sentences: int = DEFAULT_SENTENCES,
    syndications: dict[str, list[Syndication]] | None = None,
    storyline: Sequence[Article] = (),
    weights: np.ndarray | bool | None = True,
) -> Brief:
    """The brief of a story from its articles (copies are read but never quoted twice).
    `weights`: the sentence scorer's (True: the shipped one, if any; False: hand-set)."""
    ordered = sorted(articles, key=lambda a: (a.published is None, a.published or "", a.id))
    language = main_language(ordered)
    originals = [a for a in ordered if not a.duplicate_of] or ordered
    candidates = [c for a in originals for c in _sentences(a)]
    candidates.sort(key=lambda c: c.rank)  # leads first when the story is large
    candidates = candidates[:MAX_CANDIDATES]
    brief = Brief(language, [], timeline(storyline or ordered))
    if not candidates:
        return brief
    vectors = _vectors(candidates)
    similarity = vectors @ vectors.T
    centrality = _centrality(vectors)
    sources = SourceGroups(ordered, syndications or {})
    groups = sources.groups()
    rows = _features(candidates, similarity, centrality, groups)
    learned = _learned_weights(str(MODEL)) if weights is True else (None if weights is False else weights)
    for i, c in enumerate(candidates):
        if isinstance(learned, np.ndarray):
            # Learned on single articles, the model cannot weigh corroboration; it is added.
            score = 1.0 / (1.0 + math.exp(-float(learned[0] + rows[i] @ learned[1:])))
            score += W_CORROBORATED * rows[i][1]
        else:
            central, corroboration, position = rows[i][0], rows[i][1], rows[i][2]
            score = W_CENTRAL * central + W_CORROBORATED * corroboration + W_POSITION * position
        if (c.article, c.paragraph) in sources.syndicated:
            score *= SYNDICATED
        c.score = score * (1.0 if c.language == language else OTHER_LANGUAGE)
    chosen = _mmr(candidates, similarity, n_sentences)
    brief.sentences = sorted((candidates[i] for i in chosen), key=lambda c: (c.published or "", c.article, c.paragraph))
    brief.outlet_adds = _outlet_adds(candidates, similarity, groups)
    return brief


FEATURES = ("centrality", "corroboration", "position", "first", "second", "third", "length", "digit", "quote",
            "paragraph")


def _features(
    candidates: Sequence[Cited], similarity: np.ndarray, centrality: np.ndarray, groups: dict[str, str]
) -> np.ndarray:
    """One row per candidate sentence, columns as FEATURES; sets `sources` on each."""
    n_groups = len(set(groups.values()))
    rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
    # Independent sources saying much the same as each sentence: the distinct groups among
    # its close sentences, as one matrix product (a loop of set comprehensions was a third
    # of a story page's time).
    member = _group_matrix(candidates, groups)
    sources = (((similarity >= SAME_SENTENCE).astype(np.float32) @ member) > 0).sum(axis=1)
    for i, c in enumerate(candidates):
        c.sources = int(sources[i])
        n_words = len(c.text.split())
        rows[i] = (
            float(centrality[i]),
            (c.sources - 1) / max(1, n_groups - 1),
            1.0 / (1.0 + POSITION_DECAY * c.rank),
            c.rank == 0,
            c.rank == 1,
            c.rank == 2,
            min(n_words, 60) / 30.0,
            any(ch.isdigit() for ch in c.text),
            any(q in c.text for q in '"“”'),
            1.0 / (1.0 + c.paragraph),
        )
    return rows


MODEL = Path(__file__).resolve().parent / "models" / "brief.json"


@lru_cache(maxsize=4)
def _learned_weights(path: str) -> np.ndarray | None:
    """Logistic-regression weights (intercept first) from `kabar train brief`, when shipped."""
    if not Path(path).is_file():
        return None
    record = json.loads(Path(path).read_text(encoding="utf-8"))
    if record.get("features") != list(FEATURES):
        return None  # trained on other features: fall back to the hand-set weights
    return np.array([record["intercept"], *record["coefficients"]], dtype=np.float64)


def oracle_labels(candidates: Sequence[Cited], reference: str, n: int = 3) -> list[int]:
    """The sentences a greedy ROUGE-1 oracle picks for a reference summary (training labels)."""
    ref = Counter(_tokens(reference))
    ref_total = sum(ref.values())
    bags = [Counter(_tokens(c.text)) for c in candidates]
    chosen: list[int] = []
    picked: Counter[str] = Counter()
    best = 0.0
    for _ in range(n):
        gains = []
        for i, bag in enumerate(bags):
            if i in chosen:
                continue
            merged = picked + bag
            overlap = sum((merged & ref).values())
            gains.append((prf(overlap, sum(merged.values()), ref_total).f1, -i))
        if not gains:
            break
        score, neg = max(gains)
        if score <= best:
            break
        best = score
        chosen.append(-neg)
        picked += bags[-neg]
    return [1 if i in chosen else 0 for i in range(len(candidates))]


def training_rows(articles: Sequence[Article], reference: str) -> tuple[np.ndarray, list[int]]:
    """Features and oracle labels of one single-article case, for `kabar train brief`."""
    candidates = [c for a in articles for c in _sentences(a)][:MAX_CANDIDATES]
    if not candidates:
        return np.zeros((0, len(FEATURES))), []
    vectors = _vectors(candidates)
    centrality = _centrality(vectors)
    rows = _features(candidates, vectors @ vectors.T, centrality, SourceGroups(articles, {}).groups())
    return rows, oracle_labels(candidates, reference)


def _mmr(candidates: Sequence[Cited], similarity: np.ndarray, n: int) -> list[int]:
    chosen: list[int] = []
    remaining = set(range(len(candidates)))
    while remaining and len(chosen) < n:
        best, best_value = -1, -math.inf
        for i in remaining:
            redundancy = max((float(similarity[i, j]) for j in chosen), default=0.0)
            if redundancy >= MAX_REDUNDANCY:
                continue
            value = MMR_LAMBDA * candidates[i].score - (1 - MMR_LAMBDA) * redundancy
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        chosen.append(best)
        remaining.discard(best)
    return chosen


def _group_matrix(candidates: Sequence[Cited], groups: dict[str, str]) -> np.ndarray:
    """One row per candidate, one column per group (an outlet, copies folded, or an article
    no group holds): 1 where the candidate's article is in the group."""
    keys = [groups.get(c.article, c.article) for c in candidates]
    index = {k: n for n, k in enumerate(dict.fromkeys(keys))}
    member = np.zeros((len(candidates), len(index)), dtype=np.float32)
    member[np.arange(len(candidates)), [index[k] for k in keys]] = 1.0
    return member


def _outlet_adds(candidates: Sequence[Cited], similarity: np.ndarray, groups: dict[str, str]) -> dict[str, list[Cited]]:
    """Per outlet, its best sentences that no other source says much the same as."""
    out: dict[str, list[Cited]] = {}
    if len({groups.get(c.article) for c in candidates}) < 2:
        return out
    member = _group_matrix(candidates, groups)
    # A sentence close to a sentence of another group is not that outlet's addition.
    close_elsewhere = (((similarity >= SAME_SENTENCE * 0.6).astype(np.float32) @ member) * (1 - member) > 0).any(axis=1)
    for i, c in enumerate(candidates):
        if not close_elsewhere[i]:
            out.setdefault(c.outlet or c.article, []).append(c)
    return {k: sorted(v, key=lambda c: -c.score)[:2] for k, v in out.items()}


# --- timeline ---------------------------------------------------------------------------


def _paragraph_of(a: Article, offset: int) -> int:
    pos = 0
    for i, p in enumerate(a.paragraphs):
        if offset < pos + len(p) + 2:
            return i
        pos += len(p) + 2
    return max(0, len(a.paragraphs) - 1)


_OPENING_QUOTES = ('"', "“", "„", "«", "'", "‘")


def _agreement(c: Cited, vocab: Counter[str]) -> tuple[bool, float]:
    """How well a sentence stands for its day: whether it reports (rather than opening with
    someone's quoted words), then how much of its wording the other articles share."""
    shared = sum(vocab[w] for w in set(words(c.text))) / (1 + len(words(c.text)) ** 0.5)
    return not c.text.startswith(_OPENING_QUOTES), shared


def timeline(articles: Sequence[Article]) -> list[TimelineEvent]:
    """Dated events across articles: each day a text names (with the sentence naming it,
    cited by every article that names that day) and each first report."""
    by_day: dict[str, list[Cited]] = {}
    for a in articles:
        if a.duplicate_of:
            continue
        quoted = [(q.start, q.end) for q in a.quotes if q.kind == "direct"]
        for t in a.time_mentions:
            if t.end_date and t.end_date != t.date:
                continue  # "bulan Juni" is a month, not an event day
            if any(s <= t.start < e for s, e in quoted):
                continue  # "hari ini" inside a quote is the day the words were said, not printed
            sentence = sentence_around(a.text, t.start, t.end)
            if len(sentence.split()) < 4:
                continue
            by_day.setdefault(t.date, []).append(
                Cited(sentence, a.id, a.outlet, _paragraph_of(a, t.start), a.language, a.published,
                      outlet_from_folder=a.outlet_from_folder)
            )
    events = []
    for day, cited in by_day.items():
        # The sentence most articles' wording agrees with stands for the day; one that
        # reports what happened before one that opens with someone's quoted words
        # (`sentence_around` gives whole sentences, so none opens inside a quote).
        vocab = Counter(w for c in cited for w in set(words(c.text)))
        best = max(cited, key=partial(_agreement, vocab=vocab))
        seen: set[str] = set()
        evidence = [c for c in cited if not (c.article in seen or seen.add(c.article))]  # type: ignore[func-returns-value]
        events.append(TimelineEvent(day, best.text, "event", evidence))
    first = min((a for a in articles if a.published), key=lambda a: a.published or "", default=None)
    if first is not None and first.published:
        day = first.published[:10]
        if day not in by_day:
            lead = first.paragraphs[0] if first.paragraphs else first.title
            events.append(TimelineEvent(day, f"{first.title}", "published",
                                        [Cited(lead[:300], first.id, first.outlet, 0, first.language,
                                               first.published,
                                               outlet_from_folder=first.outlet_from_folder)]))  # fmt: skip
    events.sort(key=lambda e: (e.date, e.kind))
    return events


# --- ROUGE ------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    if not a or not b:
        return 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge(predicted: str, reference: str) -> dict[str, dict[str, float]]:
    """ROUGE-1, ROUGE-2 and ROUGE-L (whole-text LCS) P/R/F1 over lower-cased Unicode word
    tokens, no stemming: Indonesian affixes carry meaning a stemmer built for English
    (the one rouge-score offers) would only garble."""
    p, r = _tokens(predicted), _tokens(reference)
    out = {}
    for n in (1, 2):
        pn, rn = _ngrams(p, n), _ngrams(r, n)
        out[f"rouge{n}"] = prf(sum((pn & rn).values()), sum(pn.values()), sum(rn.values()))._asdict()
    out["rougeL"] = prf(_lcs(p, r), len(p), len(r))._asdict()
    return out


def lead(paragraphs: Sequence[str], language: str, n: int = 3) -> str:
    """The first n sentences: the LEAD-n baseline."""
    lang = get(language)
    sentences = [s for p in paragraphs for s in split_sentences(p, lang.abbreviations, lang.non_final_words)]
    return " ".join(sentences[:n])



def train(cases: Sequence[tuple[list[Article], str]], out: Path, held_out: Sequence[tuple[list[Article], str]] = (),
          seed: int = 13) -> dict[str, Any]:  # fmt: skip
    """Fit the learned sentence scorer (logistic regression on FEATURES, oracle labels) and
    write it to `out`; report ROUGE on `held_out` with and without it."""
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for articles, reference in cases:
        rows, labels = training_rows(articles, reference)
        xs.append(rows)
        ys += labels
    model = LogisticRegression(C=1.0, max_iter=1000, random_state=seed, class_weight="balanced")
    model.fit(np.vstack(xs), ys)
    record = {"features": list(FEATURES), "intercept": float(model.intercept_[0]),
              "coefficients": [round(float(w), 6) for w in model.coef_[0]], "seed": seed,
              "training_cases": len(cases), "training_sentences": len(ys)}  # fmt: skip
    out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    _learned_weights.cache_clear()
    if held_out:
        record["held_out_rouge1"] = _mean_rouge1(held_out, _learned_weights(str(out)))
        record["held_out_rouge1_hand_set"] = _mean_rouge1(held_out, False)
        record["held_out_lead3_rouge1"] = round(
            100 * float(np.mean([rouge(lead([p for a in arts for p in a.paragraphs], arts[0].language), ref)
                                 ["rouge1"]["f1"] for arts, ref in held_out])), 2)  # fmt: skip
        out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return record


def _mean_rouge1(cases: Sequence[tuple[list[Article], str]], weights: np.ndarray | bool | None, n: int = 3) -> float:
    scores = [rouge(" ".join(c.text for c in build(arts, n, weights=weights).sentences), ref)["rouge1"]["f1"]
              for arts, ref in cases]  # fmt: skip
    return round(100 * float(np.mean(scores)), 2)
