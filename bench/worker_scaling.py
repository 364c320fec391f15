"""Does `--workers N` scale? The whole ingest path on real articles with 1 and 2 worker
processes, and a prediction for 4 from the serial and parallel parts of a one-worker run.

    uv run python bench/worker_scaling.py [--repeat 2] [--workers 1 2] [--predict 4] [--limit N]
                                          [--no-wait] [--json FILE]

The stream is the IndoSum dev stream that `bench/indosum_stream.py OUT` writes
(`articles.jsonl`, 2,424 real Indonesian articles, dated), written into a temporary folder.
Each run is `kabar.pipeline.run([stream], store, workers=N)` into a fresh SQLite store, in
a fresh process (`python bench/worker_scaling.py --child ...`), after a warm-up that loads
the models in that process (the worker processes load theirs inside the timing: that is
what `--workers` costs, and the steady-state rate, from the first chunk stored to the last,
is printed beside the whole-run rate). BLAS/OpenMP are held to one thread. Before each run
the script waits until the one-minute load average is below 1.0 (polls every 20 s, gives up
after 15 minutes) and records the load the run started and ended under.

The parts, from the one-worker runs (cheap per-chunk CPU timers, the same in every run):
  parallel  the CPU time in `pipeline.prepare_all` and `pipeline.build_all`, the functions
            a pool ships to its workers (reading the header, cleaning, extraction, search
            terms, copy signatures, story features with the title embedding);
  serial    the rest of the ingesting process's CPU time in `pipeline.run`: reading the
            input, line evidence, copies, story assignment, the store writes.
A separate probe run (workers=1, fresh process) measures what the parts leave out: the CPU
cost of pickling each chunk to the workers and back (the pool's IPC, done by both sides),
and a worker process's start-up (spawn, imports, the models loaded on first use).

Predictions for N workers, each printed against the measured N = 1 and N = 2:
  pipelined  articles / max(serial, parallel / N): the ordered stages of chunk k overlap
             the workers' build of chunk k+1, one core per process (N = 1 has no pool, so
             nothing overlaps: serial + parallel);
  Amdahl     articles / (serial + parallel / N): no overlap at all;
  as built   the runner's loop replayed chunk by chunk with the measured per-chunk parts:
             `prepare_all` blocks the ingesting process (it waits for its result in
             `_Run._start`), only `build_all` of chunk k+1 overlaps the ordered stages of
             chunk k, the pipeline fills and drains, the IPC and the workers' start-up are
             added, and the processes share `cores` cores (this box's, or N + 1).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WARMUP_DOCUMENTS = 8
QUIET_LOAD = 1.0
QUIET_POLL_SECONDS = 20
QUIET_GIVE_UP_SECONDS = 15 * 60
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# --- the stream ------------------------------------------------------------------------------


def write_stream(out: Path, limit: int | None) -> Path:
    """`bench/indosum_stream.py OUT`'s articles.jsonl (its function, imported from the file);
    with `limit`, only its first `limit` lines."""
    spec = importlib.util.spec_from_file_location("indosum_stream", ROOT / "bench" / "indosum_stream.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_stream(out)
    path = out / "articles.jsonl"
    if limit is not None:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)[:limit]
        path.write_text("".join(lines), encoding="utf-8")
    return path


# --- one run, in its own process -------------------------------------------------------------


class Clock:
    """CPU seconds of the ingesting process's main thread in named functions, one entry
    per call (per chunk), and the wall time it waits for the pool."""

    def __init__(self, timer: Callable[[], float]) -> None:
        self.timer = timer
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.wait: list[float] = []
        self.commits: list[tuple[float, int]] = []  # (perf_counter, articles) per stored chunk
        self.restore: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, attr: str, name: str) -> None:
        original: Callable[..., Any] = getattr(owner, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = self.timer()
            try:
                return original(*args, **kwargs)
            finally:
                self.cpu[name].append(self.timer() - start)

        self.restore.append((owner, attr, original))
        setattr(owner, attr, timed)

    def wrap_wait(self, owner: Any, attr: str) -> None:
        original: Callable[..., Any] = getattr(owner, attr)

        def waited(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.wait.append(time.perf_counter() - start)

        self.restore.append((owner, attr, original))
        setattr(owner, attr, waited)

    def wrap_commits(self, pipeline: Any) -> None:
        original = pipeline._commit_chunk

        def counted(store: Any, chunk: Any, *args: Any, **kwargs: Any) -> None:
            original(store, chunk, *args, **kwargs)
            if args and args[-1] is not None:  # a real commit, not a bisection trial
                self.commits.append((time.perf_counter(), len(chunk.built)))

        self.restore.append((pipeline, "_commit_chunk", original))
        pipeline._commit_chunk = counted

    def undo(self) -> None:
        for owner, attr, original in reversed(self.restore):
            setattr(owner, attr, original)
        self.restore.clear()


def _warm_up(stream: str) -> None:
    """Load every model in this process outside the timing: a few synthetic articles and
    the stream's first few (the Indonesian models), into a store of their own."""
    import py3langid

    from kabar import pipeline
    from kabar.store.sqlite import SQLiteStore
    from kabar.synth import write_corpus

    py3langid.classify("This sentence loads the language classifier before the timing starts.")
    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(Path(tmp) / "txt", WARMUP_DOCUMENTS)
        with open(stream, encoding="utf-8") as fh:
            head = [next(fh) for _ in range(WARMUP_DOCUMENTS)]
        (Path(tmp) / "txt" / "head.jsonl").write_text("".join(head), encoding="utf-8")
        store = SQLiteStore(str(Path(tmp) / "warm.db"))
        try:
            pipeline.run([str(Path(tmp) / "txt")], store)
        finally:
            store.close()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(stream: str, workers: int) -> dict[str, Any]:
    """`pipeline.run` over the stream with `workers` into a fresh store, timed."""
    from kabar import dedup, parallel, pipeline, stories
    from kabar.store.sqlite import SQLiteStore

    _warm_up(stream)
    # One worker: the process's CPU (all of it is this run's); with a pool, the main
    # thread's (the pool's threads pickle beside it).
    clock = Clock(time.process_time if workers == 1 else time.thread_time)
    if workers == 1:  # in this process; in a pool they run in the workers (and cannot be wrapped)
        clock.wrap(pipeline, "prepare_all", "prepare_all")
        clock.wrap(pipeline, "build_all", "build_all")
    clock.wrap(pipeline._Run, "_start", "_start")
    clock.wrap(pipeline._Run, "_settle", "_settle")
    clock.wrap(pipeline._Run, "_commit", "_commit")
    clock.wrap(dedup.CopyStage, "process", "copies")
    clock.wrap(stories.StoryStage, "process", "story assignment")
    clock.wrap(SQLiteStore, "save_chunk", "store writes (save_chunk)")
    clock.wrap(pipeline.LineEvidence, "add", "line evidence (add)")
    clock.wrap(pipeline, "_recurring", "recurring lines")
    clock.wrap(SQLiteStore, "existing_ids", "existing ids")
    clock.wrap_wait(parallel._Futures, "result")
    clock.wrap_commits(pipeline)
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(str(Path(tmp) / "bench.db"))
        children = _children_cpu()
        t0 = wall = time.perf_counter()
        cpu, thread = time.process_time(), time.thread_time()
        try:
            report = pipeline.run([stream], store, workers=workers)
        finally:
            wall, cpu, thread = time.perf_counter() - wall, time.process_time() - cpu, time.thread_time() - thread
            children = _children_cpu() - children
            store.close()
    clock.undo()
    ends = [t for t, _ in clock.commits]
    steady_n = sum(n for _, n in clock.commits[1:])
    steady_s = ends[-1] - ends[0] if len(ends) > 1 else 0.0
    return {
        "workers": workers, "seen": report.seen, "stored": report.stored, "quarantined": len(report.quarantined),
        "wall_s": wall, "cpu_s": cpu, "main_thread_cpu_s": thread, "workers_cpu_s": children,
        "cpu": dict(clock.cpu), "wait_s": sum(clock.wait), "first_commit_s": ends[0] - t0 if ends else 0.0,
        "steady_rate": steady_n / steady_s if steady_s > 0 else 0.0,
        "chunk_sizes": [n for _, n in clock.commits],
    }  # fmt: skip


