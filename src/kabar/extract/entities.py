"""Entity mentions of an article, each tied to one key per real thing.

The shipped CRF model (`ner`) finds the mentions. Keys merge what the text writes
differently: aliases and short forms from the language modules ("Korut",
"DPRK"), country names in either language through babel ("Korea Utara" and
"North Korea" are both C:KP), and short person names to the fullest form the
article gives ("Kim" -> "kim jong un"). A capital stands for its government
("Pyongyang menolak ...") unless a locative puts it on the map ("di Pyongyang").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import islice

from kabar.doc import Doc
from kabar.extract import ner
from kabar.features import normalize_entity
from kabar.lang import LanguageData, all_languages
from kabar.model import EntityMention
from kabar.text import words

# A word shared by more distinct person names than this keeps only the first this many
# for the short-name lookup (an article names a handful of "Kim"s); it bounds the lookup
# in a text naming thousands of different people.
MAX_NAME_FORMS = 64

# Salience of an entity in a set of articles (`salience`): hand-set weights, checked by
# the seeds' expected top entities (tests/test_seed_extraction.py) and the demo stories.
# Being in more articles counts most; mentions count with diminishing returns (square
# root); a first mention early in an article counts 1 / (1 + rank / EARLY_RANKS); a name
# in a headline counts as much as one more article.
SALIENCE_ARTICLE = 2.0
SALIENCE_MENTIONS = 0.5
EARLY_RANKS = 5
SALIENCE_TITLE = 2.0


def _plain_key(name: str) -> str:
    return " ".join(words(name.replace("-", " ")))


def _is_alias(key: str) -> bool:
    return any(key in lang.aliases for lang in all_languages())


def find(doc: Doc, lang: LanguageData) -> list[EntityMention]:
    """Mentions with character offsets into the analysed text, keyed."""
    return key_mentions(doc.text, ner.doc_mentions(doc), lang)


def key_mentions(text: str, found: Iterable[ner.Mention], lang: LanguageData) -> list[EntityMention]:
    found = [m for m in found if m.text.strip(".,;:'\"“”’") and not m.text.isdigit()]
    # Short person names take the key of the fullest name they are part of.
    # A short name ("Kim") takes the key of a full name the article gave before it; the
    # most often named wins ("kim jong un", not a grandfather "kim il sung" named later).
    # Names seen so far are looked up through their words (`holding`: word -> the distinct
    # names with it, in the order first seen), never by a scan of every earlier mention.
    frequency = Counter(_plain_key(m.text) for m in found if m.label == "PERSON")
    holding: dict[str, list[str]] = {}
    seen: dict[str, None] = {}  # distinct names in the order first seen
    short_key: dict[int, str] = {}
    for m in sorted(found, key=lambda m: m.start):
        if m.label != "PERSON":
            continue
        plain = _plain_key(m.text)
        parts = plain.split()
        have = min((holding.get(p, []) for p in parts), key=len) if parts else list(islice(seen, MAX_NAME_FORMS))
        fuller = [f for f in have if len(f.split()) > len(parts) and all(p in f.split() for p in parts)]
        if fuller:
            short_key[m.start] = max(fuller, key=lambda f: (frequency[f], len(f)))
        if plain not in seen:
            seen[plain] = None
            for word in set(parts):
                names = holding.setdefault(word, [])
                if len(names) < MAX_NAME_FORMS:
                    names.append(plain)
    out: list[EntityMention] = []
    for m in found:
        plain = _plain_key(m.text)
        if m.label == "PERSON":
            key = short_key.get(m.start, plain)
            key = normalize_entity(key, lang) if _is_alias(key) else key
        else:
            before = text[max(0, m.start - 12) : m.start].lower().split()
            located = bool(before) and (before[-1] in lang.locatives or " ".join(before[-2:]) in lang.locatives)
            key = plain if located and _is_alias(plain) else normalize_entity(m.text, lang)
        out.append(EntityMention(m.text, m.label, m.start, m.end, key))
    return out


def salience(mentions_by_article: Sequence[Sequence[EntityMention]], titles: Sequence[str] = ()) -> list[
    tuple[str, str, str, float]
]:
    """Entities of a set of articles ranked by salience: in how many articles they
    appear, how often, and how early. Returns (key, label, best name, score)."""
    article_count: Counter[str] = Counter()
    mention_count: Counter[str] = Counter()
    early: Counter[str] = Counter()
    names: dict[str, Counter[str]] = {}
    labels: dict[str, Counter[str]] = {}
    for mentions in mentions_by_article:
        seen = set()
        for rank, m in enumerate(mentions):
            mention_count[m.entity] += 1
            names.setdefault(m.entity, Counter())[m.text] += 1
            labels.setdefault(m.entity, Counter())[m.label] += 1
            if m.entity not in seen:
                seen.add(m.entity)
                article_count[m.entity] += 1
                early[m.entity] += 1.0 / (1 + rank / EARLY_RANKS)  # type: ignore[assignment]
    title_text = " ".join(titles).lower()
    ranked = []
    for key, n_articles in article_count.items():
        best = max(names[key].items(), key=lambda kv: (len(kv[0].split()), kv[1]))[0]
        in_title = 1.0 if best.lower() in title_text or key in title_text else 0.0
        score = (SALIENCE_ARTICLE * n_articles + SALIENCE_MENTIONS * mention_count[key] ** 0.5 + float(early[key])
                 + SALIENCE_TITLE * in_title)  # fmt: skip
        ranked.append((key, labels[key].most_common(1)[0][0], best, round(score, 3)))
    ranked.sort(key=lambda r: (-r[3], r[0]))
    return ranked
