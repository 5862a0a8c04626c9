"""Engines and sessions. On SQLite every transaction takes the database's write lock up front
(``BEGIN IMMEDIATE``), except a `reading` session's, which reads a snapshot (WAL) and neither
waits for the writer nor holds it up; a `writing` transaction waits for its turn in this process
first. On PostgreSQL appends to the audit log take no lock; only their short integration into
the Merkle tree does (`dutyflow.store.audit_tree`)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, create_engine

from dutyflow.domain.audit import canonical_json
from dutyflow.sqlite import use_wal
from dutyflow.store.migrate import upgrade

SessionFactory = Callable[[], Session]

_READING = "dutyflow_reading"  # the execution option and session mark of a `reading` session
_WRITER_WAIT_SECONDS = 30  # as long as SQLite's own busy timeout (below)


class WriterTurn:
    """Whose turn it is to write to a SQLite database, in this process: one writer at a time.

    A writer that asks urgently (an activity about to reach the world, whose start must be on
    record first, with a person or an agency waiting on the other side) is handed the turn as
    soon as it is given up, before the writers already waiting; the others take it as it comes
    free, the first to ask not always first (a thread already running takes a free turn at once,
    without waiting for a sleeping one to wake: measured the faster way)."""

    def __init__(self) -> None:
        self._turn = threading.Lock()
        self._queue = threading.Lock()  # guards the urgent writers' queue and the hand-over
        self._urgent: deque[threading.Event] = deque()

    def acquire(self, timeout: float, *, urgent: bool = False) -> bool:
        if not urgent:
            return self._turn.acquire(timeout=timeout)
        with self._queue:
            if self._turn.acquire(blocking=False):
                return True
            handed = threading.Event()
            self._urgent.append(handed)
        if handed.wait(timeout):
            return True
        with self._queue:
            if handed in self._urgent:  # gave up before the turn came
                self._urgent.remove(handed)
                return False
        return True  # handed over just as it gave up: the turn is its own

    @property
    def urgently_waiting(self) -> int:
        """How many writers wait for the turn urgently."""
        with self._queue:
            return len(self._urgent)

    def release(self) -> None:
        with self._queue:
            if self._urgent:
                self._urgent.popleft().set()  # handed straight on: never free in between
                return
            self._turn.release()


Seconds = Callable[[float], None]

# Per SQLite engine, the turn of this process's `writing` transactions (see there), and who is
# told how long each waited for it and held it (`watch_writer_turns`: the benchmark's profile).
_writers: WeakKeyDictionary[Engine, WriterTurn] = WeakKeyDictionary()
_turn_watchers: WeakKeyDictionary[Engine, list[tuple[Seconds, Seconds]]] = WeakKeyDictionary()


def _canonical_text(value: object) -> str:
    return canonical_json(value).decode("utf-8")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    # JSON columns hold canonical JSON (sorted keys, compact): the audit verifier can then hash
    # the stored text of `details` as it is, without parsing and re-serialising it.
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, json_serializer=_canonical_text)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        json_serializer=_canonical_text,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        # A transaction that may write takes the lock up front: one that upgraded from a read
        # could find its snapshot stale and fail at once, busy handler or not.
        if connection.get_execution_options().get(_READING):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    _writers[engine] = WriterTurn()
    return engine


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def create_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration (`dutyflow.store.migrate.upgrade`: under the
    schema lock, so concurrent starters are safe), with the audit table append-only (its
    UPDATE/DELETE-refusing triggers put back if they were lifted)."""
    upgrade(engine)


def reading(sessions: SessionFactory) -> Session:
    """A session that only reads (``with reading(sessions) as session:``). On SQLite its
    transaction is deferred: it reads the last committed snapshot without taking the write lock,
    so it neither queues behind the steps being recorded nor holds them up. Writing in it is
    refused (`ReadOnlySession`)."""
    session = sessions()
    session.info[_READING] = True
    session.connection(execution_options={_READING: True})
    return session


class ReadOnlySession(RuntimeError):
    """Something was to be written in a `reading` session."""


def refuse_if_reading(session: OrmSession) -> None:
    """Raise `ReadOnlySession` if ``session`` is a `reading` one (for writes made as statements,
    which the session's flush does not see)."""
    if session.info.get(_READING):
        raise ReadOnlySession("a reading session writes nothing; open a session that writes")


@event.listens_for(OrmSession, "before_flush")
def _refuse_writes_when_reading(session: OrmSession, _context: object, _instances: object) -> None:
    refuse_if_reading(session)


@contextmanager
def writing(sessions: SessionFactory, *, urgent: bool = False) -> Iterator[Session]:
    """A session and its one transaction, committed on leaving (rolled back on an error), for
    the steps a worker records many times a second. On SQLite this process's writers take turns
    here (`WriterTurn`; ``urgent``: before the others waiting), each handing the turn straight to
    the next, rather than each waiting in SQLite's busy handler, which polls with sleeps of up to
    100 ms while the lock may already be free. Writers in other processes still meet at SQLite's
    lock."""
    with sessions() as session:
        engine = session.get_bind()
        turn = _writers.get(engine)  # type: ignore[arg-type]
        if turn is not None:
            asked = time.perf_counter()
            given = turn.acquire(_WRITER_WAIT_SECONDS, urgent=urgent)
            for waited, _ in _turn_watchers.get(engine, ()):  # type: ignore[arg-type]
                waited(time.perf_counter() - asked)
            if not given:
                raise sqlite3.OperationalError("database is locked")  # as SQLite's own wait ends
        held = time.perf_counter()
        try:
            with session.begin():
                yield session
        finally:
            if turn is not None:
                turn.release()
                for _, kept in _turn_watchers.get(engine, ()):  # type: ignore[arg-type]
                    kept(time.perf_counter() - held)


def watch_writer_turns(engine: Engine, *, waited: Seconds, held: Seconds) -> None:
    """Tell ``waited`` how many seconds each `writing` transaction waited for its turn, and
    ``held`` how long it then held it (to its commit's or rollback's end). SQLite only: elsewhere
    no turn is taken."""
    _turn_watchers.setdefault(engine, []).append((waited, held))


def session_factory(engine: Engine) -> SessionFactory:
    def open_session() -> Session:
        return Session(engine, expire_on_commit=False)

    return open_session
