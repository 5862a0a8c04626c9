"""The long test modules are handed to the test sessions spread over the first part of the run,
never all at its end (tests/run_order.py)."""

from __future__ import annotations

from itertools import pairwise

from tests.run_order import LONG_MODULES_WITHIN, spread


def test_the_long_modules_start_the_run_and_are_spread_over_its_first_part() -> None:
    short = [f"short-{n:02}" for n in range(40)]
    long = ["walk-a", "walk-b", "walk-c", "walk-d"]

    ordered = spread(long + short, long)

    places = [ordered.index(module) for module in long]
    assert sorted(ordered) == sorted(long + short)
    assert places[0] == 0
    assert places == sorted(places)
    assert max(places) <= LONG_MODULES_WITHIN * len(ordered)
    gaps = [b - a for a, b in pairwise(places)]
    assert min(gaps) >= 5  # never two long modules side by side
    assert [m for m in ordered if m in short] == short  # the others keep their order


def test_without_long_modules_the_order_is_kept() -> None:
    assert spread(["b", "a", "c"], []) == ["b", "a", "c"]
