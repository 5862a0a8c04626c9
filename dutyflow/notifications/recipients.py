"""Who is told at a step of the ladder: the case's practitioner, the supervisors of the case's
clinic, or the compliance officers; only enabled accounts with an e-mail address that want
notifications by e-mail."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from dutyflow.store.tables import CaseRecord, UserAccount


def people_to_tell(session: Session, case_id: str, role: str) -> Sequence[UserAccount]:
    case = session.get(CaseRecord, case_id)
    if case is None:
        return []
    query = (
        select(UserAccount)
        .where(col(UserAccount.disabled).is_(False))
        .where(col(UserAccount.email).is_not(None))
        .where(col(UserAccount.notify_by_email).is_(True))
    )
    if role == "practitioner":
        query = query.where(col(UserAccount.user_id) == case.practitioner_id)
    elif role == "supervisor":
        query = query.where(col(UserAccount.role) == "supervisor").where(
            col(UserAccount.clinic_id) == case.clinic_id
        )
    elif role == "compliance":
        query = query.where(col(UserAccount.role) == "compliance")
    else:
        return []
    return session.exec(query.order_by(col(UserAccount.user_id))).all()
