"""Practitioners' profiles in the database: one row per practitioner, its content (the profile and
the training attestations) sealed with the practitioner's own key, like the case content it fills
in. Its subject (sealing key and audit chain) is the account's (``user:<id>``,
`dutyflow.auth.store.audit_subject`), given by the caller: the store does not import auth. The
table lives here, not in `dutyflow.store.tables`: `profile_tables()` lists it for schema
creation.

Saving is one step: the row and its audit entry in one transaction, the entry naming the fields
that changed, never their values (`dutyflow.domain.practitioner_profile.changed_fields`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Column, DateTime
from sqlmodel import Field, Session, SQLModel, col, select

from dutyflow.contracts import Actor
from dutyflow.crypto.sealing import Sealed, register
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.practitioner_profile import PractitionerProfile, changed_fields
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import utcnow

PROFILE_SAVED_STEP = "practitioner-profile-saved"


@register
class PractitionerProfileRecord(SQLModel, table=True):
    """A practitioner's profile as they last saved it (sealed), and who saved it when."""

    __tablename__ = "practitioner_profile"
    __sealed__: ClassVar[tuple[str, ...]] = ("profile",)

    user_id: str = Field(primary_key=True, max_length=64)
    case_id: str = Field(max_length=64)  # the sealing subject: user:<id>, not a case
    clinic_id: str | None = Field(default=None, index=True, max_length=64)
    profile: dict[str, Any] = Field(sa_column=Column(Sealed, nullable=False))
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(sa_type=DateTime(timezone=True), default_factory=utcnow)  # type: ignore[call-overload]


def profile_tables() -> list[Any]:
    return [PractitionerProfileRecord.__table__]  # type: ignore[attr-defined]


def profile_of(sessions: SessionFactory, user_id: str) -> PractitionerProfile | None:
    """The practitioner's profile, or None before they save one."""
    with sessions() as session:
        row = session.get(PractitionerProfileRecord, user_id)
        return PractitionerProfile.model_validate(row.profile) if row is not None else None


def save_profile(
    sessions: SessionFactory,
    user_id: str,
    clinic_id: str | None,
    profile: PractitionerProfile,
    actor: Actor,
    *,
    subject: str,
) -> list[str]:
    """Save the profile and audit the change in one transaction; answers the fields changed
    (none: nothing is written)."""
    changed = changed_fields(profile_of(sessions, user_id), profile)
    if not changed:
        return []
    content = profile.model_dump(mode="json")
    saved_at = utcnow()

    def write(session: Session) -> None:
        row = session.get(PractitionerProfileRecord, user_id)
        if row is None:
            row = PractitionerProfileRecord(
                user_id=user_id,
                case_id=subject,
                profile=content,
                updated_by=actor.actor_id,
            )
        row.profile = content
        row.clinic_id = clinic_id
        row.updated_by = actor.actor_id
        row.updated_at = saved_at
        session.add(row)

    record_step(
        sessions,
        case_id=subject,
        step=PROFILE_SAVED_STEP,
        key_suffix=content_sha256({"profile": content, "at": saved_at.isoformat()}),
        actor=actor,
        content_sha256=content_sha256(content),
        details={"changed_fields": changed},
        write=write,
    )
    return changed


def clinic_profiles(
    sessions: SessionFactory, clinic_id: str | None = None
) -> list[tuple[str, str | None, PractitionerProfile]]:
    """(user id, clinic id, profile) of every saved profile (of ``clinic_id`` only if given),
    by user id."""
    query = select(PractitionerProfileRecord)
    if clinic_id is not None:
        query = query.where(PractitionerProfileRecord.clinic_id == clinic_id)
    with sessions() as session:
        rows = session.exec(query.order_by(col(PractitionerProfileRecord.user_id))).all()
        return [
            (r.user_id, r.clinic_id, PractitionerProfile.model_validate(r.profile)) for r in rows
        ]
