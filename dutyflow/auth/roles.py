"""Who may see what: the role rules, pure (no database, no HTTP).

    practitioner  their own cases (the case's practitioner_id is their user id)
    supervisor    every case of their own clinic
    compliance    every case, read-only
    agency        never case content: only the reports addressed to their agency
    admin         users and keys, never case content

Decoding a case's Temporal payloads (the codec server behind the Web UI) is narrower still: only
compliance, or the case's own practitioner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol

from dutyflow.domain.validation import OPAQUE_ID_PATTERN

Role = Literal["practitioner", "supervisor", "compliance", "agency", "admin"]
ROLES: tuple[Role, ...] = ("practitioner", "supervisor", "compliance", "agency", "admin")
CLINIC_ROLES: frozenset[str] = frozenset({"practitioner", "supervisor"})
AGENCY_ROLES: frozenset[str] = frozenset({"agency"})


@dataclass(frozen=True)
class Principal:
    """An authenticated user, as the rules see them."""

    user_id: str
    role: str
    clinic_id: str | None = None
    agency_id: str | None = None


class CaseScope(Protocol):
    """What the rules need to know of a case (a `CaseRecord` has both)."""

    @property
    def clinic_id(self) -> str: ...

    @property
    def practitioner_id(self) -> str: ...


def may_read_case(principal: Principal, case_clinic_id: str, case_practitioner_id: str) -> bool:
    """Whether ``principal`` may read the content of the case of this clinic and practitioner."""
    if principal.role == "compliance":
        return True  # every case, read-only
    if principal.role == "practitioner":
        return bool(case_practitioner_id) and case_practitioner_id == principal.user_id
    if principal.role == "supervisor":
        return principal.clinic_id is not None and case_clinic_id == principal.clinic_id
    return False  # agency, admin, and any role not known here: never case content


def may_write_case(principal: Principal, case_clinic_id: str, case_practitioner_id: str) -> bool:
    """Whether ``principal`` may act on the case: as may_read_case, except that compliance
    reads only."""
    return principal.role != "compliance" and may_read_case(
        principal, case_clinic_id, case_practitioner_id
    )


def may_decode_case_payloads(principal: Principal, case: CaseScope | None) -> bool:
    """Whether the codec server may show ``principal`` the case's payloads in clear: compliance
    (entitled to every case), or the case's own practitioner. Nobody else; a practitioner not
    naming a case (``case`` None) gets nothing in clear."""
    if principal.role == "compliance":
        return True
    if principal.role == "practitioner" and case is not None:
        return bool(case.practitioner_id) and case.practitioner_id == principal.user_id
    return False


def may_encode_payloads(principal: Principal) -> bool:
    """Encoding only encrypts (the Web UI uses it for signal and query input): any role but
    agency users, who never touch Dutyflow's workflows."""
    return principal.role in ROLES and principal.role not in AGENCY_ROLES


def may_manage_users(principal: Principal) -> bool:
    return principal.role == "admin"


@dataclass(frozen=True)
class AccountProblem:
    field: str  # user_id, display_name, role, clinic_id, agency_id
    problem: str


def account_problems(
    *,
    user_id: str,
    display_name: str,
    role: str,
    clinic_id: str | None,
    agency_id: str | None,
) -> list[AccountProblem]:
    """What is wrong with a new account, field by field; empty when it may be created."""
    problems: list[AccountProblem] = []
    opaque = "must be an opaque id: letters, digits, '_', '.', ':' or '-', at most 64"
    if not re.fullmatch(OPAQUE_ID_PATTERN, user_id or ""):
        problems.append(AccountProblem("user_id", opaque))
    name = (display_name or "").strip()
    if not name:
        problems.append(AccountProblem("display_name", "required"))
    elif len(name) > 200:
        problems.append(AccountProblem("display_name", "at most 200 characters"))
    if role not in ROLES:
        problems.append(AccountProblem("role", f"must be one of {', '.join(ROLES)}"))
        return problems
    if role in CLINIC_ROLES:
        if not clinic_id:
            problems.append(AccountProblem("clinic_id", f"required for a {role}"))
        elif not re.fullmatch(OPAQUE_ID_PATTERN, clinic_id):
            problems.append(AccountProblem("clinic_id", opaque))
    elif clinic_id:
        problems.append(
            AccountProblem("clinic_id", "only practitioners and supervisors belong to a clinic")
        )
    if role in AGENCY_ROLES:
        if not agency_id:
            problems.append(AccountProblem("agency_id", "required for an agency user"))
        elif not re.fullmatch(OPAQUE_ID_PATTERN, agency_id):
            problems.append(AccountProblem("agency_id", opaque))
    elif agency_id:
        problems.append(AccountProblem("agency_id", "only agency users belong to an agency"))
    return problems
