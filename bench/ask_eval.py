"""`kabar ask` against the bilingual gold questions over the demo corpus.

    uv run python bench/ask_eval.py [--gold examples/gold/ask-demo.jsonl] [--no-embed]
        [--set NAME=VALUE ...] [--grid NAME=V1,V2,... ...] [--errors] [--keep DB]

Ingests examples/demo into a temporary store (or reuses `--keep DB` when it exists), asks
every gold question, and prints accuracy and the precision and recall of abstentions (gold
"abstain": the articles cannot answer), for the dev half (the questions the constants of
`kabar.ask` were tuned on), the test half (held out), and each language and type.
`--set` overrides a constant of `kabar.ask` for the run; `--grid` scores every combination
of the values given on both halves (choose on dev, read test), and prints each.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import tempfile
from pathlib import Path
from typing import Any

from kabar import ask as ask_stage
from kabar import pipeline
from kabar.evaluate import article_labels, ask_gold, ask_report, read_ask_gold
from kabar.features import Embedder
from kabar.store import ReadStore, open_store

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"


def _labels(store: ReadStore) -> dict[str, str]:
    with open(DEMO / "gold" / "labels.csv", encoding="utf-8") as fh:
        wanted = {r["file"]: r["story"] for r in csv.DictReader(fh)}
    return article_labels(store, wanted)


def _value(text: str) -> float | int:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _set(name: str, value: float | int) -> None:
    if not hasattr(ask_stage, name):
        sys.exit(f"kabar.ask has no constant {name}")
    setattr(ask_stage, name, value)


def _line(label: str, s: dict[str, Any]) -> str:
    return (f"{label:<14} {s['questions']:>3} questions  accuracy {s['accuracy']:.3f} ({s['correct']}/{s['questions']})"
            f"  abstained {s['abstained']:>2}  abstention P {s['abstain_precision']:.3f}"
            f" R {s['abstain_recall']:.3f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", default=str(ROOT / "examples" / "gold" / "ask-demo.jsonl"))
    parser.add_argument("--no-embed", action="store_true", help="words and names only")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2")
    parser.add_argument("--errors", choices=["dev", "test", "all"], help="list a half's questions answered wrongly")
    parser.add_argument("--keep", help="a store to reuse (ingested into when it does not exist)")
    parser.add_argument(
        "--grid-split",
        default="dev",
        choices=["dev", "test", "all"],
        help="the half --grid prints (dev: choose there, and read test once, with the choice)",
    )
    args = parser.parse_args()
    for item in args.set:
        name, _, value = item.partition("=")
        _set(name, _value(value))
    gold = read_ask_gold(args.gold)
    with tempfile.TemporaryDirectory() as tmp:
        location = args.keep or str(Path(tmp) / "ask.db")
        fresh = not Path(location).exists()
        with open_store(location) as store:
            if fresh:
                pipeline.run([str(DEMO)], store)
            story_of = _labels(store)
            embedder = None if args.no_embed else Embedder()
            if args.grid:
                names = [g.partition("=")[0] for g in args.grid]
                values = [[_value(v) for v in g.partition("=")[2].split(",")] for g in args.grid]
                for combo in itertools.product(*values):
                    for name, value in zip(names, combo, strict=True):
                        _set(name, value)
                    results, _ = ask_gold(store, gold, story_of, embedder)
                    report = ask_report(results)
                    setting = " ".join(f"{n}={v}" for n, v in zip(names, combo, strict=True))
                    print(setting)
                    for split in ("dev", "test"):
                        if split in report["split"] and args.grid_split in ("all", split):
                            print("  " + _line(split, report["split"][split]))
                return
            results, times = ask_gold(store, gold, story_of, embedder)
    report = ask_report(results)
    print(f"gold {args.gold}: {len(gold)} questions; embeddings {'off' if args.no_embed else 'on'}")
    print(_line("all", report["all"]))
    for group in ("split", "language", "kind"):
        for name, scores in report[group].items():
            label = {"dev": "dev (tuned)", "test": "test (held out)"}.get(name, name)
            print(_line(label, scores))
    times.sort()
    print(f"seconds per question: median {times[len(times) // 2]:.2f}, max {times[-1]:.2f}")
    if args.errors:
        for r in results:
            if not r.correct and args.errors in ("all", r.split):
                print(f"  {r.id} [{r.split}] {r.question} -- gold {r.gold}, {r.why}")


if __name__ == "__main__":
    main()
