"""OpenTelemetry traces of a whole report: API request spans, Temporal client, workflow and activity
spans, joined into traces and carrying ids only."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client

from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.observability.tracing import configure_tracing, span_processor, tracing_interceptor
from dutyflow.runtime.serving import serve
from dutyflow.runtime.temporal import data_converter
from tests.auth.helpers import bearer, scenario_practitioner_token
from tests.reporting import report_end_to_end
from tests.test_mandated_report import WITHHELD_MARKERS, grounds_with_markers

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

CONTENT = [*WITHHELD_MARKERS.values(), "Sam Example"]


def everything_in(span: ReadableSpan) -> str:
    return json.dumps(
        {
            "name": span.name,
            "attributes": dict(span.attributes or {}),
            "events": [
                {"name": e.name, "attributes": dict(e.attributes or {})} for e in span.events
            ],
            "links": [dict(link.attributes or {}) for link in span.links],
            "status": span.status.description,
        },
        default=str,
    )


@pytest.fixture
def spans() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(span_processor(exporter, batch=False))
    return provider, exporter


@pytest.fixture
async def traced_api(
    stack, http, executor, spans, temporal_address: str, payload_key: bytes
) -> AsyncIterator[httpx.AsyncClient]:
    from dutyflow.api.app import create_app

    provider, _ = spans
    client = await Client.connect(
        temporal_address,
        data_converter=data_converter([payload_key]),
        interceptors=[
            UpdateActors(derived_actor_assertion_key(payload_key)),
            tracing_interceptor(provider),
        ],
    )
    stack = dataclasses.replace(stack, client=client)
    async with stack.new_worker(http, executor):
        app = create_app(
            client=stack.client,
            engine=stack.engine,
            policies=stack.policies,
            directory=stack.directory,
            task_queue=stack.task_queue,
            secrets=stack.secrets,
            tracer_provider=provider,
        )
        server = await serve(app, stack.api_socket, "api")
        try:
            token = scenario_practitioner_token(stack.sessions)
            async with httpx.AsyncClient(
                base_url=server.url, timeout=120, headers=bearer(token)
            ) as api:
                yield api
        finally:
            await server.stop()


async def test_a_report_is_traced_through_api_workflow_and_activities(traced_api, spans) -> None:
    _, exporter = spans
    status = await report_end_to_end(traced_api, grounds_with_markers())
    case_id = status["case_id"]
    finished = exporter.get_finished_spans()
    names = {span.name for span in finished}

    for expected in (
        "POST /reports",
        "POST /reports/{case_id}/grounds",
        "GET /reports/{case_id}",
        "StartWorkflow:MandatedReport",
        "RunWorkflow:MandatedReport",
        "StartWorkflowUpdate:document_grounds",
        "HandleUpdate:document_grounds",
        "RunActivity:open_case",
        "RunActivity:render_report",
        "RunActivity:deliver_report",
    ):
        assert expected in names, f"no {expected} span among {sorted(names)}"

    def one(name: str) -> ReadableSpan:
        return next(
            s
            for s in finished
            if s.name == name and (s.attributes or {}).get("temporalWorkflowID") == case_id
        )

    delivery = one("RunActivity:deliver_report")
    assert delivery.attributes["temporalActivityID"]
    started = one("StartWorkflow:MandatedReport")
    opened = next(s for s in finished if s.name == "POST /reports")
    assert opened.attributes["http.route"] == "/reports"
    assert opened.attributes["http.response.status_code"] == 201
    assert started.parent is not None and started.parent.span_id == opened.context.span_id, (
        "the workflow start is part of the API request's trace"
    )
    assert one("RunWorkflow:MandatedReport").context.trace_id == opened.context.trace_id

    for span in finished:
        text = everything_in(span)
        for content in CONTENT:
            assert content not in text, f"{content} in span {span.name}"
        assert "/reports/case-" not in text, "spans name route templates, not paths"


def test_failed_spans_are_exported_with_the_error_type_only(spans) -> None:
    provider, exporter = spans
    tracer = provider.get_tracer("test")
    marker = WITHHELD_MARKERS["victim.medical_record_number"]
    with (
        pytest.raises(ValueError),
        tracer.start_as_current_span(
            "RunActivity:render_report", attributes={"temporalWorkflowID": "case-1"}
        ) as span,
    ):
        span.set_attribute("grounds.observations", marker)
        span.add_event("note", {"text": marker})
        raise ValueError(f"could not render {marker}")

    [exported] = exporter.get_finished_spans()
    assert dict(exported.attributes) == {"temporalWorkflowID": "case-1"}
    assert [dict(e.attributes) for e in exported.events if e.name == "exception"] == [
        {"exception.type": "ValueError"}
    ]
    assert exported.status.description == "ValueError"
    assert marker not in everything_in(exported)


def test_no_endpoint_no_tracing_and_an_endpoint_exports_by_otlp_http() -> None:
    assert configure_tracing("dutyflow", None) is None
    provider = configure_tracing("dutyflow", "http://127.0.0.1:4318", set_global=False)
    assert provider is not None
    assert provider.resource.attributes["service.name"] == "dutyflow"
    provider.shutdown()
