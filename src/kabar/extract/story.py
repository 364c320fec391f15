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

Cost: quotes are compared only with the groups that share a word with them, loose
denials only with the claims that share a word, and figures only within buckets of one
unit and one context key (a stem's last four letters, which any two stems `_fuzzy_shared`
counts also share), each bucket capped. What a cap leaves out is counted in the
`StoryFacts` record. A large story's facts are gathered from a representative sample of
its articles (`kabar.export.story_articles`), so this never sees all of them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from kabar.extract.entities import salience
from kabar.extract.numbers import overlap
from kabar.lang import LanguageData, get
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
# How many words either side of a figure may say what it measures ("pada kedalaman 10 km").
MEASURE_WINDOW = 3
# Units whose figures are rarely about one thing twice in a story ("24 tahun", "3 hari").
_LOOSE_UNITS = {"year", "day", "percent"}
# Caps on one story's facts. The story's articles are already a bounded sample
# (kabar.export.STORY_SAMPLE articles), but one article may carry hundreds of quotes or
# figures (a transcript, a table), so the items are capped too. The largest stories of the
# ECB+, NeuS, demo and seed stores have 189 quotes, 39 claims and 223 figures: far below.
# Quotes grouped, in publication order. Grouping costs quotes x groups sharing a word: at
# worst (every quote its own group, all sharing "the") 2,000 quotes are 2 million set
# intersections, about a second.
MAX_QUOTES = 2000
MAX_CLAIMS = 3000  # claims and denials, in publication order; loose denials meet claims through shared words
# Figures of one unit are compared in buckets of one context key; a bucket holds at most
# this many figures (the earliest), so a key every figure shares ("said") costs no more than
# 40 x 40 pairs. The largest bucket in the stores above holds 29 figures.
MAX_FIGURES_PER_KEY = 40
# Pairs compared per story, whatever the buckets hold: about half a second of comparisons
# (the 300-article sample of bench/story_reads.py compares about 19,000); the stores above
# need 1,007 at most.
MAX_FIGURE_PAIRS = 20_000
# Conflicts listed per story (the first found, earliest figures first); the largest
# ordinary story (NeuS, 103 articles) has 267.
MAX_CONFLICTS = 500


_STOPS = (". ", "! ", "? ")
_QUOTE_MARKS = '"“”„«»'
# How far from a span `sentence_around` looks for the sentence's ends, either way: a text
# with no stops (one long line) costs this much per call, not its length.
SENTENCE_REACH = 1500


def _inside_quote(text: str, start: int, at: int) -> bool:
    """Whether `at` lies inside a quote, counting quote marks from `start` (a paragraph's)."""
    return sum(text.count(m, start, at) for m in _QUOTE_MARKS) % 2 == 1


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence holding text[start:end] (paragraph breaks and stops bound it), whole:
    a stop inside a quote ends no sentence, so the sentence never opens or closes inside
    one ("Data satelit itu bahan awal. Tim kami turun ...," kata Yuliana)."""
    low, high = max(0, start - SENTENCE_REACH), min(len(text), end + SENTENCE_REACH)
    paragraph = text.rfind("\n", low, start) + 1 or low
    last = text.find("\n", end, high)
    paragraph_end = last if last != -1 else high
    left = start
    for _ in range(3):
        left = max(paragraph - 1, *(text.rfind(s, paragraph, left) for s in _STOPS))
        if left < paragraph or not _inside_quote(text, paragraph, left):
            break
        left = max(text.rfind(m, paragraph, left) for m in _QUOTE_MARKS)  # the quote's opening mark
    right = end
    for _ in range(3):
        found = [i for i in (text.find(s, right, paragraph_end) for s in _STOPS) if i != -1]
        right = min(found) + 1 if found else paragraph_end
        if right >= paragraph_end or not _inside_quote(text, paragraph, right):
            break
        closing = [i for i in (text.find(m, right, paragraph_end) for m in _QUOTE_MARKS) if i != -1]
        if not closing:
            right = paragraph_end
            break
        right = min(closing) + 1
    return text[max(left + 1, paragraph) : right].strip()


class SourceGroups:
    """Union-find over articles: an article, its copies and the articles it shares a
    paragraph with, and one outlet's articles, are one independent source (an outlet that
    is only a folder's name joins nothing)."""

    def __init__(self, articles: Sequence[Article], syndications: dict[str, list[Syndication]]) -> None:
        self.parent: dict[str, str] = {a.id: a.id for a in articles}
        by_outlet: dict[str, str] = {}
        for a in articles:
            if a.duplicate_of and a.duplicate_of in self.parent:
                self.union(a.id, a.duplicate_of)
            # A folder's name is no outlet: a folder of scraped pages may hold many outlets'.
            if a.outlet and not a.outlet_from_folder:
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
    return Evidence(a.id, a.outlet, paragraph, text, a.published, a.outlet_from_folder)


