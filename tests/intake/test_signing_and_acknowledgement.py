"""The intake service as an agency runs it: signed reports only, replays refused, and the decision
sent back to Dutyflow through a signed callback, over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from dutyflow.crypto.standard_webhooks import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    signed_headers,
    verify,
)
from dutyflow.domain.transmission import IDEMPOTENCY_HEADER, AgencyAcknowledgement
from dutyflow.intake import callbacks as intake_callbacks
from tests.intake.conftest import DEMO_AGENCIES, CallbackReceiver, Servers
from tests.intake.test_intake_service import REPORTS, SECRET, transmission

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

AGENCY_SECRETS = {"demo-cws": b"demo-cws shared secret", "other-cws": b"other-cws shared secret"}
DEMO_SECRET = AGENCY_SECRETS["demo-cws"]


def agency_secret(agency_id: str) -> bytes:
    return AGENCY_SECRETS[agency_id]  # KeyError for an agency without a secret


def encoded(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def post_signed(
    client: httpx.Client,
    raw: bytes,
    key: str = "rpt-0001",
    secret: bytes = DEMO_SECRET,
    now: float | None = None,
    path: str = REPORTS,
) -> httpx.Response:
    headers = {IDEMPOTENCY_HEADER: key, "Content-Type": "application/json"}
    headers.update(signed_headers(secret, f"msg_{key}", raw, now=now))
    return client.post(path, content=raw, headers=headers)


def listed(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.get(REPORTS)
    assert response.status_code == 200
    return response.json()


def wait_for_callback(
    client: httpx.Client, reference: str, status: str, timeout: float = 20.0
) -> dict[str, Any]:
    """Poll the JSON listing until the report's callback reaches ``status``."""
    deadline = time.monotonic() + timeout
    while True:
        report = next(r for r in listed(client) if r["reference_number"] == reference)
        if report["callback_status"] == status:
            return report
        assert time.monotonic() < deadline, f"callback still {report['callback_status']}"
        time.sleep(0.05)


def acknowledgements(
    receiver: CallbackReceiver, secret: bytes | None = DEMO_SECRET
) -> list[AgencyAcknowledgement]:
    """What the receiver got, each checked to be signed with the agency's secret."""
    result = []
    for callback in receiver.requests():
        if secret is not None:
            verify(secret, dict(callback.headers), callback.body)
        result.append(AgencyAcknowledgement.model_validate_json(callback.body))
    return result


@pytest.fixture
def signed_intake(start_intake: Callable[..., str]) -> Iterator[httpx.Client]:
    """An intake that requires signatures and accepts every report at once."""
    url = start_intake(DEMO_AGENCIES, secrets=agency_secret)
    with httpx.Client(base_url=url, timeout=30) as client:
        yield client


# --- signatures ----------------------------------------------------------------------------------


def test_signed_report_is_accepted(signed_intake: httpx.Client) -> None:
    response = post_signed(signed_intake, encoded(transmission()))

    assert response.status_code == 201
    assert response.json()["decision"] == "accepted"
    [report] = listed(signed_intake)
    assert report["reference_number"] == response.json()["reference_number"]
    assert report["decision"] == "accepted"
    assert report["callback_status"] == "not-requested"


def test_unsigned_report_is_refused_naming_the_header(signed_intake: httpx.Client) -> None:
    raw = encoded(transmission())
    unsigned = signed_intake.post(REPORTS, content=raw, headers={IDEMPOTENCY_HEADER: "rpt-0001"})
    timestamp_only = signed_intake.post(
        REPORTS,
        content=raw,
        headers={
            IDEMPOTENCY_HEADER: "rpt-0001",
            ID_HEADER: "msg_rpt-0001",
            TIMESTAMP_HEADER: str(int(time.time())),
        },
    )
    not_even_json = signed_intake.post(
        REPORTS, content=b"{not json", headers={IDEMPOTENCY_HEADER: "rpt-0001"}
    )

    assert unsigned.status_code == 401
    assert unsigned.json()["detail"].startswith(f"{ID_HEADER}: ")
    assert timestamp_only.status_code == 401
    assert timestamp_only.json()["detail"] == f"{SIGNATURE_HEADER}: missing"
    assert not_even_json.status_code == 401  # checked before anything is parsed
    assert listed(signed_intake) == []


