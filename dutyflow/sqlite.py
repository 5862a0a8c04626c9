"""SQLite files shared by several processes: every Dutyflow database on SQLite (the case
database, the key store, the intake service's) is put in WAL mode the same way."""

from __future__ import annotations

import sqlite3
import time


def use_wal(cursor: sqlite3.Cursor, wait_seconds: float = 30) -> None:
    """Put the database file in WAL mode (it stays so). The switch needs the file to itself and
    SQLite refuses it at once, without its busy handler, while another connection holds it: on a
    new file opened by several processes at once (``dutyflow up``), it is tried again until one
    of them has made it."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # an in-memory database stays "memory"
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            return  # another connection made the switch
        time.sleep(0.05)
