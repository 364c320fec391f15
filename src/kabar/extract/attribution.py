"""Who said what, and who claims, accuses, estimates, reports or denies what.

Plain rules over the clean text, driven by the language modules' cue lists:

* direct quotes are spans between quote marks, attributed by a cue next to them
  ("...," kata Putin / "...," Putin said / Putin mengatakan: "...") or, for a
  paragraph that only continues a quote, by the quote before it;
* reported speech is a clause around a speech verb: "CONTENT, kata X",
  "X mengatakan (bahwa) CONTENT", "Menurut X, CONTENT", "CONTENT, X said";
* claims use the same clause shapes with claim cues; passive forms ("dituduh",
  "was accused") take their holder only from an agent ("oleh X", "by X").

Speakers resolve to the fullest name the article gives for them ("kata Lee" ->
Rachel Lee), pronouns to the previous speaker, and, where no person is named, to
an organisation or the role phrase itself.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import NamedTuple

from kabar.doc import Doc
from kabar.lang import LanguageData
from kabar.model import Claim, EntityMention, Quote

OPEN_QUOTES = "“„«"
# A quote mark that opens or closes the other side's way: ‹ › and single quotes
# are too often apostrophes (Kim’s) to pair blindly, so single quotes pair only
# around a short span that starts and ends at word boundaries.
_SINGLE = re.compile(r"(?:(?<=^)|(?<=[\s(\[]))‘([^‘’\n]{1,80}?)’(?![\w])")
# Every pattern here runs on article text, so each is linear in it: a quantifier that
# could give back what it took is possessive or atomic where giving back never helps, and
# a run of stops is only tried from its first character (see tests/test_extract_robust.py).
_STOPS = ".!?…"
_CLOSING_MARKS = "\"”’»)'"
_DATELINE = re.compile(r"^[^\n]{0,60}?\s[-–—]{1,2}\s")
# "TRUMP: ..." / "Alex Seitz-Wald: ...". Each word takes all its letters (a word may not
# end where the next begins), so a 5,000-letter capitalised blob is read once, not split
# every possible way into four words (which stalled ingest for minutes).
_SPEAKER_LINE = re.compile(r"((?:[A-Z][\w.'’-]*+\s?+){1,4}+):\s")
_ACRONYM = re.compile(r"\s*+\(([A-Z][A-Z0-9]{1,9})\)")
# The rest of a name cut at a comma, then its short name: "Indonesia's Meteorology[,
# Climatology and Geophysics Agency (BMKG)]".
_LISTED_ACRONYM = re.compile(r"(?:,?+\s++(?:and\s++|dan\s++)?+[A-Z][\w-]*+)++\s*+\(([A-Z][A-Z0-9]{1,9})\)")
# A bracketed short name ending a speaker phrase, perhaps with the place it serves after it:
# "(BPS" (the closing bracket stripped), "(BPBD) Garut". Matched from the last "(" only.
_INNER_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9]{1,9})\)?((?:\s++[A-Z][\w-]*+){0,3})\s*+")
_QUOTE_MARK = re.compile("''|``|[\"“”„«»]")
_STOP_OR_QUOTE = re.compile(r"[.!?](?:\s|$)|[“„«\"]")
_HAS_WORD = re.compile(r"\w")
MAX_SPEAKER_WORDS = 10
# A word shared by more written forms of person names than this looks only at the first
# this many (an article names a handful of "Kim"s at most); it bounds a speaker lookup in
# a text that names thousands of different people.
MAX_NAME_FORMS = 64
MIN_CONTENT_WORDS = 3
# An adverbial phrase between a subject and its speech verb with no comma after it
# ("Rudianto Siregar, dalam laporannya menyebut") has at most this many words.
MAX_ADJUNCT_WORDS = 5
# A noun phrase set off by a comma before a participle's main clause ("The regional
# disaster office, however, put ..., saying"), at most.
MAX_SUBJECT_WORDS = 6
# A speaker after an inverted cue with no name in it ("..., said a senior official") has
# at most this many words; more are the subject of a clause of their own.
MAX_INVERTED_WORDS = 4
# How far into a sentence its subject person may start ("Penjabat Bupati Flores Timur,
# Yohanes Kopong Tukan, ..."), in characters.
MAX_SUBJECT_CHARS = 80
# How many tokens after a quote a cue and its speaker can take: a cue within the first
# MAX_SPEAKER_WORDS + 1, its phrase MAX_SPEAKER_WORDS more, then a name of up to four
# after a comma (see `_speaker_after`); 30 leaves room to spare.
_CUE_REACH = 3 * MAX_SPEAKER_WORDS
# Whether a span holds MIN_CONTENT_WORDS words, read only as far as the last of them.
_ENOUGH_WORDS = re.compile(rf"\s*+(?:\S++\s++){{{MIN_CONTENT_WORDS - 1}}}\S")
# A sentence of more tokens is cut into pieces of this many before the per-sentence rules
# run (they look back over a clause, so a sentence-long clause would cost its length per
# cue). The longest sentence in IndoSum dev, PolNeAR train, ECB+ and NeuS (106,825
# sentences) has 291 tokens (a list run together; 99.9 % have at most 80), so no real
# sentence is cut (counted with `_tokens` over `sentence_spans`).
MAX_SENTENCE_TOKENS = 400
# A "word" longer than this is no word (a base64 blob, a minified script, a URL run into
# text): it is left out of the tokens, so it never becomes a speaker or a cue, and it
# ends any speaker phrase around it. The longest token in the same corpora is a
# 137-character URL slug.
MAX_TOKEN_CHARS = 200


class _Token(NamedTuple):
    text: str
    lower: str
    start: int
    end: int


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    open_ended: bool = False  # the paragraph ends inside the quote
    mark: int = 1  # length of the closing mark ('' and `` are two characters)


def _tokens(doc: Doc, start: int, end: int) -> list[_Token]:
    """The words among the analysed text's tokens inside text[start:end] (its punctuation
    left out)."""
    out = []
    first, last = doc.token_range(start, end)
    for word, w_start, w_end in zip(doc.tokens[first:last], doc.starts[first:last], doc.ends[first:last], strict=True):
        if (word[0].isalnum() or word[0] == "_") and len(word) <= MAX_TOKEN_CHARS:
            lower = word.lower()
            # A word already in lower case (most are) shares its string: a 1 MB paragraph
            # holds some 150,000 tokens.
            out.append(_Token(word, word if lower == word else lower, w_start, w_end))
    return out


def _abbreviation_before(text: str, dot: int, lang: LanguageData) -> bool:
    """Whether the full stop at `dot` ends an abbreviation ("Lt.", "Dr."), not a sentence."""
    word = text[max(0, dot - 8) : dot].rsplit(None, 1)[-1:]
    return bool(word) and word[0].lower().lstrip("(") in lang.abbreviations


def _breaks(gap: str, marks: str) -> bool:
    """Whether the text between two tokens ends a phrase: one of `marks`, or a stretch
    longer than any word (where an over-long token was left out)."""
    return len(gap) > MAX_TOKEN_CHARS or any(c in gap for c in marks)


def quote_spans(text: str, start: int, end: int) -> list[_Span]:
    """Spans inside quote marks within text[start:end] (a paragraph)."""
    spans: list[_Span] = []
    opened: int | None = None
    for m in _QUOTE_MARK.finditer(text, start, end):
        i, mark = m.start(), m.group(0)
        double = len(mark) == 2  # typewriter quotes in older newswire text
        if mark in OPEN_QUOTES or (opened is None and (mark == '"' or double)):
            opened = i + len(mark)
        elif opened is not None:
            if i > opened:
                spans.append(_Span(opened, i, mark=len(mark)))
            opened = None
    if opened is not None and end - opened > 1:
        spans.append(_Span(opened, end, open_ended=True))
    if not spans:
        spans = [_Span(m.start(1), m.end(1)) for m in _SINGLE.finditer(text, start, end)]
    return spans


def sentence_spans(doc: Doc, start: int, end: int, quotes: Sequence[_Span] = ()) -> list[tuple[int, int]]:
    """The analysed text's sentences in a paragraph (text[start:end]), joined where a
    sentence would end inside a quote."""
    out: list[tuple[int, int]] = []
    text = doc.text
    quote_starts = [q.start for q in quotes]  # in order and disjoint, as quote_spans gives them
    for k in doc.sentences_in(start, end):
        s, e = doc.sentences[k]
        if out:
            stop = out[-1][1]
            while stop > out[-1][0] and text[stop - 1] in _CLOSING_MARKS:
                stop -= 1
            while stop > out[-1][0] + 1 and text[stop - 2] in _STOPS:
                stop -= 1
            stop -= 1  # the first stop of the run that ended the sentence before
            q = bisect.bisect_left(quote_starts, stop) - 1
            if q >= 0 and stop < quotes[q].end - 1:
                out[-1] = (out[-1][0], e)
                continue
        out.append((s, e))
    return out


def _strip(text: str, start: int, end: int, chars: str = " \t\n,;:-–—") -> tuple[int, int]:
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


class _Resolver:
    """Turns a speaker phrase into a name, using the article's entity mentions."""

    def __init__(self, mentions: Sequence[EntityMention], lang: LanguageData, doc: Doc | None = None) -> None:
        self.doc = doc
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.mention_starts = [m.start for m in self.mentions]
        self.lang = lang
        self.persons: list[EntityMention] = []
        self.person_starts: list[int] = []
        self.orgs = [m for m in self.mentions if m.label == "ORG"]
        self.org_starts = [m.start for m in self.orgs]
        # Each written form of a person's name (text and key) once, with its first offset and
        # the order it was met in; `named` counts the mentions of each key; `forms_with` lists
        # the forms holding a word. A name is then looked up among the few forms that share
        # its words, not among every mention of the article.
        self.forms: dict[tuple[str, str], list[int]] = {}
        self.forms_with: dict[str, list[tuple[str, str]]] = {}
        self.named: Counter[str] = Counter()
        for m in self.mentions:
            if m.label == "PERSON":
                self._add_person(m)
        self.last_speaker: tuple[str | None, str | None] = (None, None)
        self.calendar = {*lang.weekdays, *lang.months}  # "Selasa" is capitalised, and nobody
        self.last_person: tuple[str | None, str | None] = (None, None)
        self.last_person_at = -1  # where the phrase naming `last_person` starts

    def _add_person(self, m: EntityMention) -> None:
        k = bisect.bisect_right(self.person_starts, m.start)
        self.persons.insert(k, m)
        self.person_starts.insert(k, m.start)
        self.named[m.entity] += 1
        form = (m.text, m.entity)
        seen = self.forms.get(form)
        if seen is not None:
            seen[0] = min(seen[0], m.start)
            return
        self.forms[form] = [m.start, len(self.forms)]
        for word in set(_name_words(m.text)):
            holders = self.forms_with.setdefault(word, [])
            if len(holders) < MAX_NAME_FORMS:
                holders.append(form)

    def full_name(self, name: str, offset: int) -> tuple[str, str | None]:
        """The fullest PERSON mention before `offset` holding all of this name's words
        ("Lee" -> "Rachel Lee"); the most often named wins a shared word ("Kim")."""
        wanted = _name_words(name)
        if wanted:
            candidates = min((self.forms_with.get(w, []) for w in wanted), key=len)
        else:
            candidates = list(self.forms)[:MAX_NAME_FORMS]
        # In text order, the first form to reach the best score wins, as a scan of every
        # mention would find it (all mentions of one form score alike).
        best: tuple[str, str] | None = None
        best_key: tuple[bool, int, int] = (False, 0, 0)
        for form in sorted((f for f in candidates if self.forms[f][0] <= offset), key=self.forms.__getitem__):
            have = _name_words(form[0])
            if all(w in have for w in wanted) and (
                best is None or (len(have) > len(wanted), self.named[form[1]], len(have)) > best_key
            ):
                words = len(form[0].split())
                best, best_key = form, (words > len(wanted), self.named[form[1]], words)
        if best is not None and len(best[0]) >= len(name):
            return best
        return name, None

    def previous(self, offset: int) -> tuple[str | None, str | None]:
        """Who "dia" / "he" at `offset` is: the person quoted in the sentence before, else the
        person that sentence opens with ("Penjabat Bupati, Yohanes Kopong Tukan, meminta
        warga bersabar. Ia menegaskan ..."), else the last person quoted, else the last
        person named."""
        before_start = self._sentence_before(offset)
        if before_start is not None:
            if self.last_person[0] and self.last_person_at >= before_start[0]:
                return self.last_person
            subject = self._subject_person(*before_start)
            if subject is not None:
                self.last_person = self.full_name(subject.text, subject.end)
                self.last_person_at = subject.start
                return self.last_person
        if self.last_person[0]:
            return self.last_person
        before = _last_ending_by(self.persons, self.person_starts, offset)
        if before is not None:
            return self.full_name(before.text, offset)
        return self.last_speaker

    def _sentence_before(self, offset: int) -> tuple[int, int] | None:
        """The span of the sentence before the one holding (or following) `offset`."""
        if self.doc is None:
            return None
        k = bisect.bisect_right(self.doc.sentences, (offset, len(self.doc.text) + 1)) - 1
        return self.doc.sentences[k - 1] if k >= 1 else None

    def _subject_person(self, start: int, end: int) -> EntityMention | None:
        """The person a sentence opens with: its first PERSON mention, with nothing before
        it but names, titles and clause openers ("Anggota Komisi IV DPR, Ratih Puspitasari,
        meminta ..."), not the object of a verb ("Police arrested Budi")."""
        k = bisect.bisect_left(self.person_starts, start)
        if k == len(self.persons) or self.persons[k].start >= end:
            return None
        m = self.persons[k]
        if m.start - start > MAX_SUBJECT_CHARS:
            return None
        allowed = self.lang.titles | self.lang.clause_openers
        for w in _LOWER_WORD.findall(self.doc.text[start : m.start] if self.doc else ""):
            if not (w[:1].isupper() or w.isdigit() or w.lower() in allowed):
                return None
        return m

    def resolve(self, text: str, start: int, end: int) -> tuple[str | None, str | None]:
        start, end = _strip(text, start, end, " \t\n,;:-–—\"“”'’()")
        if start >= end:
            return None, None
        first = text[start:end].split(None, 1)
        if len(first) == 2 and first[0].lower() in self.lang.source_nouns:
            start = text.index(first[1], start)  # "catatan pemerintah kabupaten": the government
        phrase = text[start:end]
        words = phrase.split()
        if len(words) == 1 and words[0].lower() in self.lang.pronouns:
            return self.previous(start)
        acronym = _ACRONYM.match(text, end, min(len(text), end + 16)) or _LISTED_ACRONYM.match(
            text, end, min(len(text), end + 80)
        )
        if acronym and len(words) > 1:
            # "Badan Meteorologi, Klimatologi, dan Geofisika (BMKG)": the short name is the one used.
            return acronym.group(1), acronym.group(1).lower()
        inside = []
        for k in range(bisect.bisect_left(self.mention_starts, start), len(self.mentions)):
            m = self.mentions[k]
            if m.start > end:
                break
            if m.end <= end and m.text.lower() not in self.calendar:
                inside.append(m)
        bracket = phrase.rfind("(")
        inner = _INNER_ACRONYM.fullmatch(phrase, bracket) if bracket > 0 else None
        if inner and not any(m.label == "PERSON" for m in inside):
            # "Badan Pusat Statistik (BPS)" / "Badan Penanggulangan Bencana Daerah (BPBD) Garut":
            # the short name, with the place after it.
            short = " ".join([inner.group(1), *inner.group(2).split()])
            return short, " ".join(short.lower().split())
        lowered = [w.lower().strip(",.") for w in words]
        if not inside and 2 <= len(words) <= 3 and (lowered[-1] in self.lang.demonstratives
                                                    or lowered[0] in self.lang.demonstratives):
            # "Lembaga itu" / "The agency": the organisation named or quoted last.
            return self.last_organisation(start) or (phrase, None)
        if any(text[a.end : b.start].strip(" ,").lower() in self.lang.list_conjunctions
               for a, b in pairwise(inside)):  # fmt: skip
            return phrase, None  # "Washington dan Seoul": the holders together
        if not any(m.label == "PERSON" for m in inside) and "," in phrase:
            # "Seorang pedagang, Rohmah" / "Juru bicara KPK, Yudha Prasetya": a name the tagger
            # missed, set off by a comma after the role.
            tail_start = text.rfind(",", start, end) + 1
            tail = text[tail_start:end].split()
            covered = any(m.start <= tail_start + 1 and m.end >= end and m.label == "ORG" for m in inside)
            named = all(w[:1].isupper() and w.lower().strip(",.") not in self.calendar for w in tail)
            if 0 < len(tail) <= 4 and named and not covered:
                return self._learn(" ".join(tail), start)
        for label in ("PERSON", "ORG", "LOC", "EVENT"):
            # A place names the speaker only when it leads the phrase ("Washington said"),
            # not in "sumber Ukraina" (a Ukrainian source).
            found = [m for m in inside if m.label == label and (label in ("PERSON", "ORG") or m.start == start)]
            if found:
                # The head: "Rachel Lee dari Stimson Center"; after a role, the name set off
                # by a comma: "Prakirawan BMKG, Ahmad Fauzan Lubis".
                comma = text.rfind(",", start, end)
                after_comma = [m for m in found if m.start > comma] if comma != -1 else []
                chosen = after_comma[0] if after_comma and label == "PERSON" else found[0]
                if label == "PERSON":
                    # The name itself counts as seen: the phrase may start with a role before it.
                    name, entity = self.full_name(chosen.text, max(start, chosen.end))
                    self.last_person, self.last_person_at = (name, entity), start
                    return name, entity
                if self.lang.head_final and _modifies(text, chosen.end, end, self.lang):
                    return phrase, None  # "Some Bahraini commentators": the name modifies the head
                bracket = chosen.text.rfind("(")
                inner = _INNER_ACRONYM.fullmatch(chosen.text, bracket) if bracket > 0 else None
                if inner:  # "Badan Nasional Penanggulangan Bencana (BNPB": the tagger kept the bracket
                    short = " ".join([inner.group(1), *inner.group(2).split()])
                    return short, chosen.entity
                parts = chosen.text.split(None, 1)
                if len(parts) == 2 and parts[0].lower() in self.lang.source_nouns:
                    return parts[1], parts[1].lower()  # the tagger took "Data BPBD" as one name
                return chosen.text, chosen.entity
        if inside:
            return phrase, None
        # No mention from the tagger: a capitalised run is a name it missed.
        run: list[str] = []
        run_at = 0
        for at, w in enumerate(words):
            low = w.lower().strip(",.")
            if w[:1].isupper() and low not in self.lang.stopwords and low not in self.calendar:
                run_at = run_at if run else at
                run.append(w.rstrip(",;:"))
                if w[-1] in ",;:":
                    break  # "Clean Rivers Alliance, a network of ...": the name ends at the comma
            elif run:
                break
        last = words[run_at + len(run) - 1] if run else ""
        after_run = words[run_at + len(run)] if run and run_at + len(run) < len(words) and last[-1].isalnum() else ""
        if self.lang.head_final and after_run[:1].islower() and after_run.lower() not in self.lang.speaker_stops:
            return phrase, None  # "Some Bahraini commentators": the name only modifies the head
        if run and len(run) <= 4 and (len(run) > 1 or run_at > 0 or len(words) == 1):
            return self._learn(" ".join(run), start)
        return phrase, None

    def _learn(self, name: str, offset: int) -> tuple[str, str | None]:
        """A name found without the tagger is remembered, so "kata Yudha" later finds the
        "Yudha Prasetya" named here."""
        full, entity = self.full_name(name, offset)
        if full == name:
            entity = " ".join(name.lower().replace("-", " ").split())
            self._add_person(EntityMention(name, "PERSON", offset, offset, entity))
        self.last_person, self.last_person_at = (full, entity), offset
        return full, entity

    def last_organisation(self, offset: int) -> tuple[str, str | None] | None:
        before = _last_ending_by(self.orgs, self.org_starts, offset)
        return (before.text, before.entity) if before else None

    def remember(self, speaker: str | None, entity: str | None) -> None:
        if speaker:
            self.last_speaker = (speaker, entity)


