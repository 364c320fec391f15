"""Entity and outlet pages (/entities/{key}, /outlets/{name} and their JSON under /api/),
the links to them from the story and article pages, and HTML 404 pages, through a real
server (uvicorn on 127.0.0.1) on the demo corpus with the seeds. What each page should
show is worked out here from the stored articles themselves, not from the page's code.
And the entity and outlet reads stay bounded on a store where one entity and one outlet
are in thousands of articles."""

from __future__ import annotations

import dataclasses
import html
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest

from conftest import DEMO, SEEDS, ingest_into, new_location, serving
from kabar.extract import extract_article
from kabar.model import Article, ChunkWrite, StoryWrite, Syndication
from kabar.query import index_terms
from kabar.store import ENTITY_SCAN, open_store
from kabar.store.sqlite import MIGRATIONS, SQLiteStore
from kabar.web import views


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, module_backend: str) -> dict[str, Any]:
    """A store of the demo corpus and the seeds, and its articles and stories."""
    path = new_location(module_backend, tmp_path_factory.mktemp("workbench"))
    store = open_store(path)
    ingest_into(store, DEMO, *([SEEDS] if SEEDS.is_dir() else []))
    articles = list(store.iter_articles())
    stories = {s.id: s for s in store.stories()}
    store.close()
    return {"db": path, "articles": articles, "stories": stories}


@pytest.fixture(scope="module")
def server(corpus: dict[str, Any]) -> Iterator[httpx.Client]:
    """The app under uvicorn on 127.0.0.1, and a client for it (redirects not followed)."""
    with serving(corpus["db"]) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


def _keys(a: Article) -> set[str]:
    """Every entity key an article names, quotes or gives a claim to."""
    return ({m.entity for m in a.entities} | {q.speaker_entity for q in a.quotes if q.speaker_entity and not q.nested}
            | {c.holder_entity for c in a.claims if c.holder_entity})  # fmt: skip


