"""The teaching and research export meets HIPAA Safe Harbor (45 CFR 164.514(b)(2)) or is refused
saying why; the supervision view keeps no profession and no exact age. The trial that let
"a 46-year-old nurse" and a methadone programme's name through is a test here."""

from __future__ import annotations

import json
from datetime import date

import pytest

from dutyflow.domain.case import CaseFile
from dutyflow.domain.safe_harbor import STANDARD, safe_harbor_export
from dutyflow.supervision.views import supervision_view
from tests.deidentify.test_deidentified_view import IDENTIFYING, case_with_markers
from tests.policy.cases import sample_case

ON = date(2026, 11, 26)
TRIAL = (
    "The client, a 46-year-old nurse at St Brigid's Hospital, has attended the Riverside "
    "Methadone Programme since 3 March 2025; she lives in Millbrook and her record is "
    "MRN-448812. Call 555-201-7788 or write to r.t@example.org."
)
LEAKS = [
    "46",
    "nurse",
    "St Brigid",
    "Riverside",
    "Methadone Programme",
    "March",
    "Millbrook",
    "448812",
    "555-201",
    "example.org",
]


def trial_case() -> dict:
    case = case_with_markers()
    case["grounds"]["observations"] = TRIAL
    case["incident"]["place"] = "MARKER-PLACE-1"
    case["opening"]["county"] = "MARKER-COUNTY-1"
    return case


def test_a_46_year_old_nurse_and_a_methadone_programme_never_reach_the_export() -> None:
    result = safe_harbor_export(trial_case(), on=ON)

    assert result.meets_standard, result.refused
    text = result.view.content["grounds"]["observations"]
    for leak in LEAKS:
        assert leak.lower() not in text.lower(), leak
    assert "[age]" in text and "[profession]" in text and "[named place or programme]" in text


def test_no_identifier_of_the_case_survives_in_any_field() -> None:
    shown = json.dumps(safe_harbor_export(trial_case(), on=ON).view.content)

    for marker in [*IDENTIFYING, "MARKER-PLACE", "MARKER-COUNTY"]:
        assert marker.lower() not in shown.lower(), marker


def test_dates_keep_only_their_year_and_nothing_below_the_state_remains() -> None:
    result = safe_harbor_export(trial_case(), on=ON)
    content = result.view.content

    assert (
        content["grounds"]["suspicion_formed_at"] == content["grounds"]["suspicion_formed_at"][:4]
    )
    assert len(content["incident"]["occurred_on"]) == 4
    assert "place" not in content["incident"] and "county" not in content["opening"]
    assert {"incident.place", "opening.county"} <= set(result.view.removed())


def test_ages_over_89_are_grouped() -> None:
    case = trial_case()
    case["client"]["approximate_age"] = 93

    content = safe_harbor_export(case, on=ON).view.content

    assert content["client"]["approximate_age"] == "90+"


@pytest.mark.parametrize(
    "residue", ["She said she is 46.", "He sleeps in room 12b.", "Seen on the 14th."]
)
def test_a_number_the_rules_do_not_recognise_refuses_the_export_naming_where(residue: str) -> None:
    case = trial_case()
    case["grounds"]["statements"] = residue

    result = safe_harbor_export(case, on=ON)

    assert not result.meets_standard
    assert result.refused == [
        "grounds.statements: a number that may be an age, a date or a record number"
    ]
    assert all(residue not in reason for reason in result.refused)


def test_the_standard_named_is_safe_harbor() -> None:
    assert STANDARD == "HIPAA Safe Harbor, 45 CFR 164.514(b)(2)"


def test_the_supervision_view_shows_a_life_stage_and_no_profession_or_exact_age() -> None:
    case = sample_case()
    case = case.model_copy(
        update={
            "grounds": case.grounds.model_copy(
                update={"observations": "Their neighbour, a 46-year-old nurse, said so."}
            )
        }
    )

    view = supervision_view(CaseFile.model_validate(case.model_dump()), ON, set())

    assert view.content["victim"]["approximate_age"] == "older adult"
    assert (
        view.content["grounds"]["observations"] == "Their neighbour, a [age] [profession], said so."
    )
    assert "46" not in json.dumps(view.content["victim"])


def test_a_statute_cited_as_the_grounds_is_not_taken_for_an_identifier() -> None:
    case = trial_case()
    case["grounds"]["statutory_basis"] = "45 CFR 164.512(e)(1)(i)"

    result = safe_harbor_export(case, on=ON)

    assert result.meets_standard, result.refused
