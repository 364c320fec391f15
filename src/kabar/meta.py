"""Metadata: publication time, header lines, outlet, dateline, language, and the
relative time expressions in the text.

Publication dates come only from where a site prints them (a date line in the
header, HTML metadata, a container field). A year in the body is never a date.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from calendar import monthrange
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from kabar.lang import OUTLET_SUFFIXES, LanguageData, all_languages, get, known
from kabar.model import TimeMention
from kabar.text import key, words

_LANGS = all_languages()
_MONTHS: dict[str, int] = {k: v for lang in _LANGS for k, v in lang.months.items()}
_WEEKDAYS: dict[str, int] = {k: v for lang in _LANGS for k, v in lang.weekdays.items()}
_TIMEZONES: dict[str, str] = {k: v for lang in _LANGS for k, v in lang.timezones.items()}
_DATEPARSER_LANGUAGES = [lang.dateparser for lang in _LANGS if lang.dateparser]
_PLACES: set[str] = {p for lang in _LANGS for p in lang.places}
_COUNTRIES: set[str] = {c for lang in _LANGS for c in lang.countries}

_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_WEEKDAY_RE = "|".join(sorted((re.escape(d) for d in _WEEKDAYS), key=len, reverse=True))
_ORDINAL = "|".join(w for lang in _LANGS for w in lang.ordinal_suffixes)
_TIME_WORDS = "|".join(re.escape(w) for lang in _LANGS for w in lang.time_words)
_TZ_RE = "|".join(sorted((re.escape(t) for t in _TIMEZONES), key=len, reverse=True))

_TIME = r"(?P<hh>\d{1,2})[:.](?P<mi>\d{2})(?::(?P<ss>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?"
_TZ = rf"(?:(?P<tz>{_TZ_RE})\b|(?P<off>[+-]\d{{2}}:?\d{{2}}))"
_SEP = r"\s*[-/.,| ]\s*"
# "16 September 2024", "12 - Nov - 2024", "03/10/2024", "October 3, 2024"
_DATE_FORMS = [
    rf"(?P<d>\d{{1,2}}){_SEP}(?P<mon>{_MONTH_RE})\.?{_SEP}(?P<y>(?:19|20)\d{{2}})",
    rf"(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:{_ORDINAL})?,?\s+(?P<y>(?:19|20)\d{{2}})",
    r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>(?:19|20)\d{2})",
    r"(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})",
]
_DATE_RES = [
    re.compile(
        rf"^\W*(?:(?:{_WEEKDAY_RE})\W+)?{form}(?:\W+(?:{_TIME_WORDS})?\s*{_TIME})?\s*{_TZ}?\W*$",
        re.IGNORECASE,
    )
    for form in _DATE_FORMS
]
# Words a date line may carry besides the date itself ("Diperbarui", "Published").
_DATE_LINE_WORDS = re.compile(
    rf"^\s*(?:{'|'.join(w for lang in _LANGS for w in lang.date_line_words)})"
    rf"(?:\s+(?:{'|'.join(w for lang in _LANGS for w in lang.day_prefixes)}))?\s*:?\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ParsedDate:
    value: datetime
    has_time: bool
    offset: str | None  # "+07:00" when the source names a zone
    # Written in digits that read as a date either way ("05/02/2013"): read day first here,
    # settled by `settle_day_month` once the URL and the language are known.
    swappable: bool = False

    def swapped(self) -> ParsedDate:
        """The month-first reading of a `swappable` date."""
        value = self.value.replace(month=self.value.day, day=self.value.month)
        return ParsedDate(value, self.has_time, self.offset)

    def iso(self) -> str:
        # isoformat, not strftime: strftime writes year 1 as "1", not "0001".
        if not self.has_time:
            return self.value.date().isoformat()
        return self.value.replace(tzinfo=None).isoformat(timespec="seconds") + (self.offset or "")


def parse_date_line(line: str) -> ParsedDate | None:
    """Parse a line that holds only a date (and time, zone, weekday).

    Site formats such as "Senin, 16 September 2024 - 19:10 WIB" or
    "12 - Nov - 2024, 04:00" are read by pattern; anything else that still looks
    like a short date line goes to dateparser.
    """
    text = _DATE_LINE_WORDS.sub("", line.strip())
    if not text or len(text) > 80 or not re.search(r"(?:19|20)\d{2}", text):
        return None
    for pattern in _DATE_RES:
        m = pattern.match(text)
        if m:
            return _from_match(m)
    return _dateparser_fallback(text)


def _from_match(m: re.Match[str]) -> ParsedDate | None:
    g = m.groupdict()
    month = _MONTHS.get(g["mon"].lower().rstrip(".")) if g.get("mon") else int(g["m"])
    if month is None:
        return None
    hour = minute = second = 0
    has_time = g.get("hh") is not None
    if has_time:
        hour, minute, second = int(g["hh"]), int(g["mi"]), int(g["ss"] or 0)
        ampm = (g.get("ampm") or "").replace(".", "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
    day = int(g["d"])
    if g.get("m") is not None and month > 12 >= day:
        month, day = day, month  # "02/25/2013": only month first is a date
    try:
        value = datetime(int(g["y"]), month, day, hour, minute, second)
    except ValueError:
        return None
    swappable = g.get("m") is not None and month != day and day <= 12
    offset = None
    if g.get("tz"):
        offset = _TIMEZONES[g["tz"].upper()]
    elif g.get("off"):
        raw = g["off"].replace(":", "")
        offset = f"{raw[:3]}:{raw[3:]}"
    return ParsedDate(value, has_time, offset, swappable)


# A date in a URL's path: "/2007-04-09-office-shooting", "/2013/05/02/", "/20130502".
_URL_DATE = re.compile(r"/((?:19|20)\d{2})([/-]?)(\d{2})\2(\d{2})(?!\d)")


def url_date(url: str | None) -> date | None:
    """The calendar date a URL's path names, if any."""
    m = _URL_DATE.search(url or "")
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    except ValueError:
        return None


