"""OpenTelemetry traces: the API's requests and Temporal's client, workflow and activity spans.

Spans carry **ids only**. The Temporal interceptor names spans after workflow, Update, Query and
activity *types* (``RunActivity:deliver_report``) and sets workflow, run, activity and Update ids;
the API names spans after route templates. Failed spans would also carry the exception's message
and stack trace, which may quote a value, so every exporter is wrapped in
:class:`RedactingSpanExporter`: it keeps only allow-listed attributes, reduces exception events to
the exception type and the status description to the error type.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
    SpanProcessor,
)
from opentelemetry.trace import Link, Status
from temporalio.contrib.opentelemetry import TracingInterceptor

TRACER_NAME = "dutyflow"

ALLOWED_SPAN_ATTRIBUTES: frozenset[str] = frozenset(
    {
        # set by temporalio.contrib.opentelemetry.TracingInterceptor
        "temporalWorkflowID",
        "temporalRunID",
        "temporalActivityID",
        "temporalActivityType",
        "temporalUpdateID",
        # set by the API's request middleware
        "http.request.method",
        "http.route",
        "http.response.status_code",
        "error.type",
        # exception events, reduced to the type
        "exception.type",
    }
)
_ERROR_TYPE = re.compile(r"^[A-Za-z_][\w.]*")


def _attributes(attributes: Any) -> dict[str, Any]:
    return {
        key: value for key, value in (attributes or {}).items() if key in ALLOWED_SPAN_ATTRIBUTES
    }


def _status(status: Status) -> Status:
    if not status.description:
        return status
    # "ApplicationError: <message>" -> "ApplicationError"
    match = _ERROR_TYPE.match(status.description)
    return Status(status.status_code, match.group(0) if match else None)


def redact(span: ReadableSpan) -> ReadableSpan:
    """A copy of ``span`` holding only allow-listed attributes and error types."""
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_attributes(span.attributes),
        events=[
            Event(event.name, _attributes(event.attributes), event.timestamp)
            for event in span.events
        ],
        links=[Link(link.context, _attributes(link.attributes)) for link in span.links],
        kind=span.kind,
        status=_status(span.status),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingSpanExporter(SpanExporter):
    """Wraps an exporter so that only ids, route templates, status codes and error types leave."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([redact(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def span_processor(exporter: SpanExporter, *, batch: bool = True) -> SpanProcessor:
    """The processor to add to a TracerProvider for ``exporter``, always through redaction."""
    redacting = RedactingSpanExporter(exporter)
    return BatchSpanProcessor(redacting) if batch else SimpleSpanProcessor(redacting)


def otlp_traces_url(endpoint: str) -> str:
    """``DUTYFLOW_OTLP_ENDPOINT`` is the collector's base URL (like
    ``OTEL_EXPORTER_OTLP_ENDPOINT``); traces go to ``<base>/v1/traces``. A URL already ending in
    ``/v1/traces`` is used as given."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else f"{endpoint}/v1/traces"


def configure_tracing(
    service_name: str, otlp_endpoint: str | None, *, set_global: bool = True
) -> TracerProvider | None:
    """With an endpoint: a TracerProvider exporting by OTLP/HTTP (batched, redacted), made the
    process's global provider. Without: nothing, and every span stays a no-op.
    ``OTEL_SERVICE_NAME``, when set, overrides ``service_name``."""
    if not otlp_endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or service_name})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(
        span_processor(OTLPSpanExporter(endpoint=otlp_traces_url(otlp_endpoint)))
    )
    if set_global:
        trace.set_tracer_provider(provider)
    return provider


def tracing_interceptor(provider: trace.TracerProvider | None = None) -> TracingInterceptor:
    """Temporal's tracing interceptor, for ``Client.connect(interceptors=...)``; workers built from
    that client inherit it, so client, workflow and activity spans join one trace. Without a
    provider it uses the global one (resolved when the first span starts)."""
    tracer = (provider or trace.get_tracer_provider()).get_tracer(TRACER_NAME)
    return TracingInterceptor(tracer)


def flush(timeout_millis: int = 5000) -> None:
    """Export what is buffered (the CLI ends with ``os._exit``, which skips atexit hooks)."""
    provider = trace.get_tracer_provider()
    force_flush = getattr(provider, "force_flush", None)
    if force_flush is not None:
        force_flush(timeout_millis)
