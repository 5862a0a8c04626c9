"""Compliance queries at scale: 100,000 cases and 1,000,000 audit entries (with their Merkle tree),
loaded into a PostgreSQL schema of their own with COPY (or a SQLite file of their own, in batches),
then the queries a compliance officer runs are timed (the overdue and at-risk lists, one case's
timeline, one client's accounting), and so is the verification of the whole audit log against a
signed checkpoint (what `dutyflow audit verify` does): the rate counts only the verification,
the checkpoint it is checked against is made and signed beforehand and timed apart, and the
verifying processes' CPU is given beside the wall time (the machine may be shared)."""

from __future__ import annotations

import json
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from dutyflow import ids
from dutyflow.benchmark.databases import empty_database
from dutyflow.crypto.signed_note import NoteSigner
from dutyflow.domain.audit import LEAF_FIELDS, canonical_json, leaf_bytes
from dutyflow.domain.merkle import Frontier, leaf_hash
from dutyflow.store import audit_log
from dutyflow.store.accounting import entries_for_client
from dutyflow.store.audit_checkpoints import CheckpointKeeper, make_checkpoint
from dutyflow.store.db import create_schema, make_engine, session_factory
from dutyflow.store.duties import DutyFilter, open_duties


def _progress(message: str) -> None:
    print(message, flush=True)


