"""Online story clustering and storylines.

Articles arrive in publication order. Each joins the best story among a few
candidates or starts a new one. Candidates come from inverted indexes (terms,
entities) over the *active* stories plus a nearest-centroid search on title
embeddings, so one assignment costs the same whatever the size of the corpus.

The score combines:
* lexical similarity: TF-IDF cosine over stems, IDF from the whole store, counted
  only between texts of one language;
* name similarity: cosine of IDF-weighted names and figures, normalised across
  languages (so "Korea Utara" and "North Korea" are one key);
* embedding similarity of titles (multilingual, so Indonesian meets English);
* a decay on the distance between the days the two are about (publication days,
  and the days and months named in the text), so look-alike events weeks apart stay apart.

Storylines link stories about one ongoing matter across weeks: stories that share
their salient names and vocabulary but are too far apart in time to be one event.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from kabar.features import title_centre
from kabar.model import Article, ArticleFeatures, StoryMerge, StoryWrite, publication_order
from kabar.stages import CLUSTERERS, DEFAULT_STORIES, StoryUpdates
from kabar.store import PipelineStore

# Weights and thresholds, tuned on ECB+ and NeuS dev (see BENCHMARKS.md).
W_LEX = 0.50
W_ENT = 0.30
W_EMB = 0.20
JOIN = 0.30
# Short items (a title and a lead) share few words, and the few they share are mostly the
# topic's ("Biden", "vaccine"), so look-alike stories score as high as one story does.
# Their join threshold rises by up to SHORT_RAISE, from SHORT_TERMS_HIGH distinct stems down
# to SHORT_TERMS_LOW (log scale).
SHORT_RAISE = 0.05
# An article whose best story scores this many times the runner-up's may join it at up
# to CLEAR_MARGIN below the threshold: where it belongs is not in doubt.
CLEAR_MARGIN = 0.06
CLEAR_RATIO = 3.0
SHORT_TERMS_LOW = 40
SHORT_TERMS_HIGH = 150
MERGE = 0.50  # two stories an article bridges are merged when they are this alike
# How many runners-up an article joining a story is checked against: one at the join
# threshold and `_alike` the joined story is merged into it. ECB+ B3 F1 0.8529 checking
# none, 0.8562 one, 0.8605 two, and the same at four (none further down passes both tests).
MERGE_CHECKED = 2
DAY_GRACE = 3  # days: follow-ups within this distance are not penalised
DAY_TAU = 10.0  # days: e-folding distance of the time decay beyond the grace
OTHER_DAYS = 0.6  # score factor when the article and the story both name days, and none in common
# When only one side has days, the decay cannot be checked; rather than count that as "the
# same days" (1.0), the score takes a small discount, so an undated report needs a little
# more in common to join a dated story. When neither side has days (NeuS), every pair is
# alike in this and nothing changes. ECB+ B3 F1 0.844 -> 0.856 (flat from 0.88 to 0.92).
ONE_SIDE_DATED = 0.9
# Score factor when neither side has days: off. 0.8-0.9 help the undated corpora but cost
# ECB+ 0.04 when it is held out (BENCHMARKS.md, issue 15).
NEITHER_DATED = 1.0
LINE_SCORE = 0.28  # storyline link: content score without the time decay (leave-one-corpus-out: BENCHMARKS.md)
LINE_ENTITY = 0.35  # ... and this much of the salient names in common,
LINE_CONTENT = 0.40  # ... or fewer names but an article this alike to the earlier story, days aside
# The earlier stories sharing the most salient names that a storyline link is tried with.
# ECB+ scored by storyline: B3 F1 0.8588 (85 storylines) with one, 0.8602 (83) from three
# to ten. Five was kept: the count only widens a loop whose store reads LINE_READ_BACK bounds.
LINE_CANDIDATES = 5
LINE_READ_BACK = 2  # earlier stories compared by content per link, at most (each may be a store read)
LINE_STATES_KEPT = 1024  # earlier stories' states kept after being read back
ACTIVE_DAYS = 30  # stories idle longer than this (in the stream's time) ...
ACTIVE_RECENT = 5000  # ... and for more assignments than this leave the candidate index
RECALL_TERMS = 8  # an article older than memory looks for its stored story by this many strongest terms,
RECALL_STORIES = 8  # ... among the stories of its days the search index ranks first
ACTIVE_MAX = 20_000  # stories in memory at most (about 40 KB each on a 10,000-a-day feed: bench/memory_stream.py)
ACTIVE_REFILL = 0.9  # ... cut back to this share of it, so the cut runs once per many sweeps
EXPIRE_EVERY = 256  # assignments between sweeps of idle stories out of the candidate index
TOP_TERMS = 300
INDEX_TERMS = 25  # terms of a story that go into the candidate index
QUERY_TERMS = 12
TOP_ENTITIES = 40
MAX_CANDIDATES = 8
EMBED_CANDIDATES = 3
POSTING_SCAN = 200  # stories read from one term's or name's posting, the most recently changed first
MAX_SPANS = 60  # day ranges a story remembers
TITLE_SAMPLE = 50  # headlines a story keeps to choose its title from
# A story's title is the kept headline with the most of its TITLE_CENTRAL_TERMS heaviest
# stems (a fifth of TOP_TERMS). It decides titles only: ECB+ B3 F1 is 0.8605 at 20 and
# at 120, where 29 and 20 of its 115 story titles change.
TITLE_CENTRAL_TERMS = 60
# The space the stored embedding sums are in: title vectors with the centre taken out
# (`features.centred`). States without it hold raw sums and are converted on load.
EMBEDDING_SPACE = "use3-centred-1"
SALIENT_ENTITIES = 10
LINE_POSTING_MAX = 100  # per name, the stories most recently named by it that storylines look at
# A name in more than this share of all articles (and at least LINE_GENERIC_DOCS of them),
# "Presiden" or "Jakarta", does not define a matter.
LINE_GENERIC_SHARE = 0.01
LINE_GENERIC_DOCS = 300


class DocFreq:
    """Document frequencies for IDF, loaded lazily from the store and kept current."""

    def __init__(self, n_docs: int = 0) -> None:
        self.n_docs = n_docs
        self.df: dict[str, int] = {}
        self.delta: Counter[str] = Counter()

    def idf(self, term: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(term, 0) + 1)) + 1.0

    def add(self, keys: Iterable[str]) -> None:
        self.n_docs += 1
        for k in keys:
            self.df[k] = self.df.get(k, 0) + 1
            self.delta[k] += 1


@dataclass
class StoryState:
    id: str
    storyline: str
    n_articles: int = 0
    # Headlines the story's title is chosen from (article id -> title, in ingest order), at
    # most 2 × TITLE_SAMPLE: the state is rewritten whenever the story grows, so it must not
    # grow with it.
    titles: dict[str, str] = field(default_factory=dict)
    # Sums of the members' unit TF-IDF vectors (terms, entities): centroids up to scale.
    terms: Counter[str] = field(default_factory=Counter)
    entities: Counter[str] = field(default_factory=Counter)
    days: list[tuple[int, int]] = field(default_factory=list)
    day_marks: Counter[str] = field(default_factory=Counter)  # calendar days the members name ("11-14")
    languages: Counter[str] = field(default_factory=Counter)
    outlets: Counter[str] = field(default_factory=Counter)
    first_published: str | None = None
    last_published: str | None = None
    embedding_sum: Any = None
    n_embedded: int = 0
    last_seq: int = 0
    title_terms: dict[str, list[str]] = field(default_factory=dict)
    _units: tuple[dict[str, float], dict[str, float]] | None = None
    _embedding: Any = None  # the unit centroid embedding, cached like `_units`
    _reach: list[int] | None = None  # running maximum of the ends of `days`, cached like `_units`

    def units(self) -> tuple[dict[str, float], dict[str, float]]:
        """The term and entity centroids as unit vectors (cached until the story changes)."""
        if self._units is None:
            self._units = (_unit(self.terms), _unit(self.entities))
        return self._units

    def reach(self) -> list[int]:
        """For each of the (start-sorted) `days`, the latest end among it and those before it."""
        if self._reach is None:
            self._reach = list(itertools.accumulate((end for _, end in self.days), max))
        return self._reach

    @property
    def embedding(self) -> Any:
        if self._embedding is None and self.embedding_sum is not None and self.n_embedded:
            n = float(np.linalg.norm(self.embedding_sum))
            self._embedding = self.embedding_sum / n if n else None
        return self._embedding

    def add(self, f: ArticleFeatures, article: Any, seq: int, lex: dict[str, float], ent: dict[str, float]) -> None:
        self.n_articles += 1
        self.languages[f.language] += 1
        if article.outlet:
            self.outlets[article.outlet] += 1
        self._published(article.published)
        self.titles[f.article_id] = article.title
        self.title_terms[f.article_id] = sorted(f.title_terms)
        self._trim_titles()
        self.terms.update(lex)
        if len(self.terms) > TOP_TERMS * 2:
            self.terms = Counter(dict(self.terms.most_common(TOP_TERMS)))
        self.entities.update(ent)
        if len(self.entities) > TOP_ENTITIES * 2:
            self.entities = Counter(dict(self.entities.most_common(TOP_ENTITIES)))
        self._units = self._embedding = self._reach = None
        self.days = sorted(set(self.days) | set(f.days))[-MAX_SPANS:]
        self.day_marks.update(f.day_marks)
        if len(self.day_marks) > MAX_SPANS * 2:
            self.day_marks = Counter(dict(self.day_marks.most_common(MAX_SPANS)))
        if f.embedding is not None:
            self.embedding_sum = f.embedding.copy() if self.embedding_sum is None else self.embedding_sum + f.embedding
            self.n_embedded += 1
        self.last_seq = seq

    def _published(self, published: str | None) -> None:
        if published:
            if self.first_published is None or published[:16] < self.first_published[:16]:
                self.first_published = published
            if self.last_published is None or published[:16] > self.last_published[:16]:
                self.last_published = published

    def absorb(self, other: StoryState) -> None:
        self.n_articles += other.n_articles
        self.languages.update(other.languages)
        self.outlets.update(other.outlets)
        self._published(other.first_published)
        self._published(other.last_published)
        self.day_marks.update(other.day_marks)
        self.titles.update(other.titles)
        self.title_terms.update(other.title_terms)
        self.terms.update(other.terms)
        self.entities.update(other.entities)
        self.days = sorted(set(self.days) | set(other.days))[-MAX_SPANS:]
        if other.embedding_sum is not None:
            self.embedding_sum = (
                other.embedding_sum.copy() if self.embedding_sum is None else self.embedding_sum + other.embedding_sum
            )
            self.n_embedded += other.n_embedded
        self.last_seq = max(self.last_seq, other.last_seq)
        self._units = self._embedding = self._reach = None
        self._trim_titles()

    def _ranked_titles(self) -> list[str]:
        """Article ids of the kept headlines, most central words first (the earliest on ties)."""
        top = {t for t, _ in self.terms.most_common(TITLE_CENTRAL_TERMS)}

        def centrality(rank_and_id: tuple[int, str]) -> tuple[int, int]:
            rank, article = rank_and_id
            return (sum(1 for t in self.title_terms.get(article, []) if t in top), -rank)

        return [a for _, a in sorted(enumerate(self.titles), key=centrality, reverse=True)]

    def _trim_titles(self) -> None:
        # Cut back to the sample only once it has doubled: ranking the kept headlines on
        # every new member of a large story would cost a sort each time.
        if len(self.titles) > 2 * TITLE_SAMPLE:
            for article in self._ranked_titles()[TITLE_SAMPLE:]:
                del self.titles[article]
                self.title_terms.pop(article, None)

    def best_title(self) -> str:
        """The headline whose words are most central to the story (the earliest on ties)."""
        return self.titles[self._ranked_titles()[0]]


@dataclass
class Assignment:
    article_id: str
    story: str
    score: float
    new: bool
    merges: list[StoryMerge] = field(default_factory=list)


def _tfidf(counts: Mapping[str, float], df: DocFreq) -> dict[str, float]:
    vec = {t: (1 + math.log(n)) * df.idf(t) for t, n in counts.items() if n > 0}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _unit(vec: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    # Most compared pairs share few keys: intersecting the key sets (in C) first beats
    # a lookup per key of the smaller vector. A set's order follows the process's string
    # hashes, so the sum is fsum's, which does not depend on the order: reprocessing in
    # another process must give the same scores to the last bit.
    return math.fsum([a[t] * b[t] for t in a.keys() & b.keys()])


def join_threshold(n_terms: int) -> float:
    """The score an article needs to join a story, given how many distinct stems it has."""
    span = math.log(SHORT_TERMS_HIGH) - math.log(SHORT_TERMS_LOW)
    shortness = (math.log(SHORT_TERMS_HIGH) - math.log(max(n_terms, 1))) / span
    return JOIN + SHORT_RAISE * min(1.0, max(0.0, shortness))


def joins(scores: Sequence[float], threshold: float) -> bool:
    """Whether the best of the candidates' scores (best first) is enough to join its story.

    At the threshold, always. A little below it, only when the best stands well clear of
    the runner-up: a report worded apart from the rest of its event (the usual way one is
    left alone) still finds it, while an article between two look-alike stories does not.
    """
    if not scores or scores[0] < threshold - CLEAR_MARGIN:
        return False
    return scores[0] >= threshold or len(scores) < 2 or scores[0] >= CLEAR_RATIO * scores[1]


def day_decay(a: list[tuple[int, int]], b: list[tuple[int, int]], b_reach: list[int] | None = None) -> float:
    """1 when the two are about the same days (or either is undated), less the further apart.

    Both are lists of day ranges; the distance is that of the closest pair of ranges.
    `b_reach` is `b`'s running maximum of ends (`StoryState.reach`), when the caller keeps it.
    """
    if not a or not b:
        return 1.0
    reach = b_reach if b_reach is not None else list(itertools.accumulate((end for _, end in b), max))
    best = min(_gap(span, b, reach) for span in a)
    return 1.0 if best <= DAY_GRACE else math.exp(-(best - DAY_GRACE) / DAY_TAU)


def _gap(span: tuple[int, int], spans: list[tuple[int, int]], reach: list[int]) -> int:
    """Days between `span` and the nearest of the sorted `spans` (0 if they overlap);
    `reach[i]` is the latest end among spans[: i + 1]."""
    start, end = span
    i = bisect.bisect_right(spans, (end, 1 << 30))  # spans starting after `end` are at i and beyond
    best = spans[i][0] - end if i < len(spans) else 1 << 30
    # Of the spans starting at or before `end`, the one reaching furthest decides.
    if i:
        best = min(best, max(0, start - reach[i - 1]))
    return best


def salient_entities(story: StoryState) -> list[str]:
    """The names that define what a story is about, for linking it into a storyline."""
    return [e for e, _ in story.entities.most_common(SALIENT_ENTITIES)]


def _most_recent(posting: dict[str, None] | None) -> Iterable[str]:
    """The stories of a posting that changed last, at most POSTING_SCAN of them: a word
    every active story uses ("Jakarta") would otherwise cost a pass over all of them."""
    if not posting:
        return ()
    return itertools.islice(reversed(posting), POSTING_SCAN) if len(posting) > POSTING_SCAN else posting


def _strongest(hits: dict[str, float], k: int) -> list[str]:
    """The k keys of the highest weight, the smallest key first among equal weights.

    An article can hit hundreds of stories; the k-th weight is found by `heapq.nlargest`
    with a C-level key, and only the keys at or above it are sorted."""
    if len(hits) <= k:
        return sorted(hits, key=lambda s: (-hits[s], s))
    floor = hits[heapq.nlargest(k, hits, key=hits.__getitem__)[-1]]
    return sorted((s for s, w in hits.items() if w >= floor), key=lambda s: (-hits[s], s))[:k]


class _EmbeddingTable:
    """Story centroid embeddings in one matrix, for a vectorised nearest search."""

    def __init__(self) -> None:
        self.matrix = np.zeros((64, 0), dtype=np.float32)
        self.rows: dict[str, int] = {}
        self.ids: list[str | None] = []
        self.free: list[int] = []

    def put(self, story_id: str, vector: Any) -> None:
        if self.matrix.shape[1] == 0:
            self.matrix = np.zeros((64, len(vector)), dtype=np.float32)
        row = self.rows.get(story_id)
        if row is None:
            if self.free:
                row = self.free.pop()
                self.ids[row] = story_id
            else:
                row = len(self.ids)
                self.ids.append(story_id)
                if row >= self.matrix.shape[0]:
                    grown = np.zeros((self.matrix.shape[0] * 2, self.matrix.shape[1]), dtype=np.float32)
                    grown[: self.matrix.shape[0]] = self.matrix
                    self.matrix = grown
            self.rows[story_id] = row
        self.matrix[row] = vector

    def drop(self, story_id: str) -> None:
        row = self.rows.pop(story_id, None)
        if row is not None:
            self.matrix[row] = 0.0
            self.ids[row] = None
            self.free.append(row)

    def nearest(self, vector: Any, k: int) -> list[str]:
        n = len(self.ids)
        if not self.rows:
            return []
        sims = self.matrix[:n] @ vector
        top = np.argpartition(-sims, min(k, n - 1))[: k + 1] if n > k else np.arange(n)
        return [sid for i in sorted(top, key=lambda i: -sims[i]) if (sid := self.ids[i]) is not None][:k]


class StoryIndex:
    """The in-memory state of online clustering: active stories and their indexes."""

    def __init__(self, df: DocFreq) -> None:
        self.df = df
        self.stories: dict[str, StoryState] = {}
        self.redirects: dict[str, str] = {}  # merged story -> the story it went into
        # term or name -> active stories, in the order they last changed (dicts keep order)
        self.term_index: dict[str, dict[str, None]] = defaultdict(dict)
        self.entity_index: dict[str, dict[str, None]] = defaultdict(dict)
        # entity -> the LINE_POSTING_MAX stories that named it last (insertion-ordered), so
        # linking costs the same on a corpus of any size.
        self.line_index: dict[str, dict[str, None]] = defaultdict(dict)
        self.line_entities: dict[str, list[str]] = {}  # story -> its salient entities, all time
        self.line_of: dict[str, str] = {}  # story -> storyline
        self.line_members: dict[str, set[str]] = defaultdict(set)  # storyline -> its stories
        self.seq = 0
        self.newest_day = 0
        # The latest day of a story that left memory (idle, or cut by ACTIVE_MAX), or before
        # which the store may hold stories a run's start did not read: an article of a day
        # after it finds every story of its days in memory, and recalls nothing.
        self.left_day = 0
        self.indexed: dict[str, list[tuple[dict[str, dict[str, None]], str]]] = {}  # story -> its index entries
        self.embeddings = _EmbeddingTable()
        # Stories changed since the last save, held here so that one expiring from the
        # candidate indexes before the save is still written.
        self.changed: dict[str, StoryState] = {}
        self.relined: dict[str, str] = {}  # story -> new storyline, to persist
        # How to read back a story that has left the active set (the store, for StoryStage;
        # nothing, for `cluster`), and the ones read lately.
        self.read_state: Callable[[str], StoryState | None] = lambda story_id: None
        # Stories of an article's days that the store's search index matches on its terms
        # (`PipelineStore.stories_about`; nothing, for `cluster`), for an article older than
        # what memory holds.
        self.recall: Callable[[list[str], int, int], list[str]] = lambda terms, first, last: []
        self.read_states: OrderedDict[str, StoryState | None] = OrderedDict()

    # --- scoring ---------------------------------------------------------------

    def vectors(self, f: ArticleFeatures) -> tuple[dict[str, float], dict[str, float]]:
        """The article's unit TF-IDF vectors over stems and over entities."""
        ents = {f"e:{e}": n for e, n in f.entities.items()}
        return _tfidf(f.terms, self.df), {k[2:]: v for k, v in _tfidf(ents, self.df).items()}

    def score(self, f: ArticleFeatures, story: StoryState, vecs: tuple[dict[str, float], dict[str, float]]) -> float:
        """How well the article fits the story: alike in content, and about the same days."""
        decay = day_decay(f.days, story.days, story.reach())
        if bool(f.days) != bool(story.days):
            decay *= ONE_SIDE_DATED
        elif not f.days:
            decay *= NEITHER_DATED
        if f.day_marks and story.day_marks and not any(m in story.day_marks for m in f.day_marks):
            decay *= OTHER_DAYS  # both name the days they are about, and none is the same
        return self.content_score(f, story, vecs) * decay

    def content_score(
        self, f: ArticleFeatures, story: StoryState, vecs: tuple[dict[str, float], dict[str, float]]
    ) -> float:
        lex, ent = story.units()
        s_ent = _cosine(vecs[1], ent)
        # Words only compare within one language; across languages the names,
        # figures and the multilingual embedding carry the score.
        same_language = f.language in story.languages
        s_lex = _cosine(vecs[0], lex) if same_language else 0.0
        w_lex = W_LEX if same_language else 0.0
        s_emb = 0.0
        emb = story.embedding
        if f.embedding is not None and emb is not None:
            s_emb = max(0.0, float(np.dot(f.embedding, emb)))
        if f.embedding is None or emb is None:  # no embeddings: renormalise the other two
            return (w_lex * s_lex + W_ENT * s_ent) / (w_lex + W_ENT)
        return (w_lex * s_lex + W_ENT * s_ent + W_EMB * s_emb) / (w_lex + W_ENT + W_EMB)

    # --- candidates ------------------------------------------------------------

    def candidates(self, f: ArticleFeatures, vec: dict[str, float], ent_vec: dict[str, float]) -> list[str]:
        """Active stories sharing the article's strongest terms or any of its names, and
        the stories with the nearest title embeddings."""
        hits: dict[str, float] = defaultdict(float)
        for term in heapq.nlargest(QUERY_TERMS, vec, key=vec.__getitem__):
            weight = vec[term]
            for s in _most_recent(self.term_index.get(term)):
                hits[s] += weight
        for e, weight in ent_vec.items():
            for s in _most_recent(self.entity_index.get(e)):
                hits[s] += weight
        found = _strongest(hits, MAX_CANDIDATES)
        if f.embedding is not None:
            found.extend(s for s in self.embeddings.nearest(f.embedding, EMBED_CANDIDATES) if s not in hits)
        return found

    def _index(self, story: StoryState) -> None:
        vec = story.units()[0]
        entries: list[tuple[dict[str, dict[str, None]], str]] = []
        for t in heapq.nlargest(INDEX_TERMS, vec, key=vec.__getitem__):
            entries.append((self.term_index, t))
        for e, _ in story.entities.most_common(TOP_ENTITIES):
            entries.append((self.entity_index, e))
        for index, k in entries:
            index[k][story.id] = None
        self.indexed[story.id] = entries
        if story.embedding is not None:
            self.embeddings.put(story.id, story.embedding)
        for e in self.line_entities.get(story.id, []):
            self.line_index[e].pop(story.id, None)
        salient = salient_entities(story)
        for e in salient:
            self._line_post(e, story.id)
        self.line_entities[story.id] = salient

    def restore_story(self, story: StoryState) -> None:
        """Take back an active story read from the store, into the candidate indexes."""
        self.stories[story.id] = story
        self._index(story)

    def restore_line(self, story_id: str, storyline: str, salient: Sequence[str]) -> None:
        """Take back a stored story's storyline and its salient names (for linking), unless
        the story is active and already indexed by them."""
        self.line_of[story_id] = storyline
        self.line_members[storyline].add(story_id)
        if story_id not in self.line_entities:
            self.line_entities[story_id] = list(salient)
            for e in salient:
                self._line_post(e, story_id)

    def _line_post(self, entity: str, story_id: str) -> None:
        posting = self.line_index[entity]
        posting[story_id] = None
        if len(posting) > LINE_POSTING_MAX:
            del posting[next(iter(posting))]

    def _unindex(self, story_id: str) -> None:
        for index, k in self.indexed.pop(story_id, []):
            bucket = index.get(k)
            if bucket is not None:
                bucket.pop(story_id, None)
                if not bucket:
                    del index[k]
        self.embeddings.drop(story_id)

    # --- assignment ------------------------------------------------------------

    def assign(self, f: ArticleFeatures, article: Any) -> Assignment:
        """Put one article (features `f`, record `article`) into its story."""
        self.seq += 1
        # The stream's clock is its newest publication day: a date an article names ("the
        # election on 14 February") is not the stream's time.
        day = None
        if published := article.published:
            day = date.fromisoformat(published[:10]).toordinal()
            self.newest_day = max(self.newest_day, day)
        vecs = self.vectors(f)
        # Undated, an article is placed by the days it names, if any ("Selasa (20/8)").
        when = (day, day) if day is not None else (f.days[0][0], max(e for _, e in f.days)) if f.days else None
        if when is not None and when[0] - DAY_GRACE <= self.left_day:
            self._recall(vecs[0], *when)
        scored = sorted(
            ((self.score(f, self.stories[s], vecs), s) for s in self.candidates(f, *vecs)),
            key=lambda x: (-x[0], x[1]),
        )
        merges: list[StoryMerge] = []
        join = join_threshold(len(f.terms))
        if joins([score for score, _ in scored], join):
            best_score, best = scored[0]
            story = self.stories[best]
            for other_score, other in scored[1 : 1 + MERGE_CHECKED]:
                if other_score >= join and self._alike(story, self.stories[other]):
                    merges.append(self._merge(other, into=best, article_id=f.article_id))
            self._unindex(best)
            story.add(f, article, self.seq, *vecs)
            new = False
        else:
            best_score, best = (scored[0][0] if scored else 0.0), f"s{f.article_id}"
            story = StoryState(id=best, storyline=best)
            story.add(f, article, self.seq, *vecs)
            self.stories[best] = story
            self.line_of[best] = best
            self.line_members[best].add(best)
            new = True
        self._index(story)
        self._link_storyline(story, f, vecs)
        self.changed[story.id] = story
        self._expire()
        return Assignment(f.article_id, story.id, best_score, new, merges)

    def _recall(self, vec: dict[str, float], first: int, last: int) -> None:
        """Bring back into memory the stored stories of the days `first` to `last` that
        match the article's strongest terms: its story may have been swept out while the
        stream ran ahead."""
        for found in self.recall(heapq.nlargest(RECALL_TERMS, vec, key=vec.__getitem__), first, last):
            # The store's copy of a story merged earlier in this chunk is still there until
            # the chunk is written: it lives on in the story it went into.
            story_id = self.resolve(found)
            if story_id in self.stories:
                continue
            state = self.changed.get(story_id)  # swept out, but not saved yet: newer than the store's
            if state is None:
                self.read_states.pop(story_id, None)  # a copy read for linking may be older
                state = self.read_state(story_id)
            if state is not None:
                self.restore_story(state)

    def _alike(self, a: StoryState, b: StoryState) -> bool:
        (la, ea), (lb, eb) = a.units(), b.units()
        content = (W_LEX * _cosine(la, lb) + W_ENT * _cosine(ea, eb)) / (W_LEX + W_ENT)
        return content * day_decay(a.days, b.days, b.reach()) >= MERGE

    def _merge(self, merged: str, into: str, article_id: str) -> StoryMerge:
        target, gone = self.stories[into], self.stories.pop(merged)
        self._unindex(merged)
        target.absorb(gone)
        self.redirects[merged] = into
        old_line = self.line_of.pop(merged, merged)
        self.line_members[old_line].discard(merged)
        if old_line != target.storyline:
            self._join_lines(target.storyline, old_line)
        for e in self.line_entities.pop(merged, []):
            self.line_index[e].pop(merged, None)
        self.changed.pop(merged, None)
        self.changed[into] = target
        return StoryMerge(merged, into, article_id)

    def _link_storyline(
        self, story: StoryState, f: ArticleFeatures, vecs: tuple[dict[str, float], dict[str, float]]
    ) -> None:
        """Join the storyline of an earlier story about the same matter."""
        salient = self.line_entities.get(story.id, [])
        if not salient:
            return
        counts: Counter[str] = Counter()
        generic = max(LINE_GENERIC_DOCS, LINE_GENERIC_SHARE * self.df.n_docs)
        for e in salient:
            if self.df.df.get(f"e:{e}", 0) > generic:
                continue
            for s in self.line_index.get(e, ()):
                if s != story.id and self.line_of.get(s) != self.line_of.get(story.id):
                    counts[s] += 1
        read_back = 0
        mine_alone = len(self.line_members.get(self.line_of.get(story.id, story.id), ())) <= 1
        for other, shared in counts.most_common(LINE_CANDIDATES):
            if not mine_alone and len(self.line_members.get(self.line_of.get(other, other), ())) > 1:
                continue  # a link adds a story to a matter; it never joins two matters
            theirs = self.line_entities.get(other, [])
            overlap = shared / max(1, min(len(salient), len(theirs)))
            if overlap >= LINE_ENTITY:
                other_state = self.stories.get(other)
                if other_state is None:  # swept out of memory: read back, as few as for weak links
                    if read_back >= LINE_READ_BACK:
                        continue
                    read_back += 1
                    other_state = self._state(other)
                if other_state is None or self.content_score(f, other_state, vecs) < LINE_SCORE:
                    continue
            else:
                # Few names in common (the ratification names the parliament, the signing
                # the ministers who signed), yet the article reads like the earlier story
                # but for its days. On ECB+ no two stories of different events were this alike.
                if read_back >= LINE_READ_BACK:
                    continue
                read_back += 1
                other_state = self._state(other)
                if other_state is None or self.content_score(f, other_state, vecs) < LINE_CONTENT:
                    continue
            self._join_lines(self.line_of[other], self.line_of[story.id])
            break

    def _state(self, story_id: str) -> StoryState | None:
        """An active story's state, or an older one's read back from the store (kept for a while)."""
        if (active := self.stories.get(story_id) or self.changed.get(story_id)) is not None:
            return active  # `changed`: swept out of memory, but not yet saved
        if story_id in self.read_states:
            self.read_states.move_to_end(story_id)
            return self.read_states[story_id]
        state = self.read_state(story_id)
        self.read_states[story_id] = state
        if len(self.read_states) > LINE_STATES_KEPT:
            self.read_states.popitem(last=False)
        return state

    def _join_lines(self, keep: str, drop: str) -> None:
        keep, drop = min(keep, drop), max(keep, drop)  # deterministic: the smaller id names the line
        for s in self.line_members.pop(drop, set()):
            self.line_of[s] = keep
            self.relined[s] = keep
            self.line_members[keep].add(s)
            if s in self.stories:
                self.stories[s].storyline = keep

    def _expire(self) -> None:
        if self.seq % EXPIRE_EVERY:
            return
        for sid, st in list(self.stories.items()):
            # Quiet in the stream's days *and* in its recent assignments, as `StoryStage._load`
            # reads them back: an archive ingested out of date order (one outlet's folder,
            # then the next) keeps a story while its other outlets' reports are still coming.
            idle_days = self.newest_day - max(end for _, end in st.days) if st.days else None
            idle = self.seq - st.last_seq > ACTIVE_RECENT and (idle_days is None or idle_days > ACTIVE_DAYS)
            if idle:
                self._unindex(sid)
                del self.stories[sid]
                self.left_day = max(self.left_day, _last_day(st))
        if len(self.stories) > ACTIVE_MAX:
            # A busy feed makes thousands of stories a day, most of one article: past the cap,
            # the least recently joined leave memory. An article of their days finds them
            # again in the store (`_recall`), as one older than the stream's clock does.
            excess = len(self.stories) - int(ACTIVE_MAX * ACTIVE_REFILL)
            for sid in heapq.nsmallest(excess, self.stories, key=lambda s: self.stories[s].last_seq):
                st = self.stories.pop(sid)
                self._unindex(sid)
                self.left_day = max(self.left_day, _last_day(st))

    def resolve(self, story_id: str) -> str:
        while story_id in self.redirects:
            story_id = self.redirects[story_id]
        return story_id


