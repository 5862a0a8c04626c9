"""The order in which the test sessions are handed the test modules.

pytest-xdist hands whole modules (``--dist loadfile``) to the three sessions in the collection's
order (``--no-loadscope-reorder``: its default would sort the modules by how many tests they hold,
which puts every one-test module, the browser walks among them, at the very end of the run, where
they ran three at a time, alone, for minutes). A module marked ``takes_minutes`` is handed out
spread over the first part of the run instead, one among the others at even intervals, so that
each runs beside the many short modules and none is left running at the end."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, TypeVar

Module = TypeVar("Module")

# The share of the run within which the long modules are all handed out.
LONG_MODULES_WITHIN = 0.6


def spread(modules: Sequence[Module], long: Collection[Module]) -> list[Module]:
    """``modules`` in their order, with those in ``long`` taken out and put back one at each of
    evenly spaced places over the first `LONG_MODULES_WITHIN` of the others, the first at the
    start."""
    long_ones = [m for m in modules if m in long]
    others = [m for m in modules if m not in long]
    step = LONG_MODULES_WITHIN * len(others) / max(len(long_ones), 1)
    waiting = [(round(i * step), module) for i, module in enumerate(long_ones)]
    ordered: list[Module] = []
    for index, module in enumerate(others):
        while waiting and waiting[0][0] <= index:
            ordered.append(waiting.pop(0)[1])
        ordered.append(module)
    return ordered + [module for _, module in waiting]


def in_module_order(items: list[Any]) -> list[Any]:
    """pytest's ``items``, their modules `spread`, each module's tests kept together and in
    order."""
    by_module: dict[str, list[Any]] = {}
    for item in items:
        by_module.setdefault(item.nodeid.split("::")[0], []).append(item)
    long = {
        module
        for module, tests in by_module.items()
        if any(test.get_closest_marker("takes_minutes") is not None for test in tests)
    }
    return [item for module in spread(list(by_module), long) for item in by_module[module]]
