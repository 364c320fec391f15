"""Quotes, claims, figures and their story-level gathering, on sentences written for
these tests (Indonesian and English news style)."""

from __future__ import annotations

import re

import pytest

from kabar.doc import analyse, paragraph_spans
from kabar.evaluate import Attribution, quote_scores
from kabar.extract import attribution
from kabar.extract.numbers import overlap, parse_numeral, quantities
from kabar.extract.story import facts
from kabar.lang import get
from kabar.model import Article, EntityMention, Quote

ID = get("id")
EN = get("en")


def persons(text: str, *names: str) -> list[EntityMention]:
    """PERSON mentions for every occurrence of the given names (stands in for the tagger)."""
    out = []
    for name in names:
        for m in re.finditer(re.escape(name), text):
            out.append(EntityMention(name, "PERSON", m.start(), m.end(), name.lower()))
    return out


def run(paragraphs: list[str], lang=ID, names: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    text = "\n\n".join(paragraphs)
    return text, *attribution.extract(analyse(text, lang.code, paragraph_spans(paragraphs)), lang, persons(text, *names))


def main_quotes(quotes: list[Quote]) -> list[Quote]:
    return [q for q in quotes if not q.nested]


# --- figures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "lang", "value"),
    [("12.000", ID, 12000), ("1,2", ID, 1.2), ("1.234.567", ID, 1234567), ("6,15", ID, 6.15),
     ("12,000", EN, 12000), ("1.5", EN, 1.5), ("1,234.5", EN, 1234.5), ("1.500", EN, 1.5)],
)  # fmt: skip
def test_parse_numeral(raw: str, lang, value: float) -> None:  # type: ignore[no-untyped-def]
    assert parse_numeral(raw, lang) == value


def test_indonesian_quantities() -> None:
    text = ("Pemerintah menyiapkan Rp 1,2 triliun untuk 1,2 juta warga. Sekitar 300 orang mengungsi, "
            "hingga 12.000 tentara berjaga, puluhan ribu tentara lain disiagakan, dan lebih dari 5.000 rumah "
            "rusak sejak tahun 2001. Rapat dimulai pukul 19.10 WIB.")  # fmt: skip
    found = {q.text: q for q in quantities(text, [(0, len(text))], ID)}
    assert found["Rp 1,2 triliun"].low == 1.2e12 and found["Rp 1,2 triliun"].unit == "IDR"
    assert found["1,2 juta warga"].low == 1_200_000 and found["1,2 juta warga"].unit == "person"
    assert found["Sekitar 300 orang"].qualifier == "about" and found["Sekitar 300 orang"].low < 300
    troops = found["hingga 12.000 tentara"]
    assert (troops.low, troops.high, troops.qualifier, troops.unit) == (0.0, 12000.0, "up_to", "soldier")
    vague = found["puluhan ribu tentara"]
    assert (vague.low, vague.high, vague.vague) == (20000.0, 99999.0, True)
    assert found["lebih dari 5.000 rumah"].high is None
    assert not overlap(troops, vague)
    assert not any("2001" in t or "19.10" in t for t in found)  # a year and a clock time are not figures


def test_english_quantities() -> None:
    text = "Up to 12,000 North Korean troops, tens of thousands of soldiers, $1.2 billion and about 300 people."
    found = {q.text: q for q in quantities(text, [(0, len(text))], EN)}
    assert found["Up to 12,000 North Korean troops"].unit == "soldier"
    assert (found["tens of thousands of soldiers"].low, found["tens of thousands of soldiers"].high) == (20000, 99999)
    assert found["$1.2 billion"].low == 1.2e9 and found["$1.2 billion"].unit == "USD"


# --- quotes ---------------------------------------------------------------------------


def test_direct_quote_after_cue_resolves_title_and_short_name() -> None:
    text, quotes, _ = run([
        "Gubernur Sulawesi Tengah Rusdi Mastura meninjau lokasi banjir di Palu.",
        "“Kami akan membangun tanggul baru sebelum musim hujan berikutnya,” kata Mastura kepada wartawan.",
    ], names=("Rusdi Mastura", "Mastura"))  # fmt: skip
    (q,) = main_quotes(quotes)
    assert q.kind == "direct" and q.speaker == "Rusdi Mastura" and q.cue == "kata"
    assert q.content == "Kami akan membangun tanggul baru sebelum musim hujan berikutnya"
    assert text[q.start : q.end] == q.content


