"""Real Indonesian articles (IndoSum dev) wrapped in site noise come out clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SHARED
from kabar.evaluate import noise_scores
from kabar.synth import add_noise

INDOSUM = SHARED / "data" / "indosum-dev" / "articles.jsonl"

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not INDOSUM.is_file(), reason="../shared/data/indosum-dev is not beside the checkout")
def test_noise_goes_and_real_text_stays(tmp_path: Path) -> None:
    with open(INDOSUM, encoding="utf-8") as fh:
        records = [json.loads(line) for _, line in zip(range(40), fh, strict=False)]
    scores = noise_scores(records, tmp_path, add_noise)
    assert scores["articles"] == 40
    assert scores["noise_lines_removed"] >= 0.98
    # The misses are mostly the articles' own datelines and editor initials.
    assert scores["real_word_recall"] >= 0.95
    assert scores["repeats_collapsed"] >= 0.95
