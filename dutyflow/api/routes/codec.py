"""A codec server for the Temporal Web UI that decrypts only for those entitled to the case.

Temporal's codec-server contract: ``POST .../decode`` and ``POST .../encode`` take and answer
``Payloads`` as proto-JSON, ``{"payloads": [{"metadata": {k: base64}, "data": base64}]}``, with
the namespace in ``X-Namespace``. The Web UI sends ``Authorization: Bearer <token>`` when set to
pass the access token, and cookies when set to include credentials (the ``dutyflow_token`` cookie
is read then).

Who gets plaintext (`dutyflow.auth.roles.may_decode_case_payloads`):

- nobody unauthenticated: 401;
- a compliance officer: every payload (entitled to every case);
- a practitioner: only payloads of a case they own. A payload's case is the one it carries in its
  ``dutyflow-case`` metadata, when the codec binds it there; otherwise the case the request names,
  by ``X-Dutyflow-Case``, the ``case`` query parameter, or the path ``/codec/cases/{case}/decode``
  (a Web UI codec endpoint of ``.../codec/cases/<case>`` ends in that);
- anyone else (supervisor, agency, admin), and a practitioner naming no case, or another's: the
  payloads come back unchanged, still encrypted (200, so the UI just shows ciphertext).

Every decode that returns plaintext is audited before it is answered: step ``payloads-decoded``
under the case (``all-cases`` for a compliance officer naming none), the user as actor, and the
count only; the content hash is of the ciphertext, never of the plaintext.

Encoding only encrypts; it needs authentication and any role but agency.

CORS: the Web UI's origin(s) only, exactly, with credentials; preflight answered here (the
router cannot install middleware). A cookie-authenticated request from another origin is refused.

The payload codec and the Web UI's origins are the app's (``app.state.payload_codec`` and
``codec_origins``, see `dutyflow.api.deps`); `dutyflow.api.app.create_app` includes this router
only when it is given a codec. The codec itself is `dutyflow.crypto.codec`.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from dutyflow.api.deps import CodecOriginsDep, PayloadCodecDep, SessionsDep
from dutyflow.auth.api import CHALLENGE, TOKEN_COOKIE, bearer_token
from dutyflow.auth.case_access import CaseScope, acting
from dutyflow.auth.roles import Principal, may_decode_case_payloads, may_encode_payloads
from dutyflow.auth.store import authenticate
from dutyflow.crypto.codec import CASE_METADATA, ENCODING
from dutyflow.domain.validation import OPAQUE_ID_PATTERN
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import CaseRecord

DECODED_STEP = "payloads-decoded"
ALL_CASES = "all-cases"
CASE_HEADER = "X-Dutyflow-Case"
CASE_QUERY = "case"
ALLOWED_HEADERS = (
    "Authorization",
    "Authorization-Extras",
    "Content-Type",
    "X-Namespace",
    CASE_HEADER,
)
ALLOWED_METHODS = "POST, OPTIONS"
PREFLIGHT_MAX_AGE = "600"

router = APIRouter(tags=["codec"])


class _Refusal(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def _payloads_from_json(body: bytes) -> Payloads:
    try:
        document = json.loads(body)
    except ValueError:
        raise _Refusal(400, 'the body must be JSON: {"payloads": [...]}') from None
    if not isinstance(document, dict):
        raise _Refusal(400, 'the body must be a JSON object: {"payloads": [...]}')
    try:
        return json_format.ParseDict(document, Payloads())
    except json_format.ParseError as err:
        raise _Refusal(400, f"not Temporal Payloads in proto-JSON: {err}") from None


def _payloads_to_json(payloads: Sequence[Payload]) -> dict[str, Any]:
    document = json_format.MessageToDict(Payloads(payloads=list(payloads)))
    document.setdefault("payloads", [])
    return document


def _payload_case(payload: Payload) -> str | None:
    bound = payload.metadata.get(CASE_METADATA)
    return bound.decode(errors="replace") if bound else None


def _ciphertext_sha256(payloads: Sequence[Payload]) -> str:
    digest = hashlib.sha256()
    for payload in payloads:
        digest.update(payload.SerializeToString(deterministic=True))
    return digest.hexdigest()


def _encrypted(payload: Payload) -> bool:
    return payload.metadata.get("encoding") == ENCODING


def _from_ui(origin: str | None, origins: frozenset[str]) -> bool:
    return origin is not None and origin.rstrip("/") in origins


def cors_headers(request: Request, origins: frozenset[str]) -> dict[str, str]:
    """CORS headers for the request's origin: allowed, with credentials, only for the Web UI's."""
    origin = request.headers.get("origin")
    headers = {"Vary": "Origin"}
    if origin is not None and _from_ui(origin, origins):
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers


def _refused(request: Request, refusal: _Refusal, origins: frozenset[str]) -> JSONResponse:
    return JSONResponse(
        {"detail": refusal.detail},
        status_code=refusal.status,
        headers={**refusal.headers, **cors_headers(request, origins)},
    )


async def _caller(request: Request, sessions: SessionFactory, origins: frozenset[str]) -> Principal:
    """The caller, by bearer token or (from the Web UI's origin only) by the token cookie."""
    token = bearer_token(request)
    if token is None:
        token = request.cookies.get(TOKEN_COOKIE)
        origin = request.headers.get("origin")
        if token and origin is not None and not _from_ui(origin, origins):
            raise _Refusal(403, "cookie credentials are accepted only from the Web UI's origin")
    if not token:
        raise _Refusal(401, "a valid bearer token is required", dict(CHALLENGE))
    principal = await run_in_threadpool(authenticate, sessions, token)
    if principal is None:
        raise _Refusal(
            401, "the bearer token is not valid (unknown, revoked or disabled)", dict(CHALLENGE)
        )
    return principal


async def _body_payloads(request: Request) -> Payloads:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise _Refusal(415, "Content-Type must be application/json")
    return _payloads_from_json(await request.body())


def _named_case(request: Request, path_case: str | None) -> str | None:
    case_id = path_case or request.headers.get(CASE_HEADER) or request.query_params.get(CASE_QUERY)
    if case_id is None or case_id == "":
        return None
    if not re.fullmatch(OPAQUE_ID_PATTERN, case_id):
        raise _Refusal(400, f"{CASE_HEADER}: must be an opaque case id")
    return case_id


def entitled_cases(sessions: SessionFactory, principal: Principal, case_ids: set[str]) -> set[str]:
    """Of ``case_ids``, those whose payloads ``principal`` may see in clear."""
    if principal.role == "compliance":
        return set(case_ids)
    if principal.role != "practitioner" or not case_ids:
        return set()
    with sessions() as session:  # ids only: never the case's sealed content
        owners = session.exec(
            select(CaseRecord.case_id, CaseRecord.clinic_id, CaseRecord.practitioner_id).where(
                col(CaseRecord.case_id).in_(sorted(case_ids))
            )
        ).all()
    return {
        case_id
        for case_id, clinic_id, practitioner_id in owners
        if may_decode_case_payloads(principal, CaseScope(clinic_id, practitioner_id))
    }


def _audit(
    sessions: SessionFactory, principal: Principal, decoded: dict[str, list[Payload]]
) -> None:
    for case_id, ciphertexts in decoded.items():
        record_step(
            sessions,
            case_id=case_id,
            step=DECODED_STEP,
            key_suffix=uuid.uuid4().hex,  # every decode is an event of its own
            actor=acting(principal),
            content_sha256=_ciphertext_sha256(ciphertexts),
            details={"count": len(ciphertexts)},
        )


async def decode(
    request: Request,
    path_case: str | None,
    sessions: SessionFactory,
    codec: PayloadCodec,
    origins: frozenset[str],
) -> Response:
    """Each payload in clear if the caller is entitled to its case, else as it came; every
    plaintext decode audited before it is answered."""
    try:
        principal = await _caller(request, sessions, origins)
        payloads = list((await _body_payloads(request)).payloads)
        request_case = _named_case(request, path_case)
    except _Refusal as refusal:
        return _refused(request, refusal, origins)

    def case_of(payload: Payload) -> str | None:
        return _payload_case(payload) or request_case

    wanted = {c for c in (case_of(p) for p in payloads if _encrypted(p)) if c is not None}
    entitled = await run_in_threadpool(entitled_cases, sessions, principal, wanted)
    anywhere = principal.role == "compliance"  # also payloads of no known case

    answer: list[Payload] = []
    decoded: dict[str, list[Payload]] = {}
    for payload in payloads:
        case_id = case_of(payload)
        allowed = (case_id in entitled) if case_id is not None else anywhere
        if not _encrypted(payload) or not allowed:
            answer.append(payload)
            continue
        try:
            [plain] = await codec.decode([payload])
        except Exception:
            answer.append(payload)
            continue
        answer.append(plain)
        decoded.setdefault(case_id or ALL_CASES, []).append(payload)
    if decoded:
        await run_in_threadpool(_audit, sessions, principal, decoded)  # before any plaintext leaves
    return JSONResponse(_payloads_to_json(answer), headers=cors_headers(request, origins))


@router.post("/codec/decode", summary="Decode payloads (Temporal Web UI codec server)")
async def decode_payloads(
    request: Request, sessions: SessionsDep, codec: PayloadCodecDep, origins: CodecOriginsDep
) -> Response:
    return await decode(request, None, sessions, codec, origins)


@router.post("/codec/cases/{case_id}/decode", summary="Decode one case's payloads")
async def decode_case_payloads(
    request: Request,
    case_id: str,
    sessions: SessionsDep,
    codec: PayloadCodecDep,
    origins: CodecOriginsDep,
) -> Response:
    return await decode(request, case_id, sessions, codec, origins)


@router.post("/codec/encode", summary="Encode payloads (Temporal Web UI codec server)")
async def encode_payloads(
    request: Request, sessions: SessionsDep, codec: PayloadCodecDep, origins: CodecOriginsDep
) -> Response:
    try:
        principal = await _caller(request, sessions, origins)
        if not may_encode_payloads(principal):
            raise _Refusal(403, "agency users may not encode payloads")
        payloads = list((await _body_payloads(request)).payloads)
    except _Refusal as refusal:
        return _refused(request, refusal, origins)
    encoded = await codec.encode(payloads)
    return JSONResponse(_payloads_to_json(encoded), headers=cors_headers(request, origins))


@router.options("/codec/cases/{case_id}/decode", include_in_schema=False)
@router.options("/codec/encode", include_in_schema=False)
@router.options(
    "/codec/decode", include_in_schema=False
)  # registered first: decorators apply upwards
async def preflight(request: Request, origins: CodecOriginsDep) -> Response:
    """The CORS preflight: the Web UI's origin may POST with credentials; any other, 403."""
    headers = cors_headers(request, origins)
    if "Access-Control-Allow-Origin" not in headers:
        return Response(status_code=403, headers=headers)
    headers.update(
        {
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        }
    )
    return Response(status_code=204, headers=headers)