def test_tampered_body_is_refused(signed_intake: httpx.Client) -> None:
    raw = encoded(transmission())
    headers = {IDEMPOTENCY_HEADER: "rpt-0001", **signed_headers(DEMO_SECRET, "msg_1", raw)}
    tampered = raw.replace(b"Suspected physical abuse", b"No concern")

    response = signed_intake.post(REPORTS, content=tampered, headers=headers)

    assert response.status_code == 401
    assert response.json()["detail"] == f"{SIGNATURE_HEADER}: does not match"
    assert listed(signed_intake) == []


def test_report_signed_with_another_agencys_secret_is_refused(
    signed_intake: httpx.Client,
) -> None:
    response = post_signed(
        signed_intake, encoded(transmission()), secret=AGENCY_SECRETS["other-cws"]
    )

    assert response.status_code == 401
    assert listed(signed_intake) == []


def test_stale_timestamp_is_refused(signed_intake: httpx.Client) -> None:
    response = post_signed(signed_intake, encoded(transmission()), now=time.time() - 600)

    assert response.status_code == 401
    assert response.json()["detail"].startswith(f"{TIMESTAMP_HEADER}: outside")
    assert listed(signed_intake) == []


def test_byte_identical_replay_is_refused_and_nothing_new_is_stored(
    signed_intake: httpx.Client,
) -> None:
    raw = encoded(transmission())
    headers = {IDEMPOTENCY_HEADER: "rpt-0001", **signed_headers(DEMO_SECRET, "msg_1", raw)}

    first = signed_intake.post(REPORTS, content=raw, headers=headers)
    replay = signed_intake.post(REPORTS, content=raw, headers=headers)

    assert first.status_code == 201
    assert replay.status_code == 401
    assert replay.json()["detail"].startswith(f"{ID_HEADER}: ")
    assert "replay" in replay.json()["detail"]
    assert len(listed(signed_intake)) == 1


def test_replay_of_a_refused_request_is_refused_too(signed_intake: httpx.Client) -> None:
    """A captured request cannot be replayed to a different agency path either."""
    raw = encoded(transmission("rpt-x", recipient_id="other-cws"))
    headers = {
        IDEMPOTENCY_HEADER: "rpt-x",
        **signed_headers(AGENCY_SECRETS["other-cws"], "msg_x", raw),
    }

    first = signed_intake.post("/agencies/other-cws/reports", content=raw, headers=headers)
    again = signed_intake.post("/agencies/other-cws/reports", content=raw, headers=headers)

    assert first.status_code == 201 and again.status_code == 401
    assert len(signed_intake.get("/agencies/other-cws/reports").json()) == 1


def test_resigned_retry_with_the_same_key_is_deduplicated(signed_intake: httpx.Client) -> None:
    raw = encoded(transmission())
    sent = time.time()

    first = post_signed(signed_intake, raw, now=sent)
    retry = post_signed(signed_intake, raw, now=sent + 1)  # signed anew, a second later

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["duplicate"] is True
    assert retry.json()["reference_number"] == first.json()["reference_number"]
    assert retry.json()["received_at"] == first.json()["received_at"]
    assert len(listed(signed_intake)) == 1


def test_agency_without_a_configured_secret_is_refused(start_intake: Callable[..., str]) -> None:
    agencies = {**DEMO_AGENCIES, "third-cws": "Third County CWS"}
    with httpx.Client(base_url=start_intake(agencies, secrets=agency_secret)) as client:
        response = post_signed(
            client,
            encoded(transmission(recipient_id="third-cws")),
            path="/agencies/third-cws/reports",
        )

    assert response.status_code == 401
    assert response.json()["detail"].startswith(f"{SIGNATURE_HEADER}: ")


# --- acknowledgement callbacks -------------------------------------------------------------------


