"""Pure decisions about duties and their messages: the kind of duty a deadline is, the countdown
in words, the ladder's next person, and a message that carries no case content."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dutyflow.domain.duties import DutyKind, countdown, duty_kind, is_at_risk, is_overdue
from dutyflow.domain.notifications import escalation_notice, message_id, next_on_ladder

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@dataclass
class Bound:
    delivery: str
    deadline_ids: list[str] = field(default_factory=list)


def test_a_deadline_is_named_by_the_duty_it_binds() -> None:
    assert duty_kind("phone-report", []) == DutyKind.PHONE_REPORT
    assert duty_kind("inform-client", []) == DutyKind.INFORM_CLIENT_DECISION
    assert duty_kind("acknowledgement:agency-1", []) == DutyKind.ACKNOWLEDGEMENT_FOLLOW_UP
    warning = [Bound("contact", ["notification"])]
    assert duty_kind("notification", warning) == DutyKind.CONTACT
    both = [Bound("contact", ["report"]), Bound("intake", ["report"])]
    assert duty_kind("report", both) == DutyKind.WRITTEN_REPORT


def test_an_open_duty_past_its_deadline_is_overdue_and_a_met_one_never_is() -> None:
    due = NOW - timedelta(minutes=1)
    assert is_overdue(due, None, NOW)
    assert not is_overdue(due, NOW - timedelta(minutes=5), NOW)
    assert is_at_risk(NOW + timedelta(hours=2), None, NOW, timedelta(hours=3))
    assert not is_at_risk(NOW + timedelta(hours=4), None, NOW, timedelta(hours=3))


def test_the_countdown_reads_in_words() -> None:
    assert countdown(NOW + timedelta(hours=1, minutes=5), NOW) == "due in 1 h 5 min"
    assert countdown(NOW - timedelta(days=1, minutes=3), NOW) == "overdue by 1 d 3 min"


def test_a_refused_step_goes_up_the_ladder_and_stops_after_compliance() -> None:
    assert next_on_ladder("practitioner") == "supervisor"
    assert next_on_ladder("supervisor") == "compliance"
    assert next_on_ladder("compliance") is None


def test_the_message_says_who_must_do_what_by_when_and_links_without_case_content() -> None:
    notice = escalation_notice(
        kind="phone-report",
        role="supervisor",
        due_at=NOW + timedelta(minutes=5),
        now=NOW,
        link="https://dutyflow.example/app/supervision/case-1",
        escalation_id="case-1/phone-report/supervisor",
        user_id="lead-1",
        mail_domain="clinic.example",
    )
    assert "You supervise the practitioner" in notice.body
    assert "make the statutory phone report" in notice.body
    assert "2026-12-03 10:05 UTC" in notice.body and "2026-12-03 10:05 UTC" in notice.subject
    assert "https://dutyflow.example/app/supervision/case-1" in notice.body
    assert notice.message_id == message_id(
        "case-1/phone-report/supervisor", "lead-1", "clinic.example"
    )
    assert notice.message_id.startswith("<") and notice.message_id.endswith("@clinic.example>")
