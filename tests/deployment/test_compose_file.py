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


def test_temporal_accepts_only_clients_with_a_certificate_of_dutyflows_ca() -> None:
    temporal = COMPOSE["services"]["temporal"]
    environment = temporal["environment"]
    assert environment["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"] == "true"
    assert environment["TEMPORAL_TLS_CLIENT1_CA_CERT"].startswith("/etc/temporal/tls/")
    assert "ports" not in temporal, "Temporal's port is published to the host"
    assert "./deploy/temporal/certs/temporal:/etc/temporal/tls:ro" in temporal["volumes"]


def test_every_client_of_temporal_presents_its_own_certificate() -> None:
    services = COMPOSE["services"]
    for name in ("dutyflow-worker", "dutyflow-api", "dutyflow-intake"):
        environment = services[name]["environment"]
        assert environment["DUTYFLOW_TEMPORAL_TLS_CERT"].endswith("dutyflow.pem"), name
        assert environment["DUTYFLOW_TEMPORAL_TLS_SERVER_NAME"] == "temporal", name
        assert (
            "./deploy/temporal/certs/dutyflow:/etc/dutyflow/temporal-tls:ro"
            in (services[name]["volumes"])
        )
    assert services["temporal-ui"]["environment"]["TEMPORAL_TLS_CERT"].endswith("temporal-ui.pem")
    namespace = services["temporal-create-namespace"]["environment"]
    assert namespace["TEMPORAL_TLS_CERT_PATH"].endswith("temporal-admin.pem")
    script = (REPO_ROOT / "deploy/temporal/create-namespace.sh").read_text()
    assert '--tls-cert-path "$TEMPORAL_TLS_CERT_PATH"' in script


def test_the_temporal_web_ui_asks_for_sign_in() -> None:
    environment = COMPOSE["services"]["temporal-ui"]["environment"]
    assert environment["TEMPORAL_AUTH_ENABLED"] == "true"
    assert environment["TEMPORAL_AUTH_PROVIDER_URL"].startswith("${TEMPORAL_UI_OIDC_PROVIDER_URL:?")
    assert environment["TEMPORAL_AUTH_CLIENT_SECRET"].startswith(
        "${TEMPORAL_UI_OIDC_CLIENT_SECRET:?"
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_the_certificate_step_makes_certificates_the_ca_signed_and_dutyflow_loads(
    tmp_path: Path,
) -> None:
    from dutyflow.runtime.temporal import temporal_tls
    from dutyflow.settings import Settings

    certs = tmp_path / "certs"
    subprocess.run(
        ["sh", str(REPO_ROOT / "deploy/temporal/make-certificates.sh"), str(certs)],
        check=True,
        capture_output=True,
    )
    for name in ("temporal", "dutyflow", "temporal-ui", "temporal-admin"):
        verified = subprocess.run(
            ["openssl", "verify", "-CAfile", certs / "ca/ca.pem", certs / name / f"{name}.pem"],
            capture_output=True,
            text=True,
        )
        assert verified.returncode == 0, verified.stderr
        assert not (certs / name / "ca.key").exists()
    again = subprocess.run(
        ["sh", str(REPO_ROOT / "deploy/temporal/make-certificates.sh"), str(certs)],
        capture_output=True,
    )
    assert again.returncode != 0, "the step overwrote existing certificates"
    tls = temporal_tls(
        Settings(
            temporal_tls_cert=certs / "dutyflow/dutyflow.pem",
            temporal_tls_key=certs / "dutyflow/dutyflow.key",
            temporal_tls_ca=certs / "dutyflow/ca.pem",
            temporal_tls_server_name="temporal",
        )
    )
    assert not isinstance(tls, bool)
    assert tls.client_cert and tls.client_private_key and tls.domain == "temporal"


def test_the_example_environment_names_the_actor_assertion_key() -> None:
    example = (REPO_ROOT / "deploy/dutyflow.env.example").read_text()
    assert "DUTYFLOW_ACTOR_ASSERTION_KEY=" in example
