"""Running the benchmark. Everything is real: a Temporal dev server (or the configured cluster),
the reference intake service over HTTP, the database, the encrypting converter, the audit
interceptor. Clinician steps are answered automatically through Temporal Updates."""

from __future__ import annotations

import asyncio
import resource
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.workflow import UpdateMethodMultiParam

from dutyflow.benchmark.baseline import BareBaseline, noop
from dutyflow.contracts import SEARCH_ATTRIBUTES, Actor, CaseStatus
from dutyflow.crypto.actor_assertion import asserting
from dutyflow.crypto.keyring import CaseKeyring, MasterKeys, key_store_engine
from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.sealing import bind_keyring
from dutyflow.crypto.signing import AgencySecrets
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.demo import example_case as scenario
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.case import CaseOpening, Confirmation, GroundsSubmission, PhoneReport
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.runtime.serving import bind, serve
from dutyflow.runtime.stack import temporal_cli
from dutyflow.runtime.temporal import data_converter
from dutyflow.settings import REPO_ROOT, Settings
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory, create_schema, make_engine, session_factory
from workflows.mandated_report import MandatedReportWorkflow

# Who takes the bench's clinician steps, as the API would assert it: the example's practitioner.
BENCH_PRACTITIONER = Actor(
    actor_id=scenario.opening_request()["practitioner_id"], role="practitioner"
)


@dataclass
class BenchOptions:
    reports: int = 200
    concurrency: int = 20
    database_url: str | None = None
    postgres_url: str | None = None
    compliance_cases: int = 100_000
    audit_entries: int = 1_000_000
    in_memory_server: bool = False


@dataclass
class BenchResult:
    activities_per_report: int = 0
    bare_workflows_per_second: float = 0.0
    reports_per_second: float = 0.0
    latencies: list[float] = field(default_factory=list)
    worker_rss_mib: float = 0.0
    worker_peak_rss_mib: float = 0.0
    compliance: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return (
            self.reports_per_second / self.bare_workflows_per_second
            if self.bare_workflows_per_second
            else 0.0
        )

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def progress(message: str) -> None:
    print(message, flush=True)


def _rss_mib() -> tuple[float, float]:
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return current, peak


async def _run_concurrently(
    total: int, concurrency: int, one: Callable[[int], Awaitable[None]], label: str
) -> float:
    """Run ``one(i)`` for i in range(total), at most ``concurrency`` at once; returns seconds."""
    gate = asyncio.Semaphore(concurrency)
    done = 0
    step = max(1, total // 10)

    async def guarded(index: int) -> None:
        nonlocal done
        async with gate:
            await one(index)
        done += 1
        if done % step == 0 or done == total:
            progress(f"  {label}: {done}/{total}")

    started = time.perf_counter()
    await asyncio.gather(*(guarded(i) for i in range(total)))
    return time.perf_counter() - started


async def _clinician_step(
    handle: WorkflowHandle[Any, Any], update: UpdateMethodMultiParam[..., Any], step: BaseModel
) -> CaseStatus:
    """One clinician step, as the API takes it: the Update answers the case's new status.

    ``update`` is typed by its parameters only, as in `dutyflow.api.case_workflow`: temporalio
    types an Update declared with ``name=`` as answering its handler's coroutine rather than what
    the coroutine returns, which mypy would take for a missing ``await``."""
    with asserting(BENCH_PRACTITIONER):
        status: CaseStatus = await handle.execute_update(update, step)
    return status


async def _one_report(client: Client, task_queue: str, latencies: list[float] | None) -> str:
    case_id = f"case-{uuid.uuid4().hex}"
    opening = CaseOpening(case_id=case_id, **scenario.opening_request())
    handle = await client.start_workflow(
        MandatedReportWorkflow.run, opening, id=case_id, task_queue=task_queue
    )
    await _clinician_step(
        handle,
        MandatedReportWorkflow.document_grounds,
        GroundsSubmission.model_validate(scenario.grounds_submission()),
    )
    status = await _clinician_step(
        handle,
        MandatedReportWorkflow.record_phone_report,
        PhoneReport.model_validate(scenario.phone_report()),
    )
    submitted = datetime.now(UTC)
    await _clinician_step(
        handle,
        MandatedReportWorkflow.confirm_report,
        Confirmation(
            practitioner_id=opening.practitioner_id, review_sha256=status.review_sha256 or ""
        ),
    )
    outcome = await handle.result()
    if latencies is not None:
        latencies += [(d.delivered_at - submitted).total_seconds() for d in outcome.deliveries]
    return case_id


async def _activities_in_a_report(client: Client, task_queue: str, sessions: SessionFactory) -> int:
    case_id = await _one_report(client, task_queue, None)
    with sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    return sum(1 for e in entries if e.step == "activity-started")


async def _temporal_for_bench(
    settings: Settings, options: BenchOptions, workdir: Path, converter: Any, key: bytes
) -> tuple[Client, WorkflowEnvironment | None]:
    """The settings' cluster, or an embedded dev server (persistent unless asked otherwise)."""
    if settings.temporal_address:
        progress(f"Temporal: existing cluster at {settings.temporal_address}")
        client = await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=converter,
            interceptors=[UpdateActors(derived_actor_assertion_key(key))],
        )
        return client, None
    kind = "in-memory" if options.in_memory_server else "persistent (SQLite file, as `dutyflow up`)"
    progress(f"Temporal: embedded dev server, {kind}")
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        dev_server_database_filename=None
        if options.in_memory_server
        else str(workdir / "temporal.db"),
        data_converter=converter,
        interceptors=[UpdateActors(derived_actor_assertion_key(key))],
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
    )
    return env.client, env