def _last_day(story: StoryState) -> int:
    """The latest day a story covers: its last publication day or the last day it names."""
    days = [end for _, end in story.days]
    if story.last_published:
        days.append(date.fromisoformat(story.last_published[:10]).toordinal())
    return max(days, default=0)


def cluster(
    articles: list[Any], features: list[ArticleFeatures], df: DocFreq | None = None
) -> tuple[dict[str, str], dict[str, str], StoryIndex]:
    """Cluster a whole collection at once (evaluation, reprocessing): returns
    article -> story and story -> storyline. Features must be in `articles` order."""
    df = df or DocFreq()
    for f in features:
        df.add(list(f.terms) + [f"e:{e}" for e in f.entities])
    index = StoryIndex(df)
    order = sorted(range(len(articles)), key=lambda i: publication_order(articles[i].published, i))
    assigned: dict[str, str] = {}
    for i in order:
        a = index.assign(features[i], articles[i])
        assigned[articles[i].id] = a.story
    stories = {aid: index.resolve(s) for aid, s in assigned.items()}
    return stories, {s: index.line_of.get(s, s) for s in set(stories.values())}, index


# --- persistence: the store keeps these as opaque JSON plus an embedding blob -------------


def state_to_json(st: StoryState) -> dict[str, Any]:
    return {
        "n_articles": st.n_articles,
        "titles": st.titles,
        "title_terms": st.title_terms,
        "terms": dict(st.terms),
        "entities": dict(st.entities),
        "days": st.days,
        "day_marks": dict(st.day_marks),
        "languages": dict(st.languages),
        "outlets": dict(st.outlets),
        "first_published": st.first_published,
        "last_published": st.last_published,
        "n_embedded": st.n_embedded,
        "embedding_space": EMBEDDING_SPACE,
        "last_seq": st.last_seq,
    }


