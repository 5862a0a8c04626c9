"""The privacy notice and the client's acknowledgement of it, over HTTP.

    GET  /clients/{client_id}/privacy-notice?jurisdiction=US-CA   the notice to give (HTML page;
         &language=es: in the client's language where a checked translation exists)
    POST /clients/{client_id}/privacy-notice-acknowledgements     record that it was acknowledged
    GET  /clients/{client_id}/privacy-notice-acknowledgements     what is on record
    GET  /reports/{case_id}/privacy-notice                         does this case's client have one?
    GET  /compliance/cases-without-privacy-notice                  open cases whose client has none

Practitioners and supervisors give notices and record acknowledgements in their own clinic, for
a client of that clinic (one with a case only in other clinics is answered 404, nothing written),
and a case counts only its own clinic's acknowledgements; compliance reads everywhere. The duty
to report never depends on an acknowledgement: nothing here blocks a report, it only shows where
one is missing.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from dutyflow.api.deps import CurrentUser, ReadableCase, SessionsDep
from dutyflow.api.inputs import InputModel
from dutyflow.auth.case_access import NO_SUCH_CASE, acting, forbidden
from dutyflow.auth.roles import Principal
from dutyflow.domain import privacy_notice
from dutyflow.domain.privacy_notice import UnknownNotice
from dutyflow.domain.validation import OPAQUE_ID_PATTERN, FieldProblem
from dutyflow.store import notices
from dutyflow.store.tables import CaseRecord

router = APIRouter(tags=["clients"])

CLINIC_ROLES = ("practitioner", "supervisor")


class NoticeAcknowledgementRequest(InputModel):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: str = Field(max_length=16)
    notice_version: str = Field(max_length=16)
    given_on: date
    how: Literal["signed", "oral"]
    note: str | None = Field(default=None, max_length=1000)


class AcknowledgementOnRecord(BaseModel):
    acknowledgement_id: str
    client_id: str
    clinic_id: str
    jurisdiction: str
    notice_version: str
    given_on: date
    how: str
    recorded_by: str
    recorded_at: datetime


class CaseNoticeState(BaseModel):
    case_id: str
    client_id: str
    acknowledged: bool
    latest: AcknowledgementOnRecord | None = None


class CaseWithoutNotice(BaseModel):
    case_id: str
    clinic_id: str
    client_id: str


def _on_record(row: notices.PrivacyNoticeAcknowledgement) -> AcknowledgementOnRecord:
    recorded = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=UTC)
    return AcknowledgementOnRecord(
        acknowledgement_id=row.acknowledgement_id,
        client_id=row.client_id,
        clinic_id=row.clinic_id,
        jurisdiction=row.jurisdiction,
        notice_version=row.notice_version,
        given_on=row.given_on,
        how=row.how,
        recorded_by=row.recorded_by,
        recorded_at=recorded,
    )


def _client_id(client_id: str) -> str:
    if not re.fullmatch(OPAQUE_ID_PATTERN, client_id):
        raise _refusal("client_id", "must be an opaque client id")
    return client_id


def _refusal(field: str, problem: str, status_code: int = 422) -> HTTPException:
    return HTTPException(
        status_code, detail=[FieldProblem(field=field, problem=problem).model_dump()]
    )


def clinic_member(principal: CurrentUser) -> Principal:
    """The caller, if they give notices in a clinic (a practitioner or a supervisor)."""
    if principal.role not in CLINIC_ROLES:
        raise forbidden(
            "privacy notices are given and recorded by a clinic's practitioners and supervisors"
        )
    return principal


def clinic_member_or_compliance(principal: CurrentUser) -> Principal:
    """The caller, if they give notices in a clinic or read every clinic's (compliance)."""
    if principal.role not in (*CLINIC_ROLES, "compliance"):
        raise forbidden("this needs the role practitioner, supervisor or compliance")
    return principal


ClinicMember = Annotated[Principal, Depends(clinic_member)]
ClinicMemberOrCompliance = Annotated[Principal, Depends(clinic_member_or_compliance)]