async def _measure(
    client: Client,
    sessions: SessionFactory,
    intake_url: str,
    secrets: AgencySecrets,
    options: BenchOptions,
    result: BenchResult,
) -> None:
    """The bare baseline, then the reports, on workers of their own, in the same run."""
    from dutyflow.runtime.worker import build_worker

    report_queue, bare_queue = f"bench-reports-{uuid.uuid4()}", f"bench-bare-{uuid.uuid4()}"
    executor = ThreadPoolExecutor(max_workers=16)
    async with httpx.AsyncClient(timeout=30) as http:
        report_worker = build_worker(
            client,
            task_queue=report_queue,
            sessions=sessions,
            policies=PolicyLibrary(REPO_ROOT / "policies"),
            directory=AgencyDirectory.load(REPO_ROOT / "agencies", intake_url),
            http=http,
            executor=executor,
            secrets=secrets,
            acknowledgement_base_url=None,
        )
        bare_worker = Worker(
            client,
            task_queue=bare_queue,
            workflows=[BareBaseline],
            activities=[noop],
            activity_executor=executor,
            workflow_runner=SandboxedWorkflowRunner(
                restrictions=SandboxRestrictions.default.with_passthrough_modules(
                    "pydantic", "dutyflow"
                )
            ),
        )
        async with report_worker, bare_worker:
            progress("Warm-up: one report, to count its activities")
            result.activities_per_report = await _activities_in_a_report(
                client, report_queue, sessions
            )
            progress(f"  a complete report runs {result.activities_per_report} activities")

            progress(
                f"Bare Temporal: {options.reports} workflows x "
                f"{result.activities_per_report} no-op activities"
            )

            async def bare(_: int) -> None:
                await client.execute_workflow(
                    BareBaseline.run,
                    result.activities_per_report,
                    id=f"bare-{uuid.uuid4()}",
                    task_queue=bare_queue,
                )

            seconds = await _run_concurrently(options.reports, options.concurrency, bare, "bare")
            result.bare_workflows_per_second = options.reports / seconds

            progress(f"Dutyflow: {options.reports} complete reports")

            async def report(_: int) -> None:
                await _one_report(client, report_queue, result.latencies)

            seconds = await _run_concurrently(
                options.reports, options.concurrency, report, "reports"
            )
            result.reports_per_second = options.reports / seconds
            result.worker_rss_mib, result.worker_peak_rss_mib = _rss_mib()
    executor.shutdown()


