"""The worker's record of payloads it refused for a case (`dutyflow.crypto.codec`): one audit
entry per refused payload, naming the case, the reason (not encrypted, unbound, bound to another
case) and the payload's hash, never its content; and a warning in the log without either."""

from __future__ import annotations

import asyncio
import logging

from dutyflow.contracts import SYSTEM
from dutyflow.crypto.codec import PayloadRefusal
from dutyflow.domain.audit import content_sha256
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step

logger = logging.getLogger("dutyflow.worker")


def audited_refusals(sessions: SessionFactory) -> PayloadRefusal:
    async def audit(case_id: str, reason: str, received_sha256: str) -> None:
        logger.warning("payload refused for a case", extra={"reason": reason})
        details = {"reason": reason, "payload_sha256": received_sha256}
        await asyncio.to_thread(
            record_step,
            sessions,
            case_id=case_id,
            step="payload-refused",
            key_suffix=received_sha256,
            actor=SYSTEM,
            content_sha256=content_sha256(details),
            details=details,
        )

    return audit
