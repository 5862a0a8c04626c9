"""Practitioners' profiles and their mandated-reporter training attestations.

GET  /me/profile                         the caller's profile (404 before they save one)
PUT  /me/profile                         save it: every problem named by field, never echoed;
                                         the change audited (which fields, never the values)
GET  /me/training?jurisdiction=&kind=    the training the law asks for such a report that the
                                         caller has not recorded (a warning, never a block)
GET  /training/requirements              where the law asks for training, cited and dated
GET  /compliance/training                each practitioner's attestations: a compliance officer
                                         sees every clinic's, a supervisor their own clinic's

A profile is a clinician's own (practitioner or supervisor); nobody edits another's. The rules
are `dutyflow.domain.practitioner_profile` and `dutyflow.domain.training`; the rows
`dutyflow.store.profiles`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException
from pydantic import BaseModel
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from dutyflow.api.deps import CurrentUser, Reviewer, SessionsDep
from dutyflow.api.errors import Refusal, field_refusal
from dutyflow.auth.api import require_roles
from dutyflow.auth.roles import Principal
from dutyflow.auth.store import audit_subject
from dutyflow.contracts import Actor
from dutyflow.domain.practitioner_profile import (
    PractitionerProfile,
    checked_profile,
    profile_problems,
)
from dutyflow.domain.training import (
    RequirementStatus,
    TrainingRequirement,
    missing_attestations,
    training_policy,
    training_status,
)
from dutyflow.store.db import SessionFactory
from dutyflow.store.profiles import clinic_profiles, profile_of, save_profile
from dutyflow.store.tables import UserAccount

router = APIRouter(tags=["profiles"])

Clinician = Annotated[Principal, Depends(require_roles("practitioner", "supervisor"))]
NO_PROFILE = "no profile saved yet: save yours on the profile page or with PUT /me/profile"


class ProfileSaved(BaseModel):
    """The profile as saved, and which of its fields the save changed (none: nothing written)."""

    profile: PractitionerProfile
    changed_fields: list[str]


@router.get("/me/profile", response_model=PractitionerProfile)
async def my_profile(principal: Clinician, sessions: SessionsDep) -> PractitionerProfile:
    found = await run_in_threadpool(profile_of, sessions, principal.user_id)
    if found is None:
        raise field_refusal("profile", NO_PROFILE, 404)
    return found


@router.put("/me/profile", response_model=ProfileSaved)
async def save_my_profile(
    principal: Clinician, sessions: SessionsDep, body: Annotated[Any, Body()]
) -> ProfileSaved:
    """Save the caller's profile whole (every field; empty text is no value). Every problem is
    named at once and nothing is written while there is one."""
    problems = profile_problems(body, training_policy(), date.today())
    if problems:
        raise Refusal(problems)
    profile = checked_profile(body)
    changed = await run_in_threadpool(
        lambda: save_profile(
            sessions,
            principal.user_id,
            principal.clinic_id,
            profile,
            Actor(actor_id=principal.user_id, role=principal.role),
            subject=audit_subject(principal.user_id),
        )
    )
    return ProfileSaved(profile=profile, changed_fields=changed)


@router.get("/training/requirements", response_model=list[TrainingRequirement])
async def training_requirements(principal: CurrentUser) -> list[TrainingRequirement]:
    """Where the law asks a reporter for a statement or a course, each cited and dated."""
    return training_policy().requirements


@router.get("/me/training", response_model=list[TrainingRequirement])
async def my_missing_training(
    principal: Clinician, sessions: SessionsDep, jurisdiction: str, kind: str
) -> list[TrainingRequirement]:
    """The training a report of ``kind`` in ``jurisdiction`` is filed under that the caller has
    not recorded (or whose record has lapsed): a warning to show, never a refusal."""
    found = await run_in_threadpool(profile_of, sessions, principal.user_id)
    attested = found.attestations if found is not None else []
    return missing_attestations(training_policy(), jurisdiction, kind, attested, date.today())


class PractitionerTraining(BaseModel):
    """One practitioner's standing with every training requirement."""

    user_id: str
    clinic_id: str | None
    name: str | None
    licence: str | None
    requirements: list[RequirementStatus]


def _licence(profile: PractitionerProfile | None) -> str | None:
    if profile is None:
        return None
    parts = [profile.licence_type, profile.licence_number, profile.licence_issuer]
    return ", ".join(p for p in parts if p) or None


def practitioners_training(
    sessions: SessionFactory, clinic_id: str | None, on: date
) -> list[PractitionerTraining]:
    """Every enabled practitioner (of ``clinic_id`` if given), with or without a profile."""
    query = select(UserAccount).where(UserAccount.role == "practitioner")
    query = query.where(col(UserAccount.disabled).is_(False))
    if clinic_id is not None:
        query = query.where(UserAccount.clinic_id == clinic_id)
    with sessions() as session:
        users = [(u.user_id, u.clinic_id) for u in session.exec(query).all()]
    profiles = {user_id: profile for user_id, _, profile in clinic_profiles(sessions, clinic_id)}
    policy = training_policy()
    listed = []
    for user_id, user_clinic in sorted(users):
        profile = profiles.get(user_id)
        attested = profile.attestations if profile is not None else []
        listed.append(
            PractitionerTraining(
                user_id=user_id,
                clinic_id=user_clinic,
                name=profile.name if profile is not None else None,
                licence=_licence(profile),
                requirements=training_status(policy, attested, on),
            )
        )
    return listed


@router.get("/compliance/training", response_model=list[PractitionerTraining])
async def compliance_training(
    principal: Reviewer, sessions: SessionsDep, clinic: str | None = None
) -> list[PractitionerTraining]:
    """Each practitioner's training attestations; a supervisor's list is of their own clinic."""
    if principal.role == "supervisor":
        if clinic is not None and clinic != principal.clinic_id:
            raise HTTPException(403, "clinic: a supervisor sees only their own clinic")
        clinic = principal.clinic_id
    return await run_in_threadpool(practitioners_training, sessions, clinic, date.today())
