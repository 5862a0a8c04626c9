"""The codec server behind the Temporal Web UI, served for real: it decrypts only for a compliance
officer or the case's own practitioner naming the case, answers everyone else with the payloads
still encrypted, refuses the unauthenticated, audits every plaintext decode, and answers the UI's
CORS preflight. Runs on SQLite, and on PostgreSQL when DUTYFLOW_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import FastAPI
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from dutyflow.api.deps import provide_codec, provide_database
from dutyflow.api.routes.codec import ALL_CASES, CASE_METADATA, DECODED_STEP
from dutyflow.api.routes.codec import router as codec_router
from dutyflow.auth.store import parse_token, revoke_token
from dutyflow.crypto.codec import ENCODING, EncryptionCodec
from dutyflow.runtime.serving import RunningServer, bind, serve
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import AuditEntry, CaseRecord
from tests.auth.helpers import new_user, unique

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

UI = "http://ui.dutyflow.test:8233"
PLAIN = [
    Payload(metadata={"encoding": b"json/plain"}, data=b'{"observations": "bruises on both arms"}'),
    Payload(metadata={"encoding": b"json/plain"}, data=b'"the client said so on 2026-11-20"'),
]


@dataclass
class Codec:
    url: str
    codec: EncryptionCodec
    sessions: SessionFactory


@pytest.fixture(scope="module")
async def codec_server(sessions: SessionFactory) -> AsyncIterator[Codec]:
    codec = EncryptionCodec([AESGCM.generate_key(bit_length=256)])
    app = FastAPI()
    provide_database(app, sessions)
    provide_codec(app, codec, [UI])
    app.include_router(codec_router)
    server: RunningServer = await serve(app, bind("127.0.0.1", 0, "api"), "api")
    yield Codec(server.url, codec, sessions)
    await server.stop()


@dataclass
class Case:
    case_id: str
    clinic_id: str
    practitioner_id: str
    practitioner_token: str


def open_case(sessions: SessionFactory) -> Case:
    """A case in the database, with its practitioner's account."""
    practitioner, token = new_user(sessions, "practitioner")
    case_id = unique("case")
    with sessions() as session, session.begin():
        session.add(
            CaseRecord(
                case_id=case_id,
                jurisdiction="US-CA",
                kind="child-abuse",
                county="Alameda",
                clinic_id=practitioner.clinic_id or "",
                practitioner_id=practitioner.user_id,
                client_id=unique("client"),
                policy_version="2026-01",
                opening={},
            )
        )
    return Case(case_id, practitioner.clinic_id or "", practitioner.user_id, token)


def as_json(payloads: list[Payload]) -> dict[str, Any]:
    return json_format.MessageToDict(Payloads(payloads=payloads))


def from_json(document: dict[str, Any]) -> list[Payload]:
    return list(json_format.ParseDict(document, Payloads()).payloads)


async def encrypted(server: Codec, bound_to: str | None = None) -> list[Payload]:
    payloads = await server.codec.encode(PLAIN)
    if bound_to is not None:
        for payload in payloads:
            payload.metadata[CASE_METADATA] = bound_to.encode()
    return payloads


async def post(
    server: Codec,
    path: str,
    payloads: list[Payload],
    token: str | None,
    *,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    sent = {"Content-Type": "application/json", "X-Namespace": "default", "Origin": UI}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies) as http:
        return await http.post(
            path, json=as_json(payloads), headers={**sent, **(headers or {})}, params=params
        )


def is_plain(payloads: list[Payload]) -> bool:
    return [(dict(p.metadata), p.data) for p in payloads] == [
        (dict(p.metadata), p.data) for p in PLAIN
    ]


def still_encrypted(answer: list[Payload], sent: list[Payload]) -> bool:
    return answer == sent and all(p.metadata["encoding"] == ENCODING for p in answer)


def decode_entries(sessions: SessionFactory, actor_id: str) -> list[AuditEntry]:
    from sqlmodel import select

    with sessions() as session:
        return list(
            session.exec(
                select(AuditEntry)
                .where(AuditEntry.actor_id == actor_id, AuditEntry.step == DECODED_STEP)
                .order_by(AuditEntry.seq)  # type: ignore[arg-type]
            ).all()
        )


