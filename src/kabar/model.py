"""The records that pipeline stages pass to each other.

Stages never import each other's internals: ingest yields `RawDocument`s and
`QuarantineEntry`s, clean/meta turn a `RawDocument` into an `Article`, and the
store persists `Article`s. Everything here is plain data.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from pathlib import PurePosixPath
from typing import Any, ClassVar, Literal

DocFormat = Literal["txt", "html"]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One article as found in the input, before any cleaning."""

    source: str  # input path as given; `PATH#KEY` for JSONL/WARC records
    body: str  # decoded text (scraped text or HTML markup)
    format: DocFormat
    url: str | None = None
    title: str | None = None  # hints supplied by the container (JSONL fields)
    published: str | None = None
    outlet: str | None = None
    language: str | None = None
    site_key: str = ""  # groups documents of one site for corpus statistics
    # The later pages of an article split over pages (`kabar.pages`), in order, in the
    # same format as `body`: their text is appended to the first page's.
    continuations: tuple[str, ...] = ()
    # Content hash of the raw document (all its pages): the article's identity in the store.
    content_id: str = field(init=False)

    def __post_init__(self) -> None:
        whole = "\n".join((self.body, *self.continuations)) if self.continuations else self.body
        object.__setattr__(self, "content_id", content_hash(whole))


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """An input that could not become an article, and why."""

    source: str
    reason: str
    detail: str = ""

    def message(self) -> str:
        return f"{self.source}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


@dataclass(slots=True)
class Removal:
    """A piece of text the cleaner took out, kept so it can be seen and reverted."""

    text: str
    reason: str
    line: int  # 0-based index of the input line it came from


@dataclass(frozen=True, slots=True)
class TimeMention:
    """A date expression in the text: a full date as written, a relative one ("Senin",
    "bulan Juni") resolved against the publication date."""

    text: str
    start: int  # character offsets into the clean text
    end: int
    date: str  # ISO date (YYYY-MM-DD) or first day of a range
    end_date: str | None = None  # last day when the expression names a range


@dataclass(frozen=True, slots=True)
class EntityMention:
    """A name in the clean text, with the key of the real thing it names."""

    text: str
    label: str  # PERSON, ORG, LOC or EVENT
    start: int  # character offsets into the clean text
    end: int
    entity: str  # normalised key: "vladimir putin", "C:KP" (a country), ...


@dataclass(frozen=True, slots=True)
class Quote:
    """Direct or reported speech. `content` is exactly text[start:end]."""

    speaker: str | None  # resolved full name or organisation ("Vladimir Putin", "KCNA")
    speaker_entity: str | None  # normalised key of the speaker
    cue: str  # "kata", "said", "menurut", ...
    content: str
    kind: Literal["direct", "indirect"]
    start: int
    end: int
    paragraph: int
    speaker_start: int | None = None  # the speaker phrase as written near the cue
    speaker_end: int | None = None
    # A quoted phrase inside a reported clause ("menyebut perjanjian itu “terobosan”"): one
    # attribution with the clause that holds it, listed so the exact words stay findable.
    nested: bool = False