def test_reported_speech_pronoun_and_menurut() -> None:
    _, quotes, _ = run([
        "Kepala BMKG Dwi Lestari mengatakan bahwa gempa itu dipicu aktivitas sesar di dasar laut.",
        "Dia menambahkan warga pesisir diminta menjauhi pantai selama dua jam.",
        "Menurut Dwi Lestari, sirene peringatan dini berbunyi empat menit setelah guncangan.",
    ], names=("Dwi Lestari",))  # fmt: skip
    quotes = main_quotes(quotes)
    assert [q.kind for q in quotes] == ["indirect", "indirect", "indirect"]
    assert all(q.speaker == "Dwi Lestari" for q in quotes)
    assert quotes[0].content == "gempa itu dipicu aktivitas sesar di dasar laut"
    assert quotes[1].content.startswith("warga pesisir diminta")
    assert quotes[2].content.startswith("sirene peringatan dini")


def test_content_then_cue_with_organisation_speaker() -> None:
    _, quotes, _ = run(["Harga beras di pasar induk turun dua persen pekan ini, kata Perum Bulog pada Senin (14/10)."])
    (q,) = main_quotes(quotes)
    assert q.speaker == "Perum Bulog" and q.content == "Harga beras di pasar induk turun dua persen pekan ini"


def test_quote_across_paragraphs_and_one_word_quote() -> None:
    _, quotes, _ = run([
        "“Kami tidak akan mundur dari kesepakatan ini. Semua pihak sudah menandatanganinya.",
        "“Yang tersisa adalah pelaksanaan di lapangan,” ujar Menteri Luar Negeri Ratna Wibowo.",
        "Ratna Wibowo menyebut kesepakatan itu sebagai “terobosan”.",
    ], names=("Ratna Wibowo",))  # fmt: skip
    direct = [q for q in quotes if q.kind == "direct"]
    assert [q.speaker for q in direct] == ["Ratna Wibowo"] * 3
    assert direct[0].paragraph == 0 and direct[0].content.endswith("sudah menandatanganinya.")
    assert direct[2].content == "terobosan"


def test_english_quotes() -> None:
    _, quotes, _ = run([
        "\"We will rebuild the bridge within a year,\" said Transport Minister Alan Reyes.",
        "\"The money is already there,\" he added.",
        "Officials said the old bridge had been closed since March.",
    ], lang=EN, names=("Alan Reyes",))  # fmt: skip
    quotes = main_quotes(quotes)
    assert [(q.kind, q.speaker) for q in quotes[:2]] == [("direct", "Alan Reyes"), ("direct", "Alan Reyes")]
    assert quotes[2].kind == "indirect" and quotes[2].speaker == "Officials"
    assert quotes[2].content == "the old bridge had been closed since March"


# --- claims ---------------------------------------------------------------------------


def test_claims_holders_and_denial_link() -> None:
    _, _, claims = run([
        "Jakarta dan Canberra menuduh kapal itu menangkap ikan secara ilegal di perairan Arafura.",
        "Tuduhan yang dibantah oleh pemilik kapal tersebut, meskipun ada rekaman satelit.",
        "Nelayan itu dituduh memalsukan izin, sementara kerugian negara diperkirakan mencapai Rp 3 miliar.",
    ])  # fmt: skip
    kinds = [(c.kind, c.holder) for c in claims]
    assert kinds[0] == ("accusation", "Jakarta dan Canberra")
    assert kinds[1] == ("denial", "pemilik kapal tersebut")
    assert claims[1].denies == 0
    assert ("accusation", None) in kinds[2:] and ("estimate", None) in kinds[2:]


def test_english_passive_accusation_has_no_holder() -> None:
    _, _, claims = run(["The company was accused of hiding losses, which its chief executive denied."], lang=EN)
    assert claims[0].kind == "accusation" and claims[0].holder is None


# --- story level ----------------------------------------------------------------------


def _article(aid: str, outlet: str, paragraphs: list[str], duplicate_of: str | None = None) -> Article:
    from kabar.extract import extract_article

    a = Article(aid, aid, None, outlet, "t", "2024-11-12T10:00:00+07:00", "id", None, paragraphs)
    a.duplicate_of = duplicate_of
    return extract_article(a, with_entities=False)