def settle_day_month(parsed: ParsedDate, url: str | None, lang: LanguageData) -> ParsedDate:
    """Read a date written in digits either way ("05/02/2013") by the URL's date when it
    names one of the two readings, else by the convention of the page's language."""
    if not parsed.swappable:
        return parsed
    other = parsed.swapped()
    named = url_date(url)
    if named is not None and named in (parsed.value.date(), other.value.date()):
        return other if named == other.value.date() else parsed
    return other if lang.month_first_numeric else parsed


@lru_cache(maxsize=4096)
def _dateparser_fallback(text: str) -> ParsedDate | None:
    # Only short lines made of date-like tokens reach dateparser; it is slow and
    # generous, and would otherwise read "tahun 1961" as a date.
    tokens = words(text)
    if len(tokens) > 9:
        return None
    datey = sum(1 for t in tokens if t.isdigit() or t in _MONTHS or t in _WEEKDAYS or t.upper() in _TIMEZONES)
    if datey < len(tokens) - 2 or not any(t in _MONTHS for t in tokens):
        return None
    import dateparser

    tz = next((t.upper() for t in tokens if t.upper() in _TIMEZONES), None)
    stripped = re.sub(rf"\b({_TZ_RE})\b", "", text) if tz else text
    try:
        parsed = dateparser.parse(
            stripped,
            languages=_DATEPARSER_LANGUAGES,
            settings={"DATE_ORDER": "DMY", "STRICT_PARSING": True, "RETURN_AS_TIMEZONE_AWARE": False},
        )
    except (ValueError, OverflowError):  # a number it reads as an impossible date or offset
        return None
    if parsed is None:
        return None
    has_time = bool(re.search(r"\d{1,2}[:.]\d{2}", text))
    return ParsedDate(parsed, has_time, _TIMEZONES[tz] if tz else None)


