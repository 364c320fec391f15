"""Export: the store as JSON Lines files other tools can read (docs/export-format.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kabar.store import Store


def export(store: Store, out_dir: str) -> dict[str, int]:
    """Write `out_dir/articles.jsonl`; written to a temporary name, then renamed."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "articles.jsonl"
    tmp = out / ".articles.jsonl.tmp"
    count = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for article in store.iter_articles():
            fh.write(json.dumps(article.to_record(), ensure_ascii=False) + "\n")
            count += 1
    os.replace(tmp, target)
    return {"articles": count}