async def test_a_compliance_officer_gets_plaintext_and_it_is_audited(codec_server: Codec) -> None:
    officer, token = new_user(codec_server.sessions, "compliance")
    sent = await encrypted(codec_server)

    answer = await post(codec_server, "/codec/decode", sent, token)

    assert answer.status_code == 200, answer.text
    assert is_plain(from_json(answer.json()))
    assert answer.headers["access-control-allow-origin"] == UI
    [entry] = decode_entries(codec_server.sessions, officer.user_id)
    assert (entry.case_id, entry.actor_role, entry.details) == (
        ALL_CASES,
        "compliance",
        {"count": 2},
    )
    assert "bruises" not in repr(entry.model_dump())


async def test_the_cases_own_practitioner_naming_the_case_gets_plaintext(
    codec_server: Codec,
) -> None:
    case = open_case(codec_server.sessions)
    sent = await encrypted(codec_server)

    by_header = await post(
        codec_server,
        "/codec/decode",
        sent,
        case.practitioner_token,
        headers={"X-Dutyflow-Case": case.case_id},
    )
    by_query = await post(
        codec_server, "/codec/decode", sent, case.practitioner_token, params={"case": case.case_id}
    )
    by_path = await post(
        codec_server, f"/codec/cases/{case.case_id}/decode", sent, case.practitioner_token
    )

    for answer in (by_header, by_query, by_path):
        assert answer.status_code == 200, answer.text
        assert is_plain(from_json(answer.json()))
    entries = decode_entries(codec_server.sessions, case.practitioner_id)
    assert [(e.case_id, e.actor_role, e.details) for e in entries] == [
        (case.case_id, "practitioner", {"count": 2})
    ] * 3
    with codec_server.sessions() as session:
        assert audit_log.verify(session).intact


async def test_the_practitioner_naming_no_case_gets_it_still_encrypted(
    codec_server: Codec,
) -> None:
    case = open_case(codec_server.sessions)
    sent = await encrypted(codec_server)

    answer = await post(codec_server, "/codec/decode", sent, case.practitioner_token)

    assert answer.status_code == 200
    assert still_encrypted(from_json(answer.json()), sent)
    assert decode_entries(codec_server.sessions, case.practitioner_id) == []


async def test_a_payload_bound_to_another_case_stays_encrypted_for_the_practitioner(
    codec_server: Codec,
) -> None:
    mine, theirs = open_case(codec_server.sessions), open_case(codec_server.sessions)
    sent = await encrypted(codec_server, bound_to=theirs.case_id)

    answer = await post(
        codec_server,
        "/codec/decode",
        sent,
        mine.practitioner_token,
        headers={"X-Dutyflow-Case": mine.case_id},
    )

    assert still_encrypted(from_json(answer.json()), sent)
    assert decode_entries(codec_server.sessions, mine.practitioner_id) == []


@pytest.mark.parametrize("who", ["another practitioner", "supervisor", "agency", "admin"])
async def test_anyone_else_gets_the_payloads_still_encrypted(codec_server: Codec, who: str) -> None:
    case = open_case(codec_server.sessions)
    if who == "another practitioner":
        user, token = new_user(codec_server.sessions, "practitioner", clinic_id=case.clinic_id)
    elif who == "supervisor":
        user, token = new_user(codec_server.sessions, "supervisor", clinic_id=case.clinic_id)
    else:
        user, token = new_user(codec_server.sessions, who)
    sent = await encrypted(codec_server)

    for path in ("/codec/decode", f"/codec/cases/{case.case_id}/decode"):
        answer = await post(
            codec_server, path, sent, token, headers={"X-Dutyflow-Case": case.case_id}
        )
        assert answer.status_code == 200, answer.text
        assert still_encrypted(from_json(answer.json()), sent)
    assert decode_entries(codec_server.sessions, user.user_id) == []


@pytest.mark.parametrize("credentials", ["none", "malformed", "unknown", "revoked"])
async def test_without_a_valid_token_decode_and_encode_answer_401(
    codec_server: Codec, credentials: str
) -> None:
    _user, token = new_user(codec_server.sessions, "compliance")
    if credentials == "revoked":
        revoke_token(codec_server.sessions, parse_token(token)[0])  # type: ignore[index]
    sent_token = {
        "none": None,
        "malformed": "not-a-token",
        "unknown": "dfy_0123456789abcdef_" + "x" * 43,
        "revoked": token,
    }[credentials]
    sent = await encrypted(codec_server)

    for path in ("/codec/decode", "/codec/encode"):
        answer = await post(codec_server, path, sent, sent_token)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.headers["access-control-allow-origin"] == UI  # the UI can read why
        assert "payloads" not in answer.json()