def _text(page: str) -> str:
    """A page's text with tags dropped and entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _section(page: str, name: str) -> str:
    found = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert found, f"no section {name}"
    return found.group(1)


def _entity_url(key: str) -> str:
    return f"/entities/{quote(key, safe='')}"


def _newest(a: Article) -> tuple[bool, str]:
    return (a.published is not None, a.published or "")


# --- entity pages --------------------------------------------------------------------


def test_an_entity_page_shows_its_names_across_languages_stories_and_mentions(
    corpus: dict[str, Any], server: httpx.Client
) -> None:
    articles: list[Article] = corpus["articles"]
    forms: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for a in articles:
        for m in a.entities:
            forms[m.entity].add((m.text.lower(), a.language))
    # The entity written in the most different ways across the most languages ("Singapura"
    # in Indonesian, "Singapore" in English), then the most named.
    named_in = Counter(k for a in articles for k in _keys(a))
    key = max(forms, key=lambda k: (len({lang for _, lang in forms[k]}) > 1 and len({f for f, _ in forms[k]}) > 1,
                                    len(forms[k]), named_in[k], k))  # fmt: skip
    mine = [a for a in articles if key in _keys(a)]
    record = server.get(f"/api{_entity_url(key)}").json()
    assert record["key"] == key and record["articles"] == len(mine) < ENTITY_SCAN
    shown = {a["name"].lower(): set(a["languages"]) for a in record["aliases"]}
    expected: dict[str, set[str]] = defaultdict(set)
    for form, lang in forms[key]:
        expected[form].add(lang)
    assert shown == expected
    # Its stories, the one that named it last first.
    latest: dict[str, str] = {}
    for a in mine:
        if a.story:
            latest[a.story] = max(latest.get(a.story, ""), a.published or "")
    order = sorted(latest, key=lambda s: (latest[s], s), reverse=True)
    assert [s["id"] for s in record["stories"]] == order[: views.ENTITY_STORIES]
    assert {s["id"]: s["mentions"] for s in record["stories"]} == {
        s: sum(1 for a in mine if a.story == s) for s in order[: views.ENTITY_STORIES]}  # fmt: skip
    days = Counter(a.published[:10] for a in mine if a.published)
    assert {d["day"]: d["articles"] for d in record["mentions_per_day"]} == days

    page = server.get(_entity_url(key))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    aliases = _text(_section(page.text, "aliases"))
    for form in expected:
        assert form in aliases.lower()
    stories = _section(page.text, "stories")
    assert re.findall(r'href="/stories/([^"?]+)', stories) == order[: views.ENTITY_STORIES]
    # The chart: a bar per period, each titled with its count, adding up to the dated
    # articles; a legend for its one colour.
    mentions = _section(page.text, "mentions")
    counts = [int(n) for n in re.findall(r"<title>[^<]*: (\d+)</title>", mentions)]
    assert sum(counts) == sum(days.values()) and counts
    assert 'class="chart"' in mentions and 'class="legend"' in mentions and 'class="swatch bar"' in mentions


def test_quotes_by_an_entity_and_claims_about_it_come_with_citations(
    corpus: dict[str, Any], server: httpx.Client
) -> None:
    articles: list[Article] = corpus["articles"]
    by_id = {a.id: a for a in articles}
    quoted = Counter(q.speaker_entity for a in articles for q in a.quotes if q.speaker_entity and not q.nested)
    speaker = max(quoted, key=lambda k: (quoted[k], k))
    record = server.get(f"/api{_entity_url(speaker)}").json()
    wordings = {" ".join(q.content.lower().split()) for a in articles for q in a.quotes
                if q.speaker_entity == speaker and not q.nested}  # fmt: skip
    assert len(wordings) <= views.ENTITY_QUOTES and quoted[speaker] <= views.ENTITY_QUOTE_ARTICLES * 2
    assert {" ".join(q["content"].lower().split()) for q in record["quotes"]} == wordings
    page = server.get(_entity_url(speaker)).text
    quotes = _section(page, "quotes")
    for q in record["quotes"]:
        for source in q["sources"]:  # each citation is a quote of this speaker in that paragraph
            cited = by_id[source["article"]]
            assert any(x.speaker_entity == speaker and x.paragraph == source["paragraph"] for x in cited.quotes)
            assert f'href="/articles/{source["article"]}?#p{source["paragraph"] + 1}"' in quotes
        assert " ".join(q["content"].split()) in _text(quotes)

    def claims_of(key: str, a: Article) -> list[str]:
        starts = [m.start for m in a.entities if m.entity == key]
        return [c.content for c in a.claims
                if c.holder_entity == key or any(c.start <= s < c.end for s in starts)]  # fmt: skip

    claimed = Counter(k for a in articles for k in _keys(a) for _ in claims_of(k, a))
    key = max(claimed, key=lambda k: (claimed[k], k))
    record = server.get(f"/api{_entity_url(key)}").json()
    expected = Counter(c for a in articles for c in claims_of(key, a))
    assert sum(expected.values()) <= views.ENTITY_CLAIMS
    assert Counter(c["content"] for c in record["claims"]) == expected
    for c in record["claims"]:
        cited = by_id[c["evidence"]["article"]]
        assert c["content"] in claims_of(key, cited)
        assert c["role"] == ("by" if c["holder_entity"] == key else "about")
    claims = _text(_section(server.get(_entity_url(key)).text, "claims"))
    for content in expected:
        assert " ".join(content.split()) in claims


def test_the_entities_named_with_it_most_come_first(corpus: dict[str, Any], server: httpx.Client) -> None:
    articles: list[Article] = corpus["articles"]
    key = Counter(k for a in articles for k in _keys(a)).most_common(1)[0][0]
    together = Counter(k for a in articles if key in _keys(a) for k in _keys(a) - {key})
    record = server.get(f"/api{_entity_url(key)}").json()
    shown = record["cooccurring"]
    assert shown and [(e["key"], e["articles"]) for e in shown] == sorted(
        together.items(), key=lambda kv: (-kv[1], kv[0]))[: views.COOCCUR_SHOWN]  # fmt: skip
    section = _section(server.get(_entity_url(key)).text, "cooccurring")
    assert [unquote(k) for k in re.findall(r'href="/entities/([^"?]+)', section)] == [e["key"] for e in shown]


def test_a_name_in_any_language_leads_to_its_key(corpus: dict[str, Any], server: httpx.Client) -> None:
    """ "Singapore" (English) is the page of C:SG, the key the articles give the country."""
    articles: list[Article] = corpus["articles"]
    country = next((m for a in articles for m in a.entities if m.entity.startswith("C:")
                    and m.text.lower() != m.entity.lower()), None)  # fmt: skip
    assert country is not None, "the corpus names no country"
    response = server.get(f"/entities/{quote(country.text)}?lang=id")
    assert response.status_code == 307
    assert response.headers["location"] == f"{_entity_url(country.entity)}?lang=id"
    assert server.get(response.headers["location"]).status_code == 200


# --- outlet pages --------------------------------------------------------------------


def _outlet_facts(articles: list[Article], outlet: str) -> tuple[list[str], int, int]:
    """The outlet's stories (the one it reported last first); of those reported by other
    outlets too, how many; and in how many its earliest report is the story's earliest."""
    members: dict[str, list[Article]] = defaultdict(list)
    for a in articles:
        if a.story:
            members[a.story].append(a)
    mine = [a for a in articles if (a.outlet or "").lower() == outlet.lower()]
    latest: dict[str, tuple[bool, str]] = {}
    for a in mine:
        if a.story:
            latest[a.story] = max(latest.get(a.story, (False, "")), _newest(a))
    order = sorted(latest, key=lambda s: latest[s], reverse=True)
    shared = first = 0
    for sid in latest:
        if not any(a.outlet and a.outlet.lower() != outlet.lower() for a in members[sid]):
            continue
        shared += 1
        own = min(a.published[:16] for a in mine if a.story == sid and a.published)
        first += own <= min(a.published[:16] for a in members[sid] if a.published)
    return order, shared, first


