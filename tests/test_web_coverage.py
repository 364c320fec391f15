"""The story page's coverage (articles per outlet, who reported first and when, reports
per day by outlet, the languages, the outlets that only copied), the charts' layout, the
story list's and search's filters with day and week navigation and a result count, the
pages' translations, and export downloads (GET /api/export/{kind}.{format} and the links
to it on every list, story, entity, outlet and search page).

Through a real server (uvicorn on 127.0.0.1) on a store written for these tests: one
story reported by nine outlets (one only copying, one spelled two ways, one unknown) in
two languages over eleven days, and a second story in another week. What each page should
show is worked out here from the stored articles, not from the page's code."""

from __future__ import annotations

import ast
import html
import io
import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest

from conftest import DEMO, ROOT, SEEDS, ingest_into, new_location, serving
from kabar import export
from kabar.brief import Brief, TimelineEvent
from kabar.lang import all_languages, get
from kabar.model import Article, ChunkWrite, EntityMention, Removal, StoryFacts, StoryWrite
from kabar.query import index_terms
from kabar.store import open_store
from kabar.web import labels, views

# --- the store -------------------------------------------------------------------------------

STORY, OTHER = "s00000000000000f1", "s00000000000000f2"
DAY0 = datetime(2024, 3, 4, 7, 0)  # a Monday
# (outlet, language, hours after DAY0 or None for undated, copy of the article before);
# the other story, two weeks on, is in the same storyline.
_REPORTS: list[tuple[str | None, str, float | None, bool]] = [
    ("Kabar Palu", "id", 0.0, False),
    ("Warta Sulteng", "id", 1.5, False),
    ("Palu Pos", "id", 2.0, True),  # Palu Pos only ever copies
    ("kabar palu", "id", 3.0, False),  # the same outlet, spelled otherwise
    ("Antara English", "en", 5.0, False),
    ("Sulawesi Daily", "en", 26.0, False),
    ("Palu Pos", "id", 27.0, True),
    ("Tribun Donggala", "id", 30.0, False),
    ("Radar Sigi", "id", 50.0, False),
    ("Mercusuar", "id", 75.0, False),
    ("Warta Sulteng", "id", 100.0, False),
    (None, "id", 120.0, False),  # no outlet known
    ("Kabar Palu", "id", 240.0, False),
    ("Radar Sigi", "id", None, False),  # undated
]
_TEXT = [
    "Banjir bandang melanda tiga kelurahan di Kota Palu setelah hujan deras semalaman.",
    "Badan Penanggulangan Bencana Daerah mencatat ratusan rumah terendam dan warga mengungsi.",
    "Wali Kota Palu meminta warga di bantaran Sungai Palu tetap waspada terhadap banjir susulan.",
]
ENTITY = "sungai palu"


def _article(
    k: int, outlet: str | None, language: str, hours: float | None, story: str, copy_of: str | None
) -> Article:
    published = (DAY0 + timedelta(hours=hours)).isoformat(timespec="minutes") + "+08:00" if hours is not None else None
    paragraphs = [f"{_TEXT[0]} Laporan {k}.", _TEXT[1], _TEXT[2]]
    text = "\n\n".join(paragraphs)
    start = text.index("Sungai Palu")
    a = Article(f"{k:016x}", f"{k}.txt", None, outlet, f"Banjir di Palu, laporan {k}", published, language, None,
                paragraphs, removed=[Removal("Baca juga: Banjir lain", "related-article link", 1)], story=story,
                duplicate_of=copy_of, entities=[EntityMention("Sungai Palu", "LOC", start, start + 11, ENTITY)]
                if story == STORY else [])  # fmt: skip
    return a


def _build(path: str) -> list[Article]:
    store = open_store(path)
    articles: list[Article] = []
    for k, (outlet, language, hours, copy) in enumerate(_REPORTS):
        articles.append(_article(k, outlet, language, hours, STORY, articles[-1].id if copy else None))
    other = [_article(100 + k, "Kabar Palu", "id", 24 * 14 + k, OTHER, None) for k in range(3)]
    rows = []
    for sid, members in ((STORY, articles), (OTHER, other)):
        dated = sorted(a.published for a in members if a.published)
        rows.append(StoryWrite(sid, STORY, members[0].title, len(members), dated[0], dated[-1],
                               sorted({a.language for a in members}), sorted({a.outlet or "" for a in members}), {},
                               None, len(members)))  # fmt: skip
    everything = articles + other
    store.save_chunk(ChunkWrite(everything, stories=rows, search_terms={a.id: index_terms(a) for a in everything}))
    store.close()
    return everything


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, module_backend: str) -> dict[str, Any]:
    path = new_location(module_backend, tmp_path_factory.mktemp("coverage"))
    return {"db": path, "articles": _build(path)}


