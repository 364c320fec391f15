"""A story's extractions gathered across its articles.

* Entities are ranked by salience; a short person key ("kim") joins the full name
  another article gives ("kim jong un").
* One quote carried by several outlets is one `StoryQuote`. Its independent sources
  count outlets, with copies (`duplicate_of`) and syndicated paragraphs folded into
  the article they came from.
* A denial is linked to the accusation it denies, in its own article or, when it
  only says "the accusations", to the closest accusation in the story.
* Two figures conflict when they count the same thing, in the same setting (shared
  content stems or entities around them), and their value ranges do not meet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import combinations

from kabar.extract.entities import salience
from kabar.extract.numbers import overlap
from kabar.lang import get
from kabar.model import (
    Article,
    Claim,
    Conflict,
    EntityMention,
    Evidence,
    Quantity,
    Quote,
    StoryClaim,
    StoryFacts,
    StoryQuote,
    Syndication,
)
from kabar.text import stem, words

# Two wordings are one quote when most of the shorter one's words are in the longer one.
QUOTE_OVERLAP = 0.6
# Two figures are about one thing when the words around them overlap this much.
CONTEXT_JACCARD = 0.25
CONTEXT_WORDS = 8  # either side of the figure
MAX_ENTITIES = 25
# Units whose figures are rarely about one thing twice in a story ("24 tahun", "3 hari").
_LOOSE_UNITS = {"year", "day", "percent"}


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence holding text[start:end] (paragraph breaks and stops bound it)."""
    left = max(text.rfind("\n", 0, start), *(text.rfind(s, 0, start) for s in (". ", "! ", "? ")))
    right_candidates = [i for i in (text.find(s, end) for s in (". ", "! ", "? ", "\n")) if i != -1]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    return text[left + 1 if left >= 0 else 0 : right].strip()


class SourceGroups:
    """Union-find over articles: an article, its copies and the articles it shares a
    paragraph with, and one outlet's articles, are one independent source."""

    def __init__(self, articles: Sequence[Article], syndications: dict[str, list[Syndication]]) -> None:
        self.parent: dict[str, str] = {a.id: a.id for a in articles}
        by_outlet: dict[str, str] = {}
        for a in articles:
            if a.duplicate_of and a.duplicate_of in self.parent:
                self.union(a.id, a.duplicate_of)
            if a.outlet:
                self.union(a.id, by_outlet.setdefault(a.outlet.lower(), a.id))
        self.syndicated = {
            (s.article_id, s.paragraph): s.other_article_id
            for sy in syndications.values()
            for s in sy
            if s.other_article_id in self.parent
        }

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> dict[str, str]:
        """Article id -> its independent source (a representative article id)."""
        return {a: self.find(a) for a in self.parent}

    def count(self, evidence: Iterable[Evidence]) -> int:
        roots = set()
        for e in evidence:
            other = self.syndicated.get((e.article, e.paragraph))
            root = self.find(e.article)
            if other is not None:
                root = min(root, self.find(other))
            roots.add(root)
        return len(roots)


def _evidence(a: Article, paragraph: int, text: str) -> Evidence:
    return Evidence(a.id, a.outlet, paragraph, text, a.published)


def _content_words(text: str) -> set[str]:
    return {w for w in words(text) if len(w) > 2}


def _same_speaker(a: Quote, b: StoryQuote) -> bool:
    """One speaker: the same entity key, or one name holding all words of the other
    ("Putin" and "Presiden Rusia Vladimir Putin"); an unnamed speaker matches anyone."""
    if a.speaker_entity and a.speaker_entity == b.speaker_entity:
        return True
    if not a.speaker or not b.speaker:
        return True
    x, y = set(words(a.speaker)), set(words(b.speaker))
    return bool(x and y) and (x <= y or y <= x)


def _quotes(articles: Sequence[Article], sources: SourceGroups) -> list[StoryQuote]:
    groups: list[tuple[StoryQuote, set[str]]] = []
    for a in articles:
        for q in a.quotes:
            if q.nested:
                continue
            mine = _content_words(q.content)
            ev = _evidence(a, q.paragraph, q.content)
            for group, vocab in groups:
                shared = len(mine & vocab)
                if (
                    mine
                    and shared / min(len(mine), len(vocab)) >= QUOTE_OVERLAP
                    and _same_speaker(q, group)
                    and group.kind == q.kind
                ):
                    if all(s.article != a.id for s in group.sources):
                        group.sources.append(ev)
                    if len(q.content) > len(group.content):
                        group.content = q.content
                    if (not group.speaker_entity and q.speaker_entity) or (
                        q.speaker and group.speaker and len(q.speaker) > len(group.speaker)
                    ):
                        group.speaker, group.speaker_entity = q.speaker, q.speaker_entity
                    vocab |= mine
                    break
            else:
                groups.append((StoryQuote(q.speaker, q.speaker_entity, q.content, q.kind, [ev], 1), set(mine)))
    out = [g for g, _ in groups]
    for g in out:
        g.independent_sources = sources.count(g.sources)
    out.sort(key=lambda g: (-g.independent_sources, -len(g.sources), g.kind != "direct"))
    return out