def test_an_outlet_page_shows_its_stories_who_was_first_and_what_it_adds(
    corpus: dict[str, Any], server: httpx.Client
) -> None:
    articles: list[Article] = corpus["articles"]
    outlet = Counter(a.outlet for a in articles if a.outlet).most_common(1)[0][0]
    order, shared, first = _outlet_facts(articles, outlet)
    record = server.get(f"/api/outlets/{quote(outlet.upper(), safe='')}").json()  # any case of its name
    assert record["name"] == outlet
    assert record["articles"] == sum(1 for a in articles if a.outlet == outlet)
    assert [s["id"] for s in record["stories"]] == order[: views.OUTLET_STORIES]
    assert (record["shared_stories"], record["first_in"]) == (shared, first) and first > 0
    # What it adds: its own sentences, none of them in another outlet's report of the story.
    assert record["adds"]
    by_id = {a.id: a for a in articles}
    for add in record["adds"]:
        others = " ".join(a.text for a in articles if a.story == add["story"] and a.outlet != outlet)
        for c in add["sentences"]:
            assert by_id[c["article"]].outlet == outlet and c["text"] in by_id[c["article"]].text
            assert c["text"] not in others
    page = server.get(f"/outlets/{quote(outlet, safe='')}").text
    assert re.findall(r'class="story-link" href="/stories/([^"?]+)', _section(page, "stories")) == order[:20]
    assert page.count('class="badge first"') == sum(1 for s in record["stories"] if s["first_to_report"])
    adds = _text(_section(page, "adds"))
    for add in record["adds"]:
        assert all(" ".join(c["text"].split()) in adds for c in add["sentences"])


