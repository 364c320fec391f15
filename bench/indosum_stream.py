"""The dated Indonesian stream: IndoSum dev as a folder kabar ingests, with hand-labelled gold.

    uv run python bench/indosum_stream.py OUT [--undated]

IndoSum has no story labels. `examples/gold/indosum-stream/*.csv` (`article,event,matter`)
holds ours, written by reading the articles: an *event* is one happening (one match, one hearing,
one verdict), a *matter* the ongoing case, season or saga its events belong to. A blank
event is an article alone in its event; a blank matter, an event that is its own matter.
An article is named by `article_key`, a hash of its IndoSum id: the ids end in a slug of
the headline, and the repository holds no text of the corpus.

The stream is `OUT/articles.jsonl`, in IndoSum's order, with the publication time taken
from the id (its prefix is a Unix time) and the outlet; `--undated` leaves out both the time
and the URL (whose path often holds the date), so only the dates the text names remain.
`OUT/gold.csv` has the columns `kabar eval stories` reads: `file,story,storyline`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "indosum-dev" / "articles.jsonl"
GOLD = ROOT / "examples" / "gold" / "indosum-stream"


def article_key(indosum_id: str) -> str:
    """How the gold names an IndoSum article: the first 16 hex digits of its id's SHA-1."""
    return hashlib.sha1(indosum_id.encode("utf-8")).hexdigest()[:16]


def read_gold(folder: Path = GOLD) -> dict[str, tuple[str, str]]:
    """Article key -> (event, matter), blanks filled: an article alone is its own event, and
    an event without a matter is its own matter."""
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(folder.glob("*.csv")):
        with open(path, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                key = row["article"]
                if key in out:
                    raise ValueError(f"{path}: {key} is labelled twice")
                event = row["event"].strip() or f"alone:{key}"
                out[key] = (event, row["matter"].strip() or event)
    return out


def write_stream(out: Path, dated: bool = True, data: Path = DATA, gold_folder: Path = GOLD) -> int:
    """Write the stream and its gold under `out`; returns the number of articles (only the
    labelled ones are written)."""
    gold = read_gold(gold_folder)
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    with (
        open(data, encoding="utf-8") as src,
        open(out / "articles.jsonl", "w", encoding="utf-8") as fh,
        open(out / "gold.csv", "w", encoding="utf-8", newline="") as gh,
    ):
        writer = csv.writer(gh)
        writer.writerow(["file", "story", "storyline"])
        for line in src:
            if not line.strip():
                continue
            r = json.loads(line)
            key = article_key(r["id"])
            if key not in gold:
                continue
            record: dict[str, object] = {"id": r["id"], "text": "\n\n".join(r["paragraphs"]), "outlet": r["source"],
                                         "language": "id"}  # fmt: skip
            if dated:
                stamp = int(r["id"].split("-", 1)[0])
                record["published"] = datetime.fromtimestamp(stamp, UTC).isoformat()
                record["url"] = r["source_url"]
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            writer.writerow([f"articles.jsonl#{r['id']}", *gold[key]])
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--undated", action="store_true")
    args = parser.parse_args()
    n = write_stream(args.out, dated=not args.undated)
    print(f"{n} articles -> {args.out / 'articles.jsonl'}, gold -> {args.out / 'gold.csv'}")


if __name__ == "__main__":
    main()
