"""`POST /agency/reports/{report_id}/acknowledgement`: an agency user acknowledges under the
reference number their agency gave, recorded by the case as the signed callback is."""

from __future__ import annotations

import httpx
import pytest

from dutyflow.store import audit_log
from tests.conftest import Callers, Harness
from tests.reporting import report_end_to_end

# The pages act through the API, which the other tests run on both databases.
pytestmark = pytest.mark.one_database


async def test_an_agency_acknowledges_only_under_its_own_reference_number(
    api: httpx.AsyncClient, stack: Harness, callers: Callers
) -> None:
    status = await report_end_to_end(api)
    [delivery] = status["deliveries"]
    agency = callers.new("agency", agency_id=delivery["agency_id"])
    url = f"/agency/reports/{delivery['report_id']}/acknowledgement"

    wrong = await agency.http.post(
        url, json={"reference_number": "NOT-OURS", "decision": "accepted"}
    )
    right = await agency.http.post(
        url, json={"reference_number": delivery["reference_number"], "decision": "screened-out"}
    )

    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [
        {"field": "reference_number", "problem": "is not the reference number your agency gave"}
    ]
    assert right.status_code == 200
    assert right.json()["status"] in ("recorded", "already recorded")
    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, status["case_id"])
    given = [e for e in entries if e.step == "agency-acknowledgement-given"]
    assert [(e.actor_id, e.details["decision"]) for e in given] == [
        (agency.user_id, "screened-out")
    ]
