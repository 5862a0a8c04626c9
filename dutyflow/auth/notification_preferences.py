"""A user's e-mail address and whether they want Dutyflow's notifications by e-mail.

A change is audited under the user's pseudo case id (``user:<user_id>``) in the same
transaction: whether an address is set and the preference, never the address itself (its hash
is the entry's content hash)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from dutyflow.auth.roles import AccountProblem
from dutyflow.auth.store import CLI_ACTOR, AccountRefused, audit_subject
from dutyflow.contracts import Actor
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.e_mail import E_MAIL_PROBLEM, is_one_address
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import UserAccount


@dataclass(frozen=True)
class NotificationPreferences:
    email: str | None
    notify_by_email: bool


def email_problems(email: str | None) -> list[AccountProblem]:
    """What is wrong with an address (never repeating it); None clears it."""
    if email is None:
        return []
    if not is_one_address(email):
        return [AccountProblem("email", E_MAIL_PROBLEM)]
    return []


def preferences_of(sessions: SessionFactory, user_id: str) -> NotificationPreferences:
    with sessions() as session:
        user = session.get(UserAccount, user_id)
        if user is None:
            raise AccountRefused([AccountProblem("user_id", "no such user")])
        return NotificationPreferences(user.email, user.notify_by_email)


def set_notification_preferences(
    sessions: SessionFactory,
    user_id: str,
    *,
    email: str | None,
    notify_by_email: bool,
    actor: Actor = CLI_ACTOR,
) -> NotificationPreferences:
    """Set both; raises `AccountRefused` naming the field. Each change is its own audit entry."""
    problems = email_problems(email)
    if problems:
        raise AccountRefused(problems)
    preferences_of(sessions, user_id)  # an unknown user is refused before anything is written
    wanted = {"email": email, "notify_by_email": notify_by_email}

    def write(session: Session) -> None:
        user = session.get(UserAccount, user_id)
        assert user is not None
        user.email = email
        user.notify_by_email = notify_by_email
        session.add(user)

    record_step(
        sessions,
        case_id=audit_subject(user_id),
        step="notification-preferences-set",
        key_suffix=content_sha256({**wanted, "at": _now_key()}),
        actor=actor,
        content_sha256=content_sha256(wanted),
        details={"email_set": email is not None, "notify_by_email": notify_by_email},
        write=write,
    )
    return NotificationPreferences(email, notify_by_email)


def _now_key() -> str:
    """Every change is a step of its own (setting the same address twice is two changes)."""
    return datetime.now(UTC).isoformat()
