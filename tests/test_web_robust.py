"""The web app under hostile requests (issue 13): paging parameters, error responses,
chunked bodies over the cap, upload labels, /docs, bidi and control characters in
pages, and uploads while another ingest holds the store."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEMO, ingest_into, new_location, serving
from kabar.store import open_store
from kabar.web import MAX_BODY, SECURITY_HEADERS, Settings, create_app

TOKEN = "rahasia-robust"
AUTH = {"authorization": f"Bearer {TOKEN}"}
NDJSON = {"content-type": "application/x-ndjson", **AUTH}
# Characters that turn text around (U+202E, U+2066-U+2069) or drive a terminal (ESC, CSI).
TURNING = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069")
CONTROLS = ("\x1b", "\x9b", "\x07", "\x00")
TRICKY = {
    "id": "putar-1",
    "url": "https://contoh.example/berita/\u202egpj.exe\x1b]8;;",
    "published": "2024-10-11T08:00:00+07:00",
    "title": "Longsor \u2066Tersembunyi\u2069 di Wonosobo \x1b[2J\u202e",
    "text": "Longsor menimbun jalan \u202eprovinsi\u202c di Wonosobo pada Jumat pagi, kata petugas BPBD.\n\n"
    '"Kami menutup jalan \x1b[31msementara\x1b[0m," kata Kepala BPBD Wonosobo Budi Santoso.\n\n'
    "Warga diminta menjauhi lereng \u2067yang retak\u2069 sampai hujan reda.",
}
# Without a URL the outlet field is what the article keeps.
TURNED_OUTLET = {
    "id": "putar-2",
    "outlet": "Kabar \u202eBalik\x1b[31m",
    "published": "2024-10-12T08:00:00+07:00",
    "title": "Jembatan \u202eGantung\u202c Putus di Temanggung",
    "text": "Jembatan gantung di Temanggung putus pada Sabtu sore, kata warga setempat.\n\n"
    "Tidak ada korban jiwa dalam kejadian itu menurut polisi.",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, module_backend: str) -> str:
    folder = tmp_path_factory.mktemp("robust")
    (folder / "tricky.jsonl").write_text(json.dumps(TRICKY) + "\n" + json.dumps(TURNED_OUTLET) + "\n", encoding="utf-8")
    path = new_location(module_backend, folder)
    store = open_store(path)
    ingest_into(store, DEMO, folder / "tricky.jsonl")
    store.close()
    return path


@pytest.fixture(scope="module")
def client(db: str) -> TestClient:
    # Server errors come back as the 500 a browser would get, not as a raised exception.
    return TestClient(create_app(Settings(db=db, token=TOKEN)), raise_server_exceptions=False)


def _assert_secured(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name)


# --- 1. paging and other query parameters ----------------------------------------------------

LISTS = ["/", "/search?q=gempa", "/api/stories", "/api/storylines", "/api/search?q=gempa"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    "params",
    [
        {"page": "9223372036854775807"},
        {"page": "9223372036854775808"},
        {"page": str(10**40)},
        {"page": "-1"},
        {"page": "0"},
        {"page": "dua"},
        {"page": "1e3"},
        {"per_page": "9223372036854775807"},
        {"per_page": "-5"},
        {"per_page": "x"},
        {"page": "92233720368547758", "per_page": "100"},
    ],
)
def test_paging_parameters_are_refused_not_crashed(client: TestClient, url: str, params: dict[str, str]) -> None:
    response = client.get(url, params=params)
    assert response.status_code == 422, response.text[:300]
    _assert_secured(response)


@pytest.mark.parametrize("path", ["/stories/", "/articles/", "/api/stories/", "/api/articles/"])
@pytest.mark.parametrize("ident", ["%00", "a%0Ab", "x" * 5000, "%E2%80%AEabc", "..%2F..%2Fetc%2Fpasswd", "%FF%FE"])
def test_odd_ids_are_not_found_or_refused(client: TestClient, path: str, ident: str) -> None:
    response = client.get(path + ident)
    assert response.status_code in (404, 422), (path, ident, response.status_code)
    _assert_secured(response)


PARAMETERS = [
    "page",
    "per_page",
    "since",
    "until",
    "outlet",
    "language",
    "storyline",
    "sort",
    "entity",
    "story",
    "sentences",
    "q",
    "lang",
]


@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(PARAMETERS),
    value=st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), st.text(max_size=40)),
    url=st.sampled_from([*LISTS, "/ask?q=banjir", "/api/ask?q=banjir"]),
)
def test_no_query_parameter_gives_a_server_error(client: TestClient, name: str, value: str, url: str) -> None:
    response = client.get(url, params={name: value})
    assert response.status_code < 500, (url, name, value, response.text[:300])


# --- 2. error responses ----------------------------------------------------------------------


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for response in (
        client.get("/"),
        client.get("/static/kabar.css"),
        client.get("/no/such/page"),
        client.get("/stories/s-no-such"),
        client.get("/api/stories?page=0"),
        client.post("/api/stories"),
        client.post("/api/ingest", content=b"{}", headers={"content-type": "application/x-ndjson"}),
        client.post("/api/ingest", content=b"x" * (MAX_BODY + 1), headers=NDJSON),
    ):
        _assert_secured(response)


def test_an_unhandled_error_is_a_generic_500_with_the_headers(tmp_path: Path) -> None:
    """A store that is not a database (a file the server was pointed at by mistake) makes
    every read fail inside the store: the page gets a plain HTML error page, the API a JSON
    error, both with the security headers and neither with a traceback or a server path."""
    broken = tmp_path / "bukan-basis-data.db"
    broken.write_bytes(b"this is not a SQLite database, but a file of text\n" * 200)
    app = TestClient(create_app(Settings(db=str(broken), token=TOKEN)), raise_server_exceptions=False)
    page, api = app.get("/"), app.get("/api/stories")
    for response in (page, api):
        assert response.status_code == 500
        _assert_secured(response)
        for leak in ("Traceback", str(tmp_path), "bukan-basis-data", "sqlite", 'File "', ".py"):
            assert leak not in response.text, leak
    assert page.headers["content-type"].startswith("text/html") and "<html" in page.text
    assert api.headers["content-type"].startswith("application/json") and set(api.json()) == {"detail"}


# --- 3. a chunked body over the cap -------------------------------------------------------------


def _serve(db: str) -> AbstractContextManager[str]:
    """The app under a real uvicorn on 127.0.0.1 (TestClient cannot send a chunked body)."""
    return serving(db, token=TOKEN)


def _chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    line = (json.dumps({"id": "x", "title": "Judul", "text": "Isi berita " * 20}) + "\n").encode()
    block = line * (size // len(line) + 1)
    sent = 0
    while sent < total:
        piece = block[: min(size, total - sent)]
        sent += len(piece)
        yield piece


@pytest.mark.slow
def test_a_chunked_body_over_the_cap_is_refused_with_413(tmp_path: Path) -> None:
    db = str(tmp_path / "kabar.db")
    open_store(db).close()
    with _serve(db) as base, httpx.Client(base_url=base, timeout=60) as http:
        try:
            response = http.post("/api/ingest", content=_chunks(MAX_BODY + (4 << 20)), headers=NDJSON)
        except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
            response = None  # the server answered and closed before the rest was sent
        if response is not None:
            assert "content-length" not in response.request.headers  # it was sent chunked
            assert response.status_code == 413
            _assert_secured(response)
        # A chunked body under the cap is taken.
        small = http.post("/api/ingest", content=_chunks(64 << 10), headers=NDJSON)
        assert small.status_code == 202 and "content-length" not in small.request.headers
    assert response is not None, "the server should answer 413, not drop the connection"


# --- 4. and 7. uploads: labels, a queue beside a long ingest -------------------------------------


def _finished(client: TestClient, job: dict[str, Any], seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(f"/api/ingest/{job['job']}", headers=AUTH)
        assert status.status_code == 200
        record: dict[str, Any] = status.json()
        if record["status"] in ("done", "failed"):
            return record
        time.sleep(0.1)
    raise AssertionError(f"job {job['job']} did not finish in {seconds} s")


def test_uploaded_sources_are_labels_not_server_paths(client: TestClient, db: str) -> None:
    record = {"id": "label-1", "title": "Pasar Malam Dibuka di Kudus", "language": "id",
              "text": "Pasar malam di alun-alun Kudus dibuka pada Sabtu malam dan ramai dikunjungi warga."}  # fmt: skip
    upload = client.post("/api/ingest", headers=AUTH, files={
        "files": ("../../var/milik-saya.jsonl", json.dumps(record).encode() + b"\n", "application/octet-stream"),
    })  # fmt: skip
    assert upload.status_code == 202
    report = _finished(client, upload.json())
    assert report["status"] == "done" and report["stored"] == 1
    hit = client.get("/api/search", params={"q": "pasar malam Kudus"}).json()["hits"][0]
    article = client.get(f"/api/articles/{hit['article']}").json()
    assert article["source"] == "upload:milik-saya.jsonl#label-1"
    assert article["sources"] == ["upload:milik-saya.jsonl#label-1"]
    text = json.dumps(article) + client.get(f"/articles/{hit['article']}").text + json.dumps(report)
    assert tempfile.gettempdir() not in text and "kabar-spool" not in text and "/var/" not in text
    with open_store(db) as store:  # stored under the label too, so the CLI and exports show it
        stored = store.get_article(hit["article"])
        assert stored is not None and stored.sources == ["upload:milik-saya.jsonl#label-1"]


def test_quarantined_uploads_are_reported_by_label(client: TestClient) -> None:
    upload = client.post("/api/ingest", headers=AUTH, files=[
        ("files", ("biner.txt", b"\x00\x01\x02\x03 bukan teks", "text/plain")),
        ("files", ("kosong.txt", b"", "text/plain")),
    ])  # fmt: skip
    report = _finished(client, upload.json())
    assert report["status"] == "done" and report["stored"] == 0
    assert sorted(q["source"] for q in report["quarantined"]) == ["upload:biner.txt", "upload:kosong.txt"]
    assert all(q["reason"] for q in report["quarantined"])


def test_an_upload_during_a_long_ingest_is_queued_and_ingested_after_it(client: TestClient, db: str) -> None:
    record = {"id": "antre-2", "title": "Festival Layang-layang di Pantai Parangkusumo", "language": "id",
              "text": "Festival layang-layang digelar di Pantai Parangkusumo pada Minggu pagi."}  # fmt: skip
    holder = open_store(db)
    with holder.ingest_lock(0):  # what a long `kabar ingest` holds
        accepted = client.post("/api/ingest", content=json.dumps(record) + "\n", headers=NDJSON)
        assert accepted.status_code == 202
        job = accepted.json()
        assert job["status"] == "queued" and accepted.headers["location"] == f"/api/ingest/{job['job']}"
        assert client.get("/api/stories").status_code == 200  # reads go on meanwhile
        time.sleep(1.0)
        assert client.get(f"/api/ingest/{job['job']}", headers=AUTH).json()["status"] == "queued"
    holder.close()
    report = _finished(client, job)
    assert report["status"] == "done" and report["stored"] == 1 and report["already"] == 0
    assert report["quarantined"] == []


def test_job_status_needs_the_token_and_a_known_job(client: TestClient) -> None:
    accepted = client.post("/api/ingest", content=json.dumps({"id": "j", "text": "Satu dua tiga."}) + "\n",
                           headers=NDJSON)  # fmt: skip
    job = accepted.json()["job"]
    assert client.get(f"/api/ingest/{job}").status_code == 401
    assert client.get("/api/ingest/no-such-job", headers=AUTH).status_code == 404
    assert client.post("/api/ingest", content=b"a=b", headers={**AUTH, "content-type": "text/plain"}).status_code == 415
    _finished(client, accepted.json())


# --- 5. /docs ----------------------------------------------------------------------------------


def test_no_page_loads_scripts_from_elsewhere(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200


# --- 6. bidi and control characters -----------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v or "" for k, v in attrs if k == "href"]


def test_pages_drop_bidi_and_control_characters(client: TestClient) -> None:
    def found(q: str, word: str) -> dict[str, Any]:
        hits = client.get("/api/search", params={"q": q}).json()["hits"]
        hit: dict[str, Any] = next(h for h in hits if word in h["title"])
        return hit

    slide, bridge = found("longsor Wonosobo", "Tersembunyi"), found("jembatan Temanggung", "Putus")
    stored = [client.get(f"/api/articles/{h['article']}").json() for h in (slide, bridge)]
    # The store keeps what the article said (the API is data); the pages must not show it raw.
    assert "\u202e" in stored[0]["url"] and "\x1b" in stored[0]["title"] and "\u202e" in stored[1]["outlet"]
    urls = [f"/articles/{slide['article']}", f"/stories/{slide['story']}", f"/articles/{bridge['article']}",
            f"/stories/{bridge['story']}", "/search?q=longsor+Wonosobo", "/search?q=jembatan+Temanggung",
            "/ask?q=Apakah+longsor+menimbun+jalan+di+Wonosobo", "/?per_page=100"]  # fmt: skip
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        for char in TURNING + CONTROLS:
            assert char not in page.text, (url, hex(ord(char)))
        links = _Links()
        links.feed(page.text)
        assert all(not h.lower().startswith(("javascript:", "data:")) for h in links.hrefs), url
    article = client.get(urls[0]).text
    assert 'href="https://contoh.example/berita/gpj.exe]8;;"' in article and "Tersembunyi" in article
    assert "Kabar Balik[31m" in client.get(urls[2]).text and "Kabar Balik[31m" in client.get(urls[5]).text