def state_from_json(story_id: str, storyline: str, data: Mapping[str, Any], embedding: Any) -> StoryState:
    if embedding is not None and data.get("embedding_space") != EMBEDDING_SPACE:
        embedding = _centre_sum(embedding, int(data["n_embedded"]))
    return StoryState(
        id=story_id,
        storyline=storyline,
        # Stores before the title sample kept every member's id.
        n_articles=int(data["n_articles"]) if "n_articles" in data else len(data["articles"]),
        titles=dict(data["titles"]),
        title_terms=dict(data["title_terms"]),
        terms=Counter(data["terms"]),
        entities=Counter(data["entities"]),
        days=[(int(x), int(y)) for x, y in data["days"]],
        day_marks=Counter(data.get("day_marks", {})),
        languages=Counter(data["languages"]),
        outlets=Counter(data["outlets"]),
        first_published=data["first_published"],
        last_published=data["last_published"],
        embedding_sum=embedding,
        n_embedded=int(data["n_embedded"]),
        last_seq=int(data["last_seq"]),
    )


def state_from_row(row: StoryWrite) -> StoryState:
    """A story's state from its stored row."""
    embedding = np.frombuffer(row.embedding, dtype=np.float32).copy() if row.embedding else None
    return state_from_json(row.id, row.storyline, row.state, embedding)


