"""Whether the caller may read or act on one case, over HTTP, and the audit of every content read.

    grant = grant_to_read(sessions, principal, case_id)   # a `CaseGrant`, or 403 / 404
    grant = grant_to_act(sessions, principal, case_id)

The API's endpoints declare them as dependencies (`dutyflow.api.deps`: ``ReadableCase``,
``WritableCase``), after authentication (401).

How a refusal answers, the same on every endpoint:

- 401 (``WWW-Authenticate: Bearer``): no token, or one that is unknown, revoked or disabled;
- 403: the caller's role may never do this, whatever the case (an agency user or an admin asking
  for case content, a compliance officer acting on a case);
- 404 ``case_id: no such case``: the case is unknown, *or* it is not the caller's (another
  practitioner's case, another clinic's). Both answer exactly alike, so that nobody learns that a
  case they may not see exists.

A case's scope (clinic and practitioner) comes from its `CaseAssignment`, which the API writes
before the workflow starts; cases opened before that table existed fall back to their
`CaseRecord`. A compliance officer may read every case, so their reads never wait on the scope:
the endpoint itself answers 404 for a case it does not know.

Reads of case content (the review, the FHIR export, an agency's report, a client's accounting)
are audited before they are answered, by `audit_content_read`: step ``case-content-read``, the
reader as actor, which view, and the hash of what was served. Never the content.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, status
from sqlmodel import select

from dutyflow.auth.roles import Principal, may_read_case, may_write_case
from dutyflow.contracts import Actor
from dutyflow.domain.audit import content_sha256
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import AuditEntry, CaseAssignment, CaseRecord

CONTENT_READ_STEP = "case-content-read"
CASE_ROLES = frozenset({"practitioner", "supervisor", "compliance"})
NO_SUCH_CASE = "case_id: no such case"
_ROLE_REFUSALS = {
    "agency": "agency users see only the reports addressed to their agency (GET /agency/reports), "
    "never a case",
    "admin": "admins manage users and tokens, never case content",
}


@dataclass(frozen=True)
class CaseScope:
    """Whose case it is."""

    clinic_id: str
    practitioner_id: str


@dataclass(frozen=True)
class CaseGrant:
    """The caller, allowed on this case."""

    case_id: str
    principal: Principal


def forbidden(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=detail)


def no_such_case() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=NO_SUCH_CASE)


def case_scope(sessions: SessionFactory, case_id: str) -> CaseScope | None:
    """The case's clinic and practitioner; None for a case Dutyflow does not know."""
    with sessions() as session:
        assigned = session.get(CaseAssignment, case_id)
        if assigned is not None:
            return CaseScope(assigned.clinic_id, assigned.practitioner_id)
        # Only the two columns: the record's content is none of access control's business.
        recorded = session.exec(
            select(CaseRecord.clinic_id, CaseRecord.practitioner_id).where(
                CaseRecord.case_id == case_id
            )
        ).first()
    return CaseScope(recorded[0], recorded[1]) if recorded is not None else None


def assign_case(
    sessions: SessionFactory, case_id: str, clinic_id: str, practitioner_id: str
) -> None:
    """Record whose case it is (before its workflow starts)."""
    with sessions() as session, session.begin():
        session.add(
            CaseAssignment(case_id=case_id, clinic_id=clinic_id, practitioner_id=practitioner_id)
        )


def unassign_case(sessions: SessionFactory, case_id: str) -> None:
    """Forget whose case it is, for a case whose workflow never started: no orphan row."""
    with sessions() as session, session.begin():
        row = session.get(CaseAssignment, case_id)
        if row is not None:
            session.delete(row)


def refuse_role_on_cases(principal: Principal) -> None:
    """403 for a role that never sees a case (agency, admin, an unknown role)."""
    if principal.role not in CASE_ROLES:
        raise forbidden(_ROLE_REFUSALS.get(principal.role, "this role has no access to cases"))


def grant_to_read(sessions: SessionFactory, principal: Principal, case_id: str) -> CaseGrant:
    """The caller, if they may read the case; else 403 (their role never reads a case) or 404."""
    refuse_role_on_cases(principal)
    if principal.role == "compliance":
        return CaseGrant(case_id, principal)
    scope = case_scope(sessions, case_id)
    if scope is None or not may_read_case(principal, scope.clinic_id, scope.practitioner_id):
        raise no_such_case()
    return CaseGrant(case_id, principal)


def grant_to_act(sessions: SessionFactory, principal: Principal, case_id: str) -> CaseGrant:
    """The caller, if they may act on the case; else 403 (their role never acts on a case) or
    404."""
    refuse_role_on_cases(principal)
    if principal.role == "compliance":
        raise forbidden("compliance officers read cases; they do not act on them")
    scope = case_scope(sessions, case_id)
    if scope is None or not may_write_case(principal, scope.clinic_id, scope.practitioner_id):
        raise no_such_case()
    return CaseGrant(case_id, principal)


def acting(principal: Principal) -> Actor:
    """The authenticated caller, as the audit names them."""
    return Actor(actor_id=principal.user_id, role=principal.role)


def served_sha256(served: Any) -> str:
    """The hash of what a read served: bytes as they are, anything else as canonical JSON."""
    if isinstance(served, bytes):
        return hashlib.sha256(served).hexdigest()
    if isinstance(served, str):
        return hashlib.sha256(served.encode()).hexdigest()
    return content_sha256(served)


def audit_content_read(
    sessions: SessionFactory,
    principal: Principal,
    subject: str,
    view: str,
    served: Any,
    **details: str | int,
) -> AuditEntry:
    """Append a ``case-content-read`` entry for this read, before the content is answered.

    ``subject`` is the case id (or the accounting's ``client:...`` subject); ``view`` names what
    was read (``review``, ``fhir``, ``agency-report``, ``accounting``...); ``details`` add opaque
    ids or formats only. Every read is an event of its own (a fresh idempotency key)."""
    return record_step(
        sessions,
        case_id=subject,
        step=CONTENT_READ_STEP,
        key_suffix=uuid.uuid4().hex,
        actor=acting(principal),
        content_sha256=served_sha256(served),
        details={"view": view, **details},
    )