def _modifies(text: str, start: int, end: int, lang: LanguageData) -> bool:
    """Whether text[start:end], after a name, begins with a common noun the name modifies
    ("Bahraini commentators"), rather than nothing or a preposition ("Bulog in Jakarta")."""
    rest = text[start:end].split()
    if not rest:
        return False
    first = rest[0].strip(",.;:").lower()
    return (bool(first) and rest[0][:1].islower() and first not in lang.speaker_stops
            and first not in lang.stopwords)  # fmt: skip


def _name_words(name: str) -> list[str]:
    return [w.lower() for w in name.replace("-", " ").split()]


def _last_ending_by(items: Sequence[EntityMention], starts: Sequence[int], offset: int) -> EntityMention | None:
    """The last of `items` (sorted by start) that ends by `offset`."""
    k = bisect.bisect_right(starts, offset) - 1
    while k >= 0 and items[k].end > offset:
        k -= 1  # only mentions that hold `offset` are stepped over
    return items[k] if k >= 0 else None


def _speaker_after(text: str, tokens: list[_Token], i: int, end: int, lang: LanguageData) -> tuple[int, int] | None:
    """The speaker phrase that follows a cue at token i ("kata Presiden Rusia Vladimir Putin, ...")."""
    j = first = i + 1
    while j < len(tokens) and tokens[j].end <= end and j - first < MAX_SPEAKER_WORDS:
        tok = tokens[j]
        gap = text[tokens[j - 1].end : tok.start]
        abbreviated = gap.strip() == "." and tokens[j - 1].lower in lang.abbreviations  # "Lt. Col. Hendra Wijaya"
        if _breaks(gap, ",.;:()[]\"“”«»") and not abbreviated:
            break
        if tok.lower in lang.speaker_stops and (j > first or not tok.text[:1].isupper()):
            break
        j += 1
    if j == first:
        return None
    # "ujar Manajer Humas PT Rokan, Irwan Kusuma.": the name set off after the role.
    k = j
    if j < len(tokens) and text[tokens[j - 1].end : tokens[j].start].strip() == ",":
        while k < len(tokens) and tokens[k].end <= end and tokens[k].text[:1].isupper() and k - j < 4:
            if k > j and text[tokens[k - 1].end : tokens[k].start].strip():
                break
            k += 1
        after = text[tokens[k - 1].end : tokens[k].start] if k < len(tokens) else "."
        if k > j and (k >= len(tokens) or tokens[k].end > end or any(c in after for c in ",.;(")):
            j = k
    return tokens[first].start, tokens[j - 1].end


