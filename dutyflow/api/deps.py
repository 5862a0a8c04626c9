"""The API's dependencies, typed: an endpoint declares what it needs in its signature, as in the
FastAPI full-stack template (``grant: WritableCase``, ``temporal: TemporalDep``).

Each reads what `dutyflow.api.app.create_app` put on ``app.state``, once per app:

================================  ===================  ==========================================
dependency                        ``app.state``        what the endpoint gets
================================  ===================  ==========================================
``SessionsDep``                   ``sessions``         the session factory of Dutyflow's database
``TemporalDep``                   ``temporal``         the Temporal client (connected at startup)
``CurrentUser``                   ``authenticator``    the caller; 401 without a valid token
``Practitioner``, ``Supervisor``,                      the caller in that role; 403 otherwise
``ComplianceOfficer``, ``Reviewer``
(compliance or supervisor),
``AgencyUser``, ``Admin``
``ReadableCase``, ``WritableCase``                     the caller, allowed to read or act on the
                                                       path's ``{case_id}``; 403 or 404 otherwise
``PoliciesDep``                   ``policies``         the policy library
``DirectoryDep``                  ``directory``        the agency directory
``AgencySecretsDep``              ``agency_secrets``   an agency's signing secret, by agency id
``MetricsDep``                    ``metrics``          the API's Prometheus metrics
``CaseStartsDep``                 ``case_starts``      task queue and indexing of new cases
``PayloadCodecDep``               ``payload_codec``    the codec server's payload codec
``CodecOriginsDep``               ``codec_origins``    the Temporal Web UI's origins (CORS)
``MailDep``                       ``mail``             where Dutyflow's messages are sent
================================  ===================  ==========================================

`provide_database` puts the database and authentication on a FastAPI app, `provide_codec` the
codec server's codec (``create_app`` uses them; so can a test serving one router).

Nothing here decides who may do what: authentication is `dutyflow.auth.api`'s, the case rules
`dutyflow.auth.case_access`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from temporalio.client import Client
from temporalio.converter import PayloadCodec

from dutyflow.api.case_workflow import CaseStarts
from dutyflow.auth.api import Authenticator, current_principal, require_roles
from dutyflow.auth.case_access import CaseGrant, grant_to_act, grant_to_read
from dutyflow.auth.roles import Principal
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.notifications.escalation import MailSettings
from dutyflow.observability.metrics import ApiMetrics
from dutyflow.store.db import SessionFactory

AgencySecrets = Callable[[str], bytes]


def provide_database(app: FastAPI, sessions: SessionFactory) -> None:
    """Dutyflow's database, and authentication against its users and tokens."""
    app.state.sessions = sessions
    app.state.authenticator = Authenticator(sessions)


def provide_codec(app: FastAPI, codec: PayloadCodec, ui_origins: Iterable[str]) -> None:
    """The codec server's payload codec, and the Temporal Web UI's origins (CORS, exactly)."""
    app.state.payload_codec = codec
    app.state.codec_origins = frozenset(origin.rstrip("/") for origin in ui_origins)


# --- what the app holds (async: read in the event loop, no thread needed) ---------------------


async def get_sessions(request: Request) -> SessionFactory:
    sessions: SessionFactory = request.app.state.sessions
    return sessions


async def get_temporal(request: Request) -> Client:
    temporal: Client = request.app.state.temporal
    return temporal


async def get_authenticator(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


async def get_policies(request: Request) -> PolicyLibrary:
    policies: PolicyLibrary = request.app.state.policies
    return policies


async def get_directory(request: Request) -> AgencyDirectory:
    directory: AgencyDirectory = request.app.state.directory
    return directory


async def get_agency_secrets(request: Request) -> AgencySecrets:
    secrets: AgencySecrets = request.app.state.agency_secrets
    return secrets


async def get_metrics(request: Request) -> ApiMetrics:
    metrics: ApiMetrics = request.app.state.metrics
    return metrics


async def get_case_starts(request: Request) -> CaseStarts:
    starts: CaseStarts = request.app.state.case_starts
    return starts


async def get_payload_codec(request: Request) -> PayloadCodec:
    codec: PayloadCodec = request.app.state.payload_codec
    return codec


async def get_mail(request: Request) -> MailSettings:
    mail: MailSettings = request.app.state.mail
    return mail


async def get_codec_origins(request: Request) -> frozenset[str]:
    origins: frozenset[str] = request.app.state.codec_origins
    return origins


SessionsDep = Annotated[SessionFactory, Depends(get_sessions)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
MailDep = Annotated[MailSettings, Depends(get_mail)]
PoliciesDep = Annotated[PolicyLibrary, Depends(get_policies)]
DirectoryDep = Annotated[AgencyDirectory, Depends(get_directory)]
AgencySecretsDep = Annotated[AgencySecrets, Depends(get_agency_secrets)]
MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]
CaseStartsDep = Annotated[CaseStarts, Depends(get_case_starts)]
PayloadCodecDep = Annotated[PayloadCodec, Depends(get_payload_codec)]
CodecOriginsDep = Annotated[frozenset[str], Depends(get_codec_origins)]

# --- who is calling -----------------------------------------------------------------------------

CurrentUser = Annotated[Principal, Depends(current_principal)]
Practitioner = Annotated[Principal, Depends(require_roles("practitioner"))]
Supervisor = Annotated[Principal, Depends(require_roles("supervisor"))]
ComplianceOfficer = Annotated[Principal, Depends(require_roles("compliance"))]
Reviewer = Annotated[Principal, Depends(require_roles("compliance", "supervisor"))]
AgencyUser = Annotated[Principal, Depends(require_roles("agency"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]


def readable_case(  # sync: FastAPI runs it in a thread
    case_id: str, principal: CurrentUser, sessions: SessionsDep
) -> CaseGrant:
    """On a route with a ``{case_id}``: the caller, if they may read the case."""
    return grant_to_read(sessions, principal, case_id)


def writable_case(  # sync: FastAPI runs it in a thread
    case_id: str, principal: CurrentUser, sessions: SessionsDep
) -> CaseGrant:
    """On a route with a ``{case_id}``: the caller, if they may act on the case."""
    return grant_to_act(sessions, principal, case_id)


ReadableCase = Annotated[CaseGrant, Depends(readable_case)]
WritableCase = Annotated[CaseGrant, Depends(writable_case)]
