"""The cost checks of the robustness tests, on steps whose growth is known."""

from __future__ import annotations

import time

import pytest

from costs import FACTOR, assert_linear, growth, linear, within_budget
from kabar import guard


def _pairs(size: int) -> int:
    return sum(1 for i in range(size) for j in range(size) if i < j)


def _scan(size: int) -> int:
    return sum(1 for _ in range(size * 400))


def test_a_quadratic_step_is_caught() -> None:
    with pytest.raises(AssertionError, match="size 500"):
        assert_linear(_pairs, 500)


def test_a_linear_step_passes() -> None:
    assert_linear(_scan, 700)
    small, large = growth(_scan, 700)
    assert small < large  # it measured both sizes


def test_the_rule_itself() -> None:
    assert linear(0.1, FACTOR * 0.1)
    assert linear(0.0, 0.04)  # timer noise on steps too quick to measure
    assert not linear(0.1, FACTOR * FACTOR * 0.1)


def test_within_budget_stops_a_step_past_kabars_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "DOCUMENT_BUDGET_SECONDS", 0.2)
    assert within_budget(lambda: 7, 10) == 7
    with pytest.raises(guard.OverBudget):
        within_budget(lambda: time.sleep(5), 10)
