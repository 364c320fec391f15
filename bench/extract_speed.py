"""What extraction costs per article: entities (the CRF tagger), quotes and claims,
and figures, in milliseconds per 1,000 characters of clean text.

    uv run python bench/extract_speed.py --n 500

Reads real Indonesian news paragraphs from ../shared/data/indosum-dev (first N
articles) and the English texts of ../shared/data/quotes-en/dev. One core; the
models are loaded (and a warm-up article run) before timing starts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from kabar.doc import analyse, paragraph_spans
from kabar.extract import attribution, entities, numbers
from kabar.lang import get

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _indonesian(n: int) -> list[list[str]]:
    with open(DATA / "indosum-dev" / "articles.jsonl", encoding="utf-8") as fh:
        return [json.loads(line)["paragraphs"] for _, line in zip(range(n), fh, strict=False)]


def _english(n: int) -> list[list[str]]:
    texts = sorted((DATA / "quotes-en" / "dev" / "text").glob("*.txt"))[:n]
    return [[p for p in t.read_text(encoding="utf-8").split("\n") if p.strip()] for t in texts]


def measure(docs: list[list[str]], code: str) -> dict[str, float]:
    lang = get(code)
    stage_time = {"analysis": 0.0, "entities": 0.0, "quotes+claims": 0.0, "figures": 0.0}
    per_kchar: list[float] = []
    chars = 0
    warm = "\n\n".join(docs[0])
    entities.find(analyse(warm, code, paragraph_spans(docs[0])), lang)
    for paragraphs in docs:
        text = "\n\n".join(paragraphs)
        spans = paragraph_spans(paragraphs)
        t0 = time.perf_counter()
        doc = analyse(text, code, spans)
        ta = time.perf_counter()
        mentions = entities.find(doc, lang)
        t1 = time.perf_counter()
        attribution.extract(doc, lang, mentions)
        t2 = time.perf_counter()
        numbers.quantities(text, spans, lang)
        t3 = time.perf_counter()
        stage_time["analysis"] += ta - t0
        stage_time["entities"] += t1 - ta
        stage_time["quotes+claims"] += t2 - t1
        stage_time["figures"] += t3 - t2
        chars += len(text)
        per_kchar.append((t3 - t0) * 1000 / max(1, len(text) / 1000))
    total = sum(stage_time.values())
    out = {
        "articles": len(docs),
        "mean chars/article": chars / len(docs),
        "articles/s": len(docs) / total,
        "ms per 1,000 chars (all)": total * 1000 / (chars / 1000),
        "ms per 1,000 chars (median article)": statistics.median(per_kchar),
    }
    for name, seconds in stage_time.items():
        out[f"ms per 1,000 chars ({name})"] = seconds * 1000 / (chars / 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    for code, docs in (("id", _indonesian(args.n)), ("en", _english(args.n))):
        print(f"[{code}]")
        for name, value in measure(docs, code).items():
            print(f"  {name}: {value:.3f}" if isinstance(value, float) else f"  {name}: {value}")


if __name__ == "__main__":
    main()
