"""Exports (issue 16): `kabar export --format jsonl|csv|parquet --what ... --graph ...` with
its filters, and `export.stream`, the same files as downloads. On the demo corpus, both
backends: every format holds the rows JSON Lines holds, every filter picks what it says,
the entity graph counts what the articles say, and nothing breaks on an empty, an
English-only or a hostile store."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from conftest import DEMO, ingest_into, new_location
from kabar import export
from kabar.cli import app
from kabar.export import COLUMNS, KINDS, ExportError, Selection
from kabar.model import Article, ChunkWrite, EntityMention, Quantity, Quote, StoryWrite
from kabar.search import Filters, run
from kabar.store import Store, open_store

runner = CliRunner()
FORMATS = ("jsonl", "csv", "parquet")


@pytest.fixture(scope="module")
def demo(module_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(new_location(module_backend, tmp_path_factory.mktemp("demo")))
    ingest_into(store, DEMO)
    yield store
    store.close()


@pytest.fixture(scope="module")
def exported(demo: Store, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every kind of the whole demo store in each format (and the graph in both formats)."""
    folders = {}
    for fmt, graph in zip(FORMATS, ("graphml", "gexf", None), strict=True):
        folders[fmt] = tmp_path_factory.mktemp(fmt)
        export.export(demo, str(folders[fmt]), fmt, KINDS, graph=graph)
    return folders