def test_auto_acknowledgement_reaches_dutyflow_signed(
    start_intake: Callable[..., str],
    callback_receiver: CallbackReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    callback_receiver.release.clear()  # hold the callback: the receipt must not wait for it
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES, secrets=agency_secret)) as client:
        body = transmission(acknowledgement_url=callback_receiver.url)

        receipt = post_signed(client, encoded(body))
        assert receipt.status_code == 201
        assert listed(client)[0]["callback_status"] == "pending"
        callback_receiver.release.set()
        report = wait_for_callback(client, receipt.json()["reference_number"], "delivered")

    [ack] = acknowledgements(callback_receiver)
    assert ack.report_id == body["report_id"]
    assert ack.reference_number == receipt.json()["reference_number"]
    assert ack.decision == "accepted"
    assert ack.decided_at.tzinfo is not None
    assert report["callback_attempts"] == 1
    assert report["acknowledgement_url"] == callback_receiver.url
    assert callback_receiver.requests()[0].headers["content-type"] == "application/json"
    assert SECRET not in caplog.text and "CASE-2026-0007" not in caplog.text


def test_failing_callback_is_retried_until_delivered(
    start_intake: Callable[..., str], callback_receiver: CallbackReceiver
) -> None:
    callback_receiver.script = [500, 500]
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES, secrets=agency_secret)) as client:
        receipt = post_signed(
            client, encoded(transmission(acknowledgement_url=callback_receiver.url))
        )
        report = wait_for_callback(client, receipt.json()["reference_number"], "delivered")

    assert report["callback_attempts"] == 3
    acks = acknowledgements(callback_receiver)  # each attempt validly signed
    assert len(acks) == 3 and all(ack == acks[0] for ack in acks)
    signatures = {c.headers[SIGNATURE_HEADER] for c in callback_receiver.requests()}
    assert len(signatures) == 3  # signed anew each time, so no replay guard refuses a retry


def test_callback_failing_every_attempt_is_marked_failed_and_can_be_resent(
    start_intake: Callable[..., str],
    callback_receiver: CallbackReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(intake_callbacks, "CALLBACK_FIRST_BACKOFF_SECONDS", 0.01)
    callback_receiver.script = [503] * intake_callbacks.CALLBACK_ATTEMPTS
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES, secrets=agency_secret)) as client:
        receipt = post_signed(
            client, encoded(transmission(acknowledgement_url=callback_receiver.url))
        )
        reference = receipt.json()["reference_number"]
        failed = wait_for_callback(client, reference, "failed")
        resend_url = f"{REPORTS}/{reference}/acknowledgement/resend"

        resent = client.post(resend_url)
        delivered = wait_for_callback(client, reference, "delivered")
        again = client.post(resend_url)

    assert failed["callback_attempts"] == intake_callbacks.CALLBACK_ATTEMPTS
    assert resent.status_code == 202 and resent.json()["callback_status"] == "pending"
    assert delivered["callback_attempts"] == intake_callbacks.CALLBACK_ATTEMPTS + 1
    assert again.status_code == 409 and "delivered" in again.json()["detail"]
    assert len(acknowledgements(callback_receiver)) == intake_callbacks.CALLBACK_ATTEMPTS + 1


def test_callback_cut_short_by_a_stop_is_sent_after_the_restart(
    start_intake: Callable[..., str],
    serve_app: Servers,
    callback_receiver: CallbackReceiver,
) -> None:
    callback_receiver.release.clear()
    first = start_intake(DEMO_AGENCIES, secrets=agency_secret)
    with httpx.Client(base_url=first) as client:
        receipt = post_signed(
            client, encoded(transmission(acknowledgement_url=callback_receiver.url))
        )
    deadline = time.monotonic() + 20
    while not callback_receiver.requests():
        assert time.monotonic() < deadline, "the callback never arrived"
        time.sleep(0.05)
    serve_app.stop(first)  # while the callback waits for its answer
    callback_receiver.release.set()

    with httpx.Client(base_url=start_intake(DEMO_AGENCIES, secrets=agency_secret)) as client:
        assert listed(client)[0]["callback_status"] in ("pending", "delivered")
        report = wait_for_callback(client, receipt.json()["reference_number"], "delivered")

    assert report["callback_attempts"] == 1  # the interrupted attempt was never counted
    assert [ack.decision for ack in acknowledgements(callback_receiver)] == ["accepted"] * 2


