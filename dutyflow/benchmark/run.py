"""Running the benchmark. Everything is real: a Temporal dev server (or the configured cluster),
the reference intake service over HTTP, the database, the encrypting converter, the audit
interceptor. Clinician steps are answered automatically through Temporal Updates.

In one run, on the same server and worker settings: a warm-up report (its shape is measured),
bare Temporal with as many no-op activities, bare Temporal in the report's whole shape, then the
reports themselves with the profile of where their time goes; then, by default, the compliance
queries at scale, and with ``workers > 1`` the reports again on several worker processes."""

from __future__ import annotations

import asyncio
import dataclasses
import resource
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from dutyflow.benchmark import profile as timing
from dutyflow.benchmark.agency import AgencyIntake, agency_intake
from dutyflow.benchmark.baseline import BareBaseline, SameShapeBaseline, Shape, echo, noop
from dutyflow.benchmark.latency_path import Submission, latency_legs
from dutyflow.benchmark.pacing import progress, run_concurrently
from dutyflow.benchmark.reports import measure_shape, one_report, one_same_shape_workflow
from dutyflow.contracts import SEARCH_ATTRIBUTES
from dutyflow.crypto.keyring import CaseKeyring, MasterKeys, key_store_engine
from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.sealing import bind_keyring
from dutyflow.crypto.signing import AgencySecrets
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.runtime.stack import temporal_cli
from dutyflow.runtime.temporal import data_converter
from dutyflow.settings import REPO_ROOT, Settings
from dutyflow.store.db import SessionFactory, create_schema, make_engine, session_factory


@dataclass
class BenchOptions:
    reports: int = 200
    concurrency: int = 20
    database_url: str | None = None
    postgres_url: str | None = None
    compliance: bool = True
    compliance_cases: int = 100_000
    audit_entries: int = 1_000_000
    in_memory_server: bool = False
    workers: int = 1


@dataclass
class PhaseCpu:
    """CPU seconds over a phase: the benchmark's process (worker, client), the Temporal server's
    and the agency intake's."""

    process: float = 0.0
    server: float = 0.0
    intake: float = 0.0