def _centre_sum(raw_sum: Any, n: int) -> Any:
    """A story's sum of raw (uncentred) title vectors, as stores before the centring kept
    it, moved into the centred space: each member's vector becomes (v - centre) / |v - centre|,
    and |v - centre| is close to the same for every headline (`spread`), so the sum moves
    by n centres and one scale."""
    centre, spread = title_centre()
    return ((raw_sum - n * centre) / spread).astype(np.float32)


class StoryStage:
    """Online clustering against a store, the default clusterer ("online", a
    `stages.Clusterer`): loads the active stories once, assigns each chunk's articles in
    publication order, and hands back what the store must write."""

    def __init__(self, store: PipelineStore) -> None:
        self.store = store
        self.index: StoryIndex | None = None

    def _load(self) -> StoryIndex:
        store = self.store
        index = StoryIndex(DocFreq(store.counter("n_docs")))
        index.read_state = self._read_state
        index.recall = self._recall
        index.seq = store.counter("seq")
        latest = store.latest_published()
        since = None
        if latest:
            since = (date.fromisoformat(latest[:10]) - timedelta(days=ACTIVE_DAYS)).isoformat()
            index.newest_day = date.fromisoformat(latest[:10]).toordinal()
            index.left_day = date.fromisoformat(since).toordinal() - 1  # older stories stay in the store
        for row in store.active_stories(since, index.seq - ACTIVE_RECENT, ACTIVE_MAX):
            index.restore_story(state_from_row(row))
        for sid, line, salient in store.story_lines():
            index.restore_line(sid, line, salient)
        return index

    def _read_state(self, story_id: str) -> StoryState | None:
        row = self.store.story_state(story_id)
        return state_from_row(row) if row is not None else None

    def _recall(self, terms: list[str], first: int, last: int) -> list[str]:
        since = date.fromordinal(first - DAY_GRACE).isoformat()
        until = date.fromordinal(last + DAY_GRACE).isoformat()
        return self.store.stories_about(terms, since, until, RECALL_STORIES)

    def process(self, articles: list[Article], feats: list[ArticleFeatures], out: StoryUpdates) -> None:
        """Assign `articles` (their `featurize` features in the same order) to stories in
        publication order, and record in `out` each one's story and what the store must write."""
        if self.index is None:
            self.index = self._load()
        # One BLAS thread: the nearest-title product is one matrix (active stories × 512)
        # by one vector per article, which BLAS's threads slow down on a busy box (8 ms
        # instead of 0.05 ms for 1,300 stories: bench/memory_stream.py).
        with threadpool_limits(limits=1, user_api="blas"):
            self._process(self.index, articles, feats, out)

    def _process(
        self, index: StoryIndex, articles: list[Article], feats: list[ArticleFeatures], out: StoryUpdates
    ) -> None:
        keys = sorted({k for f in feats for k in [*f.terms, *(f"e:{e}" for e in f.entities)]})
        missing = [k for k in keys if k not in index.df.df]
        index.df.df.update(self.store.term_df(missing))
        index.df.delta.clear()
        for f in feats:
            index.df.add([*f.terms, *(f"e:{e}" for e in f.entities)])
        order = sorted(range(len(articles)), key=lambda i: publication_order(articles[i].published, i))
        index.changed.clear()
        index.relined.clear()
        assigned: dict[str, str] = {}
        for i in order:
            result = index.assign(feats[i], articles[i])
            assigned[articles[i].id] = result.story
            out.merges.extend(result.merges)
        out.assigned.update({aid: index.resolve(story) for aid, story in assigned.items()})
        for st in index.changed.values():
            out.stories.append(
                StoryWrite(
                    id=st.id, storyline=index.line_of.get(st.id, st.storyline), title=st.best_title(),
                    n_articles=st.n_articles, first_published=st.first_published,
                    last_published=st.last_published, languages=sorted(st.languages),
                    outlets=sorted(st.outlets), state=state_to_json(st),
                    embedding=st.embedding_sum.astype(np.float32).tobytes() if st.embedding_sum is not None else None,
                    last_seq=st.last_seq, salient=index.line_entities.get(st.id, []),
                )
            )  # fmt: skip
        out.storylines.update({s: line for s, line in index.relined.items() if s not in index.changed})
        out.term_df.update(index.df.delta)
        out.n_docs += len(articles)
        out.seq = index.seq


CLUSTERERS.register(DEFAULT_STORIES, StoryStage)
