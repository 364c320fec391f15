"""What the pages and the API show, gathered from the store; plus the server-side SVG
charts (timeline, entity graph, storyline time axis, articles and reports over time).
Plain data out, so the templates only lay it out."""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from itertools import combinations
from typing import Any
from urllib.parse import urlsplit

from kabar.ask import Answer
from kabar.ask import ask as ask_question
from kabar.brief import SAME_SENTENCE, Brief, Cited
from kabar.brief import _sentences as brief_sentences
from kabar.brief import _vectors as brief_vectors
from kabar.export import StoryDetail, quotes_by_speaker
from kabar.export import story_detail as read_story
from kabar.model import Article, Evidence, Story, StoryFacts, StoryQuote, StorySelection
from kabar.query import Filters
from kabar.search import entity_keys
from kabar.search import run as run_search
from kabar.store import ENTITY_SCAN, ArticleRef, EntityInfo, EntityName, OutletInfo, ReadStore, StoryRef


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are ever rendered; "javascript:" and the like become plain text."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


def upload_name(name: str) -> str:
    """A label for an uploaded file: its base name, reduced to safe characters; the
    extension is kept because ingest reads the format from it."""
    base = re.split(r"[\\/]", name)[-1]
    clean = re.sub(r"[^\w.-]", "_", base)[-80:].lstrip(".")
    return clean or "upload.txt"


def _pages(total: int, page: int, per_page: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / per_page))
    return {"page": page, "per_page": per_page, "total": total, "pages": pages,
            "has_next": page < pages, "has_previous": page > 1}  # fmt: skip


