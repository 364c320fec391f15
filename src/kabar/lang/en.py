"""English language data."""

from kabar.lang import LanguageData, country_names

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}  # fmt: skip

WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
            "sunday": 6, "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
            "fri": 4, "sat": 5, "sun": 6}  # fmt: skip

TIMEZONES = {"UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00", "EST": "-05:00", "EDT": "-04:00",
             "CST": "-06:00", "CDT": "-05:00", "PST": "-08:00", "PDT": "-07:00", "BST": "+01:00",
             "CET": "+01:00", "CEST": "+02:00", "SGT": "+08:00", "MYT": "+08:00", "JST": "+09:00",
             "KST": "+09:00", "AEST": "+10:00"}  # fmt: skip

LINE_CUES = {
    "comment form": [r"leave a (reply|comment).*", r"your email address will not be published.*",
                     r"required fields are marked.*", r"\d+ comments?", r"post comment", r"add a comment.*",
                     r"comments?", r"join the (conversation|discussion).*", r"cancel reply"],
    "editor credit": [r"(editing|edited|reporting|additional reporting) by .*", r"editor\s*:.*",
                      r"writer\s*:.*"],
    "newsletter / follow prompt": [r"sign up (for|to) .*", r"subscribe (to|for|now).*",
                                   r"follow us on .*", r"get the latest .*", r"download our app.*",
                                   r"(enter|type) your e-?mail.*"],
    "section / link block": [r"related (stories|articles|posts|news)", r"more (stories|from) .*",
                             r"most (read|popular)", r"trending( now)?", r"tags?\s*:.*", r"topics?\s*:?",
                             r"you may also like", r"recommended( for you)?", r"latest news"],
    "share buttons": [r"share( this( article| story)?)?\s*:?", r"copy link", r"(tweet|email|print)"],
    "advertisement": [r"advertisement", r"sponsored( content)?", r"scroll to continue.*"],
}  # fmt: skip

RELATED_CUES = [r"read (more|also)", r"also read", r"see also", r"related", r"more on this"]

END_CUES = [r"leave a (reply|comment).*", r"tags?\s*:.*", r"you may also like"]

CREDIT_WORDS = ["photo", "image", "file photo", "illustration", "credit", "courtesy", "reuters", "ap",
                "afp", "getty images", "handout", "screenshot", "source"]  # fmt: skip

ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "sgt", "capt", "sen", "rep", "gov",
                 "st", "jr", "sr", "inc", "ltd", "co", "corp", "no", "vs", "etc", "jan", "feb", "mar",
                 "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "a.m",
                 "p.m", "e.g", "i.e", "fig", "approx", "dept", "est", "mt", "ft", "a", "b", "c", "d",
                 "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u",
                 "v", "w", "x", "y", "z"}  # fmt: skip

NON_FINAL = {"the", "a", "an", "of", "to", "in", "on", "at", "for", "from", "with", "by", "and", "or",
             "but", "into", "onto", "than", "that", "which", "whose", "its", "their", "his", "her",
             "our", "your", "this", "these", "those", "as", "about", "between", "during", "towards"}  # fmt: skip

STOPWORDS = {
    "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "from", "with", "by",
    "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those",
    "he", "she", "they", "we", "you", "i", "his", "her", "their", "our", "your", "as", "said", "has",
    "have", "had", "not", "no", "will", "would", "can", "could", "also", "after", "before", "into",
    "than", "more", "most", "about", "over", "who", "which", "what", "when", "where", "how", "there",
    "up", "out", "so", "if", "all", "one", "two", "three", "new", "year", "years", "told", "says",
}  # fmt: skip

