"""The composite ids of a case's records and audit entries, made in one place.

Each id joins the opaque case id with what the record is about (``case-7f3a/county-aps``). These
strings are primary keys in the database, idempotency keys in the audit log and values in
Temporal histories: **they never change shape**. A new kind of record gets a new function here;
no function here ever changes the string it returns (`tests/test_ids.py` pins them). Ids carry
no case content: case ids, recipient and deadline ids, step names, counters and digests only.

What lives elsewhere: the case id itself (made when a report is opened) and the ids a record
gets from its table (sequence numbers, random uuids).
"""

from __future__ import annotations

import uuid

# The namespaces of the uuid5 ids below. Fixed forever: an accounting entry or an agency report
# must get the same id when its step runs again.
ACCOUNTING_NAMESPACE = uuid.UUID("0b5f6d0e-9a43-4d7c-8f3e-2f1d7c6a9b21")
REPORT_ID_NAMESPACE = uuid.UUID("6f1c3a52-2d7e-4f57-9a55-0d5e6b1f3c11")


# --- one record per recipient of a case ---------------------------------------------------------


def obligation_id(case_id: str, recipient_id: str) -> str:
    """The obligation to one recipient (``ObligationRecord``)."""
    return f"{case_id}/{recipient_id}"


def disclosure_id(case_id: str, recipient_id: str) -> str:
    """The fields limited for one recipient (``DisclosureRecord``): the obligation's id."""
    return obligation_id(case_id, recipient_id)


def document_id(case_id: str, recipient_id: str) -> str:
    """The report rendered for one recipient (``ReportDocument``): the obligation's id."""
    return obligation_id(case_id, recipient_id)


def report_id(case_id: str, recipient_id: str, document_sha256: str) -> str:
    """The id an agency receives a report under (its idempotency key): one per document, so a
    retried delivery of the same document is the same report."""
    return str(uuid.uuid5(REPORT_ID_NAMESPACE, f"{case_id}/{recipient_id}/{document_sha256}"))


def supplement_id(case_id: str, number: int) -> str:
    """The n-th supplemental report of a case (``SupplementalReport``): its changed answers."""
    return f"{case_id}/supplement/{number}"


def supplement_recipient_id(recipient_id: str, number: int) -> str:
    """A recipient's copy of the n-th supplemental report, as its records and audit entries
    name it (``county-aps/supplement-1``): the disclosure and document ids, the audit keys and
    the report id are made from it as from a recipient's id."""
    return f"{recipient_id}/supplement-{number}"


def supplemented_recipient_id(copy_id: str) -> str:
    """The recipient a record is about: the recipient's own id, also for its copy of a
    supplement (`supplement_recipient_id`)."""
    recipient_id, _, number = copy_id.rpartition("/supplement-")
    return recipient_id if recipient_id and number.isdigit() else copy_id


def accounting_entry_id(case_id: str, recipient_id: str, channel: str) -> str:
    """The accounting entry (45 CFR 164.528) of a disclosure made by telephone, in person or by
    hand: one per recipient and channel."""
    return str(uuid.uuid5(ACCOUNTING_NAMESPACE, f"{case_id}/{recipient_id}/{channel}"))


# --- decisions, escalations, consultations, exceptions, contact attempts ------------------------


def disclosure_decision_id(case_id: str, recipient_id: str) -> str:
    """The practitioner's decision to disclose (or not) to a recipient the law only permits."""
    return f"{case_id}/disclosure/{recipient_id}"


def inform_client_decision_id(case_id: str) -> str:
    """The decision to inform the client of the disclosure (45 CFR 164.512(c))."""
    return f"{case_id}/inform-client"


def duty_id(case_id: str, deadline_id: str) -> str:
    """A duty the case owes by one deadline (``DutyRecord``)."""
    return f"{case_id}/duty/{deadline_id}"


def escalation_id(case_id: str, deadline_id: str, notify: str) -> str:
    """One step of a deadline's escalation ladder: who was told before it passed."""
    return f"{case_id}/{escalation_key(deadline_id, notify)}"


def consultation_id(case_id: str, round_: int) -> str:
    """One round of the supervisor consultation."""
    return f"{case_id}/consultation/{round_}"


def exception_row_id(case_id: str, exception_id: str) -> str:
    """A disclosure exception's row; ``exception_id`` is the case's own (``exception-1``)."""
    return f"{case_id}/{exception_id}"


def exception_id(number: int) -> str:
    """The n-th disclosure exception asked for in a case, as the workflow numbers them."""
    return f"exception-{number}"


def contact_attempt_id(case_id: str, recipient_id: str, number: int) -> str:
    """The n-th attempt to reach a recipient, as the workflow numbers them."""
    return f"{case_id}/{recipient_id}/{number}"


def contact_deadline_id(recipient_id: str) -> str:
    """The deadline by which one person (or one telephone-only agency) must be reached."""
    return f"contact:{recipient_id}"


def consultation_deadline_id(round_: int) -> str:
    """The deadline of one round of the supervisor's consultation."""
    return f"supervisor-consultation:{round_}"


def exception_deadline_id(exception_id: str) -> str:
    """The deadline of a disclosure exception awaiting a second person's decision."""
    return f"disclosure-exception:{exception_id}"


def acknowledgement_deadline_id(recipient_id: str) -> str:
    """The deadline by which an agency's acknowledgement is followed up."""
    return f"acknowledgement:{recipient_id}"


# --- audit idempotency keys ----------------------------------------------------------------------


def step_key(case_id: str, step: str, suffix: str = "") -> str:
    """The idempotency key of a step's audit entry: a step recorded once per case, or once per
    ``suffix`` (a recipient, a round, a revision)."""
    return f"{case_id}/{step}{'/' + suffix if suffix else ''}"


def revision_suffix(revision: int) -> str:
    """The key suffix of a step done again after the n-th revision of the grounds (none for the
    first grounds)."""
    return f"revision-{revision}" if revision else ""


def additions_suffix(recipient_id: str, additions_revision: int) -> str:
    """The key suffix of a recipient's step done again after the n-th approved disclosure
    exception (the recipient alone the first time)."""
    return recipient_id + (f"/additions-{additions_revision}" if additions_revision else "")


def escalation_key(deadline_id: str, notify: str) -> str:
    """The key suffix of a deadline escalated to someone."""
    return f"{deadline_id}/{notify}"


def contact_attempt_key(recipient_id: str, attempt_id: str) -> str:
    """The key suffix of a contact attempt: the recipient and the attempt's number."""
    return f"{recipient_id}/{attempt_number(attempt_id)}"


def attempt_number(attempt_id: str) -> str:
    """The number that ends a contact attempt's id (`contact_attempt_id`)."""
    return attempt_id.rsplit("/", 1)[-1]


def delivery_problem_key(recipient_id: str, message_sha256: str) -> str:
    """The key suffix of an agency's refusal: one entry per recipient and distinct message."""
    return f"{recipient_id}/{message_sha256[:16]}"
