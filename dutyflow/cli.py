"""The ``dutyflow`` command.

    dutyflow up       run the embedded stack (Temporal dev server, worker, API, intake service)
    dutyflow worker   run only a worker, against DUTYFLOW_TEMPORAL_ADDRESS
    dutyflow api      run only the HTTP API, against DUTYFLOW_TEMPORAL_ADDRESS
    dutyflow intake   run only the reference agency intake service
    dutyflow demo     run a whole child-abuse report through the stack and print its timeline
    dutyflow audit verify   check the whole audit hash chain; non-zero exit if it was tampered with

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
    except Exception as err:  # noqa: BLE001  (the one place that turns failures into exit codes)
        print(f"dutyflow: {err}", file=sys.stderr)
        _exit(1)
    _exit(0)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as err:
        problems = "; ".join(
            f"DUTYFLOW_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in err.errors()
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


def cmd_demo(_args: argparse.Namespace) -> None:
    from dutyflow.demo import run_demo

    settings = _settings()
    try:
        status = asyncio.run(run_demo(settings))
    except Exception as err:  # noqa: BLE001
        print(f"dutyflow demo: failed: {err}", file=sys.stderr)
        _exit(1)
    _exit(status)


def cmd_audit_verify(_args: argparse.Namespace) -> None:
    from sqlalchemy import inspect

    from dutyflow.store import audit_log
    from dutyflow.store.db import make_engine, session_factory

    settings = _settings()
    engine = make_engine(settings.resolved_database_url)
    if not inspect(engine).has_table("audit_entry"):  # read-only: never create an empty log
        print("dutyflow audit verify: this database has no audit log", file=sys.stderr)
        _exit(2)
    with session_factory(engine)() as session:
        result = audit_log.verify(session)
    if result.intact:
        print(f"Audit chain intact: {result.checked} entries checked.")
        _exit(0)
    print(
        f"Audit chain BROKEN at entry {result.first_broken_seq}: {result.problem} "
        f"({result.checked} entries before it verified)."
    )
    _exit(1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dutyflow", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("up", help="run the embedded stack").set_defaults(run=cmd_up)
    commands.add_parser("worker", help="run only a worker").set_defaults(run=cmd_worker)
    commands.add_parser("api", help="run only the HTTP API").set_defaults(run=cmd_api)
    commands.add_parser("intake", help="run only the agency intake service").set_defaults(
        run=cmd_intake
    )
    commands.add_parser("demo", help="run a whole report and print its timeline").set_defaults(
        run=cmd_demo
    )
    audit = commands.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True, metavar="AUDIT_COMMAND"
    )
    audit.add_parser("verify", help="check the whole hash chain").set_defaults(run=cmd_audit_verify)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.run(args)
