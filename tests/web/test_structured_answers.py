"""Grounds questions answered by a structure: a person with their contact details, several people
at risk, parents with their relationship. Pure: the policy's questions as inputs, the "add
another" and "remove" buttons, and the submitted form as the API's JSON, with no server."""

from __future__ import annotations

from datetime import date

import pytest

from dutyflow.domain.case import GroundsSubmission
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.settings import REPO_ROOT
from dutyflow.web import answer_items, forms, submitted
from dutyflow.web.refusals import input_name, state_from

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
JURISDICTIONS = [
    "US-CA",
    "US-NY",
    "US-TX",
    "US-FL",
    "US-PA",
    "US-IL",
    "US-MI",
    "US-OH",
    "US-GA",
    "US-NC",
    "GB-ENG",
]
EVERY_POLICY = [
    (jurisdiction, kind)
    for jurisdiction in JURISDICTIONS
    for kind in (
        "child-abuse",
        "elder-abuse",
        "danger-to-others",
        "danger-to-self",
        "court-order",
        "subpoena",
    )
]


def grounds_of(jurisdiction: str, kind: str) -> list[forms.FormInput]:
    return forms.grounds_inputs(LIBRARY.in_effect(jurisdiction, kind, date.today()), "UTC")


def question(inputs: list[forms.FormInput], name: str) -> forms.FormInput:
    return next(i for i in inputs if i.name == name)


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_the_people_at_risk_are_asked_with_a_phone_an_address_and_where_they_are(
    jurisdiction: str,
) -> None:
    victims = question(grounds_of(jurisdiction, "danger-to-others"), "potential_victims.name")

    assert victims.kind == "group" and victims.repeats
    assert [i.name for i in victims.shown({})] == [
        "potential_victims[0].name",
        "potential_victims[0].phone",
        "potential_victims[0].address",
        "potential_victims[0].present_location",
        "potential_victims[0].relationship_to_client",
    ]


def test_two_people_at_risk_become_two_items_each_with_their_own_contact() -> None:
    inputs = grounds_of("US-CA", "danger-to-others")
    form = {
        "potential_victims[0].name": ["Morgan Vale"],
        "potential_victims[0].phone": ["555-0100"],
        "potential_victims[1].name": ["Riley Hart"],
        "potential_victims[1].address": ["1 Elm Street"],
    }

    body = submitted.nest(inputs, answer_items.without_empty_items(inputs, form))

    assert body["potential_victims"] == [
        {"name": "Morgan Vale", "phone": "555-0100"},
        {"name": "Riley Hart", "address": "1 Elm Street"},
    ]


def test_add_another_person_shows_one_more_item_and_keeps_what_was_typed() -> None:
    inputs = grounds_of("US-CA", "danger-to-others")
    form = {"potential_victims[0].name": ["Morgan Vale"], "add-item": ["potential_victims"]}

    assert answer_items.asked_to_change_items(form)
    values = answer_items.items_changed(inputs, form)

    victims = question(inputs, "potential_victims.name")
    assert [index for index, _ in victims.items(values)] == [0, 1]
    assert values["potential_victims[0].name"] == ["Morgan Vale"]
    assert "add-item" not in values


def test_removing_a_person_renumbers_the_others_and_keeps_their_values() -> None:
    inputs = grounds_of("US-CA", "danger-to-others")
    form = {
        "potential_victims[0].name": ["Morgan Vale"],
        "potential_victims[1].name": ["Riley Hart"],
        "potential_victims[2].name": ["Casey Moss"],
        "remove-item": ["potential_victims[1]"],
    }

    values = answer_items.items_changed(inputs, form)

    assert values["potential_victims[0].name"] == ["Morgan Vale"]
    assert values["potential_victims[1].name"] == ["Casey Moss"]
    assert "potential_victims[2].name" not in values


def test_an_empty_item_is_left_out_and_the_next_takes_its_number() -> None:
    inputs = grounds_of("US-CA", "danger-to-others")
    form = {
        "potential_victims[0].name": [""],
        "potential_victims[1].name": ["Riley Hart"],
        "threat.description": ["words"],
    }

    values = answer_items.without_empty_items(inputs, form)

    assert values == {"potential_victims[0].name": ["Riley Hart"], "threat.description": ["words"]}


