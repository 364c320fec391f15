"""NER tagging speed of the shipped models, on one core.

    uv run python bench/ner_speed.py [--articles 300]

Tags the dev sets (sentences/s, tokens/s), once with the per-word feature cache emptied
before each set ("cold": every word's features are built once) and once more with the cache
full ("warm", as in a long-running process). Then runs `mentions()` on raw news text
(IndoSum paragraphs, NeuS titles and leads) and reports ms per 1,000 characters. The models
and lexicons are loaded before timing starts.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from kabar.extract import ner

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def _tag_rate(sentences: list[list[str]], lang: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    for tokens in sentences:
        ner.tag(tokens, lang)
    seconds = time.perf_counter() - t0
    return len(sentences) / seconds, sum(len(s) for s in sentences) / seconds


def _texts(lang: str, limit: int) -> list[str]:
    out: list[str] = []
    if lang == "id":
        with open(DATA / "indosum-dev" / "articles.jsonl", encoding="utf-8") as fh:
            for line in fh:
                out.append("\n\n".join(json.loads(line)["paragraphs"]))
                if len(out) >= limit:
                    break
    else:
        with open(DATA / "neus-dev" / "articles.jsonl", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                out.append(row["title"] + "\n\n" + row["text"])
                if len(out) >= limit:
                    break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=300, help="raw articles per language for mentions()")
    args = parser.parse_args()
    for lang, files in (("id", ner.SHIPPED_ID_DEV), ("en", ner.SHIPPED_EN_DEV)):
        size = ner.model_path(lang).stat().st_size
        print(f"[{lang}] model {ner.model_path(lang).name}: {size / 1e6:.2f} MB")
        ner.tag(["warm", "up"], lang)  # load the model and the lexicon
        all_sentences: list[list[str]] = []
        for rel in files:
            path = DATA / rel
            if not path.exists():
                print(f"  {rel}: missing, skipped")
                continue
            sentences = [[w for w, _ in s] for s in ner.read_conll(path)]
            ner._clear_word_cache()
            cold = _tag_rate(sentences, lang)
            warm = max(_tag_rate(sentences, lang) for _ in range(3))  # best of three: small sets are noisy
            all_sentences += sentences
            print(
                f"  {rel}: {len(sentences)} sentences; cold {cold[0]:,.0f} sent/s {cold[1]:,.0f} tok/s;"
                f" warm {warm[0]:,.0f} sent/s {warm[1]:,.0f} tok/s"
            )
        if all_sentences:
            ner._clear_word_cache()
            cold = _tag_rate(all_sentences, lang)
            print(f"  all {len(all_sentences)} dev sentences, cold cache: {cold[0]:,.0f} sent/s {cold[1]:,.0f} tok/s")
        try:
            texts = _texts(lang, args.articles)
        except OSError:
            print("  raw text missing, mentions() not timed")
            continue
        ner._clear_word_cache()
        chars = sum(len(t) for t in texts)
        t0 = time.perf_counter()
        found = sum(len(ner.mentions(t, lang)) for t in texts)
        seconds = time.perf_counter() - t0
        print(
            f"  mentions() on {len(texts)} articles, {chars:,} chars: {1000 * seconds / (chars / 1000):.3f} ms"
            f" per 1,000 chars (cold cache), {found:,} mentions"
        )


if __name__ == "__main__":
    main()
