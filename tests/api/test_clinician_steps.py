"""`take_step`, the one path of every clinician step to the case's workflow: what it refuses
before Temporal ever sees the step (nothing is sent, so nothing is recorded)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from temporalio.client import Client

from dutyflow.api.errors import Refusal
from dutyflow.api.routes.clinician_steps import take_step
from dutyflow.auth.case_access import CaseGrant
from dutyflow.auth.roles import Principal
from dutyflow.domain.case import Confirmation
from dutyflow.domain.validation import FieldProblem
from workflows.mandated_report import MandatedReportWorkflow

pytestmark = pytest.mark.one_database

OWNER = Principal(user_id="practitioner-0042", role="practitioner", clinic_id="clinic-demo-01")


class Unreachable:
    """A Temporal client that must not be called."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"Temporal was called ({name}) for a refused step")


def grant() -> CaseGrant:
    return CaseGrant(case_id="case-0001", principal=OWNER)


async def test_a_step_signed_in_another_practitioners_name_is_refused_403() -> None:
    body = Confirmation(practitioner_id="practitioner-0099", review_sha256="0" * 64)

    with pytest.raises(Refusal) as refused:
        await take_step(
            grant(),
            cast(Client, Unreachable()),
            MandatedReportWorkflow.confirm_report,
            body,
            None,
            signed_by=body.practitioner_id,
        )

    assert refused.value.status_code == 403
    assert [p.field for p in refused.value.problems] == ["practitioner_id"]


async def test_a_step_with_problems_the_api_found_is_refused_422_naming_the_field() -> None:
    body = Confirmation(practitioner_id=OWNER.user_id, review_sha256="0" * 64)
    problem = FieldProblem(field="review_sha256", problem="does not match the review")

    with pytest.raises(Refusal) as refused:
        await take_step(
            grant(),
            cast(Client, Unreachable()),
            MandatedReportWorkflow.confirm_report,
            body,
            None,
            signed_by=body.practitioner_id,
            problems=[problem],
        )

    assert refused.value.status_code == 422
    assert refused.value.problems == [problem]
