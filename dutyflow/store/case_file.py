"""Reading a case back from its records."""

from __future__ import annotations

from sqlmodel import Session, select

from dutyflow.domain.case import CaseFile, CaseOpening, GroundsSubmission, PhoneReport
from dutyflow.store.tables import CaseRecord, GroundsRecord, ObligationRecord, PhoneReportRecord


class CaseNotFound(LookupError):
    pass


def load_case(session: Session, case_id: str) -> CaseRecord:
    case = session.get(CaseRecord, case_id)
    if case is None:
        raise CaseNotFound(f"case {case_id} has no record")
    return case


def load_case_file(session: Session, case_id: str) -> CaseFile:
    case = load_case(session, case_id)
    opening = CaseOpening.model_validate(case.opening)
    grounds_row = session.get(GroundsRecord, case_id)
    if grounds_row is None:
        raise CaseNotFound(f"case {case_id} has no documented grounds")
    submission = GroundsSubmission.model_validate(grounds_row.submission)
    phone_row = session.get(PhoneReportRecord, case_id)
    # Every section the practitioner documented (those of the case's kind), as submitted.
    sections = {name: getattr(submission, name) for name in type(submission).model_fields}
    return CaseFile(
        reporter=opening.reporter,
        **sections,
        phone_report=PhoneReport.model_validate(phone_row.phone_report) if phone_row else None,
    )


def obligations_for(session: Session, case_id: str) -> list[ObligationRecord]:
    return list(session.exec(select(ObligationRecord).where(ObligationRecord.case_id == case_id)))