def test_an_outlet_page_lists_its_copies_of_other_outlets_reports(corpus: dict[str, Any], server: httpx.Client) -> None:
    articles: list[Article] = corpus["articles"]
    by_id = {a.id: a for a in articles}
    copies = Counter(a.outlet for a in articles if a.outlet and a.duplicate_of)
    assert copies, "the corpus holds no copy"
    outlet = max(copies, key=lambda o: (copies[o], o))
    record = server.get(f"/api/outlets/{quote(outlet, safe='')}").json()
    assert record["copies"] == copies[outlet]
    listed = {c["article"]["id"]: c for c in record["copies_listed"]}
    assert set(listed) == {a.id for a in articles if a.outlet == outlet and a.duplicate_of}
    for aid, c in listed.items():
        original = by_id[by_id[aid].duplicate_of or ""]
        assert c["original"]["id"] == original.id and c["original"]["outlet"] == original.outlet
        assert c["others"] == (original.outlet != outlet)
    section = _section(server.get(f"/outlets/{quote(outlet, safe='')}").text, "copies")
    for aid, c in listed.items():
        assert f'href="/articles/{aid}?"' in section and f'href="/articles/{c["original"]["id"]}?"' in section


# --- links and errors ----------------------------------------------------------------


def test_every_entity_and_outlet_link_on_story_and_article_pages_resolves(
    corpus: dict[str, Any], server: httpx.Client
) -> None:
    articles: list[Article] = corpus["articles"]
    links: set[str] = set()
    for sid in corpus["stories"]:
        page = server.get(f"/stories/{sid}?lang=id").text
        record = server.get(f"/api/stories/{sid}").json()
        # Every entity chip, named speaker and claim holder, and every outlet, is a link.
        entities = _section(page, "entities")
        chips = re.findall(r'href="/entities/([^"?]+)', entities.split("</p>")[0])
        assert [unquote(c) for c in chips] == [e["entity"] for e in record["entities"]]
        # The entity graph's numbered list names its nodes, the most salient first.
        key = re.search(r'<ol class="graph-key">(.*?)</ol>', entities, re.S)
        graphed = [unquote(c) for c in re.findall(r'href="/entities/([^"?]+)', key.group(1))] if key else []
        assert graphed == [e["entity"] for e in record["entities"][:14]]
        speakers = {q["speaker_entity"] for q in record["quotes"] if q["speaker_entity"]}
        quoted = {unquote(k) for k in re.findall(r'href="/entities/([^"?]+)', _section(page, "quotes"))}
        assert quoted <= speakers and (quoted or not speakers)
        read = {a["id"] for a in record["articles"]}
        holders = {c.holder_entity for a in articles if a.id in read for c in a.claims if c.holder_entity
                   and any(c.content == x["content"] for x in record["claims"])}  # fmt: skip
        assert holders <= {unquote(k) for k in re.findall(r'href="/entities/([^"?]+)', _section(page, "claims"))}
        outlets = {unquote(k) for k in re.findall(r'href="/outlets/([^"?]+)', _section(page, "sources"))}
        assert outlets == {a["outlet"] for a in record["articles"] if a["outlet"]}
        links |= set(re.findall(r'href="(/(?:entities|outlets)/[^"]+)"', page))
    for a in articles:
        page = server.get(f"/articles/{a.id}").text
        found = set(re.findall(r'href="(/(?:entities|outlets)/[^"]+)"', page))
        named = {unquote(x.split("?")[0][len("/entities/") :]) for x in found if x.startswith("/entities/")}
        assert named == _keys(a)
        assert not a.outlet or f"/outlets/{quote(a.outlet)}?" in found
        links |= found
    for link in sorted(links):
        response = server.get(html.unescape(link))
        assert response.status_code == 200, link
        assert "lang=id" not in link or '<html lang="id">' in response.text


def test_unknown_entities_outlets_and_pages_are_html_404s_with_the_navigation(server: httpx.Client) -> None:
    for path in ("/entities/no%20such%20entity", "/outlets/no-such-outlet.example", "/stories/s-no-such",
                 "/articles/no-such-article", "/no/such/page"):  # fmt: skip
        for lang in ("en", "id"):
            response = server.get(f"{path}?lang={lang}")
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("text/html")
            assert f'<html lang="{lang}">' in response.text
            assert "<nav>" in response.text and 'href="/storylines?' in response.text
            assert "Content-Security-Policy" in response.headers
    for path in ("/api/entities/no%20such%20entity", "/api/outlets/no-such-outlet.example"):
        response = server.get(path)
        assert response.status_code == 404 and response.json()["detail"].startswith("no such")