def _content_words(text: str) -> set[str]:
    return {w for w in words(text) if len(w) > 2}


def _quote_words(text: str) -> set[str]:
    """A quote's content words; all its words when none has three letters ("No.", "OK"),
    so a one-word answer groups with the same answer and never divides by an empty set."""
    every = set(words(text))
    return {w for w in every if len(w) > 2} or every


def _same_speaker(a: Quote, b: StoryQuote) -> bool:
    """One speaker: the same entity key, or one name holding all words of the other
    ("Putin" and "Presiden Rusia Vladimir Putin"); an unnamed speaker matches anyone."""
    if a.speaker_entity and a.speaker_entity == b.speaker_entity:
        return True
    if not a.speaker or not b.speaker:
        return True
    x, y = set(words(a.speaker)), set(words(b.speaker))
    return bool(x and y) and (x <= y or y <= x)


def _quotes(
    articles: Sequence[Article], sources: SourceGroups, names: dict[str, tuple[str, str]] | None = None
) -> tuple[list[StoryQuote], int]:
    """The story's quotes, grouped, each speaker named as the story names them (`names`,
    from `_speaker_names`); and how many quotes were left out (over MAX_QUOTES)."""
    names = names or {}
    groups: list[tuple[StoryQuote, set[str]]] = []
    postings: dict[str, list[int]] = defaultdict(list)  # word -> groups whose vocabulary holds it
    seen = 0
    left_out = 0
    for a in articles:
        for q in a.quotes:
            if q.nested:
                continue
            if seen >= MAX_QUOTES:
                left_out += 1
                continue
            seen += 1
            speaker, speaker_entity = _named(q.speaker, q.speaker_entity, names)
            if (speaker, speaker_entity) != (q.speaker, q.speaker_entity):
                q = replace(q, speaker=speaker, speaker_entity=speaker_entity)
            mine = _quote_words(q.content)
            ev = _evidence(a, q.paragraph, q.content)
            # A group sharing no word cannot reach QUOTE_OVERLAP; the rest are tried in the
            # order they were made, as a scan over every group would.
            candidates = sorted({g for w in mine for g in postings.get(w, ())})
            for index in candidates:
                group, vocab = groups[index]
                shared = len(mine & vocab)
                if (
                    shared / min(len(mine), len(vocab)) >= QUOTE_OVERLAP
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
                    for w in mine - vocab:
                        postings[w].append(index)
                    vocab |= mine
                    break
            else:
                for w in mine:
                    postings[w].append(len(groups))
                groups.append((StoryQuote(q.speaker, q.speaker_entity, q.content, q.kind, [ev], 1), set(mine)))
    out = [g for g, _ in groups]
    for g in out:
        g.independent_sources = sources.count(g.sources)
    out.sort(key=lambda g: (-g.independent_sources, -len(g.sources), g.kind != "direct"))
    return out, left_out


def _claims(articles: Sequence[Article], names: dict[str, tuple[str, str]] | None = None) -> tuple[
    list[StoryClaim], int
]:
    """Claims with the denials that answer them, holders named as the story names them;
    and how many claims were left out (over MAX_CLAIMS)."""
    names = names or {}
    out: list[StoryClaim] = []
    loose_denials: list[tuple[Article, Claim]] = []
    read = 0
    left_out = 0
    for a in articles:
        if a.duplicate_of:
            continue  # a copy repeats its original's claims
        if read + len(a.claims) > MAX_CLAIMS:
            left_out += len(a.claims)
            continue
        read += len(a.claims)
        base = len(out)
        mine: list[StoryClaim] = []
        for c in a.claims:
            if c.kind == "denial":
                continue
            holder = _named(c.holder, c.holder_entity, names)[0]
            mine.append(StoryClaim(c.kind, holder, c.content, _evidence(a, c.paragraph, c.content)))
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
    # A loose denial answers the claim sharing the most words with it (the first such).
    candidates = [s for s in out if s.kind in ("accusation", "claim", "report")]
    postings: dict[str, list[int]] = defaultdict(list)
    for k, s in enumerate(candidates):
        for w in _content_words(s.content):
            postings[w].append(k)
    for a, c in loose_denials:
        sentence = sentence_around(a.text, c.start, c.end)
        denial = _evidence(a, c.paragraph, sentence)
        shared: Counter[int] = Counter(k for w in _content_words(sentence) for k in postings.get(w, ()))
        if shared:
            most = max(shared.values())
            candidates[min(k for k, n in shared.items() if n == most)].denied_by.append(denial)
        else:
            out.append(StoryClaim("denial", _named(c.holder, c.holder_entity, names)[0], c.content, denial))
    return out, left_out


_MEASURE_WORD = re.compile(r"[\w-]+|[,.;:()]")


def _measure(text: str, q: Quantity, lang: LanguageData) -> str | None:
    """What a figure measures, by a word of the language's `measures` next to it within its
    clause: "kedalaman 10 kilometer" is a depth, "18 kilometer barat daya Kota Poso" a
    distance, "naik sekitar Rp 600" a change; None when no word says."""
    if not lang.measures:
        return None
    before = _MEASURE_WORD.findall(text[max(0, q.start - 40) : q.start].lower())
    after = _MEASURE_WORD.findall(text[q.end : q.end + 40].lower())
    for side in (list(reversed(before)), after):
        near: list[str] = []
        for w in side[:MEASURE_WINDOW]:
            if not w[0].isalnum():
                break
            near.append(w)
        ordered = near if side is after else list(reversed(near))
        for i in range(len(ordered)):
            pair = " ".join(ordered[i : i + 2])
            found = lang.measures.get(pair) or lang.measures.get(ordered[i])
            if found:
                return found
    return None


def _comparable(a: str | None, b: str | None) -> bool:
    """Whether figures of these measures can be about one thing: the same measure, or one
    unknown, but never a change against a level."""
    if a == b:
        return True
    return (a is None or b is None) and "change" not in (a, b)


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


def _endings(stems: set[str]) -> frozenset[str]:
    """Every ending, of four letters or more, of the stems of four letters or more."""
    return frozenset(y[i:] for y in stems if len(y) >= 4 for i in range(len(y) - 3))


def _fuzzy_shared(a: set[str], b: set[str], b_endings: frozenset[str] | None = None) -> int:
    """Shared stems, where a stem the stemmer left a prefix on still matches
    ("irim" from "mengirim" and "kirim" from "dikirim"): x counts when it is in b, or
    (both of four letters or more) x ends a stem of b (`_endings(b)`, given or made) or a
    stem of b ends x. Set lookups, so the cost is the letters of a, not |a| x |b|."""
    ends = _endings(b) if b_endings is None else b_endings
    return sum(1 for x in a if x in b or (len(x) >= 4 and (x in ends or any(x[i:] in b for i in range(1, len(x) - 3)))))


def _context_keys(stems: set[str]) -> set[str]:
    """Bucket keys of a figure's context: a stem, or its last four letters when it has
    four or more. Two stems `_fuzzy_shared` counts (equal, or one ending the other, both of
    four letters or more) share a key, so figures sharing no key cannot be in one setting."""
    return {x[-4:] if len(x) >= 4 else x for x in stems}


def _figure_pairs(keys: Sequence[set[str]], budget: int = MAX_FIGURE_PAIRS) -> tuple[list[tuple[int, int]], int]:
    """Pairs (i < j, in order) of figures sharing a context key, each key's bucket capped at
    MAX_FIGURES_PER_KEY (its earliest figures) and all at `budget` pairs; and how many
    figures some cap kept from a comparison."""
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, ks in enumerate(keys):
        for k in ks:
            buckets[k].append(i)
    capped: set[int] = set()
    pairs: set[tuple[int, int]] = set()
    for k in sorted(buckets):  # a fixed order, so the pair cap keeps the same pairs every run
        members = buckets[k]
        capped.update(members[MAX_FIGURES_PER_KEY:])
        members = members[:MAX_FIGURES_PER_KEY]
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if len(pairs) >= budget and (i, j) not in pairs:
                    capped.update((i, j))
                    continue
                pairs.add((i, j))
    return sorted(pairs), len(capped)


def _conflicts(articles: Sequence[Article]) -> tuple[list[Conflict], int, int]:
    """Conflicting figures; how many figures a cap kept from some comparison; and how many
    conflicts were found beyond MAX_CONFLICTS."""
    by_unit: dict[str, list[tuple[Article, Quantity]]] = {}
    for a in articles:
        if a.duplicate_of:
            continue  # a copy repeats its original's figures
        for q in a.numbers:
            if q.unit and q.unit not in _LOOSE_UNITS:
                by_unit.setdefault(q.unit, []).append((a, q))
    out: list[Conflict] = []
    seen: set[tuple[str, str]] = set()
    capped = more = 0
    budget = MAX_FIGURE_PAIRS
    for unit, items in by_unit.items():
        contexts = [_context(a, q) for a, q in items]
        measures = [_measure(a.text, q, get(a.language)) for a, q in items]
        pairs, left = _figure_pairs([_context_keys(stems) for stems, _ in contexts], budget)
        budget -= len(pairs)
        capped += left
        endings = [_endings(stems) for stems, _ in contexts]
        for i, j in pairs:
            (a, qa), (b, qb) = items[i], items[j]
            if overlap(qa, qb) or not _comparable(measures[i], measures[j]):
                continue  # both can hold, or a depth and a distance from the epicentre
            (sa, ka), (sb, kb) = contexts[i], contexts[j]
            shared = _fuzzy_shared(sa, sb, endings[j])
            jaccard = shared / max(1, len(sa) + len(sb) - shared)
            if jaccard < CONTEXT_JACCARD and not (ka & kb and jaccard >= CONTEXT_JACCARD / 2):
                continue
            pair = (qa.text, qb.text) if qa.text <= qb.text else (qb.text, qa.text)
            if pair in seen:
                continue
            seen.add(pair)
            if len(out) >= MAX_CONFLICTS:
                more += 1
                continue
            out.append(Conflict(
                unit,
                _evidence(a, qa.paragraph, sentence_around(a.text, qa.start, qa.end)), qa.text,
                _evidence(b, qb.paragraph, sentence_around(b.text, qb.start, qb.end)), qb.text,
                a.id == b.id,
            ))  # fmt: skip
    return out, capped, more


def figure_conflicts(articles: Sequence[Article]) -> list[Conflict]:
    """The conflicting figures among these articles (copies left out), as a story's facts
    list them: bounded by the figure-pair and conflict caps, whatever the articles."""
    return _conflicts(articles)[0]


def _short_keys(mentions: Sequence[Sequence[EntityMention]]) -> dict[str, str]:
    """One-word keys of people -> the most often named fuller key holding that word: "kim"
    in one article is "kim jong un" in another. Not organisations: "KPK" is not "Rumah
    Tahanan KPK", nor "ASEAN" "Sekretariat ASEAN"."""
    frequency = Counter((m.label, m.entity) for ms in mentions for m in ms
                        if m.label == "PERSON" and " " in m.entity)  # fmt: skip
    full: dict[str, str] = {}
    for (label, entity), _n in sorted(frequency.items(), key=lambda kv: (-kv[1], kv[0])):
        for part in entity.split():
            if len(part) > 2:
                full.setdefault(f"{label}:{part}", entity)
    short: dict[str, str] = {}
    for ms in mentions:
        for m in ms:
            if m.label == "PERSON" and " " not in m.entity:
                target = full.get(f"{m.label}:{m.entity}")
                if target is not None:
                    short[m.entity] = target
    return short


def _merge_short_names(mentions: list[list[EntityMention]], short: dict[str, str]) -> list[list[EntityMention]]:
    """The mentions with their one-word keys replaced by the fuller key (`_short_keys`)."""
    return [
        [EntityMention(m.text, m.label, m.start, m.end, short[m.entity])
         if m.label == "PERSON" and m.entity in short else m for m in ms]
        for ms in mentions
    ]  # fmt: skip


def _speaker_names(
    ordered: Sequence[Article], short: dict[str, str], ranked: Sequence[tuple[str, str, str, float]]
) -> dict[str, tuple[str, str]]:
    """How the story names each speaker: written form -> (name, key), so that "Kim", "Kim
    Jong-un" and "Kim Jong Un" are one speaker, "Kim Jong Un", and a speaker found without a
    key ("Asep Kurniawan") takes the key of the entity of that name. A person is named as
    the story names them most fully; anyone else as their quotes name them most often."""
    best = {key: (label, name) for key, label, name, _score in ranked}
    keyed: dict[str, Counter[str]] = {}
    for a in ordered:
        for speaker, key in [(q.speaker, q.speaker_entity) for q in a.quotes] + [
            (c.holder, c.holder_entity) for c in a.claims
        ]:
            if not speaker:
                continue
            plain = " ".join(words(speaker.replace("-", " ")))
            key = key or (plain if plain in best else None)
            if key:
                keyed.setdefault(short.get(key, key), Counter())[speaker] += 1
    out: dict[str, tuple[str, str]] = {}
    for key, written in keyed.items():
        label, name = best.get(key, ("", ""))
        if label != "PERSON":
            name = max(written.items(), key=lambda kv: (kv[1], len(kv[0])))[0]
        for form in written:
            out[form] = (name, key)
    return out


def _named(speaker: str | None, key: str | None, names: dict[str, tuple[str, str]]) -> tuple[str | None, str | None]:
    if speaker and speaker in names:
        return names[speaker]
    return speaker, key


def facts(
    articles: Sequence[Article], syndications: dict[str, list[Syndication]] | None = None, total: int | None = None
) -> StoryFacts:
    """Everything the story's articles say, gathered and ranked. `total`: how many
    articles the story has, when `articles` is a sample of it."""
    ordered = sorted(articles, key=lambda a: (a.published is None, a.published or "", a.id))
    sources = SourceGroups(ordered, syndications or {})
    mentions = [a.entities for a in ordered]
    short = _short_keys(mentions)
    ranked = salience(_merge_short_names(mentions, short), [a.title for a in ordered])
    entity_rows = [{"entity": k, "label": lab, "name": name, "salience": score}
                   for k, lab, name, score in ranked[:MAX_ENTITIES]]  # fmt: skip
    names = _speaker_names(ordered, short, ranked)
    quotes, quotes_left = _quotes(ordered, sources, names)
    claims, claims_left = _claims(ordered, names)
    conflicts, capped, conflicts_left = _conflicts(ordered)
    return StoryFacts(
        entity_rows, quotes, claims, conflicts,
        articles_read=len(ordered), articles_total=max(len(ordered), total or 0),
        quotes_left_out=quotes_left, claims_left_out=claims_left, figures_capped=capped,
        conflicts_left_out=conflicts_left,
    )  # fmt: skip
