"""`current_principal` and `require_roles`, the dependencies the API's routes will use."""

from __future__ import annotations

import httpx
import pytest
from fastapi import Depends, FastAPI

from dutyflow.auth.api import Authenticator, current_principal, require_roles
from dutyflow.auth.roles import Principal
from dutyflow.store.db import SessionFactory
from tests.auth.helpers import new_user

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database


def app_with(sessions: SessionFactory) -> FastAPI:
    app = FastAPI()
    app.state.authenticator = Authenticator(sessions)

    @app.get("/me")
    def me(principal: Principal = Depends(current_principal)) -> dict[str, str | None]:  # noqa: B008
        return {"user_id": principal.user_id, "role": principal.role}

    @app.get("/compliance-only")
    def compliance_only(
        principal: Principal = Depends(require_roles("compliance")),  # noqa: B008
    ) -> dict[str, str]:
        return {"user_id": principal.user_id}

    return app


async def test_current_principal_reads_the_bearer_token(sessions: SessionFactory) -> None:
    user, token = new_user(sessions, "supervisor")
    transport = httpx.ASGITransport(app=app_with(sessions))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        ok = await http.get("/me", headers={"Authorization": f"Bearer {token}"})
        missing = await http.get("/me")
        wrong_scheme = await http.get("/me", headers={"Authorization": f"Basic {token}"})
        invalid = await http.get("/me", headers={"Authorization": "Bearer dfy_nope"})
        http.cookies.set("dutyflow_token", token)
        cookie_only = await http.get("/me")
        forbidden = await http.get("/compliance-only", headers={"Authorization": f"Bearer {token}"})

    assert ok.status_code == 200
    assert ok.json() == {"user_id": user.user_id, "role": "supervisor"}
    for refused in (missing, wrong_scheme, invalid, cookie_only):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
    assert forbidden.status_code == 403


async def test_require_roles_lets_the_role_through(sessions: SessionFactory) -> None:
    officer, token = new_user(sessions, "compliance")
    transport = httpx.ASGITransport(app=app_with(sessions))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        answer = await http.get("/compliance-only", headers={"Authorization": f"Bearer {token}"})
    assert answer.json() == {"user_id": officer.user_id}
