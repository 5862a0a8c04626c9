"""The fields one recipient receives under the case's policy: the allow-list, a court order's scope,
approved additions, and protected data only where an exception of the policy opens it. A pure
function: no server, no database."""

from __future__ import annotations

from datetime import date

import pytest

from dutyflow.domain.case import CaseFile
from dutyflow.domain.disclosure import OutsideScopeError, ProtectedDataError
from dutyflow.domain.policy import Policy, PolicyLibrary
from dutyflow.domain.recipient_fields import fields_for_recipient
from dutyflow.settings import REPO_ROOT
from tests.policy.cases import NOTES, PART2, sample_case

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
NOTE = "clinical_context.psychotherapy_notes"
PRIVATE = "MARKER-PRIVATE-DREAM-R4"


def policy(jurisdiction: str, kind: str) -> Policy:
    return LIBRARY.in_effect(jurisdiction, kind, date(2026, 11, 26))


def with_order(case: CaseFile, **order: object) -> CaseFile:
    assert case.court_order is not None
    return case.model_copy(update={"court_order": case.court_order.model_copy(update=order)})


def test_a_recipient_receives_its_allow_list_and_nothing_else() -> None:
    child = policy("US-CA", "child-abuse")

    fields = fields_for_recipient(child, "county-child-welfare", sample_case(), [])

    allowed = set(child.recipient("county-child-welfare").allowed_fields)
    assert set(fields.limited.disclosed_paths) <= allowed
    assert "clinical_context.diagnosis" in fields.limited.withheld_paths
    assert fields.rule.id == "county-child-welfare"


def test_a_field_a_second_person_approved_is_disclosed_beyond_the_allow_list() -> None:
    child = policy("US-CA", "child-abuse")

    fields = fields_for_recipient(
        child, "county-child-welfare", sample_case(), ["clinical_context.diagnosis"]
    )

    assert "clinical_context.diagnosis" in fields.limited.disclosed_paths


def test_approved_notes_stay_denied_where_the_policy_has_no_exception_for_them() -> None:
    with pytest.raises(ProtectedDataError, match="psychotherapy-notes"):
        fields_for_recipient(
            policy("US-CA", "child-abuse"), "county-child-welfare", sample_case(), [NOTE]
        )


def test_approved_notes_go_where_the_serious_threat_exception_gives_them() -> None:
    threats = policy("US-CA", "danger-to-others")

    fields = fields_for_recipient(threats, "law-enforcement", sample_case(), [NOTE])

    assert fields.limited.fields["clinical_context"]["psychotherapy_notes"] == NOTES


def test_a_court_receives_exactly_the_orders_scope_and_the_response_particulars() -> None:
    fields = fields_for_recipient(policy("US-CA", "court-order"), "court", sample_case(), [])

    assert "clinical_context.treatment_summary" in fields.limited.disclosed_paths
    assert "court_order.case_number" in fields.limited.disclosed_paths
    assert "clinical_context.diagnosis" in fields.limited.withheld_paths


def test_an_order_scope_beyond_the_allow_list_is_refused_not_trimmed() -> None:
    case = with_order(sample_case(), authorised_fields=["client.name", "victim.address"])

    with pytest.raises(OutsideScopeError, match=r"victim\.address"):
        fields_for_recipient(policy("US-CA", "court-order"), "court", case, [])


def test_part2_records_go_to_the_court_only_under_a_part2_court_order() -> None:
    scope = ["client.name", "clinical_context.substance_use_records"]
    plain = with_order(sample_case(), authorised_fields=scope)
    part2 = with_order(plain, part2_order=True)
    order = policy("US-CA", "court-order")

    with pytest.raises(ProtectedDataError, match="part2"):
        fields_for_recipient(order, "court", plain, [])
    fields = fields_for_recipient(order, "court", part2, [])

    assert fields.limited.fields["clinical_context"]["substance_use_records"] == PART2


def test_private_content_goes_to_the_court_when_the_order_names_it_and_says_so() -> None:
    case = sample_case().model_copy(update={"private_content": PRIVATE})
    assert case.court_order is not None
    named = with_order(
        case, authorised_fields=[*case.court_order.authorised_fields, "private_content"]
    )

    fields = fields_for_recipient(policy("US-CA", "court-order"), "court", named, [])

    assert fields.limited.fields["private_content"] == PRIVATE
    assert fields.private_by_court_order == ["private_content"]


def test_an_order_that_does_not_name_private_content_says_nothing_of_it() -> None:
    case = sample_case().model_copy(update={"private_content": PRIVATE})

    fields = fields_for_recipient(policy("US-CA", "court-order"), "court", case, [])

    assert fields.private_by_court_order is None
    assert "private_content" in fields.limited.withheld_paths
