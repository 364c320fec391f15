"""Entity mentions of an article, each tied to one key per real thing.

The shipped CRF model (`ner`) finds the mentions. Keys merge what the text writes
differently: aliases and short forms from the language modules ("Korut",
"DPRK"), country names in either language through babel ("Korea Utara" and
"North Korea" are both C:KP), and short person names to the fullest form the
article gives ("Kim" -> "kim jong un"). A capital stands for its government
("Pyongyang menolak ...") unless a locative puts it on the map ("di Pyongyang").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
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


@lru_cache(maxsize=1)
def _calendar() -> frozenset[str]:
    """Day and month names in every language: "Isnin" is Monday, never a person."""
    return frozenset(w for lang in all_languages() for w in (*lang.weekdays, *lang.months) if len(w) > 3)


# "(BPS)" after an organisation's name, or "(BNPB" / "(BPBD) Garut" inside one: its short name.
_SHORT_AFTER = re.compile(r"\s*+\(([A-Z][A-Za-z0-9]{1,9})\)")
_SHORT_INSIDE = re.compile(r"\(([A-Z][A-Za-z0-9]{1,9})\)?((?:\s++[A-Z][\w-]*+){0,3})\s*+")
_EDGE = ".,;:'\"“”‘’()[]«»-–— "


def title_end(name: str, lang: LanguageData) -> int:
    """Where the name proper starts in `name`, after the titles, ranks and roles written
    before it ("Kapolres Sleman AKBP Yuswanto Hadi" -> at "Yuswanto"); 0 when none, or
    when nothing capitalised would be left."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(name)]
    lowered = [name[a:b].lower().rstrip(".") for a, b in spans]
    titles = _titles(lang)
    cut = 0
    k = 0
    while k < len(spans) - 1:
        pair = f"{lowered[k]} {lowered[k + 1]}"
        if pair in titles and k + 2 < len(spans):
            cut = k = k + 2
            continue
        if lowered[k] in titles:
            cut = k + 1
        k += 1
    # "Presiden Rusia Vladimir Putin", "Wali Kota Bandung Yana Mulyana": the country or
    # town the office is of is no part of the name.
    while 0 < cut < len(spans) - 2 and (lowered[cut] in lang.places or _is_country(name[slice(*spans[cut])])):
        cut += 1
    if cut == 0 or cut >= len(spans) or not name[spans[cut][0]].isupper():
        return 0
    return spans[cut][0]


_WORD = re.compile(r"[\w][\w'’.-]*")


@lru_cache(maxsize=8)
def _titles(lang: LanguageData) -> frozenset[str]:
    """Titles of the text's language and of the others (an English report writes "Datuk",
    an Indonesian one "Prime Minister")."""
    return frozenset(lang.titles.union(*(other.titles for other in all_languages())))


def find(doc: Doc, lang: LanguageData) -> list[EntityMention]:
    """Mentions with character offsets into the analysed text, keyed."""
    return key_mentions(doc.text, ner.doc_mentions(doc), lang)


def _tidy(text: str, found: Iterable[ner.Mention], lang: LanguageData) -> list[ner.Mention]:
    """The tagger's mentions made fit to key: stray marks at the edges and titles before a
    person's name cut off; a pair of countries ("Rusia-Korea Utara") split in two places;
    an organisation's name read as a person's ("Koalisi Iklim Adil") and a country read as
    a person ("Singapore") retyped; day and month names dropped."""
    out: list[ner.Mention] = []
    calendar = _calendar()
    for m in found:
        start, end = m.start, m.end
        while start < end and text[start] in _EDGE:
            start += 1
        while end > start and text[end - 1] in _EDGE and not (text[end - 1] == "." and end - start <= 4):
            end -= 1
        if start >= end or text[start:end].isdigit():
            continue
        label = m.label
        if label == "PERSON":
            start += title_end(text[start:end], lang)
            if text[start:end].isupper() and " " not in text[start:end]:
                label = "ORG"  # "Prakirawan BMKG": a role at an agency, and the agency
        name = text[start:end]
        if _plain_key(name) in calendar:
            continue
        pair = _country_pair(name)
        if pair:
            out.extend(ner.Mention(text[start + a : start + b], "LOC", start + a, start + b) for a, b in pair)
            continue
        if label == "PERSON":
            first = name.split(None, 1)[0].lower()
            last = name.rsplit(None, 1)[-1].lower()
            if first in _org_heads() or (lang.head_final and last in lang.org_heads):
                label = "ORG"
            elif normalize_entity(name, lang).startswith("C:"):
                label = "LOC"
        out.append(ner.Mention(name, label, start, end))
    return out


def _country_pair(name: str) -> list[tuple[int, int]]:
    """The spans of two or more countries joined by dashes ("Rusia-Korea Utara"), or []."""
    if "-" not in name and "–" not in name:
        return []
    parts: list[tuple[int, int]] = []
    at = 0
    for piece in re.split(r"[-–]", name):
        lead = len(piece) - len(piece.lstrip())
        a, b = at + lead, at + len(piece.rstrip())
        at += len(piece) + 1
        if b - a < 2 or not _is_country(name[a:b]):
            return []
        parts.append((a, b))
    return parts if len(parts) >= 2 else []