def probe(stream: str) -> dict[str, Any]:
    """What the one-worker parts leave out: the pickling of each chunk to the workers and
    back (CPU s, per side), and one worker's start-up (its first chunk against its second)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from kabar import pipeline
    from kabar.store.sqlite import SQLiteStore

    _warm_up(stream)
    ipc: dict[str, float] = defaultdict(float)
    originals = {name: getattr(pipeline, name) for name in ("prepare_all", "build_all")}

    def shipped(name: str) -> Callable[..., Any]:
        fn = originals[name]

        def run(*args: Any) -> Any:
            out = fn(*args)
            start = time.process_time()
            sent = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)  # the ingesting process
            mid = time.process_time()
            pickle.loads(sent)  # the worker
            back = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)  # the worker
            mid2 = time.process_time()
            pickle.loads(back)  # the ingesting process
            end = time.process_time()
            ipc["main_s"] += (mid - start) + (end - mid2)
            ipc["worker_s"] += mid2 - mid
            ipc["bytes"] += len(sent) + len(back)
            ipc[f"{name} sent MB"] += len(sent) / 1e6
            ipc[f"{name} back MB"] += len(back) / 1e6
            return out

        return run

    pipeline.prepare_all = shipped("prepare_all")
    pipeline.build_all = shipped("build_all")
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(str(Path(tmp) / "probe.db"))
        try:
            report = pipeline.run([stream], store)
        finally:
            store.close()
    for name, fn in originals.items():
        setattr(pipeline, name, fn)

    # A worker's start-up: two chunks of the stream through a fresh spawned worker.
    from kabar import ingest
    from kabar.model import RawDocument

    raws = [r for r in ingest.read(stream, ingest.DEFAULT_MAX_BYTES) if isinstance(r, RawDocument)][:64]
    half = len(raws) // 2
    options = pipeline.BuildOptions()
    spans = []
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        for part in (raws[:half], raws[half:]):
            start = time.perf_counter()
            prepared = [p for p in pool.submit(pipeline.prepare_all, part).result() if isinstance(p, pipeline.Prepared)]
            pool.submit(pipeline.build_all, prepared, {}, {}, options).result()
            spans.append(time.perf_counter() - start)
    return {"stored": report.stored, "ipc_main_s": ipc["main_s"], "ipc_worker_s": ipc["worker_s"],
            "ipc_mb": ipc["bytes"] / 1e6, "ipc_by_way": {k: v for k, v in ipc.items() if k.endswith("MB")},
            "startup_s": spans[0] - spans[1], "probe_chunks_s": spans}  # fmt: skip


def child(kind: str, stream: str, workers: int) -> None:
    result = measure(stream, workers) if kind == "run" else probe(stream)
    print("RESULT " + json.dumps(result), flush=True)


# --- the parent: quiet machine, fresh processes ---------------------------------------------


def loadavg() -> list[float]:
    with open("/proc/loadavg") as fh:
        return [float(x) for x in fh.read().split()[:3]]


def wait_quiet(enabled: bool) -> dict[str, Any]:
    """Wait until the one-minute load is below QUIET_LOAD (or give up); the load then."""
    start = time.monotonic()
    while enabled and loadavg()[0] >= QUIET_LOAD and time.monotonic() - start < QUIET_GIVE_UP_SECONDS:
        time.sleep(QUIET_POLL_SECONDS)
    load = loadavg()
    return {"load_start": load, "waited_s": time.monotonic() - start, "quiet": load[0] < QUIET_LOAD}


def machine_cpu() -> tuple[float, float]:
    """CPU seconds this machine has been busy (all processes) and stolen by the host."""
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = f[:8]
    return (user + nice + system + irq + softirq) / hz, steal / hz


def in_child(kind: str, stream: Path, workers: int, quiet: bool) -> dict[str, Any]:
    """One child run; besides its result, the load it met and the CPU other processes
    used while it ran (the machine's busy time less the child's own, its workers included)."""
    before = wait_quiet(quiet)
    busy, steal = machine_cpu()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = usage.ru_utime + usage.ru_stime
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = "1"
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(stream), str(workers)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"the {kind} child (workers={workers}) failed: exit {done.returncode}")
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    result.update(before)
    result["load_end"] = loadavg()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after, steal_after = machine_cpu()
    result["others_cpu_s"] = (busy_after - busy) - (usage.ru_utime + usage.ru_stime - own)
    result["steal_s"] = steal_after - steal
    return result


# --- the models ------------------------------------------------------------------------------


def parts(run: dict[str, Any]) -> dict[str, Any]:
    """Serial and parallel CPU seconds of a one-worker run, in total and per chunk."""
    cpu = run["cpu"]
    prep, build = cpu["prepare_all"], cpu["build_all"]
    parallel = sum(prep) + sum(build)
    serial = run["cpu_s"] - parallel
    k = len(prep)
    # Per chunk: _start's own work (less what it ran of the pool's), then _settle and _commit.
    start_own = [s - p - b for s, p, b in zip(cpu["_start"], prep, build, strict=True)]
    settle, commit = cpu["_settle"], cpu["_commit"]
    rest = (serial - sum(start_own) - sum(settle) - sum(commit)) / k  # reading the input and the like
    return {"serial": serial, "parallel": parallel, "prep": prep, "build": build,
            "start_own": [s + rest for s in start_own], "settle": settle, "commit": commit}  # fmt: skip


def as_built(p: dict[str, Any], n: int, cores: float, ipc_main: float, ipc_worker: float, startup: float) -> float:
    """Wall seconds of the runner's loop (`_Run.ingest`) with n workers on `cores` cores.

    ingest: [_start(0)], then for k = 1..K-1: _settle(k-1) [waits for build k-1], _start(k)
    [prepare_all(k) in the pool, waited for; build_all(k) submitted], _commit(k-1) [beside
    build k]; then _settle(K-1), _commit(K-1). n = 1 is the one-worker run (no pool)."""
    k_chunks = len(p["prep"])
    if n == 1:
        return float(sum(p["prep"]) + sum(p["build"]) + sum(p["start_own"]) + sum(p["settle"]) + sum(p["commit"]))
    ipc_m, ipc_w = ipc_main / k_chunks / 2, ipc_worker / k_chunks / 2  # per chunk, per submission

    def pool_alone(work: float) -> float:  # the ingesting process waits
        return work / min(n, cores)

    t: float = startup * n / min(n, cores)  # the workers load at once, on the cores there are
    t += p["start_own"][0] + ipc_m + pool_alone(p["prep"][0] + ipc_w)
    owed = (p["build"][0] + ipc_w) / n  # each worker's part of the build in flight
    for k in range(1, k_chunks + 1):
        # _settle(k-1): wait for the build still in flight (the workers alone), then settle.
        t += owed / min(1.0, cores / n) + ipc_m + p["settle"][k - 1]
        if k == k_chunks:
            t += p["commit"][k - 1]
            break
        t += p["start_own"][k] + ipc_m + pool_alone(p["prep"][k] + ipc_w)
        each = (p["build"][k] + ipc_w) / n
        main = p["commit"][k - 1] + ipc_m
        # _commit(k-1) beside the build of chunk k (n + 1 processes share the cores);
        # what is left of the build is waited for in the next _settle.
        both = min(1.0, cores / (n + 1))
        if main >= each:
            t, owed = t + each / both + (main - each), 0.0
        else:
            t, owed = t + main / both, each - main
    return t


# --- report ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--child", nargs=3, metavar=("KIND", "STREAM", "WORKERS"), help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each worker count (best and all reported)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to measure")
    parser.add_argument("--predict", type=int, nargs="+", default=[4], help="worker counts only predicted")
    parser.add_argument("--limit", type=int, default=None, help="only the stream's first N articles")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for a quiet machine")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this file")
    args = parser.parse_args()
    if args.child:
        kind, stream, workers = args.child
        child(kind, stream, int(workers))
        return
    if 1 not in args.workers:
        parser.error("--workers must include 1 (the base rate and the parts come from it)")
    cores = os.cpu_count() or 1
    print(f"{cores} CPUs; load average now {' '.join(map(str, loadavg()))}; waiting for a 1-min load < "
          f"{QUIET_LOAD} before each run" + (" (off)" if args.no_wait else ""), flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        stream = write_stream(Path(tmp) / "indosum-stream", args.limit)
        n_lines = len(stream.read_text(encoding="utf-8").splitlines())
        print(f"stream: {n_lines} articles (bench/indosum_stream.py, IndoSum dev)", flush=True)
        runs: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for rep in range(args.repeat):
            for n in args.workers:
                r = in_child("run", stream, n, not args.no_wait)
                runs[n].append(r)
                print(
                    f"  run {rep + 1} workers={n}: {r['stored']} stored, wall {r['wall_s']:.1f} s = "
                    f"{r['stored'] / r['wall_s']:.1f} articles/s (steady {r['steady_rate']:.1f}/s after the first "
                    f"chunk at {r['first_commit_s']:.1f} s); CPU ingesting process {r['cpu_s']:.1f} s "
                    f"(main thread {r['main_thread_cpu_s']:.1f}), workers {r['workers_cpu_s']:.1f} s; "
                    f"waited for the pool {r['wait_s']:.1f} s; load {r['load_start']} -> {r['load_end']}, "
                    f"other processes {r['others_cpu_s']:.1f} s CPU, stolen {r['steal_s']:.1f} s"
                    + ("" if r["quiet"] else " (NOT quiet: gave up waiting)"),
                    flush=True,
                )  # fmt: skip
        pr = in_child("probe", stream, 1, not args.no_wait)
    print(
        f"  probe: pickling a chunk to the workers and back: {pr['ipc_main_s']:.2f} s CPU in the ingesting "
        f"process, {pr['ipc_worker_s']:.2f} s in the workers, {pr['ipc_mb']:.0f} MB over the run; a worker's "
        f"start-up {pr['startup_s']:.1f} s (first/second 32-article part {pr['probe_chunks_s'][0]:.1f}/"
        f"{pr['probe_chunks_s'][1]:.1f} s); load {pr['load_start']} -> {pr['load_end']}",
        flush=True,
    )
    print("    MB pickled: " + ", ".join(f"{k} {v:.1f}" for k, v in pr["ipc_by_way"].items()))  # fmt: skip

    best = {n: max(rs, key=lambda r: r["stored"] / r["wall_s"]) for n, rs in runs.items()}
    articles = best[1]["stored"]
    base = articles / best[1]["wall_s"]
    one = parts(best[1])
    serial, par = one["serial"], one["parallel"]
    print(f"\nParts of the best one-worker run ({articles} articles, {best[1]['cpu_s']:.1f} s CPU):")
    print(f"  parallel (prepare_all + build_all): {par:6.1f} s  {1000 * par / articles:6.2f} ms/article  "
          f"(prepare_all {sum(one['prep']):.1f} s, build_all {sum(one['build']):.1f} s)")  # fmt: skip
    print(f"  serial (the rest):                  {serial:6.1f} s  {1000 * serial / articles:6.2f} ms/article  "
          f"= {100 * serial / (serial + par):.1f} % of the CPU")  # fmt: skip
    cpu = best[1]["cpu"]
    inner = ["copies", "story assignment", "store writes (save_chunk)", "line evidence (add)", "recurring lines",
             "existing ids"]  # fmt: skip
    for name in inner:
        s = sum(cpu.get(name, []))
        print(f"    {name:<30} {s:6.2f} s  {1000 * s / articles:6.2f} ms/article  {100 * s / serial:5.1f} % of serial")
    named = sum(sum(cpu.get(name, [])) for name in inner)
    print(
        f"    {'the rest (read, runner, …)':<30} {serial - named:6.2f} s  "
        f"{1000 * (serial - named) / articles:6.2f} ms/article  {100 * (serial - named) / serial:5.1f} % of serial"
    )
    for n in sorted(best):
        if n == 1:
            continue
        r = best[n]
        print(f"  with workers={n} (best run): ingesting process {r['cpu_s']:.1f} s CPU "
              f"({1000 * r['cpu_s'] / r['stored']:.2f} ms/article; main thread {r['main_thread_cpu_s']:.1f} s, "
              f"pool threads {r['cpu_s'] - r['main_thread_cpu_s']:.1f} s), workers {r['workers_cpu_s']:.1f} s; "
              f"story assignment {sum(r['cpu'].get('story assignment', [])):.1f} s, "
              f"store writes {sum(r['cpu'].get('store writes (save_chunk)', [])):.1f} s, "
              f"copies {sum(r['cpu'].get('copies', [])):.1f} s")  # fmt: skip

    steady_base = max(r["steady_rate"] for r in runs[1])

    def row(n: int, kind: str, rate: float, against: float = base) -> None:
        up = rate / against
        ok = "yes" if up >= 0.8 * n else "no"
        print(f"  {n:>2}  {kind:<44} {rate:8.1f}  {up:6.2f}  {0.8 * n:5.1f}  {ok}")

    print("\n   N  measured / predicted                         articles/s  speed-up  0.8·N  ≥ 0.8·N")
    for n in sorted(runs):
        rates = sorted(r["stored"] / r["wall_s"] for r in runs[n])
        row(n, f"measured, best of {len(rates)} ({', '.join(f'{x:.1f}' for x in rates)})", max(rates))
        row(n, "measured steady state, best (against N=1's)", max(r["steady_rate"] for r in runs[n]), steady_base)
    ns = sorted(set(args.workers) | set(args.predict))
    for n in ns:  # one worker is no pool: nothing overlaps
        row(n, "pipelined: articles / max(S, P/N)" if n > 1 else "pipelined at N = 1: articles / (S + P)",
            articles / (max(serial, par / n) if n > 1 else serial + par))  # fmt: skip
    for n in ns:
        row(n, "Amdahl: articles / (S + P/N)", articles / (serial + par / n))
    ipc = (pr["ipc_main_s"], pr["ipc_worker_s"], pr["startup_s"])
    for n in ns:
        row(n, f"as built, {cores} cores (this box)", articles / as_built(one, n, cores, *ipc))
    for n in ns:
        row(n, "as built, N + 1 cores", articles / as_built(one, n, n + 1, *ipc))
    for n in ns:
        row(n, "as built, N + 1 cores, no start-up", articles / as_built(one, n, n + 1, ipc[0], ipc[1], 0.0))
    print(f"  (S = {serial:.1f} s serial, P = {par:.1f} s parallel CPU, from the best one-worker run; "
          f"speed-up against its {base:.1f} articles/s)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "probe": pr, "parts": one}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
