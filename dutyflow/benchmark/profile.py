"""Where a report's time goes, measured in the benchmark's own run (never guessed).

Per activity type, the profile adds up:

- **total**: the attempt as the worker runs it, audit entries included (the outermost interceptor);
- **body**: the activity's own code (the innermost interceptor); ``total - body`` is the
  **audit** of the attempt (its ``activity-started`` and ``activity-completed`` entries, each a
  transaction that waits for the audit append);
- **database**: time in SQL statements and commits made while the attempt runs, by the activity
  or the audit interceptor (SQLAlchemy engine and pool events), and the **transactions** committed
  (on SQLite each one waits for the single writer's lock);
- **sealing**: time sealing case content for the database and opening it again, and
  **rendering**: time making a report, phone script or PDF from its template (both named
  sections of the code, `dutyflow.timed_sections`; part of the body, or of the audit);
- **http**: time from sending a request to the agency to its answer's headers (httpx hooks);

and, for the whole run, the **codec** (encrypting and decrypting payloads, with their count and
size) and the CPU of the benchmark's process (worker and client), of the Temporal server's
process and of the agency's intake service (a process of its own).

An attempt is found by a context variable that the outermost interceptor sets: Temporal copies the
context into the thread a synchronous activity runs in, and ``asyncio.to_thread`` does too.
"""

from __future__ import annotations

import contextvars
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, WithSerializationContext
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from dutyflow.store.db import watch_writer_turns
from dutyflow.timed_sections import listen

COMPONENTS = ("total", "body", "database", "sealing", "rendering", "http")


@dataclass
class StepTimes:
    """One activity type's seconds, added up over every attempt in the run."""

    attempts: int = 0
    transactions: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, 0.0))

    def add(self, component: str, seconds: float) -> None:
        self.seconds[component] += seconds

    @property
    def audit(self) -> float:
        return max(0.0, self.seconds["total"] - self.seconds["body"])


@dataclass
class CodecTimes:
    calls: int = 0
    payloads: int = 0
    payload_bytes: int = 0
    seconds: float = 0.0


@dataclass
class Profile:
    """The run's measurements; ``steps`` is keyed by activity type."""

    steps: dict[str, StepTimes] = field(default_factory=dict)
    encode: CodecTimes = field(default_factory=CodecTimes)
    decode: CodecTimes = field(default_factory=CodecTimes)
    # Each writer's turn of the measured reports (SQLite, whose one writer takes turns): how long
    # it was held.
    writer_turns: list[float] = field(default_factory=list)
    # Whether the codec's figures and the writer's turns count what passes: not the baselines'
    # payloads, nor the scale-out's reports, so that they stay per measured report.
    recording: bool = True

    def step(self, activity_type: str) -> StepTimes:
        return self.steps.setdefault(activity_type, StepTimes())

    def reset(self) -> None:
        self.steps.clear()
        self.encode, self.decode = CodecTimes(), CodecTimes()
        self.writer_turns.clear()

    def writer_turn_held(self, seconds: float) -> None:
        if self.recording:
            self.writer_turns.append(seconds)


_current: contextvars.ContextVar[StepTimes | None] = contextvars.ContextVar(
    "dutyflow_bench_step", default=None
)


@contextmanager
def counted_for(step: StepTimes) -> Iterator[None]:
    """What runs inside (and in the threads it hands work to) is counted for ``step``."""
    token = _current.set(step)
    try:
        yield
    finally:
        _current.reset(token)


def _add_to_current(component: str, seconds: float) -> None:
    step = _current.get()
    if step is not None:
        step.add(component, seconds)


# --- the two interceptors: outermost (total, and which attempt) and innermost (the body) ---------


class StepTotals(Interceptor):
    """Put first in the worker's interceptors: it wraps the audit interceptor."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Timed(next, self._profile, "total")


class StepBodies(Interceptor):
    """Put last in the worker's interceptors: it wraps the activity's own code only."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Timed(next, self._profile, "body")


class _Timed(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, profile: Profile, component: str) -> None:
        super().__init__(next)
        self._profile = profile
        self._component = component

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        from temporalio import activity

        step = self._profile.step(activity.info().activity_type)
        if self._component != "total":
            return await self._timed(step, input)
        step.attempts += 1
        with counted_for(step):
            return await self._timed(step, input)

    async def _timed(self, step: StepTimes, input: ExecuteActivityInput) -> Any:
        started = time.perf_counter()
        try:
            return await self.next.execute_activity(input)
        finally:
            step.add(self._component, time.perf_counter() - started)


