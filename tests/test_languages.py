"""Languages as modules: the registry, the one fallback rule, and Malay end to end.

The Malay demo articles (examples/demo/beritasemenanjung, written for kabar) report
events the Indonesian and English demo articles report; they must join those stories
and have their dates, quotes and figures read."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import DEMO, SHARED, ingest_into, new_location
from kabar import lang as languages
from kabar.extract import ner
from kabar.extract.numbers import quantities
from kabar.lang import codes, get, known, ner_code
from kabar.meta import detect_language, parse_date_line, resolve_time_mentions
from kabar.model import Article
from kabar.store import open_store

MALAY = "beritasemenanjung"
with open(DEMO / "gold" / "labels.csv", encoding="utf-8") as _fh:
    LABELS = {r["file"]: r["story"] for r in csv.DictReader(_fh)}


def test_languages_are_found_by_name_and_carry_their_capabilities() -> None:
    assert set(codes()) >= {"id", "en", "ms"} and codes()[0] == languages.DEFAULT == "id"
    for code in ("id", "en", "ms"):
        data = get(code)
        assert data.code == code and data.dateparser == code and data.ui["stories"]
    assert get("ms").months["ogos"] == 8 and get("ms").months["mac"] == 3 and get("ms").weekdays["khamis"] == 3
    assert get("ms").scale_words["bilion"] == 10**9 and get("ms").timezones["MYT"] == "+08:00"
    assert get("id").title_centre and get("en").title_centre and not get("ms").title_centre


def test_one_rule_for_a_language_kabar_does_not_know() -> None:
    # A code that is not registered is read as the default language, by every stage.
    for code in (None, "other", "fr", ""):
        assert not known(code)
        assert get(code) is get(languages.DEFAULT)
        assert ner_code(code) == ner_code(languages.DEFAULT) == "id"
        assert ner.model_path(code or "other") == ner.model_path("id")
    # A registered language without its own model borrows its fallback's: Malay tags with Indonesian's.
    assert get("ms").ner_model == "" and get("ms").fallback == "id" and ner_code("ms") == "id"
    assert ner_code("en") == "en" and ner.model_path("en") != ner.model_path("ms")
    text = "Gabenor Sulawesi Tengah, Rusdi Malonda, melawat Poso pada Selasa."
    assert ner.mentions(text, "ms") == ner.mentions(text, "id")
    assert any(m.text == "Rusdi Malonda" for m in ner.mentions(text, "ms"))


def test_a_module_that_is_not_its_language_is_refused() -> None:
    languages.register("zz", "kabar.lang.ms")
    try:
        with pytest.raises(TypeError):
            get("zz")
    finally:
        languages._REGISTRY.pop("zz")
        languages._load.cache_clear()


def test_malay_dates_time_zones_and_figures() -> None:
    parsed = parse_date_line("Khamis, 1 Ogos 2024 | 09:15 SGT")
    assert parsed is not None and parsed.value.isoformat().startswith("2024-08-01T09:15") and parsed.offset == "+08:00"
    parsed = parse_date_line("12 Mac 2024")
    assert parsed is not None and parsed.value.month == 3
    ms = get("ms")
    text = "Kerajaan memperuntukkan RM5 juta, manakala 3,200 penduduk dan 1.5 peratus lagi terjejas."
    found = {(q.low, q.unit) for q in quantities(text, [(0, len(text))], ms)}
    assert found >= {(5_000_000.0, "MYR"), (3200.0, "person"), (1.5, "percent")}
    mentions = resolve_time_mentions("Gempa berlaku pada Isnin dan gegaran dirasai semalam.", "2024-10-08T11:30:00+08:00", ms)
    assert [m.date for m in mentions] == ["2024-10-07", "2024-10-07"]


def test_malay_is_told_from_indonesian() -> None:
    for path in sorted((DEMO / MALAY).glob("*.txt")):
        assert detect_language(path.read_text(encoding="utf-8")) == "ms", path.name
    for path in sorted((DEMO / "wartanusantara").glob("*.txt")):
        assert detect_language(path.read_text(encoding="utf-8")) == "id", path.name


def test_one_malay_word_does_not_make_indonesian_malay() -> None:
    # "kerajaan" is Indonesian for a kingdom as well as Malay for a government.
    text = ("Raja Thailand meninggalkan harta yang sangat besar bagi keluarga kerajaan. Istana kerajaan "
            "menyebut aset kerajaan itu dikelola sebuah lembaga khusus sejak puluhan tahun lalu.")
    assert detect_language(text) == "id"


INDOSUM = SHARED / "data" / "indosum-dev" / "articles.jsonl"


@pytest.mark.skipif(not INDOSUM.is_file(), reason="../shared/data is not beside the checkout")
def test_indosum_stays_indonesian() -> None:
    import json

    with INDOSUM.open(encoding="utf-8") as fh:
        found = [detect_language("\n".join(json.loads(line)["paragraphs"])) for line in fh]
    assert len(found) > 2000 and set(found) == {"id"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, module_backend: str) -> dict[str, Article]:
    store = open_store(new_location(module_backend, tmp_path_factory.mktemp("languages")))
    report = ingest_into(store, DEMO)
    assert not report.quarantined
    out = {str(Path(s).relative_to(DEMO)): a for a in store.iter_articles() for s in a.sources}
    store.close()
    return out


def test_malay_reports_join_their_indonesian_and_english_stories(demo: dict[str, Article]) -> None:
    malay = [f for f in LABELS if f.startswith(MALAY + "/")]
    assert len(malay) >= 6
    members: dict[str, set[str]] = defaultdict(set)
    for f, story in LABELS.items():
        members[story].add(demo[f].story or "")
    for f in malay:
        story = LABELS[f]
        assert demo[f].language == "ms", f
        assert members[story] == {demo[f].story}, f  # the gold story is one predicted story
        others = {demo[o].language for o, s in LABELS.items() if s == story and o != f}
        assert "id" in others, f
    joined_english = {LABELS[f] for f in malay} & {s for f, s in LABELS.items() if demo[f].language == "en"}
    assert len(joined_english) >= 4


def test_malay_dates_quotes_and_figures_are_read(demo: dict[str, Article]) -> None:
    poso = demo[f"{MALAY}/gempa-poso-enam-maut-ribuan-berpindah.txt"]
    assert poso.published == "2024-10-08T11:30:00+08:00" and poso.dateline == "PALU"
    assert "2024-10-07" in {t.date for t in poso.time_mentions}  # "pada petang Isnin"
    speakers = {(q.speaker, q.cue.lower()) for q in poso.quotes}
    assert ("Marten Salindeho", "kata") in speakers and ("Rusdi Malonda", "berkata") in speakers
    figures = {(q.low, q.high, q.unit) for q in poso.numbers}
    assert (6.1, 6.1, "magnitud") in figures and (3200.0, None, "person") in figures
    assert (5e9, 5e9, "IDR") in figures  # "lima bilion rupiah"
    asean = demo[f"{MALAY}/asean-meterai-perjanjian-pasaran-karbon.txt"]
    assert any(q.unit == "USD" and q.low <= 2e9 <= (q.high or 0) for q in asean.numbers)
    assert any(q.speaker == "Dimas Aryaguna" for q in asean.quotes)
    haze = demo[f"{MALAY}/jerebu-riau-sekolah-pekanbaru-ditutup.txt"]
    assert {(c.kind, c.cue) for c in haze.claims} >= {("accusation", "menuduh"), ("denial", "menafikan")}
    assert {q.low for q in haze.numbers} >= {312.0, 280.0}
    lewotobi = demo[f"{MALAY}/gunung-lewotobi-meletus-sembilan-maut.txt"]
    assert "2024-11-03" in {t.date for t in lewotobi.time_mentions}  # "pada Ahad"
    assert any(q.unit == "metre" and q.low <= 2000 <= (q.high or 0) for q in lewotobi.numbers)
