"""The ``dutyflow`` command.

    dutyflow up       run the embedded stack (Temporal dev server, worker, API, intake service)
    dutyflow worker   run only a worker, against DUTYFLOW_TEMPORAL_ADDRESS
    dutyflow api      run only the HTTP API, against DUTYFLOW_TEMPORAL_ADDRESS
    dutyflow intake   run only the reference agency intake service
    dutyflow demo     run a whole child-abuse report through the stack and print its timeline
    dutyflow audit verify   check the whole audit hash chain; non-zero exit if it was tampered with
    dutyflow cases    open, overdue and at-risk cases (from Temporal visibility)
    dutyflow timeline CASE   a case's merged timeline: Temporal history and the audit log
    dutyflow export-fhir --case CASE   FHIR AuditEvent / Communication / Provenance per disclosure
    dutyflow accounting --client ID    the client's accounting of disclosures (45 CFR 164.528)
    dutyflow bench    throughput and latency against a bare-Temporal baseline in the same run
    dutyflow db upgrade | current | downgrade REV --yes   the database schema (Alembic)
    dutyflow users add | token | revoke | list | disable   accounts, roles and API tokens
    dutyflow policy check | explain   validate the policy files; a policy in plain words
    dutyflow keys status | rotate | shred | shred-expired  master keys, case keys, crypto-shredding
    dutyflow export --deidentified CASE   a de-identified case summary (teaching, research)

Every command ends with ``os._exit`` once its output is flushed: the Temporal SDK's bridge
threads can crash the interpreter at exit (sdk-python#300) after all work is done, and a
finished command must not fail by its exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable

from pydantic import ValidationError

from dutyflow.settings import Settings


def _exit(status: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def run_until_interrupted(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run ``main(stop)``; SIGINT or SIGTERM sets ``stop``, and ``main`` shuts down in order."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    try:
        asyncio.run(runner())
    except Exception as err:
        print(f"dutyflow: {err}", file=sys.stderr)
        _exit(1)
    _exit(0)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as err:
        problems = "; ".join(
            f"DUTYFLOW_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in err.errors()
        )
        print(f"dutyflow: invalid settings: {problems}", file=sys.stderr)
        _exit(2)
        raise


def cmd_up(_args: argparse.Namespace) -> None:
    from dutyflow.stack import Stack

    settings = _settings()

    async def main(stop: asyncio.Event) -> None:
        stack = Stack(settings)
        print("Starting Dutyflow...", flush=True)
        await stack.start()
        print("Dutyflow is running:")
        for name, url in stack.urls.items():
            print(f"  {name + ':':<24} {url}")
        print(f"  {'Data directory:':<24} {settings.data_dir.resolve()}")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            await stop.wait()
        finally:
            print("Stopping Dutyflow...", flush=True)
            await stack.stop()
            print("Stopped.", flush=True)

    run_until_interrupted(main)


def cmd_worker(_args: argparse.Namespace) -> None:
    from worker import run_worker

    settings = _settings()
    run_until_interrupted(lambda stop: run_worker(settings, stop))


def cmd_api(_args: argparse.Namespace) -> None:
    from dutyflow.stack import serve_api

    settings = _settings()
    run_until_interrupted(lambda stop: serve_api(settings, stop))


def cmd_intake(_args: argparse.Namespace) -> None:
    from dutyflow.stack import serve_intake

    settings = _settings()
    run_until_interrupted(lambda stop: serve_intake(settings, stop))


def cmd_demo(args: argparse.Namespace) -> None:
    from dutyflow.demo import DemoRefused, run_demo

    settings = _settings()
    token = args.token or os.environ.get("DUTYFLOW_TOKEN") or None
    try:
        status = asyncio.run(run_demo(settings, token))
    except DemoRefused as refused:
        print(f"dutyflow demo: {refused}", file=sys.stderr)
        _exit(2)
    except Exception as err:
        print(f"dutyflow demo: failed: {err}", file=sys.stderr)
        _exit(1)
    _exit(status)


def cmd_audit_verify(_args: argparse.Namespace) -> None:
    from sqlalchemy import inspect

    from dutyflow.store import audit_log
    from dutyflow.store.db import make_engine

    settings = _settings()
    engine = make_engine(settings.resolved_database_url)  # the audit log holds no content: no keys
    if not inspect(engine).has_table("audit_entry"):  # read-only: never create an empty log
        print("dutyflow audit verify: this database has no audit log", file=sys.stderr)
        _exit(2)
    engine.dispose()
    result = audit_log.verify_parallel(settings.resolved_database_url)
    if result.intact:
        print(f"Audit chain intact: {result.checked} entries checked.")
        _exit(0)
    print(
        f"Audit chain BROKEN at entry {result.first_broken_seq}: {result.problem} "
        f"({result.checked} entries before it verified)."
    )
    _exit(1)


def cmd_cases(args: argparse.Namespace) -> None:
    from dutyflow.compliance.case_lists import CaseFilter, list_cases
    from dutyflow.temporal_connection import connect

    settings = _settings()
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
        _exit(2)

    async def run() -> None:
        listings = await list_cases(await connect(settings), filters)
        print(
            f"{'case':<38} {'stage':<24} {'clinic':<16} {'jurisdiction':<12} {'kind':<12} written report due"
        )
        for c in listings:
            due = f"{c.written_report_due:%Y-%m-%d %H:%M} UTC" if c.written_report_due else "-"
            flag = "  OVERDUE" if c.overdue else ""
            print(
                f"{c.case_id:<38} {c.stage or '-':<24} {c.clinic or '-':<16} "
                f"{c.jurisdiction or '-':<12} {c.kind or '-':<12} {due}{flag}"
            )
        print(f"{len(listings)} case(s).")

    _run_once(run)


def cmd_timeline(args: argparse.Namespace) -> None:
    from dutyflow.compliance.timeline import case_timeline, timeline_text
    from dutyflow.crypto.keys import case_database
    from dutyflow.store.case_file import CaseNotFound
    from dutyflow.store.db import session_factory
    from dutyflow.temporal_connection import connect

    settings = _settings()

    async def run() -> None:
        engine = case_database(settings)
        try:
            timeline = await case_timeline(
                await connect(settings), session_factory(engine), args.case_id
            )
        except CaseNotFound:
            print(f"dutyflow timeline: CASE_ID: no case {args.case_id}", file=sys.stderr)
            _exit(2)
        print(timeline.model_dump_json(indent=2) if args.json else timeline_text(timeline))

    _run_once(run)


def cmd_bench(args: argparse.Namespace) -> None:
    from dutyflow.benchmark.run import BenchOptions, report_text, run_bench

    settings = _settings()
    postgres_url = args.postgres_url or os.environ.get("DUTYFLOW_BENCH_POSTGRES_URL")
    if postgres_url is None and (settings.database_url or "").startswith("postgresql"):
        postgres_url = settings.database_url
    for name in ("reports", "concurrency", "compliance_cases", "audit_entries"):
        if getattr(args, name) < 1:
            print(
                f"dutyflow bench: --{name.replace('_', '-')}: must be at least 1", file=sys.stderr
            )
            _exit(2)
    options = BenchOptions(
        reports=args.reports,
        concurrency=args.concurrency,
        database_url=args.database_url,
        postgres_url=postgres_url,
        compliance_cases=args.compliance_cases,
        audit_entries=args.audit_entries,
        in_memory_server=args.in_memory_server,
    )

    async def run() -> None:
        result = await run_bench(settings, options)
        print(report_text(result, options))

    _run_once(run)


def _run_once(run: Callable[[], Awaitable[None]]) -> None:
    try:
        asyncio.run(run())
    except Exception as err:
        print(f"dutyflow: {err}", file=sys.stderr)
        _exit(1)
    _exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dutyflow", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("up", help="run the embedded stack").set_defaults(run=cmd_up)
    commands.add_parser("worker", help="run only a worker").set_defaults(run=cmd_worker)
    commands.add_parser("api", help="run only the HTTP API").set_defaults(run=cmd_api)
    commands.add_parser("intake", help="run only the agency intake service").set_defaults(
        run=cmd_intake
    )
    demo = commands.add_parser(
        "demo",
        help="run a whole report and print its timeline",
        description="Run a whole report through the API. Without --token (development only), "
        "the demo provisions its own accounts and tokens for the run.",
    )
    demo.add_argument(
        "--token",
        metavar="TOKEN",
        default=None,
        help="a practitioner's API token (default: DUTYFLOW_TOKEN)",
    )
    demo.set_defaults(run=cmd_demo)
    cases = commands.add_parser("cases", help="open, overdue and at-risk cases")
    cases.add_argument("--overdue", action="store_true", help="written report deadline passed")
    cases.add_argument(
        "--at-risk-hours", type=float, metavar="HOURS", help="written report due within HOURS"
    )
    cases.add_argument("--stage")
    cases.add_argument("--clinic")
    cases.add_argument("--jurisdiction")
    cases.add_argument("--kind")
    cases.add_argument("--include-closed", action="store_true")
    cases.set_defaults(run=cmd_cases)
    timeline = commands.add_parser("timeline", help="a case's merged timeline")
    timeline.add_argument("case_id", metavar="CASE_ID")
    timeline.add_argument("--json", action="store_true")
    timeline.set_defaults(run=cmd_timeline)
    from dutyflow.accounting_cli import add_accounting_commands
    from dutyflow.auth.cli import add_users_commands
    from dutyflow.crypto.keys_cli import add_keys_commands
    from dutyflow.exports.cli import add_export_command
    from dutyflow.interop.cli import add_fhir_command
    from dutyflow.policy_cli import add_policy_commands
    from dutyflow.store.db_cli import add_db_commands

    add_fhir_command(commands)
    add_accounting_commands(commands)
    add_db_commands(commands)
    add_users_commands(commands)
    add_policy_commands(commands)
    add_keys_commands(commands)
    add_export_command(commands)
    bench = commands.add_parser("bench", help="throughput and latency against bare Temporal")
    bench.add_argument(
        "--reports", type=int, default=200, help="complete reports (and bare workflows)"
    )
    bench.add_argument("--concurrency", type=int, default=20, help="reports in flight at once")
    bench.add_argument(
        "--database-url", help="Dutyflow database for the run (default: a temporary SQLite file)"
    )
    bench.add_argument(
        "--postgres-url",
        help="PostgreSQL for the compliance queries "
        "(default: DUTYFLOW_BENCH_POSTGRES_URL, or DUTYFLOW_DATABASE_URL if PostgreSQL)",
    )
    bench.add_argument("--compliance-cases", type=int, default=100_000)
    bench.add_argument("--audit-entries", type=int, default=1_000_000)
    bench.add_argument(
        "--in-memory-server",
        action="store_true",
        help="in-memory dev server instead of a persistent one",
    )
    bench.set_defaults(run=cmd_bench)
    audit = commands.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True, metavar="AUDIT_COMMAND"
    )
    audit.add_parser("verify", help="check the whole hash chain").set_defaults(run=cmd_audit_verify)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.run(args)
