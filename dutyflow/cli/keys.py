"""``dutyflow keys``: the key hierarchy, for administrators (never prints key material).

    dutyflow keys status                       master keys configured, and the case keys each wraps
    dutyflow keys rotate                       re-wrap every case key under the newest master key
    dutyflow keys shred --case ID --reason TEXT [--before-retention-end]
                                               destroy a closed case's key (crypto-shredding)
    dutyflow keys shred-expired --reason TEXT [--dry-run]
                                               destroy the keys of every case past its retention

Rotation: put the new master key first in ``DUTYFLOW_MASTER_KEYS`` (keep the old one after it),
restart the processes, run ``dutyflow keys rotate``; when ``status`` shows the old key wraps
nothing, remove it. Shredding is audited (``case-key-destroyed``) and cannot be undone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from dutyflow.cli import process

if TYPE_CHECKING:
    from dutyflow.crypto.keyring import CaseKeyring
    from dutyflow.settings import Settings
    from dutyflow.store.db import SessionFactory


def add_keys_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    keys = subparsers.add_parser(
        "keys",
        help="master keys, case keys, rotation and crypto-shredding",
        description="The key hierarchy: master keys wrap one data key per case.",
    ).add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    keys.add_parser("status", help="master keys and the case keys each wraps").set_defaults(
        run=cmd_keys_status
    )
    keys.add_parser(
        "rotate", help="re-wrap every case key under the newest master key"
    ).set_defaults(run=cmd_keys_rotate)
    shred = keys.add_parser(
        "shred", help="destroy a closed case's key: its content becomes unreadable"
    )
    shred.add_argument("--case", dest="case_id", metavar="ID", required=True, help="the case id")
    shred.add_argument("--reason", required=True, help="why (kept in the audit log)")
    shred.add_argument(
        "--before-retention-end",
        action="store_true",
        help="allow it before the retention period has run (e.g. a court-ordered erasure)",
    )
    shred.set_defaults(run=cmd_keys_shred)
    expired = keys.add_parser(
        "shred-expired", help="destroy the keys of every closed case past retention"
    )
    expired.add_argument("--reason", default="retention period ended", help="kept in the audit log")
    expired.add_argument("--dry-run", action="store_true", help="list them only")
    expired.set_defaults(run=cmd_keys_shred_expired)


def _run(action: Callable[[Settings, CaseKeyring, SessionFactory], int]) -> None:
    from dutyflow.crypto.keys import case_keyring
    from dutyflow.store.case_database import case_database
    from dutyflow.store.db import create_schema, session_factory

    status = 1
    try:
        settings = process.load_settings()
        engine = case_database(settings)
        try:
            create_schema(engine)
            status = action(settings, case_keyring(settings), session_factory(engine))
        finally:
            engine.dispose()
    except Exception as err:
        print(f"dutyflow keys: {err}", file=sys.stderr)
    process.exit_now(status)


def cmd_keys_status(_args: argparse.Namespace) -> None:
    def run(settings: Settings, keyring: CaseKeyring, _sessions: SessionFactory) -> int:
        counts = keyring.count_by_master_key()
        print(f"Key store: {keyring.engine.url.render_as_string(hide_password=True)}")
        for position, master_id in enumerate(keyring.master.ids):
            role = "wraps new case keys" if position == 0 else "unwraps only"
            print(f"  master key {master_id}  {role:<20}  {counts.pop(master_id, 0)} case keys")
        for master_id, count in sorted(counts.items()):
            print(
                f"  master key {master_id}  NOT CONFIGURED         {count} case keys (unreadable!)"
            )
        return 0

    _run(run)


def cmd_keys_rotate(_args: argparse.Namespace) -> None:
    def run(_settings: Settings, keyring: CaseKeyring, _sessions: SessionFactory) -> int:
        changed = keyring.rewrap_all()
        print(f"Re-wrapped {changed} case keys under master key {keyring.master.newest_id}.")
        older = [m for m in keyring.master.ids[1:]]
        if older:
            print(
                f"The older master keys ({', '.join(older)}) now wrap nothing and can be retired."
            )
        return 0

    _run(run)


def cmd_keys_shred(args: argparse.Namespace) -> None:
    from dutyflow.store.shredding import ShredRefused, shred_case

    def run(settings: Settings, keyring: CaseKeyring, sessions: SessionFactory) -> int:
        try:
            state = shred_case(
                sessions,
                keyring,
                args.case_id,
                actor=process.cli_actor(),
                reason=args.reason,
                retention_days=settings.record_retention_days,
                before_retention_end=args.before_retention_end,
            )
        except ShredRefused as refused:
            option = {"case_id": "--case", "reason": "--reason"}.get(refused.field, refused.field)
            print(f"dutyflow keys shred: {option}: {refused.problem}", file=sys.stderr)
            return 2
        assert state.shredded_at is not None
        print(
            f"Destroyed the key of {args.case_id} at {state.shredded_at.isoformat()}: its Temporal "
            "history and stored content are now unreadable."
        )
        return 0

    _run(run)


def cmd_keys_shred_expired(args: argparse.Namespace) -> None:
    from dutyflow.store.shredding import cases_past_retention, shred_case

    def run(settings: Settings, keyring: CaseKeyring, sessions: SessionFactory) -> int:
        due = cases_past_retention(sessions, keyring, settings.record_retention_days)
        if not due:
            print("No closed case is past its retention.")
            return 0
        for case in due:
            if args.dry_run:
                print(
                    f"{case.case_id}  closed {case.closed_at.date()}  "
                    f"retained until {case.retained_until.date()}"
                )
                continue
            shred_case(
                sessions,
                keyring,
                case.case_id,
                actor=process.cli_actor(),
                reason=args.reason,
                retention_days=settings.record_retention_days,
            )
            print(f"Destroyed the key of {case.case_id} (closed {case.closed_at.date()}).")
        return 0

    _run(run)