def test_the_pages_speak_the_readers_language(corpus: dict[str, Any], server: httpx.Client) -> None:
    articles: list[Article] = corpus["articles"]
    key = Counter(k for a in articles for k in _keys(a)).most_common(1)[0][0]
    outlet = Counter(a.outlet for a in articles if a.outlet).most_common(1)[0][0]
    for url in (_entity_url(key), f"/outlets/{quote(outlet, safe='')}"):
        english, indonesian = server.get(url).text, server.get(f"{url}?lang=id").text
        assert '<html lang="en">' in english and '<html lang="id">' in indonesian
        assert "<h2>Stories</h2>" in english and "<h2>Cerita</h2>" in indonesian
        # Every link on the Indonesian page keeps the language.
        inner = re.findall(r'href="(/(?:stories|articles|entities|outlets)/[^"]*)"', indonesian)
        assert inner and all("lang=id" in h for h in inner)


# --- bounded reads -------------------------------------------------------------------

_REPORTS = [
    (
        "Wali Kota Palu Tinjau Tanggul Sungai Palu",
        [
            "Wali Kota Palu Andi Rahmat meninjau tanggul Sungai Palu yang retak setelah hujan deras pada Senin.",
            '"Kami akan memperbaiki tanggul ini sebelum musim hujan mencapai puncaknya," kata Andi Rahmat.',
            "Warga menuduh Dinas Pekerjaan Umum lamban menangani retakan yang sudah terlihat sejak bulan lalu.",
            "Andi Rahmat membantah tuduhan bahwa pemerintah kota mengabaikan laporan warga tentang retakan itu.",
            "Menurut Andi Rahmat, anggaran perbaikan sebesar Rp 4 miliar sudah disiapkan pemerintah kota.",
        ],
    ),
    (
        "Andi Rahmat Minta Warga Bantaran Sungai Waspada",
        [
            "Andi Rahmat meminta warga di bantaran Sungai Palu tetap waspada terhadap banjir susulan.",
            '"Jangan menunggu air naik baru mengungsi," ujar Andi Rahmat di Balai Kota Palu, Selasa.',
            "BPBD Kota Palu memperkirakan sekitar 1.200 rumah berada di zona rawan banjir.",
        ],
    ),
]


def _store_with_one_entity_in(path: Path, n: int) -> SQLiteStore:
    """A store of `n` articles (clones of two reports written for this test, through the
    real extraction), all naming and quoting Andi Rahmat and all from one outlet, in 50
    stories over 40 days; one in ten a copy sharing two paragraphs with the one before."""
    store = SQLiteStore(str(path))
    base = []
    for k, (title, paragraphs) in enumerate(_REPORTS):
        a = extract_article(Article(f"base{k}", f"base{k}.txt", None, "Kabar Palu", title,
                                    "2024-03-04T08:00:00+08:00", "id", None, paragraphs))  # fmt: skip
        base.append((a, index_terms(a)))
    assert all("andi rahmat" in {q.speaker_entity for q in a.quotes} for a, _ in base)
    start = datetime(2024, 3, 1, 8)
    articles, terms, synd = [], {}, []
    rows: dict[str, StoryWrite] = {}
    for i in range(n):
        b, t = base[i % len(base)]
        sid = f"s{i % 50:016x}"
        published = (start + timedelta(days=40 * i / n)).isoformat(timespec="minutes") + "+08:00"
        copy = i % 10 == 9
        a = dataclasses.replace(b, id=f"{i:016x}", source=f"{i}.txt", sources=[f"{i}.txt"], published=published,
                                story=sid, duplicate_of=f"{i - 1:016x}" if copy else None)  # fmt: skip
        if copy:
            synd += [Syndication(a.id, p, f"{i - 1:016x}", p, 0.95) for p in range(2)]
        articles.append(a)
        terms[a.id] = t
        old = rows.get(sid)
        rows[sid] = StoryWrite(sid, sid, b.title, (old.n_articles if old else 0) + 1,
                               old.first_published if old else published, published, ["id"], ["Kabar Palu"], {},
                               None, i)  # fmt: skip
    store.save_chunk(ChunkWrite(articles, syndications=synd, stories=list(rows.values()), search_terms=terms))
    return store


