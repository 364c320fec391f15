"""What the pages and the API show, gathered from the store; plus the server-side SVG
charts (timeline, entity graph). Plain data out, so the templates only lay it out."""

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
from kabar.model import Article, StoryFacts, StoryQuote, StorySelection
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


@dataclass(frozen=True, slots=True)
class StoryPage(StoryDetail):
    """The story page: the story's read model (GET /api/stories/{id} is its record) and
    what the page draws from it."""

    quotes_by_speaker: list[tuple[str, list[StoryQuote]]]
    timeline_svg: dict[str, Any]
    graph_svg: dict[str, Any]


def story_detail(store: ReadStore, story_id: str, sentences: int) -> StoryPage | None:
    story = store.get_story(story_id)
    if story is None:
        return None
    # A large story is read through a bounded sample of its articles (export.STORY_SAMPLE):
    # the page lists those and says how many more there are.
    detail = read_story(store, story, sentences)
    return StoryPage(
        **{f.name: getattr(detail, f.name) for f in fields(detail)},
        quotes_by_speaker=quotes_by_speaker(detail.facts.quotes, "—"),
        timeline_svg=timeline_svg(detail.brief),
        graph_svg=entity_graph_svg(detail.articles, detail.facts),
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
