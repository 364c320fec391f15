"""Real-text throughput of the whole ingest path on one core.

    uv run python bench/real_throughput.py [--limit N] [--no-embed] [--profile] [--data FOLDER]

(a) The 2,424 real articles of ../shared/data/indosum-dev, converted at run time into a
    JSONL file in a temporary folder (text: the paragraphs joined by blank lines;
    published: the id's Unix-time prefix; nothing is written into the repository), through
    `kabar.pipeline.run` into a fresh temporary SQLite store, with title embeddings and
    without (`embed=True/False`; only without, with --no-embed).
(b) The 487 pages of ../shared/data/html-eval-dev (pages/*.html.gz, copied as they are)
    the same way, and `trafilatura.extract` alone over the same pages (decompressed
    beforehand, outside the timing); the ratio of kabar's whole-path CPU time to
    trafilatura.extract's.
(c) With --profile: (a) again (with embeddings unless --no-embed) under cProfile, and the
    share of the run's time by stage. The stages are the kabar functions the runner
    (pipeline.py, and guard.py, through which it calls each per-document step) calls
    directly, grouped by module and function; NER and the title embeddings are shown apart,
    inside extraction and features. cProfile costs more per Python call than per call into
    C, so it overstates the pure-Python stages a little against the embedding (C++).

Each measurement runs in a fresh process (so no cache is warm from an earlier one), with
BLAS/OpenMP limited to one thread (the embedder already runs on one). Before the timed run,
a warm-up ingests a few synthetic documents and one page written here into another
temporary store: the NER, language and embedding models load then, outside the timing.
Throughput is given per second of wall time and of CPU time (`time.process_time`, this
process, all threads); on a shared machine the CPU figure is the per-core one.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
WARMUP_DOCUMENTS = 8  # enough to load every model and language module once
TARGET_PER_SECOND = 200  # issue 14's target for real articles on one core

_WARMUP_PAGE = (
    "<!doctype html><html><head><title>Warm-up page - Example Times</title>"
    '<meta property="article:published_time" content="2024-06-01T10:00:00+00:00"></head><body>'
    "<nav><a href='/'>Home</a></nav><article><h1>Warm-up page</h1>"
    + "".join(
        f"<p>This paragraph number {i} was written for the benchmark's warm-up, so that "
        "the extraction, tagging and embedding models are loaded before any timing starts.</p>"
        for i in range(6)
    )
    + "</article><footer>All rights reserved.</footer></body></html>"
)


# --- inputs ----------------------------------------------------------------------------------


def indosum_jsonl(data: Path, out: Path, limit: int | None) -> int:
    """IndoSum dev as one JSONL file kabar ingests (as bench/soak.py converts it)."""
    n = 0
    with open(data / "indosum-dev" / "articles.jsonl", encoding="utf-8") as src, open(out, "w", encoding="utf-8") as fh:
        for line in src:
            if not line.strip():
                continue
            if limit is not None and n >= limit:
                break
            r = json.loads(line)
            stamp = r["id"].split("-", 1)[0]  # the id's prefix is a Unix timestamp
            published = datetime.fromtimestamp(int(stamp), UTC).isoformat() if stamp.isdigit() else None
            record = {"id": r["id"], "text": "\n\n".join(r["paragraphs"]), "url": r.get("source_url"),
                      "outlet": r.get("source"), "published": published}  # fmt: skip
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def html_pages(data: Path, out: Path, limit: int | None) -> int:
    """The html-eval-dev pages, their original bytes, under `out`."""
    pages = sorted((data / "html-eval-dev" / "pages").glob("*.html.gz"))[:limit]
    out.mkdir(parents=True, exist_ok=True)
    for page in pages:
        shutil.copyfile(page, out / page.name)
    return len(pages)


def _warm_up(embed: bool) -> None:
    """Load every model outside the timing: a few synthetic articles and one page."""
    import py3langid  # meta.detect_language's fallback classifier loads its model on first use

    from kabar import pipeline
    from kabar.store.sqlite import SQLiteStore
    from kabar.synth import write_corpus

    py3langid.classify("This sentence loads the language classifier before the timing starts.")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root / "txt", WARMUP_DOCUMENTS)
        (root / "html").mkdir()
        (root / "html" / "warm.html").write_text(_WARMUP_PAGE, encoding="utf-8")
        store = SQLiteStore(str(root / "warm.db"))
        try:
            pipeline.run([str(root / "txt"), str(root / "html")], store, embed=embed)
        finally:
            store.close()


# --- one measurement, in its own process -----------------------------------------------------


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def measure_kabar(corpus: str, data: str, limit: int | None, embed: bool, profile: bool) -> dict[str, Any]:
    """`pipeline.run` over one corpus into a fresh store: documents, stored, wall and CPU
    seconds; with `profile`, the run under cProfile and its split by stage."""
    from kabar import pipeline
    from kabar.store.sqlite import SQLiteStore

    _warm_up(embed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if corpus == "indosum-dev":
            inputs = root / "indosum.jsonl"
            documents = indosum_jsonl(Path(data), inputs, limit)
        else:
            inputs = root / "pages"
            documents = html_pages(Path(data), inputs, limit)
        store = SQLiteStore(str(root / "bench.db"))
        profiler = cProfile.Profile() if profile else None
        try:
            if profiler is not None:
                profiler.enable()
            report, wall, cpu = _timed(lambda: pipeline.run([str(inputs)], store, embed=embed))
            if profiler is not None:
                profiler.disable()
        finally:
            store.close()
    out: dict[str, Any] = {
        "corpus": corpus, "embed": embed, "documents": documents, "stored": report.stored,
        "quarantined": len(report.quarantined), "wall_s": wall, "cpu_s": cpu, "profiled": profile,
    }  # fmt: skip
    if profiler is not None:
        out["stages"], out["functions"], out["total_s"] = stage_split(pstats.Stats(profiler))
    return out


def measure_trafilatura(data: str, limit: int | None) -> dict[str, Any]:
    """`trafilatura.extract` alone over the html-eval-dev pages (decompressed first)."""
    import trafilatura

    trafilatura.extract(_WARMUP_PAGE)
    pages = sorted((Path(data) / "html-eval-dev" / "pages").glob("*.html.gz"))[:limit]
    htmls = [gzip.decompress(p.read_bytes()) for p in pages]
    extracted, wall, cpu = _timed(lambda: [trafilatura.extract(h) for h in htmls])
    return {"documents": len(htmls), "with_text": sum(1 for t in extracted if t), "wall_s": wall, "cpu_s": cpu}


# --- the profile's split ---------------------------------------------------------------------

_RUNNER = ("kabar/pipeline.py", "kabar/guard.py", "kabar/parallel.py")
# (module path under src/kabar, function name or "" for any) -> stage, first match wins.
_STAGES: list[tuple[str, str, str]] = [
    ("kabar/clean.py", "extract_html", "HTML extraction (trafilatura)"),
    ("kabar/clean.py", "", "clean"),
    ("kabar/doc.py", "", "analysis (doc.py: tokens, sentences)"),
    ("kabar/meta.py", "", "meta (header, language, dates, outlet)"),
    ("kabar/text.py", "", "meta (header, language, dates, outlet)"),
    ("kabar/extract/", "", "extraction (entities, quotes, claims, figures)"),
    ("kabar/search.py", "", "search index terms"),
    ("kabar/query.py", "", "search index terms"),
    ("kabar/dedup.py", "article_signature", "copies: MinHash signatures"),
    ("kabar/dedup.py", "", "copies: candidates and verification"),
    ("kabar/features.py", "", "features"),
    ("kabar/stories.py", "", "stories"),
    ("kabar/store/", "save_chunk", "store writes (save_chunk)"),
    ("kabar/store/", "", "store reads (ids, line stats, state)"),
    ("kabar/ingest.py", "", "read input"),
]
_INSIDE = [
    ("kabar/extract/ner/", "NER (inside extraction)"),
    ("kabar/extract/attribution.py", "quotes and claims (inside extraction)"),
    ("kabar/extract/numbers.py", "figures (inside extraction)"),
    ("kabar/extract/entities.py", "entities, NER included (inside extraction)"),
    ("kabar/features.py:encode", "title embeddings (inside features)"),
]


def _where(func: tuple[str, int, str]) -> str:
    path, _, name = func
    path = path.replace(os.sep, "/")
    cut = path.rfind("/kabar/")
    return f"{path[cut + 1 :]}:{name}" if cut >= 0 else f"{Path(path).name}:{name}"


def _stage(where: str) -> str:
    module, _, name = where.rpartition(":")
    for prefix, function, stage in _STAGES:
        if module.startswith(prefix) and (not function or name == function):
            return stage
    return f"other: {module}"


def stage_split(stats: pstats.Stats) -> tuple[dict[str, float], dict[str, float], float]:
    """Seconds per stage (the runner's direct calls into other kabar modules, their
    cumulative time), seconds per such function, and the whole run's cumulative time."""
    raw: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    total = max((ct for func, (_, _, _, ct, _) in raw.items() if _where(func) == "kabar/pipeline.py:run"), default=0.0)
    by_function: dict[str, float] = defaultdict(float)
    for callee, (_, _, _, _, callers) in raw.items():
        where = _where(callee)
        if not where.startswith("kabar/") or where.startswith(_RUNNER):
            continue
        for caller, edge in callers.items():
            if _where(caller).startswith(_RUNNER):
                by_function[where] += edge[3]  # cumulative time of the calls along this edge
    stages: dict[str, float] = defaultdict(float)
    for where, seconds in by_function.items():
        stages[_stage(where)] += seconds
    for prefix, label in _INSIDE:
        # Calls entering the module (or the one function) from outside it: the outermost
        # ones, so time is not counted twice where its functions call each other.
        entered = 0.0
        for callee, (_, _, _, _, callers) in raw.items():
            where = _where(callee)
            if not where.startswith(prefix):
                continue
            for caller, edge in callers.items():
                if not _where(caller).startswith(prefix):
                    entered += edge[3]
        stages[label] = entered
    stages["runner itself and the rest"] = total - sum(s for k, s in stages.items() if "inside" not in k)
    return dict(stages), dict(by_function), total


