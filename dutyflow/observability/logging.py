"""Structured logs with no sensitive content.

**The rule.** A log record says *what happened to which thing*, never *what the case says*:

- Messages are fixed text written in the code (``logger.info("report delivered", extra=...)``).
  They are passed through unchanged, so our code never formats case content (names, narratives,
  clinical fields, documents, request bodies) into a message, not even through ``%s`` arguments.
- Anything variable goes in ``extra=`` under one of the keys in :data:`ALLOWED_FIELDS`: opaque ids,
  step and stage names, counts, durations, HTTP methods, route templates and status codes. Values
  must be scalars (strings are cut to 200 characters).
- Every other ``extra`` key is **dropped** by :class:`AllowListFilter` before formatting, so a key
  added by mistake (``extra={"grounds": ...}``) never reaches the log.
- An exception is logged as its type and its stack frames (file, line, function), never its
  message, which may quote a value.
- uvicorn's access log is off (``dutyflow.runtime.serving.serve`` passes ``access_log=False``
  and it is silenced here too), and so are httpx's per-request lines (full URLs). The API's request
  middleware logs each request at DEBUG with the route template (``/reports/{case_id}``), not
  the path.

Temporal's own workflow and activity loggers attach a ``temporal_workflow`` or
``temporal_activity`` dict; its ids (workflow id, run id, activity id and type, attempt, task
queue) are lifted into allow-listed fields and the rest is dropped.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import IO, Any, Literal

from opentelemetry import trace

LogFormat = Literal["json", "text"]

ALLOWED_FIELDS: frozenset[str] = frozenset(
    {
        # opaque identifiers
        "case_id",
        "workflow_id",
        "run_id",
        "workflow_type",
        "activity_id",
        "activity_type",
        "update_id",
        "report_id",
        "agency_id",
        "recipient_id",
        "practitioner_id",
        "clinic_id",
        "reference_number",
        "task_queue",
        "namespace",
        "service",
        # step names and states
        "step",
        "stage",
        "decision",
        "attempt",
        # counts and durations
        "count",
        "duration_ms",
        # HTTP
        "method",
        "route",
        "status_code",
        "port",
        "error_type",
    }
)
"""The only ``extra`` keys a log record may carry. Add a key here only for ids, names of steps
or states, counts, durations and status codes: never for anything a clinician or client wrote."""

_MAX_VALUE_LENGTH = 200
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}
_TEMPORAL_CONTEXTS = {
    "temporal_workflow": {
        "workflow_id": "workflow_id",
        "run_id": "run_id",
        "workflow_type": "workflow_type",
        "task_queue": "task_queue",
        "namespace": "namespace",
        "attempt": "attempt",
    },
    "temporal_activity": {
        "activity_id": "activity_id",
        "activity_type": "activity_type",
        "workflow_id": "workflow_id",
        "workflow_run_id": "run_id",
        "workflow_type": "workflow_type",
        "task_queue": "task_queue",
        "namespace": "namespace",
        "attempt": "attempt",
    },
}
_HANDLER_MARK = "_dutyflow_observability"


def _safe_value(value: Any) -> tuple[bool, Any]:
    if value is None or isinstance(value, bool | int | float):
        return True, value
    if isinstance(value, str):
        return True, value[:_MAX_VALUE_LENGTH]
    return False, None


class AllowListFilter(logging.Filter):
    """Drops every ``extra`` key that is not in :data:`ALLOWED_FIELDS` (and allowed keys whose
    value is not a scalar). Attached to the handler, so it covers records from every logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        lifted: dict[str, Any] = {}
        for key in [k for k in record.__dict__ if k not in _STANDARD_ATTRIBUTES]:
            value = record.__dict__.pop(key)
            if key in _TEMPORAL_CONTEXTS and isinstance(value, dict):
                for source, target in _TEMPORAL_CONTEXTS[key].items():
                    if source in value:
                        lifted.setdefault(target, value[source])
                continue
            if key in ALLOWED_FIELDS:
                lifted[key] = value
        for key, value in lifted.items():
            ok, safe = _safe_value(value)
            if ok:
                record.__dict__[key] = safe
        return True


def structured_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The allow-listed fields of a record (after :class:`AllowListFilter`), plus the current
    trace and span ids when a span is recording."""
    fields = {key: record.__dict__[key] for key in sorted(ALLOWED_FIELDS) if key in record.__dict__}
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        fields["trace_id"] = format(context.trace_id, "032x")
        fields["span_id"] = format(context.span_id, "016x")
    return fields


def _exception_fields(record: logging.LogRecord) -> dict[str, Any]:
    if not record.exc_info or record.exc_info[0] is None:
        return {}
    exc_type, _exc, tb = record.exc_info
    return {
        "exception_type": f"{exc_type.__module__}.{exc_type.__qualname__}",
        "stack": [
            f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(tb)
        ],
    }


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the allowed fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(structured_fields(record))
        line.update(_exception_fields(record))
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message key=value ...`` for reading in a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = structured_fields(record)
        text = f"{_time(record)} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if fields:
            text += " " + " ".join(f"{key}={value}" for key, value in fields.items())
        exception = _exception_fields(record)
        if exception:
            text += f" exception_type={exception['exception_type']}"
            text += "".join(f"\n    at {frame}" for frame in exception["stack"])
        return text


def make_handler(fmt: LogFormat = "json", stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(AllowListFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    return handler


def configure_logging(
    level: str | int = "INFO", fmt: LogFormat = "json", stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log record of the process to ``stream`` (stderr) as JSON lines (or text), through
    the allow-list filter. Calling it again replaces the handler it installed before; handlers
    installed by others are left alone. Returns the handler."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, _HANDLER_MARK, False):
            root.removeHandler(existing)
    handler = make_handler(fmt, stream)
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # Access lines and httpx's request lines carry raw URLs; the API middleware logs route
    # templates instead, and delivery outcomes are audited.
    for noisy in ("uvicorn.access", "httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
