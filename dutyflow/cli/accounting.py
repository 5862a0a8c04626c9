"""``dutyflow accounting``: a client's accounting of disclosures (45 CFR 164.528), and suspensions.

    dutyflow accounting --client ID [--view client|compliance] [--format text|csv|json|html]
                        [--as-of YYYY-MM-DD] [--output FILE]
    dutyflow accounting show --client ID ...        (the same)
    dutyflow accounting suspend --client ID --agency AGENCY_ID --official NAME
                        --form written|oral --until DATE [--starts DATE] --statement TEXT
                        [--recorded-by ID]

``--until`` is the day the client's accounting shows the agency's entries again: a date means
00:00 UTC that day (an ISO date-time with an offset is taken as given). Errors name the option
and exit 2. Wire in with ``add_accounting_commands(commands)`` from ``dutyflow.cli.build_parser``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

from dutyflow.cli import process

VIEWS = ("client", "compliance")
FORMATS = ("text", "csv", "json", "html")
RECORDER_ROLE = "compliance"

# Suspension fields as the options that set them, so refusals name what the user typed.
_OPTION_FOR_FIELD = {
    "client_id": "--client",
    "agency_id": "--agency",
    "agency_or_official": "--official",
    "form": "--form",
    "statement_summary": "--statement",
    "starts_at": "--starts",
    "ends_at": "--until",
}


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date, YYYY-MM-DD") from None


def _moment(text: str) -> datetime:
    """A date (00:00 UTC that day) or an ISO date-time with a time zone."""
    if "T" not in text and " " not in text.strip():
        return datetime.combine(_date(text), time.min, tzinfo=UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected a date YYYY-MM-DD or a date-time like 2026-11-24T14:30:00-08:00"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            "a date-time needs a time zone, e.g. 2026-11-24T14:30:00-08:00"
        )
    return value


def _add_show_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # On `show`, defaults are suppressed so that `accounting --client X show` keeps X.
    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument(
        "--client", metavar="ID", default=default(None), help="the client's id (required)"
    )
    parser.add_argument(
        "--view",
        choices=VIEWS,
        default=default("client"),
        help="client (default): what the client may see; compliance: everything, "
        "suspended entries flagged",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=default("text"),
        help="text (default), csv, json or a printable html page",
    )
    parser.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        default=default(None),
        help="the accounting as of the end of this day (UTC); default now",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        default=default(None),
        help="write to FILE (created readable by its owner only) instead of stdout",
    )


def add_accounting_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``accounting`` (``show`` is the default) and ``accounting suspend``."""
    accounting = subparsers.add_parser(
        "accounting",
        help="a client's accounting of disclosures (45 CFR 164.528)",
        description="A client's accounting of disclosures: six years, suspensions applied. "
        "ACTION is show (the default) or suspend.",
    )
    _add_show_options(accounting, suppress=False)
    accounting.set_defaults(run=cmd_accounting_show)
    actions = accounting.add_subparsers(dest="accounting_command", metavar="ACTION")
    show = actions.add_parser("show", help="print the accounting (the default)")
    _add_show_options(show, suppress=True)
    show.set_defaults(run=cmd_accounting_show)

    suspend = actions.add_parser(
        "suspend",
        help="record an agency's suspension of the client's accounting (164.528(a)(2))",
        description="Record a law-enforcement or health oversight agency's statement suspending "
        "the client's accounting of disclosures to it: written for its stated period, oral for "
        "at most 30 days.",
    )
    suspend.add_argument("--client", metavar="ID", required=True, help="the client's id")
    suspend.add_argument(
        "--agency",
        metavar="AGENCY_ID",
        required=True,
        help="the agency whose disclosures are suspended (its directory id)",
    )
    suspend.add_argument(
        "--official",
        metavar="NAME",
        required=True,
        help="the agency or official who made the statement",
    )
    suspend.add_argument(
        "--form",
        choices=("written", "oral"),
        required=True,
        help="written (for the period it states) or oral (at most 30 days)",
    )
    suspend.add_argument(
        "--until",
        type=_moment,
        metavar="DATE",
        required=True,
        help="when the suspension ends: YYYY-MM-DD (00:00 UTC) or an ISO date-time",
    )
    suspend.add_argument(
        "--starts",
        type=_moment,
        metavar="DATE",
        default=None,
        help="when the statement was made; default now",
    )
    suspend.add_argument(
        "--statement",
        metavar="TEXT",
        required=True,
        help="a short summary of the statement (no case content)",
    )
    suspend.add_argument(
        "--recorded-by",
        metavar="ID",
        default=None,
        help="your id, for the audit log; default cli:<login name>",
    )
    suspend.set_defaults(run=cmd_accounting_suspend)