def _cell(value: str, kind: str) -> Any:
    """A CSV cell read back by its column's type (docs/export-format.md)."""
    if value == "":
        return None
    if kind in ("strs", "json"):
        return json.loads(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return {"true": True, "false": False}[value]
    return value


def read_rows(path: Path, kind: str) -> list[dict[str, Any]]:
    """A kind's file as records, whatever its format: CSV through `csv`, Parquet through
    pyarrow, JSON columns decoded."""
    columns = dict(COLUMNS[kind])
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as fh:
            return [{k: _cell(v, columns[k]) for k, v in row.items()} for row in csv.DictReader(fh)]
    table = pq.read_table(path)
    assert [f.name for f in table.schema] == list(columns)
    return [{k: json.loads(v) if columns[k] == "json" and v is not None else v for k, v in row.items()}
            for row in table.to_pylist()]  # fmt: skip


def _same(row: dict[str, Any], kind: str) -> dict[str, Any]:
    """A record in the kind's columns; CSV cannot tell an empty string from null."""
    return {name: None if row.get(name) == "" else row.get(name) for name, _ in COLUMNS[kind]}


def test_kabar_export_out_dir_writes_what_it_always_did(demo: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    counts = export.export(demo, str(out))
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "stories.jsonl"]
    articles = read_rows(out / "articles.jsonl", "articles")
    assert articles == [json.loads(json.dumps(a.to_record())) for a in demo.iter_articles()]
    stories = read_rows(out / "stories.jsonl", "stories")
    assert sorted(s["id"] for s in stories) == sorted(s.id for s in demo.stories())
    assert counts == {"articles": len(articles), "stories": len(stories)} and len(stories) == 10
    # Fields are only ever added: the CSV and Parquet columns are the JSON record's fields.
    for kind, rows in (("articles", articles), ("stories", stories)):
        assert all(list(r) == [name for name, _ in COLUMNS[kind]] for r in rows)


@pytest.mark.parametrize("kind", KINDS)
def test_csv_and_parquet_hold_the_rows_json_lines_holds(exported: dict[str, Path], kind: str) -> None:
    rows = read_rows(exported["jsonl"] / f"{kind}.jsonl", kind)
    assert rows, kind
    assert all(set(r) == {name for name, _ in COLUMNS[kind]} for r in rows)
    expected = [_same(r, kind) for r in rows]
    csv_rows = read_rows(exported["csv"] / f"{kind}.csv", kind)
    assert [_same(r, kind) for r in csv_rows] == expected
    assert read_rows(exported["parquet"] / f"{kind}.parquet", kind) == [{k: r.get(k) for k in e}
                                                                         for r, e in zip(rows, expected, strict=True)]  # fmt: skip


def test_rows_carry_their_article_story_outlet_date_and_paragraph(demo: Store, exported: dict[str, Path]) -> None:
    articles = {a.id: a for a in demo.iter_articles()}
    for kind, field in (("quotes", "quotes"), ("claims", "claims"), ("entities", "entities"), ("figures", "numbers")):
        rows = read_rows(exported["jsonl"] / f"{kind}.jsonl", kind)
        assert len(rows) == sum(len(getattr(a, field)) for a in articles.values())
        for row in rows:
            a = articles[row["article"]]
            assert (row["story"], row["outlet"], row["published"], row["language"]) == (
                a.story, a.outlet, a.published, a.language)
            # The citation: the row's words are at its offsets, which open the paragraph it names.
            words = row["content"] if kind in ("quotes", "claims") else row["text"]
            assert a.text[row["start"] : row["end"]] == words, (kind, row)
            opens = len("\n\n".join(a.paragraphs[: row["paragraph"]])) + (2 if row["paragraph"] else 0)
            assert opens <= row["start"] < opens + len(a.paragraphs[row["paragraph"]]), (kind, row)
    claims = read_rows(exported["jsonl"] / "claims.jsonl", "claims")
    denials = [c for c in claims if c["denies"] is not None]
    assert denials, "the demo has denials"
    index = {(c["article"], c["index"]): c for c in claims}
    assert all(index[(d["article"], d["denies"])]["kind"] != "denial" for d in denials)


def _ids(store: Store, selection: Selection, kind: str = "articles") -> list[str]:
    data, media, name = export.stream(store, kind, "jsonl", selection)
    assert media == "application/x-ndjson" and name == f"{kind}.jsonl"
    rows = [json.loads(line) for line in b"".join(data).decode().splitlines()]
    return [r["id"] for r in rows]


def test_each_filter_picks_what_it_says_and_they_compose(demo: Store) -> None:
    articles = list(demo.iter_articles())
    every = [a.id for a in articles]

    assert _ids(demo, Selection()) == every
    since = [a.id for a in articles if a.published and a.published >= "2024-10-01"]
    assert _ids(demo, Selection(since="2024-10-01")) == since and 0 < len(since) < len(every)
    june = [a.id for a in articles if a.published and a.published.startswith("2024-06")]
    assert _ids(demo, Selection(until="2024-06", since="2024-06-01")) == june and june

    outlet = [a.id for a in articles if a.outlet == "kabartimur"]
    assert _ids(demo, Selection(outlet="KabarTimur")) == outlet and len(outlet) == 9
    assert _ids(demo, Selection(outlet="kabartimur", since="2024-10-01")) == [a for a in outlet if a in since]
    english = [a.id for a in articles if a.language == "en"]
    assert _ids(demo, Selection(language="en")) == english and english

    story = demo.get_story(articles[0].story or "")
    assert story is not None
    assert sorted(_ids(demo, Selection(story=story.id[:9]))) == sorted(story.articles)
    assert _ids(demo, Selection(story=story.id), "stories") == [story.id]

    # The storyline by its id or by any of its stories' ids: the June signing and the
    # November ratification of the carbon market pact.
    lines = Counter(s.storyline for s in demo.stories())
    line = next(line for line, n in lines.items() if n == 2)
    members = [s for s in demo.stories() if s.storyline == line]
    for ref in (line, *(s.id for s in members)):
        assert sorted(_ids(demo, Selection(storyline=ref))) == sorted(a for s in members for a in s.articles)
        assert sorted(_ids(demo, Selection(storyline=ref), "stories")) == sorted(s.id for s in members)

    # An entity by any of its names, in any language ("Singapura" is "Singapore"); a name
    # also picks the longer names holding it as words ("Garut" in "BPBD Garut").
    naming = [a.id for a in articles if any(m.entity == "C:SG" for m in a.entities)]
    assert naming and {a.language for a in articles if a.id in naming} >= {"id", "en"}
    assert _ids(demo, Selection(entity="Singapura")) == naming == _ids(demo, Selection(entity="Singapore"))
    assert _ids(demo, Selection(entity="Singapura", language="en")) == [a for a in naming if a in english]
    garut = [a.id for a in articles if any("garut" in m.entity.split() for m in a.entities)]
    assert _ids(demo, Selection(entity="Garut")) == garut
    assert any(m.entity != "garut" for a in articles if a.id in garut for m in a.entities if "garut" in m.entity)

    # A query: what the search finds, best first; with the other filters on top.
    hits, total = run(demo, "gempa", Filters(), limit=1000)
    assert _ids(demo, Selection(query="gempa")) == [h.article for h in hits] and total == len(hits) > 3
    hits, _ = run(demo, "gempa", Filters(outlet="kabartimur"), limit=1000)
    assert _ids(demo, Selection(query="gempa", outlet="kabartimur")) == [h.article for h in hits] and hits
    assert _ids(demo, Selection(query="gempa", storyline=line)) == []  # no earthquake in the carbon pact

    # Stories are those of the chosen articles; rows of quotes those of the chosen articles.
    assert sorted(_ids(demo, Selection(outlet="kabartimur"), "stories")) == sorted(
        {a.story for a in articles if a.outlet == "kabartimur"})
    data, _, _ = export.stream(demo, "quotes", "jsonl", Selection(outlet="kabartimur"))
    quotes = [json.loads(line) for line in b"".join(data).decode().splitlines()]
    assert quotes and {q["outlet"] for q in quotes} == {"kabartimur"}
    assert len(quotes) == sum(len(a.quotes) for a in articles if a.outlet == "kabartimur")


def test_a_selection_that_cannot_be_made_is_refused_before_anything_is_written(demo: Store, tmp_path: Path) -> None:
    for selection, message in ((Selection(story="s0000nothere"), "no story s0000nothere"),
                               (Selection(storyline="nothere"), "no storyline nothere"),
                               (Selection(since="yesterday"), "not an ISO date"),
                               (Selection(until="2024-13-45T99"), "not an ISO date")):  # fmt: skip
        with pytest.raises(ExportError, match=message):
            export.export(demo, str(tmp_path / "out"), "csv", KINDS, selection)
        with pytest.raises(ExportError, match=message):
            export.stream(demo, "quotes", "csv", selection)
    for kind, fmt in (("quote", "csv"), ("quotes", "xlsx"), ("quotes", "graphml")):
        with pytest.raises(ExportError):
            export.stream(demo, kind, fmt)
    assert not (tmp_path / "out").exists()
    # No words to search for (only stopwords): nothing matches, as in `kabar search`.
    assert _ids(demo, Selection(query="dan yang")) == []
    # Blank filters (an empty form field) are no filters.
    assert _ids(demo, Selection(outlet=" ", entity="")) == [a.id for a in demo.iter_articles()]


def _graph_truth(articles: list[Article]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    mentions: Counter[str] = Counter(m.entity for a in articles for m in a.entities)
    pairs: Counter[tuple[str, str]] = Counter()
    for a in articles:
        keys = sorted({m.entity for m in a.entities})
        assert len(keys) <= export.PAIR_ENTITIES  # the demo's articles are paired whole
        pairs.update(combinations(keys, 2))
    return mentions, pairs


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_the_entity_graph_counts_co_occurrence_in_articles(demo: Store, exported: dict[str, Path], fmt: str) -> None:
    mentions, pairs = _graph_truth(list(demo.iter_articles()))
    path = exported["jsonl" if fmt == "graphml" else "csv"] / f"entities.{fmt}"
    g = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    assert set(g.nodes) == set(mentions)
    assert {n: int(g.nodes[n]["mentions"]) for n in g.nodes} == dict(mentions)
    assert {tuple(sorted(e)): int(w) for *e, w in g.edges(data="weight")} == dict(pairs)
    singapore = g.nodes["C:SG"]
    assert singapore["type"] == "LOC" and singapore["label"] in {"Singapura", "Singapore"}
    # The rows of entities.csv hold the same mentions.
    rows = read_rows(exported["csv"] / "entities.csv", "entities")
    assert Counter(r["entity"] for r in rows) == mentions

    # A filtered graph: the articles naming one entity, and what they name with it.
    data, media, name = export.stream(demo, "entities", fmt, Selection(entity="Singapore"))
    assert name == f"entities.{fmt}" and media.endswith("+xml")
    chosen = [a for a in demo.iter_articles() if any(m.entity == "C:SG" for m in a.entities)]
    g = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(io.BytesIO(b"".join(data)))
    assert set(g.nodes) == set(_graph_truth(chosen)[0]) and "C:SG" in g.nodes
    assert all(g.has_edge("C:SG", n) for n in g.nodes if n != "C:SG")


def test_the_entity_graph_stays_within_its_caps(demo: Store) -> None:
    articles = list(demo.iter_articles())
    mentions, pairs = _graph_truth(articles)
    graph = export.EntityGraph(node_cap=60, edge_cap=300)
    for a in articles:
        graph.add(a)
        assert len(graph.nodes) <= 60 and len(graph.edges) <= 300
    g = graph.graph()
    assert g.graph["dropped_nodes_at"] >= 1 and g.graph["dropped_edges_at"] >= 1
    assert 0 < g.number_of_nodes() <= 60 and 0 < g.number_of_edges() <= 300
    # What is kept is counted at most as often as it occurs (a dropped pair starts again).
    assert all(int(w) <= pairs[tuple(sorted((u, v)))] for u, v, w in g.edges(data="weight"))  # type: ignore[index]
    assert all(g.nodes[n]["mentions"] <= mentions[n] for n in g.nodes)


@pytest.mark.parametrize("fmt", FORMATS)
def test_stream_gives_the_bytes_of_the_file(demo: Store, exported: dict[str, Path], fmt: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(export, "FLUSH_BYTES", 4096)
    monkeypatch.setattr(export, "ROW_GROUP_ROWS", 100)
    for kind in ("quotes", "entities"):
        data, media, name = export.stream(demo, kind, fmt)
        chunks = list(data)
        assert name == f"{kind}.{fmt}" and media == export.MEDIA_TYPES[fmt]
        assert len(chunks) > 1 and all(chunks)  # streamed in pieces, not built whole
        body = b"".join(chunks)
        if fmt == "parquet":
            streamed = pq.ParquetFile(io.BytesIO(body))
            assert streamed.metadata.num_row_groups > 1  # written a row group at a time
            assert streamed.read().to_pylist() == pq.read_table(exported[fmt] / name).to_pylist()
        else:
            assert body == (exported[fmt] / name).read_bytes()


def _english_store(kind: str, folder: Path) -> Store:
    store = open_store(new_location(kind, folder))
    ingest_into(store, DEMO / "jakartaledger")
    return store


@pytest.mark.parametrize("which", ["empty", "english"])
def test_an_empty_and_an_english_only_store_export_every_kind(module_backend: str, tmp_path: Path, which: str) -> None:
    store = open_store(new_location(module_backend, tmp_path)) if which == "empty" else _english_store(
        module_backend, tmp_path)
    with store:
        n = store.count_articles()
        assert n == (0 if which == "empty" else 4)
        for fmt in FORMATS:
            out = tmp_path / fmt
            counts = export.export(store, str(out), fmt, KINDS, graph="graphml" if fmt == "csv" else "gexf")
            assert counts["articles"] == n and (counts["quotes"] > 0) == (which == "english")
            for kind in KINDS:
                rows = read_rows(out / f"{kind}.{fmt}", kind)
                assert len(rows) == counts[kind]
            g = nx.read_graphml(out / "entities.graphml") if fmt == "csv" else nx.read_gexf(out / "entities.gexf")
            assert g.number_of_nodes() == counts["nodes"] and (counts["nodes"] > 0) == (which == "english")
            assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
        data, _, _ = export.stream(store, "claims", "parquet", Selection(entity="Nobody Atall"))
        assert pq.read_table(io.BytesIO(b"".join(data))).num_rows == 0


HOSTILE = 'a "quoted", comma\nnew line\r\nCR\x00NUL \u202eRTL\u202c \u2028LS =SUM(A1) ;semi'


def _hostile_article() -> Article:
    text = f"{HOSTILE}\n\nKedua {HOSTILE}"
    paragraphs = text.split("\n\n")
    body = "\n\n".join(paragraphs)
    at = body.index("Kedua")
    return Article(
        id="0123456789abcdef", source=f"in/{HOSTILE}.txt", url="http://x.example/a,b", outlet=HOSTILE,
        title=HOSTILE, published="2024-06-03", language="id", dateline=None, paragraphs=paragraphs,
        sources=[f"in/{HOSTILE}.txt"], story="s0123456789abcdef",
        entities=[EntityMention(HOSTILE, "PERSON", 0, len(HOSTILE), HOSTILE.lower()),
                  EntityMention("Kedua", "ORG", at, at + 5, "kedua")],
        quotes=[Quote(HOSTILE, None, "kata", HOSTILE, "direct", 0, len(HOSTILE), 0)],
        numbers=[Quantity(HOSTILE, 1.5, None, None, HOSTILE, None, 0, 3, 0)],
    )  # fmt: skip


def test_hostile_text_survives_csv_parquet_and_the_graph(tmp_path: Path) -> None:
    # SQLite keeps a NUL in text (PostgreSQL refuses it, and ingest never stores one).
    store = open_store(str(tmp_path / "hostile.db"))
    a = _hostile_article()
    store.save_chunk(ChunkWrite([a], stories=[StoryWrite(
        "s0123456789abcdef", "s0123456789abcdef", HOSTILE, 1, a.published, a.published, ["id"], [HOSTILE], {}, None, 1)]))  # fmt: skip
    with store:
        assert store.get_articles([a.id])[0].title == HOSTILE
        for fmt in ("csv", "parquet"):
            out = tmp_path / fmt
            export.export(store, str(out), fmt, KINDS)
            for kind in KINDS:
                rows = read_rows(out / f"{kind}.{fmt}", kind)
                assert len(rows) == {"entities": 2}.get(kind, 1 if kind != "claims" else 0), kind
            (article,) = read_rows(out / f"articles.{fmt}", "articles")
            assert article["title"] == article["outlet"] == HOSTILE and article["sources"] == [f"in/{HOSTILE}.txt"]
            assert article["text"] == a.text and article["quotes"][0]["content"] == HOSTILE
            quote = read_rows(out / f"quotes.{fmt}", "quotes")[0]
            assert quote["speaker"] == quote["content"] == quote["outlet"] == HOSTILE
            assert read_rows(out / f"figures.{fmt}", "figures")[0]["unit"] == HOSTILE
            assert read_rows(out / f"stories.{fmt}", "stories")[0]["title"] == HOSTILE
        with open(tmp_path / "csv" / "quotes.csv", encoding="utf-8", newline="") as fh:
            assert len(list(csv.reader(fh))) == 2  # a header and one row, newlines and all
        for fmt in ("graphml", "gexf"):
            data, _, _ = export.stream(store, "entities", fmt)
            g = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(io.BytesIO(b"".join(data)))
            names = {g.nodes[n]["label"] for n in g.nodes}
            assert names == {HOSTILE.replace("\x00", ""), "Kedua"}  # XML cannot hold a NUL
            assert g.number_of_edges() == 1


def test_the_cli_exports_with_filters_and_refuses_bad_options_cleanly(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    store = open_store(db)
    ingest_into(store, DEMO / "kabartimur", DEMO / "jakartaledger")
    store.close()
    out = tmp_path / "out"
    done = runner.invoke(app, ["export", "--out", str(out), "--db", db, "--format", "csv", "--what", "quotes,claims",
                               "--graph", "gexf", "--outlet", "kabartimur", "--since", "2024-08"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == ["claims.csv", "entities.gexf", "quotes.csv"]
    quotes = read_rows(out / "quotes.csv", "quotes")
    assert quotes and all(q["outlet"] == "kabartimur" and q["published"] >= "2024-08" for q in quotes)
    assert f"{len(quotes)} quotes" in done.output and "entity graph" in done.output

    graph_only = runner.invoke(app, ["export", "--out", str(tmp_path / "g"), "--db", db, "--graph", "graphml"])
    assert graph_only.exit_code == 0 and [p.name for p in (tmp_path / "g").iterdir()] == ["entities.graphml"]

    for args, message in ((["--format", "xml"], "'xml' is not one of"), (["--graph", "dot"], "'dot' is not one of"),
                          (["--what", "articles,tweets"], "unknown export kind tweets"),
                          (["--story", "nothing"], "no story nothing"),
                          (["--since", "last week"], "not an ISO date")):  # fmt: skip
        bad = runner.invoke(app, ["export", "--out", str(tmp_path / "bad"), "--db", db, *args])
        assert bad.exit_code == 2, (args, bad.output)
        assert message in " ".join(bad.output.split()) and "Traceback" not in bad.output
        assert not (tmp_path / "bad").exists()


def test_a_failed_export_leaves_the_files_it_replaces_and_no_temporary_ones(
    demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    export.export(demo, str(out), "csv", ["articles", "quotes"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(kind: str, article: Article) -> Iterator[dict[str, Any]]:
        raise RuntimeError("disk trouble")
        yield {}

    monkeypatch.setattr(export, "article_rows", broken)
    with pytest.raises(RuntimeError, match="disk trouble"):
        export.export(demo, str(out), "csv", ["articles", "quotes"], Selection(outlet="kabartimur"))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_an_entity_filter_takes_a_country_key_as_the_entity_pages_link_it(demo: Store) -> None:
    # "C:MY" is what /entities/C:MY and its download links pass; it means the articles that
    # name Malaysia in any language, as the name does.
    by_name = _ids(demo, Selection(entity="Malaysia"))
    assert 0 < len(by_name) < demo.count_articles()
    assert _ids(demo, Selection(entity="C:MY")) == by_name
