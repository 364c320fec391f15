"""Check the cleaner on real Indonesian articles (IndoSum dev) wrapped in site noise.

    uv run python bench/indosum_noise.py --n 200

For each article: how much of the real text survives (word recall), how many of
the added noise lines are gone, and whether the repeated paragraph and title
were collapsed. Reads ../shared/data/indosum-dev directly.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from kabar.evaluate import noise_scores
from kabar.synth import add_noise

INDOSUM = Path(__file__).resolve().parents[2] / "shared" / "data" / "indosum-dev" / "articles.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    with open(INDOSUM, encoding="utf-8") as fh:
        records = [json.loads(line) for _, line in zip(range(args.n), fh, strict=False)]
    with tempfile.TemporaryDirectory() as tmp:
        scores = noise_scores(records, Path(tmp), add_noise)
    for name, value in scores.items():
        print(f"{name}: {value:.4f}" if isinstance(value, float) else f"{name}: {value}")


if __name__ == "__main__":
    main()
