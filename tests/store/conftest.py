"""What the store's tests share: a SQLite case database of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from dutyflow.store.db import create_schema, make_engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    """A fresh SQLite case database with the schema (its writers take turns in the process)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'cases.db'}")
    create_schema(engine)
    return engine