def _timed_ms(run, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def run_compliance_bench(base_url: str, cases: int, audit_entries: int) -> dict[str, float]:
    with empty_database(base_url) as url:
        engine = make_engine(url)
        try:
            create_schema(engine)
            started = time.perf_counter()
            _load(engine, cases, audit_entries)
            result = {
                "cases": float(cases),
                "audit_entries": float(audit_entries),
                "load_seconds": time.perf_counter() - started,
            }
            result |= _time_queries(engine)
            result |= _time_verification(engine, url, audit_entries)
            return result
        finally:
            engine.dispose()


def _time_queries(engine: Engine) -> dict[str, float]:
    sessions = session_factory(engine)
    now = datetime.now(UTC)

    def overdue() -> None:
        with sessions() as session:
            open_duties(session, DutyFilter(due_before=now, limit=100))

    def at_risk() -> None:
        with sessions() as session:
            open_duties(
                session, DutyFilter(due_from=now, due_before=now + timedelta(hours=24), limit=100)
            )

    def timeline() -> None:
        with sessions() as session:
            audit_log.entries_for_case(session, "case-bench-0000000")

    def accounting() -> None:
        with sessions() as session:
            entries_for_client(session, "client-bench-target")

    _progress(
        "  timing the overdue and at-risk lists, one case's timeline, one client's accounting"
    )
    return {
        "overdue_ms": _timed_ms(overdue),
        "at_risk_ms": _timed_ms(at_risk),
        "timeline_ms": _timed_ms(timeline),
        "accounting_ms": _timed_ms(accounting),
    }


def _cpu_seconds() -> float:
    """CPU of this process and of its children waited for (the verifying processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _time_verification(engine: Engine, url: str, audit_entries: int) -> dict[str, float]:
    sessions = session_factory(engine)
    with tempfile.TemporaryDirectory() as directory:
        keeper = CheckpointKeeper(NoteSigner.generate("bench.invalid/audit"), Path(directory))
        _progress("  making and signing a checkpoint of the whole log")
        started = time.perf_counter()
        checkpoint = make_checkpoint(sessions, keeper)
        signing_ms = (time.perf_counter() - started) * 1000
        _progress(f"  verifying the audit log ({audit_entries:,} entries, Merkle tree)")
        cpu, started = _cpu_seconds(), time.perf_counter()
        verification = audit_log.verify_parallel(url, checkpoints=[checkpoint])
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    if not verification.intact or verification.checked != audit_entries:
        raise RuntimeError(f"the benchmark's audit log did not verify: {verification}")
    return {
        "verify_per_second": audit_entries / seconds,
        "verify_seconds": seconds,
        "verify_cpu_seconds": cpu,
        "checkpoint_ms": signing_ms,
    }


def _load_audit_log(engine, case_ids: list[str], audit_entries: int) -> None:  # type: ignore[no-untyped-def]
    """The entries, their leaves and the tree's perfect subtrees, as integration makes them."""
    _progress(f"  building and loading {audit_entries:,} audit entries and their Merkle tree")
    started = datetime(2026, 1, 1, tzinfo=UTC)
    details = canonical_json({"activity": "deliver_report", "attempt": 1}).decode()
    frontier = Frontier(0, [])
    entries, leaves, nodes = [], [], []
    for seq in range(1, audit_entries + 1):
        case_id = case_ids[seq % len(case_ids)]
        at = started + timedelta(microseconds=seq * 1000)
        entry: dict[str, Any] = {
            "seq": seq,
            "entry_id": str(uuid.UUID(int=seq)),
            "recorded_at": at,
            "case_id": case_id,
            "step": "activity-completed",
            "actor_id": "dutyflow-worker",
            "actor_role": "system",
            "content_sha256": "ab" * 32,
            "details": details,
            "idempotency_key": ids.step_key(case_id, "bench", str(seq)),
        }
        made = frontier.append(leaf_hash(leaf_bytes(entry)))
        # The time as a datetime: each database stores it in its own form, as Dutyflow's writes
        # do (text in the ISO form with the zone would be stored as is in SQLite, which Dutyflow
        # never writes, and every entry would take the verifier's slow path).
        entries.append(tuple(entry[name] for name in LEAF_FIELDS))
        leaves.append((made[0].index, seq, made[0].hash.hex()))
        nodes += [(n.level, n.index, n.hash.hex()) for n in made[1:]]
    _copy(engine, "audit_entry", list(LEAF_FIELDS), entries)
    _copy(engine, "audit_leaf", ["leaf_index", "seq", "leaf_hash"], leaves)
    _copy(engine, "audit_tree_node", ["level", "position", "node_hash"], nodes)


def _copy(engine, table: str, columns: list[str], rows) -> None:  # type: ignore[no-untyped-def]
    """Bulk-load ``rows``: PostgreSQL's COPY, or batched inserts in one SQLite transaction."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            insert = (
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            cursor.execute("BEGIN")
            cursor.executemany(insert, (tuple(map(_sqlite_value, row)) for row in rows))
        else:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _sqlite_value(value: Any) -> Any:
    """Times as SQLAlchemy stores them in SQLite (ISO text without the zone, in UTC, always with
    its microseconds: ``isoformat`` leaves them out of a whole second)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _load(engine, cases: int, audit_entries: int) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    _progress(f"  loading {cases:,} cases")
    case_ids = [f"case-bench-{i:07d}" for i in range(cases)]
    started = time.perf_counter()
    for load in (
        _load_cases,
        _load_obligations,
        _load_duties,
        _load_deliveries,
        _load_accounting,
    ):
        load(engine, case_ids, now)
    _progress(f"    in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    _load_audit_log(engine, case_ids, audit_entries)
    _progress(f"    in {time.perf_counter() - started:.1f} s")
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _load_cases(engine: Engine, case_ids: list[str], now: datetime) -> None:
    opening = json.dumps({"bench": True})
    _copy(
        engine,
        "case_record",
        [
            "case_id",
            "jurisdiction",
            "kind",
            "county",
            "clinic_id",
            "practitioner_id",
            "client_id",
            "policy_version",
            "opening",
            "opened_at",
        ],
        (
            (
                cid,
                "US-CA",
                "child-abuse",
                "Demo County",
                f"clinic-{i % 50}",
                f"practitioner-{i % 400}",
                "client-bench-target" if i % 2000 == 0 else f"client-{i}",
                "2026.1",
                opening,
                now - timedelta(days=i % 365),
            )
            for i, cid in enumerate(case_ids)
        ),
    )


def _load_obligations(engine: Engine, case_ids: list[str], now: datetime) -> None:
    # Every case has an obligation; 2% are overdue (due in the past, never delivered).
    _copy(
        engine,
        "obligation_record",
        [
            "obligation_id",
            "case_id",
            "recipient_id",
            "agency_id",
            "agency_name",
            "intake_url",
            "form_id",
            "legal_basis",
            "purpose",
            "written_report_due_at",
            "fulfilled_at",
            "policy_version",
            "citations",
        ],
        (
            (
                ids.obligation_id(cid, "county-child-welfare"),
                cid,
                "county-child-welfare",
                "demo-county-cws",
                "Demo County Child Welfare Services",
                "http://intake.invalid",
                "us-ca-ss8572",
                "45 CFR 164.512(b)(1)(ii)",
                "Report of suspected child abuse",
                _due(now, i),
                None if i % 50 in (0, 25) else now - timedelta(days=1 + i % 365, hours=-1),
                "2026.1",
                "[]",
            )
            for i, cid in enumerate(case_ids)
        ),
    )


def _load_duties(engine: Engine, case_ids: list[str], now: datetime) -> None:
    """Each case's phone report (met) and written report (open where the obligation is)."""
    columns = ["duty_id", "case_id", "deadline_id", "kind", "owed_by", "due_at", "citation"]
    columns += ["met_at", "escalation_level", "created_at"]

    _copy(
        engine,
        "duty",
        columns,
        (
            row
            for i, cid in enumerate(case_ids)
            for row in (
                (
                    ids.duty_id(cid, "phone-report"),
                    cid,
                    "phone-report",
                    "phone-report",
                    "practitioner",
                    now - timedelta(days=i % 365),
                    "PC 11166(a)",
                    now - timedelta(days=i % 365, minutes=10),
                    0,
                    now - timedelta(days=i % 365),
                ),
                (
                    ids.duty_id(cid, "written-report"),
                    cid,
                    "written-report",
                    "written-report",
                    "practitioner",
                    _due(now, i),
                    "PC 11166(a)",
                    None if i % 50 in (0, 25) else _due(now, i) - timedelta(hours=1),
                    0,
                    now - timedelta(days=i % 365),
                ),
            )
        ),
    )


def _due(now: datetime, i: int) -> datetime:
    """2% overdue (due in the past, never delivered), 2% at risk (due within the next 48 hours),
    the rest delivered long ago."""
    if i % 50 == 0:
        return now - timedelta(hours=1 + i % 48)
    if i % 50 == 25:
        return now + timedelta(hours=1 + i % 48)
    return now - timedelta(days=1 + i % 365)


def _load_deliveries(engine: Engine, case_ids: list[str], now: datetime) -> None:
    delivered = [cid for i, cid in enumerate(case_ids) if i % 50 not in (0, 25)]
    _copy(
        engine,
        "delivery_record",
        [
            "report_id",
            "case_id",
            "recipient_id",
            "agency_id",
            "document_sha256",
            "reference_number",
            "received_at",
            "delivered_at",
        ],
        (
            (
                str(uuid.uuid5(uuid.NAMESPACE_URL, cid)),
                cid,
                "county-child-welfare",
                "demo-county-cws",
                "ab" * 32,
                f"REF-{cid}",
                now,
                now,
            )
            for cid in delivered
        ),
    )


def _load_accounting(engine: Engine, case_ids: list[str], now: datetime) -> None:
    _copy(
        engine,
        "accounting_entry",
        [
            "entry_id",
            "client_id",
            "case_id",
            "disclosed_at",
            "recipient_agency_id",
            "recipient_role",
            "recipient_name",
            "recipient_address",
            "information_disclosed",
            "purpose",
            "legal_basis",
            "policy_version",
        ],
        (
            (
                str(uuid.uuid5(uuid.NAMESPACE_URL, cid)),
                "client-bench-target" if i % 2000 == 0 else f"client-{i}",
                cid,
                now,
                "demo-county-cws",
                "county-child-welfare",
                "Demo County Child Welfare Services",
                "100 Main Street",
                "Suspected Child Abuse Report (SS 8572).",
                "Report",
                "45 CFR 164.512(b)",
                "2026.1",
            )
            for i, cid in enumerate(case_ids)
        ),
    )
