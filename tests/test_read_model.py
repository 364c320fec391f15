"""One read model (issue 14): a story is gathered once, as `export.StoryDetail`, and
`kabar show STORY` (table and --json), GET /api/stories/{id} and the story page show
that one object; the evaluation readers and the one `prf` live in `evaluate.py`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import DEMO, ROOT, SHARED, ingest_into
from kabar.cli import app
from kabar.evaluate import brat_quotes, brief_cases, brief_report, jsonl_quotes, prf, quote_report
from kabar.export import (
    STORY_SAMPLE,
    StoryDetail,
    story_articles,
    story_brief,
    story_detail,
    story_facts,
    storyline_stories,
)
from kabar.store.sqlite import SQLiteStore
from kabar.web import Settings, create_app
from kabar.web.views import entity_graph_svg
from test_story_bounds import _big_story


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("read") / "demo.db")
    store = SQLiteStore(path)
    ingest_into(store, DEMO)
    store.close()
    return path


def _details(db: str) -> list[StoryDetail]:
    with SQLiteStore(db) as store:
        return [story_detail(store, s, 5) for s in store.stories()]


def test_show_json_and_the_api_give_one_record_built_from_the_story_s_parts(db: str) -> None:
    client = TestClient(create_app(Settings(db=db)))
    runner = CliRunner()
    with SQLiteStore(db) as store:
        stories = store.stories()
        assert len(stories) >= 5
        for story in stories:
            shown = runner.invoke(app, ["show", story.id, "--db", db, "--json"])
            assert shown.exit_code == 0, shown.output
            record = json.loads(shown.stdout)
            assert record == client.get(f"/api/stories/{story.id}").json()
            # The record is the story's parts, each read as the bounded reads give them.
            articles = story_articles(store, story)
            line = storyline_stories(store, story)
            assert [a["id"] for a in record["articles"]] == [
                a.id for a in sorted(articles, key=lambda a: a.published or "9999")]  # fmt: skip
            shared = store.syndications([a.id for a in articles])
            assert {a["id"]: a["syndicated_paragraphs"] for a in record["articles"]} == {
                aid: len({s.paragraph for s in rows}) for aid, rows in shared.items()}  # fmt: skip
            assert (record["articles_total"], record["articles_more"]) == (len(story.articles), 0)
            assert [s["id"] for s in record["storyline_stories"]] == [
                s.id for s in sorted(line, key=lambda s: s.first_published or "") if s.id != story.id]  # fmt: skip
            facts = json.loads(json.dumps(story_facts(store, story, articles).to_record()))
            assert {k: record[k] for k in facts} == facts
            assert record["brief"] == json.loads(json.dumps(story_brief(store, story, 5, articles, line).to_record()))


def test_the_table_and_the_page_list_the_articles_of_the_record_in_its_order(db: str) -> None:
    client = TestClient(create_app(Settings(db=db)))
    runner = CliRunner()
    for detail in _details(db):
        ids = [a.id for a in detail.articles]
        page = client.get(f"/stories/{detail.story.id}").text
        sources = page.split('id="sources"', 1)[1].split("</section>", 1)[0]
        assert re.findall(r'class="article-link" href="/articles/(\w+)\?', sources) == ids
        table = runner.invoke(app, ["show", detail.story.id, "--db", db], env={"COLUMNS": "220"}).stdout
        listed = [row.split()[0] for row in table.splitlines() if re.match(r"[0-9a-f]{16} ", row)]
        assert listed == ids  # whole ids, in the page's order
        assert "more articles, not listed" not in table


def test_the_graph_does_not_depend_on_the_order_articles_are_read_in(db: str) -> None:
    for detail in _details(db):
        forward = entity_graph_svg(detail.articles, detail.facts)
        assert forward["edges"], detail.story.id
        assert entity_graph_svg(detail.articles[::-1], detail.facts) == forward


def test_a_large_story_s_detail_reads_a_bounded_sample_and_says_how_many_more(tmp_path: Path) -> None:
    n = 1200
    store, sid, _ = _big_story(tmp_path, n, 30)
    story = store.get_story(sid)
    assert story is not None
    requested: list[str] = []

    def trace(sql: str) -> None:
        if sql.startswith("SELECT id, source, url") and " IN (" in sql:
            requested.extend(re.findall(r"'([0-9a-f]{16})'", sql.split(" IN (", 1)[1]))

    store.db.set_trace_callback(trace)
    detail = story_detail(store, story, 3)
    store.db.set_trace_callback(None)
    assert len(requested) == len(set(requested)) == len(detail.articles) == STORY_SAMPLE
    assert (detail.articles_total, detail.articles_more) == (n, n - STORY_SAMPLE)
    record = detail.to_record()
    assert (record["articles_total"], record["articles_more"], len(record["articles"])) == (n, n - STORY_SAMPLE,
                                                                                        STORY_SAMPLE)  # fmt: skip
    assert (detail.facts.articles_read, detail.facts.articles_total) == (STORY_SAMPLE, n)
    store.close()


def test_prf_from_counts() -> None:
    assert prf(3, 4, 6) == (0.75, 0.5, 0.6)
    assert prf(0, 0, 5) == (0.0, 0.0, 0.0)
    assert prf(2, 2, 0) == (1.0, 0.0, 0.0)
    assert prf(5, 10, 10)._asdict() == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_quote_readers_score_the_demo_gold(tmp_path: Path) -> None:
    """The JSONL gold of the demo: every gold quote in the clean text, most of them found."""
    warnings: list[str] = []
    texts, gold, predicted = jsonl_quotes(str(ROOT / "examples" / "gold" / "demo-quotes.jsonl"),
                                          str(DEMO), 0, warnings.append)  # fmt: skip
    assert warnings == []
    assert len(texts) == len({g.doc for g in gold}) and all(texts.values())
    report = quote_report(texts, gold, predicted, "id")
    assert report["documents"] == len(texts)
    assert report["all"]["gold"] == len(gold) and report["all"]["overlap_f1"] > 0.8


BRAT = SHARED / "data" / "quotes-en" / "dev"


@pytest.mark.skipif(not BRAT.is_dir(), reason="../shared/data/quotes-en is not beside the checkout")
def test_brat_reader_scores_polnear_with_the_speech_cue_subset() -> None:
    texts, gold, predicted = brat_quotes(str(BRAT), "en", 10)
    assert len(texts) == 10 and {g.doc for g in gold} <= set(texts) and {p.doc for p in predicted} <= set(texts)
    report = quote_report(texts, gold, predicted, "en")
    assert report["speech cues"]["gold"] < report["all"]["gold"]
    assert 0 < report["all"]["overlap_precision"] <= 1


def test_brief_cases_strip_the_dateline_and_group_stories(tmp_path: Path) -> None:
    lead = "JAKARTA, KOMPAS.com - Pemerintah kota menambah dua puluh bus listrik untuk jalur timur mulai pekan depan."
    body = ["Wali kota mengatakan bus baru itu akan melayani enam halte yang selama ini sepi penumpang.",
            "Tarif tetap sama, dan kartu lama masih bisa dipakai di semua bus baru tersebut."]  # fmt: skip
    records = [{"id": f"a{i}", "story": "bus", "outlet": f"o{i}", "paragraphs": [lead, *body], "summary": "x"}
               for i in range(3)]  # fmt: skip
    file = tmp_path / "articles.jsonl"
    file.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    single = brief_cases(str(file), None, "id", 2)
    assert [c[0] for c in single] == ["a0", "a1"]
    assert all(not a.paragraphs[0].startswith("JAKARTA") and "bus listrik" in a.paragraphs[0]
               for _, arts, _ in single for a in arts)  # fmt: skip
    summaries = tmp_path / "stories.jsonl"
    summaries.write_text(json.dumps({"story": "bus", "summary": body[0]}) + "\n", encoding="utf-8")
    grouped = brief_cases(str(summaries.with_name("articles.jsonl")), str(summaries), "id", 0)
    assert [(c[0], len(c[1]), c[2]) for c in grouped] == [("bus", 3, body[0])]
    report, written = brief_report(grouped, "id", 1)
    assert report["records"] == 1 and set(report) == {"kabar", "lead1", "records"}
    assert json.loads(written[0])["id"] == "bus"
    assert 0 < report["kabar"]["rouge1"] <= 100