def normalize_published(value: object) -> str | None:
    """Normalise a container-supplied publication time (JSONL field, HTML metadata);
    None for anything that is not a string holding a date."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        line = parse_date_line(text)
        return line.iso() if line else None
    if len(text) <= 10:
        return parsed.date().isoformat()
    return parsed.isoformat()


# --- outlet -----------------------------------------------------------------

_DOMAIN_LINE = re.compile(r"^(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,6})/?$", re.IGNORECASE)


def site_line_domain(line: str) -> str | None:
    """ "visitaaponce.com" on a line of its own names the site."""
    m = _DOMAIN_LINE.match(line.strip())
    return m.group(1).lower() if m else None


def outlet_from_url(url: object) -> str | None:
    """The host a URL names, without "www."; None for anything it cannot read (not a
    string, not http(s), no host, a malformed one such as "http://[x]/a")."""
    if not isinstance(url, str) or not url.strip():
        return None
    scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*+):(?!\d)", url.strip())
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return None  # "javascript:..." names no outlet
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:  # urllib refuses a bracketed host that is not an IPv6 address
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


# --- dateline ---------------------------------------------------------------

_DATELINE = re.compile(
    # Possessive runs: what may follow a place's letters is never one of them.
    r"^(?P<place>[A-Z][A-Z'.]++(?:\s+[A-Z][A-Z'.]++){0,3}|[A-Z][a-z]++(?:\s+[A-Z][a-z]++){0,2}(?=\s*+[,(]))"
    r"(?:\s*,\s*(?P<after>[^-–—(),]{2,40}?))?"
    r"(?:\s*\((?P<credit>[^)]{1,40})\))?"
    # The dash has a space on at least one side ("JAKARTA -Wakil" is written too), so a
    # hyphenated word is never a dateline.
    r"(?:\s*+(?:[-–—]++|:)\s++|\s++[-–—]++)(?=\S)"
)


# A site's own domain in dateline position, "Suara.com - " (a domain after a place,
# "JAKARTA, KOMPAS.com - ", is the place form above).
_DOMAIN_DATELINE = re.compile(r"(?P<domain>[A-Za-z][\w-]*+(?:\.[A-Za-z]{2,6})+)\s*+[-–—]++\s++(?=\S)")


@dataclass(frozen=True, slots=True)
class Dateline:
    prefix: str  # the exact text to take off the paragraph
    place: str | None
    brand: str | None  # a media brand written where the place usually goes
    credit: str | None  # "(KBN)", "(ANTARA)": the agency credited


def find_dateline(paragraph: str, brand_tokens: frozenset[str] = frozenset()) -> Dateline | None:
    """Read "MOSKOW - ", "PALU (KBN) - ", "Jakarta, Cakrawala — ", "JATIMTIMES - ".

    A token is a brand rather than a place when it is not a known place and either
    ends like a media name or recurs as the dateline of many articles of one site
    (`brand_tokens`, from the corpus).
    """
    m = _DATELINE.match(paragraph)
    if not m:
        if domain := _DOMAIN_DATELINE.match(paragraph):
            return Dateline(domain.group(0), None, domain.group("domain").lower(), None)
        return None
    place = m.group("place").strip()
    after = (m.group("after") or "").strip() or None
    credit = (m.group("credit") or "").strip() or None
    place_key = place.lower()
    if place_key in _PLACES:
        brand = after if after and after.lower() not in _PLACES | _COUNTRIES else None
        return Dateline(m.group(0), place.upper(), brand, credit)
    if place_key.endswith(OUTLET_SUFFIXES) or place_key in brand_tokens:
        return Dateline(m.group(0), None, place, credit)
    if place.isupper() or after or credit:
        brand = after if after and after.lower() not in _PLACES | _COUNTRIES else None
        return Dateline(m.group(0), place.upper(), brand, credit)
    return None


def without_dateline(paragraph: str, brand_tokens: frozenset[str] = frozenset()) -> tuple[str, Dateline | None]:
    """The paragraph with its dateline taken off (and a dash left over by tokenised
    sources, "Jakarta, CNN Indonesia - - "), and the dateline, if it has one."""
    dateline = find_dateline(paragraph, brand_tokens)
    if dateline is None:
        return paragraph, None
    return paragraph[len(dateline.prefix) :].lstrip("-–— "), dateline


def dateline_token(paragraph: str) -> str | None:
    """The word(s) in dateline position, for counting brand datelines across a site."""
    m = _DATELINE.match(paragraph)
    return m.group("place").strip().lower() if m else None


# --- language ---------------------------------------------------------------

# Enough text to tell the languages apart; classifying whole articles only costs time.
LANGUAGE_SAMPLE_CHARS = 1000
# Languages told apart from a close neighbour by marker words (Malay from Indonesian):
# the function-word profile leaves them out, and the neighbour's verdict is settled by markers.
_VARIANTS: dict[str, list[LanguageData]] = {}
for _lang in _LANGS:
    if _lang.variant_of:
        _VARIANTS.setdefault(_lang.variant_of, []).append(_lang)
_PROFILED = [lang for lang in _LANGS if not lang.variant_of]
_VARIANT_MARKERS: frozenset[str] = frozenset(w for vs in _VARIANTS.values() for v in vs for w in v.markers)


def detect_language(text: str) -> str:
    """A registered language's code ("id", "en", "ms") or "other".

    py3langid ranks the languages; Indonesian and Malay are close, so the choice
    between them is settled by words only one of them uses (`LanguageData.variant_of`).
    """
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    toks = words(sample)
    if len(toks) < 3:
        return "other"
    code = _profile_language(toks)
    if code is None:
        import py3langid

        code, _ = py3langid.classify(sample)
    if known(code):
        return _settle_variant(get(code), toks)
    # Short or noisy text can fool the classifier; fall back to marker counts.
    scores = {lang.code: sum(1 for t in toks if t in lang.markers) for lang in _LANGS}
    best = max(scores, key=lambda c: scores[c])
    return best if scores[best] >= max(3, len(toks) // 20) else "other"


def _settle_variant(lang: LanguageData, toks: list[str]) -> str:
    """`lang`, or the close neighbour of it whose markers outnumber those of `lang`'s base
    language (a tie goes to the base), counted as distinct words, at least
    VARIANT_MIN_MARKERS of them."""
    base = get(lang.variant_of) if lang.variant_of else lang
    present = set(toks)
    best, most = base.code, max(len(present & base.markers), VARIANT_MIN_MARKERS - 1)
    for variant in _VARIANTS.get(base.code, []):
        n = len(present & variant.markers)
        if n > most:
            best, most = variant.code, n
    return best


# Distinct marker words a text needs to be a variant rather than its base language. On
# IndoSum dev, 6 of the 2,424 Indonesian articles hold one Malay marker ("kerajaan" is also
# Indonesian for a kingdom, "ialah" and "berkata" formal Indonesian), several times over
# ("kerajaan" six times in one); the Malay demo articles hold at least three.
VARIANT_MIN_MARKERS = 2


def _profile_language(toks: list[str]) -> str | None:
    """Decide from function words alone when the text leaves no doubt (most news
    does); the classifier settles the rest. A text with a variant's markers (Malay)
    is left to the classifier."""
    if len(toks) < 30:
        return None
    counts = Counter(toks)
    shares = {
        lang.code: sum(counts[w] for w in lang.stopwords if w in counts) / len(toks) for lang in _PROFILED
    }
    best = max(shares, key=lambda c: shares[c])
    others = max(v for c, v in shares.items() if c != best)
    variant = not _VARIANT_MARKERS.isdisjoint(counts)
    if shares[best] >= PROFILE_MIN_SHARE and others <= PROFILE_MAX_OTHER and not variant:
        return best
    return None


# Function-word shares that settle the language without the classifier.
PROFILE_MIN_SHARE = 0.12
PROFILE_MAX_OTHER = 0.03


# --- relative time expressions ----------------------------------------------


@dataclass(slots=True)
class _Spans:
    """Spans already read, disjoint and sorted, so a text naming thousands of days
    ("kemarin kemarin …") checks each new one against its two neighbours, not all."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def take(self, start: int, end: int) -> bool:
        """Take [start, end) if it overlaps no span taken before."""
        i = bisect_right(self.starts, start)
        if (i and self.ends[i - 1] > start) or (i < len(self.starts) and self.starts[i] < end):
            return False
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        return True


