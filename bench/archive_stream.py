"""Benchmark: streaming a big JSONL and a big .warc.gz through `ingest.read` alone.

    uv run python bench/archive_stream.py                          # 1 GB JSONL, 2 GB .warc.gz
    uv run python bench/archive_stream.py --size 200M --warc-size 200M

Writes both archives in a temporary folder (synthetic Indonesian articles from
`kabar.synth`; the WARC's pages are the real pages of ../shared/data/html-eval-dev when
that folder is there, synthetic HTML otherwise), then reads each one in a fresh process
through `ingest.read` (not the pipeline) and prints records/s, MB/s of the file on disk,
and the reader's resident memory at every tenth of the file (driven by `on_bytes`) and at
its peak (`resource.getrusage`). Flat memory means the tenths stay level while the file
grows ten times past them.
"""

from __future__ import annotations

import argparse
import gzip
import html
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kabar.synth import generate

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT.parent / "shared" / "data" / "html-eval-dev" / "pages"
POOL = 2000  # distinct articles cycled through; each record still gets its own id and URL


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _texts() -> list[str]:
    return [a.text for a in generate(POOL, seed=13)]


def write_jsonl(path: Path, size: int) -> int:
    texts = _texts()
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        while fh.tell() < size:
            text = texts[n % len(texts)]
            record = {"id": f"r{n}", "url": f"https://berita{n % 50}.example.id/a/{n}", "title": text.split("\n", 1)[0],
                      "published": "2024-06-01T10:00:00+07:00", "language": "id", "text": text}  # fmt: skip
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def _pages() -> list[bytes]:
    if PAGES.is_dir():
        return [gzip.decompress(p.read_bytes()) for p in sorted(PAGES.glob("*.html.gz"))]
    pages = []
    for text in _texts():
        lines = text.strip().split("\n")
        body = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
        pages.append(f"<html><head><title>{html.escape(lines[0])}</title></head><body>{body}</body></html>".encode())
    return pages


def write_warc(path: Path, size: int) -> int:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = _pages()
    n = 0
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        while fh.tell() < size:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                f"https://berita{n % 50}.example.id/a/{n}", "response",
                payload=io.BytesIO(pages[n % len(pages)]), http_headers=headers,
            )  # fmt: skip
            writer.write_record(record)
            n += 1
    return n


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def read_one(path: str) -> dict[str, object]:
    """Stream one file through ingest.read; runs in its own process (see main)."""
    from kabar.ingest import read

    size = os.path.getsize(path)
    done = 0
    tenths: list[float] = []

    def on_bytes(n: int) -> None:
        nonlocal done
        done += n
        while len(tenths) < 10 and done >= size * (len(tenths) + 1) / 10:
            tenths.append(round(_rss_mb(), 1))

    docs = problems = 0
    start = time.perf_counter()
    for item in read(path, on_bytes=on_bytes):
        if hasattr(item, "body"):
            docs += 1
        else:
            problems += 1
    seconds = time.perf_counter() - start
    return {
        "file": Path(path).name, "MB": round(size / 1e6, 1), "records": docs, "quarantined": problems,
        "seconds": round(seconds, 1), "records/s": round(docs / seconds), "MB/s": round(size / 1e6 / seconds, 1),
        "rss_MB_by_tenth": tenths,
        "peak_rss_MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1G", help="size of the JSONL on disk (e.g. 200M, 1G)")
    parser.add_argument("--warc-size", default="2G", help="size of the .warc.gz on disk")
    parser.add_argument("--read", help=argparse.SUPPRESS)  # the child process: read one file
    args = parser.parse_args()
    if args.read:
        print(json.dumps(read_one(args.read)))
        return
    with tempfile.TemporaryDirectory(prefix="kabar-archive-") as tmp:
        for name, target, write in (
            ("big.jsonl", _size(args.size), write_jsonl),
            ("big.warc.gz", _size(args.warc_size), write_warc),
        ):
            path = Path(tmp) / name
            start = time.perf_counter()
            written = write(path, target)
            print(f"wrote {name}: {written} records, {path.stat().st_size / 1e6:.0f} MB "
                  f"in {time.perf_counter() - start:.0f} s", flush=True)  # fmt: skip
            child = subprocess.run(
                [sys.executable, __file__, "--read", str(path)], capture_output=True, text=True, check=True
            )
            print(child.stdout.strip(), flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
