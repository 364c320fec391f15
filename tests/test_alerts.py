"""Alerts (kabar.alerts) on SQLite and PostgreSQL: each condition fires once per story and
event, across repeated checks and a reopened store; copies are not independent sources; a
check reads bounded batches; webhook signatures verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import new_location
from kabar import alerts, pipeline
from kabar.store import Store, open_store

DAY = "2026-11-12"


def record(outlet: str, slug: str, title: str, paragraphs: list[str], hour: int) -> dict[str, Any]:
    # No URL: its domain would name the outlet before the record's own outlet field.
    return {
        "outlet": outlet,
        "title": title,
        "published": f"{DAY}T{hour:02d}:00:00+07:00",
        "language": "id",
        "text": "\n\n".join(paragraphs),
    }


# Three outlets' own write-ups of one quake (our own writing): the same facts, other words.
QUAKE = [
    [
        "PALU — Gempa bermagnitudo 5,9 mengguncang Kabupaten Sigi, Sulawesi Tengah, pada Kamis dini hari "
        "dan merusak puluhan rumah di tiga kecamatan.",
        "Sebanyak {dead} orang tewas tertimpa bangunan, kata Kepala Pelaksana BPBD Sigi, Darmawan Lahadi.",
        "Warga yang rumahnya retak memilih bertahan di tenda darurat di halaman kantor desa.",
    ],
    [
        "SIGI — Rumah-rumah di lereng perbukitan Sigi ambruk setelah gempa magnitudo 5,9 terjadi Kamis "
        "sekitar pukul 03.10 Wita.",
        "Tim SAR gabungan menyisir reruntuhan di Kecamatan Kulawi sejak subuh. BPBD Sigi mencatat {dead} orang "
        "tewas tertimpa bangunan hingga siang hari.",
        "Sekolah di tiga kecamatan diliburkan sampai bangunannya diperiksa petugas.",
    ],
    [
        "Bantuan logistik mulai tiba di Sigi, sehari setelah gempa 5,9 magnitudo merusak ratusan bangunan di "
        "Sulawesi Tengah.",
        "Menurut BPBD Sigi, korban meninggal mencapai {dead} orang tewas tertimpa bangunan di tiga kecamatan.",
        "Posko pengungsian didirikan di lapangan kantor bupati dan di halaman gereja di Kulawi.",
    ],
]


def quake(outlet: str, n: int, dead: int, hour: int, extra: str) -> dict[str, Any]:
    paragraphs = [p.format(dead=dead) for p in QUAKE[(n - 1) % len(QUAKE)]] + [extra]
    return record(outlet, f"gempa-sigi-{n}", f"Gempa M 5,9 Guncang Sigi, {dead} Orang Tewas", paragraphs, hour)


def copy_of_first() -> dict[str, Any]:
    """Kabar Palu's report as another outlet republishes it: the same text, its own headline
    and a credit line (a near copy, not the same document)."""
    original = quake("Kabar Palu", 1, 4, 7, "Korban dibawa ke RSUD Undata.")
    return {**original, "outlet": "Salin Cepat", "title": "Sigi Diguncang Gempa, Empat Warga Meninggal",
            "text": original["text"] + "\n\nArtikel ini telah tayang di Kabar Palu."}  # fmt: skip


def ingest(store: Store, tmp_path: Path, name: str, records: list[dict[str, Any]]) -> None:
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    report = pipeline.run([str(path)], store, embed=False)
    assert report.stored == len(records), report.quarantined


@pytest.fixture
def db(tmp_path: Path, backend: str) -> str:
    return new_location(backend, tmp_path)


def test_each_condition_fires_once_per_story_across_checks_and_a_reopened_store(db: str, tmp_path: Path) -> None:
    with open_store(db) as store:
        ingest(store, tmp_path, "old", [record("Harian Lama", "pasar", "Harga Beras Stabil di Pasar Induk",
               ["JAKARTA — Harga beras medium di Pasar Induk Cipinang stabil pekan ini, kata pedagang.",
                "Pasokan dari Karawang dan Cianjur disebut cukup hingga akhir bulan."], 6)])  # fmt: skip
        new_story = alerts.new_alert(store, "gempa", "gempa sigi")
        outlets = alerts.new_alert(store, "media", "gempa", condition="new-outlet")
        three = alerts.new_alert(store, "tiga", "gempa", condition="sources:3")
        conflict = alerts.new_alert(store, "angka", "", entity="Sigi", condition="conflict")
        beras = alerts.new_alert(store, "beras", "beras")  # its only story is older than the alert
        ingest(store, tmp_path, "one", [quake("Kabar Palu", 1, 4, 7, "Korban dibawa ke RSUD Undata.")])
        first = alerts.check(store)
        assert [(e.alert, e.event) for e in first] == [(new_story.id, "new-story")]
        story = first[0].story
        assert first[0].payload["story"]["id"] == story and first[0].payload["articles"][0]["outlet"] == "Kabar Palu"

    with open_store(db) as store:  # a restart: the same story is not notified again
        # A second outlet with another death toll, and a third outlet that only copies the first.
        ingest(store, tmp_path, "two", [quake("Suara Sulteng", 2, 7, 8, "Tim SAR menyisir reruntuhan pasar."),
                                        copy_of_first()])
        second = alerts.check(store)
        kinds = sorted((e.alert, e.event.split(":")[0]) for e in second)
        assert (outlets.id, "new-outlet") in kinds and (conflict.id, "conflict") in kinds
        assert {e.story for e in second} == {story}
        assert not [e for e in second if e.alert in (new_story.id, three.id, beras.id)]  # a copy is no 3rd source
        new_outlets = sorted(e.payload["outlet"] for e in second if e.alert == outlets.id)
        assert new_outlets == ["Salin Cepat", "Suara Sulteng"]
        [clash] = [e for e in second if e.alert == conflict.id]
        figures = sorted(f["figure"] for f in clash.payload["conflict"]["figures"])
        assert len(figures) == 2 and figures[0] != figures[1]
        assert alerts.check(store) == []

        ingest(store, tmp_path, "three", [quake("Warta Timur", 3, 7, 9, "Bantuan logistik tiba sore harinya.")])
        third = alerts.check(store)
        assert sorted((e.alert, e.event) for e in third) == sorted(
            [(three.id, "sources:3"), (outlets.id, "new-outlet:Warta Timur")]
        )
        [reached] = [e for e in third if e.alert == three.id]
        assert reached.payload["sources"] == ["Kabar Palu", "Suara Sulteng", "Warta Timur"]
        assert alerts.check(store) == []
        assert len(store.alert_events(None, 100)) == 1 + 3 + 2  # watching rows are not notifications
        assert store.alert_counts() == {new_story.id: 1, outlets.id: 3, conflict.id: 1, three.id: 1}


def test_a_check_reads_bounded_batches_and_still_notifies_once(db: str, tmp_path: Path) -> None:
    with open_store(db) as store:
        alert = alerts.new_alert(store, "gempa", "gempa")
        ingest(store, tmp_path, "all", [quake(f"Media {n}", n, 4, 6 + n, f"Laporan {n}.") for n in range(1, 5)])
        start, seen, marks = alert.checked_seq, [], []
        for _ in range(3):  # one article per check: the mark moves one article at a time
            seen += alerts.check(store, limit=1, rounds=1)
            marks.append(store.alerts()[0].checked_seq)
        assert marks == [start + 1, start + 2, start + 3]
        seen += alerts.check(store, limit=1)  # batches of one, as many as it takes
        assert store.alerts()[0].checked_seq == store.max_seq()
        assert len([e for e in seen if e.alert == alert.id]) == 1


def test_malformed_alerts_are_refused_with_a_reason(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "k.db")) as store:
        for kwargs, reason in [
            ({"name": "x", "query": ""}, "words"),
            ({"name": "", "query": "gempa"}, "name"),
            ({"name": "x", "query": "gempa", "condition": "sources:1"}, "unknown condition"),
            ({"name": "x", "query": "gempa", "condition": "trending"}, "unknown condition"),
            ({"name": "x", "query": "gempa", "webhook": "ftp://example.org/"}, r"http\(s\) URL"),
        ]:
            with pytest.raises(alerts.AlertError, match=reason):
                alerts.new_alert(store, **kwargs)
        alerts.new_alert(store, "Gempa", "gempa")
        with pytest.raises(alerts.AlertError, match="already"):
            alerts.new_alert(store, "gempa", "banjir")
        assert alerts.condition_of(" Sources:04 ") == "sources:4"


def test_signatures_are_hmac_sha256_of_the_body() -> None:
    # RFC 4231 test case 2: key "Jefe".
    body = b"what do ya want for nothing?"
    expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert alerts.sign("Jefe", body) == expected
    assert alerts.verify("Jefe", body, expected)
    assert not alerts.verify("Jefe", body + b" ", expected)
    assert not alerts.verify("jefe", body, expected)


def test_kabar_ingest_checks_the_alerts_after_storing(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kabar.cli import app

    db = str(tmp_path / "k.db")
    runner = CliRunner()
    assert runner.invoke(app, ["alerts", "add", "Gempa", "--query", "gempa", "--db", db]).exit_code == 0
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(quake("Kabar Palu", 1, 4, 7, "Korban dibawa ke RSUD Undata.")) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(path), "--db", db, "--no-embed"])
    assert result.exit_code == 0, result.output
    assert "1 new alert notifications" in result.output
    shown = runner.invoke(app, ["alerts", "show", "Gempa", "--db", db])
    assert "new-story" in shown.output and "Gempa M 5,9 Guncang Sigi" in shown.output