class _Counted:
    """Statements a store runs and rows they return, and each statement's query plan."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.rows = 0
        self.plans: list[str] = []
        real = store._x

        def counted(sql: str, params: Any = ()) -> Any:
            fetched = real(sql, params).fetchall()
            if sql.lstrip().upper().startswith("SELECT"):
                plan = store.db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
                self.plans.append("\n".join(str(r[-1]) for r in plan))
            self.rows += len(fetched)
            return _Rows(fetched)

        store._x = counted  # type: ignore[method-assign]


class _Rows(list[Any]):
    def fetchall(self) -> list[Any]:
        return list(self)

    def fetchone(self) -> Any:
        return self[0] if self else None


@pytest.mark.parametrize("kind", ["entity", "outlet"])
def test_entity_and_outlet_reads_stay_bounded_in_thousands_of_articles(tmp_path: Path, kind: str) -> None:
    """The same rows are read for an entity (or outlet) in 3,000 articles as in 6,000, far
    fewer than its articles; no statement scans a whole table; the counts are exact."""
    read = {}
    for n in (3000, 6000):
        store = _store_with_one_entity_in(tmp_path / f"{kind}-{n}.db", n)
        counted = _Counted(store)
        if kind == "entity":
            detail = views.entity_detail(store, "andi rahmat")
            assert detail is not None and detail.info.articles == n and detail.info.quoted_in == n
            assert sum(c for _, c in detail.days) == n and len(detail.days) <= 41
            assert detail.quotes and detail.stories and detail.claims
            assert detail.quote_articles_read == views.ENTITY_QUOTE_ARTICLES
        else:
            outlet = views.outlet_detail(store, "kabar palu")
            assert outlet is not None and outlet.info.articles == n and outlet.info.copies == n // 10
            assert outlet.articles_read == views.OUTLET_SCAN and len(outlet.copies) == views.OUTLET_COPIES
            assert len(outlet.stories) == views.OUTLET_STORIES and outlet.shared_stories == 0  # one outlet alone
        for plan in counted.plans:
            assert not re.search(r"\bSCAN (articles|article_entities|syndication|stories)\b", plan), plan
        read[n] = counted.rows
        store.close()
    assert read[3000] == read[6000] < 3000


def test_a_store_of_the_previous_schema_gets_the_entity_index(corpus: dict[str, Any], tmp_path: Path) -> None:
    """Opening a store made before the entity pages fills their index from the stored
    extraction: the rows are those an ingest writes."""
    if not corpus["db"].endswith(".db"):
        pytest.skip("the SQLite file's schema is rewound here")
    path = tmp_path / "old.db"
    source = SQLiteStore(corpus["db"])
    source.db.execute(f"VACUUM INTO '{path}'")
    expected = sorted(source.db.execute("SELECT * FROM article_entities").fetchall())
    source.close()
    old = SQLiteStore(str(path))
    old.db.executescript(
        "DROP TABLE article_entities; DROP INDEX articles_outlet_latest; DROP INDEX articles_outlet_copies;"
        " CREATE TABLE article_entities (entity TEXT NOT NULL, article_id TEXT NOT NULL,"
        " PRIMARY KEY (entity, article_id)) WITHOUT ROWID; CREATE INDEX articles_outlet ON articles(outlet);"
        # The tables of later upgrades go too, so each upgrade since 13 runs on what it found then.
        " DROP TABLE fetch_seen; DROP TABLE fetch_feeds; DROP TABLE fetch_sources; DROP TABLE fetch_warcs;"
        " DROP TABLE alert_events; DROP TABLE alerts;"
        " PRAGMA user_version = 13;"
    )
    old.close()
    upgraded = SQLiteStore(str(path))
    assert upgraded.schema_version == len(MIGRATIONS)  # every upgrade since 13 ran
    assert sorted(upgraded.db.execute("SELECT * FROM article_entities").fetchall()) == expected and expected
    upgraded.close()
