"""Reference files that every step reads (policy versions, holiday calendars, form layouts), parsed
once and kept while the file is unchanged. Parsing the YAML and validating it cost more than most
steps' database work (a policy version alone, ~190 ms of CPU on the benchmark's machine, read by
most activities). What is kept is keyed by the file's path, size and modification time, so an
edited file is read again; nothing else lives here."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class ParsedFiles(Generic[T]):
    """``parse(path)``'s answers, one per file as it stands. A file that cannot be read or
    parsed keeps nothing: ``parse`` raises, naming the file, every time it is asked."""

    def __init__(self, parse: Callable[[Path], T]) -> None:
        self._parse = parse
        self._kept: dict[Path, tuple[tuple[int, int], T]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> T:
        try:
            stat = path.stat()
        except OSError:
            return self._parse(path)  # the parser says what is wrong with the file
        # Taken before parsing: a file changed meanwhile is parsed again when next asked.
        version = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            kept = self._kept.get(path)
        if kept is not None and kept[0] == version:
            return kept[1]
        parsed = self._parse(path)
        with self._lock:
            self._kept[path] = (version, parsed)
        return parsed
