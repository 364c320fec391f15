"""Figures in the text: what they count and the range of values they can mean.

"12.000" is twelve thousand in Indonesian and "1,2 juta" is 1,200,000; "puluhan
ribu" is any value from 20,000 to 99,999; "hingga 12.000" is at most 12,000. Each
quantity becomes a closed range [low, high] (high None = unbounded), so two
figures for the same thing conflict exactly when their ranges do not meet.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import accumulate

from kabar.lang import LanguageData
from kabar.model import Quantity, TimeMention
from kabar.text import words

# How far "sekitar" / "about" stretches a figure either way, and "hampir" / "nearly" below it.
ABOUT = 0.15
NEARLY = 0.15
_NUMERAL = r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=8)
def _pattern(lang: LanguageData) -> re.Pattern[str]:
    qualifiers = _alternation(lang.qualifiers)
    currencies = _alternation([c for c in lang.currencies if not c.isalpha() or len(c) <= 3])
    scales = _alternation(lang.scale_words)
    vague = _alternation(lang.vague_amounts)
    joiners = _alternation(lang.vague_joiners) if lang.vague_joiners else ""
    number_words = _alternation(lang.number_words)
    percent = _alternation(lang.percent_words)
    vague_scale = rf"(?:\s+(?:(?:{joiners})\s+)?(?P<vscale>{scales}|{vague}))?" if joiners else (
        rf"(?:\s+(?P<vscale>{scales}))?"
    )
    return re.compile(
        rf"(?<![\w/.,:-])(?:(?P<qual>{qualifiers})\s+)?"
        rf"(?:(?P<cur>{currencies})\.?\s?)?"
        rf"(?:(?P<num>{_NUMERAL})|(?P<word>{number_words})(?=\s+(?:{scales})\b)|(?P<vague>{vague}){vague_scale})"
        rf"(?:\s?(?P<scale>{scales})\b)?"
        rf"(?:\s?(?P<pct>{percent}))?"
        rf"(?![\w/:]|[.,]\d)",
        re.IGNORECASE,
    )


_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.!?]|\n")


@lru_cache(maxsize=8)
def _amount_words(lang: LanguageData) -> frozenset[str]:
    """Words that can make a figure without a digit: "puluhan", "ribuan", "tiga juta"."""
    return frozenset(w for phrase in (*lang.vague_amounts, *lang.number_words) for w in phrase.split())


def parse_numeral(raw: str, lang: LanguageData) -> float | None:
    """ "12.000" -> 12000 and "1,2" -> 1.2 in Indonesian; the English way round in English.
    The last mark is decimal when it is the language's decimal mark or is not followed
    by exactly three digits, and the marks are not all alike ("1.234.567")."""
    marks = [(i, c) for i, c in enumerate(raw) if c in ".,"]
    decimal_at = -1
    if marks:
        last, mark = marks[-1]
        all_alike = len(marks) > 1 and all(c == mark for _, c in marks)
        if not all_alike and (mark == lang.decimal_separator or len(raw) - last - 1 != 3):
            decimal_at = last
    digits = "".join("." if i == decimal_at else c for i, c in enumerate(raw) if c not in ".," or i == decimal_at)
    try:
        return float(digits)
    except ValueError:
        return None


def _counted(text: str, end: int, lang: LanguageData) -> tuple[str | None, int]:
    """The word a figure counts: "12.000 tentara Korea Utara" -> "tentara"; never a word
    of the next sentence or paragraph ("Rp 86 miliar. Penerimaan ...")."""
    window = text[end : end + 60]
    stop = _SENTENCE_END.search(window)
    for m in re.finditer(r"[\w-]+", window[: stop.start()] if stop else window):
        word = m.group(0)
        low = word.lower()
        if low in lang.counted_aliases or low in lang.currencies:
            return low, end + m.end()
        if low in lang.counted_skip or (lang.capitals_are_names and word[:1].isupper()):
            continue
        if low in lang.stopwords or low.isdigit() or not low.isalpha():
            return None, end
        return low, end + m.end()
    return None, end


def quantities(
    text: str,
    paragraphs: Sequence[tuple[int, int]],
    lang: LanguageData,
    time_mentions: Sequence[TimeMention] = (),
) -> list[Quantity]:
    """Every figure in the text that is not part of a date or a time."""
    # A figure overlaps a date when one starting before its end reaches past its start:
    # dates sorted by start, with the furthest end reached so far, answer that by bisection.
    dated = sorted((t.start, t.end) for t in time_mentions)
    dated_starts = [s for s, _ in dated]
    dated_reach = list(accumulate((e for _, e in dated), max))
    out: list[Quantity] = []
    pattern = _pattern(lang)
    amount_words = _amount_words(lang)
    for index, (p_start, p_end) in enumerate(paragraphs):
        segment = text[p_start:p_end]
        if not _DIGIT.search(segment) and amount_words.isdisjoint(words(segment)):
            continue  # no digit and no number word: nothing to read, and the big pattern is not cheap
        for m in pattern.finditer(text, p_start, p_end):
            k = bisect_left(dated_starts, m.end()) - 1
            if k >= 0 and dated_reach[k] > m.start():
                continue
            if m.start() == p_start and text[m.end() : m.end() + 1] in ".)":
                continue  # "1. ..." numbers a list item
            before = text[max(p_start, m.start() - 12) : m.start()].split()
            if before and before[-1].lower() in lang.time_words:
                continue  # "pukul 19.10" is a clock time
            if _in_name(text, m, before):
                continue  # "SDN 2 Pakenjeng", "Komisi 4 DPR": a number in a name
            quantity = _quantity(text, m, index, lang)
            if quantity is not None:
                out.append(quantity)
    return out


def _in_name(text: str, m: re.Match[str], before: Sequence[str]) -> bool:
    """Whether a bare number stands between two capitalised words, inside a name ("SDN 2
    Pakenjeng"), rather than counting anything."""
    if not m.group("num") or any(m.group(g) for g in ("qual", "cur", "scale", "pct")):
        return False
    if not before or not before[-1][:1].isupper() or not text[m.end() : m.end() + 1].isspace():
        return False
    following = text[m.end() + 1 : m.end() + 2]
    return following.isupper()


def _quantity(text: str, m: re.Match[str], index: int, lang: LanguageData) -> Quantity | None:
    qual = lang.qualifiers.get(m.group("qual").lower()) if m.group("qual") else None
    scale = lang.scale_words.get(m.group("scale").lower(), 1) if m.group("scale") else 1
    vague = False
    if m.group("num"):
        value = parse_numeral(m.group("num"), lang)
        if value is None:
            return None
        # A bare year ("tahun 2001") is a date, not a quantity; "2.000" / "2,000" is not a year.
        bare = m.group("num").isdigit()
        if bare and scale == 1 and not m.group("cur") and not m.group("pct") and 1900 <= value <= 2100:
            return None
        low = high = value * scale
    elif m.group("word"):
        low = high = float(lang.number_words[m.group("word").lower()] * scale)
    else:
        lo, hi = lang.vague_amounts[m.group("vague").lower()]
        vscale = (m.group("vscale") or "").lower()
        if vscale in lang.scale_words:
            lo, hi = lo * lang.scale_words[vscale], hi * lang.scale_words[vscale] + lang.scale_words[vscale] - 1
        elif vscale in lang.vague_amounts:  # "tens of thousands": tens x a thousand
            step = lang.vague_amounts[vscale][0] // 2
            lo, hi = lo * step, (hi + 1) * step - 1
        low, high = float(lo * scale), float(hi * scale)
        vague = True
    bounded: tuple[float, float | None] = _qualify(low, high, qual)
    currency = lang.currencies.get(m.group("cur").lower().rstrip(".")) if m.group("cur") else None
    counted, end = _counted(text, m.end(), lang)
    if m.group("pct"):
        unit: str | None = "percent"
        counted, end = None, m.end()
    elif currency or counted in lang.currencies:
        unit = currency or lang.currencies[counted or ""]
    elif counted:
        unit = lang.counted_aliases.get(counted, counted)
    else:
        unit = None
    start = m.start()
    return Quantity(text[start:end], bounded[0], bounded[1], qual, unit, counted, start, end, index, vague)


def _qualify(low: float, high: float, qualifier: str | None) -> tuple[float, float | None]:
    if qualifier == "up_to" or qualifier == "less_than":
        return 0.0, high
    if qualifier in ("more_than", "at_least"):
        return low, None
    if qualifier == "about":
        return low * (1 - ABOUT), high * (1 + ABOUT)
    if qualifier == "nearly":
        return low * (1 - NEARLY), high
    return low, high


def overlap(a: Quantity, b: Quantity, tolerance: float = 0.02) -> bool:
    """Whether two figures can both be true (exact figures may differ by rounding)."""
    a_high = float("inf") if a.high is None else a.high * (1 + tolerance)
    b_high = float("inf") if b.high is None else b.high * (1 + tolerance)
    return a.low * (1 - tolerance) <= b_high and b.low * (1 - tolerance) <= a_high