def _subject_before(
    para: _Paragraph, i: int, floor: int, lang: LanguageData, passive: bool = False
) -> tuple[int, int] | None:
    """The subject of the cue at token i: the words since the clause began, trimmed."""
    text, tokens = para.text, para.tokens
    j = i
    while j > 0 and tokens[j - 1].start >= floor:
        gap = text[tokens[j - 1].end : tokens[j].start]
        prev = tokens[j - 1]
        if _breaks(gap, "\"“”«»;:") or prev.lower in lang.complementizers or _cue_kind(prev, lang) == "speech":
            break
        j -= 1
    # "Rohmah (55)," / "BMKG (Badan ...)": what stands in brackets is left out.
    words = [t for t in tokens[j:i] if not para.in_brackets(t.start, floor)]
    # "X, who ..., says": the appositive between commas is not the subject.
    # "X, executive director of Y, said": a comma just before the cue closes an appositive.
    cuts = [k for k in range(1, len(words)) if "," in text[words[k - 1].end : words[k].start]]
    closed = i < len(tokens) and bool(words) and "," in text[words[-1].end : tokens[i].start]
    if cuts:
        # "Ketua Komisi XII DPR, Rudianto Siregar, dalam laporannya menyebut" / "X, in a
        # statement on Monday, said": a stretch between commas that opens with a preposition
        # (or is only a day or an adverb) says when or where, not who.
        kept = _without_adjuncts(text, words, cuts, lang)
        if len(kept) < len(words):
            closed = closed or kept[-1] is not words[-1]
            words = kept
            cuts = [k for k in range(1, len(words)) if "," in text[words[k - 1].end : words[k].start]]
    if cuts and words[cuts[-1]].lower in lang.relatives:
        # "Seoul, yang ... memperingatkan": the antecedent, a name just before the comma.
        antecedent: list[_Token] = []
        for w in reversed(words[: cuts[-1]]):
            if not w.text[:1].isupper():
                break
            antecedent.insert(0, w)
        words = antecedent
    elif cuts and closed:
        # Both sides of the appositive name the speaker ("Kepala BPBD Garut, Asep Kurniawan,"
        # / "Scot Ross, executive director of ...,"); the resolver picks the person.
        words = words[cuts[-2] if len(cuts) >= 2 else 0 :]
        cuts = []
    # A comma ends the clause before, unless it separates a list ("X, Y dan Z").
    for k in range(len(words) - 1, 0, -1) if cuts else ():
        gap = text[words[k - 1].end : words[k].start]
        if "," in gap or "(" in gap or ")" in gap:
            tail = [w.lower for w in words[k:]]
            if ")" in gap or "(" in gap or not any(t in lang.list_conjunctions for t in tail):
                words = words[k:]
                break
    while words and (words[-1].lower in lang.auxiliaries or (passive and words[-1].lower in lang.relatives)):
        words = words[:-1]
    while words and words[0].lower in lang.clause_openers:
        words = words[1:]
    if len(words) > 1 and words[-1].lower in lang.relatives and not passive:
        # "data awal BPBD Poso yang sebelumnya menyebut ...": the name the clause is about.
        antecedent = []
        for w in reversed(words[:-1]):
            if not w.text[:1].isupper() or w.lower in lang.stopwords:
                break
            antecedent.insert(0, w)
        words = antecedent
    if not words or len(words) > 15:
        return None
    if words[0].lower in lang.relatives or (words[-1].lower in lang.relatives and not passive):
        return None
    if any(w.lower in lang.control_verbs for w in words):
        return None  # "Ratih meminta Bulog memastikan ...": Bulog is asked to act, nobody speaks
    if words and words[-1].lower in lang.list_conjunctions:
        # "Police pulled him over and said": the clause's subject speaks, when it is a name
        # or a pronoun (without word classes, "The judge rubbed his chin, and" stays whole).
        lead: list[_Token] = []
        for w in words[:-1]:
            if not w.text[:1].isupper() or (lead and "," in text[lead[-1].end : w.start]):
                break
            lead.append(w)
        if lead and (lead[0].lower not in lang.stopwords or (len(lead) == 1 and lead[0].lower in lang.pronouns)):
            words = lead
    if len(words) > 1 and words[-1].lower in lang.pronouns and "," not in text[words[-2].end : words[-1].start] \
            and words[-2].lower not in lang.list_conjunctions:
        words = words[-1:]  # "Police arrested a man they said was armed": they
    adjuncts = _adjunct_openers(lang)
    if words[-1].lower in adjuncts and len(words) > 2:
        # "Cook declined to say": the subject is before the verb that takes the cue.
        words = words[:-2]
        while len(words) > 1 and (words[-1].lower in adjuncts or words[-1].lower in lang.auxiliaries):
            words = words[:-1]
    while len(words) > 1 and words[0].lower in adjuncts:
        words = words[1:]  # "as he explained": he
    if all(w.lower in lang.stopwords for w in words) and words[-1].lower not in lang.pronouns:
        return None
    return words[0].start, words[-1].end


