"""Reading an agency's 2xx answer: the reference is taken from the contract's field or the
agency's configured one, and nothing in the body can make the delivery not have happened."""

from __future__ import annotations

from datetime import UTC, datetime

from dutyflow.domain.receipts import read_agency_receipt
from dutyflow.domain.transmission import AcknowledgementDecision

ANSWERED = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def test_the_contracts_reference_is_read_first() -> None:
    body = b'{"reference_number": "CWS-1", "reference": "OTHER", "decision": "accepted"}'
    receipt = read_agency_receipt(body, "reference", ANSWERED)
    assert receipt.reference_number == "CWS-1"
    assert receipt.decision is AcknowledgementDecision.ACCEPTED


def test_the_agencys_configured_field_is_read_when_the_contracts_is_absent() -> None:
    body = b'{"result": {"caseNumber": 20261203}, "status": "received"}'
    assert read_agency_receipt(body, "result.caseNumber", ANSWERED).reference_number == "20261203"


def test_an_unreadable_body_is_a_receipt_without_a_reference() -> None:
    for body in (b"", b"<html>Thank you</html>", b"[1, 2]", b'{"reference_number": ""}'):
        receipt = read_agency_receipt(body, "reference", ANSWERED)
        assert receipt.reference_number is None
        assert receipt.received_at == ANSWERED and receipt.decision is None


def test_an_implausible_reference_is_not_taken() -> None:
    too_long = '{"reference": "' + "X" * 101 + '"}'
    for body in (too_long, '{"reference": true}', '{"reference": {"id": 1}}'):
        assert read_agency_receipt(body.encode(), "reference", ANSWERED).reference_number is None


def test_the_agencys_own_time_of_receipt_is_kept_only_with_a_timezone() -> None:
    aware = b'{"received_at": "2026-12-03T09:59:00+00:00"}'
    naive = b'{"received_at": "2026-12-03T09:59:00"}'
    assert read_agency_receipt(aware, None, ANSWERED).received_at == datetime(
        2026, 12, 3, 9, 59, tzinfo=UTC
    )
    assert read_agency_receipt(naive, None, ANSWERED).received_at == ANSWERED
