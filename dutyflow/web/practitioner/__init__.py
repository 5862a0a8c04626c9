"""The practitioner's pages: their cases (`reports`), a case's page with its grounds and review
(`case`), the steps taken from it (`steps`), withdrawing a case before its grounds
(`withdrawal`), a supplemental report on a delivered case (`supplement`), the client's privacy
notice (`privacy_notice`), the PDF copy of each report as sent (`sent_copies`), and the steps of
the portal, fax and post channels (`channels`). The case page is also the supervisor's and
compliance's view of a case.
"""

from fastapi import APIRouter

from dutyflow.web.practitioner import (
    case,
    channels,
    privacy_notice,
    reports,
    sent_copies,
    steps,
    supplement,
    withdrawal,
)

router = APIRouter()
for part in (
    reports.router,
    case.router,
    steps.router,
    privacy_notice.router,
    sent_copies.router,
    channels.router,
    withdrawal.router,
    supplement.router,
):
    router.include_router(part)

__all__ = ["router"]
