"""``dutyflow audit verify``: check the whole audit log; a non-zero exit if it was tampered with."""

from __future__ import annotations

import argparse
import sys

from dutyflow.cli import process


def add_audit_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    audit = subparsers.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True, metavar="AUDIT_COMMAND"
    )
    audit.add_parser("verify", help="check the whole hash chain").set_defaults(run=cmd_audit_verify)


def cmd_audit_verify(_args: argparse.Namespace) -> None:
    from sqlalchemy import inspect

    from dutyflow.store import audit_log
    from dutyflow.store.db import make_engine

    settings = process.load_settings()
    engine = make_engine(settings.resolved_database_url)  # the audit log holds no content: no keys
    if not inspect(engine).has_table("audit_entry"):  # read-only: never create an empty log
        print("dutyflow audit verify: this database has no audit log", file=sys.stderr)
        process.exit_now(2)
    engine.dispose()
    result = audit_log.verify_parallel(settings.resolved_database_url)
    if result.intact:
        print(f"Audit chain intact: {result.checked} entries checked.")
        process.exit_now(0)
    print(
        f"Audit chain BROKEN at entry {result.first_broken_seq}: {result.problem} "
        f"({result.checked} entries before it verified)."
    )
    process.exit_now(1)
