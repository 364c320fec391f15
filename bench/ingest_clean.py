"""Benchmark: ingest + clean throughput and peak memory on a synthetic corpus.

    uv run python bench/ingest_clean.py --n 10000

Prints articles/s for plain text, and for HTML next to trafilatura's own
extraction speed on the same pages. Copies and stories are off: this is the
ingest and clean stage alone (bench/stories_stream.py measures the whole path). Run it on an otherwise idle machine; the
pipeline is single-threaded, so the figure is per core.
"""

from __future__ import annotations

import argparse
import html
import resource
import tempfile
import time
from pathlib import Path

from kabar import pipeline
from kabar.store.sqlite import SQLiteStore
from kabar.synth import generate, write_corpus


def _page(text: str) -> str:
    lines = text.strip().split("\n")
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines[2:])
    return (
        f"<!doctype html><html><head><title>{html.escape(lines[0])} - Portal Contoh</title>"
        f'<meta property="article:published_time" content="2024-06-01T10:00:00+07:00"></head><body>'
        '<nav><a href="/">Beranda</a> <a href="/n">Nasional</a> <a href="/d">Daerah</a></nav>'
        f"<article><h1>{html.escape(lines[0])}</h1>{body}</article>"
        '<aside><h3>Terpopuler</h3><ul><li><a href="/1">Satu</a></li>'
        '<li><a href="/2">Dua</a></li></ul></aside>'
        "<footer>Berlangganan newsletter kami. Hak cipta dilindungi.</footer></body></html>"
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--html-n", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root / "txt", args.n)
        store = SQLiteStore(str(root / "bench.db"))
        start = time.perf_counter()
        report = pipeline.run([str(root / "txt")], store, stories=False)
        elapsed = time.perf_counter() - start
        store.close()
        rate = report.stored / elapsed
        print(f"plain text: {report.stored} articles in {elapsed:.1f} s = {rate:.0f} articles/s")
        print(f"peak RSS after text run: {_peak_mb():.0f} MB")

        pages = [_page(a.text) for a in generate(args.html_n, seed=11)]
        hdir = root / "html"
        hdir.mkdir()
        for i, page in enumerate(pages):
            (hdir / f"p{i:06d}.html").write_text(page, encoding="utf-8")
        import trafilatura

        start = time.perf_counter()
        for page in pages:
            trafilatura.extract(page, with_metadata=True)
        traf = len(pages) / (time.perf_counter() - start)
        store = SQLiteStore(str(root / "html.db"))
        start = time.perf_counter()
        report = pipeline.run([str(hdir)], store, stories=False)
        ours = report.stored / (time.perf_counter() - start)
        store.close()
        print(
            f"HTML: kabar {ours:.0f} articles/s, trafilatura.extract alone {traf:.0f} pages/s, ratio {ours / traf:.2f}"
        )
        print(f"peak RSS: {_peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
