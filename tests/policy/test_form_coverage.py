"""Every answer the agency's form needs is asked for: each line of a recipient's form that is on
its allow-list is answered by a grounds question of the policy, or the policy lists it as a
known gap with the reason it is not asked (`Policy.known_form_gaps`). A line that prints "Not
known" for no decided reason fails here, for every policy in effect, the policies added later
included."""

from __future__ import annotations

from datetime import date

import pytest

from dutyflow.domain.policy import Policy, PolicyLibrary
from dutyflow.domain.policy.coverage import unasked_form_fields, unexplained_form_gaps
from dutyflow.domain.policy.explain import explain_policy
from dutyflow.domain.rendering import FormLayout, load_form_layout
from dutyflow.settings import REPO_ROOT

pytestmark = pytest.mark.one_database

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
TODAY = date(2026, 12, 3)


def policies_in_effect() -> list[Policy]:
    kinds = sorted({(p.parts[-3], p.parts[-2]) for p in LIBRARY.all_files()})
    found = []
    for folder, kind in kinds:
        jurisdiction = folder.upper()
        if any(p.effective_from <= TODAY for p in LIBRARY.versions(jurisdiction, kind)):
            found.append(LIBRARY.in_effect(jurisdiction, kind, TODAY))
    return found


def layouts_of(policy: Policy) -> dict[str, FormLayout]:
    return {r.form: load_form_layout(r.form) for r in policy.recipients if r.form}


POLICIES = policies_in_effect()


def test_the_library_has_every_kind_of_the_first_six_jurisdictions_in_effect() -> None:
    names = {(p.jurisdiction, p.kind) for p in POLICIES}
    for jurisdiction in ("US-CA", "US-NY", "US-TX", "US-FL", "US-PA", "GB-ENG"):
        for kind in ("child-abuse", "elder-abuse", "danger-to-others", "danger-to-self"):
            assert (jurisdiction, kind) in names


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p.jurisdiction}-{p.kind}")
def test_every_form_field_is_asked_or_a_known_gap_with_its_reason(policy: Policy) -> None:
    assert unexplained_form_gaps(policy, layouts_of(policy)) == {}


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p.jurisdiction}-{p.kind}")
def test_a_known_gap_is_a_line_of_its_recipients_form_that_no_question_asks(
    policy: Policy,
) -> None:
    """A known gap that is asked after all, or is on no form of its recipient, is stale."""
    unasked = unasked_form_fields(policy, layouts_of(policy))
    for gap in policy.known_form_gaps:
        for recipient in gap.recipients:
            assert set(gap.paths) <= set(unasked.get(recipient, [])), (recipient, gap.paths)


def test_a_new_form_line_without_a_question_is_an_unexplained_gap() -> None:
    policy = LIBRARY.in_effect("US-CA", "child-abuse", TODAY)
    without_the_suspect = policy.model_copy(
        update={"grounds_questions": [q for q in policy.grounds_questions if q.id != "suspect"]}
    )

    gaps = unexplained_form_gaps(without_the_suspect, layouts_of(policy))

    assert gaps and all("suspect.name" in paths for paths in gaps.values())


def test_a_known_gap_explains_only_its_own_recipients_lines() -> None:
    policy = LIBRARY.in_effect("US-CA", "danger-to-self", TODAY)
    (gap,) = policy.known_form_gaps
    narrowed = policy.model_copy(
        update={"known_form_gaps": [gap.model_copy(update={"recipients": gap.recipients[:1]})]}
    )

    gaps = unexplained_form_gaps(narrowed, layouts_of(policy))

    assert set(gaps) == set(gap.recipients[1:])
    assert all(set(paths) == set(gap.paths) for paths in gaps.values())


def test_the_compliance_officer_reads_each_known_gap_with_its_reason() -> None:
    policy = LIBRARY.in_effect("US-TX", "danger-to-self", TODAY)

    text = " ".join(explain_policy(policy).split())

    assert "FORM LINES NOT ASKED, ON PURPOSE" in text
    assert "the person at risk is the client, asked once" in text
