"""``dutyflow cases`` (open, overdue and at-risk cases) and ``dutyflow timeline CASE``."""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from dutyflow.cli import process


def add_case_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cases = subparsers.add_parser("cases", help="open, overdue and at-risk cases")
    cases.add_argument(
        "--overdue", action="store_true", help="a duty's deadline passed (phone, written, ...)"
    )
    cases.add_argument(
        "--at-risk-hours", type=float, metavar="HOURS", help="a duty due within HOURS"
    )
    cases.add_argument("--stage")
    cases.add_argument("--clinic")
    cases.add_argument("--jurisdiction")
    cases.add_argument("--kind")
    cases.add_argument("--include-closed", action="store_true")
    cases.set_defaults(run=cmd_cases)
    timeline = subparsers.add_parser("timeline", help="a case's merged timeline")
    timeline.add_argument("case_id", metavar="CASE_ID")
    timeline.add_argument("--json", action="store_true")
    timeline.set_defaults(run=cmd_timeline)


def cmd_cases(args: argparse.Namespace) -> None:
    from dutyflow.compliance.case_lists import CaseFilter, list_cases
    from dutyflow.runtime.temporal import connect
    from dutyflow.store.case_database import case_database
    from dutyflow.store.db import session_factory

    settings = process.load_settings()
    try:
        filters = CaseFilter(
            stage=args.stage,
            clinic=args.clinic,
            jurisdiction=args.jurisdiction,
            kind=args.kind,
            open_only=not args.include_closed,
            overdue=args.overdue,
            at_risk_within_hours=args.at_risk_hours,
        )
    except ValidationError as err:
        for e in err.errors():
            print(
                f"dutyflow cases: --{str(e['loc'][0]).replace('_', '-')}: {e['msg']}",
                file=sys.stderr,
            )
        process.exit_now(2)

    async def run() -> None:
        sessions = session_factory(case_database(settings))
        listings = await list_cases(await connect(settings), filters, sessions=sessions)
        print(f"{'case':<38} {'stage':<24} {'clinic':<16} {'jurisdiction':<12} {'kind':<12} due")
        for c in listings:
            due = c.next_due or c.written_report_due
            shown = f"{due:%Y-%m-%d %H:%M} UTC" if due else "-"
            flag = "  OVERDUE" if c.overdue else ""
            owed = "  " + ", ".join(d.kind for d in c.duties) if c.duties else ""
            print(
                f"{c.case_id:<38} {c.stage or '-':<24} {c.clinic or '-':<16} "
                f"{c.jurisdiction or '-':<12} {c.kind or '-':<12} {shown}{flag}{owed}"
            )
        print(f"{len(listings)} case(s).")

    process.run_once(run)


def cmd_timeline(args: argparse.Namespace) -> None:
    from dutyflow.compliance.timeline import case_timeline, timeline_text
    from dutyflow.runtime.temporal import connect
    from dutyflow.store.case_database import case_database
    from dutyflow.store.case_file import CaseNotFound
    from dutyflow.store.db import session_factory

    settings = process.load_settings()

    async def run() -> None:
        engine = case_database(settings)
        try:
            timeline = await case_timeline(
                await connect(settings), session_factory(engine), args.case_id
            )
        except CaseNotFound:
            print(f"dutyflow timeline: CASE_ID: no case {args.case_id}", file=sys.stderr)
            process.exit_now(2)
        print(timeline.model_dump_json(indent=2) if args.json else timeline_text(timeline))

    process.run_once(run)