def story_list(store: ReadStore, page: int, per_page: int, sort: str, since: str | None, outlet: str | None,
               language: str | None, storyline: str | None = None, until: str | None = None,
               entity: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A page of stories: last published on or after `since`, first published up to
    `until` (so active within the range), reported by `outlet`, with articles in
    `language`, of `storyline`, naming `entity` (any of its names in any language)."""
    selection = StorySelection(since or None, outlet or None, language or None, storyline or None, sort, per_page,
                               (page - 1) * per_page)  # fmt: skip
    keys = sorted(entity_keys(entity)) if entity else None
    stories, total = store.filter_stories(selection, until or None, keys)
    return {"stories": [s.to_record() for s in stories], **_pages(total, page, per_page)}


def storyline_list(store: ReadStore, page: int, per_page: int) -> dict[str, Any]:
    lines, total = store.list_storylines(per_page, (page - 1) * per_page)
    return {"storylines": [line.to_record() for line in lines], **_pages(total, page, per_page)}


# Stories of one storyline a page shows: /storylines its latest, a story page the nearest
# to the story in time, each with a link to the storyline's full list (/?storyline=...).
# Every demo and ECB+ dev storyline (at most 12 stories: kabar.export) is shown whole; a
# NeuS dev storyline reaches 99 stories, and 20 such storylines on one page of /storylines
# would be ~2,000 rows where 240 at most are now.
STORYLINE_SHOWN = 12


def _day(published: str | None) -> str | None:
    """The ISO day of a publication time, or None if there is none or it is not a date."""
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10]).isoformat()
    except ValueError:
        return None


def _story_row(s: Story, current: str | None = None) -> dict[str, Any]:
    first = _day(s.first_published)
    return {"id": s.id, "title": s.title, "first": first, "last": _day(s.last_published) or first,
            "articles": len(s.articles), "outlets": len(s.outlets), "current": s.id == current}  # fmt: skip


def _in_date_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dated stories from the earliest, then the undated."""
    return sorted(rows, key=lambda r: (r["first"] is None, r["first"] or "", r["last"] or "", r["id"]))


def latest_stories(stories: Sequence[Story], limit: int = STORYLINE_SHOWN) -> list[dict[str, Any]]:
    """The `limit` latest of a storyline's stories (the undated only when fewer are
    dated), in date order."""
    rows = _in_date_order([_story_row(s) for s in stories])
    dated = [r for r in rows if r["first"]]
    return dated[-limit:] if len(dated) >= limit else rows[: max(limit, 0)]


def nearest_stories(stories: Sequence[Story], story: Story, limit: int = STORYLINE_SHOWN) -> list[dict[str, Any]]:
    """`story` and the `limit` - 1 others of its storyline nearest to it in time (the
    undated last), in date order, `story` marked current."""
    rows = [_story_row(s, story.id) for s in {s.id: s for s in (story, *stories)}.values()]
    here = _day(story.first_published)

    def distance(r: dict[str, Any]) -> tuple[bool, bool, int, str]:
        if r["first"] is None or here is None:
            return (not r["current"], True, 0, r["id"])
        gap = abs(date.fromisoformat(r["first"]).toordinal() - date.fromisoformat(here).toordinal())
        return (not r["current"], False, gap, r["id"])

    return _in_date_order(sorted(rows, key=distance)[: max(limit, 1)])


def _storyline_block(
    line_id: str, stories: Sequence[Story], total: int = 0, first: str | None = None
) -> dict[str, Any]:
    """One storyline as /storylines shows it: named after its largest story (the earliest
    of equals), its size and span (from `first`, its earliest story's publication, when
    `stories` are only its latest), its latest STORYLINE_SHOWN stories and their axis."""
    rows = _in_date_order([_story_row(s) for s in stories])
    largest = min(rows, key=lambda r: (-r["articles"], r["first"] is None, r["first"] or "", r["id"]))
    days = [d for r in rows for d in (r["first"], r["last"]) if d] + [d for d in [_day(first)] if d]
    shown = latest_stories(stories)
    total = max(total, len(rows))
    return {"id": line_id, "title": largest["title"], "total": total, "shown": shown,
            "more": total - len(shown), "first": min(days, default=None), "last": max(days, default=None),
            "axis": storyline_axis(shown)}  # fmt: skip


def storylines_page(store: ReadStore, page: int, per_page: int) -> dict[str, Any]:
    """A page of /storylines: storylines of more than one story, the most recently active
    first (`ReadStore.list_storylines`), each drawn by `_storyline_block`."""
    lines, total = store.list_storylines(per_page, (page - 1) * per_page)
    blocks = [_storyline_block(line.id, line.stories, line.total, line.first_published) for line in lines]
    return {"storylines": blocks, **_pages(total, page, per_page)}


def storyline_sizes(store: ReadStore, storylines: Sequence[str]) -> dict[str, int]:
    """How many stories each of these storylines holds: one indexed count per distinct
    storyline (a page of the story list names at most MAX_PER_PAGE), no story read."""
    return {line: store.list_stories(StorySelection(storyline=line, limit=0))[1] for line in dict.fromkeys(storylines)}


def story_list_page(store: ReadStore, page: int, per_page: int, sort: str, since: str | None, outlet: str | None,
                    language: str | None, storyline: str | None = None, until: str | None = None,
                    entity: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The story list page: `story_list`, each story with its storyline's size."""
    listing = story_list(store, page, per_page, sort, since, outlet, language, storyline, until, entity)
    sizes = storyline_sizes(store, [s["storyline"] for s in listing["stories"]])
    for s in listing["stories"]:
        s["storyline_size"] = sizes[s["storyline"]]
    return listing


@dataclass(frozen=True, slots=True)
class StoryPage(StoryDetail):
    """The story page: the story's read model (GET /api/stories/{id} is its record) and
    what the page draws from it."""

    quotes_by_speaker: list[tuple[str, list[StoryQuote]]]
    timeline_svg: dict[str, Any]
    graph_svg: dict[str, Any]
    # The storyline's stories shown (`nearest_stories`: this one and its nearest in time,
    # in date order), how many there are in all, and their axis.
    line_shown: list[dict[str, Any]]
    line_total: int
    line_axis: dict[str, Any]
    # The entity key of each claim's holder (facts.claims' order), for its link; None
    # when the extraction gave none.
    claim_holders: list[str | None]
    coverage: Coverage
    # The outlet names (lower case) that are only folder names in the articles read
    # (`folder_names`): the page labels them "NAME (folder)" wherever it names an outlet.
    folder_outlets: frozenset[str]

    def to_record(self) -> dict[str, Any]:
        """GET /api/stories/{id}: the story's read model and its coverage."""
        return {**StoryDetail.to_record(self), "coverage": self.coverage.to_record()}


def story_detail(store: ReadStore, story_id: str, sentences: int) -> StoryPage | None:
    story = store.get_story(story_id)
    if story is None:
        return None
    # A large story is read through a bounded sample of its articles (export.STORY_SAMPLE):
    # the page lists those and says how many more there are.
    detail = read_story(store, story, sentences)
    shown = nearest_stories(detail.storyline, story)
    return StoryPage(
        **{f.name: getattr(detail, f.name) for f in fields(detail)},
        quotes_by_speaker=quotes_by_speaker(detail.facts.quotes, "—"),
        timeline_svg=timeline_svg(detail.brief),
        graph_svg=entity_graph_svg(detail.articles, detail.facts),
        line_shown=shown,
        line_total=len(detail.storyline) + 1,
        line_axis=storyline_axis(shown),
        claim_holders=claim_holders(detail.facts, detail.articles),
        coverage=story_coverage(store, story),
        folder_outlets=folder_names(detail.articles),
    )


def folder_names(articles: Sequence[Article]) -> frozenset[str]:
    """The outlet names (lower case) that, in every one of `articles` bearing them, are
    only the name of the folder the article was read from (`Article.outlet_from_folder`).
    A listing that has no articles read in full (an `ArticleRef`, a story's outlet list)
    can mark an outlet only by such a set."""
    folder: set[str] = set()
    named: set[str] = set()
    for a in articles:
        if a.outlet:
            (folder if a.outlet_from_folder else named).add(a.outlet.lower())
    return frozenset(folder - named)


def claim_holders(found: StoryFacts, articles: Sequence[Article]) -> list[str | None]:
    """The holder's entity key of each of the story's claims: the article claim it was
    gathered from (same article, paragraph and content) carries it."""
    keys = {(a.id, c.paragraph, c.content): c.holder_entity for a in articles for c in a.claims}
    return [keys.get((c.evidence.article, c.evidence.paragraph, c.content)) for c in found.claims]


def article_entities(article: Article) -> list[dict[str, str]]:
    """The article's entities in order of first mention: key, its fullest form here
    (most words, then most used) and type."""
    forms: dict[str, Counter[str]] = {}
    labels: dict[str, Counter[str]] = {}
    for m in sorted(article.entities, key=lambda m: m.start):
        forms.setdefault(m.entity, Counter())[m.text] += 1
        labels.setdefault(m.entity, Counter())[m.label] += 1
    return [{"key": k, "name": max(f.items(), key=lambda kv: (len(kv[0].split()), kv[1]))[0],
             "label": labels[k].most_common(1)[0][0]} for k, f in forms.items()]  # fmt: skip


def article_detail(store: ReadStore, article_id: str) -> dict[str, Any] | None:
    article = store.get_article(article_id)
    if article is None:
        return None
    return {"article": article, "url": safe_url(article.url), "entities": article_entities(article),
            "syndicated": {s.paragraph for s in store.syndication(article.id)}}  # fmt: skip


# --- entity pages ---------------------------------------------------------------------
# Every read is bounded, whatever the entity's size (a name in 100,000 articles): counts
# and per-day counts are computed in the database; stories and names come from its latest
# store.ENTITY_SCAN articles; quotes and claims from its latest articles that quote it or
# put it in a claim, read whole; co-occurring entities from its latest COOCCUR_ARTICLES.
ENTITY_STORIES = 20  # stories listed
ENTITY_QUOTE_ARTICLES = 12  # latest articles quoting it, read for their quotes
ENTITY_CLAIM_ARTICLES = 12  # latest articles with a claim it holds or that names it
ENTITY_QUOTES = 20  # quotes shown (one wording, however many copies carry it, is one)
ENTITY_CLAIMS = 20
ENTITY_NAMES = 20  # forms shown
COOCCUR_ARTICLES = 200
COOCCUR_SHOWN = 12
# The UI label of each entity type.
ENTITY_TYPES = {"PERSON": "person", "ORG": "organisation", "LOC": "place", "EVENT": "event"}


@dataclass(frozen=True, slots=True)
class EntityClaim:
    """A claim, accusation, estimate, report or denial held by the entity ("by") or naming
    it in its content ("about"), with its citation and the denials that answer it there."""

    kind: str
    holder: str | None
    holder_entity: str | None
    content: str
    role: str  # "by" or "about"
    evidence: Evidence
    denied_by: tuple[Evidence, ...] = ()

    def to_record(self) -> dict[str, Any]:
        return {"kind": self.kind, "holder": self.holder, "holder_entity": self.holder_entity,
                "content": self.content, "role": self.role, "evidence": asdict(self.evidence),
                "denied_by": [asdict(e) for e in self.denied_by]}  # fmt: skip


@dataclass(frozen=True, slots=True)
class EntityPage:
    """One entity as /entities/{key} and GET /api/entities/{key} show it (`entity_detail`)."""

    key: str
    name: str  # its fullest form in the articles read
    label: str  # PERSON, ORG, LOC, EVENT, or "" when only named as a speaker or holder
    info: EntityInfo
    # Its forms, each with the languages of the articles using it: "Korea Utara" (id),
    # "North Korea" (en). Over its latest store.ENTITY_SCAN articles.
    aliases: list[dict[str, Any]]
    stories: list[dict[str, Any]]  # newest first (`_story_ref_row`), with `mentions`
    storylines: list[dict[str, Any]]  # those of its stories that hold more than one story
    quotes: list[StoryQuote]  # by it, newest first, each wording once with every source read
    claims: list[EntityClaim]  # held by it or naming it, newest first
    days: list[tuple[str, int]]  # (ISO day, articles) over every dated article
    chart: dict[str, Any]  # `mentions_chart` of `days`
    cooccurring: list[dict[str, Any]]  # key, name, label, articles together
    quote_articles_read: int
    claim_articles_read: int

    @property
    def type(self) -> str:
        """The UI label naming its type ("person", ...), or "" when it has none."""
        return ENTITY_TYPES.get(self.label, "")

    @property
    def names_read(self) -> int:
        """The articles its names and stories come from: its latest store.ENTITY_SCAN."""
        return min(self.info.articles, ENTITY_SCAN)

    @property
    def export_name(self) -> str:
        """A name that filters exports, the story list and search to this entity: its most
        used form that `search.entity_keys` reads as its key, else the key itself."""
        for alias in self.aliases:
            if self.key in entity_keys(alias["name"]):
                return str(alias["name"])
        return self.key

    @property
    def cooccurring_read(self) -> int:
        """The articles the entities named with it come from: its latest COOCCUR_ARTICLES."""
        return min(self.info.articles, COOCCUR_ARTICLES)

    def to_record(self) -> dict[str, Any]:
        """The JSON of GET /api/entities/{key}: the same facts as the page."""
        info = self.info
        return {
            "key": self.key, "name": self.name, "label": self.label, "articles": info.articles,
            "quoted_in": info.quoted_in, "claimed_in": info.claimed_in,
            "first_published": info.first_published, "last_published": info.last_published,
            "aliases": self.aliases, "stories": self.stories, "storylines": self.storylines,
            "quotes": [asdict(q) for q in self.quotes], "claims": [c.to_record() for c in self.claims],
            "mentions_per_day": [{"day": d, "articles": n} for d, n in self.days],
            "cooccurring": self.cooccurring,
            "quote_articles_read": self.quote_articles_read, "claim_articles_read": self.claim_articles_read,
            "names_read": self.names_read, "cooccurring_read": self.cooccurring_read,
        }  # fmt: skip


def _story_ref_row(ref: StoryRef) -> dict[str, Any]:
    first = _day(ref.first_published)
    return {"id": ref.id, "title": ref.title, "first": first, "last": _day(ref.last_published) or first,
            "articles": ref.n_articles, "outlets": list(ref.outlets), "languages": list(ref.languages),
            "storyline": ref.storyline}  # fmt: skip


def _evidence_of(a: Article, paragraph: int, text: str) -> Evidence:
    return Evidence(a.id, a.outlet, paragraph, text, a.published, a.outlet_from_folder)


def _newest_first(articles: Sequence[Article]) -> list[Article]:
    """Dated articles newest first, then the undated."""
    return sorted(articles, key=lambda a: (a.published is not None, a.published or "", a.id), reverse=True)


def resolve_entity(store: ReadStore, ref: str) -> tuple[str, EntityInfo] | None:
    """The entity `ref` means, with what the store knows of it: `ref` itself when it is a
    key the store has, else the key its name takes in any language ("Korea Utara", "North
    Korea", "DPRK" -> C:KP) that the most articles name; None when no article names it."""
    info = store.entity(ref)
    if info is not None:
        return ref, info
    found = [(key, info) for key in sorted(entity_keys(ref)) if key != ref and (info := store.entity(key))]
    return max(found, key=lambda kv: (kv[1].articles, kv[0])) if found else None


def _entity_quotes(key: str, articles: Sequence[Article]) -> list[StoryQuote]:
    """The entity's quotes in `articles` (newest first): one wording (case and spacing
    aside) is one quote, cited by every article read that carries it; independent sources
    count outlets."""
    grouped: dict[str, StoryQuote] = {}
    for a in articles:
        for q in a.quotes:
            if q.nested or q.speaker_entity != key:
                continue
            wording = " ".join(q.content.lower().split())
            found = grouped.get(wording)
            if found is None:
                if len(grouped) >= ENTITY_QUOTES:
                    continue
                found = grouped[wording] = StoryQuote(q.speaker, q.speaker_entity, q.content, q.kind, [], 0)
            if all(e.article != a.id for e in found.sources):
                found.sources.append(_evidence_of(a, q.paragraph, q.content))
    for found in grouped.values():
        found.independent_sources = len(
            {(e.article if e.outlet_from_folder or not e.outlet else e.outlet).lower() for e in found.sources}
        )
    return list(grouped.values())


def _entity_claims(key: str, articles: Sequence[Article]) -> list[EntityClaim]:
    """Claims in `articles` (newest first) held by the entity or naming it in their content;
    a claim's denials in its own article come with it."""
    out: list[EntityClaim] = []
    for a in articles:
        named = sorted(m.start for m in a.entities if m.entity == key)
        for i, c in enumerate(a.claims):
            by = c.holder_entity == key
            about = bisect_left(named, c.end) > bisect_left(named, c.start)
            if not (by or about):
                continue
            denials = tuple(_evidence_of(a, d.paragraph, d.content) for d in a.claims
                            if d.kind == "denial" and d.denies == i)  # fmt: skip
            out.append(EntityClaim(c.kind, c.holder, c.holder_entity, c.content, "by" if by else "about",
                                   _evidence_of(a, c.paragraph, c.content), denials))  # fmt: skip
            if len(out) >= ENTITY_CLAIMS:
                return out
    return out


def _aliases(names: Sequence[EntityName]) -> list[dict[str, Any]]:
    """Forms of one entity (case aside), each with its languages and articles, most used first."""
    forms: dict[str, dict[str, Any]] = {}
    for n in names:
        form = forms.setdefault(n.name.lower(), {"name": n.name, "languages": set(), "articles": 0})
        form["languages"].add(n.language)
        form["articles"] += n.articles
    ordered = sorted(forms.values(), key=lambda f: (-f["articles"], f["name"]))[:ENTITY_NAMES]
    return [{**f, "languages": sorted(f["languages"])} for f in ordered]


def _best_name(key: str, names: Sequence[EntityName]) -> tuple[str, str]:
    """The entity's fullest form (most words, then most used) and its most used type."""
    if not names:
        return key, ""
    best = max(names, key=lambda n: (len(n.name.split()), n.articles, n.name)).name
    labels: Counter[str] = Counter()
    for n in names:
        if n.label:
            labels[n.label] += n.articles
    return best, (labels.most_common(1)[0][0] if labels else "")


def entity_detail(store: ReadStore, ref: str) -> EntityPage | None:
    """The entity page's read model for an entity key, or a name any language gives it
    (`resolve_entity`: its `key` then says which it is); None if no article names it.
    Bounded whatever the entity's size."""
    found = resolve_entity(store, ref)
    if found is None:
        return None
    key, info = found
    name, label = _best_name(key, info.names)
    stories = [{**_story_ref_row(story), "mentions": n} for story, n in store.entity_stories(key, ENTITY_STORIES)]
    sizes = storyline_sizes(store, [s["storyline"] for s in stories])
    for s in stories:
        s["storyline_size"] = sizes[s["storyline"]]
    lines: dict[str, dict[str, Any]] = {}
    for s in stories:
        if sizes[s["storyline"]] > 1:
            line = lines.setdefault(s["storyline"], {"id": s["storyline"], "stories": sizes[s["storyline"]],
                                                     "title": s["title"], "last": s["last"]})  # fmt: skip
            line["last"] = max(filter(None, [line["last"], s["last"]]), default=None)
    quoting = store.get_articles(store.entity_articles(key, ENTITY_QUOTE_ARTICLES, "quote"))
    claiming = store.get_articles(store.entity_articles(key, ENTITY_CLAIM_ARTICLES, "claim"))
    days = store.entity_days(key)
    return EntityPage(
        key=key, name=name, label=label, info=info, aliases=_aliases(info.names), stories=stories,
        storylines=list(lines.values()), quotes=_entity_quotes(key, _newest_first(quoting)),
        claims=_entity_claims(key, _newest_first(claiming)), days=days, chart=mentions_chart(days),
        cooccurring=[{"key": k, "name": n, "label": lab, "articles": c}
                     for k, n, lab, c in store.cooccurring(key, COOCCUR_SHOWN, COOCCUR_ARTICLES)],
        quote_articles_read=len(quoting), claim_articles_read=len(claiming),
    )  # fmt: skip


# --- outlet pages ---------------------------------------------------------------------
# Bounded whatever the outlet's size: counts in the database; its stories, who was first
# and its shared paragraphs from its latest OUTLET_SCAN articles; what it adds from its
# latest OUTLET_ADDS_STORIES stories that other outlets reported too, each compared with
# at most ADDS_OTHERS of the others' original reports (the brief's `outlet_adds`).
OUTLET_SCAN = 300
OUTLET_STORIES = 20
OUTLET_ADDS_STORIES = 3  # its latest stories that others reported too, each read for ...
ADDS_OTHERS = 4  # ... its earliest original against at most this many others' originals
ADDS_LOOK = 40  # a story's first articles looked at for the others' reports
ADDS_SENTENCES = 2  # sentences shown per story
OUTLET_COPIES = 20
OUTLET_SHARED_ARTICLES = 30  # latest articles whose shared paragraphs are read ...
SHARED_ROWS = 20  # ... at most this many rows of each


@dataclass(frozen=True, slots=True)
class OutletPage:
    """One outlet as /outlets/{name} and GET /api/outlets/{name} show it (`outlet_detail`)."""

    info: OutletInfo
    stories: list[dict[str, Any]]  # newest first (`_story_ref_row`), with `first` to report
    stories_read: int  # distinct stories in its latest OUTLET_SCAN articles
    shared_stories: int  # of those, reported by other outlets too ...
    first_in: int  # ... and of those, how many it reported first (a tie counts)
    adds: list[dict[str, Any]]  # story, title, sentences: what it says that the others read do not
    copies: list[dict[str, Any]]  # its latest copies, each with its original
    shared: list[dict[str, Any]]  # articles with paragraphs from other outlets' earlier reports
    articles_read: int
    # Its name is only the name of the folder its latest article was read from (that one
    # article read in full; `Article.outlet_from_folder`).
    from_folder: bool = False

    def to_record(self) -> dict[str, Any]:
        """The JSON of GET /api/outlets/{name}: the same facts as the page."""
        return {
            "name": self.info.name, "articles": self.info.articles, "copies": self.info.copies,
            "first_published": self.info.first_published, "last_published": self.info.last_published,
            "stories": self.stories, "stories_read": self.stories_read, "shared_stories": self.shared_stories,
            "first_in": self.first_in,
            "adds": [{**a, "sentences": [asdict(c) for c in a["sentences"]]} for a in self.adds],
            "copies_listed": self.copies, "shared_paragraphs": self.shared, "articles_read": self.articles_read,
        }  # fmt: skip


def _same_outlet(a: str | None, b: str | None) -> bool:
    return (a or "").lower() == (b or "").lower()


def _adds(mine: Article, others: Sequence[Article]) -> list[Cited]:
    """The sentences of `mine` that none of `others` says much the same as: the test of
    the story brief's `outlet_adds` (TF-IDF cosine below SAME_SENTENCE x 0.6 to every other
    source's sentence), without the brief's scoring; its earliest two such sentences."""
    own = brief_sentences(mine)
    theirs = [c for a in others for c in brief_sentences(a)]
    if not own or not theirs:
        return []
    vectors = brief_vectors([*own, *theirs])
    similarity = vectors[: len(own)] @ vectors[len(own) :].T
    fresh = [c for c, row in zip(own, similarity, strict=True) if float(row.max()) < SAME_SENTENCE * 0.6]
    return sorted(fresh, key=lambda c: c.rank)[:ADDS_SENTENCES]


def _outlet_adds(store: ReadStore, name: str, story: StoryRef, own: Sequence[ArticleRef]) -> list[Cited]:
    """What the outlet's report of `story` (its earliest original there) says that none of
    at most ADDS_OTHERS of the others' original reports says, those taken from the story's
    first ADDS_LOOK articles (`_adds`)."""
    mine = sorted((r for r in own if not r.duplicate_of), key=lambda r: (r.published is None, r.published or ""))
    others = [r for r in store.story_first_articles(story.id, ADDS_LOOK)
              if not r.duplicate_of and not _same_outlet(r.outlet, name)][:ADDS_OTHERS]  # fmt: skip
    if not mine or not others:
        return []
    read = store.get_articles([mine[0].id, *(r.id for r in others)])
    return _adds(read[0], read[1:]) if read and read[0].id == mine[0].id else []


def outlet_detail(store: ReadStore, name: str) -> OutletPage | None:
    """The outlet page's read model (any case of its name), or None if no article has it.
    Bounded whatever the outlet's size."""
    info = store.outlet(name)
    if info is None:
        return None
    recent = store.outlet_articles(name, OUTLET_SCAN)
    by_story: dict[str, list[ArticleRef]] = {}
    for r in recent:
        if r.story:
            by_story.setdefault(r.story, []).append(r)
    refs = store.story_refs(list(by_story))
    rows: list[dict[str, Any]] = []
    shared_stories = first_in = 0
    adds: list[dict[str, Any]] = []
    for sid, own in by_story.items():
        ref = refs.get(sid)
        if ref is None:
            continue
        earliest = min((r.published[:16] for r in own if r.published), default=None)
        first = bool(earliest and ref.first_published and earliest <= ref.first_published[:16])
        others = any(not _same_outlet(o, info.name) for o in ref.outlets)
        if others:
            shared_stories += 1
            first_in += first
            if shared_stories <= OUTLET_ADDS_STORIES and (cited := _outlet_adds(store, info.name, ref, own)):
                adds.append({"story": ref.id, "title": ref.title, "sentences": cited})
        if len(rows) < OUTLET_STORIES:
            rows.append({**_story_ref_row(ref), "reported": len(own), "first_to_report": first and others})
    copies = store.outlet_articles(name, OUTLET_COPIES, copies=True)
    originals = store.article_refs([c.duplicate_of for c in copies if c.duplicate_of])
    copy_rows = [{"article": c.to_record(), "original": originals[c.duplicate_of].to_record()
                  if c.duplicate_of in originals else None,
                  "others": c.duplicate_of in originals and not _same_outlet(originals[c.duplicate_of].outlet,
                                                                             info.name)}
                 for c in copies]  # fmt: skip
    latest = store.get_articles([recent[0].id]) if recent else []
    return OutletPage(info, rows, len(refs), shared_stories, first_in, adds, copy_rows,
                      _shared_paragraphs(store, info.name, recent[:OUTLET_SHARED_ARTICLES]), len(recent),
                      from_folder=bool(latest) and latest[0].outlet_from_folder)  # fmt: skip


def _shared_paragraphs(store: ReadStore, name: str, articles: Sequence[ArticleRef]) -> list[dict[str, Any]]:
    """Of `articles`, those holding paragraphs that another outlet's earlier report holds
    too (wire text inside a longer piece): their paragraphs and where they come from.
    Copies are left out (they are listed as copies). At most SHARED_ROWS syndication rows
    of each article are read."""
    articles = [a for a in articles if not a.duplicate_of]
    found = store.shared_paragraphs([a.id for a in articles], SHARED_ROWS)
    others = store.article_refs(sorted({s.other_article_id for rows in found.values() for s in rows}))
    out = []
    for a in articles:
        sources: dict[str, dict[str, Any]] = {}
        for s in found.get(a.id, []):
            other = others.get(s.other_article_id)
            if other is None or _same_outlet(other.outlet, name):
                continue
            if a.published and other.published and other.published[:16] > a.published[:16]:
                continue  # a later report took it from this one, not the other way round
            source = sources.setdefault(other.id, {"article": other.to_record(), "paragraphs": []})
            if s.paragraph not in source["paragraphs"]:
                source["paragraphs"].append(s.paragraph)
        if sources:
            out.append({"article": a.to_record(), "from": list(sources.values())})
    return out


def search(
    store: ReadStore, q: str, page: int, per_page: int, since: str | None, until: str | None,
    outlet: str | None, language: str | None, entity: str | None, story: str | None,
) -> dict[str, Any]:  # fmt: skip
    filters = Filters(since or None, until or None, outlet or None, language or None, entity or None, story or None)
    try:
        hits, total = run_search(store, q, filters, per_page, (page - 1) * per_page)
    except ValueError:
        hits, total = [], 0
    return {"q": q, "hits": hits, **_pages(total, page, per_page)}


def ask(store: ReadStore, q: str, story: str | None, embedder: Any) -> Answer:
    return ask_question(store, q, Filters(story=story or None), embedder)


# --- coverage: who reported the story, when, in which language ----------------------------
# Counted in the database over all the story's articles (`ReadStore.story_coverage`: a
# row per outlet, language, copy and period, however many articles), so the coverage
# holds for a story of any size, not only for the articles its brief is read from.
COVERAGE_OUTLETS = 40  # outlets listed by their first report; the others are counted
COVERAGE_SERIES = 6  # outlets with a colour of their own in the chart; the others share one
OTHER_SERIES = COVERAGE_SERIES  # the series of the outlets without a colour of their own
_PERIOD = {"day": 10, "week": 10, "month": 7, "year": 4}  # characters of the time a chart bin is read from
# A story's reports are counted per day (and binned into weeks) over at most half a year:
# the rows read are then at most ~180 per outlet; past it, per month.
COVERAGE_WEEKS = 183


def coverage_unit(span: int) -> str:
    """The bin of a story's coverage chart over `span` days: day, week, month or year."""
    unit = chart_unit(0, span)
    return "month" if unit == "week" and span > COVERAGE_WEEKS else unit


@dataclass(frozen=True, slots=True)
class Coverage:
    """Who reported a story and when, as Ground News shows it: articles per outlet, each
    outlet's first report (the earliest overall first), which outlets only copied, the
    languages, and a chart of reports per day (week, month) by outlet."""

    articles: int
    undated: int
    outlets: list[dict[str, Any]]  # earliest first report first; name None: no outlet known
    outlets_total: int
    only_copied: list[str | None]  # outlets all of whose articles are copies of earlier ones
    languages: list[tuple[str, int]]  # most articles first
    series: list[dict[str, Any]]  # the chart's colours: outlet name (None: unknown), articles; "other" last
    chart: dict[str, Any]  # `stacked_chart`, one series per coloured outlet

    def to_record(self) -> dict[str, Any]:
        return {"articles": self.articles, "undated": self.undated, "outlets": self.outlets,
                "outlets_total": self.outlets_total, "only_copied": self.only_copied,
                "languages": [{"language": k, "articles": n} for k, n in self.languages],
                "per_period": {"unit": self.chart.get("unit"), "series": self.series,
                               "bars": [{"from": b["from"], "to": b["to"],
                                         "articles": {str(s["series"]): s["n"] for s in b["segments"]}}
                                        for b in self.chart.get("bars", [])]}}  # fmt: skip


def _period_ordinal(period: str) -> int | None:
    """The first day of a period as `story_coverage` gives it (YYYY-MM-DD, YYYY-MM, YYYY)."""
    try:
        if len(period) == 4:
            return date(int(period), 1, 1).toordinal()
        if len(period) == 7:
            return date(int(period[:4]), int(period[5:7]), 1).toordinal()
        return date.fromisoformat(period[:10]).toordinal()
    except ValueError:
        return None


def story_coverage(store: ReadStore, story: Story) -> Coverage:
    """The story's coverage (`Coverage`): two reads over all its articles, each bounded in
    what it returns (a row per outlet, language and period; a row per outlet)."""
    first, last = _ordinal(story.first_published), _ordinal(story.last_published)
    unit = coverage_unit(last - first if first is not None and last is not None else 0)
    rows = store.story_coverage(story.id, _PERIOD[unit])
    outlets: dict[str, dict[str, Any]] = {}
    spelled: dict[str, Counter[str]] = {}
    languages: Counter[str] = Counter()
    undated = 0
    for r in rows:
        key = (r.outlet or "").lower()
        o = outlets.get(key)
        if o is None:
            o = outlets[key] = {"name": r.outlet, "articles": 0, "copies": 0, "languages": Counter()}
            spelled[key] = Counter()
        o["articles"] += r.articles
        o["copies"] += r.articles if r.copy else 0
        o["languages"][r.language] += r.articles
        if r.outlet:
            spelled[key][r.outlet] += r.articles
        languages[r.language] += r.articles
        undated += r.articles if not r.period else 0
    for key, forms in spelled.items():
        if forms:
            outlets[key]["name"] = max(forms.items(), key=lambda kv: (kv[1], kv[0]))[0]
    firsts = store.story_first_reports(story.id, COVERAGE_OUTLETS)
    order = list(dict.fromkeys(k for f in firsts if (k := (f.outlet or "").lower()) in outlets))
    order += sorted((k for k in outlets if k not in set(order)), key=lambda k: (-outlets[k]["articles"], k))
    place = {k: i for i, k in enumerate(order)}
    coloured = sorted(outlets, key=lambda k: (-outlets[k]["articles"], place[k]))
    series_of = {k: i for i, k in enumerate(coloured[:COVERAGE_SERIES])}
    first_of = {(f.outlet or "").lower(): f for f in firsts}
    listed = []
    for k in order[:COVERAGE_OUTLETS]:
        f = first_of.get(k)
        listed.append({"name": outlets[k]["name"], "articles": outlets[k]["articles"], "copies": outlets[k]["copies"],
                       "only_copies": outlets[k]["copies"] == outlets[k]["articles"],
                       "series": series_of.get(k, OTHER_SERIES),
                       "languages": [lang for lang, _ in outlets[k]["languages"].most_common()],
                       "first": f.to_record() if f else None})  # fmt: skip
    counts: Counter[tuple[int, int]] = Counter()
    for r in rows:
        if r.period and (day := _period_ordinal(r.period)) is not None:
            counts[(day, series_of.get((r.outlet or "").lower(), OTHER_SERIES))] += r.articles
    series = [{"series": i, "name": outlets[k]["name"], "articles": outlets[k]["articles"]}
              for k, i in series_of.items()]  # fmt: skip
    rest = [k for k in outlets if k not in series_of]
    if rest:
        series.append({"series": OTHER_SERIES, "name": None, "other": len(rest),
                       "articles": sum(outlets[k]["articles"] for k in rest)})  # fmt: skip
    return Coverage(
        articles=sum(languages.values()), undated=undated, outlets=listed, outlets_total=len(outlets),
        only_copied=[outlets[k]["name"] for k in order if outlets[k]["copies"] == outlets[k]["articles"]],
        languages=languages.most_common(), series=series, chart=stacked_chart(counts, unit),
    )  # fmt: skip


# --- translations of what the pages print from the data ----------------------------------
# Removal reasons are written in English by the cleaner (clean.py, meta.py, pipeline.py);
# a page in another language prints the language's label "removed: <reason>", the reasons
# that carry a value through a label with a placeholder.
_MARKER = ("after end-of-article marker '", "'")
_LONG_TOKEN = ("token longer than ", " characters (a blob, not words)")
_LONG_TITLE = ("title over ", " characters: ", " cut")


def _between(text: str, head: str, tail: str) -> str | None:
    """What `text` holds between `head` and `tail` when it begins and ends with them."""
    if text.startswith(head) and text.endswith(tail) and len(text) >= len(head) + len(tail):
        return text[len(head) : len(text) - len(tail)]
    return None


def removal_label(reason: str) -> tuple[str, dict[str, str]]:
    """The UI label key a removal reason is printed with, and the values it holds (the
    marker; the lengths), which the label names in braces."""
    if (marker := _between(reason, *_MARKER)) is not None:
        return "removed: after end-of-article marker '{marker}'", {"marker": marker}
    if (n := _between(reason, *_LONG_TOKEN)) is not None and n.isdigit():
        return "removed: token longer than {n} characters (a blob, not words)", {"n": n}
    if (held := _between(reason, _LONG_TITLE[0], _LONG_TITLE[2])) is not None:
        limit, _, n = held.partition(_LONG_TITLE[1])
        if limit.isdigit() and n.isdigit():
            return "removed: title over {limit} characters: {n} cut", {"limit": limit, "n": n}
    return f"removed: {reason}", {}


# --- filters and date navigation -------------------------------------------------------------


def picked_range(day: str | None, week: str | None) -> tuple[str, str] | None:
    """(since, until) of a day picker's value (YYYY-MM-DD: that day) or a week picker's
    (YYYY-Www: its Monday to its Sunday); None when neither is given. ValueError for a
    day or week that does not exist."""
    if day:
        d = date.fromisoformat(day)
        return d.isoformat(), d.isoformat()
    if week:
        year, _, number = week.partition("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
        return monday.isoformat(), date.fromordinal(monday.toordinal() + 6).isoformat()
    return None


def date_navigation(since: str | None, until: str | None) -> dict[str, Any] | None:
    """Links to the day or week before and after, when the range is one day or one ISO
    week (Monday to Sunday): {"unit", "previous": (since, until), "next": (since, until)};
    None for any other range."""
    a, b = _ordinal(since), _ordinal(until)
    if a is None or b is None or not (since and until and len(since) == len(until) == 10):
        return None
    if a == b:
        step = 1
        unit = "day"
    elif b - a == 6 and date.fromordinal(a).weekday() == 0:
        step = 7
        unit = "week"
    else:
        return None

    def days(shift: int) -> tuple[str, str]:
        return date.fromordinal(a + shift).isoformat(), date.fromordinal(b + shift).isoformat()

    week = date.fromordinal(a).isocalendar()
    return {"unit": unit, "previous": days(-step), "next": days(step),
            "week": f"{week.year}-W{week.week:02d}"}  # fmt: skip


# --- charts -----------------------------------------------------------------------------
# Every chart is server-side SVG drawn in a viewBox AXIS_WIDTH units wide at width 100%
# (at most a max-width in kabar.css), so it fits a 390 px phone: there a unit is ~1 px and
# an 11-unit label reads at ~11 px. Labels go only where their measured box (`text_width`)
# keeps clear of every other label and mark; what has no room is named in the HTML list
# beside the chart, and every colour has its entry in the legend list.
AXIS_WIDTH = 360
AXIS_PAD = 6  # units left and right of the axis
AXIS_BAR = 10  # a bar's height
AXIS_LANE = 14  # a lane's height: bars that would overlap in time go on separate lanes
AXIS_FONT = 11  # label size, in units
AXIS_GAP = 8  # units kept clear between two labels
AXIS_MIN_BAR = 3  # a one-day story on a long axis still shows

# Advance widths of DejaVu Sans, in hundredths of an em, read from the font's hmtx table
# (Debian's default sans-serif, and among the widest common sans-serif faces, so they
# bound Arial's, Helvetica's, Roboto's and SF's); a character not listed counts a whole em
# (CJK is one em; the wider symbols are listed).
_EM_HUNDREDTHS = {
    28: "'ijlìíîïĩīĭįıĵĺļ",
    29: "ł",
    30: "IJÌÍÎÏĨĪĬĮİĴ",
    32: " ,.\xa0·‘’",
    34: "/:;\\|¦",
    35: "ŀ",
    36: "f",
    37: "-\xad",
    38: "ľ",
    40: "()[]tţťŧ",
    41: "!¡²³¹",
    42: "rŕŗř",
    46: '"',
    48: "ªº",
    50: "*_`§¨¯°´¸–",
    52: "“”",
    53: "szśŝşšźżž",
    54: "?¿",
    55: "cçćĉċč",
    56: "LĳĹĻĽĿ",
    57: "Ł",
    58: "Fkķĸ",
    59: "Ĳ",
    60: "vxyýÿŷ",
    61: "PÞ",
    62: "TYaeo«»ÝàáâãäåèéêëðòóôõöøāăąēĕėęěōŏőŢŤŦŶŸ",
    63: "ß",
    64: "$0123456789ESbdghnpqu{}¢£¤¥µ¶ÈÉÊËñùúûüþďđĒĔĖĘĚĝğġģĥńņňŋŚŜŞŠũūŭůűų",
    66: "KĶ",
    69: "ABVXZÀÁÂÃÄÅĀĂĄŹŻŽ",
    70: "CRÇĆĈĊČħŔŖŘ",
    74: "UÙÚÛÜŨŪŬŮŰŲ",
    75: "NÑŃŅŇŊ",
    76: "HĤ",
    78: "&DGÐĎĐĜĞĠĢ",
    79: "OQÒÓÔÕÖØŌŎŐ",
    82: "wŉŵ",
    84: "#+<=>^~¬±×÷→",
    87: "M",
    92: "Ħ",
    96: "%",
    97: "¼½¾",
    98: "mÆ",
    99: "WæŴ",
    100: "@©®—…",
    103: "œ",
    107: "Œ",
}
_EM = {c: k / 100 for k, chars in _EM_HUNDREDTHS.items() for c in chars}
ELLIPSIS = "…"


def text_width(text: str, size: float = AXIS_FONT) -> float:
    """The width of `text` set at `size` units, in units (an upper bound: `_EM`)."""
    return size * sum(_EM.get(c, 1.0) for c in text)


def fit_text(text: str, room: float, size: float = AXIS_FONT) -> str:
    """`text`, or as much of it as fits in `room` units with an ellipsis; "" when not even
    one character and the ellipsis fit."""
    if text_width(text, size) <= room:
        return text
    used = text_width(ELLIPSIS, size)
    for k, c in enumerate(text):
        used += size * _EM.get(c, 1.0)
        if used > room:
            return (text[:k].rstrip() + ELLIPSIS) if k else ""
    return text


def _label_box(x: float, text: str, anchor: str, size: float = AXIS_FONT) -> tuple[float, float]:
    """The horizontal extent of a label at `x` with its SVG text-anchor."""
    width = text_width(text, size)
    start = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return start, start + width


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _text_box(x: float, baseline: float, text: str, anchor: str, size: float = AXIS_FONT) -> Box:
    """A label's box: its measured width, from its ascenders (0.93 em of DejaVu Sans) to
    its descenders (0.24 em) about the baseline."""
    lo, hi = _label_box(x, text, anchor, size)
    return lo, baseline - 0.93 * size, hi, baseline + 0.24 * size


def _clear(box: Box, taken: Sequence[Box], gap: float = 2.0) -> bool:
    """Whether `box` keeps `gap` units from every box in `taken`."""
    left, top, right, bottom = box
    return all(right + gap <= a or left >= c + gap or bottom + gap <= b or top >= d + gap for a, b, c, d in taken)


def _ticks(first: int, last: int) -> list[tuple[int, str]]:
    """Candidate ticks between two days (ordinals): days for a span up to ~2 months,
    months up to ~4 years, else years; labelled in ISO (YYYY-MM-DD, YYYY-MM, YYYY)."""
    span = last - first
    out: list[tuple[int, str]] = []
    if span <= 62:
        step = max(1, span // 6)
        out = [(d, date.fromordinal(d).isoformat()) for d in range(first, last + 1, step)]
    elif span <= 4 * 366:
        day = date.fromordinal(first).replace(day=1)
        while day.toordinal() <= last:
            if day.toordinal() >= first:
                out.append((day.toordinal(), day.isoformat()[:7]))
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    else:
        for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
            if first <= (d := date(year, 1, 1).toordinal()) <= last:
                out.append((d, str(year)))
    return out


def _date_ticks(start: int, end: int, x: Callable[[int], float], left: float, right: float) -> list[dict[str, Any]]:
    """The ticks of a time axis over the days [start, end) (ordinals) drawn at `x`: the
    first day labelled where the axis starts, the last where it ends, and ticks between
    (`_ticks`) labelled only where the label's measured box stays within [left, right]
    and AXIS_GAP clear of the labels already placed."""
    first_label, last_label = date.fromordinal(start).isoformat(), date.fromordinal(end - 1).isoformat()
    ticks = [{"x": round(x(start), 1), "label": first_label, "anchor": "start"}]
    taken = [_label_box(x(start), first_label, "start")]
    if end - 1 > start:
        lo, hi = _label_box(x(end), last_label, "end")
        clear = all(hi + AXIS_GAP <= a or lo >= b + AXIS_GAP for a, b in taken)
        ticks.append({"x": round(x(end), 1), "label": last_label if clear else None, "anchor": "end"})
        if clear:
            taken.append((lo, hi))
    for day, text in _ticks(start, end - 1):
        if day in (start, end - 1):
            continue
        lo, hi = _label_box(x(day), text, "middle")
        clear = lo >= left and hi <= right and all(hi + AXIS_GAP <= a or lo >= b + AXIS_GAP for a, b in taken)
        if clear:
            taken.append((lo, hi))
        ticks.append({"x": round(x(day), 1), "label": text if clear else None, "anchor": "middle"})
    return ticks


def _ordinal(day: str | None) -> int | None:
    """The day ordinal of an ISO date or time, or None."""
    try:
        return date.fromisoformat(day[:10]).toordinal() if day else None
    except ValueError:
        return None


# The timeline: a dot per dated event on a time axis, dots of nearby days stacked in rows.
TIMELINE_DOT = 4.5  # a dot's radius
TIMELINE_ROW = 11  # units between rows of dots
TIMELINE_ROWS = 6  # at most this many rows; past them dots may touch (the list names every event)
TIMELINE_KINDS = ("event", "published")  # a day the texts name; a story's first report


def timeline_svg(brief: Brief, width: int = AXIS_WIDTH) -> dict[str, Any]:
    """The storyline's dated events (`brief.timeline`) as dots on a time axis from the
    first to the last day: a dot at the middle of its day, on the lowest row where it
    touches no other dot; each dot titled with its date and event, numbered as the list
    beside the chart. No text but the axis dates (`_date_ticks`), so none can overlap."""
    events = [(o, k, e) for k, e in enumerate(brief.timeline) if (o := _ordinal(e.date)) is not None]
    if not events:
        return {"width": width, "height": 0, "points": [], "ticks": [], "kinds": []}
    start, end = min(o for o, _, _ in events), max(o for o, _, _ in events) + 1
    left, right = AXIS_PAD + TIMELINE_DOT, width - AXIS_PAD - TIMELINE_DOT
    scale = (right - left) / (end - start)

    def x(day: float) -> float:
        return left + (day - start) * scale

    rows: list[list[float]] = []
    placed = []
    for o, k, e in sorted(events, key=lambda t: (t[0], t[1])):
        cx = x(o + 0.5)
        row = next((r for r, xs in enumerate(rows) if all(abs(cx - v) >= 2 * TIMELINE_DOT + 1 for v in xs)), len(rows))
        row = min(row, TIMELINE_ROWS - 1)
        if row == len(rows):
            rows.append([])
        rows[row].append(cx)
        placed.append((cx, row, k, e))
    axis_y = 4 + len(rows) * TIMELINE_ROW + 2
    points = [{"x": round(cx, 1), "y": round(axis_y - 3 - TIMELINE_DOT - row * TIMELINE_ROW, 1), "n": k + 1,
               "date": e.date, "label": e.text[:160], "kind": e.kind if e.kind in TIMELINE_KINDS else "event"}
              for cx, row, k, e in placed]  # fmt: skip
    label_y = axis_y + 4 + AXIS_FONT
    return {"width": width, "height": label_y + 4, "points": points, "axis_y": axis_y, "label_y": label_y,
            "x0": round(x(start), 1), "x1": round(x(end), 1), "ticks": _date_ticks(start, end, x, 0, width),
            "r": TIMELINE_DOT, "kinds": [k for k in TIMELINE_KINDS if any(p["kind"] == k for p in points)]}  # fmt: skip


# The entity graph: the story's most salient entities on a circle, the most salient at the
# top, each numbered in its node and named beside it where the name (cut to the room there
# with an ellipsis) keeps clear of every node and every other name; the list beside the
# chart names them all by number.
GRAPH_NODE = 8  # a node's radius
GRAPH_RADIUS = 76  # the circle the nodes are on
GRAPH_NUMBER = 9  # size of the number in a node
GRAPH_KEPT = 6  # a name cut to fewer characters than this is left to the list
GRAPH_KINDS = ("person", "org", "loc", "event")  # node colours, by entity type; others are "other"


def entity_graph_svg(
    articles: Sequence[Article], facts: StoryFacts, width: int = AXIS_WIDTH, limit: int = 14
) -> dict[str, Any]:
    """Nodes (the story's most salient entities) on a circle, edges for entities named in
    the same paragraph (weight = paragraphs). Names are placed outward from their node:
    to the right on the circle's right half, to the left on its left, above the top and
    below the bottom node; a name that would run into another, into a node or out of the
    drawing is left out of it (the node's number and the list name it)."""
    top = facts.entities[:limit]
    keys = [e["entity"] for e in top]
    index = {k: i for i, k in enumerate(keys)}
    weights: Counter[tuple[int, int]] = Counter()
    for a in articles:
        bounds, pos = [], 0
        for p in a.paragraphs:
            bounds.append((pos, pos + len(p)))
            pos += len(p) + 2
        for start, end in bounds:
            present = sorted({index[m.entity] for m in a.entities if start <= m.start < end and m.entity in index})
            for x, y in combinations(present, 2):
                weights[(x, y)] += 1
    margin = GRAPH_NODE + 3 + 1.17 * AXIS_FONT + 4  # room for a name above the top node and below the bottom one
    radius = GRAPH_RADIUS if len(top) > 6 else GRAPH_RADIUS * 0.75
    cx, cy = width / 2, margin + radius
    height = round(2 * (margin + radius))
    nodes: list[dict[str, Any]] = []
    for i, e in enumerate(top):
        angle = -math.pi / 2 + 2 * math.pi * i / max(1, len(top))
        kind = e["label"].lower()
        nodes.append({"x": round(cx + radius * math.cos(angle), 1), "y": round(cy + radius * math.sin(angle), 1),
                      "n": i + 1, "key": e["entity"], "name": e["name"], "label": None, "angle": angle,
                      "kind": kind if kind in GRAPH_KINDS else "other"})  # fmt: skip
    taken: list[Box] = [(n["x"] - GRAPH_NODE, n["y"] - GRAPH_NODE, n["x"] + GRAPH_NODE, n["y"] + GRAPH_NODE)
                        for n in nodes]  # fmt: skip
    away = GRAPH_NODE + 4
    for n in nodes:
        c, s = math.cos(n["angle"]), math.sin(n["angle"])
        if abs(c) < 0.3:  # the top or the bottom of the circle: the name above or below, centred
            anchor, lx = "middle", n["x"]
            ly = n["y"] - GRAPH_NODE - 3 - 0.24 * AXIS_FONT if s < 0 else n["y"] + GRAPH_NODE + 3 + 0.93 * AXIS_FONT
            room = 2 * min(lx, width - lx) - 4
        elif c > 0:
            anchor, lx, ly = "start", n["x"] + away, n["y"] + 0.35 * AXIS_FONT
            room = width - 2 - lx
        else:
            anchor, lx, ly = "end", n["x"] - away, n["y"] + 0.35 * AXIS_FONT
            room = lx - 2
        text = fit_text(n["name"], room)
        if text != n["name"] and len(text) < GRAPH_KEPT + 1:
            text = ""  # "De…" names nothing: the list does
        box = _text_box(lx, ly, text, anchor) if text else None
        if box is not None and box[1] >= 0 and box[3] <= height and _clear(box, taken):
            taken.append(box)
            n.update(label=text, lx=round(lx, 1), ly=round(ly, 1), anchor=anchor)
        del n["angle"]
    heaviest = float(max(weights.values(), default=1))
    # The heaviest first, ties by node: the same edges whatever order the articles come in.
    heavy = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:40]
    edges = [{"x1": nodes[x]["x"], "y1": nodes[x]["y"], "x2": nodes[y]["x"], "y2": nodes[y]["y"],
              "w": round(0.5 + 3 * n / heaviest, 2)} for (x, y), n in heavy]  # fmt: skip
    return {"width": width, "height": height, "nodes": nodes, "edges": edges, "number_size": GRAPH_NUMBER,
            "kinds": [k for k in (*GRAPH_KINDS, "other") if any(n["kind"] == k for n in nodes)]}  # fmt: skip


def storyline_axis(rows: Sequence[dict[str, Any]], width: int = AXIS_WIDTH) -> dict[str, Any]:
    """A time axis for a storyline's stories (rows as `_story_row` makes them): one bar per
    dated story from its first day to the end of its last, on lanes so no two bars overlap;
    under it, the first and last days labelled at the ends and ticks between, labelled
    only where a label keeps AXIS_GAP clear of the others (`_date_ticks`). Titles stay out
    of the drawing (in each bar's <title> and in the list beside it), so no label can run
    into another."""
    dated = [r for r in rows if r["first"]]
    if not dated:
        return {"width": width, "height": 0, "bars": [], "ticks": [], "axis_y": 0, "undated": len(rows)}
    firsts = [date.fromisoformat(r["first"]).toordinal() for r in dated]
    lasts = [max(f, date.fromisoformat(r["last"] or r["first"]).toordinal())
             for r, f in zip(dated, firsts, strict=True)]  # fmt: skip
    start, end = min(firsts), max(lasts) + 1  # the axis runs to the end of the last day
    scale = (width - 2 * AXIS_PAD) / max(1, end - start)

    def x(day: int) -> float:
        return AXIS_PAD + (day - start) * scale

    lane_ends: list[float] = []
    bars = []
    for r, f, la in sorted(zip(dated, firsts, lasts, strict=True), key=lambda t: (t[1], t[2], t[0]["id"])):
        x0 = x(f)
        w = max(AXIS_MIN_BAR, x(la + 1) - x0)
        x0 = min(x0, width - AXIS_PAD - w)
        lane = next((k for k, e in enumerate(lane_ends) if e + 1 <= x0), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(0.0)
        lane_ends[lane] = x0 + w
        bars.append({"x": round(x0, 1), "y": 4 + lane * AXIS_LANE, "w": round(w, 1), "h": AXIS_BAR, "id": r["id"],
                     "title": r["title"], "first": r["first"], "last": r["last"], "current": r["current"]})  # fmt: skip
    axis_y = 4 + len(lane_ends) * AXIS_LANE + 2
    label_y = axis_y + 4 + AXIS_FONT
    return {"width": width, "height": label_y + 4, "bars": bars, "ticks": _date_ticks(start, end, x, 0, width),
            "axis_y": axis_y, "x0": AXIS_PAD, "x1": width - AXIS_PAD, "label_y": label_y,
            "undated": len(rows) - len(dated)}  # fmt: skip


# A bar chart over time (articles naming an entity; a story's reports by outlet) is drawn
# in the same 360-unit viewBox.
CHART_BARS_HEIGHT = 70  # the bars' area, in units
CHART_TOP = 6  # units above the bars (the tallest bar's value sits beside the y axis)
# Bins by span: days up to ~two months, weeks up to two years, months up to ten years,
# then years; at most ~120 bins, so a bar is never thinner than ~2.5 units.
_CHART_UNITS = ((62, "day"), (2 * 366, "week"), (10 * 366, "month"))


def _bin_start(ordinal: int, unit: str) -> int:
    day = date.fromordinal(ordinal)
    if unit == "week":
        return ordinal - day.weekday()  # ISO weeks start on Monday
    if unit == "month":
        return day.replace(day=1).toordinal()
    if unit == "year":
        return date(day.year, 1, 1).toordinal()
    return ordinal


def _bin_end(start: int, unit: str) -> int:
    """The first day after the bin that starts on `start`."""
    day = date.fromordinal(start)
    if unit == "week":
        return start + 7
    if unit == "month":
        return date(day.year + day.month // 12, day.month % 12 + 1, 1).toordinal()
    if unit == "year":
        return date(day.year + 1, 1, 1).toordinal()
    return start + 1


def chart_unit(first: int, last: int) -> str:
    """The bin of a chart over the days first..last: day, week, month or year."""
    return next((u for limit, u in _CHART_UNITS if last - first <= limit), "year")


def stacked_chart(counts: Mapping[tuple[int, int], int], unit: str, width: int = AXIS_WIDTH) -> dict[str, Any]:
    """Bars over time from `counts` ((day ordinal, series) -> n), binned by `unit`, each
    bar a stack of its series' segments (series 0 at the bottom), empty bins included; the
    y axis labelled 0 and the tallest bar's value, the x axis as `_date_ticks` labels it.
    Every segment carries its period, series and count for its <title>."""
    if not counts:
        return {"width": width, "height": 0, "bars": [], "ticks": [], "unit": unit, "top": 0}
    days = [d for d, _ in counts]
    binned: dict[int, Counter[int]] = {}
    for (day, series), n in counts.items():
        binned.setdefault(_bin_start(day, unit), Counter())[series] += n
    start, end = _bin_start(min(days), unit), _bin_end(_bin_start(max(days), unit), unit)
    top = max(sum(c.values()) for c in binned.values())
    left = AXIS_PAD + text_width(str(top)) + 4  # room for the y label
    scale = (width - AXIS_PAD - left) / max(1, end - start)

    def x(ordinal: int) -> float:
        return left + (ordinal - start) * scale

    base = CHART_TOP + CHART_BARS_HEIGHT
    bars = []
    for b, per in sorted(binned.items()):
        after = _bin_end(b, unit)
        x0, x1 = x(b), x(after)
        gap = min(1.0, (x1 - x0) * 0.2)
        y = float(base)
        segments = []
        for series in sorted(per):
            h = per[series] / top * CHART_BARS_HEIGHT
            y -= h
            segments.append({"series": series, "n": per[series], "y": round(y, 2), "h": round(h, 2)})
        bars.append({"x": round(x0 + gap / 2, 1), "w": round(max(0.8, x1 - x0 - gap), 1), "n": sum(per.values()),
                     "from": date.fromordinal(b).isoformat(), "to": date.fromordinal(after - 1).isoformat(),
                     "segments": segments})  # fmt: skip
    label_y = base + 4 + AXIS_FONT
    return {"width": width, "height": label_y + 4, "bars": bars, "ticks": _date_ticks(start, end, x, left, width),
            "unit": unit, "top": top, "x0": round(left, 1), "x1": width - AXIS_PAD, "axis_y": base,
            "label_y": label_y, "top_y": CHART_TOP, "y_label_x": round(left - 3, 1),
            "total": sum(counts.values())}  # fmt: skip


def mentions_chart(days: Sequence[tuple[str, int]], width: int = AXIS_WIDTH) -> dict[str, Any]:
    """Bars of articles per day (per week, month or year over longer spans: `_CHART_UNITS`)
    on a true time axis (`stacked_chart` with one series); each bar carries its period and
    count for its <title>. Days that are not ISO dates are left out."""
    counts: Counter[tuple[int, int]] = Counter()
    for day, n in days:
        if (o := _ordinal(day)) is not None and len(day) >= 10:
            counts[(o, 0)] += n
    if not counts:
        return {"width": width, "height": 0, "bars": [], "ticks": [], "unit": "day", "top": 0}
    first, last = min(o for o, _ in counts), max(o for o, _ in counts)
    chart = stacked_chart(counts, chart_unit(first, last), width)
    for bar in chart["bars"]:  # one series: a bar is its one segment
        bar["y"], bar["h"] = bar["segments"][0]["y"], bar["segments"][0]["h"]
    return chart
