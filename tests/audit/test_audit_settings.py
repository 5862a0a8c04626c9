"""The checkpoint signing key is kept like the master keys: given in production (never generated
there, never in the database), generated once under the data directory in development."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dutyflow.crypto.keys import audit_log_signer, audit_log_verifier
from dutyflow.crypto.signed_note import NoteError, NoteSigner
from dutyflow.settings import Settings

PRODUCTION = {
    "environment": "production",
    "master_keys": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "key_store_url": "sqlite:///keys.db",
    "audit_checkpoint_dir": "/var/lib/dutyflow/audit-checkpoints",
    "smtp_host": "smtp.clinic.example",
}


def test_production_refuses_to_start_without_the_audit_signing_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DUTYFLOW_AUDIT_SIGNING_KEY", raising=False)

    with pytest.raises(ValidationError, match="DUTYFLOW_AUDIT_SIGNING_KEY must be set"):
        Settings(**PRODUCTION)


def test_production_refuses_to_start_without_a_checkpoint_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DUTYFLOW_AUDIT_CHECKPOINT_DIR", raising=False)
    key = NoteSigner.generate("example.org/audit").text()

    with pytest.raises(ValidationError, match="DUTYFLOW_AUDIT_CHECKPOINT_DIR must be set"):
        Settings(**{**PRODUCTION, "audit_checkpoint_dir": None, "audit_signing_key": key})


def test_development_generates_one_key_under_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUTYFLOW_AUDIT_SIGNING_KEY", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert audit_log_verifier(settings) is None  # no key yet, and none made by asking

    signer = audit_log_signer(settings)

    assert audit_log_signer(settings).text() == signer.text()
    assert (tmp_path / "keys" / "audit-log.key").stat().st_mode & 0o077 == 0
    assert audit_log_verifier(settings) == signer.verifier


def test_an_origin_that_differs_from_the_keys_name_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = NoteSigner.generate("example.org/audit").text()
    monkeypatch.setenv("DUTYFLOW_AUDIT_SIGNING_KEY", key)

    with pytest.raises(NoteError, match="DUTYFLOW_AUDIT_LOG_ORIGIN differs"):
        audit_log_signer(Settings(audit_log_origin="example.org/other"))
