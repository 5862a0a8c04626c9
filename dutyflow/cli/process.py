"""How every ``dutyflow`` command starts and ends: its settings, its exit, its event loop.

Every command ends with ``exit_now`` once its output is flushed: the Temporal SDK's bridge
threads can crash the interpreter at exit (sdk-python#300) after all work is done, and a
finished command must not fail by its exit code.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import re
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import NoReturn

from pydantic import ValidationError

from dutyflow.contracts import Actor
from dutyflow.settings import Settings


def exit_now(status: int) -> NoReturn:
    """Flush what was printed, then leave at once with ``status``."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def load_settings() -> Settings:
    """The settings from the environment; invalid ones end the command with status 2, naming
    each variable (never its value)."""
    try:
        return Settings()
    except ValidationError as err:
        problems = "; ".join(
            f"DUTYFLOW_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in err.errors()
        )
        print(f"dutyflow: invalid settings: {problems}", file=sys.stderr)
        exit_now(2)


def run_until_interrupted(main: Callable[[asyncio.Event], Awaitable[None]]) -> NoReturn:
    """Run ``main(stop)``; SIGINT or SIGTERM sets ``stop``, and ``main`` shuts down in order."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    try:
        asyncio.run(runner())
    except Exception as err:  # the one place that turns failures into exit codes
        print(f"dutyflow: {err}", file=sys.stderr)
        exit_now(1)
    exit_now(0)


def run_once(run: Callable[[], Awaitable[None]]) -> NoReturn:
    """Run one coroutine to its end; a failure is printed by its message and exits 1."""

    async def runner() -> None:
        await run()

    try:
        asyncio.run(runner())
    except Exception as err:
        print(f"dutyflow: {err}", file=sys.stderr)
        exit_now(1)
    exit_now(0)


def cli_actor() -> Actor:
    """Whom the audit names for a command run from a terminal: the operating-system login, as
    ``cli:<login>`` (an administrator's act)."""
    try:
        login = getpass.getuser()
    except Exception:
        login = "unknown"
    return Actor(actor_id=("cli:" + re.sub(r"[^A-Za-z0-9_.:-]", "-", login))[:64], role="admin")
