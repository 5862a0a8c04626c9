"""The benchmark's printed result: every figure with its target beside it and MET or MISSED,
then the profile of where a report's time goes."""

from __future__ import annotations

from dutyflow.benchmark.profile import COMPONENTS, Profile
from dutyflow.benchmark.run import BenchOptions, BenchResult, percentile

THROUGHPUT_RATIO_TARGET = 0.80
LATENCY_P99_TARGET_SECONDS = 1.0
QUERY_TARGET_MS = 100.0
VERIFY_TARGET_PER_SECOND = 100_000


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def report_text(result: BenchResult, options: BenchOptions) -> str:
    return "\n".join(
        [
            *_throughput(result, options),
            *_latency_legs(result),
            *_profile(result.profile, options.reports),
            *_writer(result, options.reports),
            *_cpu(result, options.reports),
            *_compliance(result),
            *_scale_out(result),
        ]
    )


def _throughput(result: BenchResult, options: BenchOptions) -> list[str]:
    p50, p99 = result.percentile(0.5), result.percentile(0.99)
    target = THROUGHPUT_RATIO_TARGET
    shape = result.shape
    return [
        "",
        "== Dutyflow benchmark ==",
        f"Activities per complete report:       {result.activities_per_report}"
        + (
            f"  (Updates after {shape.activities_before_updates}, then "
            f"{', '.join(map(str, shape.activities_after_update))}; payloads "
            f"~{shape.activity_payload_bytes} B)"
            if shape
            else ""
        ),
        f"Bare Temporal, no-op activities:      {result.bare_workflows_per_second:8.2f} /s",
        f"Bare Temporal, the report's shape:    {result.same_shape_per_second:8.2f} /s",
        f"Dutyflow:                             {result.reports_per_second:8.2f} reports/s",
        f"Ratio Dutyflow / bare no-op:          {result.ratio:8.2f}   "
        f"(target >= {target:.2f}: {verdict(result.ratio >= target)})",
        f"Ratio Dutyflow / bare same shape:     {result.same_shape_ratio:8.2f}   "
        f"(target >= {target:.2f}: {verdict(result.same_shape_ratio >= target)})",
        f"Submit-to-agency latency p50:         {p50:8.3f} s",
        f"Submit-to-agency latency p99:         {p99:8.3f} s   "
        f"(target <= {LATENCY_P99_TARGET_SECONDS:.0f} s at 20 concurrent: "
        f"{verdict(p99 <= LATENCY_P99_TARGET_SECONDS and options.concurrency >= 20)})",
        f"Worker memory (RSS now / peak):       "
        f"{result.worker_rss_mib:8.1f} / {result.worker_peak_rss_mib:.1f} MiB",
    ]


def _latency_legs(result: BenchResult) -> list[str]:
    """Where the submit-to-agency latency goes (`dutyflow.benchmark.latency_path`)."""
    legs = {leg: seconds for leg, seconds in result.latency_legs.items() if seconds}
    if not legs:
        return []
    lines = ["", "Submit-to-agency, leg by leg (s):", f"  {'leg':36} {'p50':>7} {'p99':>7}"]
    for leg, seconds in legs.items():
        lines.append(f"  {leg:36} {percentile(seconds, 0.5):7.3f} {percentile(seconds, 0.99):7.3f}")
    return lines


def _profile(profile: Profile, reports: int) -> list[str]:
    """Per activity type, milliseconds per report, largest first."""
    if not profile.steps or not reports:
        return []
    lines = [
        "",
        "Where a report's time goes (ms per report, summed over its attempts; the worker runs "
        "activities concurrently, so these add up to more than the wall time):",
        f"  {'activity':32} {'attempts':>8} {'total':>8} {'body':>8} {'audit':>8} "
        f"{'database':>8} {'sealing':>8} {'rendering':>9} {'http':>8} {'commits':>8}",
    ]

    def ms(seconds: float) -> str:
        return f"{1000 * seconds / reports:8.1f}"

    ordered = sorted(profile.steps.items(), key=lambda item: -item[1].seconds["total"])
    for name, step in ordered:
        lines.append(
            f"  {name:32} {step.attempts / reports:8.1f} {ms(step.seconds['total'])} "
            f"{ms(step.seconds['body'])} {ms(step.audit)} {ms(step.seconds['database'])} "
            f"{ms(step.seconds['sealing'])} {ms(step.seconds['rendering']):>9} "
            f"{ms(step.seconds['http'])} {step.transactions / reports:8.1f}"
        )
    total = {c: sum(s.seconds[c] for s in profile.steps.values()) for c in COMPONENTS}
    audit = sum(s.audit for s in profile.steps.values())
    commits = sum(s.transactions for s in profile.steps.values())
    lines += [
        f"  {'all activities':32} {'':8} {ms(total['total'])} {ms(total['body'])} {ms(audit)} "
        f"{ms(total['database'])} {ms(total['sealing'])} {ms(total['rendering']):>9} "
        f"{ms(total['http'])} {commits / reports:8.1f}",
        f"  codec: encode {ms(profile.encode.seconds)} ms per report "
        f"({profile.encode.payloads / reports:.0f} payloads, "
        f"{profile.encode.payload_bytes / reports / 1024:.1f} KiB), decode "
        f"{ms(profile.decode.seconds).strip()} ms "
        f"({profile.decode.payloads / reports:.0f} payloads)",
    ]
    return lines


