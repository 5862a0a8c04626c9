"""A new user sets their own password with the one-time set-up code their account came with
(`dutyflow.auth.account_setup`), and receives their own first API token.

    POST /account-setup      {code, password} -> 201 the user's token, shown once

Public: the code is the credential (a bearer token, if sent, plays no part). A code that is
unknown, expired, replaced or used is refused alike (422 naming ``code``), a weak password with
422 naming ``password``; nothing is written then, and neither is ever sent back.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from dutyflow.api.deps import SessionsDep
from dutyflow.api.errors import problems_response
from dutyflow.api.inputs import InputModel
from dutyflow.auth.account_setup import redeem_setup_code
from dutyflow.auth.store import AccountRefused, issue_token
from dutyflow.contracts import Actor
from dutyflow.domain.validation import FieldProblem

router = APIRouter(tags=["account"])


class AccountSetupRequest(InputModel):
    code: str = Field(max_length=200, description="the set-up code, `dfs_...`")
    password: str = Field(max_length=1024, description="the password the user chooses")


class SetUpAccount(BaseModel):
    """The account is set up: its password is set, and this is the user's own first API token,
    shown this once."""

    user_id: str
    role: str
    token_id: str
    token: str


@router.post("/account-setup", status_code=201, response_model=SetUpAccount)
def set_up_account(body: AccountSetupRequest, sessions: SessionsDep) -> Response:
    """Set your own password with your set-up code (which then stops working), and receive
    your own first API token. 422 naming `code` or `password`; nothing is written then."""
    try:
        principal = redeem_setup_code(sessions, body.code, body.password)
        row, token = issue_token(
            sessions,
            principal.user_id,
            actor=Actor(actor_id=principal.user_id, role=principal.role),
        )
    except AccountRefused as refused:
        return problems_response(
            [FieldProblem(field=p.field, problem=p.problem) for p in refused.problems]
        )
    answer = SetUpAccount(
        user_id=principal.user_id, role=principal.role, token_id=row.token_id, token=token
    )
    return JSONResponse(
        answer.model_dump(mode="json"), status_code=201, headers={"Cache-Control": "no-store"}
    )