# --- report ----------------------------------------------------------------------------------


def _in_process(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:7.1f}" if seconds > 0 else "      -"


def _line(label: str, r: dict[str, Any]) -> None:
    print(
        f"{label:<34} {r['documents']:>6} docs {r.get('stored', r.get('with_text', 0)):>6} stored/with text  "
        f"wall {r['wall_s']:7.2f} s {_rate(r['documents'], r['wall_s'])}/s   "
        f"CPU {r['cpu_s']:7.2f} s {_rate(r['documents'], r['cpu_s'])}/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--limit", type=int, default=None, help="at most this many documents per corpus")
    parser.add_argument("--no-embed", action="store_true", help="only without title embeddings")
    parser.add_argument("--profile", action="store_true", help="also run (a) under cProfile: time by stage")
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # one core; the measuring processes inherit it
    with open("/proc/loadavg") as fh:
        load_before = fh.read().split()[:3]
    print(f"load average before: {' '.join(load_before)} ({os.cpu_count()} CPUs); "
          f"warm-up of {WARMUP_DOCUMENTS} synthetic documents and one page excluded from the timing")  # fmt: skip
    import kabar

    print(f"kabar from {Path(kabar.__file__).parent}")
    results: dict[str, Any] = {"load_before": load_before, "kabar": str(Path(kabar.__file__).parent)}
    embeds = [False] if args.no_embed else [True, False]
    for embed in embeds:
        r = _in_process(measure_kabar, "indosum-dev", args.data, args.limit, embed, False)
        results[f"indosum_embed_{embed}"] = r
        _line(f"(a) IndoSum dev, embed={embed}", r)
        sys.stdout.flush()
    html: dict[bool, Any] = {}
    for embed in embeds:
        html[embed] = r = _in_process(measure_kabar, "html-eval-dev", args.data, args.limit, embed, False)
        results[f"html_embed_{embed}"] = r
        _line(f"(b) html-eval-dev, embed={embed}", r)
        sys.stdout.flush()
    t = _in_process(measure_trafilatura, args.data, args.limit)
    results["trafilatura_extract"] = t
    _line("(b) trafilatura.extract alone", t)
    for embed, r in html.items():
        ratio = r["cpu_s"] / t["cpu_s"] if t["cpu_s"] > 0 else float("nan")
        results[f"html_cpu_ratio_embed_{embed}"] = ratio
        print(f"    kabar whole path / trafilatura.extract CPU time (embed={embed}): {ratio:.2f}")
    if args.profile:
        p = _in_process(measure_kabar, "indosum-dev", args.data, args.limit, not args.no_embed, True)
        results["profile"] = p
        total = p["total_s"]
        rate = _rate(p["documents"], p["cpu_s"]).strip()
        print(f"\n(c) IndoSum dev under cProfile, embed={not args.no_embed}: {p['documents']} docs, "
              f"{total:.2f} s in pipeline.run ({rate}/s CPU with the profiler)")  # fmt: skip
        for stage, seconds in sorted(p["stages"].items(), key=lambda kv: -kv[1]):
            print(f"    {stage:<52} {seconds:7.2f} s {100 * seconds / total:5.1f} %")
        print("  the runner's direct calls, by function (top 15):")
        for where, seconds in sorted(p["functions"].items(), key=lambda kv: -kv[1])[:15]:
            print(f"    {where:<52} {seconds:7.2f} s {100 * seconds / total:5.1f} %")
    with open("/proc/loadavg") as fh:
        results["load_after"] = fh.read().split()[:3]
    print(f"load average after: {' '.join(results['load_after'])}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
