"""What the pages and the API show, gathered from the store; plus the server-side SVG
charts (timeline, entity graph, storyline time axis). Plain data out, so the templates
only lay it out."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from itertools import combinations
from typing import Any
from urllib.parse import urlsplit

from kabar.ask import Answer
from kabar.ask import ask as ask_question
from kabar.brief import Brief
from kabar.export import StoryDetail, quotes_by_speaker
from kabar.export import story_detail as read_story
from kabar.model import Article, Story, StoryFacts, StoryQuote, StorySelection
from kabar.query import Filters
from kabar.search import run as run_search
from kabar.store import ReadStore


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
               language: str | None, storyline: str | None = None) -> dict[str, Any]:  # fmt: skip
    selection = StorySelection(since, outlet, language, storyline, sort, per_page, (page - 1) * per_page)
    stories, total = store.list_stories(selection)
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
                    language: str | None, storyline: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The story list page: `story_list`, each story with its storyline's size."""
    listing = story_list(store, page, per_page, sort, since, outlet, language, storyline)
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
    )


def article_detail(store: ReadStore, article_id: str) -> dict[str, Any] | None:
    article = store.get_article(article_id)
    if article is None:
        return None
    return {"article": article, "url": safe_url(article.url),
            "syndicated": {s.paragraph for s in store.syndication(article.id)}}  # fmt: skip


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


# --- charts -----------------------------------------------------------------------------


def _x(day: str, first: int, last: int, width: int, pad: int) -> float:
    span = max(1, last - first)
    return pad + (date.fromisoformat(day).toordinal() - first) / span * (width - 2 * pad)


def timeline_svg(brief: Brief, width: int = 720) -> dict[str, Any]:
    """Points of a horizontal timeline: one per dated event, with its label; the template
    draws them as SVG (all text escaped by the template)."""
    events = brief.timeline
    if not events:
        return {"width": width, "height": 0, "points": [], "ticks": []}
    days = [date.fromisoformat(e.date).toordinal() for e in events]
    first, last = min(days), max(days)
    pad = 40
    points = []
    for k, e in enumerate(events):
        points.append({"x": round(_x(e.date, first, last, width, pad), 1), "y": 40 + (k % 3) * 26,
                       "date": e.date, "label": e.text[:60], "kind": e.kind})  # fmt: skip
    ticks = sorted({e.date[:7] for e in events})
    tick_points = [{"x": round(_x(t + "-01", first, last, width, pad), 1), "label": t} for t in ticks
                   if first <= date.fromisoformat(t + "-01").toordinal() <= last]  # fmt: skip
    return {"width": width, "height": 140, "points": points, "ticks": tick_points}


def entity_graph_svg(
    articles: Sequence[Article], facts: StoryFacts, size: int = 420, limit: int = 14
) -> dict[str, Any]:
    """Nodes (the story's most salient entities) on a circle, edges for entities named in
    the same paragraph (weight = paragraphs) and for speaker -> entities of their quotes."""
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
    centre, radius = size / 2, size / 2 - 70
    nodes = []
    for i, e in enumerate(top):
        angle = 2 * math.pi * i / max(1, len(top))
        px, py = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        nodes.append({"x": round(px, 1), "y": round(py, 1), "label": e["name"][:24], "kind": e["label"].lower()})
    heaviest = float(max(weights.values(), default=1))
    # The heaviest first, ties by node: the same edges whatever order the articles come in.
    heavy = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:40]
    edges = [{"x1": nodes[x]["x"], "y1": nodes[x]["y"], "x2": nodes[y]["x"], "y2": nodes[y]["y"],
              "w": round(0.5 + 3 * n / heaviest, 2)} for (x, y), n in heavy]  # fmt: skip
    return {"size": size, "nodes": nodes, "edges": edges}


# The storyline axis is drawn in a 360-unit-wide viewBox at width 100%, at most AXIS_MAX
# wide (kabar.css): on a 390 px phone (358 px of content) a unit is ~1 px, so its 11-unit
# labels read at ~11 px, and at most ~15 px on a wide screen.
AXIS_WIDTH = 360
AXIS_PAD = 6  # units left and right of the axis
AXIS_BAR = 10  # a bar's height
AXIS_LANE = 14  # a lane's height: bars that would overlap in time go on separate lanes
AXIS_FONT = 11  # label size, in units
# A label's width is estimated at this many units per character: ISO dates are digits
# and hyphens, ~0.56 em each in common sans-serif faces; 0.62 em leaves room.
AXIS_CHAR = 0.62 * AXIS_FONT
AXIS_GAP = 8  # units kept clear between two labels
AXIS_MIN_BAR = 3  # a one-day story on a long axis still shows


def _label_box(x: float, text: str, anchor: str) -> tuple[float, float]:
    width = len(text) * AXIS_CHAR
    start = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return start, start + width


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


def storyline_axis(rows: Sequence[dict[str, Any]], width: int = AXIS_WIDTH) -> dict[str, Any]:
    """A time axis for a storyline's stories (rows as `_story_row` makes them): one bar per
    dated story from its first day to the end of its last, on lanes so no two bars overlap;
    under it, the first and last days labelled at the ends and ticks between, labelled
    only where a label keeps AXIS_GAP clear of the others. Titles stay out of the drawing
    (in each bar's <title> and in the list beside it), so no label can run into another."""
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
    first_label, last_label = date.fromordinal(start).isoformat(), date.fromordinal(end - 1).isoformat()
    ticks = [{"x": round(x(start), 1), "label": first_label, "anchor": "start"}]
    taken = [_label_box(x(start), first_label, "start")]
    if end - 1 > start:
        ticks.append({"x": round(x(end), 1), "label": last_label, "anchor": "end"})
        taken.append(_label_box(x(end), last_label, "end"))
    for day, text in _ticks(start, end - 1):
        if day in (start, end - 1):
            continue
        lo, hi = _label_box(x(day), text, "middle")
        clear = lo >= 0 and hi <= width and all(hi + AXIS_GAP <= a or lo >= b + AXIS_GAP for a, b in taken)
        if clear:
            taken.append((lo, hi))
        ticks.append({"x": round(x(day), 1), "label": text if clear else None, "anchor": "middle"})
    return {"width": width, "height": label_y + 4, "bars": bars, "ticks": ticks, "axis_y": axis_y, "x0": AXIS_PAD,
            "x1": width - AXIS_PAD, "label_y": label_y, "undated": len(rows) - len(dated)}  # fmt: skip
