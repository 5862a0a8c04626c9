"""Reading a live SQLite database's files as bytes, for leak scans.

Never with ``open()`` in the test process: closing any file descriptor of a database file drops
every POSIX lock the process's SQLite connections hold on it (a documented SQLite pitfall), and the
session's connections then fail with "disk I/O error". Another process reads them instead."""

from __future__ import annotations

import glob
import subprocess


def database_files(database_url: str) -> dict[str, bytes]:
    """The database file, its WAL and shared memory, as bytes (read by ``cat``)."""
    found = {}
    for path in sorted(glob.glob(database_url.removeprefix("sqlite:///") + "*")):
        found[path] = subprocess.run(["cat", path], capture_output=True, check=True).stdout
    return found