def test_a_refusal_about_the_second_person_lands_on_their_phone_named_by_its_label() -> None:
    inputs = grounds_of("US-CA", "danger-to-others")
    form = {"potential_victims[0].name": ["A"], "potential_victims[1].name": ["B"]}
    shown = forms.shown_inputs(inputs, form)
    problem = "give a way to reach the person at risk (phone, address or location)"

    state = state_from(
        form,
        [{"field": "potential_victims[1].phone", "problem": problem}],
        [i.name for i in shown],
    )

    assert state.errors == {"potential_victims[1].phone": [problem]}
    labelled = {i.name: i.label for i in shown}
    assert labelled["potential_victims[1].phone"] == "Person at risk 2: telephone"


def test_a_required_list_answer_left_empty_is_shown_on_the_first_persons_name() -> None:
    shown = forms.shown_inputs(grounds_of("US-CA", "danger-to-others"), {})

    state = state_from(
        {},
        [{"field": "potential_victims.name", "problem": "must be answered"}],
        [i.name for i in shown],
    )

    assert state.errors == {"potential_victims[0].name": ["must be answered"]}


def test_a_problem_of_no_input_is_named_in_words_not_by_its_path() -> None:
    state = state_from({}, [{"field": "victim.birth_date", "problem": "is in the future"}], [])

    assert state.general == ["Victim: birth date: is in the future"]


def test_the_elders_address_age_and_phone_are_asked_for_soc_341() -> None:
    victim = question(grounds_of("US-CA", "elder-abuse"), "victim.name")

    asked = {i.name for i in victim.shown({})}

    assert {
        "victim.address",
        "victim.birth_date",
        "victim.approximate_age",
        "victim.phone",
    } <= asked


@pytest.mark.parametrize(("jurisdiction", "kind"), EVERY_POLICY)
def test_every_question_of_every_policy_is_asked_once_and_fits_the_case_model(
    jurisdiction: str, kind: str
) -> None:
    inputs = grounds_of(jurisdiction, kind)
    names = [i.name for i in forms.shown_inputs(inputs, {})]

    assert len(names) == len(set(names))
    for name in names:
        section, _, field_name = input_name(name).partition(".")
        model, _ = forms.section_model(section)
        assert section == "grounds" or (model is not None and field_name in model.model_fields)


@pytest.mark.parametrize(("jurisdiction", "kind"), EVERY_POLICY)
def test_every_policys_form_filled_in_reads_as_a_grounds_submission(
    jurisdiction: str, kind: str
) -> None:
    inputs = grounds_of(jurisdiction, kind)
    form = {i.name: [sample(i)] for i in forms.shown_inputs(inputs, {}) if sample(i)}

    body = submitted.nest(inputs, form)

    GroundsSubmission.model_validate(body)


def sample(form_input: forms.FormInput) -> str:
    """A value each kind of input accepts."""
    if form_input.choices:
        return form_input.choices[0].value
    return {
        "yes-no": "yes",
        "date": "2020-01-02",
        "datetime": "2026-01-02T10:00",
    }.get(form_input.kind, "3" if form_input.name.endswith("approximate_age") else "text")


AGE_ONLY = {("US-PA", "child-abuse"), ("US-IL", "child-abuse"), ("US-MI", "child-abuse")}
ABUSE_POLICIES = [
    (jurisdiction, kind)
    for jurisdiction in JURISDICTIONS
    for kind in ("child-abuse", "elder-abuse")
]


@pytest.mark.parametrize(("jurisdiction", "kind"), ABUSE_POLICIES)
def test_every_abuse_report_asks_where_the_victim_lives_and_their_age_and_of_further_victims(
    jurisdiction: str, kind: str
) -> None:
    asked = {input_name(i.name) for i in forms.shown_inputs(grounds_of(jurisdiction, kind), {})}

    assert {"victim.address", "victim.approximate_age"} <= asked
    # The date of birth too, except where the law asks the age only (23 Pa.C.S. 6313(b)(3);
    # 325 ILCS 5/7.9(2); MCL 722.623(2)).
    assert ("victim.birth_date" in asked) == ((jurisdiction, kind) not in AGE_ONLY)
    assert {"other_victims.name", "other_victims.address", "grounds.client_role"} <= asked


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_every_child_abuse_report_asks_for_the_parents_and_the_siblings(jurisdiction: str) -> None:
    asked = {
        input_name(i.name) for i in forms.shown_inputs(grounds_of(jurisdiction, "child-abuse"), {})
    }

    assert {"guardians.name", "guardians.address", "household_members.name"} <= asked
    assert "household_members.role" in asked
