"""``dutyflow db``: the database's schema migrations.

    dutyflow db upgrade [REVISION]        migrate up to REVISION (default: head)
    dutyflow db current                   the database's revision, and whether it is behind
    dutyflow db downgrade REVISION --yes  migrate down (``base``: drop every table; destroys data)

The database is ``DUTYFLOW_DATABASE_URL`` (default: ``dutyflow.db`` in the data directory).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sqlalchemy.engine import Engine

from dutyflow.cli import process


def add_db_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = subparsers.add_parser("db", help="the database schema (migrations)").add_subparsers(
        dest="db_command", required=True, metavar="DB_COMMAND"
    )
    upgrade = db.add_parser("upgrade", help="migrate the database up to the newest revision")
    upgrade.add_argument(
        "revision",
        nargs="?",
        default="head",
        metavar="REVISION",
        help="revision to migrate to (default: head)",
    )
    upgrade.set_defaults(run=cmd_db_upgrade)
    db.add_parser("current", help="the database's revision").set_defaults(run=cmd_db_current)
    downgrade = db.add_parser("downgrade", help="migrate down to REVISION (destroys data)")
    downgrade.add_argument(
        "revision", metavar="REVISION", help="revision to go back to; base: none"
    )
    downgrade.add_argument(
        "--yes",
        action="store_true",
        help="confirm: the tables of the revisions undone are dropped with their data",
    )
    downgrade.set_defaults(run=cmd_db_downgrade)


def _name(revision: str | None) -> str:
    return revision or "none (empty)"


def _with_engine(command: str, action: Callable[[Engine], int]) -> None:
    from dutyflow.store.case_database import case_database

    engine: Engine | None = None
    try:
        # Sealing bound: revision 0006 seals existing case content (and downgrading opens it).
        engine = case_database(process.load_settings())
        status = action(engine)
    except Exception as err:
        print(f"dutyflow db {command}: {err}", file=sys.stderr)
        status = 1
    finally:
        if engine is not None:
            engine.dispose()
    process.exit_now(status)


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    from dutyflow.store.migrate import upgrade

    def run(engine: Engine) -> int:
        before, after = upgrade(engine, args.revision)
        if before == after:
            print(f"Database {_where(engine)} already at revision {_name(after)}: nothing to do.")
        else:
            print(
                f"Database {_where(engine)} upgraded from revision {_name(before)} "
                f"to {_name(after)}."
            )
        return 0

    _with_engine("upgrade", run)


def cmd_db_current(_args: argparse.Namespace) -> None:
    from dutyflow.store.migrate import current_revision, head

    def run(engine: Engine) -> int:
        current, newest = current_revision(engine), head()
        state = "up to date" if current == newest else f"behind: newest is {newest}"
        print(f"Database {_where(engine)} at revision {_name(current)} ({state}).")
        return 0

    _with_engine("current", run)


def cmd_db_downgrade(args: argparse.Namespace) -> None:
    from dutyflow.store.migrate import downgrade

    if not args.yes:
        print(
            f"dutyflow db downgrade: going back to {args.revision} drops tables and their data "
            "(the audit log among them, for base); run again with --yes to do it",
            file=sys.stderr,
        )
        process.exit_now(2)
        return

    def run(engine: Engine) -> int:
        before, after = downgrade(engine, args.revision)
        if before == after:
            print(f"Database {_where(engine)} already at revision {_name(after)}: nothing to do.")
        else:
            print(
                f"Database {_where(engine)} downgraded from revision {_name(before)} "
                f"to {_name(after)}."
            )
        return 0

    _with_engine("downgrade", run)
