"""How the robustness tests check cost without a speed target (speed targets live in
bench/): a step must stay linear in its input, and must finish inside the per-document
time budget that kabar itself enforces (past it, a document is quarantined).

`assert_linear` compares the step on an input and on one FACTOR times longer. A
linear step costs about FACTOR times more, a quadratic one FACTOR² times more; the
check allows SLACK times FACTOR, plus NOISE_SECONDS for the timer and the machine; it
takes the fastest of three small runs and repeats the large one before it fails. Both runs
are on the same machine at the same moment, so a slow CI machine slows both alike."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from kabar import guard

T = TypeVar("T")

FACTOR = 8
# A linear step measures about 8x (4x measured 4.0-4.7x on a quiet machine, and past 8x
# once with other processes on both cores); a quadratic one about 64x (tests/test_costs.py).
SLACK = 2.5
NOISE_SECONDS = 0.05
TRIES = 5
SMALL_TRIES = 3


def within_budget(run: Callable[[], T], chars: int) -> T:
    """`run()`, failing with guard.OverBudget if it takes longer than kabar allows a
    document of `chars` characters."""
    with guard.budget(guard.document_budget(max(chars, 0))):
        return run()


def _seconds(run: Callable[[int], object], size: int) -> float:
    start = time.perf_counter()
    run(size)
    return time.perf_counter() - start


def growth(run: Callable[[int], object], n: int) -> tuple[float, float]:
    """The fastest of SMALL_TRIES timings of `run(n)`, and the fastest of up to TRIES of
    `run(FACTOR * n)`, stopping as soon as the pair looks linear. (The small run is always
    timed SMALL_TRIES times: one slow small run would make a quadratic step look linear.)"""
    small = min(_seconds(run, n) for _ in range(SMALL_TRIES))
    large = float("inf")
    for _ in range(TRIES):
        large = min(large, _seconds(run, FACTOR * n))
        if linear(small, large):
            break
    return small, large


def linear(small: float, large: float) -> bool:
    return large <= SLACK * FACTOR * small + NOISE_SECONDS


def assert_linear(run: Callable[[int], object], n: int) -> None:
    """`run(size)` works on an input of `size` units; its cost must grow linearly."""
    small, large = growth(run, n)
    assert linear(small, large), f"size {n}: {small:.3f} s; size {FACTOR * n}: {large:.3f} s"
