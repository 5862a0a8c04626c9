"""The role rules, as a matrix: every role against its own and another's case and clinic."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dutyflow.auth.roles import (
    ROLES,
    Principal,
    account_problems,
    may_decode_case_payloads,
    may_encode_payloads,
    may_read_case,
    may_write_case,
)

CLINIC, OTHER_CLINIC = "clinic-a", "clinic-b"
ME, SOMEONE_ELSE = "pr-me", "pr-other"


@dataclass(frozen=True)
class Case:
    clinic_id: str
    practitioner_id: str


def principal(role: str) -> Principal:
    return Principal(
        user_id=ME,
        role=role,
        clinic_id=CLINIC if role in ("practitioner", "supervisor") else None,
        agency_id="demo-county-cws" if role == "agency" else None,
    )


# (case clinic, case practitioner) -> label
CASES = {
    "own case, own clinic": Case(CLINIC, ME),
    "other's case, own clinic": Case(CLINIC, SOMEONE_ELSE),
    "other's case, other clinic": Case(OTHER_CLINIC, SOMEONE_ELSE),
    "own id, other clinic": Case(OTHER_CLINIC, ME),
}

READ = {
    "practitioner": {"own case, own clinic", "own id, other clinic"},
    "supervisor": {"own case, own clinic", "other's case, own clinic"},
    "compliance": set(CASES),
    "agency": set(),
    "admin": set(),
}
DECODE = {
    "practitioner": {"own case, own clinic", "own id, other clinic"},
    "supervisor": set(),
    "compliance": set(CASES),
    "agency": set(),
    "admin": set(),
}


def test_the_matrices_name_every_role_and_no_other() -> None:
    """The tests below run once per role: an empty ROLES would skip them all, silently."""
    assert len(ROLES) == 5
    assert set(READ) == set(DECODE) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", list(CASES))
def test_who_may_read_a_case(role: str, label: str) -> None:
    case = CASES[label]
    assert may_read_case(principal(role), case.clinic_id, case.practitioner_id) == (
        label in READ[role]
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", list(CASES))
def test_who_may_decode_a_cases_payloads(role: str, label: str) -> None:
    assert may_decode_case_payloads(principal(role), CASES[label]) == (label in DECODE[role])


@pytest.mark.parametrize("role", ROLES)
def test_no_case_named_decodes_only_for_compliance(role: str) -> None:
    assert may_decode_case_payloads(principal(role), None) == (role == "compliance")


@pytest.mark.parametrize("role", ROLES)
def test_compliance_reads_but_never_writes(role: str) -> None:
    own = CASES["own case, own clinic"]
    assert may_write_case(principal(role), own.clinic_id, own.practitioner_id) == (
        role in ("practitioner", "supervisor")
    )


def test_a_supervisor_without_a_clinic_and_unknown_roles_see_nothing() -> None:
    loose = Principal(user_id=ME, role="supervisor", clinic_id=None)
    assert not may_read_case(loose, CLINIC, SOMEONE_ELSE)
    assert not may_read_case(Principal(user_id=ME, role="root"), CLINIC, ME)
    assert not may_decode_case_payloads(Principal(user_id=ME, role="root"), Case(CLINIC, ME))
    assert not may_read_case(Principal(user_id="", role="practitioner"), CLINIC, "")


@pytest.mark.parametrize("role", ROLES)
def test_everyone_but_agency_users_may_encode(role: str) -> None:
    assert may_encode_payloads(principal(role)) == (role != "agency")


@pytest.mark.parametrize(
    ("role", "clinic", "agency", "expected"),
    [
        ("practitioner", None, None, [("clinic_id", "required for a practitioner")]),
        ("supervisor", None, None, [("clinic_id", "required for a supervisor")]),
        ("agency", None, None, [("agency_id", "required for an agency user")]),
        (
            "compliance",
            "c-1",
            None,
            [("clinic_id", "only practitioners and supervisors belong to a clinic")],
        ),
        ("practitioner", "c-1", "a-1", [("agency_id", "only agency users belong to an agency")]),
        ("admin", None, None, []),
        ("practitioner", "c-1", None, []),
    ],
)
def test_account_problems_name_the_field(
    role: str, clinic: str | None, agency: str | None, expected: list[tuple[str, str]]
) -> None:
    problems = account_problems(
        user_id="u-1", display_name="Someone", role=role, clinic_id=clinic, agency_id=agency
    )
    assert [(p.field, p.problem) for p in problems] == expected


def test_account_problems_refuse_an_unknown_role_and_bad_ids() -> None:
    problems = account_problems(
        user_id="no spaces", display_name=" ", role="root", clinic_id=None, agency_id=None
    )
    assert [p.field for p in problems] == ["user_id", "display_name", "role"]
    assert "practitioner, supervisor, compliance, agency, admin" in problems[-1].problem
