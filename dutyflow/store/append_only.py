"""The append-only guards: triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on
``audit_entry`` (revision 0001 installs it) and on the Merkle tree's tables (revision 0011).
`dutyflow.store.migrate.upgrade` puts either back if it was lifted. If one ever has to change,
write a new revision with the new SQL in it.

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
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'audit_entry' "
            "AND name IN ('audit_entry_no_update', 'audit_entry_no_delete')"
        )
    ).scalar()
    return found == len(SQLITE_TRIGGERS)


# --- The Merkle tree's tables (revision 0011) ---------------------------------------------------
# Leaves, tree nodes and the copies of signed checkpoints are append-only too. A database owner can
# still lift this guard: the signed checkpoints kept outside the database are what catch that.

TREE_TABLES = ("audit_leaf", "audit_tree_node", "audit_checkpoint")
POSTGRES_TREE_FUNCTION = "dutyflow_audit_tree_append_only"


def _postgres_tree_install() -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION {POSTGRES_TREE_FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql"""
    ]
    for table in TREE_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {POSTGRES_TREE_FUNCTION}()",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {POSTGRES_TREE_FUNCTION}()",
        ]
    return statements


def _sqlite_tree_install() -> list[str]:
    statements = []
    for table in TREE_TABLES:
        for operation in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} "
                f"BEFORE {operation} ON {table} BEGIN SELECT RAISE(ABORT, "
                f"'{table} is append-only: {operation} refused'); END"
            )
    return statements


def tree_trigger_names(connection: Connection) -> list[str]:
    if _is_postgres(connection):
        return [f"{t}_{kind}" for t in TREE_TABLES for kind in ("append_only", "no_truncate")]
    return [f"{t}_{kind}" for t in TREE_TABLES for kind in ("no_update", "no_delete")]


def install_tree_guard(connection: Connection) -> None:
    """Install the guard on the tree's tables (idempotent)."""
    statements = _postgres_tree_install() if _is_postgres(connection) else _sqlite_tree_install()
    for statement in statements:
        connection.execute(text(statement))


def remove_tree_guard(connection: Connection) -> None:
    for table in TREE_TABLES:
        for name in tree_trigger_names(connection):
            if not name.startswith(f"{table}_"):
                continue
            if _is_postgres(connection):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            else:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    if _is_postgres(connection):
        connection.execute(text(f"DROP FUNCTION IF EXISTS {POSTGRES_TREE_FUNCTION}()"))


def tree_guard_installed(connection: Connection) -> bool:
    names = tree_trigger_names(connection)
    if _is_postgres(connection):
        found = connection.execute(
            text(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace "
                "AND t.tgname = ANY(:names) AND t.tgenabled <> 'D'"
            ),
            {"names": names},
        ).scalar()
    else:
        found = connection.execute(
            text(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                f"AND name IN ({', '.join(repr(n) for n in names)})"
            )
        ).scalar()
    return found == len(names)
