"""Where the per-article work runs: in this process, in worker processes, or across a
Dask cluster.

The pipeline's order-free work (parsing, cleaning, extraction, search terms, copy
signatures, story features with the title embedding) is a plain function over a list of
items. A pool runs such a function over one chunk: `LocalPool` here and at once;
`ProcessPool` split over processes on this machine and `DaskPool` over the workers of a
Dask cluster, while the pipeline goes on with the previous chunk's ordered work. Line
evidence, copies, stories and the store stay in one process, so what is stored does
not depend on the pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")

CONNECT_SECONDS = 10  # to reach a Dask scheduler
WORKER_WAIT_SECONDS = 30  # for a reached scheduler to have at least one worker


class PoolError(RuntimeError):
    """The pool asked for cannot run: a scheduler that does not answer, or has no workers."""


class Pending(Protocol[T]):
    def result(self) -> list[T]: ...


class Done(Generic[T]):
    def __init__(self, value: list[T]) -> None:
        self.value = value

    def result(self) -> list[T]:
        return self.value


class Pool(Protocol):
    workers: int

    def submit(self, fn: Callable[..., list[T]], items: list[Any], *args: Any) -> Pending[T]:
        """Run `fn(items, *args)`; the result keeps the order of `items`."""


class LocalPool:
    """Runs the work in this process when it is submitted."""

    workers = 1

    def submit(self, fn: Callable[..., list[T]], items: list[Any], *args: Any) -> Pending[T]:
        return Done(fn(items, *args))


class _Futures(Generic[T]):
    """Futures of the parts of one list (concurrent.futures or Dask: both have `result`)."""

    def __init__(self, futures: list[Any]) -> None:
        self.futures = futures

    def result(self) -> list[T]:
        return [x for f in self.futures for x in f.result()]


class DaskPool:
    """Splits each submitted list into one part per worker of a Dask cluster."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.workers = max(1, len(client.scheduler_info()["workers"]))

    def submit(self, fn: Callable[..., list[T]], items: list[Any], *args: Any) -> Pending[T]:
        parts = _split(items, self.workers)
        # pure=False: the same chunk submitted twice (a re-run) is work to do, not a cache hit.
        return _Futures([self.client.submit(fn, part, *args, pure=False) for part in parts])


class ProcessPool:
    """Splits each submitted list over worker processes on this machine."""

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        # spawn: the workers must not inherit the store's open connection.
        self.executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, fn: Callable[..., list[T]], items: list[Any], *args: Any) -> Pending[T]:
        return _Futures([self.executor.submit(fn, part, *args) for part in _split(items, self.workers)])

    def close(self) -> None:
        self.executor.shutdown(cancel_futures=True)


def _split(items: list[Any], n: int) -> list[list[Any]]:
    size = max(1, -(-len(items) // n))
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


@contextmanager
def open_pool(workers: int = 1, scheduler: str | None = None) -> Iterator[Pool]:
    """The cluster whose Dask scheduler listens at `scheduler` (for example
    tcp://host:8786, workers on other machines); else `workers` processes on this
    machine; else this process.

    Local workers are plain processes, not a Dask LocalCluster: its scheduler runs in
    this process and, moving each chunk's documents, competed with the ordered stages for
    the interpreter lock (10,000 articles, two workers: 248 articles/s against 412).
    """
    if scheduler:
        import importlib

        distributed: Any = importlib.import_module("dask.distributed")  # untyped; loaded only when asked for
        try:
            client = distributed.Client(scheduler, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError, ValueError) as exc:
            raise PoolError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        try:
            # Without a worker every submitted chunk would wait for ever.
            client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except (OSError, TimeoutError) as exc:
            client.close()
            raise PoolError(
                f"the Dask scheduler at {scheduler} has no workers (waited {WORKER_WAIT_SECONDS} s); "
                f"start one with `dask worker {scheduler}` where kabar is installed"
            ) from exc
        try:
            yield DaskPool(client)
        finally:
            client.close()
    elif workers > 1:
        pool = ProcessPool(workers)
        try:
            yield pool
        finally:
            pool.close()
    else:
        yield LocalPool()