@lru_cache(maxsize=1)
def _org_heads() -> frozenset[str]:
    """Words that open an organisation's name in any language: an English report names
    "PT Tunas Rokan Lestari" and "Koalisi Iklim Adil" as Indonesian writes them."""
    return frozenset(w for lang in all_languages() for w in lang.org_heads)


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Cities every language module knows ("pyongyang", "moskow"): a capital that stands
    for its country's government, except where a locative puts it on the map."""
    return frozenset(p for lang in all_languages() for p in lang.places)


@lru_cache(maxsize=4096)
def _is_country(name: str) -> bool:
    return any(normalize_entity(name, lang).startswith("C:") for lang in all_languages())


def key_mentions(text: str, found: Iterable[ner.Mention], lang: LanguageData) -> list[EntityMention]:
    found = _tidy(text, found, lang)
    # A single word the tagger took for a place or an organisation is a person when it is
    # part of a person's fuller name the article gives ("Bambang Sutrisno" ... "Sutrisno").
    person_words = {w for m in found if m.label == "PERSON" and " " in m.text for w in _plain_key(m.text).split()}
    found = [
        ner.Mention(m.text, "PERSON", m.start, m.end)
        if m.label in ("LOC", "ORG") and " " not in m.text and not m.text.isupper()
        and _plain_key(m.text) in person_words and not _is_alias(_plain_key(m.text))
        and not _is_country(m.text) and _plain_key(m.text) not in lang.places
        else m
        for m in found
    ]  # fmt: skip
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
    short_of: dict[str, str] = {}  # an organisation's long key -> the key of its short name
    org_keys: dict[str, list[str]] = {}  # word -> keys of the longer organisation names holding it
    for m in sorted(found, key=lambda m: m.start):
        plain = _plain_key(m.text)
        if m.label == "PERSON":
            key = short_key.get(m.start, plain)
            key = normalize_entity(key, lang) if _is_alias(key) else key
        else:
            before = text[max(0, m.start - 12) : m.start].lower().split()
            located = bool(before) and (before[-1] in lang.locatives or " ".join(before[-2:]) in lang.locatives)
            key = normalize_entity(m.text, lang)
            if located and key.startswith("C:") and plain in _places():
                key = plain  # "di Pyongyang": the city, not North Korea's government
            if m.label in ("ORG", "LOC"):
                key = _organisation_key(text, m, key, lang, short_of, org_keys)
        out.append(EntityMention(m.text, m.label, m.start, m.end, key))
    return out


def _organisation_key(
    text: str, m: ner.Mention, key: str, lang: LanguageData, short_of: dict[str, str], org_keys: dict[str, list[str]]
) -> str:
    """One key for an organisation however the article writes it: its short name when it
    gives one ("Dewan Perwakilan Rakyat (DPR)" and a later "Dewan Perwakilan Rakyat" are
    "dpr"), and the full name's key for its head used alone ("the House" after "Indonesia's
    House of Representatives")."""
    bracket = m.text.rfind("(")
    inside = _SHORT_INSIDE.fullmatch(m.text, bracket) if bracket > 0 else None
    after = _SHORT_AFTER.match(text, m.end, min(len(text), m.end + 16)) if m.label == "ORG" else None
    if inside or after:
        short = " ".join([inside.group(1), *inside.group(2).split()]) if inside else after.group(1)  # type: ignore[union-attr]
        long_key = _plain_key(m.text[:bracket] if inside else m.text)
        short_key = normalize_entity(short, lang)
        short_of[long_key] = short_key
        return short_key
    if key in short_of:
        return short_of[key]
    if m.label != "ORG":
        return key
    parts = _plain_key(m.text).split()
    if len(parts) == 1 and not m.text.isupper():
        holders = org_keys.get(parts[0], [])
        if len(holders) == 1:
            return holders[0]
    elif lang.head_final and len(parts) > 2:
        # The head of "X of Y" stands for the whole after it: "(Indonesia's) House of
        # Representatives" ... "the House"; "Bureau of Meteorology" ... "the Bureau".
        of = parts.index("of") if "of" in parts else -1
        if of > 0:
            head = org_keys.setdefault(parts[of - 1], [])
            if key not in head and len(head) < MAX_NAME_FORMS:
                head.append(key)
    return key


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
        # A person by their fullest name ("Kim Jong Un", not "Kim"); anything else by the name
        # the articles use most ("DPR", not "Indonesia's House of Representatives").
        label = labels[key].most_common(1)[0][0]
        fullest = label == "PERSON"
        best = max(names[key].items(),
                   key=lambda kv: (len(kv[0].split()), kv[1]) if fullest else (kv[1], -len(kv[0])))[0]  # fmt: skip
        in_title = 1.0 if best.lower() in title_text or key in title_text else 0.0
        score = (SALIENCE_ARTICLE * n_articles + SALIENCE_MENTIONS * mention_count[key] ** 0.5 + float(early[key])
                 + SALIENCE_TITLE * in_title)  # fmt: skip
        ranked.append((key, label, best, round(score, 3)))
    ranked.sort(key=lambda r: (-r[3], r[0]))
    return ranked