SPEECH_VERBS = {"said", "says", "say", "saying", "told", "tells", "tell", "added", "adds", "noted", "notes",
                "stated", "explained", "explains", "according", "asked", "asks", "stressed", "warned",
                "warns", "insisted", "insists", "argued", "argues", "wrote", "writes", "announced", "announces",
                "acknowledged", "admitted", "confirmed", "suggested", "suggests", "believes", "believe",
                "believed", "thinks", "think", "thought", "called", "urged", "vowed", "promised", "declared",
                "emphasized", "emphasised", "recalled", "continued", "replied", "responded", "testified",
                "tweeted", "posted", "concluded", "conceded", "predicts", "predicted", "contends",
                "contended", "maintained", "maintains", "pointed", "indicated", "indicates", "revealed",
                "showed", "shows", "found", "finds", "learned", "quipped", "remarked", "countered"}  # fmt: skip

RELATIVE_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1, "last night": -1, "tonight": 0}

PLACES = {
    "jakarta", "washington", "moscow", "beijing", "tokyo", "seoul", "pyongyang", "london", "paris",
    "berlin", "cairo", "riyadh", "tehran", "ankara", "canberra", "sydney", "singapore",
    "kuala lumpur", "bangkok", "manila", "hanoi", "new delhi", "islamabad", "brussels", "geneva",
    "new york", "kyiv", "kiev", "gaza", "jerusalem", "beirut", "damascus", "doha", "dubai",
    "hong kong", "taipei", "wellington", "ottawa", "rome", "madrid", "the hague", "amsterdam",
    "palu", "surabaya", "bandung", "medan", "makassar", "denpasar", "pekanbaru", "garut", "poso",
    "larantuka", "demak", "semarang", "yogyakarta", "riffa", "manama", "bali",
}  # fmt: skip

MARKERS = {"the", "and", "of", "to", "is", "was", "said", "that", "with", "for"}

CLAIM_CUES = {
    "claimed": "claim", "claims": "claim", "claim": "claim", "claiming": "claim", "alleged": "accusation",
    "alleges": "accusation", "accused": "accusation", "accuses": "accusation", "accusing": "accusation",
    "accusation": "accusation", "accusations": "accusation", "blamed": "accusation", "blames": "accusation",
    "estimated": "estimate", "estimates": "estimate", "estimate": "estimate", "predicted": "estimate",
    "reported": "report", "reports": "report", "denied": "denial", "denies": "denial", "deny": "denial",
    "denying": "denial", "rejected": "denial", "rejects": "denial", "dismissed": "denial", "dismisses": "denial",
    "refuted": "denial", "disputed": "denial", "disputes": "denial",
}  # fmt: skip
# Forms that are passive after "is/was/has been" ("was accused", "is estimated").
PASSIVE_CUES = {"claimed", "alleged", "accused", "blamed", "estimated", "predicted", "reported", "denied",
                "rejected", "dismissed", "refuted", "disputed"}  # fmt: skip

SPEAKER_STOPS = {"on", "in", "at", "to", "during", "after", "before", "when", "who", "which", "as", "while",
                 "according", "from", "for", "that", "this", "last", "earlier", "today", "yesterday",
                 "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "about",
                 "with", "via", "of", "where", "because", "and", "but", "adding", "noting", "saying"}  # fmt: skip
AUXILIARIES = {"has", "have", "had", "also", "long", "previously", "already", "repeatedly", "again", "will",
               "would", "earlier", "later", "then", "once", "is", "was", "were", "are", "been", "be", "not",
               "never", "flatly", "strongly", "publicly", "quickly", "officially", "reportedly", "just",
               "did", "does", "do", "even", "often", "since", "both", "all", "recently"}  # fmt: skip
CLAUSE_OPENERS = {"but", "and", "meanwhile", "however", "so", "yet", "also", "while", "then", "still",
                  "instead", "in", "turn"}  # fmt: skip

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "fifty": 50,
                "a dozen": 12, "a hundred": 100, "a thousand": 1000}  # fmt: skip
SCALE_WORDS = {"thousand": 1_000, "million": 1_000_000, "mln": 1_000_000, "m": 1_000_000, "billion": 10**9,
               "bn": 10**9, "trillion": 10**12}  # fmt: skip
