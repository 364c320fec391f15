"""The web UI and JSON API through FastAPI's test client: pages, API, pagination,
tokens, size limits and hostile article text."""

from __future__ import annotations

import json
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from conftest import DEMO, ingest_into, new_location
from kabar.store import open_store
from kabar.web import MAX_BODY, Settings, create_app

HOSTILE = {
    "id": "hostile-1",
    "url": "javascript:alert(document.cookie)",
    "outlet": "Kabar Jahat",
    "published": "2024-10-09T10:00:00+07:00",
    "title": "Banjir <script>alert('judul')</script> di Demak",
    "text": "Banjir kembali merendam Demak <script>alert('isi')</script> pada Rabu pagi.\n\n"
    "Warga diminta waspada <img src=x onerror=alert('gambar')> terhadap hujan susulan.\n\n"
    "Klik <a href=\"javascript:alert('tautan')\">di sini</a> untuk informasi lanjutan dari BPBD.",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, module_backend: str) -> str:
    folder = tmp_path_factory.mktemp("web")
    (folder / "hostile.jsonl").write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    path = new_location(module_backend, folder)
    store = open_store(path)
    ingest_into(store, DEMO, folder / "hostile.jsonl")
    store.close()
    return path


@pytest.fixture(scope="module")
def client(db: str) -> TestClient:
    return TestClient(create_app(Settings(db=db, token="rahasia-uji")))


