"""Schema migrations of the Dutyflow database (Alembic, configured here in code: no alembic.ini).

`upgrade` runs under the schema lock (a PostgreSQL advisory lock; SQLite's ``BEGIN IMMEDIATE``),
in one transaction, so several processes starting at once migrate the database once. Alembic's
``alembic_version`` table lands where the connection's ``search_path`` points (the first schema),
like every Dutyflow table: nothing here names a schema.

Only Dutyflow's tables are migrated: ``SQLModel.metadata`` also holds the agency intake service's
``intake_*`` tables, which live in another database (`include_object` leaves them out).

A database created before migrations existed (by the old ``create_all``) is adopted: if it has
every table of revision 0001 and no version table, it is stamped 0001 and upgraded from there.

To write a new revision after changing the models::

    uv run python -c "from dutyflow.store.db import make_engine; \\
        from dutyflow.store.migrate import autogenerate_revision as r; \\
        r(make_engine('sqlite:////tmp/x.db'), 'what changed', '0002')"

(against a database at head), then review the file in ``migrations/versions/`` by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from dutyflow.store import append_only

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
INITIAL_REVISION = "0001"
_SCHEMA_LOCK = 0x6475747967  # the same key create_schema always used


class MigrationError(RuntimeError):
    """The database cannot be migrated as it stands (e.g. a partial schema without a version)."""


def alembic_config(connection: Connection | None = None, sealer: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    config.attributes["sealer"] = sealer  # revision 0006 seals (and downgrading opens) content
    return config


def _sealer(engine: Engine) -> Any:
    from dutyflow.crypto.sealing import bound_sealer

    return bound_sealer(engine)


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    heads = script_directory().get_heads()
    if len(heads) != 1:
        raise MigrationError(f"the migrations have {len(heads)} heads: {', '.join(heads)}")
    return heads[0]


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the schema lock until it ends."""
    with engine.begin() as connection:  # SQLite: BEGIN IMMEDIATE (see make_engine)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})")
        yield connection


def _current(connection: Connection) -> str | None:
    heads = MigrationContext.configure(connection).get_current_heads()
    if len(heads) > 1:
        raise MigrationError(f"the database is at several revisions: {', '.join(heads)}")
    return heads[0] if heads else None


def _adopt_unversioned(connection: Connection) -> None:
    """Stamp a pre-migration database that has the initial schema; refuse a partial one."""
    if _current(connection) is not None:
        return
    initial = script_directory().get_revision(INITIAL_REVISION)
    assert initial is not None
    expected: tuple[str, ...] = initial.module.TABLES
    present = set(inspect(connection).get_table_names())
    found = [t for t in expected if t in present]
    if not found:
        return  # an empty database: revision 0001 creates everything
    missing = [t for t in expected if t not in present]
    if missing:
        raise MigrationError(
            "the database has Dutyflow tables but no migration version, and lacks "
            f"{', '.join(missing)}: it predates migrations and is incomplete; move it aside "
            "or add the missing tables, then run `dutyflow db upgrade` again"
        )
    command.stamp(alembic_config(connection), INITIAL_REVISION)


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the database up to ``revision``, under the schema lock; put back the append-only
    guards on ``audit_entry`` and the Merkle tree's tables if they were lifted. Returns (revision
    before, revision after)."""
    with _locked(engine) as connection:
        before = _current(connection)
        _adopt_unversioned(connection)
        command.upgrade(alembic_config(connection, _sealer(engine)), revision)
        if inspect(connection).has_table("audit_entry") and not append_only.installed(connection):
            append_only.install(connection)
        if inspect(connection).has_table("audit_leaf") and not append_only.tree_guard_installed(
            connection
        ):
            append_only.install_tree_guard(connection)
        return before, _current(connection)


def downgrade(engine: Engine, revision: str) -> tuple[str | None, str | None]:
    """Migrate down to ``revision`` (``base``: drop everything). Destroys data. Returns (before,
    after)."""
    with _locked(engine) as connection:
        before = _current(connection)
        command.downgrade(alembic_config(connection, _sealer(engine)), revision)
        return before, _current(connection)


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None for a database never migrated (empty, or pre-migration)."""
    with engine.connect() as connection:
        return _current(connection)


def pending(engine: Engine) -> bool:
    """Whether the database is behind the newest revision (True for an empty database)."""
    return current_revision(engine) != head()


def autogenerate_revision(engine: Engine, message: str, rev_id: str) -> None:
    """Write a new revision file from the difference between the models and the database of
    ``engine`` (which should be at head). For developers; review the file before committing it."""
    with _locked(engine) as connection:
        command.revision(
            alembic_config(connection), message=message, autogenerate=True, rev_id=rev_id
        )
