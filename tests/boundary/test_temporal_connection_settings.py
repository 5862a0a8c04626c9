"""Production reaches Temporal only over mutual TLS, with an actor assertion key of its own (never
derived); the embedded development stack binds Temporal to 127.0.0.1 and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dutyflow.crypto.keys import actor_assertion_key, derived_actor_assertion_key
from dutyflow.crypto.signed_note import NoteSigner
from dutyflow.runtime.stack import EMBEDDED_TEMPORAL_NOTICE, dev_server_command
from dutyflow.settings import Settings

MASTER = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
PRODUCTION = {
    "environment": "production",
    "master_keys": MASTER,
    "key_store_url": "sqlite:///keys.db",
    "audit_checkpoint_dir": "/var/lib/dutyflow/audit-checkpoints",
    "smtp_host": "smtp.clinic.example",
    "actor_assertion_key": "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=",
    "temporal_tls_cert": "/etc/dutyflow/temporal-tls/dutyflow.pem",
    "temporal_tls_key": "/etc/dutyflow/temporal-tls/dutyflow.key",
    "temporal_tls_ca": "/etc/dutyflow/temporal-tls/ca.pem",
}


@pytest.fixture(autouse=True)
def _no_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DUTYFLOW_MASTER_KEYS", "DUTYFLOW_ACTOR_ASSERTION_KEY"):
        monkeypatch.delenv(name, raising=False)


def production(**changes: object) -> Settings:
    signer = NoteSigner.generate("example.org/audit").text()
    values = {**PRODUCTION, "audit_signing_key": signer, **changes}
    return Settings(**{k: v for k, v in values.items() if v is not None})  # type: ignore[arg-type]


def test_production_with_everything_given_starts() -> None:
    assert actor_assertion_key(production()) == b"B" * 32


def test_production_refuses_to_start_without_an_actor_assertion_key() -> None:
    with pytest.raises(ValidationError, match="DUTYFLOW_ACTOR_ASSERTION_KEY must be set"):
        production(actor_assertion_key=None)


@pytest.mark.parametrize("missing", ["temporal_tls_cert", "temporal_tls_key", "temporal_tls_ca"])
def test_production_refuses_to_reach_temporal_without_mutual_tls(missing: str) -> None:
    with pytest.raises(ValidationError, match="only over mutual TLS"):
        production(**{missing: None})


def test_a_short_actor_assertion_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        actor_assertion_key(production(actor_assertion_key="c2hvcnQ="))


def test_development_derives_its_actor_assertion_key_from_the_master_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, master_keys=MASTER)
    assert actor_assertion_key(settings) == derived_actor_assertion_key(b"\0" * 32)
    assert actor_assertion_key(settings) != b"\0" * 32


def test_the_embedded_temporal_listens_on_loopback_only_and_says_so(tmp_path: Path) -> None:
    command = dev_server_command(Settings(data_dir=tmp_path), tmp_path / "temporal.db")
    assert command[command.index("--ip") + 1] == "127.0.0.1"
    assert "127.0.0.1 only" in EMBEDDED_TEMPORAL_NOTICE and "mutual TLS" in EMBEDDED_TEMPORAL_NOTICE
