"""Named sections of a step's work (sealing case content, rendering a report), timed for whoever
listens: the benchmark's profile (`dutyflow.benchmark.profile`) adds each to the activity attempt
it ran in. Nothing listens in a deployed worker, so a section there costs one check of an empty
list. A listener is told the section's name and its seconds, never what it worked on.

    with timed_section("rendering"):
        rendered = render_report(...)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SEALING = "sealing"  # case content encrypted for, or opened from, the database
RENDERING = "rendering"  # a report, phone script or PDF made from its template

Listener = Callable[[str, float], None]

_listeners: list[Listener] = []


def listen(listener: Listener) -> Callable[[], None]:
    """Tell ``listener`` of every section from now on; answers the call that stops it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


@contextmanager
def timed_section(name: str) -> Iterator[None]:
    if not _listeners:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        for listener in list(_listeners):
            listener(name, seconds)
