"""The intake service's two seams on their own, without a server or a database: how a report's
signature is checked and a callback signed (`dutyflow.intake.signatures`), and what the agency
answers Dutyflow (`dutyflow.intake.receipts`)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dutyflow.crypto.standard_webhooks import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signed_headers,
    verify,
)
from dutyflow.domain.transmission import AgencyAcknowledgement
from dutyflow.intake.receipts import acknowledgement_body, intake_receipt
from dutyflow.intake.signatures import AgencySignatures, IntakeSeenMessages, SignatureRefused
from dutyflow.intake.tables import IntakeReport, create_intake_engine, create_intake_tables
from tests.intake.test_intake_service import SECRET, transmission

AGENCY_SECRET = b"demo-cws shared secret"
RECEIVED_AT = datetime(2026, 3, 1, 10, 16, tzinfo=UTC)


def seen_in(database: Path) -> IntakeSeenMessages:
    engine = create_intake_engine(f"sqlite:///{database}")
    create_intake_tables(engine)
    return IntakeSeenMessages(engine)


def demo_cws_only(agency_id: str) -> bytes:
    if agency_id != "demo-cws":
        raise KeyError(agency_id)
    return AGENCY_SECRET


def stored_report(decision: str | None = "accepted", note: str | None = None) -> IntakeReport:
    body = json.dumps(transmission(acknowledgement_url="https://dutyflow.test/ack"))
    return IntakeReport(
        id=1,
        agency_id="demo-cws",
        idempotency_key="rpt-0001",
        reference_number="DEMO-CWS-2026-000001",
        received_at=RECEIVED_AT.replace(tzinfo=None),  # as SQLite hands it back
        case_reference="CASE-2026-0007",
        form="SS 8572",
        recipient_id="demo-cws",
        document_sha256="0" * 64,
        body=body,
        decision=decision,
        decided_at=None if decision is None else RECEIVED_AT,
        note=note,
        acknowledgement_url="https://dutyflow.test/ack",
        callback_status="pending",
    )


# --- signatures ----------------------------------------------------------------------------------


def test_a_correctly_signed_report_passes_once_and_its_replay_is_refused(tmp_path: Path) -> None:
    signatures = AgencySignatures(demo_cws_only, seen_in(tmp_path / "intake.db"))
    raw = b'{"report_id": "rpt-0001"}'
    headers = signed_headers(AGENCY_SECRET, "msg_rpt-0001", raw)

    signatures.check_report("demo-cws", headers, raw)
    with pytest.raises(SignatureRefused, match="replay"):
        signatures.check_report("demo-cws", headers, raw)


def test_a_replay_is_refused_after_the_service_restarts(tmp_path: Path) -> None:
    raw = b'{"report_id": "rpt-0001"}'
    headers = signed_headers(AGENCY_SECRET, "msg_rpt-0001", raw)
    AgencySignatures(demo_cws_only, seen_in(tmp_path / "intake.db")).check_report(
        "demo-cws", headers, raw
    )

    restarted = AgencySignatures(demo_cws_only, seen_in(tmp_path / "intake.db"))
    with pytest.raises(SignatureRefused, match="replay"):
        restarted.check_report("demo-cws", headers, raw)


def test_a_report_for_an_agency_without_a_secret_is_refused_naming_the_header(
    tmp_path: Path,
) -> None:
    signatures = AgencySignatures(demo_cws_only, seen_in(tmp_path / "intake.db"))
    raw = b"{}"

    with pytest.raises(SignatureRefused) as refused:
        signatures.check_report("other-cws", signed_headers(AGENCY_SECRET, "msg_1", raw), raw)

    assert str(refused.value).startswith(f"{SIGNATURE_HEADER}: ")


def test_without_secrets_reports_need_no_signature_and_callbacks_carry_none(
    tmp_path: Path,
) -> None:
    signatures = AgencySignatures(None, seen_in(tmp_path / "intake.db"))

    signatures.check_report("demo-cws", {}, b"anything")

    assert not signatures.required
    assert signatures.callback_signer("demo-cws", "ack_1").headers(b"{}", int(time.time())) == {}


def test_a_callback_is_signed_with_the_agencys_secret_at_the_given_time(tmp_path: Path) -> None:
    body = b'{"decision": "accepted"}'
    stamp = int(time.time())
    signatures = AgencySignatures(demo_cws_only, seen_in(tmp_path / "intake.db"))

    headers = signatures.callback_signer("demo-cws", "ack_1").headers(body, stamp)

    assert headers[TIMESTAMP_HEADER] == str(stamp) and headers[ID_HEADER] == "ack_1"
    assert verify(AGENCY_SECRET, headers, body).timestamp == stamp
    assert headers[SIGNATURE_HEADER].startswith("v1,")


def test_an_agency_without_a_secret_gets_no_callback_signer(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        AgencySignatures(demo_cws_only, seen_in(tmp_path / "intake.db")).callback_signer(
            "other-cws", "ack_1"
        )


# --- receipts ------------------------------------------------------------------------------------


def test_a_repeated_delivery_is_receipted_as_a_duplicate_with_the_first_receipt_time() -> None:
    receipt = intake_receipt(stored_report(), created=False)

    assert receipt.duplicate is True
    assert receipt.reference_number == "DEMO-CWS-2026-000001"
    assert receipt.received_at == RECEIVED_AT  # aware UTC, although stored naive
    assert receipt.decision is not None and receipt.decision.value == "accepted"


def test_the_acknowledgement_names_the_report_and_the_decision_never_the_document() -> None:
    body = acknowledgement_body(stored_report("screened-out", note="does not meet the criteria"))

    acknowledgement = AgencyAcknowledgement.model_validate_json(body)
    assert acknowledgement.report_id == "rpt-0001"
    assert acknowledgement.reference_number == "DEMO-CWS-2026-000001"
    assert acknowledgement.decision.value == "screened-out"
    assert acknowledgement.note == "does not meet the criteria"
    assert SECRET.encode() not in body


def test_an_undecided_report_has_no_acknowledgement() -> None:
    with pytest.raises(ValueError, match="decision"):
        acknowledgement_body(stored_report(decision=None))