@lru_cache(maxsize=8)
def _adjunct_openers(lang: LanguageData) -> frozenset[str]:
    """Words that open an adverbial phrase (a preposition, a time word) rather than a
    speaker: the words that end a speaker phrase, less relatives, conjunctions, pronouns
    and demonstratives."""
    keep = lang.relatives | lang.list_conjunctions | lang.pronouns | lang.demonstratives
    return frozenset(w for w in lang.speaker_stops if w not in keep)


def _segments(text: str, words: list[_Token], cuts: Sequence[int], lang: LanguageData) -> list[list[_Token]]:
    """`words` cut before the indices `cuts` (at commas), without the stretches that open
    with a preposition or time word, or hold only days, months and adverbs."""
    adjuncts = _adjunct_openers(lang)
    calendar = {*lang.weekdays, *lang.months}
    idle = lang.clause_openers | lang.auxiliaries
    kept: list[list[_Token]] = []
    dropped = False
    for a, b in pairwise([0, *cuts, len(words)]):
        segment = words[a:b]
        lead = segment[0]
        if dropped and b - a == 1 and b < len(words) and lead.text[:1].isupper():
            continue  # "in Ames, Iowa, on Sunday": the place goes with the phrase before it
        dropped = True
        # The stretch just before the cue, with no comma to close it, is an adjunct only when
        # a short phrase after a preposition ("dalam laporannya menyebut"); "when she claimed"
        # holds the subject, and a long stretch is a clause of its own.
        if b < len(words):
            adjunct = lead.lower in adjuncts or all(
                w.lower in calendar or w.lower in idle or w.text.isdigit() for w in segment
            )
        else:  # "..., but suggested": a new clause, whose subject is the sentence's
            adjunct = lead.lower in lang.prepositions and b - a <= MAX_ADJUNCT_WORDS
        if adjunct:
            continue
        dropped = False
        kept.append(segment)
    return kept


