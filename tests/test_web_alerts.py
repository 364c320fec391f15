"""Alerts in the web UI, the JSON API and the Atom feeds (issue 17), through a real server
(uvicorn on 127.0.0.1) on the demo corpus: alerts are made through the API and the page's
form while one outlet's reports are still to come, that outlet's reports are then ingested
and the alerts checked (`kabar.alerts.check`), and the pages, the feed and the API must
show what the check stored. Writes need the server's token, as uploads do; an alert's
secret is answered once and never to a read."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest

from conftest import DEMO, ingest_into, new_location, serving
from kabar import alerts
from kabar.store import open_store

TOKEN = "uji-token-peringatan-7f3a"
LATE = "cakrawala"  # the outlet whose reports arrive after the alerts are made
WEBHOOK = "https://hooks.example.org/services/T0ABC/B0DEF/kunci-rahasia-webhook"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, module_backend: str) -> Iterator[dict[str, Any]]:
    """The demo corpus but one outlet, served with a token; alerts made through the API
    and the form; then the late outlet's reports ingested and the alerts checked."""
    db = new_location(module_backend, tmp_path_factory.mktemp("alerts"))
    store = open_store(db)
    ingest_into(store, *sorted(p for p in DEMO.iterdir() if p.name != LATE))
    # The sources alert asks for one independent outlet more than the earthquake story
    # with the fewest has now: the late outlet's earthquake reports are to bring it there.
    quakes = [s.id for s in store.stories() if "gempa" in s.title.lower()]
    before = {s: sum(store.story_outlets(s).values()) for s in quakes}
    seq = store.max_seq()
    store.close()
    sources = 1 + min(before.values())
    with serving(db, token=TOKEN) as url, httpx.Client(base_url=url, timeout=60) as client:
        made = {}
        for name, body in {
            "gempa": {"name": "Gempa di mana saja", "query": "gempa", "condition": "new-outlet"},
            "sources": {
                "name": "Gempa banyak sumber",
                "query": "gempa",
                "condition": f"sources:{sources}",
                "webhook": WEBHOOK,
            },
        }.items():
            answer = client.post("/api/alerts", json=body, headers=AUTH)
            assert answer.status_code == 201, answer.text
            made[name] = answer.json()
        form = {"name": "Harga beras", "query": "beras", "condition": "conflict", "sources": "3",
                "language": "", "outlet": "", "entity": "", "webhook": "", "token": TOKEN}  # fmt: skip
        page = client.post("/alerts", data=form)
        made["form_page"] = page
        store = open_store(db)
        try:
            ingest_into(store, DEMO / LATE)
            events = alerts.check(store)
        finally:
            store.close()
        yield {"db": db, "url": url, "client": client, "made": made, "events": events, "sources": sources, "seq": seq}


def _by_name(client: httpx.Client, name: str) -> dict[str, Any]:
    listed = client.get("/api/alerts").json()["alerts"]
    return next(a for a in listed if a["name"] == name)


def test_the_api_answers_the_secret_once_and_reads_never(site: dict[str, Any]) -> None:
    client, made = site["client"], site["made"]
    hooked = made["sources"]
    assert re.fullmatch(r"[0-9a-f]{64}", hooked["secret"]) and hooked["webhook"] == WEBHOOK
    assert hooked["condition"] == f"sources:{site['sources']}" and hooked["webhook_host"] == "hooks.example.org"
    reads = [client.get(p) for p in ("/api/alerts", f"/api/alerts/{hooked['id']}", "/alerts",
                                     f"/alerts/{hooked['id']}", f"/alerts/{hooked['id']}.atom",
                                     "/alerts?lang=id")]  # fmt: skip
    for read in reads:
        assert read.status_code == 200, read.request.url
        for alert in made.values():
            if isinstance(alert, dict):
                assert alert["secret"] not in read.text, read.request.url
        assert "kunci-rahasia-webhook" not in read.text and "/services/" not in read.text, read.request.url
    listed = {a["name"]: a for a in reads[0].json()["alerts"]}
    assert {"Gempa di mana saja", "Gempa banyak sumber", "Harga beras"} <= set(listed)
    assert all("secret" not in a and "webhook" not in a for a in listed.values())
    assert listed["Gempa banyak sumber"]["webhook_host"] == "hooks.example.org"
    assert "hooks.example.org" in _text(reads[2].text)


def test_the_form_adds_an_alert_and_shows_its_page(site: dict[str, Any]) -> None:
    page = site["made"]["form_page"]
    assert page.status_code == 201, page.text
    assert "Harga beras" in _text(page.text)
    alert = _by_name(site["client"], "Harga beras")
    assert alert["condition"] == "conflict" and alert["query"] == "beras" and alert["language"] is None
    # No webhook: no secret to show; the token typed is not echoed either.
    assert TOKEN not in page.text and "secret" not in page.text.lower()


