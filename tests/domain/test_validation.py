"""The rules clinician input must meet; messages name the field, never the value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dutyflow.demo import example_case as scenario
from dutyflow.domain.case import CaseOpening, GroundsSubmission, PhoneReport
from dutyflow.domain.validation import grounds_problems, opening_problems, phone_report_problems

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def submission(**grounds_changes) -> GroundsSubmission:
    body = scenario.grounds_submission(now=NOW)
    body["grounds"].update(grounds_changes)
    return GroundsSubmission.model_validate(body)


def fields(problems) -> set[str]:
    return {p.field for p in problems}


def test_valid_grounds_have_no_problems() -> None:
    assert grounds_problems(submission(), NOW, ["PC 11166(a)"]) == []


def test_a_time_of_suspicion_without_time_zone_is_refused() -> None:
    problems = grounds_problems(submission(suspicion_formed_at="2026-11-26T10:00:00"), NOW, None)

    assert fields(problems) == {"grounds.suspicion_formed_at"}


def test_oversized_narratives_are_refused_without_quoting_them() -> None:
    problems = grounds_problems(submission(observations="SECRET " * 5000), NOW, None)

    assert fields(problems) == {"grounds.observations"}
    assert "SECRET" not in str(problems)


def test_at_least_one_abuse_type_is_needed() -> None:
    assert fields(grounds_problems(submission(abuse_types=[]), NOW, None)) == {
        "grounds.abuse_types"
    }


def test_a_phone_report_before_the_suspicion_is_refused() -> None:
    report = PhoneReport.model_validate(
        {**scenario.phone_report(now=NOW), "made_at": (NOW - timedelta(days=3)).isoformat()}
    )

    problems = phone_report_problems(report, NOW, NOW - timedelta(hours=2))

    assert fields(problems) == {"phone_report.made_at"}


def test_a_reporters_e_mail_must_be_one_address_and_is_never_echoed() -> None:
    def opening(email: str | None) -> CaseOpening:
        body = scenario.opening_request()
        body["reporter"] = {**body["reporter"], "email": email}
        return CaseOpening(case_id="case-1", **body)

    assert opening_problems(opening(None)) == []
    assert opening_problems(opening("alex.rivera@clinic.example.org")) == []
    problems = opening_problems(opening("alex<script>@@x"))
    assert fields(problems) == {"reporter.email"}
    assert all("script" not in p.problem for p in problems)
