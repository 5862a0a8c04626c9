"""The signed agency messages Dutyflow has accepted (`dutyflow.crypto.standard_webhooks`
replay protection), kept in the case database so that a restarted API still refuses a replay.

A message is its (id, timestamp) pair: a genuine retry is signed again with a new timestamp; the
same pair again is a captured request played back. Pairs older than twice the signing tolerance
are deleted as new ones arrive (the tolerance alone refuses them by then).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete

from dutyflow.crypto.standard_webhooks import TOLERANCE_SECONDS
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import SeenWebhookMessage


class DatabaseSeenMessages:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    def first_sighting(self, message_id: str, timestamp: int, now: float) -> bool:
        try:
            with self._sessions() as session, session.begin():
                session.exec(
                    delete(SeenWebhookMessage).where(
                        col(SeenWebhookMessage.timestamp) < int(now) - 2 * TOLERANCE_SECONDS
                    )
                )
                session.add(SeenWebhookMessage(message_id=message_id, timestamp=timestamp))
        except IntegrityError:
            return False
        return True
