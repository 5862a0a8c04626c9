"""The append-only guard on ``audit_entry``: triggers that refuse UPDATE and DELETE (and TRUNCATE
on PostgreSQL). Revision 0001 installs it; `dutyflow.store.migrate.upgrade` puts it back if it
was lifted. If it ever has to change, write a new revision with the new SQL in it.

The statements are run with ``connection.execute(text(...))`` (or ``op.execute``), so they are
written with a single ``%``: SQLAlchemy doubles it for drivers whose paramstyle needs ``%%``
(psycopg), and the driver turns it back into the ``%`` that PL/pgSQL's RAISE expects.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

POSTGRES_FUNCTION = "dutyflow_audit_append_only"
POSTGRES_TRIGGERS = ("audit_entry_append_only", "audit_entry_no_truncate")
SQLITE_TRIGGERS = ("audit_entry_no_update", "audit_entry_no_delete")

_POSTGRES_INSTALL = (
    f"""CREATE OR REPLACE FUNCTION {POSTGRES_FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
    (
        "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
        f"FOR EACH ROW EXECUTE FUNCTION {POSTGRES_FUNCTION}()"
    ),
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
    (
        "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {POSTGRES_FUNCTION}()"
    ),
)

_POSTGRES_REMOVE = (
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
    f"DROP FUNCTION IF EXISTS {POSTGRES_FUNCTION}()",
)

_SQLITE_INSTALL = (
    (
        "CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: UPDATE refused'); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: DELETE refused'); END"
    ),
)

_SQLITE_REMOVE = (
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
)


def _is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def install(connection: Connection) -> None:
    """Install the guard (idempotent)."""
    for statement in _POSTGRES_INSTALL if _is_postgres(connection) else _SQLITE_INSTALL:
        connection.execute(text(statement))


def remove(connection: Connection) -> None:
    for statement in _POSTGRES_REMOVE if _is_postgres(connection) else _SQLITE_REMOVE:
        connection.execute(text(statement))


def installed(connection: Connection) -> bool:
    """Whether every trigger of the guard exists on ``audit_entry`` (in the current schema)."""
    if _is_postgres(connection):
        found = connection.execute(
            text(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('audit_entry') "
                "AND tgname IN ('audit_entry_append_only', 'audit_entry_no_truncate') "
                "AND tgenabled <> 'D'"
            )
        ).scalar()
        return found == len(POSTGRES_TRIGGERS)
    found = connection.execute(
        text(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entry' "
            "AND name IN ('audit_entry_no_update', 'audit_entry_no_delete')"
        )
    ).scalar()
    return found == len(SQLITE_TRIGGERS)