def _without_adjuncts(text: str, words: list[_Token], cuts: Sequence[int], lang: LanguageData) -> list[_Token]:
    """`words` without their adverbial stretches (`_segments`); all of `words` when
    nothing else would be left."""
    return [w for segment in _segments(text, words, cuts, lang) for w in segment] or words


def _participle_subject(para: _Paragraph, idx: Sequence[int], lang: LanguageData) -> tuple[int, int] | None:
    """The subject of "..., saying ...": the main clause's. The main clause is the last
    stretch between commas before the cue (adverbial stretches left out); its subject is
    the name it opens with ("The day before, Mr. Trump was blunt, saying" -> "Mr. Trump"),
    else what stands before it ("The regional disaster office, however, put the number at
    29, saying" -> "The regional disaster office"). `idx`: the sentence's tokens before the cue."""
    text, tokens = para.text, para.tokens
    words = [tokens[k] for k in idx if not para.in_quote(tokens[k].start)]
    if not words:  # '"We won it," adding that ...': the quote is all there is before the cue
        return None
    cuts = [k for k in range(1, len(words)) if "," in text[words[k - 1].end : words[k].start]]
    kept = _segments(text, words, cuts, lang)
    if not kept:
        return None
    main = kept[-1]
    run = _sentence_subject(text, tokens, [bisect.bisect_left(para.starts, t.start) for t in main], lang)
    if run is not None:
        return run
    before = [w for segment in kept[:-1] for w in segment]
    if 0 < len(before) <= 15 and not main[0].text[:1].isupper():
        return before[0].start, before[-1].end
    return None


@lru_cache(maxsize=8)
def _cue_words(lang: LanguageData) -> frozenset[str]:
    words = {*lang.speech_verbs, *lang.claim_cues, *lang.participle_cues, *(p.split()[0] for p in lang.according_to)}
    if lang.speaker_clitic:
        words |= {w + lang.speaker_clitic for w in lang.according_to}
    return frozenset(words)


_COMMA, _OPEN, _CLOSE = re.compile(","), re.compile(r"\("), re.compile(r"\)")
_ANY_QUOTE = re.compile("''|``|[\"“”„«»‘]")
_LOWER_WORD = re.compile(r"\w+")


def _may_attribute(segment: str, lang: LanguageData) -> bool:
    """A paragraph with no quote mark and no cue word holds no attribution (most do not):
    checked on plain strings, before any token is built."""
    return bool(_ANY_QUOTE.search(segment)) or not _cue_words(lang).isdisjoint(_LOWER_WORD.findall(segment.lower()))


def _cue_kind(token: _Token, lang: LanguageData) -> str | None:
    if token.lower in lang.claim_cues:
        return lang.claim_cues[token.lower]
    if token.lower in lang.speech_verbs:
        return "speech"
    return None


def _is_passive(tokens: list[_Token], i: int, lang: LanguageData) -> bool:
    if tokens[i].lower not in lang.passive_cues:
        return False
    if not lang.passive_markers:
        return True
    return any(t.lower in lang.passive_markers for t in tokens[max(0, i - 2) : i])


def _according(text: str, start: int, lang: LanguageData) -> str | None:
    low = text[start : start + 40].lower()
    for phrase in lang.according_to:
        if low.startswith(phrase + " "):
            return text[start : start + len(phrase)]
        clitic = phrase + lang.speaker_clitic
        if lang.speaker_clitic and re.match(re.escape(clitic) + r"\b", low):
            return text[start : start + len(clitic)]  # "Menurutnya, ..."
    return None


def _is_clitic_cue(token: _Token, lang: LanguageData) -> bool:
    """ "katanya": the speech verb carries its own (pronoun) speaker."""
    suffix = lang.speaker_clitic
    return bool(suffix) and token.lower.endswith(suffix) and token.lower[: -len(suffix)] in lang.speech_verbs


class _Paragraph:
    """One paragraph's tokens, quote spans and sentences, with sorted offsets of each, so
    that every question a rule asks about a position is a binary search, never a scan of
    the paragraph (a text without line breaks is one paragraph of any length)."""

    def __init__(self, doc: Doc, start: int, end: int, index: int, lang: LanguageData) -> None:
        text = self.text = doc.text
        self.doc = doc
        self.start = start
        self.end = end
        self.index = index
        self.spans = quote_spans(text, start, end)
        self.tokens = _tokens(doc, start, end)
        self.starts = [t.start for t in self.tokens]
        self.ends = [t.end for t in self.tokens]
        self.sentences = _bounded(sentence_spans(doc, start, end, self.spans), self.starts)
        self.sentence_starts = [s for s, _ in self.sentences]
        # Quote spans are in text order and disjoint (see quote_spans), so their ends are sorted too.
        self.span_starts = [q.start for q in self.spans]
        self.span_ends = [q.end for q in self.spans]
        self.opens = [m.start() for m in _OPEN.finditer(text, start, end)]
        self.closes = [m.start() for m in _CLOSE.finditer(text, start, end)]
        self.commas = [m.start() for m in _COMMA.finditer(text, start, end)]
        self.used_cues: set[int] = set()

    def sentence_of(self, offset: int) -> tuple[int, int]:
        k = bisect.bisect_right(self.sentence_starts, offset) - 1
        if k >= 0 and offset < self.sentences[k][1]:
            return self.sentences[k]
        return self.start, self.end

    def in_quote(self, offset: int) -> bool:
        k = bisect.bisect_right(self.span_starts, offset) - 1
        return k >= 0 and offset < self.span_ends[k]

    def quote_floor(self, offset: int, floor: int) -> int:
        """The last quote close before `offset`: subjects never reach into a quote."""
        k = bisect.bisect_left(self.span_ends, offset) - 1
        return max(floor, self.span_ends[k] + 1) if k >= 0 else floor

    def within_one_quote(self, start: int, end: int) -> bool:
        """Whether [start, end) lies inside one quote span (its marks included)."""
        k = bisect.bisect_right(self.span_starts, start + 1) - 1
        return k >= 0 and end <= self.span_ends[k] + 1

    def token_range(self, start: int, end: int, first: int = 0) -> range:
        """Indices of the tokens (from `first` on) that lie within [start, end)."""
        lo = max(first, bisect.bisect_left(self.starts, start))
        return range(lo, max(lo, bisect.bisect_right(self.ends, end)))

    def in_brackets(self, offset: int, floor: int) -> bool:
        """Whether an opening bracket after `floor` is still open at `offset`."""
        k = bisect.bisect_left(self.opens, offset) - 1
        if k < 0 or self.opens[k] < floor:
            return False
        c = bisect.bisect_left(self.closes, self.opens[k])
        return c == len(self.closes) or self.closes[c] >= offset

    def last_comma(self, start: int, end: int) -> int:
        """`text.rfind(",", start, end)`, by the comma index."""
        k = bisect.bisect_left(self.commas, end) - 1
        return self.commas[k] if k >= 0 and self.commas[k] >= start else -1


