"""Language data, kept apart from the algorithms that use it.

Each language is one module here, `kabar.lang.<code>`, that builds one
`LanguageData` named `DATA`. The modules are found by name (`register` adds one
from elsewhere) and imported only when first asked for, as spaCy's
`get_lang_class` does. Algorithms ask for `get(code)` or, where a cue may appear
whatever the article's language (an Indonesian site with an English comment
form), for `all_languages()`.

THE ONE RULE for what a language lacks:

* a code that is not registered (None, "other", "fr") is read as `DEFAULT`,
  Indonesian: kabar reads Indonesian news first, and text it cannot place is
  mostly short or noisy Indonesian (`get` and the NER choice both follow this);
* a registered language without a capability of its own (a shipped NER model)
  borrows it from its `fallback` language, and so on down the chain, ending at
  `DEFAULT`. Malay (`ms`) has no NER model of its own and borrows Indonesian's,
  its closest relative (shared script, affixes and most function words).

How to add a language: write `kabar/lang/<code>.py` with `DATA = LanguageData(...)`
(months, weekdays, time zones, cues, stopwords, speech and claim verbs, number
words, UI labels, ...). Set `fallback` to the language whose NER model it should
use, and `variant_of` if it is told apart from a close neighbour by marker words.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from typing import TypeGuard


@dataclass(frozen=True, eq=False)  # identity hash: one instance per language
class LanguageData:
    code: str
    name: str
    months: dict[str, int]  # full names and abbreviations, lowercase
    weekdays: dict[str, int]  # Monday = 0
    timezones: dict[str, str]  # abbreviation (upper case) -> "+HH:MM"
    # Boilerplate cues: reason -> regexes matched (case-insensitively) against a whole line.
    line_cues: dict[str, list[str]]
    # A related-article cue ("Baca Juga :"); what follows it on the line, or the next line, is a headline.
    related_cues: list[str]
    # Cues after which nothing belongs to the article (comment forms, tag blocks, "read more").
    end_cues: list[str]
    # Words in a photo credit: "(Foto: ...)", "Foto/AP", "(Dok. Istimewa)".
    credit_words: list[str]
    abbreviations: set[str]  # lowercase, without the final dot
    # Words that cannot end a sentence, so "ke. Korea" is a stray full stop.
    non_final_words: set[str]
    stopwords: set[str]
    speech_verbs: set[str]
    relative_days: dict[str, int]  # "kemarin" -> -1
    last_week: list[str]  # phrases meaning "last week"
    last_month: list[str]
    month_prefixes: list[str]  # "bulan" in "bulan Juni"
    day_prefixes: list[str]  # "hari" in "hari Senin"
    places: set[str] = field(default_factory=set)  # dateline places in this language's spelling
    countries: set[str] = field(default_factory=set)  # "PALU, Indonesia -": a country, not an outlet
    stemmer: str = ""  # the Snowball stemmer's name for this language
    decimal_separator: str = "."  # "6,1" is six point one in Indonesian; thousands use the other mark
    # Short forms and other names of one thing ("Korut" -> "korea utara"), lower case.
    aliases: dict[str, str] = field(default_factory=dict)
    # Words around dates and names in page headers: "pukul 19.10", "Diperbarui: ...", "Oleh ...".
    time_words: list[str] = field(default_factory=list)
    date_line_words: list[str] = field(default_factory=list)
    byline_words: list[str] = field(default_factory=list)
    ordinal_suffixes: list[str] = field(default_factory=list)  # "December 15th"
    # The text of a link to the next page of a long article ("Halaman selanjutnya",
    # "Next page"): regexes matched (case-insensitively) against the whole link text
    # (`kabar.pages.next_page_url`).
    next_page_cues: list[str] = field(default_factory=list)
    # Query parameters this language's sites number an article's pages by ("?halaman=2"),
    # besides the usual "page", "pg" and "pageno" (`kabar.pages`).
    page_params: list[str] = field(default_factory=list)
    # "4/9/2007" is 9 April on this language's pages when nothing else tells (the URL's
    # date does): of 13 such ECB+ dev pages, the 9 with a dated URL are all month-first.
    month_first_numeric: bool = False
    markers: set[str] = field(default_factory=set)  # frequent words that mark the language
    # --- Attribution (quotes, claims, denials) ---
    # Verbs and nouns of attributed propositions that are not plain speech -> kind
    # ("claim", "accusation", "estimate", "report", "denial"); passive forms included.
    claim_cues: dict[str, str] = field(default_factory=dict)
    # Speech verbs that may come before their speaker ("..., kata X" / "..., said X"); other
    # speech verbs ("mengatakan") always follow it.
    inverted_cues: set[str] = field(default_factory=set)
    passive_cues: set[str] = field(default_factory=set)  # cue forms whose subject is the target, not the holder
    agent_words: list[str] = field(default_factory=list)  # "oleh" / "by": introduces a passive agent
    # Words before a passive cue that make it passive ("was accused"); empty = the form alone tells.
    passive_markers: set[str] = field(default_factory=set)
    list_conjunctions: set[str] = field(default_factory=set)  # "X, Y dan Z": one holder, not three clauses
    relatives: set[str] = field(default_factory=set)  # "yang menyerukan": a relative clause, not an attribution
    demonstratives: set[str] = field(default_factory=set)  # "lembaga itu" / "the agency": refers back
    source_nouns: set[str] = field(default_factory=set)  # "data BPBD menyebutkan": the source is BPBD
    according_to: list[str] = field(default_factory=list)  # "menurut X, ..." / "according to X, ..."
    complementizers: set[str] = field(default_factory=set)  # "bahwa" / "that"
    pronouns: set[str] = field(default_factory=set)  # speakers that refer back to the previous one
    speaker_clitic: str = ""  # "katanya": the suffix is the speaker
    speaker_stops: set[str] = field(default_factory=set)  # words that end a speaker phrase after the cue
    auxiliaries: set[str] = field(default_factory=set)  # trimmed between a subject and its verb
    clause_openers: set[str] = field(default_factory=set)  # trimmed before a subject
    accusation_nouns: set[str] = field(default_factory=set)  # "tuduhan": what a denial refers back to
    locatives: set[str] = field(default_factory=set)  # "di Pyongyang": the place, not the government
    # Prepositions that open an adverbial phrase ("dalam laporannya", "in a statement"):
    # such a phrase between a subject and its speech verb says when or where, not who.
    prepositions: set[str] = field(default_factory=set)
    # Verbs that ask someone else to act ("meminta Bulog memastikan ..."): a speech verb
    # after one of them is the other's action, not an attribution.
    control_verbs: set[str] = field(default_factory=set)
    # Speech verbs in a participle clause after a comma ("..., saying ..."): their speaker
    # is the subject of the sentence's main clause, not the words just before them.
    participle_cues: set[str] = field(default_factory=set)
    # Words before a speech verb that make it a purpose ("dilakukan untuk memastikan": to
    # make sure), not an attribution.
    purpose_markers: set[str] = field(default_factory=set)
    # Speech verbs that, followed by an infinitive marker, are verbs of another sense
    # ("aftershocks continued to rattle the area"; but "continued to say that ..."), and
    # the markers.
    aspect_cues: set[str] = field(default_factory=set)
    infinitive_markers: set[str] = field(default_factory=set)
    # Finite verbs and auxiliaries: the words after "..., said X" that show X is the subject
    # of a new clause ("said buyers had been waiting"), not a speaker after an inverted cue.
    finite_verbs: set[str] = field(default_factory=set)
    # Titles, ranks, honorifics and roles written before a name ("Presiden", "AKBP",
    # "Datuk", "Minister"), lower case: never part of the name itself.
    titles: set[str] = field(default_factory=set)
    # Words that head an organisation's name ("Koalisi Iklim Adil", "Clean Rivers
    # Alliance"): such a name is an organisation, not a person.
    org_heads: set[str] = field(default_factory=set)
    # Whether a phrase's head noun comes last ("Bahraini commentators": the commentators),
    # so a name followed by a common noun only modifies it.
    head_final: bool = False
    # The thing a figure measures, by a word just before or after it ("kedalaman 10 km" is
    # a depth, "18 km barat daya Poso" a distance): figures of different measures never
    # conflict. Lower case, phrases allowed.
    measures: dict[str, str] = field(default_factory=dict)
    # --- Questions ---
    question_words: set[str] = field(default_factory=set)  # dropped from a question's search terms
    yes_no_openers: set[str] = field(default_factory=set)  # "Apakah ...?" / "Is ...?": a yes/no question
    negations: set[str] = field(default_factory=set)  # evidence that says no
    answers: dict[str, str] = field(default_factory=dict)  # templates: yes, no, mixed, found, abstain
    ui: dict[str, str] = field(default_factory=dict)  # the web interface's labels
    # --- Numbers ---
    number_words: dict[str, int] = field(default_factory=dict)
    scale_words: dict[str, int] = field(default_factory=dict)  # "juta" -> 10**6
    vague_amounts: dict[str, tuple[int, int]] = field(default_factory=dict)  # "puluhan" -> (20, 99)
    vague_joiners: set[str] = field(default_factory=set)  # "of" in "tens of thousands"
    qualifiers: dict[str, str] = field(default_factory=dict)  # "hingga" -> "up_to"
    currencies: dict[str, str] = field(default_factory=dict)  # "rp" -> "IDR"
    percent_words: set[str] = field(default_factory=set)
    # Counted nouns that name one kind of thing across languages ("tentara", "troops" -> "soldier").
    counted_aliases: dict[str, str] = field(default_factory=dict)
    counted_skip: set[str] = field(default_factory=set)  # words between a number and what it counts
    # --- Capabilities (see THE ONE RULE above) ---
    # The shipped NER model this language tags with: `models/ner-<code>.crfsuite` and its
    # lexicon. Empty: the `fallback` language's model.
    ner_model: str = ""
    fallback: str = ""  # whose capabilities this language borrows; empty: `DEFAULT`
    dateparser: str = ""  # dateparser's language code ("" = dateparser does not know it)
    # Headlines the shipped title centre (`models/title-centre.npz`) is the mean of for
    # this language, under the data root (`features.train_title_centre`); empty: none.
    title_centre: str = ""
    # The close neighbour this language is told apart from by `markers` (Malay from
    # Indonesian): whichever of the two the classifier picks, the text is this language only
    # when it has more of this language's markers than of the neighbour's.
    variant_of: str = ""
    # Capital words are names here, not what a figure counts ("3 Marines" is 3 of what?).
    capitals_are_names: bool = False


def country_names(locale: str) -> set[str]:
    """Country names in one language, lower-cased, from the CLDR data babel ships."""
    from babel import Locale

    territories = Locale.parse(locale).territories
    # Numeric codes ("001", "150") are regions such as "Dunia" or "Eropa", not countries.
    return {name.lower() for code, name in territories.items() if code.isalpha()}


DEFAULT = "id"

# code -> module path; filled with the modules of this package, `register` adds others.
_REGISTRY: dict[str, str] = {
    m.name: f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")
}


def register(code: str, module: str) -> None:
    """Make `get(code)` load `module`'s `DATA` (a language kept outside this package)."""
    _REGISTRY[code] = module
    _load.cache_clear()


