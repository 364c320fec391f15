"""No article without an outlet: when nothing in an article, its URL or its site's other
articles names one, the outlet is the name of the folder it was read from, recorded as
such (`Article.outlet_from_folder`) and cited as "wartanusantara (folder)"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import DEMO, SEEDS
from kabar import brief, pipeline
from kabar.lang import get
from kabar.model import Article
from kabar.store import open_store

# Folders of the demo whose pages name no outlet anywhere (no URL, site line or brand
# dateline): their outlet can only be the folder's name.
UNNAMED = {"wartanusantara", "beritasemenanjung", "jakartaledger"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Article]]:
    paths = [DEMO, SEEDS] if SEEDS.is_dir() else [DEMO]
    with open_store(str(tmp_path_factory.mktemp("fallback") / "kabar.db")) as store:
        pipeline.run([str(p) for p in paths], store, extract=False, embed=False, stories=False)
        yield list(store.iter_articles())


def folder(a: Article) -> str:
    return Path(a.source.split("#")[0]).parent.name


def test_every_article_of_the_demo_and_the_seeds_has_an_outlet(corpus: list[Article]) -> None:
    assert len(corpus) >= 40
    assert all(a.outlet for a in corpus), [a.source for a in corpus if not a.outlet]


def test_the_folder_name_is_the_outlet_only_when_nothing_else_names_one(corpus: list[Article]) -> None:
    from_folder = [a for a in corpus if a.outlet_from_folder]
    assert {folder(a) for a in from_folder} >= UNNAMED
    for a in from_folder:
        assert a.outlet == folder(a) and a.url is None
        assert a.removed[0].reason == Article.FOLDER_OUTLET and a.removed[0].line == -1
    # kabartimur's pages name their outlet in a brand dateline ("KABARTIMUR -"): the
    # outlet equals the folder's name but was read from the text.
    named = [a for a in corpus if folder(a) == "kabartimur"]
    assert named and all(a.outlet == "kabartimur" and not a.outlet_from_folder for a in named)
    assert all(not a.outlet_from_folder for a in corpus if a.url)


def test_citations_say_the_outlet_is_a_folder_name(corpus: list[Article]) -> None:
    warta = [a for a in corpus if folder(a) == "wartanusantara"]
    made = brief.build(warta, weights=False)
    assert made.sentences
    for cited in made.sentences:
        assert cited.citation().startswith("[wartanusantara (folder), ")
    assert set(made.outlet_adds) <= {"wartanusantara"}  # an outlet's name, not an article id
    labelled = get("id").ui["folder_outlet"].format(name="seeds")
    assert labelled == "seeds (folder)" == get("en").ui["folder_outlet"].format(name="seeds")


PAGES = {
    "pasar-ikan.txt": "Pasar Ikan Muara Baru Direnovasi\n"
    "Pemerintah kota mulai merenovasi los pedagang ikan di Muara Baru pada Senin. Pedagang dipindahkan "
    "sementara ke halaman parkir selama tiga bulan pengerjaan.",
    "jembatan-kali.txt": "Jembatan Kali Sunter Ditutup Sementara\n"
    "Jembatan penghubung dua kelurahan di Kali Sunter ditutup untuk perbaikan fondasi yang tergerus arus. "
    "Warga diminta memutar melalui jalan inspeksi di sisi timur sungai.",
    "festival-kuliner.txt": "Festival Kuliner Betawi Digelar Akhir Pekan\n"
    "Sebanyak 80 pelaku usaha kecil ikut serta dalam festival kuliner Betawi di taman kota. Panitia "
    "memperkirakan pengunjung mencapai lima ribu orang per hari.",
}
LATER = {
    "sekolah-baru.txt": "Dua Sekolah Dasar Baru Dibuka di Utara Kota\n"
    "Dinas pendidikan membuka dua sekolah dasar baru untuk menampung murid dari perumahan yang baru dihuni. "
    "Pendaftaran dibuka hingga akhir bulan depan.",
}


def write(folder: Path, pages: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_folder_name_is_no_evidence_for_the_site_and_a_label_is_no_folder(tmp_path: Path) -> None:
    site = write(tmp_path / "kabarkota", PAGES)
    with open_store(str(tmp_path / "kabar.db")) as store:
        pipeline.run([str(site)], store, extract=False, embed=False, stories=False)
        write(site, LATER)
        pipeline.run([str(site)], store, extract=False, embed=False, stories=False)
        articles = list(store.iter_articles())
        assert len(articles) == 4
        # The later article is not lent "kabarkota" as the site's outlet by the earlier
        # ones: theirs was a folder's name too, and says so.
        assert all(a.outlet == "kabarkota" and a.outlet_from_folder for a in articles)
        upload = write(tmp_path / "spool-3f9c", {"x.txt": PAGES["pasar-ikan.txt"].replace("Senin", "Selasa")})
        spooled = str(upload / "x.txt")
        pipeline.run([spooled], store, labels={spooled: "upload:pasar.txt"}, extract=False, embed=False, stories=False)
        [uploaded] = [a for a in store.iter_articles() if a.source.startswith("upload:")]
        assert uploaded.outlet is None and not uploaded.outlet_from_folder  # never the spool folder's name
