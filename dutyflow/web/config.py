"""What the web app is served with, and the dependencies that hand it to the pages.

`serve_web_app` (`dutyflow.web.app`) keeps one `WebConfig` in the application's state
(`keep_web_config`); the pages' router is built once per process and finds it there, and
`enter_page` (a dependency of the whole web router) puts each page in the default zone. The pages
ask only for the piece they need: `DatabaseDep`, `PoliciesDep`, `CatalogueDep`, `PagesDep`,
`GuardDep`, `ZonesDep`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from dutyflow.domain.policy import PolicyLibrary
from dutyflow.store.db import SessionFactory
from dutyflow.web.catalogue import Catalogue
from dutyflow.web.pages import Pages
from dutyflow.web.security import CsrfGuard
from dutyflow.web.times import ClinicTimeZones, serve_in

_STATE_NAME = "dutyflow_web"


@dataclass(frozen=True)
class WebConfig:
    """The database sessions (for signing in and out, a practitioner's case ids and the audit
    chain's verification), the policy library, the forms' CSRF guard, the page renderer, the
    jurisdictions and kinds on offer and each clinic's time zone."""

    sessions: SessionFactory
    policies: PolicyLibrary
    guard: CsrfGuard
    pages: Pages
    catalogue: Catalogue
    zones: ClinicTimeZones


def keep_web_config(app: FastAPI, config: WebConfig) -> None:
    """What ``app``'s pages are served with (one per application, in its state)."""
    setattr(app.state, _STATE_NAME, config)


async def enter_page(request: Request) -> None:
    """Carried by each request of the web router: the page is in the default zone until the
    user's clinic is known (`dutyflow.web.signed_in`). Async, so that the zone it sets is the
    page's own (a sync dependency runs in a thread)."""
    serve_in(web_config(request).zones.zone_of(None))


def web_config(request: Request) -> WebConfig:
    config = getattr(request.app.state, _STATE_NAME, None)
    if not isinstance(config, WebConfig):
        raise RuntimeError("a web page is served only by an application with serve_web_app")
    return config


ConfigDep = Annotated[WebConfig, Depends(web_config)]


def database(config: ConfigDep) -> SessionFactory:
    return config.sessions


def policy_library(config: ConfigDep) -> PolicyLibrary:
    return config.policies


def catalogue(config: ConfigDep) -> Catalogue:
    return config.catalogue


def pages(config: ConfigDep) -> Pages:
    return config.pages


def csrf_guard(config: ConfigDep) -> CsrfGuard:
    return config.guard


def clinic_time_zones(config: ConfigDep) -> ClinicTimeZones:
    return config.zones


DatabaseDep = Annotated[SessionFactory, Depends(database)]
PoliciesDep = Annotated[PolicyLibrary, Depends(policy_library)]
CatalogueDep = Annotated[Catalogue, Depends(catalogue)]
PagesDep = Annotated[Pages, Depends(pages)]
GuardDep = Annotated[CsrfGuard, Depends(csrf_guard)]
ZonesDep = Annotated[ClinicTimeZones, Depends(clinic_time_zones)]
