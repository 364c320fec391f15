"""Fault isolation: what the runner does when one document's step fails or runs too long.

Every per-document step runs under `run_steps`: an exception becomes a `QuarantineEntry`
naming the stage, the exception type and a one-line message, and the batch goes on.
A step that runs past the per-document time budget is stopped (where the process can
be interrupted: the main thread of a process, which is where the CLI and `--workers`
processes run it) and quarantined as "over the time budget".

Tracebacks reach the user only in debug mode (`kabar --debug`, or `KABAR_DEBUG=1`, which
worker processes inherit).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from kabar.model import QuarantineEntry

T = TypeVar("T")

# Seconds one document may spend in each run of its per-document steps (prepare, then
# build): a base plus an allowance per MB of input, since every step is linear in its
# input. The slowest real page of the soak corpora takes well under a second, and a
# 1 MB single-line text about 8 s in all (bench/single_line.py); this is a backstop for
# what no rule foresaw, not a tuning knob.
DOCUMENT_BUDGET_SECONDS = 30.0
DOCUMENT_BUDGET_SECONDS_PER_MB = 20.0
MESSAGE_CHARS = 200
_ENV = "KABAR_DEBUG"


def set_debug(on: bool) -> None:
    """Show tracebacks (this process and the worker processes it starts)."""
    if on:
        os.environ[_ENV] = "1"
    else:
        os.environ.pop(_ENV, None)


def debug_enabled() -> bool:
    return os.environ.get(_ENV, "") not in ("", "0")


def one_line(exc: BaseException) -> str:
    """`TypeName: first line of the message`, at most MESSAGE_CHARS long."""
    text = str(exc).strip().split("\n", 1)[0]
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 1] + "…"


def report_traceback(exc: BaseException) -> None:
    """Print the traceback to stderr in debug mode; nothing otherwise."""
    if debug_enabled():
        traceback.print_exception(exc, file=sys.stderr)


class OverBudget(Exception):
    """A document's step ran past its time budget."""


def failure(source: str, stage: str, exc: BaseException) -> QuarantineEntry:
    """The quarantine entry for a document whose `stage` raised `exc`."""
    report_traceback(exc)
    if isinstance(exc, OverBudget):
        return QuarantineEntry(source, "over the time budget", f"{stage}: {exc}")
    return QuarantineEntry(source, f"failed in {stage}", one_line(exc))


class Steps:
    """The stage a document is in, so that a failure names it: `steps("meta", f, x)`
    records the stage, then calls `f(x)`."""

    __slots__ = ("stage",)

    def __init__(self, first: str) -> None:
        self.stage = first

    def __call__(self, stage: str, fn: Callable[..., T], *args: object) -> T:
        self.stage = stage
        return fn(*args)


def document_budget(chars: int) -> float:
    """The time budget of a document of `chars` characters."""
    return DOCUMENT_BUDGET_SECONDS + DOCUMENT_BUDGET_SECONDS_PER_MB * chars / 1_000_000


def run_steps(source: str, first: str, body: Callable[[Steps], T], seconds: float) -> T | QuarantineEntry:
    """Run one document's steps within the time budget; whichever step fails or runs over
    becomes the document's quarantine entry, never the batch's."""
    steps = Steps(first)
    try:
        with budget(seconds):
            return body(steps)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # whatever a document trips, the batch goes on
        return failure(source, steps.stage, exc)


def _can_interrupt() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Raise `OverBudget` in the block once it has run `seconds`.

    A real timer (SIGALRM) where the process allows it; elsewhere (a thread of a web
    server or a Dask worker) the block runs to its end and is then checked, so an
    over-long document is still quarantined, only later.
    """
    start = time.monotonic()
    if not _can_interrupt() or seconds <= 0:
        yield
        if seconds > 0 and time.monotonic() - start > seconds:
            raise OverBudget(f"took {time.monotonic() - start:.1f} s > {seconds:g} s")
        return

    def alarm(signum: int, frame: object) -> None:
        raise OverBudget(f"stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