@pytest.fixture(scope="module")
def server(corpus: dict[str, Any]) -> Iterator[httpx.Client]:
    with serving(corpus["db"]) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


def _section(page: str, name: str) -> str:
    found = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert found, f"no section {name}"
    return found.group(1)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# --- coverage --------------------------------------------------------------------------------


def _expected(articles: list[Article]) -> dict[str, Any]:
    """Coverage worked out from the story's articles."""
    mine = [a for a in articles if a.story == STORY]
    order = {a.id: i for i, a in enumerate(mine)}
    by_outlet: dict[str, list[Article]] = {}
    for a in mine:
        by_outlet.setdefault((a.outlet or "").lower(), []).append(a)
    firsts = {
        k: min(v, key=lambda a: (a.published is None, a.published or "", order[a.id])) for k, v in by_outlet.items()
    }
    ranked = sorted(firsts, key=lambda k: (firsts[k].published is None, firsts[k].published or "", order[firsts[k].id]))
    return {
        "order": ranked,
        "articles": {k: len(v) for k, v in by_outlet.items()},
        "copies": {k: sum(1 for a in v if a.duplicate_of) for k, v in by_outlet.items()},
        "first": {k: a.id for k, a in firsts.items()},
        "only_copied": sorted(k for k, v in by_outlet.items() if all(a.duplicate_of for a in v)),
        "languages": Counter(a.language for a in mine),
        "per_day": Counter((a.published[:10], (a.outlet or "").lower()) for a in mine if a.published),
        "undated": sum(1 for a in mine if not a.published),
    }


def test_the_story_page_shows_who_reported_it_when_and_in_which_language(
    corpus: dict[str, Any], server: httpx.Client
) -> None:
    want = _expected(corpus["articles"])
    record = server.get(f"/api/stories/{STORY}").json()["coverage"]
    got = [(o["name"] or "").lower() for o in record["outlets"]]
    assert got == want["order"]  # every outlet, by its first report, the earliest first
    for o in record["outlets"]:
        key = (o["name"] or "").lower()
        assert o["articles"] == want["articles"][key] and o["copies"] == want["copies"][key]
        assert o["first"]["id"] == want["first"][key]
        assert o["only_copies"] == (key in want["only_copied"])
    # One outlet, however its name is spelled; the spelling most of its articles use.
    assert [o["name"] for o in record["outlets"]].count("Kabar Palu") == 1
    assert sorted((n or "").lower() for n in record["only_copied"]) == want["only_copied"] == ["palu pos"]
    assert {x["language"]: x["articles"] for x in record["languages"]} == want["languages"]
    assert record["undated"] == want["undated"] == 1 and record["outlets_total"] == len(want["order"])
    # Reports per day by outlet: the outlets with the most articles have a colour each,
    # the rest share one; every dated article is in one bar.
    per = record["per_period"]
    assert per["unit"] == "day" and len(per["series"]) == views.COVERAGE_SERIES + 1
    names = {s["series"]: s for s in per["series"]}
    counted: Counter[tuple[str, int]] = Counter()
    for bar in per["bars"]:
        assert bar["from"] == bar["to"]
        for series, n in bar["articles"].items():
            counted[(bar["from"], int(series))] += n
    colour = {(s["name"] or "").lower(): s["series"] for s in per["series"] if not s.get("other")}
    expected: Counter[tuple[str, int]] = Counter()
    for (day, outlet), n in want["per_day"].items():
        expected[(day, colour.get(outlet, views.OTHER_SERIES))] += n
    assert counted == expected
    top = sorted(want["articles"].values(), reverse=True)[: views.COVERAGE_SERIES]
    assert sorted((s["articles"] for s in per["series"] if not s.get("other")), reverse=True) == top
    assert names[views.OTHER_SERIES]["other"] == len(want["articles"]) - views.COVERAGE_SERIES

    for lang in ("en", "id"):
        page = server.get(f"/stories/{STORY}?lang={lang}").text
        section = _section(page, "coverage")
        first = re.search(r'<p id="first-report">(.*?)</p>', section, re.S)
        assert (
            first
            and "Kabar Palu" in first.group(1)
            and f'href="/articles/{want["first"]["kabar palu"]}' in first.group(1)
        )
        assert "2024-03-04 07:00" in _text(first.group(1))
        listed = re.search(r'<ol class="coverage">(.*?)</ol>', section, re.S)
        assert listed
        items = re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)
        assert len(items) == len(want["order"])
        t = labels(lang)
        for item, key in zip(items, want["order"], strict=True):
            assert f'href="/articles/{want["first"][key]}' in item
            assert f"{want['articles'][key]} {t['articles']}" in _text(item)
            assert (t["only_copies"] in _text(item)) == (key in want["only_copied"])
        assert t["first"] in _text(items[0]) and all(t["first"] not in _text(i).split() for i in items[1:])
        only = re.search(r'<p id="only-copied">(.*?)</p>', section, re.S)
        assert only and _text(only.group(1)) == f"{t['only_copied']}: Palu Pos"
        assert f"{t['unknown_outlet']}" in _text(section)
        # The chart: a segment per outlet and day, titled with its count; a legend entry
        # for every colour in it.
        svg = re.search(r'<svg class="chart coverage"(.*?)</svg>', section, re.S)
        assert svg
        titled = [int(n) for n in re.findall(r"<title>[^<]*? (\d+)</title>", svg.group(1))]
        assert sum(titled) == sum(want["per_day"].values())
        used = set(re.findall(r'class="(s\d)"', svg.group(1)))
        legend = re.search(r'<ul class="legend">(.*?)</ul>', section, re.S)
        assert legend and used <= set(re.findall(r'class="swatch (s\d)"', legend.group(1)))
        assert t["other_outlets"] in _text(legend.group(1))


