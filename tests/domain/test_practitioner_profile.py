"""A practitioner's profile: every problem of a submitted profile is named at once by its field,
never repeating the value; empty text is no value; a change is described by the fields it
touched (what the audit records), never their values; and the profile fills in exactly the
reporter inputs of a new report that it has values for."""

from __future__ import annotations

from datetime import date

import pytest

from dutyflow.domain.case import Reporter
from dutyflow.domain.practitioner_profile import (
    REPORTER_FIELDS,
    PractitionerProfile,
    changed_fields,
    checked_profile,
    profile_problems,
    reporter_prefill,
)
from dutyflow.domain.training import training_policy
from dutyflow.web.forms import REPORTER_INPUTS

pytestmark = pytest.mark.one_database

TODAY = date(2026, 12, 3)
TRAINING = training_policy()


def submitted(**changes: object) -> dict[str, object]:
    profile: dict[str, object] = {
        "name": "Dr. Ana Reyes",
        "title": "Licensed marriage and family therapist",
        "licence_type": "LMFT",
        "licence_number": "LMFT 12345",
        "licence_issuer": "California Board of Behavioral Sciences",
        "mandated_reporter_category": "Marriage and family therapist",
        "business_name": "Demo Clinic",
        "business_address": "1 Example Street, Sacramento, CA",
        "phone": "(916) 555-0100",
        "attestations": [
            {
                "requirement": "us-ca-employer-statement",
                "course": "Employer's statement",
                "completed_on": "2024-03-01",
                "evidence_reference": "HR file 12",
            }
        ],
    }
    return {**profile, **changes}


def fields_of(problems: list) -> list[str]:
    return [p.field for p in problems]


def test_a_complete_profile_has_no_problem() -> None:
    assert profile_problems(submitted(), TRAINING, TODAY) == []


def test_the_name_is_the_one_field_a_profile_needs() -> None:
    only_name = {"name": "Dr. Ana Reyes"}
    assert profile_problems(only_name, TRAINING, TODAY) == []
    assert fields_of(profile_problems({"name": "  "}, TRAINING, TODAY)) == ["name"]


def test_every_problem_is_named_at_once_by_its_field_never_with_its_value() -> None:
    secret = "S" * 300
    problems = profile_problems(
        submitted(
            phone=secret,
            nickname="x",
            attestations=[
                {
                    "requirement": "no-such-training",
                    "course": "",
                    "completed_on": "last spring",
                    "evidence_reference": "ok",
                }
            ],
        ),
        TRAINING,
        TODAY,
    )
    assert fields_of(problems) == [
        "nickname",
        "phone",
        "attestations[0].requirement",
        "attestations[0].course",
        "attestations[0].completed_on",
    ]
    assert all(secret not in p.problem and "last spring" not in p.problem for p in problems)


def test_a_training_completed_in_the_future_is_refused() -> None:
    later = submitted(
        attestations=[
            {
                "requirement": "us-ca-employer-statement",
                "course": "Statement",
                "completed_on": "2027-01-01",
                "evidence_reference": "HR",
            }
        ]
    )
    problems = profile_problems(later, TRAINING, TODAY)
    assert [(p.field, p.problem) for p in problems] == [
        ("attestations[0].completed_on", "is in the future")
    ]


def test_one_training_recorded_twice_is_refused() -> None:
    one = submitted()["attestations"][0]  # type: ignore[index]
    problems = profile_problems(submitted(attestations=[one, one]), TRAINING, TODAY)
    assert fields_of(problems) == ["attestations[1].requirement"]


def test_a_body_of_the_wrong_shape_is_named_not_crashed_on() -> None:
    assert fields_of(profile_problems(["name"], TRAINING, TODAY)) == ["body"]
    assert fields_of(profile_problems({"name": 5}, TRAINING, TODAY)) == ["name"]
    odd = profile_problems(
        {"name": "A", "attestations": [[1], {"requirement": [1]}]}, TRAINING, TODAY
    )
    assert "attestations[0]" in fields_of(odd)
    assert "attestations[1].requirement" in fields_of(odd)


def test_empty_text_is_no_value() -> None:
    profile = checked_profile(submitted(title="", licence_number="   "))
    assert profile.title is None and profile.licence_number is None


def test_a_change_names_the_fields_it_touched_and_the_trainings_never_the_values() -> None:
    before = checked_profile(submitted())
    after = checked_profile(
        submitted(
            phone="(916) 555-0199",
            attestations=[
                {
                    "requirement": "us-ny-child-abuse-coursework",
                    "course": "NYS approved course",
                    "completed_on": "2023-05-02",
                    "evidence_reference": "Certificate 77",
                }
            ],
        )
    )
    assert changed_fields(before, after) == [
        "phone",
        "attestations.us-ca-employer-statement",
        "attestations.us-ny-child-abuse-coursework",
    ]
    assert changed_fields(after, after) == []


def test_a_first_profile_touches_every_field_it_gives() -> None:
    first = PractitionerProfile(name="Dr. Ana Reyes", phone="(916) 555-0100")
    assert changed_fields(None, first) == ["name", "phone"]


def test_the_profile_fills_in_the_reporter_inputs_it_has_values_for() -> None:
    profile = PractitionerProfile(name="Dr. Ana Reyes", phone="(916) 555-0100", licence_number="9")
    assert reporter_prefill(profile) == {
        "reporter.name": ["Dr. Ana Reyes"],
        "reporter.phone": ["(916) 555-0100"],
    }
    assert reporter_prefill(None) == {}


def test_the_profiles_e_mail_fills_in_the_reporters_e_mail() -> None:
    # SOC 341's reporting party gives an e-mail address.
    profile = PractitionerProfile(name="Dr. Ana Reyes", email="a.reyes@clinic.example")
    assert reporter_prefill(profile)["reporter.email"] == ["a.reyes@clinic.example"]


def test_every_prefilled_input_is_an_input_of_the_report_form_and_a_reporter_field() -> None:
    form_inputs = {path for path, _label, _required in REPORTER_INPUTS}
    assert {f"reporter.{f}" for f in REPORTER_FIELDS} == form_inputs
    assert set(REPORTER_FIELDS) <= set(Reporter.model_fields)


@pytest.mark.parametrize(
    "address",
    ["zz<script>alert(1)</script>@@nowhere", "no-at-sign.example.org", "a@b", "a b@c.org"],
)
def test_an_e_mail_that_is_not_one_address_is_refused_by_name_never_echoed(address: str) -> None:
    problems = profile_problems({"name": "Dr. Ana Reyes", "email": address}, TRAINING, TODAY)

    assert fields_of(problems) == ["email"]
    assert all(address not in problem.problem for problem in problems)


def test_an_e_mail_address_or_none_is_accepted() -> None:
    for address in ("ana.reyes@clinic.example.org", "A.Reyes@Clinic.ORG", "", None):
        assert profile_problems({"name": "Dr. Ana Reyes", "email": address}, TRAINING, TODAY) == []
