"""A real intake server on a free local port, over SQLite and (when configured) PostgreSQL.

Set ``DUTYFLOW_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
to run every intake test against PostgreSQL too, each in a schema of its own.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response

from dutyflow.intake.app import create_app
from tests.conftest import empty_database

DEMO_AGENCIES = {"demo-cws": "Demo County Child Welfare Services", "other-cws": "Other County CWS"}


class _ThreadedServer(uvicorn.Server):
    """A uvicorn server that signals when it is accepting connections."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database of this test's own (a PostgreSQL schema of its own: the two test
    sessions run side by side)."""
    yield from empty_database(request.param, tmp_path / "intake.db")


class Servers:
    """ASGI apps served with uvicorn on free local ports, each in its own thread."""

    def __init__(self) -> None:
        self._running: dict[str, tuple[_ThreadedServer, threading.Thread]] = {}

    def __call__(self, app: Any) -> str:
        """Serve ``app``; returns its base URL."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_config=None, lifespan="on", access_log=False)
        server = _ThreadedServer(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        self._running[url] = (server, thread)
        assert server.ready.wait(timeout=30), "server did not start"
        assert server.started, "server failed to start"
        return url

    def stop(self, url: str) -> None:
        server, thread = self._running.pop(url)
        server.should_exit = True
        thread.join(timeout=30)
        assert not thread.is_alive(), f"server at {url} did not stop"

    def stop_all(self) -> None:
        for url in reversed(list(self._running)):
            self.stop(url)


@pytest.fixture
def serve_app() -> Iterator[Servers]:
    servers = Servers()
    yield servers
    servers.stop_all()


@pytest.fixture
def start_intake(database_url: str, serve_app: Servers) -> Callable[..., str]:
    """Start an intake server (optionally with an agency directory, and any other `create_app`
    option); returns its base URL."""

    def start(agencies: dict[str, str] | None = None, **options: Any) -> str:
        return serve_app(create_app(database_url, agencies, **options))

    return start


@dataclass
class Callback:
    """One request the callback receiver got."""

    headers: httpx.Headers
    body: bytes


@dataclass
class CallbackReceiver:
    """A stand-in for Dutyflow's acknowledgement endpoint: records every request and answers
    with the next scripted status (200 once the script runs out); it can be held to answer late."""

    url: str = ""
    received: list[Callback] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.release.set()

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/acknowledgements")
        async def acknowledge(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                self.received.append(Callback(request.headers, body))
                status_code = self.script.pop(0) if self.script else 200
            await asyncio.to_thread(self.release.wait, 30)
            return Response(status_code=status_code)

        return app

    def requests(self) -> list[Callback]:
        with self.lock:
            return list(self.received)


@pytest.fixture
def callback_receiver(serve_app: Servers) -> Iterator[CallbackReceiver]:
    receiver = CallbackReceiver()
    receiver.url = serve_app(receiver.app()) + "/acknowledgements"
    yield receiver
    receiver.release.set()  # never leave a held request behind at shutdown


@pytest.fixture
def intake(start_intake: Callable[..., str]) -> Iterator[httpx.Client]:
    """A client of an intake server that serves the demo agencies only."""
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES), timeout=30) as client:
        yield client