def test_the_coverage_of_a_story_is_counted_in_the_database_not_per_article(corpus: dict[str, Any]) -> None:
    """The coverage reads return a row per outlet, language, copy and period (and one per
    outlet), not one per article."""
    mine = [a for a in corpus["articles"] if a.story == STORY]
    store = open_store(corpus["db"])
    try:
        for period in (10, 7, 4):
            rows = store.story_coverage(STORY, period)
            want = Counter(
                (a.outlet, a.language, a.duplicate_of is not None, (a.published or "")[:period]) for a in mine
            )
            assert {(r.outlet, r.language, r.copy, r.period): r.articles for r in rows} == want
            assert len(rows) == len(want)
        assert len(store.story_coverage(STORY, 4)) < len(mine)
        firsts = store.story_first_reports(STORY, 100)
        assert len(firsts) == len({(a.outlet or "").lower() for a in mine})
        assert store.story_first_reports(STORY, 3) == firsts[:3]
        with pytest.raises(ValueError):
            store.story_coverage(STORY, 5)
    finally:
        store.close()


# --- the charts' layout --------------------------------------------------------------------


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_entity_graph_names_never_run_into_each_other_or_a_node() -> None:
    """The names that once ran together ("HouseAsean Secretariat"), long names and names in
    other scripts: every name drawn keeps clear of every other name and node and stays in
    the drawing; a name without room is left to the numbered list."""
    names = ["House", "Asean Secretariat", "Dewan Perwakilan Rakyat Republik Indonesia", "Korea Utara", "Rusia",
             "Vladimir Putin", "Kim Jong Un", "Kementerian Luar Negeri", "Pyongyang", "Moskow", "PBB",
             "Badan Meteorologi Klimatologi dan Geofisika", "東京", "Ibu Kota Nusantara"]  # fmt: skip
    for n in (2, 3, 5, 8, 14):
        facts = StoryFacts([{"entity": f"e{k}", "name": names[k], "label": "ORG", "salience": 1.0}
                            for k in range(n)], [], [], [])  # fmt: skip
        graph = views.entity_graph_svg([], facts)
        boxes = []
        for node in graph["nodes"]:
            box = (node["x"] - views.GRAPH_NODE, node["y"] - views.GRAPH_NODE, node["x"] + views.GRAPH_NODE,
                   node["y"] + views.GRAPH_NODE)  # fmt: skip
            assert box[0] >= 0 and box[2] <= graph["width"] and box[1] >= 0 and box[3] <= graph["height"]
            boxes.append(box)
        labelled = [node for node in graph["nodes"] if node["label"]]
        assert len(labelled) >= min(n, 4)
        for node in labelled:
            assert node["label"] == node["name"] or node["label"].endswith(views.ELLIPSIS)
            box = views._text_box(node["lx"], node["ly"], node["label"], node["anchor"])
            assert box[0] >= 0 and box[2] <= graph["width"] and box[1] >= 0 and box[3] <= graph["height"]
            boxes.append(box)
        for a, b in itertools.combinations(boxes, 2):
            assert not _overlap(a, b), (a, b)


