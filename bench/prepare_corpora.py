"""Write the labelled story corpora as folders with gold CSVs, and a TOML list of them for
`kabar eval stories --leave-one-out`.

    uv run python bench/prepare_corpora.py OUT
    uv run kabar eval stories --leave-one-out OUT/corpora.toml --tune OTHER_DAYS=1.0,0.8,0.6,0.4 [--level storyline]

The corpora: the demo, ECB+ topics 1-35 (event level), NeuS dev pooled (title and lead
of each article, no dates), and the IndoSum dev stream dated and undated with its
hand-labelled events and matters (`bench/indosum_stream.py`).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from indosum_stream import write_stream  # a sibling script

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def write_neus(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (
        open(DATA / "neus-dev" / "articles.jsonl", encoding="utf-8") as fh,
        open(out / "articles.jsonl", "w", encoding="utf-8") as jf,
        open(out / "gold.csv", "w", encoding="utf-8", newline="") as gf,
    ):
        writer = csv.writer(gf)
        writer.writerow(["file", "story"])
        for line in fh:
            r = json.loads(line)
            if not r["text"].strip():
                continue
            jf.write(json.dumps({"id": r["id"], "title": r["title"], "text": r["text"], "language": "en"}) + "\n")
            writer.writerow([f"articles.jsonl#{r['id']}", r["story"]])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    out: Path = args.out.resolve()
    write_neus(out / "neus")
    write_stream(out / "indosum", dated=True)
    write_stream(out / "indosum-undated", dated=False)
    corpora = [
        ("demo", ROOT / "examples" / "demo", ROOT / "examples" / "demo" / "gold" / "labels.csv", "story", None),
        ("ecb", DATA / "ecbplus-dev" / "docs", DATA / "ecbplus-dev" / "labels.csv", "event", None),
        ("neus", out / "neus", out / "neus" / "gold.csv", "story", None),
        ("indosum", out / "indosum", out / "indosum" / "gold.csv", "story", "storyline"),
        ("indosum-undated", out / "indosum-undated", out / "indosum-undated" / "gold.csv", "story", "storyline"),
    ]
    with open(out / "corpora.toml", "w", encoding="utf-8") as fh:
        for name, folder, gold, column, line_column in corpora:
            fh.write(f'[[corpus]]\nname = "{name}"\nfolder = {json.dumps(str(folder))}\n')
            fh.write(f'gold = {json.dumps(str(gold))}\ncolumn = "{column}"\n')
            if line_column:
                fh.write(f'storyline_column = "{line_column}"\n')
            fh.write("\n")
    print(f"{len(corpora)} corpora -> {out / 'corpora.toml'}")


if __name__ == "__main__":
    main()