# --- the database: SQL statements and commits -----------------------------------------------------


def watch_database(engine: Engine, profile: Profile) -> None:
    """Add every statement's and every commit's time, and every wait for the writer's turn
    (`dutyflow.store.db.writing`), to the attempt that made it; keep how long each turn was
    held in ``profile``."""
    watch_writer_turns(
        engine,
        waited=lambda seconds: _add_to_current("database", seconds),
        held=profile.writer_turn_held,
    )

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        conn.info.setdefault("dutyflow_bench_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        _add_to_current("database", time.perf_counter() - conn.info["dutyflow_bench_started"].pop())

    @event.listens_for(engine, "commit")
    def _commit(conn) -> None:  # type: ignore[no-untyped-def]
        conn.info["dutyflow_bench_commit"] = time.perf_counter()
        step = _current.get()
        if step is not None:
            step.transactions += 1

    # The commit's end: the connection goes back to the pool right after it (`Connection.info`
    # is the pooled connection's own dictionary).
    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        started = record.info.pop("dutyflow_bench_commit", None)
        if started is not None:
            _add_to_current("database", time.perf_counter() - started)


# --- sealing and rendering --------------------------------------------------------------------


def watch_sections() -> Callable[[], None]:
    """Add the time in each named section of the code (sealing, rendering) to the attempt it ran
    in; answers the call that stops it."""
    return listen(_add_to_current)


# --- HTTP to the agency -----------------------------------------------------------------------


def http_hooks() -> dict[str, list[Any]]:
    """httpx event hooks adding the time from request to the answer's headers."""

    async def sent(request: httpx.Request) -> None:
        request.extensions["dutyflow_bench_sent"] = time.perf_counter()

    async def answered(response: httpx.Response) -> None:
        sent_at = response.request.extensions.get("dutyflow_bench_sent")
        if sent_at is not None:
            _add_to_current("http", time.perf_counter() - sent_at)

    return {"request": [sent], "response": [answered]}


# --- the codec -------------------------------------------------------------------------------


class TimedCodec(PayloadCodec, WithSerializationContext):
    """Wraps the encrypting codec and times it; the data converter asks it for a codec bound to
    each payload's workflow, so :meth:`with_context` keeps the wrapping."""

    def __init__(self, inner: Any, profile: Profile) -> None:
        self._inner = inner
        self._profile = profile

    def with_context(self, context: Any) -> TimedCodec:
        bound = self._inner.with_context(context) if hasattr(self._inner, "with_context") else None
        return TimedCodec(bound or self._inner, self._profile)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self._timed(self._profile.encode, self._inner.encode, payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self._timed(self._profile.decode, self._inner.decode, payloads)

    async def _timed(
        self, times: CodecTimes, run: Any, payloads: Sequence[Payload]
    ) -> list[Payload]:
        started = time.perf_counter()
        result: list[Payload] = await run(payloads)
        if not self._profile.recording:  # a baseline's payloads
            return result
        times.seconds += time.perf_counter() - started
        times.calls += 1
        times.payloads += len(payloads)
        times.payload_bytes += sum(len(p.data) for p in payloads)
        return result


# --- CPU ----------------------------------------------------------------------------------------


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process (Linux ``/proc``), 0 when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def temporal_server_pids() -> list[int]:
    """The Temporal dev server processes started by this process (its children named temporal)."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == me and name.startswith("temporal"):
            found.append(int(entry.name))
    return found


@dataclass
class CpuMeter:
    """CPU seconds over one phase of the run: this process's, the Temporal server's and the
    agency intake's."""

    server_pids: list[int]
    intake_pid: int
    _start: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def _now(self) -> tuple[float, float, float]:
        return (
            process_cpu_seconds(os.getpid()),
            sum(process_cpu_seconds(pid) for pid in self.server_pids),
            process_cpu_seconds(self.intake_pid),
        )

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> tuple[float, float, float]:
        here, server, intake = self._now()
        return here - self._start[0], server - self._start[1], intake - self._start[2]