def _writer(result: BenchResult, reports: int) -> list[str]:
    """How busy SQLite's one writer was while the reports ran (none: no turns are taken)."""
    turns = result.profile.writer_turns
    if not turns or not reports or not result.reports_per_second:
        return []
    held = sum(turns)
    busy = held / (reports / result.reports_per_second)
    return [
        f"  SQLite's writer (one transaction at a time): held {busy:.0%} of the reports' time, "
        f"{len(turns) / reports:.1f} turns per report, each held p50 "
        f"{1000 * percentile(turns, 0.5):.1f} ms, p99 {1000 * percentile(turns, 0.99):.1f} ms"
    ]


def _cpu(result: BenchResult, reports: int) -> list[str]:
    if not result.cpu or not reports:
        return []
    lines = [
        "",
        "CPU per workflow (ms): benchmark process (worker, client) / Temporal server / agency "
        "intake",
    ]
    for phase, cpu in result.cpu.items():
        lines.append(
            f"  {phase:12} {1000 * cpu.process / reports:8.1f} / {1000 * cpu.server / reports:8.1f}"
            f" / {1000 * cpu.intake / reports:8.1f}"
        )
    return lines


def _compliance(result: BenchResult) -> list[str]:
    figures = result.compliance
    if not figures:
        return ["", "Compliance queries: not run (--no-compliance)"]
    target = QUERY_TARGET_MS

    def query(label: str, key: str) -> str:
        return (
            f"  {label:36}{figures[key]:8.1f} ms   "
            f"(target <= {target:.0f} ms: {verdict(figures[key] <= target)})"
        )

    per_second = figures["verify_per_second"]
    return [
        "",
        f"Compliance queries on {result.compliance_database}, {int(figures['cases']):,} cases "
        f"and {int(figures['audit_entries']):,} audit entries:",
        query("overdue list:", "overdue_ms"),
        query("at-risk list (next 24 h):", "at_risk_ms"),
        query("one case's timeline:", "timeline_ms"),
        query("accounting for one client:", "accounting_ms"),
        f"  {'audit verify:':36}{per_second:8.0f} entries/s "
        f"(target >= {VERIFY_TARGET_PER_SECOND:,}: "
        f"{verdict(per_second >= VERIFY_TARGET_PER_SECOND)})",
        f"    the whole log (Merkle tree rebuilt, checked against a signed checkpoint) in "
        f"{figures['verify_seconds']:.1f} s, {figures['verify_cpu_seconds']:.1f} s of the "
        f"verifying processes' CPU (the database's own is not counted)",
        f"    making and signing that checkpoint beforehand (not in the rate): "
        f"{figures['checkpoint_ms']:.0f} ms",
        f"  {'loading the data (cases, entries, tree):':36}{figures['load_seconds']:8.1f} s",
    ]


def _scale_out(result: BenchResult) -> list[str]:
    if not result.scale_out:
        return []
    one = result.scale_out[0][1]
    lines = ["", "Scale-out on PostgreSQL (worker processes against one Temporal server):"]
    for workers, per_second in result.scale_out:
        lines.append(
            f"  {workers:2} worker(s): {per_second:8.2f} reports/s  (x{per_second / one:.2f})"
            if one
            else f"  {workers:2} worker(s): {per_second:8.2f} reports/s"
        )
    return lines
