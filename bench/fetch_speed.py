"""Benchmark: the polite fetcher's own speed, against the test site on 127.0.0.1.

    uv run python bench/fetch_speed.py [--pages 2000] [--threads 4]

Serves tests/testsite.py with no Crawl-delay and fetches --pages article URLs (the site's
articles under distinct query strings) through `kabar.fetch.Fetcher` with no minimum
interval and 4 requests in flight per host, every response appended to rolling WARC
files in a temporary folder. Prints pages per second: the cost of kabar's fetching when
politeness is not what limits it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from kabar.fetch import Fetcher, RollingWarc
from testsite import ARTICLES, serve_site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    failed: list[str] = []
    with (
        serve_site(crawl_delay=0) as site,
        tempfile.TemporaryDirectory() as folder,
        RollingWarc(folder) as warc,
        Fetcher(allow_private=True, min_interval=0, per_host=4, archive=warc) as f,
    ):
        f.allowed(site.url("/"))  # robots.txt read before the clock starts
        urls = [site.url(ARTICLES[i % len(ARTICLES)].path + f"?page={i}") for i in range(args.pages)]

        def work(part: list[str]) -> None:
            for url in part:
                if not f.fetch(url).ok:
                    failed.append(url)

        start = time.perf_counter()
        threads = [threading.Thread(target=work, args=(urls[k :: args.threads],)) for k in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    print(f"{args.pages} pages in {elapsed:.2f} s: {args.pages / elapsed:.0f} pages/s "
          f"({args.threads} threads, one host, no delay, WARC on); {len(failed)} failed")  # fmt: skip


if __name__ == "__main__":
    main()
