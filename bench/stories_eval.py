"""Story clustering quality on labelled corpora: ECB+ (topics 1-35), NeuS dev, the demo.

    uv run python bench/stories_eval.py [--no-embed] [--only demo ecb neus indosum indosum-undated]

ECB+ is scored at event level (each topic holds two different events of one kind);
NeuS pools all articles (three outlets per story) and recovers the stories. Each corpus
is scored twice: its stories, and its storylines (`storyline`), both against the gold
stories, each of which is its own matter (ECB+'s two look-alike events per topic are
different matters). The IndoSum stream (`bench/indosum_stream.py`, dated and undated)
has hand-labelled matters, and its storylines are scored against them.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

from kabar import pipeline
from kabar.evaluate import cluster_report, clustered
from kabar.store.sqlite import SQLiteStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from indosum_stream import write_stream  # a sibling script

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def _run(
    folder: Path, gold_by_source: dict[str, str], embed: bool, gold_lines: dict[str, str] | None = None
) -> dict[str, object]:
    """Ingest `folder` as a stream (the path users get) and score the stored stories and
    storylines (against `gold_lines`, or the gold stories when a corpus has no matters)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(str(Path(tmp) / "eval.db"))
        t = time.perf_counter()
        pipeline.run([str(folder)], store, embed=embed, extract=False)
        seconds = time.perf_counter() - t
        predicted, lines = clustered(store)
        store.close()
    report: dict[str, object] = dict(cluster_report(predicted, gold_by_source))
    report["seconds"] = round(seconds, 1)
    report["storyline"] = _rounded(cluster_report(lines, gold_lines or gold_by_source))
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


def _indosum(embed: bool, dated: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "indosum"
        write_stream(folder, dated=dated)
        with open(folder / "gold.csv") as fh:
            rows = list(csv.DictReader(fh))
        gold = {str(folder / r["file"]): r["story"] for r in rows}
        return _run(folder, gold, embed, {str(folder / r["file"]): r["storyline"] for r in rows})


def indosum(embed: bool) -> dict[str, object]:
    """The IndoSum dev stream with publication times (bench/indosum_stream.py)."""
    return _indosum(embed, dated=True)


def indosum_undated(embed: bool) -> dict[str, object]:
    """The same stream without publication times or URLs: only the dates the text names."""
    return _indosum(embed, dated=False)


CORPORA = {"demo": demo, "ecb": ecb, "neus": neus, "indosum": indosum, "indosum-undated": indosum_undated}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-embed", action="store_true")
    parser.add_argument("--only", nargs="+", choices=sorted(CORPORA), default=sorted(CORPORA))
    args = parser.parse_args()
    for name, fn in CORPORA.items():
        if name in args.only:
            report = fn(not args.no_embed)
            print(name, json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in report.items()}))


if __name__ == "__main__":
    main()
