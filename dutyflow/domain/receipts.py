"""Reading an agency's answer to a delivered report.

Any 2xx answer means the agency has the report: the disclosure happened, whatever the body
says. What the body may add is a reference number (under the contract's ``reference_number``, or
under the field the agency directory names for that agency), when the agency received it,
whether it was a repeat, and a decision. Nothing in the body can undo the delivery: a body that
cannot be read yields a receipt with no reference, and the practitioner is asked to record the
agency's reference instead (never is the report sent again to learn it).

What does not live here: the HTTP call (``activities/delivery.py``) and the wire contract
(`dutyflow.domain.transmission`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from dutyflow.domain.transmission import AcknowledgementDecision

CONTRACT_REFERENCE_FIELD = "reference_number"
MAX_REFERENCE_LENGTH = 100


class AgencyReceipt(BaseModel):
    """What Dutyflow could read from an agency's 2xx answer. ``reference_number`` is None when
    the answer named none Dutyflow could read: a task for the practitioner, not a failure."""

    reference_number: str | None
    received_at: datetime
    duplicate: bool = False
    decision: AcknowledgementDecision | None = None


def read_agency_receipt(
    body: bytes, reference_field: str | None, answered_at: datetime
) -> AgencyReceipt:
    """The receipt in an agency's 2xx answer ``body``, read as far as it can be.

    The reference comes from the contract's field first, then from ``reference_field`` (a
    top-level name or a dotted path such as ``result.caseNumber``); ``received_at`` is the
    agency's own time if it gave a readable, timezone-aware one, else ``answered_at``."""
    parsed = _json_object(body)
    reference = _reference(parsed, CONTRACT_REFERENCE_FIELD)
    if reference is None and reference_field:
        reference = _reference(parsed, reference_field)
    return AgencyReceipt(
        reference_number=reference,
        received_at=_aware_time(parsed.get("received_at")) or answered_at,
        duplicate=parsed.get("duplicate") is True,
        decision=_decision(parsed.get("decision")),
    )


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _reference(parsed: dict[str, Any], path: str) -> str | None:
    value: Any = parsed
    for name in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    if not text or len(text) > MAX_REFERENCE_LENGTH or not text.isprintable():
        return None
    return text


def _aware_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _decision(value: Any) -> AcknowledgementDecision | None:
    try:
        return AcknowledgementDecision(value)
    except (ValueError, TypeError):
        return None