def test_pages_render(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200 and "Content-Security-Policy" in home.headers
    stories = client.get("/api/stories?per_page=100").json()
    story_id = max(stories["stories"], key=lambda s: len(s["articles"]))["id"]
    page = client.get(f"/stories/{story_id}")
    assert page.status_code == 200
    for section in ('id="brief"', 'id="timeline"', 'id="quotes"', 'id="claims"', 'id="conflicts"', "<svg"):
        assert section in page.text
    assert client.get(f"/stories/{story_id}?lang=id").text.count("Ringkasan") >= 1
    article_id = stories["stories"][0]["articles"][0]
    article = client.get(f"/articles/{article_id}")
    assert article.status_code == 200 and 'id="removed"' in article.text
    assert client.get("/search?q=gempa+Poso").status_code == 200
    assert client.get("/ask?q=Berapa+korban+gempa+Poso").status_code == 200
    assert client.get("/stories/s-no-such").status_code == 404


def test_api_and_pagination(client: TestClient) -> None:
    first = client.get("/api/stories?per_page=3").json()
    second = client.get("/api/stories?per_page=3&page=2").json()
    assert first["total"] > 3 and len(first["stories"]) == 3 and first["has_next"]
    assert not {s["id"] for s in first["stories"]} & {s["id"] for s in second["stories"]}
    assert client.get("/api/stories?per_page=1000").status_code == 422  # lists are capped
    story = client.get(f"/api/stories/{first['stories'][0]['id']}").json()
    assert {"brief", "quotes", "claims", "conflicts", "entities"} <= set(story)
    hits = client.get("/api/search", params={"q": "gempa", "per_page": 2}).json()
    assert hits["total"] >= 2 and len(hits["hits"]) == 2
    answer = client.get("/api/ask", params={"q": "Siapa juara Piala Dunia 2022?"}).json()
    assert answer["abstained"] and answer["evidence"] == []
    schema = client.get("/openapi.json").json()
    assert {"/api/stories", "/api/stories/{story_id}", "/api/articles/{article_id}", "/api/search", "/api/ask",
            "/api/ingest"} <= set(schema["paths"])  # fmt: skip


class _Tags(HTMLParser):
    """Every element and attribute a browser would build from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_hostile_text_is_escaped(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "Demak waspada"}).json()["hits"]
    hostile = next(h for h in hits if h["outlet"] == "Kabar Jahat")
    for url in (f"/articles/{hostile['article']}", f"/stories/{hostile['story']}", "/search?q=Demak+waspada",
                "/ask?q=Apakah+banjir+merendam+Demak"):  # fmt: skip
        html = client.get(url).text
        parser = _Tags()
        parser.feed(html)
        assert not [t for t, _ in parser.tags if t in ("script", "img", "iframe", "object")], url
        assert not [a for _, attrs in parser.tags for a in attrs if a.startswith("on")], url
        hrefs = [attrs.get("href") or "" for _, attrs in parser.tags]
        assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], url
    assert "&lt;script&gt;" in client.get(f"/articles/{hostile['article']}").text  # shown, as text


def _finished(client: TestClient, accepted: Response) -> dict[str, Any]:
    """An upload is answered 202 at once; its report, once the job is done."""
    assert accepted.status_code == 202
    for _ in range(600):
        status = client.get(accepted.headers["location"], headers={"authorization": "Bearer rahasia-uji"}).json()
        if status["status"] == "done":
            return dict(status)
        time.sleep(0.1)
    raise AssertionError(f"upload not done: {status}")


def test_writes_need_the_token_and_bodies_are_limited(client: TestClient, tmp_path: Path) -> None:
    record = {"id": "unggah-1", "title": "Jembatan Baru di Kudus Dibuka", "outlet": "Kabar Uji",
              "published": "2024-10-10T09:00:00+07:00",
              "text": "Jembatan baru sepanjang 120 meter di Kudus dibuka untuk umum pada Kamis pagi.\n\n"
                      "Bupati Kudus meminta warga menjaga fasilitas tersebut."}  # fmt: skip
    body = json.dumps(record) + "\n"
    headers = {"content-type": "application/x-ndjson"}
    assert client.post("/api/ingest", content=body, headers=headers).status_code == 401
    wrong = {**headers, "authorization": "Bearer salah"}
    assert client.post("/api/ingest", content=body, headers=wrong).status_code == 401
    good = {**headers, "authorization": "Bearer rahasia-uji"}
    made = client.post("/api/alerts", json={"name": "Kudus", "query": "jembatan kudus"},
                       headers={"authorization": "Bearer rahasia-uji"})
    assert made.status_code == 201
    result = _finished(client, client.post("/api/ingest", content=body, headers=good))
    assert result["stored"] == 1
    # The upload's worker checked the alerts once the article was stored.
    [event] = client.get(f"/api/alerts/{made.json()['id']}").json()["events"]
    assert event["event"] == "new-story" and event["story"]["title"] == "Jembatan Baru di Kudus Dibuka"
    again = _finished(client, client.post("/api/ingest", content=body, headers=good))
    assert again["stored"] == 0 and again["already"] == 1  # nothing stored twice
    upload = client.post("/api/ingest", headers={"authorization": "Bearer rahasia-uji"},
                         files={"files": ("../../etc/passwd.txt", b"\x00\x01\x02 biner", "text/plain")})  # fmt: skip
    report = _finished(client, upload)
    assert report["quarantined"] and "/etc/passwd" not in json.dumps(report)
    huge = client.post("/api/ingest", content=b"x" * (MAX_BODY + 1), headers=good)
    assert huge.status_code == 413


def test_closed_reads(db: str) -> None:
    closed = TestClient(create_app(Settings(db=db, token="t0k3n", closed_reads=True)))
    assert closed.get("/api/stories").status_code == 401
    assert closed.get("/api/stories", headers={"authorization": "Bearer t0k3n"}).status_code == 200
    no_writes = TestClient(create_app(Settings(db=db)))
    assert (
        no_writes.post("/api/ingest", content=b"{}", headers={"content-type": "application/x-ndjson"}).status_code
        == 403
    )


def test_a_story_page_links_the_other_stories_of_its_storyline(client: TestClient) -> None:
    """The ASEAN carbon-market signing and its ratification months later are one storyline:
    each story's page lists the other, and the storyline link lists both."""
    stories = client.get("/api/stories?per_page=100").json()["stories"]
    lines: dict[str, list[dict[str, object]]] = {}
    for s in stories:
        lines.setdefault(str(s["storyline"]), []).append(s)
    pair = next(members for members in lines.values() if len(members) == 2)
    for this, other in (pair, pair[::-1]):
        page = client.get(f"/stories/{this['id']}")
        assert 'id="storyline"' in page.text and f'href="/stories/{other["id"]}' in page.text
        detail = client.get(f"/api/stories/{this['id']}").json()
        assert [s["id"] for s in detail["storyline_stories"]] == [other["id"]]
    listed = client.get(f"/api/stories?storyline={pair[0]['storyline']}").json()
    assert sorted(s["id"] for s in listed["stories"]) == sorted(str(s["id"]) for s in pair)
    assert listed["total"] == 2
    listed_lines = client.get("/api/storylines").json()
    assert listed_lines["total"] == len([m for m in lines.values() if len(m) > 1]) >= 1
    assert sorted(str(s["id"]) for s in pair) in [sorted(s["id"] for s in x["stories"]) for x in listed_lines["storylines"]]
    lone = next(members[0] for members in lines.values() if len(members) == 1)
    assert 'id="storyline"' not in client.get(f"/stories/{lone['id']}").text