def _bounded(sentences: list[tuple[int, int]], starts: list[int]) -> list[tuple[int, int]]:
    """Sentences of more than MAX_SENTENCE_TOKENS tokens cut into pieces of that many."""
    out: list[tuple[int, int]] = []
    for s, e in sentences:
        lo, hi = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
        if hi - lo <= MAX_SENTENCE_TOKENS:
            out.append((s, e))
            continue
        cuts = [starts[k] for k in range(lo + MAX_SENTENCE_TOKENS, hi, MAX_SENTENCE_TOKENS)]
        out.extend(pairwise([s, *cuts, e]))
    return out


# How a draft finds its speaker: a phrase in the text, the previous speaker, or nobody.
_PHRASE, _PREVIOUS, _NOBODY = "phrase", "previous", "nobody"


@dataclass(slots=True)
class _Draft:
    """An attribution before its speaker is resolved; resolved in text order so that
    "Dia mengatakan" finds the speaker before it."""

    cue: _Token
    start: int
    end: int
    kind: str  # direct, indirect, or a claim kind
    speaker: tuple[int, int] | None
    how: str
    paragraph: int
    passive: bool = False


def extract(doc: Doc, lang: LanguageData, mentions: Sequence[EntityMention] = ()) -> tuple[list[Quote], list[Claim]]:
    """Quotes and claims of one analysed article; offsets are into `doc.text`."""
    text, paragraphs = doc.text, doc.paragraphs
    resolver = _Resolver(mentions, lang, doc)
    quotes: list[Quote] = []
    claims: list[Claim] = []
    pending: list[tuple[int, int, int]] = []  # quote paragraphs waiting for their speaker
    for index, (p_start, p_end) in enumerate(paragraphs):
        if not (_may_attribute(text[p_start:p_end], lang) or _SPEAKER_LINE.match(text, p_start, p_end)):
            pending = []  # no quote mark and no cue word: most paragraphs, skipped cheaply
            continue
        para = _Paragraph(doc, p_start, p_end, index, lang)
        drafts: list[_Draft] = []
        continued: list[tuple[int, int, int, _Draft]] = []
        for span in para.spans:
            draft = _attribute_direct(para, span, lang)
            if draft is None:
                c_start, c_end = _strip(text, span.start, span.end)
                whole = span.start - p_start <= 1 and len(text[c_start:c_end].split()) >= 5
                if span.open_ended or whole:
                    pending.append((c_start, c_end, index))
                continue
            continued.extend((*w, draft) for w in pending)
            pending = []
            drafts.append(draft)
        if not para.spans:
            pending = []
        colon = _SPEAKER_LINE.match(text, p_start, p_end)
        if colon and not para.spans and not _cue_kind(_Token(colon.group(1), colon.group(1).lower(), 0, 0), lang):
            # "TRUMP: The deaths of ..." / "Alex Seitz-Wald: She is right ...": a transcript line.
            c_start, c_end = _strip(text, colon.end(), p_end)
            if len(text[c_start:c_end].split()) >= MIN_CONTENT_WORDS:
                cue = _Token(":", ":", colon.end() - 1, colon.end())
                drafts.append(_Draft(cue, c_start, c_end, "direct", (colon.start(1), colon.end(1)), _PHRASE, index))
                para.used_cues.add(cue.start)
        drafts.extend(_reported(para, lang))
        drafts.sort(key=lambda d: (d.cue.start if d.how == _PHRASE and d.speaker else d.start))
        made: dict[int, Quote] = {}
        for draft in drafts:
            if draft.how == _PHRASE and draft.speaker:
                speaker, entity = resolver.resolve(text, *draft.speaker)
            elif draft.how == _PREVIOUS:
                speaker, entity = resolver.previous(min(draft.cue.start, draft.start))
            else:
                speaker, entity = None, None
            content = text[draft.start : draft.end]
            sp_start, sp_end = draft.speaker if draft.speaker else (None, None)
            if draft.kind in ("direct", "indirect"):
                resolver.remember(speaker, entity)
                quote = Quote(speaker, entity, draft.cue.text, content, draft.kind,  # type: ignore[arg-type]
                              draft.start, draft.end, index, sp_start, sp_end)
                made[id(draft)] = quote
            else:
                claims.append(Claim(draft.kind, speaker, entity, draft.cue.text, content,  # type: ignore[arg-type]
                                    draft.start, draft.end, index, None, sp_start, sp_end))
        # A direct quote inside a reported clause is nested: it lies within the clause that
        # reaches furthest among those starting at or before it.
        reported = sorted((q.start, q.end) for q in made.values() if q.kind == "indirect")
        reported_starts = [r[0] for r in reported]
        furthest = list(accumulate((r[1] for r in reported), max))
        for w_start, w_end, w_index, draft in continued:
            q = made[id(draft)]
            quotes.append(replace(q, content=text[w_start:w_end], start=w_start, end=w_end, paragraph=w_index,
                                  speaker_start=None, speaker_end=None))
        for q in made.values():
            k = bisect.bisect_right(reported_starts, q.start) - 1
            inside = q.kind == "direct" and k >= 0 and q.end <= furthest[k] + 1
            quotes.append(replace(q, nested=True) if inside else q)
    _link_denials(claims, lang)
    quotes.sort(key=lambda q: (q.start, q.nested))
    return quotes, claims


