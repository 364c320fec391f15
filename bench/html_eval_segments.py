"""Benchmark: how much of html-eval-dev's main text kabar keeps, and how much furniture it drops.

    uv run python bench/html_eval_segments.py [--data ../shared/data/html-eval-dev]

Each of the 487 real pages goes through kabar's own path for one HTML page
(`pipeline.prepare`: trafilatura, the header; `pipeline.build_article`: the cleaner), with
no corpus evidence of recurring lines (one page alone). Prints the share of the gold's
`with` segments found in the article (title and paragraphs) and of its `without` segments
not found, and the same for `trafilatura.extract` alone, as the yardstick.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import trafilatura

from kabar import pipeline
from kabar.model import QuarantineEntry, RawDocument
from kabar.text import collapse

ROOT = Path(__file__).resolve().parent.parent


def kabar_text(name: str, html: str) -> str:
    prepared = pipeline.prepare(RawDocument(source=name, body=html, format="html", url=None))
    if isinstance(prepared, QuarantineEntry):
        return ""
    article = pipeline.build_article(prepared, set(), frozenset())
    if isinstance(article, QuarantineEntry):
        return ""
    return collapse(" ".join([article.title or "", *article.paragraphs]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "html-eval-dev"))
    args = parser.parse_args()
    root = Path(args.data)
    gold = json.loads((root / "gold.json").read_text(encoding="utf-8"))
    counts = {"kabar": [0, 0, 0, 0], "trafilatura": [0, 0, 0, 0]}  # with kept, with, without dropped, without
    for name, g in sorted(gold.items()):
        html = gzip.decompress((root / "pages" / (name + ".gz")).read_bytes()).decode("utf-8", "replace")
        texts = {"kabar": kabar_text(name, html), "trafilatura": collapse(trafilatura.extract(html) or "")}
        for system, text in texts.items():
            c = counts[system]
            for s in g["with"]:
                c[0] += collapse(s) in text
                c[1] += 1
            for s in g["without"]:
                c[2] += collapse(s) not in text
                c[3] += 1
    for system, (kept, with_, dropped, without) in counts.items():
        print(f"{system:12} with kept {kept}/{with_} = {kept / with_:.4f}; "
              f"without dropped {dropped}/{without} = {dropped / without:.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
