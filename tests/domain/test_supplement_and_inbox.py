"""A supplement's answers merged into the grounds and named by path; what an agency's inbox says
of a report: its urgency under the policy, where it stands, the reporter's number."""

from __future__ import annotations

from datetime import UTC, datetime

from dutyflow.demo import example_case as scenario
from dutyflow.domain.agency_inbox import report_status, report_urgency, reporter_phone
from dutyflow.domain.case import GroundsSubmission
from dutyflow.domain.supplement import changed_paths, merge_answers, supplement_problems

DUE = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def grounds() -> GroundsSubmission:
    return GroundsSubmission.model_validate(scenario.grounds_submission())


def test_a_supplement_replaces_only_the_answers_it_gives_and_never_erases() -> None:
    before = {"grounds": {"observations": "old", "statements": "kept"}, "victim": {"school": "A"}}

    merged = merge_answers(
        before, {"grounds": {"observations": "new", "statements": ""}, "suspect": {"name": "X"}}
    )

    assert merged["grounds"] == {"observations": "new", "statements": "kept"}
    assert merged["victim"] == {"school": "A"} and merged["suspect"] == {"name": "X"}
    assert changed_paths(before, merged) == ["grounds.observations", "suspect.name"]


def test_a_list_answer_is_replaced_whole_and_named_once() -> None:
    before = {"grounds": {"abuse_types": ["physical"]}}

    merged = merge_answers(before, {"grounds": {"abuse_types": ["physical", "emotional"]}})

    assert changed_paths(before, merged) == ["grounds.abuse_types"]


def test_a_supplement_may_not_move_the_moment_the_suspicion_was_formed() -> None:
    _, _, problems = supplement_problems(
        grounds(), {"grounds": {"suspicion_formed_at": "2026-01-01T00:00:00+00:00"}}
    )

    assert [p.field for p in problems] == ["answers.grounds.suspicion_formed_at"]


def test_an_answer_the_form_has_no_place_for_is_named_without_its_value() -> None:
    submission, _, problems = supplement_problems(grounds(), {"victim": {"shoe_size": "SECRET"}})

    assert submission is None
    assert [p.field for p in problems] == ["answers.victim.shoe_size"]
    assert all("SECRET" not in p.problem for p in problems)


def test_a_supplement_with_nothing_new_is_refused() -> None:
    same = scenario.grounds_submission()["victim"]

    _, changed, problems = supplement_problems(grounds(), {"victim": same})

    assert changed == [] and [p.field for p in problems] == ["answers"]


def test_a_phone_report_first_is_urgent_and_a_written_deadline_is_named() -> None:
    assert report_urgency(DUE, DUE).level == "urgent"
    written = report_urgency(None, DUE)
    assert written.level == "deadline" and "2026-12-04 09:30" in written.words
    assert report_urgency(None, None).level == "routine"


def test_a_supplemented_report_says_so_before_its_acknowledgement() -> None:
    assert report_status(None, supplemented=False) == "received"
    assert report_status("screened-out", supplemented=False) == "acknowledged (screened out)"
    assert report_status("accepted", supplemented=True) == "supplemented"


def test_the_reporters_phone_only_when_the_agency_received_it() -> None:
    assert reporter_phone({"reporter": {"phone": "+1 555 0142"}}) == "+1 555 0142"
    assert reporter_phone({"reporter": {"name": "Dr A"}}) is None
    assert reporter_phone({}) is None
