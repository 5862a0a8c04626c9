"""The client's acknowledgement of the privacy notice: recorded with its version, date and how;
shown on the case; a case whose client has none is listed for compliance, and is never blocked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from dutyflow.demo import example_case as scenario
from dutyflow.domain import privacy_notice
from dutyflow.store import audit_log, notices
from dutyflow.store.notices import client_subject
from tests.reporting import document_grounds, ok, open_report, wait_for_stage

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database


def new_client() -> str:
    return f"client-{uuid.uuid4().hex[:12]}"


async def test_an_acknowledgement_is_recorded_with_its_version_date_and_how_and_audited(
    api: httpx.AsyncClient, callers, stack
) -> None:
    client_id = new_client()
    page = await api.get(f"/clients/{client_id}/privacy-notice", params={"jurisdiction": "US-CA"})
    assert page.status_code == 200 and "court order" in page.text.lower()
    version = page.headers["X-Dutyflow-Notice-Version"]

    recorded = ok(
        await api.post(
            f"/clients/{client_id}/privacy-notice-acknowledgements",
            json={
                "jurisdiction": "US-CA",
                "notice_version": version,
                "given_on": datetime.now(UTC).date().isoformat(),
                "how": "signed",
                "note": "MARKER-NOTE-ACK",
            },
        )
    )

    assert recorded["notice_version"] == version and recorded["how"] == "signed"
    listed = ok(await api.get(f"/clients/{client_id}/privacy-notice-acknowledgements"))
    assert [a["acknowledgement_id"] for a in listed] == [recorded["acknowledgement_id"]]
    officer = callers.new("compliance")
    assert ok(await officer.http.get(f"/clients/{client_id}/privacy-notice-acknowledgements"))
    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, client_subject(client_id))
    assert [e.step for e in entries] == ["privacy-notice-acknowledged"]
    assert "MARKER-NOTE-ACK" not in repr(entries[0].details)


async def test_bad_acknowledgements_are_refused_naming_the_field(api: httpx.AsyncClient) -> None:
    client_id = new_client()
    today = datetime.now(UTC).date()
    cases = [
        ({"notice_version": "1999.1"}, "notice_version"),
        ({"jurisdiction": "US-WA"}, "notice_version"),
        ({"given_on": (today + timedelta(days=2)).isoformat()}, "given_on"),
        ({"how": "telepathy"}, "how"),
    ]
    for change, field in cases:
        body = {
            "jurisdiction": "US-CA",
            "notice_version": "2026.1",
            "given_on": today.isoformat(),
            "how": "oral",
            **change,
        }
        refused = await api.post(f"/clients/{client_id}/privacy-notice-acknowledgements", json=body)
        assert refused.status_code == 422, refused.text
        assert field in refused.text
    assert ok(await api.get(f"/clients/{client_id}/privacy-notice-acknowledgements")) == []


async def test_a_missing_acknowledgement_never_blocks_a_report_but_the_case_and_compliance_show_it(
    api: httpx.AsyncClient, callers
) -> None:
    client_id = new_client()
    case_id = await open_report(api, client_id=client_id)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    await document_grounds(api, case_id, scenario.grounds_submission())  # the report goes on

    state = ok(await api.get(f"/reports/{case_id}/privacy-notice"))
    assert state == {
        "case_id": case_id,
        "client_id": client_id,
        "acknowledged": False,
        "latest": None,
    }
    officer = callers.new("compliance")
    listed = ok(await officer.http.get("/compliance/cases-without-privacy-notice"))
    assert case_id in [c["case_id"] for c in listed]

    ok(
        await api.post(
            f"/clients/{client_id}/privacy-notice-acknowledgements",
            json={
                "jurisdiction": "US-CA",
                "notice_version": "2026.1",
                "given_on": datetime.now(UTC).date().isoformat(),
                "how": "oral",
            },
        )
    )
    assert ok(await api.get(f"/reports/{case_id}/privacy-notice"))["acknowledged"] is True
    listed = ok(await officer.http.get("/compliance/cases-without-privacy-notice"))
    assert case_id not in [c["case_id"] for c in listed]


async def test_an_agency_user_or_admin_never_sees_a_clients_notice_record(
    api: httpx.AsyncClient, callers
) -> None:
    client_id = new_client()
    for role in ("agency", "admin"):
        caller = callers.new(role)
        assert (
            await caller.http.get(f"/clients/{client_id}/privacy-notice-acknowledgements")
        ).status_code == 403


def acknowledgement_body() -> dict[str, str]:
    notice = privacy_notice.current("US-CA", datetime.now(UTC).date())
    return {
        "jurisdiction": "US-CA",
        "notice_version": notice.version,
        "given_on": datetime.now(UTC).date().isoformat(),
        "how": "signed",
    }


async def test_another_clinics_practitioner_cannot_record_its_clients_acknowledgement(
    api: httpx.AsyncClient, callers, stack
) -> None:
    client_id = new_client()
    case_id = await open_report(api, client_id=client_id)  # a client of the demo clinic
    await wait_for_stage(api, case_id, "awaiting-grounds")
    elsewhere = callers.new("practitioner", clinic_id="clinic-elsewhere")

    refused = await elsewhere.http.post(
        f"/clients/{client_id}/privacy-notice-acknowledgements", json=acknowledgement_body()
    )

    assert refused.status_code == 404, refused.text
    assert notices.acknowledgements(stack.sessions, client_id) == []
    with stack.sessions() as session:
        assert audit_log.entries_for_case(session, client_subject(client_id)) == []
    state = ok(await api.get(f"/reports/{case_id}/privacy-notice"))
    assert state["acknowledged"] is False


async def test_an_acknowledgement_given_in_another_clinic_does_not_count_for_this_clinics_case(
    api: httpx.AsyncClient, callers
) -> None:
    client_id = new_client()
    elsewhere = callers.new("practitioner", clinic_id="clinic-elsewhere")
    ok(  # before the client had any case, another clinic recorded one
        await elsewhere.http.post(
            f"/clients/{client_id}/privacy-notice-acknowledgements", json=acknowledgement_body()
        )
    )
    case_id = await open_report(api, client_id=client_id)
    await wait_for_stage(api, case_id, "awaiting-grounds")

    state = ok(await api.get(f"/reports/{case_id}/privacy-notice"))

    assert state["acknowledged"] is False