def _fail(message: str) -> None:

    print(f"dutyflow accounting: {message}", file=sys.stderr)
    process.exit_now(2)


def _write_private(path: Path, content: str) -> None:
    """The accounting is health information: the file is created readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write(content)


def cmd_accounting_show(args: argparse.Namespace) -> None:
    from sqlalchemy import inspect

    from dutyflow.domain.accounting import accounting_view, end_of_day, render
    from dutyflow.domain.validation import OPAQUE_ID_PATTERN
    from dutyflow.store.accounting import entries_for_client, suspensions_for_client
    from dutyflow.store.case_database import case_database
    from dutyflow.store.db import session_factory

    if not args.client:
        _fail("--client: is required (the client's id)")
        return
    if not re.fullmatch(OPAQUE_ID_PATTERN, args.client):
        _fail("--client: must be an opaque id: letters, digits, '_', '.', ':' or '-', at most 64")
        return
    settings = process.load_settings()
    engine = case_database(settings)
    try:
        tables = inspect(engine)
        if not tables.has_table("accounting_entry"):  # read-only: never create an empty database
            _fail("this database has no accounting of disclosures")
            return
        # A database from before suspensions existed has none recorded.
        has_suspensions = tables.has_table("accounting_suspension")
        with session_factory(engine)() as session:
            entries = entries_for_client(session, args.client)
            suspensions = suspensions_for_client(session, args.client) if has_suspensions else []
    finally:
        engine.dispose()
    as_of = end_of_day(args.as_of) if args.as_of is not None else datetime.now(UTC)
    statement = accounting_view(
        entries, suspensions, as_of=as_of, view=args.view, client_id=args.client
    )
    output = render(statement, args.format)
    if args.output is None:
        sys.stdout.write(output)
        process.exit_now(0)
        return
    try:
        _write_private(args.output, output)
    except OSError as err:
        _fail(f"--output: cannot write the file: {err.strerror}")
        return
    count = len(statement.lines)
    print(
        f"Wrote {count} disclosure{'' if count == 1 else 's'} ({args.view} view) to {args.output}."
    )
    process.exit_now(0)


def _default_recorder() -> str:
    try:
        login = getpass.getuser()
    except Exception:
        login = "unknown"
    return ("cli:" + re.sub(r"[^A-Za-z0-9_.:-]", "-", login))[:64]


def cmd_accounting_suspend(args: argparse.Namespace) -> None:
    from sqlalchemy import inspect

    from dutyflow.contracts import Actor
    from dutyflow.domain.accounting import Suspension, SuspensionRefused
    from dutyflow.domain.rendering import format_datetime
    from dutyflow.domain.validation import OPAQUE_ID_PATTERN
    from dutyflow.store.accounting import record_suspension
    from dutyflow.store.case_database import case_database
    from dutyflow.store.db import session_factory

    recorded_by = args.recorded_by or _default_recorder()
    if not re.fullmatch(OPAQUE_ID_PATTERN, recorded_by):
        _fail(
            "--recorded-by: must be an opaque id: letters, digits, '_', '.', ':' or '-', at most 64"
        )
        return
    suspension = Suspension(
        client_id=args.client,
        agency_id=args.agency,
        agency_or_official=args.official,
        form=args.form,
        statement_summary=args.statement,
        starts_at=args.starts or datetime.now(UTC),
        ends_at=args.until,
    )
    settings = process.load_settings()
    engine = case_database(settings)
    try:
        if not inspect(engine).has_table("audit_entry"):
            _fail("this database has no audit log; start Dutyflow once to create it")
            return
        try:
            row = record_suspension(
                session_factory(engine), suspension, Actor(actor_id=recorded_by, role=RECORDER_ROLE)
            )
        except SuspensionRefused as refused:
            _fail(
                "; ".join(
                    f"{_OPTION_FOR_FIELD.get(p.field, p.field)}: {p.problem}"
                    for p in refused.problems
                )
            )
            return
    finally:
        engine.dispose()
    print(
        f"Recorded {row.form} suspension {row.suspension_id}: client {row.client_id}'s accounting "
        f"hides disclosures to {row.agency_id} until {format_datetime(suspension.ends_at)}."  # type: ignore[arg-type]
    )
    process.exit_now(0)
