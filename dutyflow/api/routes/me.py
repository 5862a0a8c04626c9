"""The caller's own account (any authenticated caller).

GET  /me                        who the bearer token stands for
GET  /me/notifications          where and whether the caller is notified by e-mail
PUT  /me/notifications          set both (a refused address is named, never echoed)
POST /me/notifications/test     send the caller a test message (no case content)
GET  /me/outbox                 development only: the messages the embedded stack's local mail
                                sink received for the caller's address (404 with a real server)
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from dutyflow.api.deps import CurrentUser, MailDep, SessionsDep
from dutyflow.api.errors import field_refusal
from dutyflow.auth.notification_preferences import preferences_of, set_notification_preferences
from dutyflow.auth.store import AccountRefused
from dutyflow.contracts import Actor
from dutyflow.mail.sink import kept_messages
from dutyflow.mail.transport import MailNotSent
from dutyflow.notifications.test_message import send_test_message
from dutyflow.tasks.inbox import inbox
from dutyflow.tasks.sources import Task

router = APIRouter()


class Caller(BaseModel):
    """Who the token stands for."""

    user_id: str
    role: str
    clinic_id: str | None
    agency_id: str | None


@router.get("/me", response_model=Caller)
async def me(principal: CurrentUser) -> Caller:
    """Who the bearer token stands for: user id, role, clinic or agency."""
    return Caller(
        user_id=principal.user_id,
        role=principal.role,
        clinic_id=principal.clinic_id,
        agency_id=principal.agency_id,
    )


class NotificationSettings(BaseModel):
    """Where Dutyflow's notifications (a deadline escalated to you) go, and whether by e-mail."""

    email: str | None
    notify_by_email: bool


class TestMessageSent(BaseModel):
    sent: bool


@router.get("/me/notifications", response_model=NotificationSettings)
async def my_notifications(principal: CurrentUser, sessions: SessionsDep) -> NotificationSettings:
    found = await run_in_threadpool(preferences_of, sessions, principal.user_id)
    return NotificationSettings(email=found.email, notify_by_email=found.notify_by_email)


@router.put("/me/notifications", response_model=NotificationSettings)
async def set_my_notifications(
    body: NotificationSettings, principal: CurrentUser, sessions: SessionsDep
) -> NotificationSettings:
    try:
        now = await run_in_threadpool(
            lambda: set_notification_preferences(
                sessions,
                principal.user_id,
                email=body.email,
                notify_by_email=body.notify_by_email,
                actor=Actor(actor_id=principal.user_id, role=principal.role),
            )
        )
    except AccountRefused as refused:
        problem = refused.problems[0]
        raise field_refusal(problem.field, problem.problem) from None
    return NotificationSettings(email=now.email, notify_by_email=now.notify_by_email)


@router.post("/me/notifications/test", response_model=TestMessageSent)
async def send_me_a_test_message(
    principal: CurrentUser, sessions: SessionsDep, mail: MailDep
) -> TestMessageSent:
    found = await run_in_threadpool(preferences_of, sessions, principal.user_id)
    if found.email is None:
        raise field_refusal("email", "set your e-mail address first")
    try:
        await send_test_message(mail, found.email)
    except MailNotSent as err:
        raise field_refusal("email", f"the test message was not sent: {err}", 502) from None
    return TestMessageSent(sent=True)


class OutboxMessage(BaseModel):
    """A message the local sink received: Dutyflow's messages carry no case content (who must
    do what, by when, and a link)."""

    received_at: datetime
    to: str
    subject: str
    body: str


NO_LOCAL_SINK = (
    "There is no local mail sink: Dutyflow's messages go to the configured mail server "
    "(the outbox exists only in the embedded development stack)."
)


@router.get("/me/outbox", response_model=list[OutboxMessage])
async def my_outbox(
    principal: CurrentUser, sessions: SessionsDep, mail: MailDep
) -> list[OutboxMessage]:
    """The messages the embedded stack's local sink received for the caller's address, newest
    first; none while no address is set."""
    if mail.local_outbox is None:
        raise HTTPException(404, NO_LOCAL_SINK)
    found = await run_in_threadpool(preferences_of, sessions, principal.user_id)
    if found.email is None:
        return []
    kept = await run_in_threadpool(kept_messages, mail.local_outbox)
    wanted = found.email.lower()
    return [
        OutboxMessage(received_at=m.received_at, to=m.to, subject=m.subject, body=m.body)
        for m in reversed(kept)
        if parseaddr(m.to)[1].lower() == wanted
    ]


@router.get("/me/tasks", response_model=list[Task])
async def my_tasks(principal: CurrentUser, sessions: SessionsDep) -> list[Task]:
    """What is due from me soon, overdue, escalated to me, awaiting my decision, and what I met
    lately; ordered by deadline, each with its countdown in words."""
    return await run_in_threadpool(inbox, sessions, principal, datetime.now(UTC))