def _attribute_direct(para: _Paragraph, span: _Span, lang: LanguageData) -> _Draft | None:
    text, tokens = para.text, para.tokens
    c_start, c_end = _strip(text, span.start, span.end)
    if c_start >= c_end:
        return None
    close = span.end if span.open_ended else span.end + span.mark
    s_start, _ = para.sentence_of(max(para.start, span.start - 1))
    # The cue after a quote stands before the next stop or the next quote. Only the first
    # _CUE_REACH tokens after the quote are ever compared with that limit, so the stop is
    # looked for no further than they go.
    limit = para.end
    w0 = bisect.bisect_left(para.starts, close)
    horizon = para.ends[w0 + _CUE_REACH] if w0 + _CUE_REACH < len(tokens) else para.end
    stop = _STOP_OR_QUOTE.search(text, close, horizon)
    while stop and stop.group().startswith(".") and _abbreviation_before(text, stop.start(), lang):
        stop = _STOP_OR_QUOTE.search(text, stop.end(), horizon)  # "said Lt. Col. Hendra Wijaya"
    if stop:
        limit = stop.start()
    window = list(para.token_range(close, limit, w0)[: MAX_SPEAKER_WORDS + 1])
    clause_ends = text[span.end - 1] in ",!?…" or text[close : close + 3].lstrip().startswith(",")
    if text[span.end - 1] == "." and not span.open_ended:
        window = []  # '"... soft." He says ...': the quote ended its sentence
    according = {p.split()[0] for p in lang.according_to}
    for n, i in enumerate(window):
        tok = tokens[i]
        kind = _cue_kind(tok, lang)
        if kind != "speech" or tok.lower in according:
            continue
        if n == 0:  # "...," kata Putin / "...," said Putin / "...," katanya
            para.used_cues.add(tok.start)
            if _is_clitic_cue(tok, lang):
                return _Draft(tok, c_start, c_end, "direct", None, _PREVIOUS, para.index)
            sp = _speaker_after(text, tokens, i, limit, lang)
            return _Draft(tok, c_start, c_end, "direct", sp, _PHRASE if sp else _PREVIOUS, para.index)
        first = tokens[window[0]]
        opener = first.lower in lang.list_conjunctions or first.lower in lang.clause_openers
        # "...," senior forecaster Dean Walsh said: a role in lower case before the name.
        named = n <= MAX_SUBJECT_WORDS and any(tokens[w].text[:1].isupper() for w in window[1:n])
        if clause_ends and not opener and (first.text[:1].isupper() or first.lower in lang.pronouns
                                           or first.lower in lang.stopwords or named):
            # "...," Putin said / "...," the Florida senator told ...
            para.used_cues.add(tok.start)
            return _Draft(tok, c_start, c_end, "direct", (first.start, tokens[window[n - 1]].end), _PHRASE,
                          para.index)
        break
    # Putin mengatakan: "..." / kata Putin: "..." / Kim called it "...": the cue before the
    # quote, in the same sentence. A cue far from a long quote heads a reported clause
    # that holds the quote; that clause is found as reported speech.
    lo = bisect.bisect_left(para.starts, s_start)
    before = range(lo, max(lo, bisect.bisect_left(para.ends, span.start)))  # ending before the quote
    short = len(text[c_start:c_end].split()) <= 4
    for back, k in enumerate(reversed(before)):
        tok = tokens[k]
        if para.in_quote(tok.start) or back > 8:
            return None
        if _cue_kind(tok, lang) != "speech" or tok.lower in according:
            continue
        if k > 0 and tokens[k - 1].lower in lang.relatives:
            return None
        floor = para.quote_floor(tok.start, s_start)
        subject = _subject_before(para, k, floor, lang)
        if subject is None and k > 0 and tokens[k - 1].start >= floor and tokens[k - 1].lower in lang.list_conjunctions:
            # "..., dan menyebut perjanjian itu “...”": the subject of the clause before.
            if back <= 1 or short:
                return _Draft(tok, c_start, c_end, "direct", None, _PREVIOUS, para.index)
            return None
        if subject is None:
            after = _speaker_after(text, tokens, k, span.start - 1, lang)
            if after and text[after[0]].isupper():
                subject = after  # kata Putin: "..."
        if subject is None or not (back <= 3 or short):
            return None
        if back <= 3:
            para.used_cues.add(tok.start)
        return _Draft(tok, c_start, c_end, "direct", subject, _PHRASE, para.index)
    return None


def _reported(para: _Paragraph, lang: LanguageData) -> list[_Draft]:
    """Reported speech and claims, sentence by sentence."""
    out: list[_Draft] = []
    text = para.text
    for s_start, s_end in para.sentences:
        head = s_start
        if s_start == para.start:
            dateline = _DATELINE.match(text, s_start, s_end)
            if dateline and not any(_cue_kind(t, lang) for t in _tokens(para.doc, s_start, dateline.end())):
                head = dateline.end()
        end = s_end
        while end > head and text[end - 1] in ".!?\"”’ ":
            end -= 1
        idx = para.token_range(head, end)
        if not idx:
            continue
        draft = _according_first(para, head, end, lang) or _cue_last(para, idx, head, end, lang)
        if draft is not None:
            out.append(draft)
            continue
        out.extend(_cue_first(para, idx, head, end, lang))
    return out


def _content(text: str, start: int, end: int, para: _Paragraph) -> tuple[int, int] | None:
    start, end = _strip(text, start, end, " \t\n,;:-–—.")
    if not _ENOUGH_WORDS.match(text, start, end):
        return None
    if para.within_one_quote(start, end):
        return None  # all inside one direct quote: that quote already says it
    return start, end


def _according_first(para: _Paragraph, head: int, end: int, lang: LanguageData) -> _Draft | None:
    """Menurut X, CONTENT. / According to X, CONTENT."""
    text = para.text
    cue = _according(text, head, lang)
    if cue is None:
        return None
    comma = text.find(",", head, end)
    if comma != -1:
        # "Menurut kuasa hukum tersangka, Dewi Anggraini, ...": the name set off after the role.
        second = text.find(",", comma + 1, min(end, comma + 60))
        name = text[comma + 1 : second].split() if second != -1 else []
        if 0 < len(name) <= 4 and all(w[:1].isupper() for w in name):
            comma = second
    span = _content(text, comma + 1, end, para) if comma != -1 else None
    if span is None:
        return None
    cue_end = head + len(cue)
    token = _Token(cue, cue.lower(), head, cue_end)
    speaker = _strip(text, cue_end, comma)
    if speaker[0] >= speaker[1]:  # "Menurutnya, ...": the clitic is the previous speaker
        return _Draft(token, *span, "indirect", None, _PREVIOUS, para.index)
    return _Draft(token, *span, "indirect", speaker, _PHRASE, para.index)


def _cue_last(para: _Paragraph, idx: Sequence[int], head: int, end: int, lang: LanguageData) -> _Draft | None:
    """CONTENT, kata X. / CONTENT, katanya. / CONTENT, menurut X. / CONTENT, X said."""
    text, tokens = para.text, para.tokens
    for n in range(len(idx) - 1, 0, -1):
        i = idx[n]
        tok = tokens[i]
        if _cue_kind(tok, lang) != "speech" or tok.start in para.used_cues or para.in_quote(tok.start):
            continue
        sp: tuple[int, int] | None
        if "," in text[tokens[i - 1].end : tok.start] and tok.lower in lang.inverted_cues:
            # "..., kata X" with only the speaker and adjuncts ("pada hari Selasa") after it.
            clitic = _is_clitic_cue(tok, lang)
            phrase = _according(text, tok.start, lang)
            skip = len(phrase.split()) - 1 if phrase else 0  # "according to X": X follows "to"
            sp = None if clitic else _speaker_after(text, tokens, i + skip, end, lang)
            rest = para.token_range(sp[1] if sp else tok.end, end, i + 1)
            if (sp is None and not clitic) or len(rest) > 12 or any(_cue_kind(tokens[r], lang) for r in rest):
                continue
            if lang.finite_verbs and any(tokens[r].lower in lang.finite_verbs
                                         for r in para.token_range(tok.end, end, i + 1)):  # fmt: skip
                continue  # "..., said buyers in Malaysia had been waiting": a subject, not a speaker
            phrase_words = para.token_range(*sp, i + 1) if sp else range(0)
            if len(phrase_words) > MAX_INVERTED_WORDS and not any(tokens[r].text[:1].isupper() for r in phrase_words):
                continue  # "..., said the deal risked letting polluters buy cheap offsets": a clause
            content_end = tokens[idx[n - 1]].end
        elif not _HAS_WORD.search(text, tok.end, end) and (comma := para.last_comma(head, tok.start)) != -1:
            # "..., Putin said." / "..., he added."
            between = _tokens(para.doc, comma + 1, tok.start)
            if not between or len(between) > 6:
                continue
            first = between[0]
            role = any(t.text[:1].isupper() for t in between[1:])  # "..., airport operator PT Dewata said."
            if not (first.text[:1].isupper() or first.lower in lang.pronouns or first.lower in lang.stopwords or role):
                continue
            sp = (first.start, between[-1].end)
            content_end = comma
        else:
            continue
        span = _content(text, head, content_end, para)
        if span is None:
            continue
        para.used_cues.add(tok.start)
        return _Draft(tok, *span, "indirect", sp, _PHRASE if sp else _PREVIOUS, para.index)
    return None


