"""Story reads stay bounded (issue 13): a story's facts and brief read at most
STORY_SAMPLE of its articles, say how many more there are, and compare figures only within
capped buckets; and export no longer divides by zero on real English news."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED
from kabar import pipeline
from kabar.export import (
    STORY_SAMPLE,
    StoryDetail,
    choose_articles,
    export,
    story_articles,
    story_brief,
    story_facts,
)
from kabar.extract import extract_article
from kabar.extract.story import MAX_CONFLICTS, MAX_FIGURES_PER_KEY, _figure_pairs, _quote_words, facts
from kabar.model import Article, ChunkWrite, StoryWrite
from kabar.store import StoryMember
from kabar.store.sqlite import SQLiteStore

ECB = SHARED / "data" / "ecbplus-dev" / "docs"


@pytest.mark.skipif(not ECB.is_dir(), reason="../shared/data/ecbplus-dev is not beside the checkout")
def test_export_of_real_english_news_with_a_one_word_quote(tmp_path: Path) -> None:
    """ECB+ topic 33 holds the direct quote "no": its content words (three letters or more)
    were empty, and `kabar export` died with ZeroDivisionError in `_quotes`."""
    store = SQLiteStore(str(tmp_path / "ecb.db"))
    pipeline.run([str(p) for p in sorted(ECB.glob("33_*ecb.txt"))], store, embed=False)
    articles = list(store.iter_articles())
    short = [(a, q) for a in articles for q in a.quotes if not q.nested and not {w for w in _quote_words(q.content)
                                                                                    if len(w) > 2}]  # fmt: skip
    assert short, "the one-word quote this test is about is no longer extracted"
    counts = export(store, str(tmp_path / "out"))
    assert counts["stories"] >= 1
    records = [json.loads(line) for line in (tmp_path / "out" / "stories.jsonl").read_text().splitlines()]
    for a, q in short:  # the short quote is in its story's quotes, with its article as a source
        record = next(r for r in records if a.id in r["articles"])
        assert any(g["content"] == q.content and a.id in {s["article"] for s in g["sources"]}
                   for g in record["quotes"])  # fmt: skip
    store.close()


def _article(aid: str, outlet: str, paragraphs: list[str], published: str = "2024-03-01") -> Article:
    a = Article(aid, f"{aid}.txt", None, outlet, paragraphs[0][:40], published, "en", None, paragraphs)
    return extract_article(a)


def test_one_word_answers_group_and_longer_quotes_stay_apart() -> None:
    first = _article("a1", "ledger", ['"No," the minister said when asked about the port deal.',
                                      '"We will not sign anything before the audit is finished," the minister said.'])  # fmt: skip
    second = _article("a2", "courier", ['"No," the minister said when asked about the port deal.'])
    assert any(q.content == "No" for q in first.quotes), [q.content for q in first.quotes]
    found = facts([first, second])
    no = [q for q in found.quotes if q.content == "No"]
    assert len(no) == 1 and no[0].independent_sources == 2
    assert any("audit" in q.content for q in found.quotes if q not in no)


# Hand-written reports of one long-running matter; each article takes its own figures.
_LEADS = [
    "Rescuers said {n} people were still missing after the flood in Riverton, and Mayor Dana Holt said "
    '"we will keep searching until every family knows".',
    "Officials accused the Riverton Water Board of ignoring warnings; the board denied the accusations. "
    "At least {n} homes were damaged, the county said.",
    'The Red Cross said {n} volunteers had arrived. "The shelters are full," said Maria Lopez of the Red Cross.',
]


def _big_story(tmp_path: Path, n: int, outlets: int) -> tuple[SQLiteStore, str, list[Article]]:
    base = [_article(f"base{k}", "x", [lead.format(n=100 + 7 * k), "The river rose overnight in Riverton."])
            for k, lead in enumerate(_LEADS * 4)]  # fmt: skip
    start = date(2024, 3, 1)
    articles = []
    for i in range(n):
        day = start + timedelta(days=i * 200 // n)
        template = base[i % len(base)]
        articles.append(dataclasses.replace(
            template, id=f"{i:016x}", source=f"art{i}.txt", sources=[f"art{i}.txt"], outlet=f"outlet{i % outlets}",
            published=f"{day.isoformat()}T{i % 24:02d}:00:00", story="sbig",
            duplicate_of=f"{i - 1:016x}" if i % 20 == 19 else None,
        ))  # fmt: skip
    store = SQLiteStore(str(tmp_path / "big.db"))
    story = StoryWrite("sbig", "sbig", "Riverton flood", n, articles[0].published, articles[-1].published,
                       ["en"], sorted({a.outlet or "" for a in articles}), {}, None, n)  # fmt: skip
    store.save_chunk(ChunkWrite(articles, stories=[story]))
    return store, "sbig", articles


def test_a_story_of_thousands_reads_a_bounded_sample_and_says_so(tmp_path: Path) -> None:
    n, outlets = 2500, 40
    store, sid, articles = _big_story(tmp_path, n, outlets)
    story = store.get_story(sid)
    assert story is not None and len(story.articles) == n
    requested: list[str] = []  # article ids whose full rows were asked of the store, over every read below

    def trace(sql: str) -> None:  # SQLite hands over the statement with its values in place
        if sql.startswith("SELECT id, source, url") and " IN (" in sql:
            requested.extend(re.findall(r"'([0-9a-f]{16})'", sql.split(" IN (", 1)[1]))

    store.db.set_trace_callback(trace)
    chosen = story_articles(store, story)
    found = story_facts(store, story, chosen)
    made = story_brief(store, story, 5, chosen)
    store.db.set_trace_callback(None)
    assert len(chosen) == STORY_SAMPLE < n
    assert len(requested) == len(set(requested)) == STORY_SAMPLE  # each once: facts and brief share them
    assert (found.articles_read, found.articles_total) == (STORY_SAMPLE, n)
    # Representative: every outlet, the first and the last report, no copy while originals remain.
    ordered = sorted((a for a in articles if not a.duplicate_of), key=lambda a: a.published or "")
    assert {a.outlet for a in chosen} == {a.outlet for a in ordered}
    ids = {a.id for a in chosen}
    assert ordered[0].id in ids and ordered[-1].id in ids
    assert not any(a.duplicate_of for a in chosen)
    assert found.quotes and found.claims and found.conflicts and made.sentences
    assert len(found.conflicts) <= MAX_CONFLICTS
    record = StoryDetail(story, tuple(chosen), {a.id: 0 for a in chosen}, found, made, ()).to_record()
    assert record["articles_total"] == n and record["articles_more"] == n - STORY_SAMPLE
    assert len(record["articles"]) == STORY_SAMPLE
    store.close()


def test_a_small_story_is_read_whole(tmp_path: Path) -> None:
    store, sid, _ = _big_story(tmp_path, 60, 7)
    story = store.get_story(sid)
    assert story is not None
    found = story_facts(store, story)
    assert found.articles_read == found.articles_total == 60
    assert (found.quotes_left_out, found.claims_left_out, found.figures_capped, found.conflicts_left_out) == (0,) * 4
    store.close()


def test_figures_are_compared_only_within_capped_buckets() -> None:
    """3,000 figures that all share one context word ("said") and each a word of its own
    pair (figure 2k with 2k+1): a pair cannot be in one setting without a shared key, and
    the shared word's bucket is capped, so the pairs stay linear in the figures."""
    n = 3000
    keys = [{"said", f"own{i // 2:05d}"} for i in range(n)]
    pairs, capped = _figure_pairs(keys)
    own_pairs = {(2 * k, 2 * k + 1) for k in range(n // 2)}
    assert own_pairs <= set(pairs)
    assert len(pairs) <= len(own_pairs) + MAX_FIGURES_PER_KEY * (MAX_FIGURES_PER_KEY - 1) // 2
    assert capped == n - MAX_FIGURES_PER_KEY
    assert pairs == sorted(pairs)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 400), st.booleans()), max_size=300),
    st.integers(1, 60),
)
def test_choose_articles_takes_the_limit_originals_first_in_order(
    rows: list[tuple[int, int, bool]], limit: int
) -> None:
    members = [StoryMember(f"{i:04d}", f"o{outlet}" if outlet else None, f"2024-01-01T00:00:{day % 60:02d}",
                           f"{i - 1:04d}" if copy and i else None) for i, (outlet, day, copy) in enumerate(rows)]  # fmt: skip
    chosen = choose_articles(members, limit)
    order = [m.id for m in members]
    assert len(chosen) == len(set(chosen)) == min(limit, len(members))
    assert chosen == [i for i in order if i in set(chosen)]  # the members' order
    originals = [m for m in members if not m.duplicate_of]
    picked = {m.id for m in members if m.id in set(chosen)}
    if len(originals) >= limit:  # a copy only when the originals run out
        assert picked <= {m.id for m in originals}
    # every outlet gets a share before any outlet gets two
    counts = Counter((m.outlet or "") for m in originals if m.id in picked)
    outlets = {(m.outlet or "") for m in originals}
    if counts and max(counts.values()) > 1:
        assert set(counts) == outlets
