"""Commands that run Dutyflow's parts: ``up`` (the embedded stack), ``worker``, ``api``,
``intake``, and ``demo`` (a whole report through a running or temporary stack)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from dutyflow.cli import process


def add_run_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    subparsers.add_parser("up", help="run the embedded stack").set_defaults(run=cmd_up)
    subparsers.add_parser("worker", help="run only a worker").set_defaults(run=cmd_worker)
    subparsers.add_parser("api", help="run only the HTTP API").set_defaults(run=cmd_api)
    subparsers.add_parser("intake", help="run only the agency intake service").set_defaults(
        run=cmd_intake
    )
    demo = subparsers.add_parser(
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


def cmd_up(_args: argparse.Namespace) -> None:
    from dutyflow.runtime.stack import Stack

    settings = process.load_settings()

    async def main(stop: asyncio.Event) -> None:
        stack = Stack(settings)
        print("Starting Dutyflow...", flush=True)
        await stack.start()
        print("Dutyflow is running:")
        for name, url in stack.urls.items():
            print(f"  {name + ':':<24} {url}")
        print(f"  {'Data directory:':<24} {settings.data_dir.resolve()}")
        for notice in stack.notices:
            print(f"Note: {notice}")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            await stop.wait()
        finally:
            print("Stopping Dutyflow...", flush=True)
            await stack.stop()
            print("Stopped.", flush=True)

    process.run_until_interrupted(main)


def cmd_worker(_args: argparse.Namespace) -> None:
    from dutyflow.runtime.worker import run_worker

    settings = process.load_settings()
    process.run_until_interrupted(lambda stop: run_worker(settings, stop))


def cmd_api(_args: argparse.Namespace) -> None:
    from dutyflow.runtime.stack import serve_api

    settings = process.load_settings()
    process.run_until_interrupted(lambda stop: serve_api(settings, stop))


def cmd_intake(_args: argparse.Namespace) -> None:
    from dutyflow.runtime.stack import serve_intake

    settings = process.load_settings()
    process.run_until_interrupted(lambda stop: serve_intake(settings, stop))


def cmd_demo(args: argparse.Namespace) -> None:
    from dutyflow.demo.run import DemoRefused, run_demo

    settings = process.load_settings()
    token = args.token or os.environ.get("DUTYFLOW_TOKEN") or None
    try:
        status = asyncio.run(run_demo(settings, token))
    except DemoRefused as refused:
        print(f"dutyflow demo: {refused}", file=sys.stderr)
        process.exit_now(2)
    except Exception as err:
        print(f"dutyflow demo: failed: {err}", file=sys.stderr)
        process.exit_now(1)
    process.exit_now(status)
