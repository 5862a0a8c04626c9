"""What an attacker with database-owner rights can do: lift the append-only guard and edit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from dutyflow.store.db import create_schema, is_postgres


@contextmanager
def guard_lifted(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        if is_postgres(engine):
            connection.exec_driver_sql(
                "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"
            )
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_entry_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_entry_no_delete")
        yield connection
        if is_postgres(engine):
            connection.exec_driver_sql(
                "ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"
            )
    create_schema(engine)
