"""The web app assembled: `web_router` makes what the pages are served with (`WebConfig`) and
includes every persona's router under ``/app``. The pages themselves live in the persona
modules; this module holds no page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends

from dutyflow.domain.policy import PolicyLibrary
from dutyflow.store.db import SessionFactory
from dutyflow.web import account, agency, compliance, practitioner, profile, supervisor, tasks
from dutyflow.web.catalogue import jurisdictions_and_kinds
from dutyflow.web.config import WebConfig
from dutyflow.web.pages import TEMPLATES_DIR, WEB_PREFIX, Pages
from dutyflow.web.security import CsrfGuard
from dutyflow.web.times import ClinicTimeZones

PERSONA_ROUTERS = (
    account.router,
    profile.router,
    practitioner.router,
    supervisor.router,
    compliance.router,
    agency.router,
    tasks.router,
)


def web_router(
    sessions: SessionFactory,
    *,
    policies: PolicyLibrary,
    csrf_secret: bytes | None = None,
    templates_dir: Path = TEMPLATES_DIR,
    zones: ClinicTimeZones | None = None,
) -> APIRouter:
    """The web app's pages under ``/app``, for an API application to include: they act through
    that application in-process, read ``sessions`` only to sign in and out, list a practitioner's
    case ids and verify the audit chain, and sign their forms with ``csrf_secret`` (random when
    None: then only this process accepts them); times are shown and entered in each clinic's
    zone from ``zones`` (default: UTC for all)."""
    config = WebConfig(
        sessions=sessions,
        policies=policies,
        guard=CsrfGuard(csrf_secret),
        pages=Pages(templates_dir),
        catalogue=jurisdictions_and_kinds(policies),
        zones=zones or ClinicTimeZones(),
    )
    router = APIRouter(
        prefix=WEB_PREFIX, include_in_schema=False, dependencies=[Depends(config.attach)]
    )
    for persona in PERSONA_ROUTERS:
        router.include_router(persona)
    return router