async def test_the_token_may_come_in_the_cookie_but_only_from_the_ui(codec_server: Codec) -> None:
    _officer, token = new_user(codec_server.sessions, "compliance")
    sent = await encrypted(codec_server)

    from_ui = await post(
        codec_server, "/codec/decode", sent, None, cookies={"dutyflow_token": token}
    )
    assert from_ui.status_code == 200
    assert is_plain(from_json(from_ui.json()))

    elsewhere = await post(
        codec_server,
        "/codec/decode",
        sent,
        None,
        cookies={"dutyflow_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403
    assert "access-control-allow-origin" not in elsewhere.headers


async def test_encode_needs_a_user_who_is_not_an_agency(codec_server: Codec) -> None:
    _practitioner, token = new_user(codec_server.sessions, "practitioner")
    _agency, agency_token = new_user(codec_server.sessions, "agency")

    answer = await post(codec_server, "/codec/encode", PLAIN, token)
    assert answer.status_code == 200, answer.text
    encoded = from_json(answer.json())
    assert len(encoded) == len(PLAIN)
    assert all(p.metadata["encoding"] == ENCODING for p in encoded)
    assert b"bruises" not in b"".join(p.data for p in encoded)
    assert await codec_server.codec.decode(encoded) == PLAIN

    refused = await post(codec_server, "/codec/encode", PLAIN, agency_token)
    assert refused.status_code == 403


async def test_unencrypted_payloads_pass_through_and_nothing_is_audited(
    codec_server: Codec,
) -> None:
    officer, token = new_user(codec_server.sessions, "compliance")

    answer = await post(codec_server, "/codec/decode", PLAIN, token)

    assert is_plain(from_json(answer.json()))
    assert decode_entries(codec_server.sessions, officer.user_id) == []
    empty = await post(codec_server, "/codec/decode", [], token)
    assert empty.json() == {"payloads": []}


async def test_bad_requests_are_refused(codec_server: Codec) -> None:
    _officer, token = new_user(codec_server.sessions, "compliance")
    headers = {"Authorization": f"Bearer {token}", "Origin": UI}
    async with httpx.AsyncClient(base_url=codec_server.url) as http:
        not_json = await http.post(
            "/codec/decode", content=b"{}", headers={**headers, "Content-Type": "text/plain"}
        )
        broken = await http.post(
            "/codec/decode", content=b"{", headers={**headers, "Content-Type": "application/json"}
        )
        wrong = await http.post("/codec/decode", json={"payloads": [{"data": 5}]}, headers=headers)
        bad_case = await http.post(
            "/codec/decode",
            json={"payloads": []},
            headers={**headers, "X-Dutyflow-Case": "no spaces allowed"},
        )
    assert [r.status_code for r in (not_json, broken, wrong, bad_case)] == [415, 400, 400, 400]


async def test_the_cors_preflight_allows_the_ui_origin_only(codec_server: Codec) -> None:
    asking = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    async with httpx.AsyncClient(base_url=codec_server.url) as http:
        answers = [
            await http.options(path, headers={**asking, "Origin": UI})
            for path in ("/codec/decode", "/codec/encode", "/codec/cases/case-1/decode")
        ]
        stranger = await http.options(
            "/codec/decode", headers={**asking, "Origin": "https://evil.example"}
        )

    for answer in answers:
        assert answer.status_code == 204
        assert answer.headers["access-control-allow-origin"] == UI
        assert answer.headers["access-control-allow-credentials"] == "true"
        assert "POST" in answer.headers["access-control-allow-methods"]
        allowed = {
            h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")
        }
        assert {"authorization", "content-type", "x-namespace", "x-dutyflow-case"} <= allowed
    assert stranger.status_code == 403
    assert "access-control-allow-origin" not in stranger.headers


def test_payload_json_round_trips_the_ui_form() -> None:
    """What the Web UI sends: metadata values and data in base64."""
    document = {
        "payloads": [
            {
                "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
                "data": base64.b64encode(b"{}").decode(),
            }
        ]
    }
    [payload] = from_json(document)
    assert payload.metadata["encoding"] == b"json/plain" and payload.data == b"{}"
    assert as_json([payload]) == document
