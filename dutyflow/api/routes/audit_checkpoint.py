"""``GET /audit/checkpoint``: the audit log's latest signed checkpoint, for a compliance officer or
an external witness to fetch and keep.

It is public (no bearer token): a checkpoint holds the log's origin, its size and its root hash,
no case content and no id, and a witness must be able to fetch it without an account. What it
tells an outsider is how many entries the log holds. It is a C2SP signed note (``text/plain``):
check it with the log's verifier key (``dutyflow audit public-key``), never trust it unchecked.
It is served from the copy in the database; a database attacker can only serve an older one,
which a witness holding a newer checkpoint sees at once.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from dutyflow.api.deps import SessionsDep
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory

CHECKPOINT_PATH = "/audit/checkpoint"

router = APIRouter()


def _latest_note(sessions: SessionFactory) -> str | None:
    with sessions() as session:
        latest = audit_log.latest_database_checkpoint(session)
        return latest.signed_note if latest is not None else None


@router.get(
    CHECKPOINT_PATH,
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}},
)
async def latest_checkpoint(sessions: SessionsDep) -> PlainTextResponse:
    """The latest signed checkpoint of the audit log (C2SP signed note), served to anyone."""
    note = await run_in_threadpool(_latest_note, sessions)
    if note is None:
        raise HTTPException(status_code=404, detail="the audit log has no checkpoint yet")
    return PlainTextResponse(note, headers={"cache-control": "no-store"})
