"""Language data, kept apart from the algorithms that use it.

Each language module (`id`, `en`) builds one `LanguageData`. Algorithms ask for
`get(code)` or, where a cue may appear whatever the article's language (an
Indonesian site with an English comment form), for `ALL`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    # Words a closely related language uses and this one does not (Malay for Indonesian).
    neighbour_only: set[str] = field(default_factory=set)
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


def country_names(locale: str) -> set[str]:
    """Country names in one language, lower-cased, from the CLDR data babel ships."""
    from babel import Locale

    territories = Locale.parse(locale).territories
    # Numeric codes ("001", "150") are regions such as "Dunia" or "Eropa", not countries.
    return {name.lower() for code, name in territories.items() if code.isalpha()}


def get(code: str | None) -> LanguageData:
    """Language data for `code`; Indonesian for anything it does not know."""
    from kabar.lang import en, id

    return en.DATA if code == "en" else id.DATA


def all_languages() -> list[LanguageData]:
    from kabar.lang import en, id

    return [id.DATA, en.DATA]


# Endings that mark a dateline token as a media brand rather than a place
# ("JATIMTIMES -", "KOMPAS.com -"). Brand names are not words of any language.
OUTLET_SUFFIXES = ("times", "news", "post", "online", "daily", "tv", "fm", ".com", ".id", ".net", "pos")
