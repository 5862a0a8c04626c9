"""A real intake server on a free local port, over SQLite and (when configured) PostgreSQL.

Set ``DUTYFLOW_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
to run every intake test against PostgreSQL too; the ``intake_`` tables there are dropped first.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import MetaData, create_engine

from dutyflow.intake.app import create_app

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


def _drop_intake_tables(url: str) -> None:
    engine = create_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine, only=lambda name, _metadata: name.startswith("intake_"))
        tables.drop_all(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'intake.db'}"
    url = os.environ.get("DUTYFLOW_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("DUTYFLOW_TEST_POSTGRES_URL is not set")
    _drop_intake_tables(url)
    return url


@pytest.fixture
def start_intake(database_url: str) -> Iterator[Callable[..., str]]:
    """Start an intake server (optionally with an agency directory); returns its base URL."""
    running: list[tuple[_ThreadedServer, threading.Thread]] = []

    def start(agencies: dict[str, str] | None = None) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(database_url, agencies), log_config=None, lifespan="on", access_log=False
        )
        server = _ThreadedServer(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread))
        assert server.ready.wait(timeout=30), "intake server did not start"
        assert server.started, "intake server failed to start"
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def intake(start_intake: Callable[..., str]) -> Iterator[httpx.Client]:
    """A client of an intake server that serves the demo agencies only."""
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES), timeout=30) as client:
        yield client
