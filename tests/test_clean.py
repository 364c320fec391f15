"""The clean stage's scoring against gold, on a hand-made article."""

from __future__ import annotations

import pytest

from kabar.evaluate import score_clean
from kabar.model import Article, Removal


def test_score_clean_on_a_hand_made_case() -> None:
    article = Article(
        id="x", source="a.txt", url=None, outlet="kabartimur", title="Judul Berita", published="2024-01-02T03:04:00+07:00",
        language="id", dateline=None, paragraphs=["Kalimat pertama tetap ada.", "Kalimat kedua."],
        removed=[Removal("Baca Juga : Lain", "related-article link", 3)],
    )  # fmt: skip
    gold = {"articles": {"a": {
        "title": "Judul Berita", "published": "2024-01-02T03:04:00+07:00", "outlet": "kabartimur.co.id",
        "must_keep": ["pertama tetap", "hilang"], "must_drop": ["Baca Juga", "Iklan"],
        "max_count": {"Kalimat": 1},
    }}}  # fmt: skip
    score = score_clean({"a": article}, gold)
    by_check = {(r.check, r.detail.split(" ")[0]): r.ok for r in score.results}
    assert by_check[("meta:title", "'Judul")] and by_check[("meta:outlet", "kabartimur")]
    assert [r.ok for r in score.results if r.check == "clean:keep"] == [True, False]
    # "Iklan" never appeared, so it was never removed: the check wants the removal recorded.
    assert [r.ok for r in score.results if r.check == "clean:drop"] == [True, False]
    assert [r.ok for r in score.results if r.check == "clean:max_count"] == [False]
    assert score.rate("meta") == 1.0 and score.rate("clean") == pytest.approx(3 / 6)
