"""Structured logs: JSON lines carrying only allow-listed fields; nothing a clinician wrote."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from dutyflow.observability.logging import ALLOWED_FIELDS, configure_logging
from dutyflow.settings import Settings
from tests.test_mandated_report import WITHHELD_MARKERS

MARKER = WITHHELD_MARKERS["clinical_context.diagnosis"]
VICTIM = "Sam Example"


@pytest.fixture(autouse=True)
def logger_levels() -> Iterator[None]:
    """configure_logging changes the process's logging: put it back for the other tests."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    levels = {
        name: logging.getLogger(name).level for name in ("", "uvicorn.access", "httpx", "httpcore")
    }
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def captured() -> io.StringIO:
    """The process's logging configured as in production, into a buffer."""
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream)
    return stream


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_with_allowed_fields_and_no_content(captured: io.StringIO) -> None:
    log = logging.getLogger("dutyflow.test")
    log.info(
        "grounds documented",
        extra={"case_id": "case-1234", "step": "grounds-documented", "count": 3, "grounds": MARKER},
    )
    log.warning(
        "delivery refused",
        extra={"agency_id": "demo-county-cws", "status_code": 409, "victim": VICTIM},
    )
    log.info("not a scalar", extra={"case_id": {"name": VICTIM}})

    first, second, third = lines(captured)
    assert first["message"] == "grounds documented"
    assert first["level"] == "INFO" and first["logger"] == "dutyflow.test"
    assert first["time"].endswith("+00:00")
    assert (
        first["case_id"] == "case-1234"
        and first["step"] == "grounds-documented"
        and first["count"] == 3
    )
    assert "grounds" not in first
    assert second["agency_id"] == "demo-county-cws" and second["status_code"] == 409
    assert "victim" not in second
    assert "case_id" not in third
    assert MARKER not in captured.getvalue() and VICTIM not in captured.getvalue()


def test_exceptions_are_logged_by_type_and_frames_never_by_message(captured: io.StringIO) -> None:
    try:
        raise ValueError(f"could not parse {MARKER}")
    except ValueError:
        logging.getLogger("dutyflow.test").exception(
            "step failed", extra={"step": "record-grounds"}
        )

    [line] = lines(captured)
    assert line["exception_type"] == "builtins.ValueError"
    assert line["stack"] and all(" in " in frame for frame in line["stack"])
    assert MARKER not in captured.getvalue()


def test_temporal_context_is_reduced_to_ids(captured: io.StringIO) -> None:
    logging.getLogger("temporalio.activity").warning(
        "Completing activity as failed",
        extra={
            "temporal_activity": {
                "activity_id": "7",
                "activity_type": "deliver_report",
                "attempt": 2,
                "workflow_id": "case-abc",
                "workflow_run_id": "run-1",
                "heartbeat_details": [MARKER],
            }
        },
    )
    [line] = lines(captured)
    assert line["activity_type"] == "deliver_report" and line["workflow_id"] == "case-abc"
    assert line["run_id"] == "run-1" and line["attempt"] == 2
    assert "temporal_activity" not in line and MARKER not in captured.getvalue()


def test_text_format_and_no_access_lines() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json", stream)
    configure_logging("INFO", "text", stream)  # replaces its own handler: one line per record
    logging.getLogger("dutyflow.test").info(
        "worker started", extra={"task_queue": "q", "body": MARKER}
    )
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /reports/case-1 HTTP/1.1" 200')
    logging.getLogger("httpx").info("HTTP Request: POST http://agency/reports/case-1")
    [line] = stream.getvalue().splitlines()
    assert "dutyflow.test: worker started task_queue=q" in line
    assert MARKER not in line
    assert "case_id" in ALLOWED_FIELDS and "body" not in ALLOWED_FIELDS


def test_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    assert (defaults.log_level, defaults.log_format) == ("INFO", "json")
    assert defaults.otlp_endpoint is None and defaults.worker_metrics_port is None
    monkeypatch.setenv("DUTYFLOW_LOG_LEVEL", "debug")
    monkeypatch.setenv("DUTYFLOW_LOG_FORMAT", "text")
    monkeypatch.setenv("DUTYFLOW_OTLP_ENDPOINT", "http://collector:4318")
    monkeypatch.setenv("DUTYFLOW_WORKER_METRICS_PORT", "9464")
    configured = Settings()
    assert configured.log_level == "DEBUG" and configured.log_format == "text"
    assert configured.otlp_endpoint == "http://collector:4318"
    assert configured.worker_metrics_port == 9464
    monkeypatch.setenv("DUTYFLOW_WORKER_METRICS_PORT", "70000")
    with pytest.raises(ValueError):
        Settings()
