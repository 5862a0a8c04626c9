"""A kind of report with no policy in a jurisdiction that has policies for other kinds is a hard
stop ('no policy: call counsel'), never a fallback to another kind's policy in that jurisdiction
or to the same kind's policy elsewhere (issue 17). The library here is a copy of Dutyflow's own
with California's elder-abuse policy taken out; California keeps its other five kinds, and every
other jurisdiction keeps its elder-abuse policy."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.case_records import CaseRecordActivities
from dutyflow.contracts import OpenCaseInput
from dutyflow.demo import example_case as scenario
from dutyflow.domain.case import CaseOpening
from dutyflow.domain.policy import NoPolicyError, PolicyLibrary
from dutyflow.settings import REPO_ROOT
from dutyflow.store import audit_log
from dutyflow.store.tables import CaseRecord
from workflows.activity_options import NOT_RETRYABLE

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

MISSING_KIND = "elder-abuse"


@pytest.fixture
def policies(tmp_path: Path) -> PolicyLibrary:
    """Dutyflow's policies, less US-CA elder-abuse (this module's `api` and `stack` use it)."""
    root = tmp_path / "policies"
    shutil.copytree(REPO_ROOT / "policies", root)
    shutil.rmtree(root / "us-ca" / MISSING_KIND)
    return PolicyLibrary(root)


def test_the_library_has_the_jurisdiction_and_the_kind_but_not_together(
    policies: PolicyLibrary,
) -> None:
    # Guards what the hard-stop tests below rely on: a fallback would have something to use.
    folders = {(p.parts[-3], p.parts[-2]) for p in policies.all_files()}
    assert ("us-ca", "child-abuse") in folders and ("us-ny", MISSING_KIND) in folders
    assert ("us-ca", MISSING_KIND) not in folders


async def test_a_kind_missing_from_a_jurisdiction_is_a_hard_stop_naming_both(
    api: httpx.AsyncClient, stack
) -> None:
    asked_at = datetime.now(UTC) - timedelta(seconds=1)
    response = await api.post("/reports", json=scenario.opening_request(kind=MISSING_KIND))

    assert response.status_code == 422, response.text
    [problem] = response.json()["errors"]
    assert problem["field"] == "jurisdiction/kind"
    assert problem["problem"].startswith("no policy: call counsel")
    assert f"no {MISSING_KIND} policy for US-CA" in problem["problem"]
    assert "never applies another" in problem["problem"]
    assert "case_id" not in response.json()
    with stack.sessions() as session:
        opened = session.scalars(
            select(CaseRecord.case_id).where(
                CaseRecord.practitioner_id == "practitioner-0042",
                CaseRecord.jurisdiction == "US-CA",
                CaseRecord.kind == MISSING_KIND,
                CaseRecord.opened_at >= asked_at,
            )
        ).all()
    assert opened == []


async def test_the_jurisdictions_other_kinds_still_open(api: httpx.AsyncClient) -> None:
    # The same library, the same state: only the missing kind is stopped.
    response = await api.post("/reports", json=scenario.opening_request(kind="child-abuse"))

    assert response.status_code == 201, response.text
    assert response.json()["case_id"]


async def test_the_opening_activity_refuses_the_missing_kind_at_once_and_records_nothing(
    stack,
) -> None:
    # The API stops such an opening first; the activity holds the same line if it is ever asked
    # (a policy folder removed while a case was being started), and is not tried again.
    case_id = f"case-{uuid.uuid4()}"
    opening = CaseOpening.model_validate(
        {**scenario.opening_request(kind=MISSING_KIND), "case_id": case_id}
    )
    records = CaseRecordActivities(stack.sessions, stack.policies)

    with pytest.raises(NoPolicyError) as refused:
        await ActivityEnvironment().run(records.open_case, OpenCaseInput(opening=opening))

    assert f"no {MISSING_KIND} policy for US-CA" in str(refused.value)
    assert "call counsel" in str(refused.value)
    assert type(refused.value).__name__ in NOT_RETRYABLE
    with stack.sessions() as session:
        assert session.get(CaseRecord, case_id) is None
        assert audit_log.entries_for_case(session, case_id) == []