VAGUE_AMOUNTS = {"dozens": (24, 99), "tens": (20, 99), "scores": (40, 99), "hundreds": (200, 999),
                 "thousands": (2_000, 9_999), "millions": (2_000_000, 9_999_999),
                 "billions": (2 * 10**9, 10**10 - 1)}  # fmt: skip
QUALIFIERS = {"up to": "up_to", "as many as": "up_to", "about": "about", "around": "about",
              "approximately": "about", "roughly": "about", "some": "about", "an estimated": "about",
              "more than": "more_than", "over": "more_than", "at least": "at_least", "nearly": "nearly",
              "almost": "nearly", "less than": "less_than", "fewer than": "less_than",
              "under": "less_than"}  # fmt: skip
CURRENCIES = {"$": "USD", "us$": "USD", "usd": "USD", "dollars": "USD", "dollar": "USD", "rp": "IDR",
              "rupiah": "IDR", "euros": "EUR", "€": "EUR", "£": "GBP", "pounds": "GBP", "yen": "JPY"}  # fmt: skip
COUNTED_ALIASES = {"troops": "soldier", "soldiers": "soldier", "troop": "soldier", "soldier": "soldier",
                   "personnel": "soldier", "victims": "victim", "people": "person", "residents": "person",
                   "persons": "person", "refugees": "refugee", "homes": "house", "houses": "house",
                   "missiles": "missile", "shells": "shell", "tonnes": "tonne", "tons": "tonne",
                   "kilometres": "km", "kilometers": "km", "km": "km", "metres": "metre", "meters": "metre",
                   "years": "year", "days": "day", "percent": "percent", "%": "percent"}  # fmt: skip