@dataclass(frozen=True)
class _TimePatterns:
    # One pass over lower-cased text finds every relative expression: Python's
    # regex engine is slow with many case-insensitive scans.
    relative: re.Pattern[str]
    day_prefix: re.Pattern[str]  # "pada hari" before a weekday belongs to the mention
    weekday_before: re.Pattern[str]  # a weekday right before "(6/1)", which checks it


@lru_cache(maxsize=8)
def _time_patterns(lang: LanguageData) -> _TimePatterns:
    def alternation(items: list[str] | dict[str, int]) -> str:
        return "|".join(re.escape(x) for x in sorted(items, key=len, reverse=True))

    months = [k for k in lang.months if len(k) > 3]
    relative = (
        rf"\b(?:(?P<month_prefix>{alternation(lang.month_prefixes)})\s++(?P<month>{alternation(months)})(?!\s++\d)"
        rf"|(?P<last_week>{alternation(lang.last_week)})"
        rf"|(?P<last_month>{alternation(lang.last_month)})"
        rf"|(?P<day>{alternation(lang.relative_days)})"
        rf"|(?P<weekday>{alternation(lang.weekdays)}))\b"
    )
    return _TimePatterns(
        relative=re.compile(relative),
        day_prefix=re.compile(rf"\b(?:{alternation(lang.day_prefixes)})\s+$"),
        weekday_before=re.compile(rf"\b({alternation(lang.weekdays)}),?\s*$", re.IGNORECASE),
    )


