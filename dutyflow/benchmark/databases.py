"""An empty database of the benchmark's own, so a run never touches the data of another."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from dutyflow.store.db import make_engine


@contextlib.contextmanager
def empty_database(url: str) -> Iterator[str]:
    """A PostgreSQL schema of its own (dropped afterwards) or the given SQLite file (removed)."""
    if make_url(url).get_backend_name() == "sqlite":
        path = Path(make_url(url).database or "")
        path.unlink(missing_ok=True)
        try:
            yield url
        finally:
            for leftover in path.parent.glob(path.name + "*"):
                leftover.unlink(missing_ok=True)
        return
    schema = f"dutyflow_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
