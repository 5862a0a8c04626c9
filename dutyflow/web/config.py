"""What the web app is served with, and the dependencies that hand it to the pages.

`web_router` (`dutyflow.web.app`) makes one `WebConfig` and has every page's request carry it
(`WebConfig.attach`, a dependency of the whole web router). The pages ask only for the piece they
need: `DatabaseDep`, `PoliciesDep`, `CatalogueDep`, `PagesDep`, `GuardDep`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from dutyflow.domain.policy import PolicyLibrary
from dutyflow.store.db import SessionFactory
from dutyflow.web.catalogue import Catalogue
from dutyflow.web.pages import Pages
from dutyflow.web.security import CsrfGuard

_STATE_NAME = "dutyflow_web"


@dataclass(frozen=True)
class WebConfig:
    """The database sessions (for signing in and out, a practitioner's case ids and the audit
    chain's verification), the policy library, the forms' CSRF guard, the page renderer and the
    jurisdictions and kinds on offer."""

    sessions: SessionFactory
    policies: PolicyLibrary
    guard: CsrfGuard
    pages: Pages
    catalogue: Catalogue

    def attach(self, request: Request) -> None:
        """Carried by each request of the web router, for the dependencies below to find."""
        setattr(request.state, _STATE_NAME, self)


def web_config(request: Request) -> WebConfig:
    config = getattr(request.state, _STATE_NAME, None)
    if not isinstance(config, WebConfig):
        raise RuntimeError("a web page is served only through dutyflow.web.web_router")
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


DatabaseDep = Annotated[SessionFactory, Depends(database)]
PoliciesDep = Annotated[PolicyLibrary, Depends(policy_library)]
CatalogueDep = Annotated[Catalogue, Depends(catalogue)]
PagesDep = Annotated[Pages, Depends(pages)]
GuardDep = Annotated[CsrfGuard, Depends(csrf_guard)]
