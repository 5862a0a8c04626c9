"""Where Dutyflow's messages go: the configured SMTP server, the local sink in development, and
never nowhere in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dutyflow.crypto.signed_note import NoteSigner
from dutyflow.mail.configured import configured_mail_server, uses_local_sink
from dutyflow.settings import Settings


def test_production_refuses_to_start_without_a_mail_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DUTYFLOW_SMTP_HOST", raising=False)
    with pytest.raises(ValidationError, match="DUTYFLOW_SMTP_HOST must be set"):
        Settings(
            environment="production",
            master_keys="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            key_store_url="sqlite:///keys.db",
            audit_checkpoint_dir="/var/lib/dutyflow/audit-checkpoints",
            audit_signing_key=NoteSigner.generate("example.org/audit").text(),
        )


def test_development_without_a_server_uses_the_local_sink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUTYFLOW_SMTP_HOST", raising=False)
    settings = Settings(data_dir=tmp_path, mail_sink_port=2525)
    server = configured_mail_server(settings)
    assert uses_local_sink(settings)
    assert server is not None
    assert (server.host, server.port, server.security) == ("127.0.0.1", 2525, "none")


def test_a_configured_server_is_reached_over_starttls_by_default(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, smtp_host="smtp.clinic.example", smtp_password="s3")
    server = configured_mail_server(settings)
    assert not uses_local_sink(settings)
    assert server is not None
    assert (server.host, server.port, server.security) == ("smtp.clinic.example", 587, "starttls")
    assert server.password == "s3"