def test_a_check_fires_and_the_pages_list_the_notifications(site: dict[str, Any]) -> None:
    client, events = site["client"], site["events"]
    gempa = _by_name(client, "Gempa di mana saja")
    fired = [e for e in events if e.alert == gempa["id"]]
    assert fired, "the late outlet's reports of the earthquakes gave no new-outlet notification"
    for event in fired:
        assert event.event.startswith("new-outlet:")
        # The story the notification names has the late outlet's report in it now.
        story = client.get(f"/api/stories/{event.story}").json()
        outlet = event.event.split(":", 1)[1]
        assert outlet in story["outlets"] and LATE in outlet
    assert gempa["notifications"] == len(fired)
    one = client.get(f"/api/alerts/{gempa['id']}").json()
    assert {(e["story"]["id"], e["event"]) for e in one["events"]} == {(e.story, e.event) for e in fired}
    assert all(e["articles"] and e["outlet"] for e in one["events"])
    for path in ("/alerts", f"/alerts/{gempa['id']}"):
        page = client.get(path)
        for event in fired:
            title = event.payload["story"]["title"]
            assert f'href="/stories/{event.story}?' in page.text and html.escape(title) in page.text, path
    assert client.get(f"/stories/{fired[0].story}").status_code == 200
    # The conflict alert made by the form fired on the rice-price reports too.
    beras = _by_name(client, "Harga beras")
    conflicts = client.get(f"/api/alerts/{beras['id']}").json()["events"]
    assert conflicts and all(e["event"].startswith("conflict:") and len(e["conflict"]["figures"]) == 2
                             for e in conflicts)  # fmt: skip
    # The sources alert fired for the stories the late outlet brought to N independent
    # outlets, and its notifications wait for their webhook.
    n = site["sources"]
    reached = client.get(f"/api/alerts/{_by_name(client, 'Gempa banyak sumber')['id']}").json()["events"]
    assert reached and all(e["event"] == f"sources:{n}" and len(e["sources"]) >= n for e in reached)
    assert all(e["delivery"]["delivered"] is None and e["delivery"]["attempts"] == 0 for e in reached)
    store = open_store(site["db"])
    try:
        for e in reached:
            had, now = (sum(store.story_outlets(e["story"]["id"], seq).values()) for seq in (site["seq"], None))
            assert had < n <= now
    finally:
        store.close()
    # Checked again: nothing new, and the pages say the same.
    store = open_store(site["db"])
    try:
        assert alerts.check(store) == []
    finally:
        store.close()
    assert _by_name(client, "Gempa di mana saja")["notifications"] == len(fired)


