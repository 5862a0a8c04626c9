"""Reading a case back from its records."""

from __future__ import annotations

from sqlmodel import Session, col, select

from dutyflow.domain.case import CaseFile, CaseOpening, GroundsSubmission, PhoneReport
from dutyflow.store.tables import (
    CaseRecord,
    GroundsRecord,
    ObligationRecord,
    PhoneReportRecord,
    SupplementalReport,
)


class CaseNotFound(LookupError):
    pass


def load_case(session: Session, case_id: str) -> CaseRecord:
    case = session.get(CaseRecord, case_id)
    if case is None:
        raise CaseNotFound(f"case {case_id} has no record")
    return case


def load_submission(session: Session, case_id: str, supplement: int = 0) -> GroundsSubmission:
    """The grounds as documented, or as they stand after the ``supplement``-th supplemental
    report (0: as documented; -1: after the latest supplement, if any)."""
    if supplement:
        rows = supplements_for(session, case_id)
        chosen = rows[-1:] if supplement < 0 else [r for r in rows if r.number == supplement]
        if chosen:
            return GroundsSubmission.model_validate(chosen[0].submission)
        if supplement > 0:
            raise CaseNotFound(f"case {case_id} has no supplemental report {supplement}")
    grounds_row = session.get(GroundsRecord, case_id)
    if grounds_row is None:
        raise CaseNotFound(f"case {case_id} has no documented grounds")
    return GroundsSubmission.model_validate(grounds_row.submission)


def supplements_for(session: Session, case_id: str) -> list[SupplementalReport]:
    """A case's supplemental reports, in order."""
    return list(
        session.exec(
            select(SupplementalReport)
            .where(SupplementalReport.case_id == case_id)
            .order_by(col(SupplementalReport.number))
        )
    )


def load_case_file(session: Session, case_id: str, supplement: int = 0) -> CaseFile:
    """The case file as documented, or as the ``supplement``-th supplemental report has it."""
    case = load_case(session, case_id)
    opening = CaseOpening.model_validate(case.opening)
    submission = load_submission(session, case_id, supplement)
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
