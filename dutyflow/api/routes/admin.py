"""Users and tokens over HTTP, for admins only (403 for every other role); never case content.

    GET  /admin/users                         the accounts (no tokens, no hashes)
    POST /admin/users                         add a user; answers their one-time set-up code, once
    POST /admin/users/{user_id}/tokens        issue another token for the admin's own account
    POST /admin/users/{user_id}/disable       disable the account (its tokens stop working)
    POST /admin/tokens/{token_id}/revoke      revoke a token for good

The same operations as ``dutyflow users`` (`dutyflow.auth.store`), audited under ``user:<id>``
with the admin as actor. A token is in an answer once, with ``Cache-Control: no-store``; only its
hash is kept. Refusals name the field: 422 for an account that cannot be made as asked, 404 for
an unknown user or token.

An admin never reaches case content. So an admin issues tokens only for their own account (a
token for another user would read that user's cases in their name: 403 naming ``user_id``); a
new account comes with a one-time set-up code (`dutyflow.auth.account_setup`: single use,
expiring, stored hashed), never a token, with which the user sets their own password (a new
code for an existing account is not offered over HTTP: an admin could use it to take over an
account that has cases; an operator issues it with `dutyflow users setup-code`); and
may not create an account of a role that reads every case of a clinic or of all clinics
(``supervisor``, ``compliance``: 403 naming ``role``). Those accounts are created by an operator
on the server (`dutyflow users add`, audited as the CLI), where the database and the keys are
anyway; a second-person approval flow over HTTP does not exist yet.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from dutyflow.api.deps import Admin, SessionsDep
from dutyflow.api.errors import field_refusal, problems_response
from dutyflow.api.inputs import InputModel
from dutyflow.auth.account_setup import SET_UP_PAGE, create_account
from dutyflow.auth.case_access import acting
from dutyflow.auth.store import (
    AccountRefused,
    UnknownToken,
    UserListing,
    disable_user,
    issue_token,
    list_users,
    revoke_token,
)
from dutyflow.domain.validation import FieldProblem
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import UserAccount

router = APIRouter(prefix="/admin", tags=["admin"])

NO_STORE = {"Cache-Control": "no-store"}


class NewUser(InputModel):
    user_id: str
    display_name: str
    role: str
    clinic_id: str | None = None
    agency_id: str | None = None


class UserPublic(BaseModel):
    user_id: str
    display_name: str
    role: str
    clinic_id: str | None
    agency_id: str | None
    created_at: datetime
    disabled: bool
    active_tokens: int
    last_used_at: datetime | None


class IssuedToken(BaseModel):
    """A token, shown this once: keep it now."""

    user_id: str
    token_id: str
    token: str


class IssuedSetupCode(BaseModel):
    """The new user's one-time set-up code, shown this once: hand it to the user, who sets
    their own password with it at ``set_up_path`` (or ``POST /account-setup``) before
    ``expires_at``. It works once; it is not a token and reads nothing."""

    user_id: str
    setup_id: str
    code: str
    expires_at: datetime
    set_up_path: str


class AddedUser(BaseModel):
    user: UserPublic
    setup: IssuedSetupCode


class Revocation(BaseModel):
    token_id: str
    revoked: bool
    already_revoked: bool


class Disabling(BaseModel):
    user_id: str
    disabled: bool
    already_disabled: bool


def _public(listing: UserListing) -> UserPublic:
    return UserPublic.model_validate(listing, from_attributes=True)


def _refused(refused: AccountRefused) -> Response:
    return problems_response(
        [FieldProblem(field=p.field, problem=p.problem) for p in refused.problems]
    )


def _once(model: BaseModel, status_code: int = 201) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"), status_code=status_code, headers=NO_STORE)


def known_user(sessions: SessionFactory, user_id: str) -> None:
    with sessions() as session:
        if session.get(UserAccount, user_id) is None:
            raise HTTPException(status_code=404, detail="user_id: no such user")


@router.get("/users", response_model=list[UserPublic])
def users(_admin: Admin, sessions: SessionsDep) -> list[UserPublic]:
    """Every account: role, clinic or agency, active tokens, last use. No token, no hash."""
    return [_public(listing) for listing in list_users(sessions)]


# Roles that read case content beyond their own cases: never created by an admin over HTTP.
CONTENT_READING_ROLES = ("supervisor", "compliance")


@router.post("/users", status_code=201, response_model=AddedUser)
def add(body: NewUser, principal: Admin, sessions: SessionsDep) -> Response:
    """Create an account and its one-time set-up code, which this answer shows once (never a
    token: the user sets their own password with the code). Not a supervisor or compliance
    account (403): an operator creates those with `dutyflow users add`."""
    if body.role in CONTENT_READING_ROLES:
        raise field_refusal(
            "role",
            "an admin cannot create an account that reads case content; an operator creates it "
            "with `dutyflow users add` on the server",
            403,
        )
    try:
        user, setup = create_account(
            sessions,
            user_id=body.user_id,
            display_name=body.display_name,
            role=body.role,
            clinic_id=body.clinic_id,
            agency_id=body.agency_id,
            actor=acting(principal),
        )
    except AccountRefused as refused:
        return _refused(refused)
    [listing] = [u for u in list_users(sessions) if u.user_id == user.user_id]
    return _once(
        AddedUser(
            user=_public(listing),
            setup=IssuedSetupCode(
                user_id=setup.user_id,
                setup_id=setup.setup_id,
                code=setup.code,
                expires_at=setup.expires_at,
                set_up_path=SET_UP_PAGE,
            ),
        )
    )


@router.post("/users/{user_id}/tokens", status_code=201, response_model=IssuedToken)
def new_token(user_id: str, principal: Admin, sessions: SessionsDep) -> Response:
    """Another token for the admin's own account (their other tokens stay valid), shown once.
    Never for another user (403): the token would read that user's cases in their name."""
    if user_id != principal.user_id:
        raise field_refusal("user_id", "an admin issues tokens only for their own account", 403)
    known_user(sessions, user_id)
    try:
        row, token = issue_token(sessions, user_id, actor=acting(principal))
    except AccountRefused as refused:
        return _refused(refused)
    return _once(IssuedToken(user_id=row.user_id, token_id=row.token_id, token=token))


@router.post("/users/{user_id}/disable", response_model=Disabling)
def disable(user_id: str, principal: Admin, sessions: SessionsDep) -> Disabling:
    """Disable the account for good: its tokens stop working; the row stays for the audit."""
    known_user(sessions, user_id)
    now = disable_user(sessions, user_id, actor=acting(principal))
    return Disabling(user_id=user_id, disabled=True, already_disabled=not now)


@router.post("/tokens/{token_id}/revoke", response_model=Revocation)
def revoke(token_id: str, principal: Admin, sessions: SessionsDep) -> Revocation:
    """Revoke a token for good."""
    try:
        now = revoke_token(sessions, token_id, actor=acting(principal))
    except UnknownToken:
        raise HTTPException(status_code=404, detail="token_id: no such token") from None
    return Revocation(token_id=token_id, revoked=True, already_revoked=not now)
