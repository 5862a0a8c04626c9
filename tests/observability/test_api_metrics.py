"""The API's Prometheus metrics at GET /metrics: requests by route template, and domain counters."""

from __future__ import annotations

import logging

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.reporting import open_report, report_end_to_end
from tests.test_clinician_input import invalid_grounds
from tests.test_mandated_report import WITHHELD_MARKERS, grounds_with_markers

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_requests_by_route_template_and_domain_events(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="dutyflow.api.requests")
    status = await report_end_to_end(api, grounds_with_markers())
    case_id = status["case_id"]
    refused_case = await open_report(api)
    refused = await api.post(f"/reports/{refused_case}/grounds", json=invalid_grounds())
    assert refused.status_code == 422
    unreadable = await api.post(f"/reports/{refused_case}/phone-report", json={"called_at": 5})
    assert unreadable.status_code == 422
    assert (await api.get("/no/such/route")).status_code == 404

    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)

    assert value(found, "http_requests_total", method="POST", route="/reports", status="201") == 2
    assert (
        value(
            found,
            "http_requests_total",
            method="POST",
            route="/reports/{case_id}/grounds",
            status="200",
        )
        == 1
    )
    assert (
        value(
            found,
            "http_requests_total",
            method="POST",
            route="/reports/{case_id}/grounds",
            status="422",
        )
        == 1
    )
    assert (
        value(
            found,
            "http_requests_total",
            method="POST",
            route="/reports/{case_id}/confirm",
            status="200",
        )
        == 1
    )
    assert (
        value(found, "http_requests_total", method="GET", route="/reports/{case_id}", status="200")
        >= 1
    )
    assert value(found, "http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert value(found, "http_request_duration_seconds_count", method="POST", route="/reports") == 2
    assert value(found, "reports_opened_total") == 2
    assert value(found, "clinician_step_refusals_total", step="document_grounds") == 1
    assert value(found, "clinician_step_refusals_total", step="record_phone_report") == 1

    # labels are templates: no case id, no content
    assert case_id not in response.text and refused_case not in response.text
    for marker in WITHHELD_MARKERS.values():
        assert marker not in response.text
    assert "Sam Example" not in response.text

    # one DEBUG line per request, by route template too
    requests = [r for r in caplog.records if r.name == "dutyflow.api.requests"]
    assert {"/reports/{case_id}/grounds", "unmatched"} <= {r.route for r in requests}
    assert all(r.getMessage() == "request" for r in requests)
    assert not [r for r in requests if case_id in str(vars(r))]