def _claims(articles: Sequence[Article]) -> list[StoryClaim]:
    out: list[StoryClaim] = []
    loose_denials: list[tuple[Article, Claim]] = []
    for a in articles:
        if a.duplicate_of:
            continue  # a copy repeats its original's claims
        base = len(out)
        mine: list[StoryClaim] = []
        for c in a.claims:
            if c.kind == "denial":
                continue
            mine.append(StoryClaim(c.kind, c.holder, c.content, _evidence(a, c.paragraph, c.content)))
        index = {i: k for k, i in enumerate(i for i, c in enumerate(a.claims) if c.kind != "denial")}
        out.extend(mine)
        for c in a.claims:
            if c.kind != "denial":
                continue
            target = index.get(c.denies) if c.denies is not None else None
            denial = _evidence(a, c.paragraph, sentence_around(a.text, c.start, c.end))
            if target is not None:
                out[base + target].denied_by.append(denial)
            else:
                loose_denials.append((a, c))
    for a, c in loose_denials:
        sentence = sentence_around(a.text, c.start, c.end)
        denial = _evidence(a, c.paragraph, sentence)
        vocab = _content_words(sentence)
        candidates = [s for s in out if s.kind in ("accusation", "claim", "report")]
        if not candidates:
            out.append(StoryClaim("denial", c.holder, c.content, denial))
            continue
        best = max(candidates, key=lambda s: len(vocab & _content_words(s.content)))
        if vocab & _content_words(best.content):
            best.denied_by.append(denial)
        else:
            out.append(StoryClaim("denial", c.holder, c.content, denial))
    return out


def _context(a: Article, q: Quantity) -> tuple[set[str], set[str]]:
    """Stems and entity keys of the words around a figure (the figure itself left out)."""
    lang = get(a.language)
    left = a.text[max(0, q.start - 200) : q.start].split()[-CONTEXT_WORDS:]
    right = a.text[q.end : q.end + 200].split()[:CONTEXT_WORDS]
    around = " ".join(left + right)
    stems = {stem(w, lang.stemmer) for w in words(around) if len(w) > 2 and w not in lang.stopwords
             and not w.isdigit()}  # fmt: skip
    keys = {m.entity for m in a.entities if q.start - 200 <= m.start < q.end + 200}
    return stems, keys


def _fuzzy_shared(a: set[str], b: set[str]) -> int:
    """Shared stems, where a stem the stemmer left a prefix on still matches
    ("irim" from "mengirim" and "kirim" from "dikirim")."""
    return sum(1 for x in a if x in b or (len(x) >= 4 and any(y.endswith(x) or x.endswith(y) for y in b
                                                              if len(y) >= 4)))


def _conflicts(articles: Sequence[Article]) -> list[Conflict]:
    by_unit: dict[str, list[tuple[Article, Quantity]]] = {}
    for a in articles:
        if a.duplicate_of:
            continue  # a copy repeats its original's figures
        for q in a.numbers:
            if q.unit and q.unit not in _LOOSE_UNITS:
                by_unit.setdefault(q.unit, []).append((a, q))
    out: list[Conflict] = []
    seen: set[tuple[str, str]] = set()
    for unit, items in by_unit.items():
        contexts = [_context(a, q) for a, q in items]
        for (i, (a, qa)), (j, (b, qb)) in combinations(enumerate(items), 2):
            if overlap(qa, qb):
                continue
            (sa, ka), (sb, kb) = contexts[i], contexts[j]
            shared = _fuzzy_shared(sa, sb)
            jaccard = shared / max(1, len(sa) + len(sb) - shared)
            if jaccard < CONTEXT_JACCARD and not (ka & kb and jaccard >= CONTEXT_JACCARD / 2):
                continue
            pair = tuple(sorted((qa.text, qb.text)))
            if pair in seen:
                continue
            seen.add(pair)  # type: ignore[arg-type]
            out.append(Conflict(
                unit,
                _evidence(a, qa.paragraph, sentence_around(a.text, qa.start, qa.end)), qa.text,
                _evidence(b, qb.paragraph, sentence_around(b.text, qb.start, qb.end)), qb.text,
                a.id == b.id,
            ))  # fmt: skip
    return out


def _merge_short_names(mentions: list[list[EntityMention]]) -> list[list[EntityMention]]:
    """ "kim" in one article is "kim jong un" in another."""
    frequency = Counter(m.entity for ms in mentions for m in ms if m.label == "PERSON" and " " in m.entity)
    full: dict[str, str] = {}
    for entity in sorted(frequency, key=lambda e: (-frequency[e], e)):
        for part in entity.split():
            if len(part) > 2:
                full.setdefault(part, entity)
    return [
        [EntityMention(m.text, m.label, m.start, m.end, full.get(m.entity, m.entity))
         if m.label == "PERSON" and " " not in m.entity else m for m in ms]
        for ms in mentions
    ]  # fmt: skip


def facts(articles: Sequence[Article], syndications: dict[str, list[Syndication]] | None = None) -> StoryFacts:
    """Everything the story's articles say, gathered and ranked."""
    ordered = sorted(articles, key=lambda a: (a.published is None, a.published or "", a.id))
    sources = SourceGroups(ordered, syndications or {})
    ranked = salience(_merge_short_names([a.entities for a in ordered]), [a.title for a in ordered])
    entity_rows = [{"entity": k, "label": lab, "name": name, "salience": score}
                   for k, lab, name, score in ranked[:MAX_ENTITIES]]  # fmt: skip
    return StoryFacts(entity_rows, _quotes(ordered, sources), _claims(ordered), _conflicts(ordered))

