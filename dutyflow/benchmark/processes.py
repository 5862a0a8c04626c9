"""The `dutyflow` commands the benchmark runs as processes of their own, as deployed (the agency's
intake service, the scale-out's workers): started with their output to a log, waited for until
the log says they are ready, and stopped with Ctrl-C (killed if they do not stop in 30 s)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path


def start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``dutyflow <command>``, its output added to ``log``."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "dutyflow", command],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


async def ready(
    process: subprocess.Popen[bytes], log: Path, says: bytes, what: str, within: float
) -> None:
    """Wait until ``log`` says ``says``; fail if the process exits first, or after ``within`` s."""
    async with asyncio.timeout(within):
        while says not in await asyncio.to_thread(log.read_bytes):
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited ({process.returncode}); see {log}")
            await asyncio.sleep(0.1)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
