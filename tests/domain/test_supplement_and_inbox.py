"""A supplement's answers merged into the grounds and named by path; what an agency's inbox says
of a report: its urgency under the policy, where it stands, the reporter's number; which fields
of an agency's form no question asks (each rendered "Not known")."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dutyflow.demo import example_case as scenario
from dutyflow.domain.agency_inbox import report_status, report_urgency, reporter_phone
from dutyflow.domain.case import GroundsSubmission
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.policy.coverage import unasked_form_fields
from dutyflow.domain.rendering import load_form_layout
from dutyflow.domain.supplement import changed_paths, merge_answers, supplement_problems
from dutyflow.settings import REPO_ROOT

DUE = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
LIBRARY = PolicyLibrary(REPO_ROOT / "policies")


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


def form_gaps(jurisdiction: str, kind: str) -> dict[str, list[str]]:
    policy = LIBRARY.in_effect(jurisdiction, kind, date(2026, 12, 3))
    layouts = {r.form: load_form_layout(r.form) for r in policy.recipients if r.form}
    return unasked_form_fields(policy, layouts)


def test_the_child_abuse_forms_ask_the_source_statements_and_past_incidents_the_law_names() -> None:
    """PC 11167(a), Tex. Fam. Code 261.104(a)(3) and (6), N.Y. SSL 415: asked, not 'Not known'."""
    for jurisdiction in ("US-CA", "US-TX", "US-NY"):
        gaps = form_gaps(jurisdiction, "child-abuse")
        for missing in gaps.values():
            assert not {
                "grounds.source_description",
                "grounds.statements",
                "grounds.past_incidents",
            } & set(missing), jurisdiction


def test_a_form_field_no_question_asks_is_named_as_a_gap() -> None:
    # Texas's adult report shows the guardians: without the question about them, a gap.
    policy = LIBRARY.in_effect("US-TX", "elder-abuse", date(2026, 12, 3))
    unasked = policy.model_copy(
        update={"grounds_questions": [q for q in policy.grounds_questions if q.id != "guardian"]}
    )
    layouts = {r.form: load_form_layout(r.form) for r in policy.recipients if r.form}

    gaps = unasked_form_fields(unasked, layouts)

    assert any("guardians.name" in missing for missing in gaps.values())
    asked = form_gaps("US-TX", "elder-abuse")
    assert not any("guardians.name" in missing for missing in asked.values())
