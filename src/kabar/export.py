"""Export: the store as JSON Lines files other tools can read (docs/export-format.md);
and a story's read model, `StoryDetail` (its articles, facts, brief and storyline), built
once by `story_detail` for `kabar show`, GET /api/stories/{id} and the story page.

A story may hold 100,000 articles (a long-running matter). Its facts and brief are
gathered from a bounded, representative sample of them (`choose_articles`: originals
before copies, every outlet its share, each outlet's share spread over its time line),
read from the store in one query; records say how many articles they come from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kabar.brief import DEFAULT_SENTENCES, Brief
from kabar.brief import build as build_brief
from kabar.extract.story import facts
from kabar.model import Article, Story, StoryFacts, StoryQuote, StorySelection, Syndication
from kabar.store import ReadStore, StoryMember

# Articles a story's facts and brief are read from. Every story of the demo, the seeds,
# ECB+ and NeuS (at most 103 articles) is read whole. Reading 300 articles takes ~0.9 s,
# their facts ~0.9 s and the brief ~0.5 s, whatever the story's size (a story of 100,000:
# `kabar show --json` 2.8 s at 141 MB peak RSS, bench/story_reads.py --story 100000).
STORY_SAMPLE = 300
# The timeline covers the storyline: the story itself and, of the other stories, the
# nearest in time, each through a sample of its articles. ECB+ storylines (up to 12
# stories of up to 27 articles) are read whole; a NeuS storyline has 922 stories, and
# reading them all made every one of its stories read the whole storyline.
STORYLINE_STORIES = 20
STORYLINE_ARTICLES = 30


def _day(published: str | None) -> int | None:
    try:
        return date.fromisoformat(published[:10]).toordinal() if published else None
    except ValueError:
        return None


def _spread(pool: Sequence[StoryMember], k: int) -> list[StoryMember]:
    """At most `k` of `pool`: each outlet (articles with none count as one) an equal share,
    an outlet with fewer articles leaving the rest to the others; an outlet's share spread
    evenly over its articles in publication order, its first and last included."""
    if len(pool) <= k:
        return list(pool)
    by_outlet: dict[str, list[StoryMember]] = {}
    for m in pool:
        by_outlet.setdefault((m.outlet or "").lower(), []).append(m)
    groups = [sorted(g, key=lambda m: (m.published is None, m.published or "", m.id)) for g in by_outlet.values()]
    groups.sort(key=lambda g: (len(g), g[0].published is None, g[0].published or "", g[0].id))
    chosen: list[StoryMember] = []
    left = k
    for n, group in enumerate(groups):
        take = min(len(group), left // (len(groups) - n))
        left -= take
        if take == 1:
            chosen.append(group[0])
        elif take > 1:
            chosen.extend(group[round(i * (len(group) - 1) / (take - 1))] for i in range(take))
    return chosen


def choose_articles(members: Sequence[StoryMember], limit: int) -> list[str]:
    """Ids of at most `limit` of a story's articles, in the members' order: all of them when
    there are no more; else the originals before copies (a copy repeats its original),
    spread over outlets and time (`_spread`). One sort: O(n log n)."""
    if len(members) <= limit:
        return [m.id for m in members]
    chosen = _spread([m for m in members if not m.duplicate_of], limit)
    if len(chosen) < limit:
        chosen += _spread([m for m in members if m.duplicate_of], limit - len(chosen))
    keep = {m.id for m in chosen}
    return [m.id for m in members if m.id in keep]


def story_articles(store: ReadStore, story: Story, limit: int = STORY_SAMPLE) -> list[Article]:
    """The story's articles, in ingest order: all of them, or `limit` chosen by
    `choose_articles` when it has more (`len(story.articles)` is how many it has)."""
    if len(story.articles) <= limit:
        return store.get_articles(story.articles)
    return store.get_articles(choose_articles(store.story_members(story.id), limit))


def story_facts(
    store: ReadStore, story: Story, articles: list[Article] | None = None,
    syndications: dict[str, list[Syndication]] | None = None,
) -> StoryFacts:
    """The story's entities, quotes with sources, claims with denials, and conflicts;
    `articles_read` of `articles_total` say how much of the story they come from.
    `syndications` of the articles, when the caller has read them already."""
    members = articles if articles is not None else story_articles(store, story)
    synd = syndications if syndications is not None else store.syndications([a.id for a in members])
    return facts(members, synd, total=len(story.articles))


def story_brief(store: ReadStore, story: Story, n_sentences: int = DEFAULT_SENTENCES,
                articles: list[Article] | None = None, line_stories: list[Story] | None = None,
                syndications: dict[str, list[Syndication]] | None = None) -> Brief:
    """The story's brief; its timeline covers the storyline (`line_stories`, read from the
    store when not given): the story and its STORYLINE_STORIES nearest others in time."""
    members = articles if articles is not None else story_articles(store, story)
    stories = line_stories if line_stories is not None else storyline_stories(store, story)
    here = _day(story.first_published)

    def distance(s: Story) -> tuple[bool, int, str]:
        day = _day(s.first_published)
        return (day is None or here is None, abs(day - here) if day is not None and here is not None else 0, s.id)

    nearest = {s.id for s in sorted((s for s in stories if s.id != story.id), key=distance)[:STORYLINE_STORIES]}
    line = [a for s in stories if s.id == story.id or s.id in nearest
            for a in (members if s.id == story.id else story_articles(store, s, STORYLINE_ARTICLES))]  # fmt: skip
    synd = syndications if syndications is not None else store.syndications([a.id for a in members])
    return build_brief(members, n_sentences, synd, storyline=line)


def storyline_stories(store: ReadStore, story: Story) -> list[Story]:
    """Every story of `story`'s storyline, itself included."""
    return store.list_stories(StorySelection(storyline=story.storyline))[0]


