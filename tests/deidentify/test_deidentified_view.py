"""A de-identified view conceals who the client is: what a supervisor, a teacher or a researcher
reads carries no identifying field, no exact age or date, no private content, and no name in the
free text, however it is written."""

from __future__ import annotations

from datetime import date

import pytest

from dutyflow.demo import example_case as scenario
from dutyflow.domain.deidentify import age_band, deidentify

ON = date(2026, 11, 26)


def case_with_markers() -> dict:
    case = {"opening": scenario.opening_request(), **scenario.grounds_submission()}
    case["victim"].update(
        name="Samira Quillfeather",
        address="MARKER-ADDRESS-1",
        phone="MARKER-PHONE-1",
        school="MARKER-SCHOOL-1",
        birth_date="2016-05-14",
    )
    case["guardians"][0].update(name="Jordan Quillfeather", phone="MARKER-PHONE-2")
    case["suspect"] = {
        "name": "Casey Brandvold",
        "address": "MARKER-ADDRESS-2",
        "occupation": "MARKER-PROFESSION-1",
    }
    case["client"] = {
        "name": "Robin Thistlewood",
        "employer": "MARKER-EMPLOYER-1",
        "profession": "MARKER-PROFESSION-2",
        "approximate_age": 37,
    }
    case["grounds"]["observations"] = (
        "SAMIRA arrived with her mother (jordan quillfeather); Samira's arm was bruised. "
        "Robin, the client, said 'Thistlewood is my name' and works at MARKER-EMPLOYER-1."
    )
    case["private_content"] = "MARKER-PRIVATE-DREAM"
    case["clinical_context"]["psychotherapy_notes"] = "MARKER-PRIVATE-NOTES"
    return case


IDENTIFYING = [
    "Samira",
    "Quillfeather",
    "Jordan",
    "Casey",
    "Brandvold",
    "Robin",
    "Thistlewood",
    "MARKER-ADDRESS",
    "MARKER-PHONE",
    "MARKER-SCHOOL",
    "MARKER-PROFESSION",
    "MARKER-EMPLOYER",
    "MARKER-PRIVATE",
    "Dr. Alex Rivera",
    "2016-05-14",
    "HOTLINE",
]


def test_no_identifying_marker_survives_anywhere_in_the_view() -> None:
    view = deidentify(case_with_markers(), on=ON)

    shown = repr(view.content).lower()
    for marker in IDENTIFYING:
        assert marker.lower() not in shown, marker


def test_names_in_free_text_are_masked_by_role_whatever_their_case_and_punctuation() -> None:
    view = deidentify(case_with_markers(), on=ON)

    text = view.content["grounds"]["observations"]
    assert text.startswith("[victim] arrived with her mother ([guardian 1]); [victim]'s arm")
    assert "[client], the client, said '[client] is my name' and works at [employer]." in text
    assert "grounds.observations" in view.masked()


@pytest.mark.parametrize(
    "written", ["sam", "SAM", "Sam.", "(Sam)", "«Sam»", "Sam's", "—Sam—", "Sam\nExample"]
)
def test_a_name_is_masked_in_every_way_it_can_be_written(written: str) -> None:
    case = {"victim": {"name": "Sam Example"}, "note": f"seen: {written} today"}
    masked = deidentify(case, on=ON).content["note"]
    assert "sam" not in masked.lower() and "[victim]" in masked


def test_a_short_name_part_does_not_mask_ordinary_words_but_the_full_name_is_masked() -> None:
    case = {"client": {"name": "Al Bo"}, "note": "Al Bo said all is well; also a bowl."}
    assert deidentify(case, on=ON).content["note"] == "[client] said all is well; also a bowl."


def test_each_alias_is_a_name_removed_from_its_field_and_masked_in_free_text() -> None:
    # LDSS-2221A asks for aliases; each one, even a short one, identifies the person.
    case = {
        "suspect": {"name": "Casey Brandvold", "aliases": "Bo; Kasey B"},
        "note": "Bo came by; later Kasey B phoned.",
    }

    view = deidentify(case, on=ON)

    assert "aliases" not in view.content["suspect"]
    assert view.content["note"] == "[suspect] came by; later [suspect] phoned."


def test_a_suspects_physical_description_is_removed_like_distinguishing_features() -> None:
    # SOC 341 section B asks what the suspected abuser looks like: a unique characteristic.
    case = {"suspect": {"physical_description": "MARKER-DESCRIPTION tall, scar on the chin"}}

    view = deidentify(case, on=ON)

    assert "MARKER-DESCRIPTION" not in repr(view.content)


def test_ages_become_bands_and_dates_become_months() -> None:
    view = deidentify(case_with_markers(), on=ON)

    assert view.content["victim"]["birth_date"] == "10-14"
    assert view.content["client"]["approximate_age"] == "35-39"
    assert len(view.content["grounds"]["suspicion_formed_at"]) == 7  # YYYY-MM
    assert len(view.content["incident"]["occurred_on"]) == 7
    assert age_band(92) == "90+"


def test_private_content_is_never_shown_even_when_reveal_names_it() -> None:
    view = deidentify(
        case_with_markers(), on=ON, reveal=frozenset({"private_content", "victim.name"})
    )

    assert "private_content" not in view.content
    assert view.content["victim"]["name"] == "Samira Quillfeather"  # a field revealed on purpose
    assert "private_content" in view.removed() and "victim.name" not in view.removed()


def test_the_view_says_what_was_removed_and_what_risk_remains_without_repeating_values() -> None:
    view = deidentify(case_with_markers(), on=ON)

    assert {"victim.name", "victim.school", "client.employer", "opening.reporter"} <= set(
        view.removed()
    )
    assert "Samira" not in repr(view.changes)
    assert any("rare combination" in risk for risk in view.residual_risks)
    assert any("Free-text" in risk for risk in view.residual_risks)
