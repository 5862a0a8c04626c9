"""The reference agency intake service, spoken to over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from dutyflow.domain.documents import document_sha256
from dutyflow.domain.transmission import IDEMPOTENCY_HEADER, IntakeReceipt

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

REPORTS = "/agencies/demo-cws/reports"
SECRET = "Zebulon-Quixote-7781"  # a victim name: must be delivered and stored, never logged


def transmission(
    report_id: str = "rpt-0001",
    recipient_id: str = "demo-cws",
    html: str = f"<p>Suspected physical abuse of {SECRET}.</p>",
    text: str = f"Suspected physical abuse of {SECRET}.",
    **overrides: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "report_id": report_id,
        "case_reference": "CASE-2026-0007",
        "recipient_id": recipient_id,
        "form": "SS 8572",
        "jurisdiction": "US-CA",
        "kind": "child-abuse",
        "policy_version": "2026.1",
        "sent_at": "2026-03-01T10:15:00Z",
        "fields": {"victim": {"name": SECRET, "age": 7}},
        "document": {"html": html, "text": text, "sha256": document_sha256(html, text)},
    }
    body.update(overrides)
    return body


def deliver(client: httpx.Client, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    key = body["report_id"] if key is None else key
    return client.post(REPORTS, json=body, headers={IDEMPOTENCY_HEADER: key})


def test_health_is_ok(intake: httpx.Client) -> None:
    response = intake.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_first_delivery_is_created_with_an_agency_reference_number(intake: httpx.Client) -> None:
    before = datetime.now(UTC)
    response = deliver(intake, transmission())

    assert response.status_code == 201
    receipt = IntakeReceipt.model_validate(response.json())
    assert receipt.duplicate is False
    assert re.fullmatch(rf"DEMO-CWS-{before.year}-000001", receipt.reference_number)
    assert receipt.received_at.tzinfo is not None
    assert before <= receipt.received_at <= datetime.now(UTC)


def test_reference_numbers_follow_in_sequence_per_agency(intake: httpx.Client) -> None:
    first = deliver(intake, transmission("rpt-a")).json()["reference_number"]
    second = deliver(intake, transmission("rpt-b")).json()["reference_number"]
    other = intake.post(
        "/agencies/other-cws/reports",
        json=transmission("rpt-c", recipient_id="other-cws"),
        headers={IDEMPOTENCY_HEADER: "rpt-c"},
    ).json()["reference_number"]

    assert first.endswith("-000001") and second.endswith("-000002")
    assert other.startswith("OTHER-CWS-") and other.endswith("-000001")


def test_same_idempotency_key_stores_one_report_and_returns_the_same_reference(
    intake: httpx.Client,
) -> None:
    first = deliver(intake, transmission())
    again = deliver(intake, transmission())

    assert first.status_code == 201 and again.status_code == 200
    original, repeat = IntakeReceipt(**first.json()), IntakeReceipt(**again.json())
    assert repeat.duplicate is True
    assert repeat.reference_number == original.reference_number
    assert repeat.received_at == original.received_at
    assert len(intake.get(REPORTS).json()) == 1


def test_same_key_with_a_different_document_is_a_conflict(intake: httpx.Client) -> None:
    reference = deliver(intake, transmission()).json()["reference_number"]

    response = deliver(intake, transmission(html="<p>changed</p>", text="changed"))

    assert response.status_code == 409
    assert IDEMPOTENCY_HEADER in response.json()["detail"]
    assert reference in response.json()["detail"]
    stored = intake.get(REPORTS).json()
    assert len(stored) == 1 and SECRET in stored[0]["transmission"]["document"]["text"]


def test_concurrent_duplicates_store_one_report(intake: httpx.Client) -> None:
    attempts = 8
    start = threading.Barrier(attempts)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def attempt() -> None:
        with httpx.Client(base_url=intake.base_url, timeout=30) as client:
            start.wait()
            response = deliver(client, transmission())
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [200] * (attempts - 1) + [201]
    assert len({r.json()["reference_number"] for r in responses}) == 1
    assert len({r.json()["received_at"] for r in responses}) == 1
    assert len(intake.get(REPORTS).json()) == 1


def test_concurrent_distinct_reports_get_distinct_consecutive_references(
    intake: httpx.Client,
) -> None:
    attempts = 8
    start = threading.Barrier(attempts)
    references: list[str] = []
    lock = threading.Lock()

    def attempt(number: int) -> None:
        with httpx.Client(base_url=intake.base_url, timeout=30) as client:
            start.wait()
            response = deliver(client, transmission(f"rpt-{number}"))
        assert response.status_code == 201
        with lock:
            references.append(response.json()["reference_number"])

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(int(ref.rsplit("-", 1)[1]) for ref in references) == list(range(1, attempts + 1))


def test_missing_idempotency_key_is_refused_naming_the_header(intake: httpx.Client) -> None:
    response = intake.post(REPORTS, json=transmission())

    assert response.status_code == 400
    assert IDEMPOTENCY_HEADER in response.json()["detail"]
    assert intake.get(REPORTS).json() == []


def test_overlong_idempotency_key_is_refused_naming_the_header(intake: httpx.Client) -> None:
    key = "k" * 201

    response = deliver(intake, transmission(report_id=key), key=key)

    assert response.status_code == 400
    assert IDEMPOTENCY_HEADER in response.json()["detail"]


def test_idempotency_key_must_equal_the_report_id(intake: httpx.Client) -> None:
    response = deliver(intake, transmission("rpt-0001"), key="rpt-9999")

    assert response.status_code == 422
    assert "report_id" in response.json()["detail"]
    assert intake.get(REPORTS).json() == []


def test_report_addressed_to_another_agency_is_refused(intake: httpx.Client) -> None:
    response = deliver(intake, transmission(recipient_id="other-cws"))

    assert response.status_code == 422
    assert "recipient_id" in response.json()["detail"]


def test_tampered_document_hash_is_refused(intake: httpx.Client) -> None:
    body = transmission()
    body["document"]["text"] += " (edited in transit)"

    response = deliver(intake, body)

    assert response.status_code == 422
    assert "document.sha256" in response.json()["detail"]
    assert intake.get(REPORTS).json() == []


def test_malformed_transmission_is_refused_naming_the_field(intake: httpx.Client) -> None:
    body = transmission()
    del body["case_reference"]

    response = deliver(intake, body)

    assert response.status_code == 422
    assert any(error["loc"][-1] == "case_reference" for error in response.json()["detail"])


def test_body_over_two_mebibytes_is_refused(intake: httpx.Client) -> None:
    big = "x" * (2 * 1024 * 1024)

    response = deliver(intake, transmission(html=big, text=""))

    assert response.status_code == 413
    assert intake.get(REPORTS).json() == []


def test_streamed_body_over_two_mebibytes_is_refused(intake: httpx.Client) -> None:
    chunks = (b" " * 65536 for _ in range(40))  # chunked: no Content-Length to go by

    response = intake.post(
        REPORTS,
        content=chunks,
        headers={IDEMPOTENCY_HEADER: "rpt-0001", "Content-Type": "application/json"},
    )

    assert response.status_code == 413


def test_unknown_agency_is_not_found(intake: httpx.Client) -> None:
    response = intake.post(
        "/agencies/nowhere-cws/reports",
        json=transmission(recipient_id="nowhere-cws"),
        headers={IDEMPOTENCY_HEADER: "rpt-0001"},
    )

    assert response.status_code == 404
    assert "nowhere-cws" in response.json()["detail"]
    assert intake.get("/agencies/nowhere-cws/reports").status_code == 404


def test_without_an_agency_directory_any_well_formed_agency_is_served(
    start_intake: Callable[..., str],
) -> None:
    with httpx.Client(base_url=start_intake(None), timeout=30) as client:
        created = client.post(
            "/agencies/county-42/reports",
            json=transmission(recipient_id="county-42"),
            headers={IDEMPOTENCY_HEADER: "rpt-0001"},
        )
        malformed = client.get("/agencies/County_42/reports")

    assert created.status_code == 201
    assert created.json()["reference_number"].startswith("COUNTY-42-")
    assert malformed.status_code == 404


def test_received_reports_are_listed_with_their_transmission(intake: httpx.Client) -> None:
    first, second = transmission("rpt-a"), transmission("rpt-b", form="SS 8572A")
    receipts = [deliver(intake, first).json(), deliver(intake, second).json()]

    listed = intake.get(REPORTS)

    assert listed.status_code == 200
    assert [
        (r["reference_number"], r["received_at"], r["idempotency_key"], r["form"])
        for r in listed.json()
    ] == [
        (receipts[0]["reference_number"], receipts[0]["received_at"], "rpt-a", "SS 8572"),
        (receipts[1]["reference_number"], receipts[1]["received_at"], "rpt-b", "SS 8572A"),
    ]
    assert listed.json()[0]["case_reference"] == "CASE-2026-0007"
    assert listed.json()[0]["transmission"]["fields"] == first["fields"]
    assert listed.json()[1]["transmission"]["document"] == second["document"]


def test_reports_are_listed_only_to_their_agency(intake: httpx.Client) -> None:
    deliver(intake, transmission())

    assert intake.get("/agencies/other-cws/reports").json() == []


def test_one_report_is_fetched_by_its_reference_number(intake: httpx.Client) -> None:
    body = transmission()
    reference = deliver(intake, body).json()["reference_number"]

    response = intake.get(f"{REPORTS}/{reference}")

    assert response.status_code == 200
    assert response.json()["reference_number"] == reference
    assert response.json()["transmission"]["report_id"] == body["report_id"]
    assert intake.get(f"/agencies/other-cws/reports/{reference}").status_code == 404


def test_unknown_reference_number_is_not_found(intake: httpx.Client) -> None:
    response = intake.get(f"{REPORTS}/DEMO-CWS-2026-999999")

    assert response.status_code == 404
    assert "DEMO-CWS-2026-999999" in response.json()["detail"]


def test_report_content_is_never_logged(
    intake: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    reference = deliver(intake, transmission()).json()["reference_number"]
    deliver(intake, transmission())
    deliver(intake, transmission(html=f"<p>{SECRET} again</p>", text=f"{SECRET} again"))
    intake.get(REPORTS)
    intake.get(f"{REPORTS}/{reference}")

    assert reference in caplog.text
    assert SECRET not in caplog.text
    assert "CASE-2026-0007" not in caplog.text
