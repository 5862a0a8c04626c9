"""A disclosure the law gives no written deadline (a US-NY elder-abuse report; a GB request
without a reply date) stands in the compliance timeline: never late, pending until delivered."""

from __future__ import annotations

import uuid

import httpx
import pytest

from dutyflow.compliance.timeline import case_timeline, timeline_text
from dutyflow.demo import example_case as scenario
from dutyflow.store.tables import CaseRecord, ObligationRecord
from tests.conftest import Callers

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database


def seed_case_without_deadline(sessions) -> str:
    case_id = f"case-{uuid.uuid4().hex}"
    opening = scenario.opening_request() | {
        "case_id": case_id,
        "jurisdiction": "US-NY",
        "kind": "elder-abuse",
    }
    with sessions() as session, session.begin():
        session.add(
            CaseRecord(
                case_id=case_id,
                jurisdiction="US-NY",
                kind="elder-abuse",
                county="Demo County",
                clinic_id="clinic-demo-01",
                practitioner_id="practitioner-0042",
                client_id="client-demo",
                policy_version="2026.1",
                opening=opening,
            )
        )
        session.flush()
        session.add(
            ObligationRecord(
                obligation_id=f"{case_id}/aps",
                case_id=case_id,
                recipient_id="aps",
                agency_id="demo-aps",
                agency_name="Demo Adult Protective Services",
                intake_url="",
                form_id="adult-protective-referral",
                legal_basis="45 CFR 164.512(c)",
                purpose="Report of suspected abuse",
                phone_report_due_at=None,
                written_report_due_at=None,
                policy_version="2026.1",
                citations=["NY SSL 473"],
                delivery="intake",
            )
        )
    return case_id


async def test_a_disclosure_without_a_written_deadline_is_pending_not_late(stack, sessions) -> None:
    case_id = seed_case_without_deadline(sessions)

    timeline = await case_timeline(stack.client, sessions, case_id)

    [view] = timeline.disclosures
    assert view.written_report_due_at is None
    assert view.on_time is None  # not delivered yet, and no deadline to miss
    assert timeline.deadlines_met is None
    assert "no written deadline" in timeline_text(timeline)


async def test_the_compliance_timeline_endpoint_answers_for_such_a_case(
    api: httpx.AsyncClient, stack, callers: Callers
) -> None:
    case_id = seed_case_without_deadline(stack.sessions)
    officer = callers.new("compliance")

    answer = await officer.http.get(f"/compliance/cases/{case_id}/timeline")

    assert answer.status_code == 200, answer.text
    assert answer.json()["disclosures"][0]["written_report_due_at"] is None