async def run_bench(settings: Settings, options: BenchOptions) -> BenchResult:
    result = BenchResult()
    workdir = Path(tempfile.mkdtemp(prefix="dutyflow-bench-"))
    key = AESGCM.generate_key(bit_length=256)
    # The product's key hierarchy, as in production: a case key per report, wrapped by the master.
    keyring = CaseKeyring(
        key_store_engine(f"sqlite:///{workdir / 'case-keys.db'}"), MasterKeys([key])
    )
    progress(f"Dutyflow benchmark: {options.reports} reports, {options.concurrency} at a time")
    client, env = await _temporal_for_bench(
        settings, options, workdir, data_converter([key], keyring), key
    )
    database_url = options.database_url or f"sqlite:///{workdir / 'dutyflow.db'}"
    progress(f"Database: {'PostgreSQL' if database_url.startswith('postgresql') else 'SQLite'}")
    engine = bind_keyring(make_engine(database_url), keyring)
    create_schema(engine)
    secrets = AgencySecrets(workdir / "keys", allow_generated=True)
    from dutyflow.intake.app import create_app as intake_app

    intake = await serve(
        intake_app(f"sqlite:///{workdir / 'intake.db'}", secrets=secrets),
        bind("127.0.0.1", 0, "intake"),
        "intake",
    )
    try:
        await _measure(client, session_factory(engine), intake.url, secrets, options, result)
    finally:
        await intake.stop()
        engine.dispose()
        if env is not None:
            await env.shutdown()

    if options.postgres_url:
        from dutyflow.benchmark.compliance import run_compliance_bench

        result.compliance = await asyncio.to_thread(
            run_compliance_bench,
            options.postgres_url,
            options.compliance_cases,
            options.audit_entries,
        )
    else:
        progress(
            "Compliance queries: skipped "
            "(no PostgreSQL URL: --postgres-url or a PostgreSQL DUTYFLOW_DATABASE_URL)"
        )
    return result


def report_text(result: BenchResult, options: BenchOptions) -> str:
    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    p50, p99 = result.percentile(0.5), result.percentile(0.99)
    lines = [
        "",
        "== Dutyflow benchmark ==",
        f"Activities per complete report:       {result.activities_per_report}",
        f"Bare Temporal throughput:             "
        f"{result.bare_workflows_per_second:8.2f} workflows/s",
        f"Dutyflow throughput:                  {result.reports_per_second:8.2f} reports/s",
        f"Ratio Dutyflow / bare:                {result.ratio:8.2f}   "
        f"(target >= 0.80: {verdict(result.ratio >= 0.8)})",
        f"Submit-to-agency latency p50:         {p50:8.3f} s",
        f"Submit-to-agency latency p99:         {p99:8.3f} s   "
        f"(target <= 1 s at {options.concurrency} concurrent: "
        f"{verdict(p99 <= 1.0 and options.concurrency >= 20)})",
        f"Worker memory (RSS now / peak):       "
        f"{result.worker_rss_mib:8.1f} / {result.worker_peak_rss_mib:.1f} MiB",
    ]
    compliance = result.compliance
    if compliance:
        lines += [
            f"PostgreSQL, {int(compliance['cases']):,} cases and "
            f"{int(compliance['audit_entries']):,} audit entries:",
            f"  overdue list:                       {compliance['overdue_ms']:8.1f} ms   "
            f"(target <= 100 ms: {verdict(compliance['overdue_ms'] <= 100)})",
            f"  accounting for one client:          {compliance['accounting_ms']:8.1f} ms   "
            f"(target <= 100 ms: {verdict(compliance['accounting_ms'] <= 100)})",
            f"  audit-chain verification:           "
            f"{compliance['verify_per_second']:8.0f} entries/s "
            f"(target >= 100,000: {verdict(compliance['verify_per_second'] >= 100_000)})",
            f"    the whole log (Merkle tree rebuilt, checked against a signed checkpoint) in "
            f"{compliance['verify_seconds']:.1f} s",
        ]
    return "\n".join(lines)
