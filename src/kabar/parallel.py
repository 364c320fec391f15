"""Where the per-article work runs: in this process, or across a Dask cluster.

The pipeline's order-free work (parsing, cleaning, extraction, search terms, copy
signatures, story features with the title embedding) is a plain function over a list of
items. A pool runs such a function over one chunk: `LocalPool` here and at once,
`DaskPool` split over the workers of a Dask cluster (local processes, or a scheduler
whose workers run on other machines) while the pipeline goes on with the previous
chunk's ordered work: line evidence, copies, stories and the store stay in one process,
so what is stored does not depend on the pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


class Pending(Protocol[T]):
    def result(self) -> list[T]: ...


class _Done(Generic[T]):
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
        return _Done(fn(items, *args))


class _Gathered(Generic[T]):
    def __init__(self, client: Any, futures: list[Any]) -> None:
        self.client = client
        self.futures = futures

    def result(self) -> list[T]:
        return [x for part in self.client.gather(self.futures) for x in part]


class DaskPool:
    """Splits each submitted list into one part per worker of a Dask cluster."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.workers = max(1, len(client.scheduler_info()["workers"]))

    def submit(self, fn: Callable[..., list[T]], items: list[Any], *args: Any) -> Pending[T]:
        size = max(1, -(-len(items) // self.workers))
        parts = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
        # pure=False: the same chunk submitted twice (a re-run) is work to do, not a cache hit.
        return _Gathered(self.client, [self.client.submit(fn, part, *args, pure=False) for part in parts])


@contextmanager
def open_pool(workers: int = 1, scheduler: str | None = None) -> Iterator[Pool]:
    """A local pool for one worker; else a Dask cluster of `workers` local processes, or
    the cluster whose scheduler listens at `scheduler` (for example tcp://host:8786)."""
    if scheduler is None and workers <= 1:
        yield LocalPool()
        return
    import importlib

    distributed: Any = importlib.import_module("dask.distributed")  # untyped; loaded only when asked for
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.ERROR,
        )  # fmt: skip
        client = Client(cluster)
    try:
        yield DaskPool(client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
