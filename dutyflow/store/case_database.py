"""The engine on the case database, its case content sealed with the process's keyring: what
every part of Dutyflow that reads or writes cases opens."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dutyflow.crypto.keys import case_keyring
from dutyflow.crypto.sealing import bind_keyring
from dutyflow.settings import Settings
from dutyflow.store.db import make_engine


def case_database(settings: Settings, url: str | None = None) -> Engine:
    """An engine on the case database (default: the settings' one), its case content sealed
    with the process's keyring."""
    return bind_keyring(make_engine(url or settings.resolved_database_url), case_keyring(settings))
