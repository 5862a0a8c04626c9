"""The web app assembled: `WEB_ROUTER` includes every persona's router under ``/app``, once per
process (`dutyflow.api.app` makes every API application with it among its routes), and
`serve_web_app` gives an application what its pages are served with (`WebConfig`). The pages
themselves live in the persona modules; this module holds no page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI

from dutyflow.domain.policy import PolicyLibrary
from dutyflow.store.db import SessionFactory
from dutyflow.web import account, agency, compliance, practitioner, profile, supervisor, tasks
from dutyflow.web.catalogue import jurisdictions_and_kinds
from dutyflow.web.config import WebConfig, enter_page, keep_web_config
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


# The pages' router, built once per process, so that FastAPI prepares its routes once (it prepares
# an included router's routes for each router that includes it; a router made anew for each
# application had its routes prepared twice per application).
WEB_ROUTER = APIRouter(
    prefix=WEB_PREFIX, include_in_schema=False, dependencies=[Depends(enter_page)]
)
for _persona in PERSONA_ROUTERS:
    WEB_ROUTER.include_router(_persona)


def serve_web_app(
    app: FastAPI,
    sessions: SessionFactory,
    *,
    policies: PolicyLibrary,
    csrf_secret: bytes | None = None,
    templates_dir: Path = TEMPLATES_DIR,
    zones: ClinicTimeZones | None = None,
) -> None:
    """Serve the web app's pages under ``/app`` from an API application made with `WEB_ROUTER`
    among its routes (`dutyflow.api.app.create_app`): they act through that
    application in-process, read ``sessions`` only to sign in and out, list a practitioner's
    case ids and verify the audit chain, and sign their forms with ``csrf_secret`` (random when
    None: then only this process accepts them); times are shown and entered in each clinic's
    zone from ``zones`` (default: UTC for all)."""
    keep_web_config(
        app,
        WebConfig(
            sessions=sessions,
            policies=policies,
            guard=CsrfGuard(csrf_secret),
            pages=Pages(templates_dir),
            catalogue=jurisdictions_and_kinds(policies),
            zones=zones or ClinicTimeZones(),
        ),
    )
