"""Copies (dedup.py): near-duplicate groups and syndicated paragraphs, found with the store's
lookups or with lookups held in memory (`find_copies` takes them as `CopyLookups`)."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import DEMO, new_location
from kabar import pipeline
from kabar.dedup import CopiesResult, CopyIndex, CopyStage, MemoryCopies, find_copies
from kabar.model import Article, ChunkWrite
from kabar.store import Store, open_store

# A flood report written for these tests, in the form a wire story takes: outlets reprint
# it with small edits, and another report quotes one of its paragraphs word for word.
FLOOD = [
    "Banjir setinggi satu meter merendam ratusan rumah warga di tiga desa Kecamatan Karanganyar, "
    "Kabupaten Demak, Jawa Tengah, sejak Minggu malam setelah tanggul Sungai Wulan jebol sepanjang dua puluh meter.",
    "Kepala Pelaksana Badan Penanggulangan Bencana Daerah Demak, Agus Nugroho, mengatakan sedikitnya "
    "1.240 jiwa mengungsi ke balai desa, masjid dan gedung sekolah yang berada di dataran lebih tinggi.",
    "Menurut dia, hujan deras yang turun selama dua hari di wilayah hulu membuat debit sungai naik "
    "dengan cepat, sehingga tanggul yang sudah retak sejak bulan lalu tidak mampu lagi menahan arus.",
    "Petugas gabungan dari TNI, Polri dan relawan mengevakuasi warga lanjut usia serta anak-anak "
    "menggunakan perahu karet, karena akses jalan desa terputus dan arus air di permukiman cukup deras.",
    "Pemerintah kabupaten telah mendirikan dapur umum di tiga titik pengungsian dan menyalurkan "
    "bantuan berupa beras, mi instan, air bersih, selimut serta obat-obatan bagi para pengungsi.",
    "Balai Besar Wilayah Sungai Pemali Juana menyatakan perbaikan darurat tanggul dengan karung pasir "
    "akan dimulai begitu air surut, sementara perbaikan permanen dianggarkan tahun depan.",
    "Warga Desa Ketanjung, Siti Aminah, mengaku air masuk ke rumahnya dalam hitungan menit sehingga "
    "ia hanya sempat menyelamatkan surat-surat penting dan beberapa potong pakaian.",
]
FLOOD_TITLE = "Tanggul Sungai Wulan jebol, ratusan rumah di Demak terendam banjir"
# A different story that quotes the evacuation paragraph of the flood report as it stands.
HARBOUR = [
    "Gelombang tinggi hingga tiga meter diperkirakan terjadi di perairan utara Jawa Tengah selama "
    "tiga hari ke depan, sehingga nelayan di Pelabuhan Tasikagung Rembang diminta tidak melaut.",
    FLOOD[3],
    "Syahbandar Rembang, Bambang Sutrisno, mengatakan kapal penyeberangan ke Pulau Karimunjawa juga "
    "ditunda sampai cuaca membaik demi keselamatan penumpang dan awak kapal.",
]
MARKET = [
    "Harga cabai rawit di Pasar Bintoro Demak naik menjadi Rp80.000 per kilogram pekan ini, "
    "hampir dua kali lipat dibandingkan awal bulan, karena pasokan dari petani berkurang.",
    "Pedagang menyebut banyak lahan cabai di wilayah selatan kabupaten rusak setelah hujan "
    "berhari-hari, sementara permintaan dari rumah makan tetap tinggi menjelang akhir tahun.",
]
FERRY = [
    "Dinas Perhubungan Jawa Tengah menambah dua kapal cepat untuk rute Jepara ke Karimunjawa "
    "mulai bulan depan, setelah jumlah wisatawan pada libur akhir tahun melampaui kapasitas kapal yang ada.",
]


def _article(aid: str, title: str, paragraphs: list[str], published: str, outlet: str) -> Article:
    return Article(id=aid, source=f"{aid}.txt", url=None, outlet=outlet, title=title, published=published,
                   language="id", dateline="Demak", paragraphs=list(paragraphs))  # fmt: skip


def _chunks() -> list[list[Article]]:
    """Two chunks. The first: a report, an outlet's reprint of it a few hours later (one
    sentence reworded, the last paragraph cut), a harbour story quoting one paragraph, and
    an unrelated market report. The second: the wire's own version, published before
    both, which must become the original of the stored pair; and an unrelated ferry report."""
    reprint = [*FLOOD[:6]]
    reprint[2] = reprint[2].replace("hujan deras yang turun selama dua hari", "curah hujan tinggi selama dua hari")
    return [
        [
            _article("a1", FLOOD_TITLE, FLOOD, "2025-01-12T09:00:00+07:00", "Kabar Demak"),
            _article("a2", "Ratusan rumah di Demak terendam banjir", reprint, "2025-01-12T13:30:00+07:00", "Suara Pantura"),
            _article("a3", "Nelayan Rembang diminta tidak melaut", HARBOUR, "2025-01-12T15:00:00+07:00", "Warta Rembang"),
            _article("a4", "Harga cabai rawit di Demak melonjak", MARKET, "2025-01-12T10:00:00+07:00", "Kabar Demak"),
        ],
        [
            _article("b1", FLOOD_TITLE, FLOOD, "2025-01-12T07:45:00+07:00", "Antara Jateng"),
            _article("b2", "Kapal cepat ke Karimunjawa ditambah", FERRY, "2025-01-13T08:00:00+07:00", "Warta Rembang"),
        ],
    ]  # fmt: skip


def _comparable(result: CopiesResult, articles: list[Article]) -> tuple[object, ...]:
    """A result as it is written (the order of the stored articles' updates is not)."""
    return (
        result.minhashes,
        result.paragraph_signatures,
        result.syndications,
        sorted(result.duplicate_updates, key=lambda u: u[0]),
        [(a.id, a.duplicate_of, a.duplicate_similarity) for a in articles],
    )


def _with_store(store: Store) -> tuple[list[tuple[object, ...]], dict[str, str | None]]:
    """The runner's way: CopyStage on the store, each chunk saved before the next."""
    stage = CopyStage(store)
    results = []
    for articles in copy.deepcopy(_chunks()):
        result = stage.process(articles, 1 << 62)  # pipeline.NEW_ARTICLE_SEQ: after every stored article
        results.append(_comparable(result, articles))
        store.save_chunk(ChunkWrite(articles, minhashes=result.minhashes, paragraph_signatures=result.paragraph_signatures,
                                    syndications=result.syndications, duplicate_updates=result.duplicate_updates))  # fmt: skip
    return results, {a.id: a.duplicate_of for a in store.iter_articles()}


def _in_memory() -> tuple[list[tuple[object, ...]], dict[str, str | None]]:
    index, kept = CopyIndex(), MemoryCopies()
    results = []
    for articles in copy.deepcopy(_chunks()):
        first = kept.next_seq
        result = find_copies(articles, index, kept, first)
        results.append(_comparable(result, articles))
        kept.record(articles, first, result)
    return results, {aid: original for aid, (_, original, _) in kept.rows.items()}


def test_copies_with_lookups_in_memory_are_those_found_with_the_store(store: Store) -> None:
    stored_results, stored_groups = _with_store(store)
    memory_results, memory_groups = _in_memory()
    assert memory_results == stored_results
    assert memory_groups == stored_groups
    # What they agree on is the copies a reader expects: the reprint is a copy of the
    # report until the wire's earlier version turns up and becomes the group's original.
    first, second = memory_results
    assert first[4] == [("a1", None, None), ("a2", "a1", first[4][1][2]), ("a3", None, None), ("a4", None, None)]
    assert [u[:2] for u in second[3]] == [("a1", "b1"), ("a2", "b1")]
    assert memory_groups == {"a1": "b1", "a2": "b1", "a3": None, "a4": None, "b1": None, "b2": None}
    # The quoted paragraph is syndication, both ways, and not a copy of the whole.
    quoted = {(s.article_id, s.paragraph, s.other_article_id, s.other_paragraph) for s in first[2]}
    assert {("a3", 1, "a1", 3), ("a1", 3, "a3", 1)} <= quoted


def test_memory_copies_keep_what_the_store_keeps() -> None:
    """An id kept once stays as it was (the store skips known ids); updates repoint it."""
    kept = MemoryCopies()
    report = _chunks()[0][0]
    kept.record([report], 1, CopiesResult({}, {}, [], []))
    kept.record([replace(report, published="2030-01-01")], 2, CopiesResult({}, {}, [], [("a1", "b1", 0.9)]))
    assert kept.duplicate_info(["a1", "zz"]) == {"a1": (report.published, "b1", 1)}
    assert kept.duplicates_of(["b1"]) == ["a1"] and kept.next_seq == 3


def test_copy_window_forgets_the_oldest_articles(monkeypatch: pytest.MonkeyPatch) -> None:
    from kabar import dedup

    monkeypatch.setattr(dedup.CopyIndex, "SEGMENT", 2)
    texts = [" ".join(f"kata{i}x{j}" for j in range(60)) for i in range(6)]
    sigs = [dedup.signature(t) for t in texts]
    index = dedup.CopyIndex(window=3)
    for i, text in enumerate(texts):
        index.add(f"a{i}", sigs[i], dedup.bands(sigs[i]), dedup.paragraph_signatures([text]))
        index.seal()  # one article per chunk; two chunks per segment
    # Whole segments leave: at least the last 3 articles stay, the oldest go.
    assert 3 <= len(index) <= 4
    for i, expect_found in ((0, False), (1, False), (5, True), (4, True), (3, True)):
        keys = dedup.bands(sigs[i])
        index.prefetch(keys, [])
        found = index.article_candidates(keys)
        assert (f"a{i}" in found) == expect_found, i
        if expect_found:
            assert dedup.jaccard(sigs[i], found[f"a{i}"]) == 1.0
    para = dedup.paragraph_signatures([texts[5]])[0]
    index.prefetch([], para.bands)
    assert list(index.paragraph_candidates(para.bands)) == [("a5", 0)]


def test_a_wire_copy_ingested_in_a_later_run_points_at_its_original(tmp_path: Path, backend: str) -> None:
    """The copy window is rebuilt from the stored signatures when a run starts: the
    republished wire story, ingested alone a run later, is found as a copy of the wire
    original, and its shared paragraphs are recorded."""
    copy_file = DEMO / "kabartimur" / "bulog-operasi-pasar-150-ribu-ton-beras.txt"
    store = open_store(new_location(backend, tmp_path))
    pipeline.run([str(p) for p in sorted(DEMO.rglob("*.*")) if p.parent.name != "gold" and p != copy_file], store)
    copies_before = sum(1 for a in store.iter_articles() if a.duplicate_of)
    pipeline.run([str(copy_file)], store)
    assert sum(1 for a in store.iter_articles() if a.duplicate_of) == copies_before + 1
    by_rel = {str(Path(s).relative_to(DEMO)): a for a in store.iter_articles() for s in a.sources}
    wire, copy = by_rel["feeds/kbn.jsonl#kbn-20241014-0915-beras"], by_rel[str(copy_file.relative_to(DEMO))]
    assert copy.duplicate_of == wire.id and copy.story == wire.story
    assert {s.other_article_id for s in store.syndication(copy.id)} >= {wire.id}
    store.close()