def test_the_atom_feed_parses_and_links_each_notification_to_its_story(site: dict[str, Any]) -> None:
    client, url = site["client"], site["url"]
    for name in ("Gempa di mana saja", "Harga beras"):
        alert = _by_name(client, name)
        answer = client.get(f"/alerts/{alert['id']}.atom")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(answer.content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == "atom10" and name in feed.feed.title
        events = client.get(f"/api/alerts/{alert['id']}").json()["events"]
        assert len(feed.entries) == len(events) > 0
        for entry, event in zip(feed.entries, events, strict=True):
            shown = "conflict" if event["event"].startswith("conflict:") else event["event"]
            assert entry.title == f"{shown}: {event['story']['title']}"
            assert entry.link == f"{url}/stories/{event['story']['id']}"
            assert entry.updated_parsed is not None and entry.id.startswith("urn:uuid:")
            for article in event["articles"]:
                assert article["title"] in entry.summary
            if "conflict" in event:
                assert all(f["figure"] in entry.summary for f in event["conflict"]["figures"])
        # The entries' ids are the same on every read and one per notification.
        again = feedparser.parse(client.get(f"/alerts/{alert['id']}.atom").content)
        assert [e.id for e in again.entries] == [e.id for e in feed.entries]
        assert len({e.id for e in feed.entries}) == len(feed.entries)
        assert urlsplit(entry.link).netloc == urlsplit(url).netloc
        assert client.get(urlsplit(entry.link).path).status_code == 200


def test_a_bad_alert_is_a_readable_4xx(site: dict[str, Any]) -> None:
    client = site["client"]
    bad = client.post("/api/alerts", json={"name": "Kapan saja", "query": "banjir", "condition": "sometimes"},
                      headers=AUTH)  # fmt: skip
    assert bad.status_code == 422 and "unknown condition" in bad.json()["detail"]
    one_source = {"name": "Satu sumber", "query": "banjir", "condition": "sources", "sources": "1", "token": TOKEN}
    page = client.post("/alerts", data=one_source)
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    text = _text(page.text)
    assert "unknown condition 'sources:1'" in text and "Traceback" not in page.text
    assert 'value="Satu sumber"' in page.text  # the form keeps what was typed
    nothing = client.post("/alerts?lang=id", data={"name": "Kosong", "token": TOKEN})
    assert nothing.status_code == 422 and "an alert needs words" in _text(nothing.text)
    taken = client.post("/api/alerts", json={"name": "harga BERAS", "query": "beras"}, headers=AUTH)
    assert taken.status_code == 422 and taken.json()["detail"]
    # A web-made alert never posts to a private address: the field is not taken.
    private = client.post("/api/alerts", json={"name": "Lokal", "query": "banjir", "allow_private": True},
                          headers=AUTH)  # fmt: skip
    assert private.status_code == 422
    assert not any(a["name"] in ("Kapan saja", "Satu sumber", "Kosong", "Lokal")
                   for a in client.get("/api/alerts").json()["alerts"])  # fmt: skip


def test_writes_need_the_token(site: dict[str, Any]) -> None:
    client = site["client"]
    body = {"name": "Tanpa token", "query": "banjir"}
    assert client.post("/api/alerts", json=body).status_code == 401
    assert client.post("/api/alerts", json=body, headers={"Authorization": "Bearer salah"}).status_code == 401
    gempa = _by_name(client, "Gempa di mana saja")
    assert client.delete(f"/api/alerts/{gempa['id']}").status_code == 401
    page = client.post("/alerts", data={**body, "token": "salah"})
    assert page.status_code == 401 and "needs the server's access token" in _text(page.text)
    removal = client.post(f"/alerts/{gempa['id']}/remove", data={"token": ""})
    assert removal.status_code == 401
    assert _by_name(client, "Gempa di mana saja")["id"] == gempa["id"]
    assert all(a["name"] != "Tanpa token" for a in client.get("/api/alerts").json()["alerts"])
    # A server with no token takes no writes at all, and its page says so.
    with serving(site["db"]) as url, httpx.Client(base_url=url, timeout=60) as other:
        assert other.post("/api/alerts", json=body, headers=AUTH).status_code == 403
        assert other.post("/alerts", data={**body, "token": TOKEN}).status_code == 403
        listing = other.get("/alerts")
        assert "no access token set" in _text(listing.text) and 'name="token"' not in listing.text


def test_the_indonesian_page_has_its_labels(site: dict[str, Any]) -> None:
    client = site["client"]
    page = client.get("/alerts?lang=id")
    text = _text(page.text)
    assert '<html lang="id">' in page.text
    for label in ("Peringatan tersimpan", "Pemberitahuan terbaru", "Tambah peringatan", "Nama peringatan",
                  "media baru dalam berita", f"{site['sources']} sumber independen", "angka yang bertentangan"):  # fmt: skip
        assert label in text, label
    assert "Add an alert" not in text and "Latest notifications" not in text
    # The notifications say what happened in the page's language.
    late = next(e.event.split(":", 1)[1] for e in site["events"] if e.event.startswith("new-outlet:"))
    assert f"media baru: {late}" in text and f"new outlet: {late}" in _text(client.get("/alerts").text)
    assert 'action="/alerts?lang=id"' in page.text
    one = client.get(f"/alerts/{_by_name(client, 'Harga beras')['id']}?lang=id")
    assert "Umpan Atom" in _text(one.text) and "pemberitahuan" in _text(one.text)


def test_removing_an_alert(site: dict[str, Any]) -> None:
    client = site["client"]
    made = client.post("/api/alerts", json={"name": "Hapus lewat API", "entity": "BMKG"}, headers=AUTH)
    assert made.status_code == 201 and made.headers["location"] == f"/api/alerts/{made.json()['id']}"
    gone = client.delete(f"/api/alerts/{made.json()['id']}", headers=AUTH)
    assert gone.status_code == 200 and gone.json()["removed"]["name"] == "Hapus lewat API"
    missing = client.get(f"/api/alerts/{made.json()['id']}")
    assert missing.status_code == 404 and missing.json() == {"detail": "no such alert"}
    assert client.delete(f"/api/alerts/{made.json()['id']}", headers=AUTH).status_code == 404
    # Through the page's button: the alert and its notifications go, back to the list.
    beras = _by_name(client, "Harga beras")
    answer = client.post(f"/alerts/{beras['id']}/remove?lang=id", data={"token": TOKEN})
    assert answer.status_code == 303 and answer.headers["location"] == "/alerts?lang=id"
    assert client.get(f"/alerts/{beras['id']}").status_code == 404
    assert client.get(f"/alerts/{beras['id']}.atom").status_code == 404
    assert "Harga beras" not in _text(client.get("/alerts").text)
    store = open_store(site["db"])
    try:
        assert store.alert_events(beras["id"], 10) == []
    finally:
        store.close()


@pytest.mark.parametrize(
    "path",
    [
        "/alerts/x%00y",
        "/alerts/" + "a" * 600,
        "/api/alerts/x%00y",
        "/alerts/..%2F..%2Fetc",
        "/api/alerts/%C3%BC",
        "/alerts/nope.atom",
        "/alerts/.atom",
    ],
)
def test_odd_alert_ids_are_not_found_or_refused(site: dict[str, Any], path: str) -> None:
    answer = site["client"].get(path)
    assert answer.status_code in (404, 422), (path, answer.status_code)
    if path.startswith("/api/"):
        assert answer.headers["content-type"].startswith("application/json")