@router.get("/clients/{client_id}/privacy-notice", response_class=HTMLResponse)
def notice_page(
    client_id: str,
    principal: ClinicMember,
    jurisdiction: Annotated[str, Query(max_length=16)],
    clinic_name: Annotated[str | None, Query(max_length=200)] = None,
    language: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    """The notice in effect today, rendered for the client to read and sign: in the client's
    ``language`` where a checked translation exists, otherwise in English, saying so."""
    _client_id(client_id)
    try:
        chosen = privacy_notice.in_language(jurisdiction, datetime.now(UTC).date(), language)
    except UnknownNotice as err:
        raise _refusal(err.field, err.problem) from None
    rendered = privacy_notice.render(
        chosen.notice,
        clinic_name=clinic_name or principal.clinic_id or "",
        given_on=datetime.now(UTC).date(),
        untranslated_into=chosen.asked if chosen.fell_back else None,
    )
    headers = {
        "X-Dutyflow-Notice-Version": rendered.version,
        "Content-Language": chosen.notice.language,
    }
    return HTMLResponse(rendered.html, headers=headers)


@router.post(
    "/clients/{client_id}/privacy-notice-acknowledgements",
    status_code=201,
    response_model=AcknowledgementOnRecord,
)
async def acknowledge(
    client_id: str,
    body: NoticeAcknowledgementRequest,
    principal: ClinicMember,
    sessions: SessionsDep,
) -> AcknowledgementOnRecord:
    _client_id(client_id)
    clinics = await run_in_threadpool(notices.client_clinics, sessions, client_id)
    if clinics and principal.clinic_id not in clinics:
        # The client is another clinic's: answered as an unknown client, nothing written.
        raise HTTPException(404, detail="client_id: no such client of your clinic")
    try:
        notice = privacy_notice.find(body.jurisdiction, body.notice_version)
    except UnknownNotice as err:
        raise _refusal(err.field, err.problem) from None
    today = datetime.now(UTC).date()
    if body.given_on > today:
        raise _refusal("given_on", "cannot be in the future")
    if body.given_on < notice.effective_from:
        raise _refusal(
            "given_on", f"before notice {notice.version} took effect ({notice.effective_from})"
        )
    rendered = privacy_notice.render(
        notice, clinic_name=principal.clinic_id or "", given_on=body.given_on
    )
    row = notices.PrivacyNoticeAcknowledgement(
        acknowledgement_id=str(uuid.uuid4()),
        case_id=notices.client_subject(client_id),
        client_id=client_id,
        clinic_id=principal.clinic_id or "",
        jurisdiction=notice.jurisdiction,
        notice_version=notice.version,
        notice_sha256=rendered.sha256,
        given_on=body.given_on,
        how=body.how,
        note=body.note,
        recorded_by=principal.user_id,
        recorded_role=principal.role,
    )
    await run_in_threadpool(notices.record_acknowledgement, sessions, row, acting(principal))
    return _on_record(row)


@router.get(
    "/clients/{client_id}/privacy-notice-acknowledgements",
    response_model=list[AcknowledgementOnRecord],
)
def on_record(
    client_id: str, principal: ClinicMemberOrCompliance, sessions: SessionsDep
) -> list[AcknowledgementOnRecord]:
    _client_id(client_id)
    clinic = None if principal.role == "compliance" else principal.clinic_id
    return [_on_record(row) for row in notices.acknowledgements(sessions, client_id, clinic)]


@router.get("/reports/{case_id}/privacy-notice", response_model=CaseNoticeState)
def case_notice(grant: ReadableCase, sessions: SessionsDep) -> CaseNoticeState:
    with sessions() as session:
        found = session.exec(
            select(CaseRecord.client_id, CaseRecord.clinic_id).where(
                CaseRecord.case_id == grant.case_id
            )
        ).first()
    if found is None:
        raise HTTPException(404, detail=NO_SUCH_CASE)
    client_id, clinic_id = found
    # Only an acknowledgement given in the case's own clinic counts for it.
    rows = notices.acknowledgements(sessions, client_id, clinic_id)
    return CaseNoticeState(
        case_id=grant.case_id,
        client_id=client_id,
        acknowledged=bool(rows),
        latest=_on_record(rows[0]) if rows else None,
    )


@router.get("/compliance/cases-without-privacy-notice", response_model=list[CaseWithoutNotice])
def cases_without_notice(principal: CurrentUser, sessions: SessionsDep) -> list[CaseWithoutNotice]:
    if principal.role not in ("compliance", "supervisor"):
        raise forbidden("this needs the role compliance or supervisor")
    clinic = principal.clinic_id if principal.role == "supervisor" else None
    return [
        CaseWithoutNotice(case_id=case_id, clinic_id=clinic_id, client_id=client_id)
        for case_id, clinic_id, client_id in notices.open_cases_without_acknowledgement(
            sessions, clinic
        )
    ]