def codes() -> list[str]:
    """Registered language codes, the default first."""
    return sorted(_REGISTRY, key=lambda c: (c != DEFAULT, c))


@cache
def _load(code: str) -> LanguageData:
    data = importlib.import_module(_REGISTRY[code]).DATA
    if not isinstance(data, LanguageData) or data.code != code:
        raise TypeError(f"{_REGISTRY[code]}.DATA is not the LanguageData of {code!r}")
    return data


def get(code: str | None) -> LanguageData:
    """Language data for `code`; `DEFAULT` (Indonesian) for a code not registered."""
    return _load(code if code in _REGISTRY else DEFAULT)


def known(code: str | None) -> TypeGuard[str]:
    """Whether `code` is a registered language (else `get` reads it as `DEFAULT`)."""
    return code in _REGISTRY


def all_languages() -> list[LanguageData]:
    """Every registered language, the default first (they are imported on first use)."""
    return [_load(c) for c in codes()]


def capable(lang: LanguageData, has: str) -> LanguageData:
    """The language whose `has` capability `lang` uses: itself if it has one, else its
    `fallback`'s, down the chain to `DEFAULT` (THE ONE RULE)."""
    seen: set[str] = set()
    while not getattr(lang, has) and lang.code not in seen:
        seen.add(lang.code)
        lang = get(lang.fallback or DEFAULT)
    if not getattr(lang, has):
        raise LookupError(f"no language in {sorted(seen)} has a {has}")
    return lang


def ner_code(code: str | None) -> str:
    """The shipped NER model a text in `code` is tagged with (by THE ONE RULE)."""
    return capable(get(code), "ner_model").ner_model


# Endings that mark a dateline token as a media brand rather than a place
# ("JATIMTIMES -", "KOMPAS.com -"). Brand names are not words of any language.
OUTLET_SUFFIXES = ("times", "news", "post", "online", "daily", "tv", "fm", ".com", ".id", ".net", "pos")