@dataclass(frozen=True, slots=True)
class Claim:
    """An attributed proposition that is not plain speech: a claim, accusation,
    estimate, report or denial. A denial may point at the accusation it denies."""

    kind: Literal["claim", "accusation", "estimate", "report", "denial"]
    holder: str | None  # who holds it, when the text says ("Washington dan Seoul"); None for "dituduh"
    holder_entity: str | None
    cue: str
    content: str
    start: int
    end: int
    paragraph: int
    denies: int | None = None  # index of the denied claim in the same article, when it is there
    holder_start: int | None = None  # the holder phrase as written
    holder_end: int | None = None


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure with what it counts, normalised to a range of values."""

    text: str  # the whole expression, e.g. "hingga 12.000 tentara"
    low: float
    high: float | None  # None: no upper bound ("lebih dari 300")
    qualifier: str | None  # up_to, about, more_than, at_least, nearly, less_than
    unit: str | None  # what it counts, normalised across languages ("soldier", "IDR", "percent")
    counted: str | None  # the counted word as written
    start: int
    end: int
    paragraph: int
    vague: bool = False  # "puluhan ribu": a range by meaning, not by qualifier


@dataclass(slots=True)
class Article:
    """A clean, dated, attributed article."""

    id: str
    source: str
    url: str | None
    outlet: str | None
    title: str
    published: str | None  # ISO-8601, with offset when the source gives one
    language: str  # "id", "en", "ms" or "other"
    dateline: str | None
    paragraphs: list[str]
    removed: list[Removal] = field(default_factory=list)
    time_mentions: list[TimeMention] = field(default_factory=list)
    raw_text: str = ""  # the text the cleaner started from, so nothing is lost
    sources: list[str] = field(default_factory=list)  # every input path it was seen at
    story: str | None = None
    duplicate_of: str | None = None
    duplicate_similarity: float | None = None
    entities: list[EntityMention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    numbers: list[Quantity] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    # The removal reason that records an outlet taken from the folder's name: a note at
    # line -1 like "dateline (kept as metadata)", so the store needs no column for it.
    FOLDER_OUTLET: ClassVar[str] = "outlet from the folder name"

    @property
    def outlet_from_folder(self) -> bool:
        """Whether the outlet is only the name of the folder (site) the article was read
        from: nothing in it, its URL or its site's other articles named one
        (`pipeline._infer_site_outlets`)."""
        return self.outlet is not None and any(
            r.line < 0 and r.reason == Article.FOLDER_OUTLET and r.text == self.outlet for r in self.removed
        )

    @staticmethod
    def folder_of(source: str) -> str | None:
        """The name of the folder an input path is in: "seeds" for
        "../shared/seeds/000_x.txt" or "seeds/a.jsonl#3"; None for a bare file name or a
        label ("upload:a.txt")."""
        name = PurePosixPath(source.split("#", 1)[0].replace("\\", "/")).parent.name
        return name if name and name not in (".", "..") else None

    def to_record(self) -> dict[str, Any]:
        """The stable export record (see docs/export-format.md)."""
        return {
            "id": self.id,
            "source": self.source,
            "sources": self.sources or [self.source],
            "url": self.url,
            "outlet": self.outlet,
            "title": self.title,
            "published": self.published,
            "language": self.language,
            "dateline": self.dateline,
            "text": self.text,
            "removed": [{"text": r.text, "reason": r.reason, "line": r.line} for r in self.removed],
            "time_mentions": [_flat(t) for t in self.time_mentions],
            "story": self.story,
            "duplicate_of": self.duplicate_of,
            "duplicate_similarity": self.duplicate_similarity,
            **self.extraction_record(),
        }

    def with_extraction(self, record: dict[str, Any]) -> Article:
        """Fill the extraction fields from `extraction_record()` output."""
        self.entities = [EntityMention(**e) for e in record.get("entities", [])]
        self.quotes = [Quote(**q) for q in record.get("quotes", [])]
        self.claims = [Claim(**c) for c in record.get("claims", [])]
        self.numbers = [Quantity(**n) for n in record.get("numbers", [])]
        return self

    def extraction_record(self) -> dict[str, Any]:
        return {
            "entities": [_flat(e) for e in self.entities],
            "quotes": [_flat(q) for q in self.quotes],
            "claims": [_flat(c) for c in self.claims],
            "numbers": [_flat(n) for n in self.numbers],
        }


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _flat(record: Any) -> dict[str, Any]:
    """A record of plain fields as a dict: what `asdict` gives for these records (their
    fields are all str, numbers or None), without its deep copy, which took three
    quarters of an export's time."""
    cls = type(record)
    names = _FIELD_NAMES.get(cls) or _FIELD_NAMES.setdefault(cls, tuple(f.name for f in fields(cls)))
    return {name: getattr(record, name) for name in names}


def publication_order(published: str | None, seq: int) -> tuple[bool, str, int]:
    """The order of a stream: by publication time, undated articles after dated ones,
    ties and undated ones in the order they came (`seq`)."""
    return (published is None, published[:16] if published else "", seq)


