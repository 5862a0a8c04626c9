"""`dutyflow bench` runs end to end and prints every figure with its target. This checks that the
command works on a small run; the speed itself is shown by the benchmark, never asserted here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dutyflow.benchmark.latency_path import LEGS
from tests.cli_in_process import in_process

pytestmark = pytest.mark.takes_minutes

DUTYFLOW = Path(sys.executable).parent / "dutyflow"


def test_bench_prints_both_ratios_latency_profile_cpu_compliance_and_scale_out(
    tmp_path: Path,
) -> None:
    postgres = os.environ.get("DUTYFLOW_TEST_POSTGRES_URL")
    command = [
        str(DUTYFLOW),
        "bench",
        "--reports",
        "3",
        "--concurrency",
        "3",
        "--in-memory-server",
        "--compliance-cases",
        "300",
        "--audit-entries",
        "2000",
    ]
    if postgres:
        command += ["--postgres-url", postgres, "--workers", "2"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYFLOW_")}

    result = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900
    )

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "reports: 3/3" in out  # progress while it runs
    for figure in (
        "Bare Temporal, no-op activities:",
        "Bare Temporal, the report's shape:",
        "Ratio Dutyflow / bare no-op:",
        "Ratio Dutyflow / bare same shape:",
        "latency p50:",
        "latency p99:",
        "Worker memory",
        "overdue list:",
        "at-risk list",
        "one case's timeline:",
        "accounting for one client:",
        "audit verify:",
        "signing that checkpoint",
        "loading the data",
    ):
        assert figure in out
    assert out.count("MET") + out.count("MISSED") >= 8  # every target judged
    profile = out.split("Where a report's time goes", 1)[1]
    for activity in ("open_case", "render_report", "deliver_report", "record_outcome"):
        assert f"  {activity} " in profile
    assert "codec: encode" in profile
    header, *rows = profile.splitlines()[1:]
    columns = header.split()
    for column in ("body", "audit", "database", "sealing", "rendering", "http", "commits"):
        assert column in columns
    render_report = next(row.split() for row in rows if row.startswith("  render_report "))
    figures = dict(zip(columns[1:], map(float, render_report[1:]), strict=True))
    # Rendering the report, and its case content sealed and opened, are measured where they run.
    assert figures["rendering"] > 0
    assert figures["sealing"] > 0
    assert "SQLite's writer (one transaction at a time): held " in profile  # the reports' database
    cpu = out.split("CPU per workflow", 1)[1]
    assert "Temporal server / agency intake" in cpu  # the agency's intake runs as its own process
    for phase in ("bare", "same-shape", "reports"):
        assert f"  {phase} " in cpu
    legs = out.split("Submit-to-agency, leg by leg", 1)[1]
    for leg in LEGS:
        assert f"  {leg} " in legs
    database = "PostgreSQL" if postgres else "SQLite"
    assert f"Compliance queries on {database}, 300 cases and 2,000 audit entries" in out
    if postgres:
        scale_out = out.split("Scale-out on PostgreSQL", 1)[1]
        assert " 1 worker(s):" in scale_out and " 2 worker(s):" in scale_out


def test_bench_scale_out_needs_postgresql(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DUTYFLOW_DATABASE_URL", "DUTYFLOW_BENCH_POSTGRES_URL"):
        monkeypatch.delenv(name, raising=False)

    status, _out, err = in_process(monkeypatch, capsys)("bench", "--workers", "2")

    assert status == 2 and "--workers" in err


@pytest.mark.parametrize("flag", ["--reports", "--concurrency", "--workers"])
def test_bench_refuses_a_count_below_one_naming_the_option(
    flag: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _out, err = in_process(monkeypatch, capsys)("bench", flag, "0")

    assert status == 2 and flag in err
