"""The meta stage on hand-made lines: site date lines, container dates, datelines and
language detection."""

from __future__ import annotations

import pytest

from kabar.lang import get
from kabar.meta import (
    day_marks,
    detect_language,
    find_dateline,
    normalize_published,
    parse_date_line,
    resolve_time_mentions,
    settle_day_month,
)


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("Senin, 16 September 2024 - 19:10 WIB", "2024-09-16T19:10:00+07:00"),
        ("12 - Nov - 2024, 04:00", "2024-11-12T04:00:00"),
        ("Kamis, 3 Oktober 2024 | 14:25 WITA", "2024-10-03T14:25:00+08:00"),
        ("03/10/2024 09:15 WIT", "2024-10-03T09:15:00+09:00"),
        ("October 3, 2024 2:15 PM", "2024-10-03T14:15:00"),
        ("Diperbarui 3 Agu 2024, 10.15 WIB", "2024-08-03T10:15:00+07:00"),
        ("Minggu, 4 Agustus 2024", "2024-08-04"),
    ],
)
def test_site_date_lines(line: str, iso: str) -> None:
    parsed = parse_date_line(line)
    assert parsed is not None and parsed.iso() == iso


@pytest.mark.parametrize("line", ["tahun 1961", "Perjanjian 2000 dan 2001 diganti", "Pukul 19:10", ""])
def test_not_date_lines(line: str) -> None:
    assert parse_date_line(line) is None


@pytest.mark.parametrize(
    ("line", "url", "language", "iso"),
    [
        # Either way round: the URL's date settles it, whatever the language.
        (
            "Updated 4/9/2007 6:04 PM",
            "http://example.com/news/2007-04-09-office-shooting_N.htm",
            "id",
            "2007-04-09T18:04:00",
        ),
        ("05/02/2013", "https://example.co.id/berita/2013/02/05/banjir", "en", "2013-02-05"),
        # No date in the URL: an English page reads month first, an Indonesian one day first.
        ("05/02/2013", "https://example.com/story/908", "en", "2013-05-02"),
        ("05/02/2013", None, "id", "2013-02-05"),
        # A URL date that is neither reading (another day's link) leaves it to the language.
        ("05/02/2013", "https://example.com/2013/06/01/x", "en", "2013-05-02"),
        # Only one reading is a date, or both readings are the same day: nothing to settle.
        ("25/02/2013", None, "en", "2013-02-25"),
        ("02/25/2013", None, "id", "2013-02-25"),
        ("07/07/2013", None, "en", "2013-07-07"),
        ("5 Februari 2013", None, "en", "2013-02-05"),
    ],
)
def test_digit_dates_read_either_way_are_settled_by_url_then_language(
    line: str, url: str | None, language: str, iso: str
) -> None:
    parsed = parse_date_line(line)
    assert parsed is not None
    assert settle_day_month(parsed, url, get(language)).iso() == iso


def test_container_dates() -> None:
    assert normalize_published("2024-11-20 09:15") == "2024-11-20T09:15:00"
    assert normalize_published("2024-06-12T15:20:00+07:00") == "2024-06-12T15:20:00+07:00"
    assert normalize_published("") is None and normalize_published("kemarin") is None


def test_datelines() -> None:
    assert find_dateline("MOSKOW - Rusia dan Korea").place == "MOSKOW"  # type: ignore[union-attr]
    wire = find_dateline("PALU (KBN) - Gempa")
    assert wire is not None and (wire.place, wire.credit) == ("PALU", "KBN")
    own = find_dateline("Jakarta, Cakrawala — Harga beras")
    assert own is not None and (own.place, own.brand) == ("JAKARTA", "Cakrawala")
    country = find_dateline("PALU, Indonesia - A quake")
    assert country is not None and country.brand is None
    assert find_dateline("KABARTIMUR - Gempa", frozenset({"kabartimur"})).brand == "KABARTIMUR"  # type: ignore[union-attr]
    assert find_dateline("PRESIDEN Rusia Vladimir Putin menandatangani") is None
    assert find_dateline("JAKARTA -Wakil Presiden membuka").place == "JAKARTA"  # type: ignore[union-attr]
    assert find_dateline("Suara.com - Ketua DPR").brand == "suara.com"  # type: ignore[union-attr]
    assert find_dateline("JAKARTA-BANDUNG tol macet") is None  # a hyphenated word, not a dateline


def test_language() -> None:
    assert (
        detect_language(
            "Pemerintah daerah mengatakan bahwa warga yang terdampak banjir sudah dievakuasi ke tempat yang aman."
        )
        == "id"
    )
    assert (
        detect_language("The regional government said that residents affected by the flood had been moved to safety.")
        == "en"
    )
    malay = "Kerajaan negeri berkata bahawa penduduk yang terjejas akibat banjir telah dipindahkan kerana keadaan semakin buruk."
    assert detect_language(malay) == "ms"


@pytest.mark.parametrize(
    ("text", "published", "marks"),
    [
        # "(14/11)" names a day of the year with or without a publication date.
        ("Sidang praperadilan digelar pada Selasa (14/11) di PN Jakarta Selatan.", None, ["11-14"]),
        ("Sidang praperadilan digelar pada Selasa (14/11).", "2017-11-15T10:00:00+07:00", ["11-14"]),
        # A full date counts; relative words restate the publication day, and do not.
        ("Putusan dibacakan pada 9 Mei 2017, kata jaksa hari ini.", "2017-06-01T10:00:00+07:00", ["05-09"]),
        ("Hakim membacakan putusan hari ini, Rabu.", "2017-06-01T10:00:00+07:00", []),
        # Not a day: "(45/13)" is a ratio or a score.
        ("Skor akhir (45/13) untuk tim tuan rumah.", None, []),
    ],
)
def test_day_marks(text: str, published: str | None, marks: list[str]) -> None:
    lang = get("id")
    assert day_marks(text, resolve_time_mentions(text, published, lang)) == marks