def test_story_quotes_conflicts_and_sources() -> None:
    quote = "“Pasokan beras aman sampai akhir tahun,” kata Direktur Utama Bulog Bayu Krisna."
    a = _article("a1", "Warta", [quote, "Laporan menyebut Korea Utara mengirim puluhan ribu tentara ke Rusia."])
    b = _article(
        "b1",
        "Kabar",
        [
            quote.replace("aman", "aman dan cukup"),
            "Intelijen memperkirakan hingga 12.000 tentara Korea Utara dikirim ke Rusia.",
        ],
    )
    c = _article("c1", "Salinan", [quote], duplicate_of="a1")
    found = facts([a, b, c])
    top = found.quotes[0]
    assert len(top.sources) == 3 and top.independent_sources == 2  # the copy counts with its original
    assert len(found.conflicts) == 1
    conflict = found.conflicts[0]
    assert conflict.unit == "soldier" and not conflict.same_article
    assert {conflict.first_figure, conflict.second_figure} == {"puluhan ribu tentara", "hingga 12.000 tentara"}


def test_no_conflict_between_compatible_figures() -> None:
    a = _article("a1", "Warta", ["Sekitar 12.000 tentara Korea Utara dikirim ke Rusia."])
    b = _article("b1", "Kabar", ["Sebanyak 12.000 tentara Korea Utara dikirim ke Rusia."])
    assert facts([a, b]).conflicts == []


# --- scoring --------------------------------------------------------------------------


def test_quote_scores_on_hand_made_spans() -> None:
    text = "Ia berkata “hujan turun deras” dan Budi bilang sungai meluap."
    texts = {"d": text}
    g1 = Attribution("d", text.index("hujan"), text.index("deras") + 5, "Ani")
    g2 = Attribution("d", text.index("sungai"), len(text) - 1, "Budi")
    exact = Attribution("d", text.index("“"), text.index("”") + 1, "Ani")  # quote marks are trimmed
    partial = Attribution("d", text.index("sungai"), text.index("meluap"), "Ani")
    spurious = Attribution("d", 0, 2, "Ani")
    s = quote_scores([g1, g2], [exact, partial, spurious], texts)
    assert s["exact_precision"] == pytest.approx(1 / 3) and s["exact_recall"] == 0.5
    assert s["overlap_precision"] == pytest.approx(2 / 3) and s["overlap_recall"] == 1.0
    assert s["speaker_accuracy"] == 0.5  # Ani right, Ani for Budi wrong
    assert quote_scores([g1], [], texts)["overlap_f1"] == 0.0


def test_speakers_from_sources_acronyms_and_references_back() -> None:
    text = "\n\n".join([
        "Badan Meteorologi, Klimatologi, dan Geofisika (BMKG) memastikan gempa itu tidak berpotensi tsunami.",
        "Lembaga itu menyatakan warga pesisir sudah boleh kembali ke rumah masing-masing.",
        "Data BPBD Poso menyebutkan sekitar 3.200 warga masih mengungsi di tenda darurat.",
        "Menurut catatan pemerintah kabupaten, pengungsi tersebar di dua belas titik.",
    ])  # fmt: skip
    orgs = [
        EntityMention("BMKG", "ORG", text.index("BMKG"), text.index("BMKG") + 4, "bmkg"),
        EntityMention("Data BPBD Poso", "ORG", text.index("Data BPBD"), text.index("Data BPBD") + 14, "x"),
    ]
    quotes, _ = attribution.extract(analyse(text, "id"), ID, orgs)
    assert [q.speaker for q in main_quotes(quotes)] == ["BMKG", "BMKG", "BPBD Poso", "pemerintah kabupaten"]


@pytest.mark.parametrize(
    ("speaker", "lang", "named"),
    [("Barkley", "en", True), ("the White House", "en", True), ("He", "en", False), ("The officials", "en", False),
     ("officials", "en", False), (None, "en", False), ("Juru bicara KPK", "id", True), ("Ia", "id", False),
     ("Mereka", "id", False)],
)  # fmt: skip
def test_a_gold_speaker_names_someone_when_it_holds_a_capitalised_non_function_word(
    speaker: str | None, lang: str, named: bool
) -> None:
    from kabar.evaluate import names_someone

    assert names_someone(speaker, lang) is named