def _cue_first(para: _Paragraph, idx: Sequence[int], head: int, end: int, lang: LanguageData) -> list[_Draft]:
    """X mengatakan (bahwa) CONTENT. / X was accused of CONTENT. / Tuduhan yang dibantah oleh X.

    Several clauses may share a sentence ("Kim dituduh ..., sementara Putin diperkirakan
    ..."); a cue inside an earlier clause's content belongs to that content."""
    text, tokens = para.text, para.tokens
    according = {p.split()[0] for p in lang.according_to}
    out: list[_Draft] = []
    taken_until = head
    last_cue_end = head
    in_sentence = bisect.bisect_right(para.ends, end)  # tokens before this index end by `end`
    opening: list[tuple[int, int] | None] = []  # the sentence's subject, found once if asked for
    # The checks that need no subject come first: a subject is a walk back over the clause,
    # and a sentence of cue words must not take one walk per word.
    for n, i in enumerate(idx):
        tok = tokens[i]
        kind = _cue_kind(tok, lang)
        participle = n > 0 and tok.lower in lang.participle_cues and "," in text[tokens[i - 1].end : tok.start]
        if kind is None and participle:
            kind = "speech"  # "..., adding that ...": speech here, though "a heat warning" is none
        if kind is None or tok.start in para.used_cues or para.in_quote(tok.start) or tok.lower in according:
            continue
        if tok.start < taken_until and para.last_comma(last_cue_end, tok.start) == -1:
            continue  # inside the previous clause's content (no comma before a new subject)
        passive = _is_passive(tokens, i, lang)
        relative = n > 0 and tokens[i - 1].lower in lang.relatives and not passive
        after = tokens[i + 1 : min(in_sentence, i + 5)]
        if kind == "speech" and _not_speech(tokens, i, n, after, lang):
            continue
        noun = tok.lower in lang.accusation_nouns or (n == 0 and tok.text[:1].isupper())
        if noun and not (after and after[0].lower in lang.complementizers):
            continue  # "Tuduhan itu ..." refers back; it is not a claim of its own
        floor = para.quote_floor(tok.start, max(head, last_cue_end))
        subject = _participle_subject(para, idx[:n], lang) if participle else None
        if subject is None and n > 0:
            subject = _subject_before(para, i, floor, lang, passive)
        if relative and subject is None:
            continue  # "yang menyebut" / "who said" about no one named
        if tok.start < taken_until and not participle and (
            subject is None or para.last_comma(last_cue_end, subject[0]) == -1
        ):
            continue  # inside the previous clause's content; "..., saying" starts a clause of its own
        how = _PHRASE
        if subject is None and n > 0 and (tokens[i - 1].lower in lang.list_conjunctions
                                          or tokens[i - 1].lower in lang.clause_openers):
            # "..., but told his supporters ..." / "dan menyebut ...": the sentence's subject.
            if not opening:
                opening.append(_sentence_subject(text, tokens, idx, lang))
            subject = opening[0]
            how = _PHRASE if subject else _PREVIOUS
        if kind == "speech" and subject is None and how == _PHRASE:
            continue
        agent = _agent(text, tokens, i, end, lang) if passive else None
        content_from = agent[1] if agent else tok.end
        for t in after[:4]:
            if t.lower in lang.complementizers:
                content_from = t.end
                break
            if t.lower not in lang.speaker_stops and t.lower not in lang.auxiliaries:
                break
        boundary = tok.start if participle else (subject or (tok.start, 0))[0]
        if out and out[-1].end > boundary:
            # The previous clause ends at the comma before this one's subject (or participle).
            cut = para.last_comma(out[-1].start, boundary)
            if cut != -1:
                out[-1].end = _strip(text, out[-1].start, cut)[1]
        if kind == "speech":
            span = _content(text, content_from, end, para)
            if span is None:
                continue
            out.append(_Draft(tok, *span, "indirect", subject, how, para.index))
        else:
            # A passive subject is what the claim is about, so it belongs to the content.
            c_start, c_end = _strip(text, content_from, end, " \t\n,;:-–—.")
            if passive and subject is not None:
                c_start, c_end = subject if agent else (subject[0], c_end)
            if c_start >= c_end:
                continue
            holder = agent if passive else subject
            out.append(_Draft(tok, c_start, c_end, kind, holder, _PHRASE if holder else _NOBODY, para.index,
                              passive))
        para.used_cues.add(tok.start)
        taken_until = out[-1].end
        last_cue_end = tok.end
    return out


def _not_speech(tokens: list[_Token], i: int, n: int, after: Sequence[_Token], lang: LanguageData) -> bool:
    """Whether the speech verb at token i (the n-th of its sentence) has another sense here:
    a purpose ("dilakukan untuk memastikan ...": to make sure) or an aspect verb ("aftershocks
    continued to rattle the area"; but "continued to say that ...")."""
    if n > 0 and tokens[i - 1].lower in lang.purpose_markers:
        return True
    if tokens[i].lower in lang.aspect_cues and after and after[0].lower in lang.infinitive_markers:
        return not any(t.lower in lang.complementizers for t in after[1:])
    return False


def _sentence_subject(
    text: str, tokens: list[_Token], idx: Sequence[int], lang: LanguageData
) -> tuple[int, int] | None:
    """The capitalised name that opens a sentence ("Carson did not ..., but told ...")."""
    run: list[_Token] = []
    for i in idx:
        tok = tokens[i]
        if tok.lower in lang.clause_openers and not run:
            continue
        if not tok.text[:1].isupper() or (run and "," in text[run[-1].end : tok.start]):
            break
        run.append(tok)
    if not run or (len(run) == 1 and run[0].lower in lang.stopwords and run[0].lower not in lang.pronouns):
        return None
    return run[0].start, run[-1].end


def _agent(text: str, tokens: list[_Token], i: int, end: int, lang: LanguageData) -> tuple[int, int] | None:
    """ "dibantah oleh kedua negara" -> the span of "kedua negara"; where the verb's form
    alone makes it passive, a name right after it is its agent too ("dibantah Rudianto")."""
    for j in range(i + 1, min(i + 3, len(tokens))):
        if tokens[j].lower in lang.agent_words:
            return _speaker_after(text, tokens, j, end, lang)
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    if not lang.passive_markers and following is not None and following.end <= end and following.text[:1].isupper() \
            and following.lower not in lang.stopwords and not _breaks(text[tokens[i].end : following.start], ",.;:"):
        return _speaker_after(text, tokens, i, end, lang)
    return None


def _link_denials(claims: list[Claim], lang: LanguageData) -> None:
    """A denial of "the accusation" ("Tuduhan yang dibantah ...", "denied the allegations")
    denies the nearest accusation or claim before it in the article."""
    last: int | None = None  # the nearest accusation, claim or report so far
    for k, claim in enumerate(claims):
        if claim.kind in ("accusation", "claim", "report"):
            last = k
        if claim.kind != "denial" or last is None:
            continue
        if any(w.lower().strip(",.") in lang.accusation_nouns for w in claim.content.split(None, 3)[:3]):
            claims[k] = replace(claim, denies=last)
