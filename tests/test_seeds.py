"""The five real seed articles must come out as ../shared/seeds/expected.json says."""

from __future__ import annotations

import pytest

from conftest import SEEDS, articles_by_stem, collapse, ingest_into, load_json
from kabar.model import Article
from kabar.store.sqlite import SQLiteStore

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the checkout")

EXPECTED = load_json(SEEDS / "expected.json") if SEEDS.is_dir() else {"articles": {}}


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Article]:
    store = SQLiteStore(str(tmp_path_factory.mktemp("seeds") / "seeds.db"))
    report = ingest_into(store, SEEDS)
    assert report.stored == 5 and not report.quarantined
    found = articles_by_stem(store)
    store.close()
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED["articles"]))
def test_seed_metadata(seeds: dict[str, Article], name: str) -> None:
    want = EXPECTED["articles"][name]
    got = seeds[name]
    assert got.title == want["title"]
    if want.get("published_tz_any") and want["published"]:
        assert got.published is not None and got.published.startswith(want["published"])
    else:
        assert got.published == want["published"]
    if "dateline" in want:
        assert got.dateline == want["dateline"]
    if "outlet_contains" in want:
        assert want["outlet_contains"] in (got.outlet or "")
    assert got.language == "id"


@pytest.mark.parametrize("name", sorted(EXPECTED["articles"]))
def test_seed_clean_text(seeds: dict[str, Article], name: str) -> None:
    want = EXPECTED["articles"][name]
    got = seeds[name]
    body = collapse(got.text)
    assert all(collapse(p) != collapse(got.title) for p in got.paragraphs)
    for text in want["must_keep"]:
        assert collapse(text) in body, f"lost: {text}"
    removed = " ".join(collapse(r.text) for r in got.removed)
    for text in want["must_drop"]:
        assert collapse(text) not in body, f"kept: {text}"
        assert collapse(text) in removed, f"dropped without a record: {text}"
    for text, cap in want["max_count"].items():
        assert body.count(collapse(text)) <= cap, f"{text!r} appears more than {cap}x"


def test_every_removal_has_a_reason(seeds: dict[str, Article]) -> None:
    for article in seeds.values():
        assert article.removed
        assert all(r.reason and r.text for r in article.removed)


def test_relative_dates_resolved_against_publication(seeds: dict[str, Article]) -> None:
    ratification = seeds["002_47c8d720653f142a"]
    mentions = {m.text: m for m in ratification.time_mentions}
    assert mentions["pada hari Senin"].date == "2024-11-11"
    assert mentions["pada hari Selasa"].date == "2024-11-12"
    assert mentions["bulan Juni"].date == "2024-06-01"
    assert mentions["pekan lalu"].date == "2024-11-04"
    # Undated articles get no resolved dates at all: nothing is invented.
    assert seeds["003_8d649cbd5c711901"].time_mentions == []


def test_a_weekday_checks_a_day_and_month_in_brackets() -> None:
    from kabar import lang, meta

    def read(text: str, published: str) -> list[tuple[str, str]]:
        return [(m.text, m.date) for m in meta.resolve_time_mentions(text, published, lang.get("id"))]

    # Saturday 6 January 2018, written month first: not 1 June 2017, half a year back.
    assert ("(1/6)", "2018-01-06") in read("kata Argo di Jakarta, Sabtu (1/6).", "2018-01-07T10:00:00+07:00")
    assert ("(6/1)", "2018-01-06") in read("kata Argo di Jakarta, Sabtu (6/1).", "2018-01-07T10:00:00+07:00")
    # Thursday 1 June 2017 is what it says, day first.
    assert ("(1/6)", "2017-06-01") in read("pada Kamis (1/6) lalu", "2017-06-03T10:00:00+07:00")
    # Without a weekday, day first as always; an impossible date is left out.
    assert read("(12/11) kemarin", "2024-11-13")[0] == ("(12/11)", "2024-11-12")
    assert read("sejak (31/2)", "2024-11-13") == []


def test_an_undated_article_keeps_the_full_dates_it_names() -> None:
    from kabar import lang, meta

    text = ("Rapat paripurna DPR pada Selasa (19/11/2024) mengesahkan perjanjian yang diteken "
            "pada 12 Juni 2024. Pemerintah berharap aturan turunannya terbit bulan depan, "
            "kata menteri pada hari Senin (18/11).")  # fmt: skip
    undated = meta.resolve_time_mentions(text, None, lang.get("id"))
    # Full dates need no anchor; "Senin", "(18/11)" and "bulan depan" do, so they are left.
    assert [(m.text, m.date) for m in undated] == [("(19/11/2024)", "2024-11-19"), ("12 Juni 2024", "2024-06-12")]
    dated = {m.text: m.date for m in meta.resolve_time_mentions(text, "2024-11-20", lang.get("id"))}
    assert dated["(19/11/2024)"] == "2024-11-19" and dated["(18/11)"] == "2024-11-18"
