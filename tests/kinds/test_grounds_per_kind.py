"""Each kind asks for the grounds its law needs (its policy's grounds questions); a missing or
contradictory answer is refused naming the field, never quoting the value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dutyflow.domain.case import ContactAttempt, GroundsSubmission, InformClientStep
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.validation import (
    contact_attempt_problems,
    grounds_problems,
    grounds_rules_for,
    inform_client_problems,
)
from tests.kinds import bodies

NOW = datetime.now(UTC)
LIBRARY = PolicyLibrary(Path(__file__).resolve().parents[2] / "policies")


def rules(jurisdiction: str, kind: str):
    return grounds_rules_for(LIBRARY.in_effect(jurisdiction, kind, NOW.date()))


def problems_of(body: dict, jurisdiction: str, kind: str) -> dict[str, str]:
    # Checked as of now: the bodies are made when a test runs, minutes after this module loaded.
    found = grounds_problems(
        GroundsSubmission.model_validate(body), datetime.now(UTC), None, rules(jurisdiction, kind)
    )
    return {p.field: p.problem for p in found}


@pytest.mark.parametrize(
    ("jurisdiction", "kind", "body"),
    [
        ("US-CA", "elder-abuse", bodies.elder_abuse()),
        ("US-CA", "danger-to-others", bodies.threat("Civil Code 43.92")),
        (
            "US-CA",
            "danger-to-self",
            bodies.threat("45 CFR 164.512(j)(1)(i)", victims=0, support_contacts=1),
        ),
        ("US-CA", "court-order", bodies.court_order()),
        ("US-CA", "subpoena", bodies.subpoena(assured=True)),
        ("US-TX", "danger-to-others", bodies.threat("Health & Safety Code 611.004")),
        ("GB-ENG", "child-abuse", bodies.gb_child_abuse()),
        ("US-NY", "child-abuse", bodies.ny_child_abuse()),
    ],
)
def test_complete_grounds_of_each_kind_are_accepted(
    jurisdiction: str, kind: str, body: dict
) -> None:
    assert problems_of(body, jurisdiction, kind) == {}


def test_a_duty_to_protect_needs_the_threat_and_the_victims() -> None:
    body = bodies.threat("Civil Code 43.92")
    body["threat"]["description"] = " "
    body["potential_victims"] = []

    problems = problems_of(body, "US-CA", "danger-to-others")

    assert problems["threat.description"] == "must say what was threatened"
    assert problems["potential_victims.name"] == "must be answered for this kind of report"


def test_a_belief_on_a_credible_report_must_name_who_made_it() -> None:
    body = bodies.threat("Civil Code 43.92")
    body["threat"]["belief_basis"] = "credible-report"

    assert set(problems_of(body, "US-CA", "danger-to-others")) == {"threat.credible_report_source"}


def test_a_victim_who_cannot_be_reached_is_refused() -> None:
    body = bodies.threat("Civil Code 43.92", victims=1)
    body["potential_victims"][0] |= {"phone": None, "address": None}

    assert set(problems_of(body, "US-CA", "danger-to-others")) == {"potential_victims[0].phone"}


def test_a_court_order_must_name_its_particulars() -> None:
    body = bodies.court_order()
    body["court_order"]["case_number"] = None
    body["court_order"]["comply_by"] = None

    assert set(problems_of(body, "US-CA", "court-order")) == {
        "court_order.case_number",
        "court_order.comply_by",
    }


def test_an_order_naming_psychotherapy_notes_is_refused_as_protected() -> None:
    body = bodies.court_order(["client.name", "clinical_context.psychotherapy_notes"])

    problem = problems_of(body, "US-CA", "court-order")["court_order.authorised_fields"]

    assert "protected records" in problem


def test_an_order_naming_a_field_beyond_the_allow_list_needs_an_exception() -> None:
    body = bodies.court_order(["client.name", "victim.medical_record_number"])

    problem = problems_of(body, "US-CA", "court-order")["court_order.authorised_fields"]

    assert "beyond the recipient's allow-list" in problem and "second reviewer" in problem


def test_an_order_may_name_the_content_marked_private_expressly() -> None:
    body = bodies.court_order(["client.name", "private_content"])

    assert "court_order.authorised_fields" not in problems_of(body, "US-CA", "court-order")


def test_a_subpoena_may_not_ask_for_the_content_marked_private() -> None:
    body = bodies.subpoena(assured=True)
    body["subpoena"]["requested_fields"] = ["client.name", "private_content"]

    problem = problems_of(body, "US-CA", "subpoena")["subpoena.requested_fields"]

    assert "marked private" in problem and "only a court order" in problem


def test_elder_abuse_asks_about_the_care_setting() -> None:
    body = bodies.elder_abuse()
    del body["care_setting"]

    problems = problems_of(body, "US-CA", "elder-abuse")

    assert {"care_setting.long_term_care_facility", "care_setting.serious_bodily_injury"} <= set(
        problems
    )


def test_england_asks_for_the_reasons_to_share() -> None:
    body = bodies.gb_child_abuse()
    del body["sharing_decision"]

    assert {"sharing_decision.reasons", "sharing_decision.consent"} <= set(
        problems_of(body, "GB-ENG", "child-abuse")
    )


def test_child_abuse_questions_do_not_apply_to_a_subpoena() -> None:
    body = bodies.subpoena(assured=False)  # no victim, no observations, no abuse types

    assert problems_of(body, "US-CA", "subpoena") == {}


def test_not_informing_the_client_names_one_of_the_laws_exceptions_and_why() -> None:
    step = InformClientStep(practitioner_id="p", informed=False, exception="my-own-reason")

    problems = {p.field for p in inform_client_problems(step, NOW, "p", ["risk-of-serious-harm"])}

    assert problems == {"exception", "reasons"}


def test_informing_the_client_says_when_and_how() -> None:
    step = InformClientStep(practitioner_id="p", informed=True)

    problems = {p.field for p in inform_client_problems(step, NOW, "p", [])}

    assert problems == {"informed_at", "method"}


def test_giving_up_on_a_warning_requires_the_efforts_to_be_described() -> None:
    attempt = ContactAttempt(
        practitioner_id="p",
        recipient_id="potential-victim-1",
        channel="phone",
        attempted_at=NOW - timedelta(minutes=1),
        outcome="not-reached",
        efforts_exhausted=True,
    )

    problems = contact_attempt_problems(
        attempt, NOW, "p", {"potential-victim-1"}, NOW - timedelta(hours=1)
    )

    assert [p.field for p in problems] == ["notes"]


def test_a_contact_for_a_recipient_without_one_outstanding_is_refused() -> None:
    attempt = ContactAttempt(
        practitioner_id="p",
        recipient_id="someone-else",
        channel="phone",
        attempted_at=NOW - timedelta(minutes=1),
        outcome="reached",
    )

    problems = contact_attempt_problems(attempt, NOW, "p", {"potential-victim-1"}, None)

    assert [p.field for p in problems] == ["recipient_id"]