def _year_of(anchor: date, month: int) -> int:
    """The year of a month named without one: `anchor`'s, or the year before if the month is still ahead."""
    return anchor.year if month <= anchor.month else anchor.year - 1


def _before(anchor: date, day: int, month: int) -> date | None:
    """Day and month without a year, in `_year_of`'s year (None: no such day)."""
    try:
        return date(_year_of(anchor, month), month, day)
    except ValueError:
        return None


# Date arithmetic that stays inside the calendar: a mention that would fall before
# 1 January 1 or after 31 December 9999 (an anchor at the edge of the range, from a
# CMS's null date "0001-01-01") is dropped, not raised.


def _shift(day: date, days: int) -> date | None:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def _month(year: int, month: int) -> tuple[date, date] | None:
    """The first and last day of a month (None outside the calendar)."""
    if not MINYEAR <= year <= MAXYEAR:
        return None
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_DAY_MONTH = re.compile(r"\((\d{1,2})/(\d{1,2})\)")
_DAY_MONTH_YEAR = re.compile(r"\((\d{1,2})/(\d{1,2})/((?:19|20)\d{2})\)")  # "Selasa (19/11/2024)"


def day_marks(text: str, mentions: Sequence[TimeMention]) -> list[str]:
    """The calendar days (month-day, no year) an article names in digits: its resolved
    dates ("19 November 2024"), and the "(14/11)" of Indonesian news, which needs no
    publication date to say which day of the year is meant. Relative words ("hari ini",
    "on Wednesday") are left out: they restate the publication day, and a background
    piece months later says "today" of its own day, not of the event's.

    Two reports of one event name the same days ("Selasa (14/11)"); two hearings of one
    case, weeks apart, name different ones. Over the IndoSum dev stream's gold, of the
    pairs of articles of one matter that both name a "(d/m)" day, 1,918 of 1,970 in
    different events named no day in common, against 23 of 62 in one event."""
    marks = {m.date[5:] for m in mentions if m.end_date is None and any(c.isdigit() for c in m.text)}
    for m in _DAY_MONTH.finditer(text):
        day, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1 <= day <= 31:
            marks.add(f"{month:02d}-{day:02d}")
    return sorted(marks)


def resolve_time_mentions(text: str, published: str | None, lang: LanguageData) -> list[TimeMention]:
    """Resolve dates and relative expressions in `text` against the publication date.

    "pada hari Senin" in an article of Tuesday 12 Nov 2024 is Monday 11 Nov 2024;
    "bulan Juni" is June of that year (or the year before, if June is still ahead);
    "pekan lalu" is the week before; "(12/11)" is 12 November, "(12/11/2024)" too.

    Without a publication date, only full dates ("19/11/2024", "19 November 2024") are
    read: they need no anchor, and they still place an undated article in time.
    """
    anchor: date | None = None
    if published:
        try:
            anchor = date.fromisoformat(published[:10])
        except ValueError:
            anchor = None
    found: list[TimeMention] = []
    spans = _Spans()

    def add(m: re.Match[str], start_day: date | None, end_day: date | None = None, start: int | None = None) -> None:
        begin = m.start() if start is None else start
        if start_day is not None and spans.take(begin, m.end()):
            found.append(
                TimeMention(
                    text[begin : m.end()], begin, m.end(), start_day.isoformat(),
                    end_day.isoformat() if end_day else None,
                )
            )  # fmt: skip

    # Full dates hold a year; look only around years instead of scanning everything.
    for year_match in _YEAR.finditer(text):
        lo = max(0, year_match.start() - 40)
        for pattern in _DATE_RES_INLINE:
            m = pattern.search(text, lo, year_match.end())
            if m and m.end() == year_match.end() and (parsed := _from_match(m)):
                add(m, parsed.value.date())
                break
    for m in _DAY_MONTH_YEAR.finditer(text):  # day first, as "(12/11)" below
        try:
            add(m, date(int(m.group(3)), int(m.group(2)), int(m.group(1))))
        except ValueError:
            continue
    if anchor is None:
        found.sort(key=lambda t: t.start)
        return found
    patterns = _time_patterns(lang)
    for m in _DAY_MONTH.finditer(text):
        day, month = int(m.group(1)), int(m.group(2))
        named = patterns.weekday_before.search(text, max(0, m.start() - 16), m.start())
        if named is None:
            if (reading := _before(anchor, day, month)) is not None:
                add(m, reading)
            continue
        # "Sabtu (6/1)": the weekday checks the reading. Writers now and then put the month
        # first ("Sabtu (1/6)" for Saturday 6 January), and a June date in a January
        # article would tie it to June's stories. Neither reading on that weekday: the
        # weekday itself, the last one on or before the publication day, is the date.
        weekday = lang.weekdays[named.group(1).lower()]
        readings = [_before(anchor, d, mo) for d, mo in ((day, month), (month, day))]
        matching = [r for r in readings if r is not None and r.weekday() == weekday]
        add(m, matching[0] if matching else _shift(anchor, -((anchor.weekday() - weekday) % 7)))
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare character changed length; offsets must hold
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    for m in patterns.relative.finditer(lowered):
        kind = m.lastgroup
        if kind == "weekday":
            weekday = lang.weekdays[m.group("weekday")]
            prefix = patterns.day_prefix.search(lowered, max(0, m.start() - 15), m.start())
            back = (anchor.weekday() - weekday) % 7
            add(m, _shift(anchor, -back), start=prefix.start() if prefix else None)
        elif kind == "month":
            month = lang.months[m.group("month")]
            if span := _month(_year_of(anchor, month), month):
                add(m, *span)
        elif kind == "day":
            add(m, _shift(anchor, lang.relative_days[m.group("day")]))
        elif kind == "last_week":
            monday = _shift(anchor, -(anchor.weekday() + 7))
            sunday = _shift(monday, 6) if monday else None
            add(m, monday if sunday else None, sunday)
        elif kind == "last_month":
            end = _shift(anchor.replace(day=1), -1)
            add(m, end.replace(day=1) if end else None, end)
    found.sort(key=lambda t: t.start)
    return found


