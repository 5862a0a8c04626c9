"""``GET /me``: who the bearer token stands for (any authenticated caller)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from dutyflow.api.deps import CurrentUser

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