def normalize_for_hash(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def content_hash(text: str) -> str:
    # surrogatepass: a lone surrogate (from a hostile JSON "\\ud800") hashes instead of
    # raising; valid text gives the same bytes, so stored ids do not change.
    return hashlib.sha256(normalize_for_hash(text).encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(slots=True)
class ArticleFeatures:
    """What the dedup and story stages compare an article by."""

    article_id: str
    language: str
    terms: dict[str, int]  # stemmed content words with counts (title weighted)
    title_terms: list[str]  # stems of the headline
    entities: dict[str, int]  # normalised name keys with counts
    days: list[tuple[int, int]]  # ordinal day ranges the article is about (publication, named days)
    embedding: Any = None  # title embedding, numpy float32 vector, or None
    day_marks: tuple[str, ...] = ()  # calendar days the text names, "MM-DD" (`meta.day_marks`)


@dataclass(frozen=True, slots=True)
class Syndication:
    """A paragraph of one article that also appears (near-verbatim) in another."""

    article_id: str
    paragraph: int
    other_article_id: str
    other_paragraph: int
    similarity: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a story-level fact comes from: one article's paragraph, and the words."""

    article: str
    outlet: str | None
    paragraph: int
    text: str
    published: str | None = None
    outlet_from_folder: bool = False  # the outlet is only its folder's name (`Article.outlet_from_folder`)


@dataclass(slots=True)
class StoryQuote:
    """One quote as several outlets carry it; copies and syndicated paragraphs count once."""

    speaker: str | None
    speaker_entity: str | None
    content: str  # the fullest wording
    kind: str
    sources: list[Evidence]
    independent_sources: int


@dataclass(slots=True)
class StoryClaim:
    kind: str
    holder: str | None
    content: str
    evidence: Evidence
    denied_by: list[Evidence] = field(default_factory=list)  # denials that point at it


@dataclass(slots=True)
class Conflict:
    """Figures for the same thing that cannot both be true."""

    unit: str
    first: Evidence
    first_figure: str
    second: Evidence
    second_figure: str
    same_article: bool


@dataclass(slots=True)
class StoryFacts:
    """What a story's articles say, gathered: entities by salience, quotes with their
    sources, claims with their denials, and conflicting figures."""

    entities: list[dict[str, Any]]
    quotes: list[StoryQuote]
    claims: list[StoryClaim]
    conflicts: list[Conflict]
    # A large story's facts come from a representative sample of its articles
    # (kabar.export.story_articles); "from 300 of 100,000 articles" is said, not hidden.
    articles_read: int = 0  # the articles these facts were gathered from
    articles_total: int = 0  # the story's articles in all
    quotes_left_out: int = 0  # quotes of the articles read beyond kabar.extract.story.MAX_QUOTES
    claims_left_out: int = 0  # claims and denials beyond MAX_CLAIMS
    figures_capped: int = 0  # figures a bucket or pair cap kept from some comparison
    conflicts_left_out: int = 0  # conflicts found beyond MAX_CONFLICTS

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Storyline:
    """Stories about one ongoing matter (a treaty signed, then ratified), earliest first:
    the latest `store.LINE_STORIES_READ` of them when it holds more (`total`)."""

    id: str
    stories: list[Story]
    total: int = 0  # how many stories it holds (0: as many as `stories`)
    first_published: str | None = None  # its earliest story's, when `stories` are only the latest

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "stories": [{"id": s.id, "title": s.title, "first_published": s.first_published,
                         "last_published": s.last_published, "articles": len(s.articles)} for s in self.stories],
            "first_published": self.first_published
            or min((s.first_published for s in self.stories if s.first_published), default=None),
            "last_published": max((s.last_published for s in self.stories if s.last_published), default=None),
            "total": max(self.total, len(self.stories)),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class StorySelection:
    """Which stories to list, and in what order (`Store.list_stories`)."""

    since: str | None = None  # last published on or after (ISO date or time)
    outlet: str | None = None  # reported by an outlet whose name holds this (any case)
    language: str | None = None  # with articles in this language
    storyline: str | None = None  # the stories of one storyline
    sort: str = "recent"  # "recent": latest day first, then largest; "largest": most articles first
    limit: int | None = None
    offset: int = 0


@dataclass(slots=True)
class Story:
    """One real-world event, reported by one or more outlets."""

    id: str
    title: str
    articles: list[str]
    outlets: list[str]
    languages: list[str]
    first_published: str | None
    last_published: str | None
    storyline: str

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "articles": self.articles,
            "outlets": self.outlets,
            "languages": self.languages,
            "first_published": self.first_published,
            "last_published": self.last_published,
            "storyline": self.storyline,
        }


@dataclass(frozen=True, slots=True)
class StoryMerge:
    """Story `merged` was folded into `into`; `merged` stays resolvable."""

    merged: str
    into: str
    article_id: str  # the article that bridged them


@dataclass(slots=True)
class StoryWrite:
    """A story's row as the story stage hands it to the store."""

    id: str
    storyline: str
    title: str
    n_articles: int
    first_published: str | None
    last_published: str | None
    languages: list[str]
    outlets: list[str]
    state: dict[str, Any]  # the story stage's own state, opaque to the store
    embedding: bytes | None
    last_seq: int
    # Its most salient names, what storyline linking needs of every story: kept apart from
    # `state` so a new run reads them without decoding every story's whole state.
    salient: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ChunkWrite:
    """Everything one chunk adds or changes; the store writes it in one transaction."""

    articles: list[Article]
    line_counts: dict[int, int] = field(default_factory=dict)  # recurring line key hash -> increment
    line_window: list[int] | None = None  # line key hashes seen for the first time in this chunk
    line_window_chunks: int = 0  # how many chunks of those the store keeps
    minhashes: dict[str, list[int]] = field(default_factory=dict)
    paragraph_signatures: dict[str, list[tuple[int, list[int]]]] = field(default_factory=dict)  # article -> [(¶, sig)]
    syndications: list[Syndication] = field(default_factory=list)
    duplicate_updates: list[tuple[str, str | None, float | None]] = field(default_factory=list)
    stories: list[StoryWrite] = field(default_factory=list)
    merges: list[StoryMerge] = field(default_factory=list)
    storylines: dict[str, str] = field(default_factory=dict)  # stored story -> new storyline
    term_df: dict[str, int] = field(default_factory=dict)  # increments
    n_docs: int = 0  # increment
    seq: int = 0  # the story stage's assignment counter after this chunk
    search_terms: dict[str, tuple[str, str]] = field(default_factory=dict)  # article -> stemmed title, body