@pytest.mark.parametrize("span", [0, 1, 3, 20, 90, 400, 3000])
def test_timeline_dots_and_dates_never_overlap(span: int) -> None:
    days = sorted({(date(2024, 1, 1) + timedelta(days=span * k // 11)).isoformat() for k in range(12)})
    events = [TimelineEvent(d, f"event {k}", "published" if k == 0 else "event", []) for k, d in enumerate(days)]
    chart = views.timeline_svg(Brief("id", [], events))
    assert len(chart["points"]) == len(events)
    assert chart["kinds"] == (["event", "published"] if len(events) > 1 else ["published"])
    r = chart["r"]
    for p in chart["points"]:
        assert r <= p["x"] <= chart["width"] - r and r <= p["y"] and p["y"] + r < chart["axis_y"]
    for a, b in itertools.combinations(chart["points"], 2):
        assert a["y"] != b["y"] or abs(a["x"] - b["x"]) >= 2 * r  # dots of one row never touch
    labels_ = [t for t in chart["ticks"] if t["label"]]
    assert labels_[0]["label"] == days[0]
    boxes = sorted(views._label_box(t["x"], t["label"], t["anchor"]) for t in labels_)
    assert all(lo >= 0 and hi <= chart["width"] for lo, hi in boxes)
    assert all(b[0] >= a[1] + views.AXIS_GAP for a, b in itertools.pairwise(boxes))


def test_text_is_measured_with_the_fonts_widths() -> None:
    assert views.text_width("Wm", 10) > views.text_width("il", 10) * 2  # proportional, not per character
    assert views.text_width("2024-06-19") == pytest.approx(11 * (8 * 0.64 + 2 * 0.37))
    full = "Dewan Perwakilan Rakyat Republik Indonesia"
    for room in (5, 30, 80, 200, 400):
        cut = views.fit_text(full, room)
        assert views.text_width(cut) <= room and full.startswith(cut.removesuffix(views.ELLIPSIS))
        assert cut == full or cut.endswith(views.ELLIPSIS) or not cut


# --- filters, date navigation, counts --------------------------------------------------------


def _active(articles: list[Article], since: str, until: str) -> set[str]:
    """Stories with an article on or after `since` and one up to `until` (whole days)."""
    out = set()
    for sid in {a.story for a in articles}:
        days = [a.published[:10] for a in articles if a.story == sid and a.published]
        if max(days) >= since and min(days) <= until:
            out.add(sid)  # type: ignore[arg-type]
    return out


def test_the_story_list_filters_by_date_range_day_week_and_entity(corpus: dict[str, Any], server: httpx.Client) -> None:
    articles: list[Article] = corpus["articles"]
    for since, until in (("2024-03-04", "2024-03-04"), ("2024-03-18", "2024-03-24"), ("2024-03-10", "2024-03-20")):
        record = server.get("/api/stories", params={"since": since, "until": until}).json()
        assert {s["id"] for s in record["stories"]} == _active(articles, since, until)
        assert record["total"] == len(_active(articles, since, until))
    day = server.get("/api/stories", params={"day": "2024-03-04"}).json()
    assert [s["id"] for s in day["stories"]] == [STORY]
    week = server.get("/api/stories", params={"week": "2024-W12"}).json()  # 18-24 March
    assert [s["id"] for s in week["stories"]] == [OTHER]
    named = server.get("/api/stories", params={"entity": "Sungai Palu"}).json()
    assert [s["id"] for s in named["stories"]] == [STORY] and named["total"] == 1
    assert server.get("/api/stories", params={"day": "2024-02-31"}).status_code == 422
    assert server.get("/api/stories", params={"week": "2024-12"}).status_code == 422

    page = server.get("/", params={"day": "2024-03-05", "lang": "id"}).text
    t = labels("id")
    assert t["n_stories"].format(n=1) in _text(page)  # the result count
    nav = re.search(r'<nav class="datenav"[^>]*>(.*?)</nav>', page, re.S)
    assert nav
    links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', nav.group(1))]
    assert links == ["?since=2024-03-04&until=2024-03-04&lang=id", "?since=2024-03-06&until=2024-03-06&lang=id"]
    # The range a picker chose shows in since and until; the pickers start empty again.
    assert 'name="since" value="2024-03-05"' in page and 'name="until" value="2024-03-05"' in page
    assert 'name="day" value=""' in page
    # A week: Monday to Sunday, the week before and after.
    page = server.get("/", params={"week": "2024-W12", "outlet": "Kabar Palu"}).text
    nav = re.search(r'<nav class="datenav"[^>]*>(.*?)</nav>', page, re.S)
    assert nav and 'name="since" value="2024-03-18"' in page and 'name="until" value="2024-03-24"' in page
    links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', nav.group(1))]
    assert links == ["?outlet=Kabar+Palu&since=2024-03-11&until=2024-03-17",
                     "?outlet=Kabar+Palu&since=2024-03-25&until=2024-03-31"]  # fmt: skip
    for link in links:
        assert server.get("/" + link).status_code == 200
    assert "1 stories" in _text(page)
    # Any other range has no day or week navigation, but its count.
    page = server.get("/", params={"since": "2024-03-01", "until": "2024-03-31"}).text
    assert 'class="datenav"' not in page and "2 stories" in _text(page)


def test_search_filters_by_day_and_week_and_counts_its_results(corpus: dict[str, Any], server: httpx.Client) -> None:
    articles: list[Article] = corpus["articles"]
    on_day = {a.id for a in articles if a.published and a.published.startswith("2024-03-05")}
    record = server.get("/api/search", params={"q": "banjir", "day": "2024-03-05", "per_page": 100}).json()
    assert {h["article"] for h in record["hits"]} == on_day and record["total"] == len(on_day)
    page = server.get("/search", params={"q": "banjir", "day": "2024-03-05", "lang": "id"}).text
    assert labels("id")["n_results"].format(n=len(on_day)) in _text(page)
    assert 'class="datenav"' in page and 'name="since" value="2024-03-05"' in page
    story = server.get("/api/search", params={"q": "banjir", "story": OTHER, "per_page": 100}).json()
    assert {h["article"] for h in story["hits"]} == {a.id for a in articles if a.story == OTHER}
    named = server.get("/api/search", params={"q": "banjir", "entity": "Sungai Palu", "per_page": 100}).json()
    assert {h["article"] for h in named["hits"]} == {a.id for a in articles if a.story == STORY}


# --- exports -------------------------------------------------------------------------------


def _download_links(page: str) -> set[str]:
    return {html.unescape(h) for h in re.findall(r'href="(/api/export/[^"]+)"', page)}


def test_every_list_story_entity_outlet_and_search_page_links_its_exports(
    corpus: dict[str, Any], server: httpx.Client
) -> None:
    pages = {
        "/?outlet=Kabar+Palu": "outlet=Kabar+Palu",
        f"/stories/{STORY}": f"story={STORY}",
        f"/entities/{quote(ENTITY)}": "entity=Sungai+Palu",
        "/outlets/Kabar%20Palu": "outlet=Kabar+Palu",
        "/search?q=banjir&language=en": "language=en&q=banjir",
        "/storylines": f"storyline={STORY}",
    }
    for path, query in pages.items():
        response = server.get(path)
        assert response.status_code == 200, path
        links = _download_links(response.text)
        wanted = {f"/api/export/{kind}.{fmt}?{query}" for kind in export.KINDS for fmt in export.TABLE_FORMATS}
        wanted |= {f"/api/export/entities.{fmt}?{query}" for fmt in export.GRAPH_FORMATS}
        assert wanted <= links, (path, wanted - links)
    # The story's links give what `kabar export --story` gives.
    for link in sorted(_download_links(server.get(f"/stories/{STORY}").text)):
        response = server.get(link)
        assert response.status_code == 200, link
        kind, fmt = link.split("/")[-1].split("?")[0].split(".")
        assert response.headers["content-type"] == export.MEDIA_TYPES[fmt]
        assert response.headers["content-disposition"] == f'attachment; filename="{kind}.{fmt}"'
        if fmt == "jsonl":
            rows = [json.loads(line) for line in response.text.splitlines()]
            mine = [a for a in corpus["articles"] if a.story == STORY]
            if kind == "articles":
                assert [r["id"] for r in rows] == [a.id for a in mine]
            if kind == "stories":
                assert [r["id"] for r in rows] == [STORY]
            if kind == "entities":
                assert len(rows) == len(mine) and {r["entity"] for r in rows} == {ENTITY}
        if fmt == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(io.BytesIO(response.content))
            assert table.schema.metadata[b"kabar.kind"] == kind.encode()
        if fmt == "graphml":
            assert response.text.startswith("<?xml") and ENTITY in response.text


def test_the_export_api_streams_what_export_stream_writes(corpus: dict[str, Any], server: httpx.Client) -> None:
    store = open_store(corpus["db"])
    try:
        for kind, fmt, params in (("articles", "csv", {"since": "2024-03-05", "until": "2024-03-06"}),
                                  ("claims", "jsonl", {}), ("stories", "jsonl", {"outlet": "kabar palu"}),
                                  ("articles", "jsonl", {"q": "banjir", "language": "en"})):  # fmt: skip
            chunks, media, _ = export.stream(store, kind, fmt, export.Selection(
                params.get("q"), params.get("since"), params.get("until"), None, None, params.get("outlet"), None,
                params.get("language")))  # fmt: skip
            expected = b"".join(chunks)
            with server.stream("GET", f"/api/export/{kind}.{fmt}", params=params) as response:
                assert response.status_code == 200 and response.headers["content-type"] == media
                assert "content-length" not in response.headers  # streamed as written
                assert response.read() == expected
    finally:
        store.close()
    assert server.get("/api/export/articles.csv", params={"story": "s-no-such"}).status_code == 400
    bad = server.get("/api/export/articles.csv", params={"since": "March"})
    assert bad.status_code == 400 and "ISO" in bad.json()["detail"]
    assert server.get("/api/export/stories.graphml").status_code == 400  # a graph is the entities'
    assert server.get("/api/export/everything.csv").status_code == 422
    assert server.get("/api/export/articles.xlsx").status_code == 422


def test_a_client_that_goes_away_stops_the_export(corpus: dict[str, Any], server: httpx.Client) -> None:
    """The export thread ends when its client leaves mid-download."""
    before = {t.ident for t in threading.enumerate() if t.name == "kabar-export"}
    for _ in range(3):
        with server.stream("GET", "/api/export/articles.jsonl") as response:
            assert response.status_code == 200
            next(response.iter_bytes())
    for _ in range(100):
        if not {t.ident for t in threading.enumerate() if t.name == "kabar-export"} - before:
            break
        time.sleep(0.1)
    assert not {t.ident for t in threading.enumerate() if t.name == "kabar-export"} - before


# --- translations ----------------------------------------------------------------------------


def _removal_reasons() -> set[str]:
    """Every removal reason the cleaner can write, read from its source: the reasons given
    to `Removal(...)` as text (an f-string's values as "7"), the reasons its line tests
    return or assign, the header lines meta.py consumes, and the boilerplate cues of every
    language."""
    found: set[str] = set()
    for name in ("clean.py", "meta.py", "pipeline.py"):
        tree = ast.parse((ROOT / "src" / "kabar" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Removal" and len(node.args) >= 2:
                reason = node.args[1]
                if isinstance(reason, ast.Constant) and isinstance(reason.value, str):
                    found.add(reason.value)
                elif isinstance(reason, ast.JoinedStr):
                    found.add("".join(v.value if isinstance(v, ast.Constant) else "7" for v in reason.values))
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_reason"):
                found |= {r.value.value for r in ast.walk(node) if isinstance(r, ast.Return)
                          and isinstance(r.value, ast.Constant) and isinstance(r.value.value, str)}  # fmt: skip
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                target = node.targets[0]
                if (isinstance(target, ast.Name) and target.id == "reason") or (
                    isinstance(target, ast.Subscript) and getattr(target.value, "id", "") == "consumed"
                ):
                    found.add(node.value.value)
    for code in all_languages():
        found |= set(get(code).line_cues)
    return found


def test_every_removal_reason_claim_kind_unit_and_stance_reads_in_indonesian() -> None:
    t, en = labels("id"), labels("en")
    reasons = _removal_reasons()
    assert {"photo caption", "repeated paragraph", "byline", "after end-of-article marker '7'"} <= reasons
    for reason in reasons:
        shown = t.removal(reason)
        assert shown != reason and en.removal(reason) == reason, reason
    assert (
        t.removal("after end-of-article marker 'Baca selengkapnya'")
        == "setelah penanda akhir artikel 'Baca selengkapnya'"
    )
    assert t.removal("title over 300 characters: 412 cut") == "judul lebih dari 300 karakter: 412 dipotong"
    assert t.removal("a reason nobody wrote a label for") == "a reason nobody wrote a label for"
    for kind in ("claim", "accusation", "estimate", "report", "denial"):
        assert t.claim_kind(kind) != kind and en.claim_kind(kind) == kind
    units = {"percent"} | {u for code in all_languages() for u in get(code).counted_aliases.values()}
    units |= {u for code in all_languages() for u in get(code).currencies.values() if u}
    for unit in units:
        assert t.unit_name(unit) != unit or unit == "km", unit
    assert [t.stance_name(s) for s in ("yes", "no", "mixed")] == ["ya", "tidak", "campuran"]
    # Every label the English pages have, the Indonesian pages have too.
    assert set(get("en").ui) <= set(get("id").ui)


def test_pages_in_indonesian_translate_what_they_print_from_the_data(
    corpus: dict[str, Any], server: httpx.Client
) -> None:
    article = corpus["articles"][0]
    page = server.get(f"/articles/{article.id}?lang=id").text
    assert '<html lang="id">' in page
    removed = _section(page, "removed")
    assert "tautan artikel terkait" in removed and "related-article link" not in removed
    english = server.get(f"/articles/{article.id}").text
    assert "related-article link" in _section(english, "removed")
    # The language links keep the page's parameters.
    listing = server.get("/search", params={"q": "banjir", "outlet": "Kabar Palu"}).text
    assert 'href="?q=banjir&amp;outlet=Kabar+Palu&amp;lang=id"' in listing


def test_a_page_that_is_not_there_is_an_html_page_with_the_navigation(server: httpx.Client) -> None:
    for path in ("/no/such/page", f"/stories/{STORY}x", "/entities/nobody"):
        for lang in ("en", "id"):
            response = server.get(path, params={"lang": lang})
            assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
            assert f'<html lang="{lang}">' in response.text and "<nav>" in response.text
            assert labels(lang)["no_such_page"] in response.text
    assert server.get("/api/stories/nope").headers["content-type"] == "application/json"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the checkout")
def test_every_reason_the_demo_and_seeds_give_reads_in_indonesian(tmp_path: Path) -> None:
    """The reasons real pages gave when ingested, each with its Indonesian label."""
    store = open_store(str(tmp_path / "demo.db"))
    ingest_into(store, DEMO, SEEDS)
    seen = {r.reason for a in store.iter_articles() for r in a.removed}
    store.close()
    assert len(seen) >= 5
    t = labels("id")
    assert all(t.removal(reason) != reason for reason in seen), [r for r in seen if t.removal(r) == r]


def test_the_story_list_links_to_a_filtered_storyline_and_the_entity_page_to_its_stories(
    corpus: dict[str, Any], server: httpx.Client
) -> None:
    page = server.get(f"/entities/{quote(ENTITY)}").text
    link = re.search(r'href="(/\?entity=[^"]+)"', page)
    assert link
    listing = server.get(html.unescape(link.group(1))).text
    assert re.findall(r'href="/stories/([^"?]+)', listing) == [STORY]
    assert unquote(link.group(1)).startswith("/?entity=Sungai Palu")
    outlet = server.get("/outlets/Kabar%20Palu").text
    stories = re.search(r'href="(/\?outlet=[^"]+)"', outlet)
    assert stories
    ids = re.findall(r'href="/stories/([^"?]+)', server.get(html.unescape(stories.group(1))).text)
    assert sorted(set(ids)) == sorted({STORY, OTHER})