_DATE_RES_INLINE = [re.compile(rf"\b{form}\b", re.IGNORECASE) for form in _DATE_FORMS[:2]]


# --- header of a scraped text -------------------------------------------------

HEADER_LINES = 8
_URL_LINE = re.compile(r"^https?://\S+$")
_BYLINE = re.compile(
    # "\s*:?\s+" read a run of spaces in every split (25 s on "Oleh" and 3,000 spaces).
    rf"^(?:{'|'.join(w for lang in _LANGS for w in lang.byline_words)})(?:\s*+:)?\s+[\w .,'-]{{2,60}}$",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Header:
    title: str | None
    published: ParsedDate | None
    site_domain: str | None
    consumed: dict[int, str]  # input line number -> why it is not body text
    url: str | None = None  # a URL line at the top of a scraped page


def _is_lead(text: str) -> bool:
    """A short first paragraph opening with a dateline and ending like a sentence
    ("Surabaya (ANTARA News) - Bakal calon ... ."): the lead of a record without a
    headline, which would otherwise be read as one. Headlines carry no dateline and
    seldom a full stop."""
    return find_dateline(text) is not None and text.rstrip("”\"' ").endswith((".", "!", "?"))


def read_header(lines: list[tuple[int, str]], title_hint: str | None = None) -> Header:
    """Find the site line, title, date line and byline at the top of a scraped page.

    The title is the first substantial line that is not a site name, date or
    byline; a container-supplied title wins when one is given.
    """
    consumed: dict[int, str] = {}
    title = title_hint.strip() if title_hint and title_hint.strip() else None
    published: ParsedDate | None = None
    domain: str | None = None
    url: str | None = None
    seen = 0
    for number, raw in lines:
        text = raw.strip()
        if not text:
            continue
        seen += 1
        if seen > HEADER_LINES:
            break
        if url is None and _URL_LINE.match(text):
            url = text
            consumed[number] = "source URL (kept as metadata)"
            continue
        if domain is None and (d := site_line_domain(text)):
            domain = d
            consumed[number] = "site name"
            continue
        if published is None and (p := parse_date_line(text)):
            published = p
            consumed[number] = "publication date line (kept as metadata)"
            continue
        if _BYLINE.match(text) and len(text.split()) <= 8:
            consumed[number] = "byline"
            continue
        if title is None and _is_lead(text):
            break  # the body has begun: no headline below its first paragraph
        if title is None and len(text.split()) >= 2 and len(text) <= 250:
            title = text
            consumed[number] = "headline (kept as metadata)"
        elif title is not None and number not in consumed and key(text) == key(title):
            consumed[number] = "headline (kept as metadata)"
    return Header(title, published, domain, consumed, url)
