"""Every step of a deadline's escalation ladder reaches a person by e-mail, through a real SMTP
server (aiosmtpd, STARTTLS under a test authority): the practitioner's, the supervisor's and the
compliance officer's messages, in order, at the policy's times, each exactly once; a message the
server refuses for good goes to the next person up, and the refusal is audited. Time is skipped
by the test server, never waited for."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

from dutyflow.auth.notification_preferences import set_notification_preferences
from dutyflow.demo import example_case as scenario
from dutyflow.mail.transport import MailServer
from dutyflow.notifications.escalation import MailSettings
from dutyflow.store import audit_log, duties
from tests.auth.helpers import new_user
from tests.conftest import Harness, serve_api
from tests.deadlines.test_deadlines import skip
from tests.mail.servers import Inbox, local_authority, smtp_server
from tests.reporting import document_grounds, open_report

# The US-CA child-abuse policy: the call is due 15 minutes after the suspicion is formed; the
# practitioner is told 10 minutes before, the supervisor 5, compliance 1.
LADDER = ["practitioner", "supervisor", "compliance"]


@dataclasses.dataclass
class RefusingInbox(Inbox):
    """Accepts like `Inbox`, but refuses these recipients for good (550)."""

    refused: set[str] = dataclasses.field(default_factory=set)

    async def handle_RCPT(
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, options
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@dataclasses.dataclass
class People:
    """The case's practitioner, the clinic's supervisor and a compliance officer, by role, with
    their addresses."""

    user_ids: dict[str, str]
    addresses: dict[str, str]
    clinic: str
    practitioner_token: str

    def role_of(self, message: EmailMessage) -> str | None:
        by_address = {address: role for role, address in self.addresses.items()}
        return by_address.get(str(message["To"]))


def ladder_people(stack: Harness) -> People:
    clinic = f"clinic-{uuid.uuid4().hex[:12]}"
    user_ids, addresses, tokens = {}, {}, {}
    for role in LADDER:
        user, tokens[role] = new_user(
            stack.sessions, role, clinic_id=clinic if role != "compliance" else None
        )
        address = f"{role}-{uuid.uuid4().hex[:8]}@clinic.example"
        set_notification_preferences(
            stack.sessions, user.user_id, email=address, notify_by_email=True
        )
        user_ids[role], addresses[role] = user.user_id, address
    return People(user_ids, addresses, clinic, tokens["practitioner"])


async def skip_until(env, condition: Callable[[], bool], what: str) -> None:  # type: ignore[no-untyped-def]
    """Skip a minute at a time until ``condition`` holds; at most half an hour of case time."""
    for _minute in range(30):
        if condition():
            return
        await skip(env, timedelta(minutes=1), step=timedelta(minutes=1))
    assert condition(), what


def mailed_stack(stack: Harness, port: int, ca_file: Path) -> Harness:
    server = MailServer("127.0.0.1", port, security="starttls", ca_file=ca_file)
    mail = MailSettings(server, "Dutyflow <dutyflow@clinic.example>", stack.api_url)
    return dataclasses.replace(stack, mail=mail)


def the_duty(stack: Harness, case_id: str, deadline_id: str):  # type: ignore[no-untyped-def]
    with stack.sessions() as session:
        [duty] = [
            d for d in duties.duties_of_case(session, case_id) if d.deadline_id == deadline_id
        ]
        return duty


async def test_an_unmade_phone_report_mails_practitioner_then_supervisor_then_compliance_once_each(
    skipping_stack, skipping_env, http, executor, tmp_path
) -> None:
    authority = local_authority(tmp_path / "tls")
    inbox = Inbox()
    with smtp_server(inbox, starttls=authority.server_context) as port:
        stack = mailed_stack(skipping_stack, port, authority.ca_file)
        people = ladder_people(stack)
        async with (
            stack.new_worker(http, executor),
            serve_api(stack, token=people.practitioner_token) as api,
        ):
            case_id = await open_report(
                api, practitioner_id=people.user_ids["practitioner"], clinic_id=people.clinic
            )
            await document_grounds(api, case_id, scenario.grounds_submission())

            def ours() -> list[str | None]:
                return [r for r in map(people.role_of, inbox.accepted) if r is not None]

            for told, role in enumerate(LADDER, 1):
                await skip_until(
                    skipping_env, lambda n=told: len(ours()) >= n, f"no message to {role}"
                )
                assert ours() == LADDER[:told]
                now = await skipping_env.get_current_time()
                duty = the_duty(stack, case_id, "phone-report")
                assert duty.escalated_to == role and duty.met_at is None
                with stack.sessions() as session:
                    at_risk = duties.open_duties(
                        session, duties.DutyFilter(due_before=now + timedelta(hours=1))
                    )
                assert case_id in {d.duty.case_id for d in at_risk}

            await skip(skipping_env, timedelta(minutes=10), step=timedelta(minutes=1))
            now = await skipping_env.get_current_time()
            with stack.sessions() as session:
                overdue = duties.open_duties(session, duties.DutyFilter(due_before=now))
            assert "phone-report" in {d.duty.kind for d in overdue if d.duty.case_id == case_id}
            with stack.sessions() as session:
                entries = audit_log.entries_for_case(session, case_id)
            await stack.client.get_workflow_handle(case_id).terminate("test finished")

    assert ours() == LADDER  # each exactly once, in order
    # The case's audit trail (which its timeline shows) has each step and each message sent.
    escalated = [
        e.details["notify"]
        for e in entries
        if e.step == "deadline-escalated" and e.details["deadline"] == "phone-report"
    ]
    assert escalated == LADDER
    ours_sent = set(people.user_ids.values())
    sent = [
        e.details["role"]
        for e in entries
        if e.step == "notification-sent" and e.details["user_id"] in ours_sent
    ]
    assert sent == LADDER
    for message in inbox.accepted:
        if people.role_of(message) is None:
            continue
        body = message.get_content()
        assert "make the statutory phone report" in body
        assert f"/{case_id}" in body
        for content in ("Sam Example", "Adjustment disorder"):  # no case content
            assert content not in body and content not in str(message["Subject"])
    message_ids = [str(m["Message-ID"]) for m in inbox.accepted]
    assert len(message_ids) == len(set(message_ids))


async def test_a_refused_address_passes_the_step_to_the_next_person_and_is_audited(
    skipping_stack, skipping_env, http, executor, tmp_path
) -> None:
    authority = local_authority(tmp_path / "tls")
    inbox = RefusingInbox()
    with smtp_server(inbox, starttls=authority.server_context) as port:
        stack = mailed_stack(skipping_stack, port, authority.ca_file)
        people = ladder_people(stack)
        inbox.refused.add(people.addresses["practitioner"])
        async with (
            stack.new_worker(http, executor),
            serve_api(stack, token=people.practitioner_token) as api,
        ):
            case_id = await open_report(
                api, practitioner_id=people.user_ids["practitioner"], clinic_id=people.clinic
            )
            await document_grounds(api, case_id, scenario.grounds_submission())
            await skip_until(
                skipping_env,
                lambda: any(people.role_of(m) == "supervisor" for m in inbox.accepted),
                "no message to the supervisor",
            )
            supervisor_first = next(m for m in inbox.accepted if people.role_of(m) == "supervisor")
            with stack.sessions() as session:
                entries = audit_log.entries_for_case(session, case_id)
            await stack.client.get_workflow_handle(case_id).terminate("test finished")

    # The supervisor had the practitioner's step (its Message-ID names it), before their own.
    assert "phone-report.practitioner" in str(supervisor_first["Message-ID"])
    assert not any(people.role_of(m) == "practitioner" for m in inbox.accepted)
    refused = [e for e in entries if e.step == "notification-refused"]
    assert [(e.details["role"], e.details["user_id"]) for e in refused] == [
        ("practitioner", people.user_ids["practitioner"])
    ]
    assert people.addresses["practitioner"] not in str(refused[0].details)
    passed_on = [e for e in entries if e.step == "notification-passed-on"]
    assert [e.details["passed_on_to"] for e in passed_on] == ["supervisor"]


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