@dataclass(frozen=True, slots=True)
class StoryDetail:
    """One story as it is shown: `kabar show STORY` (table and --json), GET
    /api/stories/{id} and the story page all read this, built by `story_detail`.

    `articles` are the articles read (all, or a sample of a large story: `choose_articles`),
    in publication order (undated last); `facts` and `brief` come from them. `syndicated`
    counts each one's paragraphs shared with other outlets; `storyline` holds the other
    stories of its storyline, earliest first."""

    story: Story
    articles: tuple[Article, ...]
    syndicated: Mapping[str, int]
    facts: StoryFacts
    brief: Brief
    storyline: tuple[Story, ...]

    @property
    def articles_total(self) -> int:
        return len(self.story.articles)

    @property
    def articles_more(self) -> int:
        """The story's articles that are not listed (nor read for its facts and brief)."""
        return max(0, self.articles_total - len(self.articles))

    def to_record(self) -> dict[str, Any]:
        """The JSON of `kabar show STORY --json` and GET /api/stories/{id}: the story, its
        articles (with copies and shared paragraphs), its storyline, facts and brief."""
        record: dict[str, Any] = self.story.to_record()
        record["articles"] = [
            {"id": a.id, "outlet": a.outlet, "title": a.title, "published": a.published, "language": a.language,
             "duplicate_of": a.duplicate_of, "syndicated_paragraphs": self.syndicated[a.id]}
            for a in self.articles
        ]  # fmt: skip
        record["articles_total"] = self.articles_total
        record["articles_more"] = self.articles_more
        record["storyline_stories"] = [
            {"id": s.id, "title": s.title, "first_published": s.first_published, "last_published": s.last_published}
            for s in self.storyline
        ]
        record.update(self.facts.to_record())
        record["brief"] = self.brief.to_record()
        return record


def story_detail(store: ReadStore, story: Story, n_sentences: int = DEFAULT_SENTENCES) -> StoryDetail:
    """The story's read model. Its reads are bounded whatever the story's size: at most
    STORY_SAMPLE articles, read once for the facts and the brief; the storyline's stories,
    of which the timeline reads the STORYLINE_STORIES nearest; syndication in batches."""
    articles = story_articles(store, story)
    synd = store.syndications([a.id for a in articles])  # read once, for the facts, the brief and the counts
    found = story_facts(store, story, articles, synd)
    line = storyline_stories(store, story)
    made = story_brief(store, story, n_sentences, articles, line, synd)
    shared = {aid: len({s.paragraph for s in rows}) for aid, rows in synd.items()}
    return StoryDetail(
        story=story,
        articles=tuple(sorted(articles, key=lambda a: a.published or "9999")),
        syndicated=shared,
        facts=found,
        brief=made,
        storyline=tuple(sorted((s for s in line if s.id != story.id), key=lambda s: s.first_published or "")),
    )


def quotes_by_speaker(quotes: Sequence[StoryQuote], unnamed: str) -> list[tuple[str, list[StoryQuote]]]:
    """A story's quotes grouped by speaker (`unnamed` for those with none), the speaker
    with the most independently sourced quote first."""
    grouped: dict[str, list[StoryQuote]] = {}
    for q in quotes:
        grouped.setdefault(q.speaker or unnamed, []).append(q)
    return sorted(grouped.items(), key=lambda kv: -max(q.independent_sources for q in kv[1]))


def story_record(store: ReadStore, story: Story) -> dict[str, Any]:
    return {**story.to_record(), **story_facts(store, story).to_record()}


def export(store: ReadStore, out_dir: str) -> dict[str, int]:
    """Write `out_dir/articles.jsonl` and `out_dir/stories.jsonl`; each is written to a
    temporary name, then renamed, so readers never see half a file. Articles are read a
    page at a time; each story's facts from at most STORY_SAMPLE of its articles."""
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
