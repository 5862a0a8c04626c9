"""The production compose file (first cut) is valid and wires the parts in the right order.
No container engine runs here, so the file is checked, not started."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from dutyflow.settings import REPO_ROOT

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def test_every_part_of_the_stack_is_a_service() -> None:
    assert {
        "postgresql",
        "temporal-admin-tools",
        "temporal",
        "temporal-create-namespace",
        "temporal-ui",
        "dutyflow-worker",
        "dutyflow-api",
        "dutyflow-intake",
    } <= set(COMPOSE["services"])


def test_images_are_pinned() -> None:
    assert COMPOSE["services"]
    for name, service in COMPOSE["services"].items():
        image = service.get("image", "")
        assert ":" in image and not image.endswith(":latest"), f"{name} image is not pinned"


def test_temporal_starts_after_its_schema_and_dutyflow_after_its_namespace() -> None:
    services = COMPOSE["services"]
    assert services["temporal"]["depends_on"]["temporal-admin-tools"]["condition"] == (
        "service_completed_successfully"
    )
    for name in ("dutyflow-worker", "dutyflow-api", "dutyflow-intake"):
        assert services[name]["depends_on"]["temporal-create-namespace"]["condition"] == (
            "service_completed_successfully"
        )


def test_namespace_retention_is_set_on_purpose() -> None:
    assert COMPOSE["services"]["temporal-create-namespace"]["environment"]["TEMPORAL_RETENTION"]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    for item in ("docker-compose.yml", "Dockerfile", "deploy"):
        source = REPO_ROOT / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    env = (REPO_ROOT / "deploy/dutyflow.env.example").read_text()
    (tmp_path / ".env").write_text(env.replace("DUTYFLOW_MASTER_KEYS=", "DUTYFLOW_MASTER_KEYS=x"))

    result = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=tmp_path, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr


def test_the_temporal_ui_decodes_through_dutyflows_codec_server() -> None:
    ui = COMPOSE["services"]["temporal-ui"]["environment"]
    api = COMPOSE["services"]["dutyflow-api"]["environment"]

    assert ui["TEMPORAL_CODEC_ENDPOINT"].endswith(":8000/codec")
    assert "http://localhost:8080" in api["DUTYFLOW_CODEC_CORS_ORIGINS"]


def test_the_worker_exposes_prometheus_metrics() -> None:
    worker = COMPOSE["services"]["dutyflow-worker"]["environment"]

    assert (
        worker["DUTYFLOW_WORKER_METRICS_PORT"]
        and worker["DUTYFLOW_WORKER_METRICS_HOST"] == "0.0.0.0"
    )
