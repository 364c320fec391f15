"""Export: the store as JSON Lines files other tools can read (docs/export-format.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kabar.brief import DEFAULT_SENTENCES, Brief
from kabar.brief import build as build_brief
from kabar.extract.story import facts
from kabar.model import Article, Story, StoryFacts, StorySelection
from kabar.store import Store


def story_articles(store: Store, story: Story) -> list[Article]:
    return [a for aid in story.articles if (a := store.get_article(aid)) is not None]


def story_facts(store: Store, story: Story, articles: list[Article] | None = None) -> StoryFacts:
    """The story's entities, quotes with sources, claims with denials, and conflicts."""
    members = articles if articles is not None else story_articles(store, story)
    return facts(members, {a.id: store.syndication(a.id) for a in members})


def story_brief(store: Store, story: Story, n_sentences: int = DEFAULT_SENTENCES,
                articles: list[Article] | None = None, line_stories: list[Story] | None = None) -> Brief:
    """The story's brief; its timeline covers the whole storyline (`line_stories`, read
    from the store when not given)."""
    members = articles if articles is not None else story_articles(store, story)
    stories = line_stories if line_stories is not None else storyline_stories(store, story)
    line = [a for s in stories for a in (members if s.id == story.id else story_articles(store, s))]
    return build_brief(members, n_sentences, {a.id: store.syndication(a.id) for a in members}, storyline=line)


def storyline_stories(store: Store, story: Story) -> list[Story]:
    """Every story of `story`'s storyline, itself included."""
    return store.list_stories(StorySelection(storyline=story.storyline))[0]


def story_record_detailed(detail: dict[str, Any]) -> dict[str, Any]:
    """`kabar show STORY --json` and GET /api/stories/{id}: the story, its articles (with
    copies and shared paragraphs), its facts and its brief. `detail` holds `story`,
    `articles`, `syndicated` (article -> shared paragraphs), `facts` and `brief`."""
    record: dict[str, Any] = detail["story"].to_record()
    record["articles"] = [
        {"id": a.id, "outlet": a.outlet, "title": a.title, "published": a.published, "language": a.language,
         "duplicate_of": a.duplicate_of, "syndicated_paragraphs": detail["syndicated"][a.id]}
        for a in detail["articles"]
    ]  # fmt: skip
    if "storyline" in detail:
        record["storyline_stories"] = [
            {"id": s.id, "title": s.title, "first_published": s.first_published, "last_published": s.last_published}
            for s in detail["storyline"]
        ]
    record.update(detail["facts"].to_record())
    record["brief"] = detail["brief"].to_record()
    return record


def story_record(store: Store, story: Story) -> dict[str, Any]:
    return {**story.to_record(), **story_facts(store, story).to_record()}


def export(store: Store, out_dir: str) -> dict[str, int]:
    """Write `out_dir/articles.jsonl` and `out_dir/stories.jsonl`; each is written to a
    temporary name, then renamed, so readers never see half a file."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    articles = _write(out / "articles.jsonl", (a.to_record() for a in store.iter_articles()))
    stories = _write(out / "stories.jsonl", (story_record(store, s) for s in store.stories()))
    return {"articles": articles, "stories": stories}


def _write(target: Path, records: Iterable[dict[str, Any]]) -> int:
    tmp = target.with_name(f".{target.name}.tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    os.replace(tmp, target)
    return count