def test_unreachable_callback_is_marked_failed(
    start_intake: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake_callbacks, "CALLBACK_FIRST_BACKOFF_SECONDS", 0.01)
    nowhere = "http://127.0.0.1:9/acknowledgements"  # the discard port: nothing listens
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES, secrets=agency_secret)) as client:
        receipt = post_signed(client, encoded(transmission(acknowledgement_url=nowhere)))
        report = wait_for_callback(client, receipt.json()["reference_number"], "failed")

    assert report["callback_attempts"] == intake_callbacks.CALLBACK_ATTEMPTS


def test_without_secrets_the_callback_is_sent_unsigned(
    start_intake: Callable[..., str], callback_receiver: CallbackReceiver
) -> None:
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES)) as client:
        body = transmission(acknowledgement_url=callback_receiver.url)
        receipt = client.post(REPORTS, json=body, headers={IDEMPOTENCY_HEADER: "rpt-0001"})
        wait_for_callback(client, receipt.json()["reference_number"], "delivered")

    [callback] = callback_receiver.requests()
    assert SIGNATURE_HEADER not in callback.headers
    assert AgencyAcknowledgement.model_validate_json(callback.body).decision == "accepted"


def test_staff_screen_out_through_the_api_is_acknowledged(
    start_intake: Callable[..., str], callback_receiver: CallbackReceiver
) -> None:
    url = start_intake(DEMO_AGENCIES, secrets=agency_secret, auto_acknowledge=False)
    with httpx.Client(base_url=url) as client:
        body = transmission(acknowledgement_url=callback_receiver.url)
        receipt = post_signed(client, encoded(body))
        reference = receipt.json()["reference_number"]
        undecided = listed(client)[0]
        decision_url = f"{REPORTS}/{reference}/decision"

        invalid = client.post(decision_url, json={"decision": "maybe"})
        decided = client.post(
            decision_url, json={"decision": "screened-out", "note": "No reasonable suspicion."}
        )
        report = wait_for_callback(client, reference, "delivered")
        twice = client.post(decision_url, json={"decision": "accepted"})
        unknown = client.post(
            f"{REPORTS}/DEMO-CWS-2026-999999/decision", json={"decision": "accepted"}
        )

    assert receipt.json()["decision"] is None
    assert undecided["decision"] is None and undecided["callback_status"] == "pending"
    assert invalid.status_code == 422
    assert any(error["loc"][-1] == "decision" for error in invalid.json()["detail"])
    assert decided.status_code == 200 and decided.json()["decision"] == "screened-out"
    assert report["decision"] == "screened-out" and report["note"] == "No reasonable suspicion."
    assert twice.status_code == 409 and "screened-out" in twice.json()["detail"]
    assert unknown.status_code == 404
    [ack] = acknowledgements(callback_receiver)
    assert (ack.report_id, ack.reference_number) == (body["report_id"], reference)
    assert ack.decision == "screened-out" and ack.note == "No reasonable suspicion."


def test_undecided_report_sends_nothing_until_staff_decide(
    start_intake: Callable[..., str], callback_receiver: CallbackReceiver
) -> None:
    url = start_intake(DEMO_AGENCIES, secrets=agency_secret, auto_acknowledge=False)
    with httpx.Client(base_url=url) as client:
        receipt = post_signed(
            client, encoded(transmission(acknowledgement_url=callback_receiver.url))
        )
        reference = receipt.json()["reference_number"]
        resend = client.post(f"{REPORTS}/{reference}/acknowledgement/resend")
        client.post(f"{REPORTS}/{reference}/decision", json={"decision": "accepted"})
        wait_for_callback(client, reference, "delivered")

    assert resend.status_code == 409
    assert [ack.decision for ack in acknowledgements(callback_receiver)] == ["accepted"]


def test_signature_errors_never_echo_the_body(signed_intake: httpx.Client) -> None:
    with pytest.raises(SignatureError) as refused:
        verify(DEMO_SECRET, {}, b"x")
    response = signed_intake.post(
        REPORTS, content=encoded(transmission()), headers={IDEMPOTENCY_HEADER: "rpt-0001"}
    )

    assert response.json()["detail"] == str(refused.value)
    assert SECRET not in response.text
