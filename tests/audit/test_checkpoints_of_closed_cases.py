"""A closed case's whole audit record is covered by a signed checkpoint written outside the
database at its closing; the API serves the latest checkpoint to anyone (a witness needs no
account); the compliance timeline and the FHIR AuditEvent say where each entry is in the tree
and which checkpoint covers it."""

from __future__ import annotations

from pathlib import Path

import httpx

from dutyflow.compliance.timeline import case_timeline, timeline_text
from dutyflow.crypto.signed_note import NoteSigner
from dutyflow.domain.checkpoint import Checkpoint
from dutyflow.interop.export import export_case
from dutyflow.store import audit_log, audit_tree
from dutyflow.store.audit_checkpoints import kept_checkpoints
from tests.reporting import report_end_to_end


async def test_a_case_closing_writes_a_checkpoint_covering_its_whole_record(
    api: httpx.AsyncClient, stack, audit_signer: NoteSigner, session_checkpoints: Path
) -> None:
    status = await report_end_to_end(api)

    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, status["case_id"])
        closing = next(e for e in entries if e.step == "outcome-recorded")
        leaf = audit_tree.leaf_of(session, closing.seq)
    kept = kept_checkpoints(session_checkpoints, audit_signer.verifier)
    assert leaf is not None
    assert any(k.size > leaf.leaf_index for k in kept), "no checkpoint file covers the closing"


async def test_the_latest_checkpoint_is_served_to_anyone(
    api: httpx.AsyncClient, stack, audit_signer: NoteSigner
) -> None:
    await report_end_to_end(api)

    async with httpx.AsyncClient(base_url=str(api.base_url)) as anonymous:
        answer = await anonymous.get("/audit/checkpoint")

    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    checkpoint = Checkpoint.parse(audit_signer.verifier.open(answer.text))
    with stack.sessions() as session:
        latest = audit_log.latest_database_checkpoint(session)
    assert latest is not None and checkpoint.size == latest.tree_size
    assert checkpoint.origin == audit_signer.name


async def test_the_timeline_gives_each_entry_its_leaf_and_covering_checkpoint(
    api: httpx.AsyncClient, stack
) -> None:
    status = await report_end_to_end(api)

    timeline = await case_timeline(stack.client, stack.sessions, status["case_id"])

    audited = [e for e in timeline.events if e.source == "audit"]
    assert audited and all(e.leaf_index is not None for e in audited)
    assert all(e.checkpoint is not None and e.checkpoint.size > e.leaf_index for e in audited)
    assert "leaf " in timeline_text(timeline)


async def test_the_fhir_audit_event_names_the_disclosures_leaf_and_checkpoint(
    api: httpx.AsyncClient, stack
) -> None:
    status = await report_end_to_end(api)

    with stack.sessions() as session:
        bundle = export_case(session, status["case_id"])
        [delivered] = [
            e
            for e in audit_log.entries_for_case(session, status["case_id"])
            if e.step == "report-delivered"
        ]
        leaf = audit_tree.leaf_of(session, delivered.seq)
    [event] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AuditEvent"
    ]
    details = {d["type"]: d["valueString"] for d in event["entity"][1]["detail"]}
    assert leaf is not None
    assert details["audit-entry-seq"] == str(delivered.seq)
    assert details["audit-leaf-index"] == str(leaf.leaf_index)
    assert int(details["audit-checkpoint-size"]) > leaf.leaf_index
    assert details["audit-checkpoint-origin"] == "dutyflow.test/audit-log"
