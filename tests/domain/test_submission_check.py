"""A new report's form checked as a whole before anything is opened: every problem at once,
named by field, never quoting a value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from dutyflow.demo import example_case as scenario
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.submission_check import field_path, report_form_problems
from dutyflow.settings import REPO_ROOT

NOW = datetime.now(UTC)
POLICY = PolicyLibrary(REPO_ROOT / "policies").in_effect("US-CA", "danger-to-others", date.today())


def grounds(**threat: object) -> dict:
    return {
        "grounds": {
            "suspicion_formed_at": (NOW - timedelta(minutes=5)).isoformat(),
            "statutory_basis": POLICY.statutory_bases[0].code,
        },
        "threat": {
            "description": "Threatened to hurt a neighbour.",
            "belief_basis": "own-contact",
            "serious_and_imminent": True,
            "communicated_at": (NOW - timedelta(minutes=10)).isoformat(),
            **threat,
        },
        "client": {"name": "Taylor Client"},
        "potential_victims": [{"name": "Morgan Vale", "phone": "555-0100"}],
    }


def opening(**changes: object) -> dict:
    return scenario.opening_request(kind="danger-to-others", **changes)


def test_a_complete_form_has_no_problem() -> None:
    assert report_form_problems(opening(), grounds(), NOW, POLICY) == []


def test_problems_of_the_opening_and_of_the_grounds_come_together() -> None:
    body = opening()
    body["reporter"] = {**body["reporter"], "phone": ""}
    submitted = grounds(description="")
    submitted["potential_victims"].append({"name": "Riley Hart"})

    fields = {p.field for p in report_form_problems(body, submitted, NOW, POLICY)}

    assert fields == {"reporter.phone", "threat.description", "potential_victims[1].phone"}


def test_a_value_of_the_wrong_type_is_named_and_the_rest_is_still_checked() -> None:
    submitted = grounds(description="", serious_and_imminent="perhaps-SECRET")

    problems = report_form_problems(opening(), submitted, NOW, POLICY)

    assert {p.field for p in problems} == {"threat.serious_and_imminent", "threat.description"}
    assert all("SECRET" not in p.problem for p in problems)


def test_a_missing_time_the_duty_arose_is_named() -> None:
    submitted = grounds()
    del submitted["grounds"]["suspicion_formed_at"]

    fields = [p.field for p in report_form_problems(opening(), submitted, NOW, POLICY)]

    assert fields == ["grounds.suspicion_formed_at"]


def test_a_location_of_a_list_item_reads_as_a_case_file_path() -> None:
    assert field_path(("potential_victims", 1, "phone")) == "potential_victims[1].phone"
