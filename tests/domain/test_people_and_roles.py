"""A case holds several victims and each person's part in it: the victim and further victims,
siblings and other members of the household, and whether the client is the victim, the alleged
abuser or a third party. Old submissions without them still read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from dutyflow.domain.case import (
    ClientRole,
    GroundsSubmission,
    HouseholdRole,
    PersonRole,
    roles_in,
)
from dutyflow.domain.deidentify import deidentify
from dutyflow.domain.validation import grounds_problems

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def three_siblings(**grounds: object) -> GroundsSubmission:
    return GroundsSubmission.model_validate(
        {
            "grounds": {
                "suspicion_formed_at": (NOW - timedelta(hours=1)).isoformat(),
                "statutory_basis": "PC 11166(a)",
                "source_of_information": "victim-disclosed",
                "observations": "Bruises on all three children.",
                "abuse_types": ["physical"],
                **grounds,
            },
            "victim": {"name": "Alex Sample", "approximate_age": 9},
            "other_victims": [
                {"name": "Jamie Sample", "approximate_age": 7},
                {"name": "Kit Sample", "approximate_age": 5},
            ],
            "household_members": [{"name": "Drew Sample", "role": "sibling", "approximate_age": 2}],
            "suspect": {"name": "Robin Sample"},
        }
    )


def test_a_submission_from_before_several_victims_still_reads_with_none_further() -> None:
    old = GroundsSubmission.model_validate(
        {
            "grounds": {
                "suspicion_formed_at": NOW.isoformat(),
                "statutory_basis": "PC 11166(a)",
            },
            "victim": {"name": "Alex Sample"},
        }
    )

    assert old.other_victims == [] and old.household_members == []
    assert old.grounds.client_role is None


def test_three_siblings_are_three_victims_and_a_sibling_who_is_not_one_is_a_sibling() -> None:
    roles = roles_in(three_siblings())

    assert [path for path, role in roles if role == PersonRole.VICTIM] == [
        "victim",
        "other_victims[0]",
        "other_victims[1]",
    ]
    assert ("household_members[0]", PersonRole.SIBLING) in roles
    assert ("suspect", PersonRole.ALLEGED_ABUSER) in roles


def test_a_client_who_is_the_alleged_abuser_has_that_role_too() -> None:
    submission = three_siblings(client_role=ClientRole.ALLEGED_ABUSER.value)

    assert ("client", PersonRole.ALLEGED_ABUSER) in roles_in(submission)


def test_a_client_who_is_a_third_party_has_no_part_beyond_being_the_client() -> None:
    submission = three_siblings(client_role=ClientRole.THIRD_PARTY.value)

    assert not any(path == "client" for path, _ in roles_in(submission))


def test_a_further_victim_with_neither_name_nor_place_is_refused_naming_that_victim() -> None:
    submission = three_siblings()
    submission.other_victims[1].name = None

    problems = {p.field: p.problem for p in grounds_problems(submission, NOW, None)}

    assert problems == {"other_victims[1].name": "name this victim, or at least where they are now"}


def test_a_household_members_birth_date_in_the_future_is_refused() -> None:
    submission = three_siblings()
    submission.household_members[0].birth_date = date(2030, 1, 1)
    submission.household_members[0].role = HouseholdRole.SIBLING

    fields = [p.field for p in grounds_problems(submission, NOW, None)]

    assert fields == ["household_members[0].birth_date"]


def test_the_de_identified_view_masks_every_victims_and_siblings_name() -> None:
    view = deidentify(three_siblings().model_dump(mode="json"), on=NOW.date())

    text = str(view.content)
    for name in ("Alex", "Jamie", "Kit", "Drew"):
        assert name not in text
