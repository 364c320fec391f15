"""The web pages say when an outlet is only the name of the folder an article was read
from (`Article.outlet_from_folder`): "wartanusantara (folder)" on the article page, in a
story's outlets, coverage, sources and citations, on search hits and on the outlet's
page, in the page's language; an outlet read from the text that happens to equal its
folder's name (kabartimur's brand dateline) is shown plainly.

Through a real server (uvicorn on 127.0.0.1) on the demo corpus."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from conftest import DEMO, ingest_into, serving
from kabar.lang import get
from kabar.model import Article
from kabar.store import open_store

LANGS = ("en", "id")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[Article]]]:
    db = str(tmp_path_factory.mktemp("folder-outlet") / "demo.db")
    with open_store(db) as store:
        ingest_into(store, DEMO)
        articles = list(store.iter_articles())
    with serving(db) as url:
        yield url, articles


def _text(page: str) -> str:
    """A page's visible text, tags out and entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _outlet_links(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<a class="outlet-link" href="[^"]*">([^<]*)</a>', page)]


def _citations(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<a class="cite" href="[^"]*">\[([^\]<]*)\]</a>', page)]


def _label(lang: str, name: str) -> str:
    return get(lang).ui["folder_outlet"].format(name=name)


def test_an_article_page_labels_a_folder_named_outlet_in_both_languages(demo: tuple[str, list[Article]]) -> None:
    url, articles = demo
    from_folder = [a for a in articles if a.outlet_from_folder]
    assert {a.outlet for a in from_folder} >= {"wartanusantara", "beritasemenanjung", "jakartaledger"}
    named = [a for a in articles if a.outlet and not a.outlet_from_folder]
    assert any(a.outlet == "kabartimur" for a in named)  # equals its folder's name, read from the text
    with httpx.Client(base_url=url, timeout=30) as client:
        for lang in LANGS:
            for a in from_folder:
                links = _outlet_links(client.get(f"/articles/{a.id}", params={"lang": lang}).text)
                assert links == [_label(lang, a.outlet or "")], (a.source, links)
            for a in named[:10] + [a for a in named if a.outlet == "kabartimur"][:2]:
                links = _outlet_links(client.get(f"/articles/{a.id}", params={"lang": lang}).text)
                assert links == [a.outlet], (a.source, links)


def test_a_story_page_labels_its_folder_named_outlets_and_their_citations(demo: tuple[str, list[Article]]) -> None:
    url, articles = demo
    by_id = {a.id: a for a in articles}
    stories = {a.story for a in articles if a.outlet_from_folder and a.story}
    assert stories
    cited_folder = 0
    with httpx.Client(base_url=url, timeout=30) as client:
        for story in sorted(stories):
            members = [a for a in articles if a.story == story]
            folder = {a.outlet for a in members if a.outlet_from_folder}
            plain = {a.outlet for a in members if a.outlet and not a.outlet_from_folder}
            for lang in LANGS:
                page = client.get(f"/stories/{story}", params={"lang": lang})
                assert page.status_code == 200
                links = _outlet_links(page.text)
                for name in folder - plain:
                    assert _label(lang, name or "") in links, (story, name, links)
                    assert name not in links  # never shown plainly on the same page
                for name in plain - folder:
                    assert name in links and _label(lang, name or "") not in links
                # Every citation names its article's outlet, with the label when it is a folder's.
                for cited, href in zip(_citations(page.text),
                                       re.findall(r'<a class="cite" href="/articles/([0-9a-f]+)\?[^"]*">\[', page.text),
                                       strict=True):  # fmt: skip
                    a = by_id[href]
                    shown = _label(lang, a.outlet or "") if a.outlet_from_folder else (a.outlet or "?")
                    if not cited.startswith("¶"):  # "[¶2]" beside the outlet it quotes
                        assert cited.split(", ")[0] == shown, (story, cited)
                        cited_folder += a.outlet_from_folder
    assert cited_folder  # some citation on these pages is of a folder-named outlet


def test_search_hits_and_the_outlet_page_label_a_folder_named_outlet(demo: tuple[str, list[Article]]) -> None:
    url, articles = demo
    warta = [a for a in articles if a.outlet == "wartanusantara"]
    assert warta and all(a.outlet_from_folder for a in warta)
    word = max(warta[0].title.split(), key=len)
    with httpx.Client(base_url=url, timeout=30) as client:
        for lang in LANGS:
            found = client.get("/search", params={"q": word, "outlet": "wartanusantara", "lang": lang}).text
            metas = re.findall(r'<span class="meta">([^<·]*) ·', found)
            assert metas and all(html.unescape(m).strip() == _label(lang, "wartanusantara") for m in metas), metas
            outlet = client.get(f"/outlets/{quote('wartanusantara')}", params={"lang": lang}).text
            assert re.search(r"<h1>([^<]*)</h1>", outlet)[1] == _label(lang, "wartanusantara")  # type: ignore[index]
            kabartimur = client.get("/outlets/kabartimur", params={"lang": lang}).text
            assert re.search(r"<h1>([^<]*)</h1>", kabartimur)[1] == "kabartimur"  # type: ignore[index]
            assert _label(lang, "kabartimur") not in _text(kabartimur)
