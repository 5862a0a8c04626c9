"""`dutyflow bench` runs end to end and prints every figure with its target. This checks that the
command works on a small run; the speed itself is shown by the benchmark, never asserted here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DUTYFLOW = Path(sys.executable).parent / "dutyflow"


def test_bench_prints_throughput_ratio_latency_memory_and_compliance_figures(
    tmp_path: Path,
) -> None:
    postgres = os.environ.get("DUTYFLOW_TEST_POSTGRES_URL")
    command = [str(DUTYFLOW), "bench", "--reports", "3", "--concurrency", "3", "--in-memory-server"]
    if postgres:
        command += [
            "--postgres-url",
            postgres,
            "--compliance-cases",
            "300",
            "--audit-entries",
            "2000",
        ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYFLOW_")}

    result = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for figure in (
        "Bare Temporal throughput:",
        "Dutyflow throughput:",
        "Ratio Dutyflow / bare:",
        "latency p50:",
        "latency p99:",
        "Worker memory",
    ):
        assert figure in out
    assert "reports: 3/3" in out  # progress while it runs
    if postgres:
        assert "overdue list:" in out and "audit-chain verification:" in out
    else:
        assert "Compliance queries: skipped" in out


@pytest.mark.parametrize("flag", ["--reports", "--concurrency"])
def test_bench_refuses_a_count_below_one_naming_the_option(flag: str) -> None:
    result = subprocess.run(
        [str(DUTYFLOW), "bench", flag, "0"], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2 and flag in result.stderr
