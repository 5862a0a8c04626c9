"""Observability: structured logs with no sensitive content (:mod:`.logging`), OpenTelemetry traces
carrying ids only (:mod:`.tracing`), Prometheus metrics (:mod:`.metrics`, :mod:`.http`).

Settings: ``DUTYFLOW_LOG_LEVEL`` and ``DUTYFLOW_LOG_FORMAT`` (``json``, the default, or ``text``);
``DUTYFLOW_OTLP_ENDPOINT`` (an OTLP/HTTP collector's base URL; unset: no tracing);
``DUTYFLOW_WORKER_METRICS_PORT`` (unset: no Temporal SDK metrics) and
``DUTYFLOW_WORKER_METRICS_HOST``. The API always serves its own metrics at ``GET /metrics``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from dutyflow.observability.logging import configure_logging
from dutyflow.observability.metrics import ApiMetrics, temporal_runtime
from dutyflow.observability.tracing import configure_tracing, flush, tracing_interceptor

if TYPE_CHECKING:
    from temporalio.runtime import Runtime

    from dutyflow.settings import Settings

SERVICE_NAME = "dutyflow"

__all__ = [
    "SERVICE_NAME",
    "ApiMetrics",
    "configure_logging",
    "configure_process",
    "configure_tracing",
    "flush",
    "runtime_for",
    "temporal_runtime",
    "tracing_interceptor",
]

_configured = False
_lock = threading.Lock()


def configure_process(settings: Settings, service_name: str = SERVICE_NAME) -> None:
    """Logging and tracing for this process, from the settings; once per process (later calls,
    e.g. the API's and the worker's in ``dutyflow up``, do nothing)."""
    global _configured
    with _lock:
        if _configured:
            return
        _configured = True
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(service_name, settings.otlp_endpoint)


def runtime_for(settings: Settings) -> Runtime | None:
    """The process's Temporal runtime with Prometheus metrics, when a metrics port is set."""
    if settings.worker_metrics_port is None:
        return None
    return temporal_runtime(f"{settings.worker_metrics_host}:{settings.worker_metrics_port}")
