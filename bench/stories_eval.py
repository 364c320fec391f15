"""Story clustering quality on labelled corpora: ECB+ (topics 1-35), NeuS dev, the demo.

    uv run python bench/stories_eval.py [--no-embed] [--only ecb|neus|demo]

ECB+ is scored at event level (each topic holds two different events of one kind);
NeuS pools all articles (three outlets per story) and recovers the stories. Each corpus
is scored twice: its stories, and its storylines (`storyline`), both against the gold
stories, each of which is its own matter (ECB+'s two look-alike events per topic are
different matters).
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

from kabar import pipeline
from kabar.evaluate import cluster_report, clustered
from kabar.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def _run(folder: Path, gold_by_source: dict[str, str], embed: bool) -> dict[str, object]:
    """Ingest `folder` as a stream (the path users get) and score the stored stories and
    storylines."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(str(Path(tmp) / "eval.db"))
        t = time.perf_counter()
        pipeline.run([str(folder)], store, embed=embed, extract=False)
        seconds = time.perf_counter() - t
        predicted, lines = clustered(store)
        store.close()
    report: dict[str, object] = dict(cluster_report(predicted, gold_by_source))
    report["seconds"] = round(seconds, 1)
    report["storyline"] = _rounded(cluster_report(lines, gold_by_source))
    stories_in: dict[str, set[str]] = {}
    for source, line in lines.items():
        stories_in.setdefault(line, set()).add(predicted[source])
    report["storyline"]["largest_storyline_stories"] = max(map(len, stories_in.values()), default=0)  # type: ignore[index]
    return report


def _rounded(report: dict[str, float | int]) -> dict[str, float | int]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in report.items()}


def ecb(embed: bool) -> dict[str, object]:
    folder = DATA / "ecbplus-dev" / "docs"
    with open(DATA / "ecbplus-dev" / "labels.csv") as fh:
        gold = {str(folder / r["file"]): r["event"] for r in csv.DictReader(fh)}
    return _run(folder, gold, embed)


def neus(embed: bool) -> dict[str, object]:
    src = DATA / "neus-dev" / "articles.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "neus"
        folder.mkdir()
        gold = {}
        with open(src) as fh, open(folder / "articles.jsonl", "w") as out:
            for line in fh:
                r = json.loads(line)
                if not r["text"].strip():
                    continue
                out.write(json.dumps({"id": r["id"], "title": r["title"], "text": r["text"], "language": "en"}) + "\n")
                gold[f"{folder / 'articles.jsonl'}#{r['id']}"] = r["story"]
        return _run(folder, gold, embed)


def demo(embed: bool) -> dict[str, object]:
    folder = ROOT / "examples" / "demo"
    with open(folder / "gold" / "labels.csv") as fh:
        gold = {str(folder / r["file"]): r["story"] for r in csv.DictReader(fh)}
    return _run(folder, gold, embed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-embed", action="store_true")
    parser.add_argument("--only", choices=["ecb", "neus", "demo"])
    args = parser.parse_args()
    for name, fn in (("demo", demo), ("ecb", ecb), ("neus", neus)):
        if args.only in (None, name):
            report = fn(not args.no_embed)
            print(name, json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in report.items()}))


if __name__ == "__main__":
    main()
