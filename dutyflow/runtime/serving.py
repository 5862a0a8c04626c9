"""Serving ASGI apps (the API, the intake service) inside Dutyflow's own event loop.

uvicorn normally owns SIGINT/SIGTERM; here the stack owns them, so that one Ctrl-C stops every
part in order. Sockets are bound before serving so a busy port fails fast with a clear message.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn


class PortInUse(RuntimeError):
    pass


def bind(host: str, port: int, setting: str) -> socket.socket:
    """Bind a listening socket; port 0 picks a free one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise PortInUse(f"{setting}: port {port} on {host} is already in use") from None
        raise
    return sock


def free_port(host: str = "127.0.0.1") -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class RunningServer:
    server: uvicorn.Server
    task: asyncio.Task[None]
    url: str

    async def stop(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def serve(app: Any, sock: socket.socket, name: str) -> RunningServer:
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=name)
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"{name} stopped during start-up")
        await asyncio.sleep(0.02)
    return RunningServer(server=server, task=task, url=f"http://{host}:{port}")