@dataclass
class BenchResult:
    activities_per_report: int = 0
    shape: Shape | None = None
    bare_workflows_per_second: float = 0.0
    same_shape_per_second: float = 0.0
    reports_per_second: float = 0.0
    submissions: list[Submission] = field(default_factory=list)
    latency_legs: dict[str, list[float]] = field(default_factory=dict)
    worker_rss_mib: float = 0.0
    worker_peak_rss_mib: float = 0.0
    cpu: dict[str, PhaseCpu] = field(default_factory=dict)
    profile: timing.Profile = field(default_factory=timing.Profile)
    compliance: dict[str, float] = field(default_factory=dict)
    compliance_database: str = ""
    scale_out: list[tuple[int, float]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Reports per second over bare no-op workflows per second."""
        return _over(self.reports_per_second, self.bare_workflows_per_second)

    @property
    def same_shape_ratio(self) -> float:
        """Reports per second over bare workflows of the report's shape per second: what
        Dutyflow itself adds, Temporal's own cost of the shape taken out."""
        return _over(self.reports_per_second, self.same_shape_per_second)

    @property
    def latencies(self) -> list[float]:
        """Each measured delivery's submit-to-agency seconds."""
        return [s.latency for s in self.submissions]

    def percentile(self, share: float) -> float:
        return percentile(self.latencies, share)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _over(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _rss_mib() -> tuple[float, float]:
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return current, peak


async def _temporal_for_bench(
    settings: Settings, options: BenchOptions, workdir: Path, converter: DataConverter, key: bytes
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


@dataclass
class BenchStack:
    """What the phases share: the client, the stores, the intake service, the profile."""

    client: Client
    sessions: SessionFactory
    intake: AgencyIntake
    secrets: AgencySecrets
    options: BenchOptions
    result: BenchResult
    cpu: timing.CpuMeter


def _bare_worker(client: Client, task_queue: str, executor: ThreadPoolExecutor) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[BareBaseline, SameShapeBaseline],
        activities=[noop, echo],
        activity_executor=executor,
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(
                "pydantic", "dutyflow"
            )
        ),
    )


# The three kinds run in turns, a share of each per round, so that a machine whose speed drifts
# over the run (a shared host) slows each kind alike and the ratios stay fair.
MOST_ROUNDS = 5


def rounds_of(total: int, concurrency: int) -> list[int]:
    """How many of each kind each round runs: at most `MOST_ROUNDS` rounds, each of at least
    twice ``concurrency`` (so that every round reaches full concurrency), adding up to ``total``."""
    rounds = max(1, min(MOST_ROUNDS, total // (2 * max(1, concurrency))))
    return [total // rounds + (1 if n < total % rounds else 0) for n in range(rounds)]


@dataclass
class _Kind:
    """One kind of workflow measured: what runs one, and its time and CPU over the rounds."""

    name: str
    label: str
    one: Callable[[int], Awaitable[None]]
    seconds: float = 0.0
    cpu: PhaseCpu = field(default_factory=PhaseCpu)


async def _in_rounds(stack: BenchStack, kinds: list[_Kind]) -> None:
    """Each kind ``options.reports`` times, ``concurrency`` at a time, in turns; each kind's time
    and CPU (in `BenchResult.cpu`) are its rounds' added up. The profile records only reports."""
    options, profile = stack.options, stack.result.profile
    shares = rounds_of(options.reports, options.concurrency)
    for number, share in enumerate(shares, start=1):
        progress(f"Round {number}/{len(shares)}: {share} of each")
        for kind in kinds:
            profile.recording = kind.name == "reports"
            stack.cpu.start()
            kind.seconds += await run_concurrently(share, options.concurrency, kind.one, kind.label)
            process, server, intake = stack.cpu.stop()
            kind.cpu.process += process
            kind.cpu.server += server
            kind.cpu.intake += intake
    profile.recording = True
    for kind in kinds:
        stack.result.cpu[kind.name] = kind.cpu


async def _measure(stack: BenchStack) -> None:
    """The warm-up and its shape, both baselines, then the reports, in the same run."""
    from dutyflow.runtime.worker import build_worker

    client, options, result = stack.client, stack.options, stack.result
    report_queue, bare_queue = f"bench-reports-{uuid.uuid4()}", f"bench-bare-{uuid.uuid4()}"
    executor = ThreadPoolExecutor(max_workers=16)
    async with httpx.AsyncClient(timeout=30, event_hooks=timing.http_hooks()) as http:
        report_worker = build_worker(
            client,
            task_queue=report_queue,
            sessions=stack.sessions,
            policies=PolicyLibrary(REPO_ROOT / "policies"),
            directory=AgencyDirectory.load(REPO_ROOT / "agencies", stack.intake.url),
            http=http,
            executor=executor,
            secrets=stack.secrets,
            acknowledgement_base_url=None,
            around_audit=[timing.StepTotals(result.profile)],
            inside_audit=[timing.StepBodies(result.profile)],
        )
        # The baselines run on a client without Dutyflow's interceptors (no signed actors).
        bare_client = Client(
            client.service_client, namespace=client.namespace, data_converter=client.data_converter
        )
        async with report_worker, _bare_worker(bare_client, bare_queue, executor):
            progress("Warm-up: one report, to measure its shape")
            shape = await measure_shape(client, report_queue, stack.sessions, result.profile)
            result.shape = shape
            result.activities_per_report = shape.activities_before_updates + sum(
                shape.activities_after_update
            )
            progress(f"  a complete report runs {result.activities_per_report} activities")

            async def bare(_: int) -> None:
                await bare_client.execute_workflow(
                    BareBaseline.run,
                    result.activities_per_report,
                    id=f"bare-{uuid.uuid4()}",
                    task_queue=bare_queue,
                )

            async def same_shape(_: int) -> None:
                await one_same_shape_workflow(bare_client, bare_queue, shape)

            async def report(_: int) -> None:
                await one_report(client, report_queue, result.submissions)

            progress(
                f"{options.reports} each of: bare Temporal with no-op activities (bare), bare "
                "Temporal in a report's shape (shape), complete reports (reports), in rounds"
            )
            result.profile.reset()
            kinds = [
                _Kind("bare", "bare", bare),
                _Kind("same-shape", "shape", same_shape),
                _Kind("reports", "reports", report),
            ]
            await _in_rounds(stack, kinds)
            per_second = {k.name: options.reports / k.seconds for k in kinds}
            result.bare_workflows_per_second = per_second["bare"]
            result.same_shape_per_second = per_second["same-shape"]
            result.reports_per_second = per_second["reports"]
            result.worker_rss_mib, result.worker_peak_rss_mib = _rss_mib()
            result.latency_legs = await latency_legs(client, result.submissions)
    executor.shutdown()


def _timed_converter(key: bytes, keyring: CaseKeyring, profile: timing.Profile) -> DataConverter:
    converter = data_converter([key], keyring)
    return dataclasses.replace(
        converter, payload_codec=timing.TimedCodec(converter.payload_codec, profile)
    )


async def run_bench(settings: Settings, options: BenchOptions) -> BenchResult:
    result = BenchResult()
    workdir = Path(tempfile.mkdtemp(prefix="dutyflow-bench-"))
    key = AESGCM.generate_key(bit_length=256)
    # The product's key hierarchy, as in production: a case key per report, wrapped by the master.
    keyring = CaseKeyring(
        key_store_engine(f"sqlite:///{workdir / 'case-keys.db'}"), MasterKeys([key])
    )
    progress(f"Dutyflow benchmark: {options.reports} reports, {options.concurrency} at a time")
    converter = _timed_converter(key, keyring, result.profile)
    client, env = await _temporal_for_bench(settings, options, workdir, converter, key)
    database_url = options.database_url or f"sqlite:///{workdir / 'dutyflow.db'}"
    progress(f"Database: {'PostgreSQL' if database_url.startswith('postgresql') else 'SQLite'}")
    engine = bind_keyring(make_engine(database_url), keyring)
    create_schema(engine)
    timing.watch_database(engine, result.profile)
    stop_watching_sections = timing.watch_sections()
    secrets = AgencySecrets(workdir / "keys" / "agencies", allow_generated=True)
    try:
        async with agency_intake(workdir) as intake:
            stack = BenchStack(
                client,
                session_factory(engine),
                intake,
                secrets,
                options,
                result,
                timing.CpuMeter(timing.temporal_server_pids(), intake.pid),
            )
            await _measure(stack)
            if options.workers > 1:
                from dutyflow.benchmark.scale_out import measure_scale_out

                result.profile.recording = False  # the profile is of the reports above
                result.scale_out = await measure_scale_out(stack, key, workdir)
    finally:
        stop_watching_sections()
        engine.dispose()
        if env is not None:
            await env.shutdown()
    if options.compliance:
        await _compliance(options, result, workdir)
    return result


async def _compliance(options: BenchOptions, result: BenchResult, workdir: Path) -> None:
    from dutyflow.benchmark.compliance import run_compliance_bench

    url = options.postgres_url or f"sqlite:///{workdir / 'compliance.db'}"
    result.compliance_database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    progress(
        f"Compliance queries on {result.compliance_database}: {options.compliance_cases:,} "
        f"cases, {options.audit_entries:,} audit entries"
    )
    result.compliance = await asyncio.to_thread(
        run_compliance_bench, url, options.compliance_cases, options.audit_entries
    )
