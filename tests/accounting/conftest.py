"""Fixtures of the accounting tests: the shared database with the accounting's own tables."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from dutyflow.store.accounting import accounting_tables
from dutyflow.store.db import SessionFactory
from tests.accounting.scripted import Disclosures


@pytest.fixture(scope="session")
def accounting_sessions(engine: Engine, sessions: SessionFactory) -> SessionFactory:
    """The shared database, with the accounting's own tables added."""
    SQLModel.metadata.create_all(engine, tables=accounting_tables())
    return sessions


@pytest.fixture
def disclosures(accounting_sessions: SessionFactory) -> Disclosures:
    return Disclosures(accounting_sessions)
