"""One place for Dutyflow's settings: environment variables (prefix ``DUTYFLOW_``) or a settings
file named by ``DUTYFLOW_SETTINGS_FILE`` (default ``dutyflow.env`` in the working directory)."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


def _checked_zone(name: str, setting: str) -> str:
    """``name`` if it is an IANA time zone; else an error naming ``setting``, not the value."""
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{setting}: not an IANA time zone name (such as America/Los_Angeles)"
        ) from None
    return name.strip()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DUTYFLOW_",
        env_file=os.environ.get("DUTYFLOW_SETTINGS_FILE", "dutyflow.env"),
        extra="ignore",
    )

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path(".dutyflow")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: a SQLite file in the data directory"
    )

    temporal_address: str | None = Field(
        default=None,
        description="host:port of an existing Temporal cluster; unset: embedded server",
    )
    temporal_tls_cert: Path | None = Field(
        default=None,
        description="PEM client certificate Dutyflow presents to Temporal (mutual TLS); "
        "required in production (`deploy/temporal/make-certificates.sh` makes one)",
    )
    temporal_tls_key: Path | None = Field(
        default=None, description="PEM private key of the Temporal client certificate"
    )
    temporal_tls_ca: Path | None = Field(
        default=None, description="PEM certificate of the CA that signed Temporal's certificate"
    )
    temporal_tls_server_name: str | None = Field(
        default=None, description="the name in Temporal's certificate (default: the host)"
    )
    temporal_namespace: str = "default"
    task_queue: str = "dutyflow-reports"
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    history_retention_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Temporal history retention set on the embedded server's namespace",
    )

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_url: str | None = None

    intake_host: str = "127.0.0.1"
    intake_port: int = 8001
    intake_base_url: str | None = None
    intake_database_url: str | None = None
    run_intake: bool = True

    acknowledgement_base_url: str | None = Field(
        default=None, description="where agencies send acknowledgements; default: the API URL"
    )
    acknowledgement_follow_up_hours: float = Field(default=24, gt=0, le=24 * 30)
    agency_directory: Path = REPO_ROOT / "agencies"
    policies_dir: Path = REPO_ROOT / "policies"

    codec_cors_origins: list[str] = Field(
        default_factory=list,
        description="origins of the Temporal Web UI allowed to call the codec server "
        "(default: the embedded Web UI)",
    )
    master_keys: str | None = Field(
        default=None,
        description="comma-separated base64 AES-256 master keys, newest first: the newest wraps "
        "new case keys, the others still unwrap (rotation); development generates one",
    )
    actor_assertion_key: str | None = Field(
        default=None,
        description="base64 key (32 bytes or more) with which the API signs who takes each step "
        "of a case and the worker checks it; never given to Temporal. Development derives one "
        "from the newest master key",
    )
    key_store_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the key store holding the wrapped case keys; "
        "default: a SQLite file under the data directory's keys/",
    )
    record_retention_days: int = Field(
        default=7 * 366,
        ge=1,
        le=100 * 366,
        description="how long a closed case's content is kept before its key may be destroyed",
    )

    audit_signing_key: str | None = Field(
        default=None,
        description="the audit log's checkpoint signing key, PRIVATE+KEY+<origin>+<id>+<key> "
        "(`dutyflow audit keygen`); development generates one in the data directory",
    )
    audit_log_origin: str | None = Field(
        default=None,
        description="the checkpoints' origin line: the signing key's name (only needed to name a "
        "generated development key, or to check the key given)",
    )
    audit_checkpoint_dir: Path | None = Field(
        default=None,
        description="where signed checkpoints are written, outside the database; default: "
        "audit-checkpoints/ in the data directory",
    )
    audit_checkpoint_interval_seconds: float = Field(
        default=300,
        gt=0,
        le=24 * 3600,
        description="how often the worker makes a checkpoint (and at every case closing)",
    )

    time_zone: str = Field(
        default="UTC",
        description="the IANA time zone (such as America/Los_Angeles) in which the web pages show "
        "and take times, for users of a clinic not named in clinic_time_zones and of no clinic; "
        "times are stored in UTC",
    )
    clinic_time_zones: dict[str, str] = Field(
        default_factory=dict,
        description='each clinic\'s IANA time zone, as JSON: {"clinic-id": "America/Chicago"}',
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object per line on stderr; text: for terminals"
    )
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP collector base URL for traces; unset: no tracing"
    )
    worker_metrics_port: int | None = Field(
        default=None, description="port for the Temporal SDK's Prometheus metrics; unset: none"
    )
    worker_metrics_host: str = "127.0.0.1"

    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for notifications and e-mailed reports; unset in development: "
        "the embedded stack's local mail sink",
    )
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls: upgrade the connection (port 587); tls: TLS from the start (465); "
        "none: plain, only for a local sink",
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_ca_file: Path | None = Field(
        default=None, description="CA certificates to trust for the SMTP server (default: system)"
    )
    mail_from: str = Field(
        default="Dutyflow <dutyflow@localhost>", description="the sender of Dutyflow's messages"
    )
    mail_sink_port: int = Field(
        default=8025, gt=0, lt=65536, description="the embedded stack's local mail sink (SMTP)"
    )
    fax_provider_url: str | None = Field(
        default=None,
        description="a fax provider's endpoint taking Dutyflow's fax contract (README, 'Fax "
        "provider contract'); unset: the practitioner faxes reports to fax agencies",
    )
    fax_provider_token: SecretStr | None = Field(
        default=None, description="the bearer credential the fax provider expects"
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("otlp_endpoint", "worker_metrics_port", "fax_provider_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("time_zone")
    @classmethod
    def _iana_time_zone(cls, value: str) -> str:
        return _checked_zone(value, "DUTYFLOW_TIME_ZONE")

    @field_validator("clinic_time_zones")
    @classmethod
    def _iana_clinic_time_zones(cls, value: dict[str, str]) -> dict[str, str]:
        return {
            clinic: _checked_zone(zone, f"DUTYFLOW_CLINIC_TIME_ZONES ({clinic})")
            for clinic, zone in value.items()
        }

    @field_validator(
        "api_port", "intake_port", "temporal_port", "temporal_ui_port", "worker_metrics_port"
    )
    @classmethod
    def _port_in_range(cls, value: int | None) -> int | None:
        if value is None:
            return value
        if not 0 < value < 65536:
            raise ValueError("must be a TCP port between 1 and 65535")
        return value

    @model_validator(mode="after")
    def _fax_provider_complete(self) -> Settings:
        if self.fax_provider_url is None:
            return self
        if not self.fax_provider_token or not self.fax_provider_token.get_secret_value():
            raise ValueError(
                "DUTYFLOW_FAX_PROVIDER_TOKEN must be set with DUTYFLOW_FAX_PROVIDER_URL"
            )
        if self.environment == "production" and not self.fax_provider_url.startswith("https://"):
            # The PDF is the report itself: never across the network in the clear.
            raise ValueError("DUTYFLOW_FAX_PROVIDER_URL must be an https:// address in production")
        if not self.fax_provider_url.startswith(("https://", "http://")):
            raise ValueError("DUTYFLOW_FAX_PROVIDER_URL must be an http(s):// address")
        return self

    @model_validator(mode="after")
    def _production_needs_explicit_secrets(self) -> Settings:
        if self.environment == "production" and not self.master_keys:
            raise ValueError("DUTYFLOW_MASTER_KEYS must be set in production (no generated keys)")
        if self.environment == "production" and not self.key_store_url:
            raise ValueError("DUTYFLOW_KEY_STORE_URL must be set in production")
        if self.environment == "production" and not self.smtp_host:
            # Deadlines escalate by e-mail: production has a real mail server, never the sink.
            raise ValueError("DUTYFLOW_SMTP_HOST must be set in production")
        if self.environment == "production" and not self.audit_signing_key:
            raise ValueError(
                "DUTYFLOW_AUDIT_SIGNING_KEY must be set in production (no generated keys)"
            )
        if self.environment == "production" and self.audit_checkpoint_dir is None:
            raise ValueError(
                "DUTYFLOW_AUDIT_CHECKPOINT_DIR must be set in production: a place outside the "
                "database where the signed checkpoints are kept"
            )
        if self.environment == "production" and not self.actor_assertion_key:
            raise ValueError(
                "DUTYFLOW_ACTOR_ASSERTION_KEY must be set in production (no derived keys)"
            )
        if self.environment == "production" and not (
            self.temporal_tls_cert and self.temporal_tls_key and self.temporal_tls_ca
        ):
            raise ValueError(
                "DUTYFLOW_TEMPORAL_TLS_CERT, DUTYFLOW_TEMPORAL_TLS_KEY and "
                "DUTYFLOW_TEMPORAL_TLS_CA must be set in production: Dutyflow reaches Temporal "
                "only over mutual TLS"
            )
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'dutyflow.db'}"

    @cached_property
    def resolved_key_store_url(self) -> str:
        return (
            self.key_store_url or f"sqlite:///{self.data_dir.resolve() / 'keys' / 'case-keys.db'}"
        )

    @property
    def resolved_audit_checkpoint_dir(self) -> Path:
        return (self.audit_checkpoint_dir or self.data_dir / "audit-checkpoints").resolve()

    @cached_property
    def resolved_intake_database_url(self) -> str:
        return self.intake_database_url or f"sqlite:///{self.data_dir.resolve() / 'intake.db'}"

    @property
    def resolved_intake_base_url(self) -> str:
        return self.intake_base_url or f"http://127.0.0.1:{self.intake_port}"

    @property
    def resolved_api_url(self) -> str:
        return self.api_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def resolved_codec_cors_origins(self) -> list[str]:
        return self.codec_cors_origins or [
            f"http://127.0.0.1:{self.temporal_ui_port}",
            f"http://localhost:{self.temporal_ui_port}",
        ]

    @property
    def resolved_acknowledgement_base_url(self) -> str:
        return self.acknowledgement_base_url or self.resolved_api_url

    @property
    def resolved_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"
