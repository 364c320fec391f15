"""Real headless Chromium (Debian's, driven by Playwright) against `kabar serve`: the
seeds' story page, an article, a search and a question; hostile text must not run.
Screenshots go to build/screenshots/."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, ingest_into, serving
from kabar.store.sqlite import SQLiteStore

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SHOTS = ROOT / "build" / "screenshots"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (.ci/run installs it)"),
    pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the checkout"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:

    folder = tmp_path_factory.mktemp("browser")
    hostile = {
        "id": "jahat", "outlet": "Kabar Jahat", "published": "2024-11-13T08:00:00+07:00",
        "url": "javascript:alert('url')",
        "title": "Pyongyang <script>alert('judul')</script> Rusia",
        "text": "Korea Utara dan Rusia <img src=x onerror=alert('gambar')> menggelar latihan bersama.\n\n"
                "Klik <a href=\"javascript:alert('tautan')\">di sini</a> untuk kabar lanjutan tentang Rusia.",
    }  # fmt: skip
    (folder / "jahat.jsonl").write_text(json.dumps(hostile) + "\n", encoding="utf-8")
    db = str(folder / "seeds.db")
    store = SQLiteStore(db)
    ingest_into(store, SEEDS, folder / "jahat.jsonl")
    store.close()
    with serving(db) as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.dialogs = dialogs  # type: ignore[attr-defined]
        yield page
        browser.close()


def test_seed_story_page(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/?sort=largest")
    page.locator("a.story-link").first.click()
    page.wait_for_selector("#brief")
    brief = page.locator("ol.brief > li")
    assert brief.count() >= 3
    for i in range(brief.count()):  # every sentence carries its citation
        assert brief.nth(i).locator("a.cite").count() == 1
    events = page.locator("#timeline ol.events").inner_text()
    assert "2024-06-19" in events and ("2024-11-11" in events or "2024-11-12" in events)
    assert page.locator("#timeline svg circle").count() >= 3
    quotes = page.locator("#quotes").inner_text()
    assert "Vladimir Putin" in quotes and "kemitraan komprehensif" in quotes
    putin = page.locator("#quotes li.quote", has_text="Perjanjian kemitraan komprehensif").first
    assert putin.locator("a.cite").count() >= 3  # one quote, its sources listed
    conflicts = page.locator("#conflicts").inner_text()
    assert "12.000" in conflicts and "puluhan ribu" in conflicts
    assert "dibantah" in page.locator("#claims").inner_text() or "denied" in page.locator("#claims").inner_text()
    page.screenshot(path=str(SHOTS / "story-seeds.png"), full_page=True)
    page.locator("a.article-link").first.click()
    page.wait_for_selector("#text")
    assert page.locator("#removed tbody tr").count() >= 1
    page.screenshot(path=str(SHOTS / "article.png"), full_page=True)


def test_search_and_ask(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    page.fill("header form[action='/search'] input[name=q]", "perjanjian Pyongyang")
    page.press("header form[action='/search'] input[name=q]", "Enter")
    page.wait_for_selector("ol.hits")
    assert page.locator("li.hit").count() >= 2 and page.locator("li.hit mark").count() >= 1
    page.screenshot(path=str(SHOTS / "search.png"), full_page=True)
    page.fill("header form[action='/ask'] input[name=q]", "Apakah Rusia dan Korea Utara bersahabat?")
    page.press("header form[action='/ask'] input[name=q]", "Enter")
    page.wait_for_selector("#answer")
    assert page.locator(".stance").inner_text() == "yes"
    evidence = page.locator("#for ul.evidence li")  # the one seed that says so in these words
    assert evidence.count() >= 1 and evidence.first.locator("a.cite").count() == 1
    # In English, over the same Indonesian articles: the treaty's reports bear on it by meaning.
    page.fill("header form[action='/ask'] input[name=q]", "Are Russia and North Korea allies?")
    page.press("header form[action='/ask'] input[name=q]", "Enter")
    page.wait_for_selector("#answer")
    assert page.locator(".stance").inner_text() == "yes"
    cited = page.locator("#for ul.evidence li a.cite").all_inner_texts()
    assert len({c.split(",")[1] for c in cited}) >= 2  # evidence from two articles or more
    page.screenshot(path=str(SHOTS / "ask.png"), full_page=True)


def test_hostile_article_does_not_run(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/search?q=latihan+bersama")
    page.locator("a.hit-link", has_text="Pyongyang").first.click()
    page.wait_for_selector("#text")
    assert "<script>" in page.locator("h1").inner_text()  # shown as text
    page.locator("#text p", has_text="Klik").first.click()
    assert page.evaluate("document.querySelectorAll('script, img[onerror], a[href^=\"javascript\"]').length") == 0
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists()
