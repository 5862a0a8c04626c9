"""Prometheus metrics.

- **Worker** (and any Temporal client of the process): the Temporal SDK's own metrics
  (``temporal_*``: task latencies, activity and workflow completions, poll results...) served by
  the SDK at ``http://<host>:<DUTYFLOW_WORKER_METRICS_PORT>/metrics``. They need a
  :class:`temporalio.runtime.Runtime`, created once per process and handed to ``Client.connect``.
- **API**: ``GET /metrics`` on the API, from a registry of the app's own (no global registry, so
  several apps in one process never collide): ``http_requests_total`` and
  ``http_request_duration_seconds`` by method, route template and status, and the domain
  counters ``reports_opened_total`` and ``clinician_step_refusals_total`` by step.

Labels are methods, route templates, status codes and step names: never ids, never content.
"""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

__all__ = ["CONTENT_TYPE_LATEST", "ApiMetrics", "temporal_runtime"]

_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

CLINICIAN_STEPS: dict[str, str] = {
    # API endpoint -> step label
    "open_report": "open_report",
    "document_grounds": "document_grounds",
    "record_phone_report": "record_phone_report",
    "confirm_report": "confirm_report",
    "retry_delivery": "retry_delivery",
    "withdraw_case": "withdraw_case",
    "add_supplemental_report": "add_supplemental_report",
}
"""The clinician steps whose refusals are counted, by the name of the API endpoint."""


class ApiMetrics:
    """The API's metrics, in a registry of their own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ("method", "route"),
            registry=self.registry,
        )
        self.reports_opened = Counter(
            "reports_opened", "Mandated reports opened (workflows started).", registry=self.registry
        )
        self.step_refusals = Counter(
            "clinician_step_refusals",
            "Clinician steps refused (invalid input or state), by step; nothing was recorded.",
            ("step",),
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in _HTTP_METHODS else "OTHER"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def refused(self, endpoint_name: str | None) -> None:
        step = CLINICIAN_STEPS.get(endpoint_name or "")
        if step is not None:
            self.step_refusals.labels(step).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


_runtime: Runtime | None = None
_runtime_address: str | None = None
_runtime_lock = threading.Lock()


def temporal_runtime(bind_address: str) -> Runtime:
    """The process's Temporal runtime serving Prometheus metrics on ``bind_address``
    (``host:port``). Created on the first call; later calls get the same runtime, and asking for
    another address is an error (a process has one runtime for its metrics)."""
    global _runtime, _runtime_address
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime(
                telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind_address))
            )
            _runtime_address = bind_address
        elif bind_address != _runtime_address:
            raise RuntimeError(
                "this process already serves Temporal metrics on "
                f"{_runtime_address}, not {bind_address}"
            )
        return _runtime