DATA = LanguageData(
    code="en",
    name="English",
    months=MONTHS,
    month_first_numeric=True,
    weekdays=WEEKDAYS,
    timezones=TIMEZONES,
    line_cues=LINE_CUES,
    related_cues=RELATED_CUES,
    end_cues=END_CUES,
    credit_words=CREDIT_WORDS,
    abbreviations=ABBREVIATIONS,
    non_final_words=NON_FINAL,
    stopwords=STOPWORDS,
    speech_verbs=SPEECH_VERBS,
    relative_days=RELATIVE_DAYS,
    last_week=["last week"],
    last_month=["last month"],
    month_prefixes=["in", "last", "this"],
    day_prefixes=["on", "last"],
    places=PLACES,
    countries=country_names("en"),
    stemmer="english",
    time_words=["at", "last updated at", "updated at", "updated"],
    date_line_words=["published", "updated", "posted"],
    byline_words=["by", "reporter"],
    ordinal_suffixes=["st", "nd", "rd", "th"],
    aliases={
        "u.s.": "united states",
        "us": "united states",
        "usa": "united states",
        "dprk": "north korea",
        "uk": "united kingdom",
        "britain": "united kingdom",
        "kremlin": "russia",
        "un": "united nations",
        "eu": "european union",
        "kim jong-un": "kim jong un",
        "pyongyang": "north korea",
    },
    markers=MARKERS,
    claim_cues=CLAIM_CUES,
    source_nouns={"data", "records", "figures", "statement", "report"},
    demonstratives={"the", "this", "that"},
    ui={
        "stories": "Stories",
        "story": "Story",
        "article": "Article",
        "articles": "articles",
        "more_articles": "and {n} more articles, not shown: the story's facts and brief are read from the articles above",
        "search": "Search",
        "ask": "Ask",
        "brief": "Brief",
        "timeline": "Timeline",
        "sources": "Sources and copies",
        "quotes": "Quotes by speaker",
        "claims": "Claims and denials",
        "conflicts": "Conflicting figures",
        "entities": "People, organisations and places",
        "graph": "Entity graph",
        "removed": "Removed lines",
        "reason": "reason",
        "published": "published",
        "outlet": "outlet",
        "language": "language",
        "since": "since",
        "until": "until",
        "next": "Next",
        "previous": "Previous",
        "nothing": "Nothing found.",
        "independent": "independent sources",
        "denied": "denied",
        "copy_of": "copy of",
        "shared": "shared paragraphs",
        "answer": "Answer",
        "evidence": "Evidence",
        "stance": "stance",
        "strength": "strength",
        "adds": "What each outlet adds",
        "text": "Clean text",
        "figures": "Figures",
        "search_hint": "Words to find",
        "ask_hint": "A question",
        "go": "Go",
        "recent": "Most recent",
        "largest": "Largest",
        "sort": "sort",
        "storyline": "storyline",
        "dates": "Dates",
        "holder": "holder",
        "none": "none",
        "all": "all",
        "yes": "supports yes",
        "no": "supports no",
        "open_ui": "Open the story",
        "storylines": "Storylines",
        "storylines_about": "Ongoing matters told in more than one story, the most recently active first; each story is one event.",
        "n_stories": "{n} stories",
        "n_outlets": "{n} outlets",
        "more_stories": "{n} more stories: all stories of this storyline",
        "n_more": "{n} more",
        "all_line_stories": "all stories of this storyline",
        "this_story": "this story",
        "undated": "undated",
        "axis_label": "The storyline's stories on a time axis",
        "axis_story": "a story, from its first to its last report",
        "axis_undated": "{n} undated, not on the axis",
        "no_such_page": "There is no such page.",
    },
    question_words={"what", "who", "when", "why", "how", "where", "which", "whom", "whose", "is", "are", "was",
                    "were", "do", "does", "did", "will", "can", "has", "have", "had", "should", "would",
                    "could", "many", "much"},
    yes_no_openers={"is", "are", "was", "were", "do", "does", "did", "will", "can", "has", "have", "had",
                    "should", "would", "could"},
    negations={"not", "no", "never", "denied", "denies", "deny", "without", "rejected", "refused", "n't"},
    answers={"yes": "Yes, according to {n} sources.", "no": "No, according to {n} sources.",
             "mixed": "The sources disagree: {yes} say yes, {no} say no.",
             "found": "According to {n} sources:", "abstain": "The articles do not say."},
    inverted_cues={"said", "says", "added", "adds", "asked", "asks", "wrote", "writes", "explained", "noted",
                   "continued", "according", "recalled", "replied", "insisted", "warned", "argued", "tweeted"},
    relatives={"who", "which", "that"},
    passive_markers={"is", "was", "were", "been", "being", "be", "are", "widely", "reportedly"},
    list_conjunctions={"and", "or"},
    passive_cues=PASSIVE_CUES,
    agent_words=["by"],
    according_to=["according to"],
    complementizers={"that", "if"},
    pronouns={"he", "she", "they", "it", "we", "i"},
    speaker_stops=SPEAKER_STOPS,
    auxiliaries=AUXILIARIES,
    clause_openers=CLAUSE_OPENERS,
    accusation_nouns={"accusation", "accusations", "allegation", "allegations", "claim", "claims", "charges",
                      "charge", "reports", "report"},
    locatives={"in", "at", "to", "from", "into", "near"},
    number_words=NUMBER_WORDS,
    scale_words=SCALE_WORDS,
    vague_amounts=VAGUE_AMOUNTS,
    vague_joiners={"of"},
    qualifiers=QUALIFIERS,
    currencies=CURRENCIES,
    percent_words={"percent", "per cent", "%"},
    counted_aliases=COUNTED_ALIASES,
    counted_skip={"more", "additional", "other", "north", "south", "korean", "russian", "american",
                  "ukrainian", "of", "the", "new", "extra"},
    ner_model="en",
    dateparser="en",
    title_centre="quotes-en/train/text",
    capitals_are_names=True,
)
