"""Ingest cost against input size for text without line breaks (issue 13).

    uv run python bench/single_line.py                      # 10 KB, 100 KB, 1 MB, 10 MB
    uv run python bench/single_line.py --sizes 10000 100000 --mode extract

A text without newlines is one paragraph of its whole length; per-document work must
still be linear in it. Each input is real Indonesian news text, the paragraphs of
../shared/data/indosum-dev/articles.jsonl in file order (read at run time, repeated when
a size needs more) joined by single spaces into one line. For each size it prints:

* `pipeline`: one `.txt` file ingested by `kabar.pipeline.run` into a fresh SQLite store
  (no title embeddings; copies, stories and extraction on), wall seconds and seconds per MB;
* `extract`: `extract.extract_article` alone on an Article holding that one paragraph,
  CPU seconds and seconds per MB.

Near-linear cost shows as seconds per MB that stay about flat as the size grows.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from kabar import pipeline
from kabar.extract import extract_article
from kabar.model import Article
from kabar.store.sqlite import SQLiteStore

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "indosum-dev" / "articles.jsonl"
SIZES = (10_000, 100_000, 1_000_000, 10_000_000)


def _paragraphs() -> Iterator[str]:
    while True:
        with open(DATA, encoding="utf-8") as fh:
            for line in fh:
                for p in json.loads(line)["paragraphs"]:
                    if p.strip():
                        yield " ".join(p.split())


def single_line(size: int) -> str:
    """IndoSum paragraphs joined by spaces into one line of about `size` characters."""
    parts: list[str] = []
    total = 0
    for p in _paragraphs():
        if total >= size:
            break
        parts.append(p)
        total += len(p) + 1
    return " ".join(parts)[:size].rsplit(" ", 1)[0]


def time_pipeline(text: str, folder: Path) -> tuple[float, str]:
    path = folder / "line.txt"
    path.write_text(text + "\n", encoding="utf-8")
    store = SQLiteStore(str(folder / "bench.db"))
    start = time.perf_counter()
    report = pipeline.run([str(path)], store, embed=False, max_bytes=max(len(text.encode()) * 2, 1 << 20))
    seconds = time.perf_counter() - start
    store.close()
    note = f"stored {report.stored}"
    if report.quarantined:
        note += f", quarantined {len(report.quarantined)}: {report.quarantined[0].message()}"
    return seconds, note


def time_extract(text: str) -> tuple[float, str]:
    article = Article("bench", "bench", None, None, "", None, "id", None, [text])
    start = time.process_time()
    extract_article(article)
    seconds = time.process_time() - start
    return seconds, f"{len(article.entities)} entities, {len(article.quotes)} quotes, {len(article.numbers)} figures"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="input sizes in characters")
    parser.add_argument("--mode", choices=("both", "pipeline", "extract"), default="both")
    args = parser.parse_args()
    extract_article(Article("warm", "warm", None, None, "", None, "id", None, [single_line(2_000)]))  # models loaded
    print(f"{'size':>10}  {'stage':<8} {'seconds':>8} {'s/MB':>7}  result")
    for size in args.sizes:
        text = single_line(size)
        mb = len(text.encode()) / 1e6
        runs = []
        if args.mode in ("both", "pipeline"):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(("pipeline", *time_pipeline(text, Path(tmp))))
        if args.mode in ("both", "extract"):
            runs.append(("extract", *time_extract(text)))
        for stage, seconds, note in runs:
            print(f"{len(text):>10,}  {stage:<8} {seconds:>8.2f} {seconds / mb:>7.2f}  {note}", flush=True)


if __name__ == "__main__":
    main()
