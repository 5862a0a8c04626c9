"""The API's request middleware: one server span, one metrics observation and one DEBUG log line
per request, all keyed by the **route template** (``/reports/{case_id}/grounds``), never the path,
the query or the body."""

from __future__ import annotations

import logging
import time
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from dutyflow.observability.metrics import ApiMetrics
from dutyflow.observability.tracing import TRACER_NAME

UNMATCHED_ROUTE = "unmatched"

logger = logging.getLogger("dutyflow.api.requests")
_propagator = TraceContextTextMapPropagator()  # traceparent/tracestate only: no caller baggage


def route_template(scope: dict[str, Any]) -> str:
    """The template of the route that answered (set by Starlette's router), or ``unmatched``."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class RequestObservability:
    """Pure ASGI middleware (it does not buffer bodies or touch streaming)."""

    def __init__(
        self, app: Any, metrics: ApiMetrics, tracer_provider: trace.TracerProvider | None = None
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer(TRACER_NAME)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        status = 500
        error_type: str | None = None

        async def send_and_note_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope.get("headers", [])
            if name in (b"traceparent", b"tracestate")
        }
        started = time.perf_counter()
        with self.tracer.start_as_current_span(
            f"{method}",
            context=_propagator.extract(carrier),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                await self.app(scope, receive, send_and_note_status)
            except Exception as err:
                error_type = type(err).__name__
                raise
            finally:
                seconds = time.perf_counter() - started
                route = route_template(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_attribute("error.type", error_type or str(status))
                    span.set_status(Status(StatusCode.ERROR, error_type))
                self.metrics.observe_request(method, route, status, seconds)
                logger.debug(
                    "request",
                    extra={
                        "method": method,
                        "route": route,
                        "status_code": status,
                        "duration_ms": round(seconds * 1000, 1),
                        **({"error_type": error_type} if error_type else {}),
                    },
                )
