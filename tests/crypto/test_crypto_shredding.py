"""Crypto-shredding and key rotation, end to end on the real dev server.

At the end of a closed case's retention its data key is destroyed: from then on its Temporal
history and its stored content are ciphertext nobody can read, and the audit log says who did it,
when and why. Rotating the master key in the middle of a case loses nothing, and afterwards the
old master key can be retired.
"""

from __future__ import annotations

import base64
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio.client import Client

from dutyflow.contracts import Actor
from dutyflow.crypto.actor_assertion import asserting
from dutyflow.crypto.codec import EncryptionCodec, PayloadKeyError
from dutyflow.crypto.keyring import CaseKeyring, CaseKeyShredded, MasterKeys, key_store_engine
from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.sealing import bind_keyring
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.demo import example_case as scenario
from dutyflow.domain.case import CaseOpening, Confirmation, GroundsSubmission, PhoneReport
from dutyflow.runtime.temporal import data_converter
from dutyflow.runtime.worker import build_worker
from dutyflow.store import audit_log
from dutyflow.store.db import make_engine, session_factory
from dutyflow.store.tables import CaseRecord, GroundsRecord, ReportDocument
from tests.cli_in_process import in_process
from tests.crypto.history import case_payloads
from tests.reporting import open_report, report_end_to_end, wait_for_stage
from tests.test_mandated_report import ALLOWED_MARKER, grounds_with_markers
from workflows.mandated_report import MandatedReportWorkflow


def later_reader(master_keys: list[bytes], key_store_url: str) -> CaseKeyring:
    """A keyring as another process (or this one, later) has it: nothing cached."""
    return CaseKeyring(key_store_engine(key_store_url), MasterKeys(master_keys), cache_seconds=0)


@pytest.fixture
def keys_cli(monkeypatch, capsys, database_url: str, key_environment: dict[str, str]):
    monkeypatch.setenv("DUTYFLOW_DATABASE_URL", database_url)
    for name, value in key_environment.items():
        monkeypatch.setenv(name, value)
    return in_process(monkeypatch, capsys)


async def test_a_closed_case_loses_its_key_and_every_copy_of_its_content_becomes_unreadable(
    api: httpx.AsyncClient,
    stack,
    payload_key: bytes,
    key_store_url: str,
    database_url: str,
    keys_cli,
) -> None:
    case_id = (await report_end_to_end(api, grounds_with_markers()))["case_id"]
    payloads = await case_payloads(stack.client, case_id)
    reader = EncryptionCodec([payload_key], keyring=later_reader([payload_key], key_store_url))
    readable = await reader.decode(payloads)
    assert any(ALLOWED_MARKER.encode() in p.data for p in readable)  # readable while the key lives

    status, _, err = keys_cli("keys", "shred", "--case", case_id, "--reason", "retention ended")
    assert status == 2 and "--case: its retention runs until" in err  # closed today: kept
    status, out, _ = keys_cli(
        "keys",
        "shred",
        "--case",
        case_id,
        "--reason",
        "court-ordered erasure",
        "--before-retention-end",
    )
    assert status == 0 and "Destroyed the key of" in out

    # Temporal history: every case payload is now ciphertext without a key.
    reader = EncryptionCodec([payload_key], keyring=later_reader([payload_key], key_store_url))
    bound = [p for p in payloads if p.metadata.get("encryption-key-id") == b"case"]
    assert bound and len(bound) == len([p for p in payloads if p.metadata.get("dutyflow-case")])
    for payload in bound:
        with pytest.raises(PayloadKeyError, match="crypto-shredded"):
            await reader.decode([payload])
    # Stored content: no reader can open it.
    engine = bind_keyring(make_engine(database_url), later_reader([payload_key], key_store_url))
    for table in (CaseRecord, GroundsRecord):
        with pytest.raises(CaseKeyShredded), session_factory(engine)() as session:
            session.get(table, case_id)
    # The audit log keeps the destruction (and no content), and its chain still verifies.
    with session_factory(engine)() as session:
        entries = audit_log.entries_for_case(session, case_id)
        destroyed = [e for e in entries if e.step == "case-key-destroyed"]
        assert len(destroyed) == 1 and destroyed[0].actor_id.startswith("cli:")
        assert destroyed[0].details["reason"] == "court-ordered erasure"
        assert destroyed[0].details["before_retention_end"] is True
        assert audit_log.verify(session).intact
    engine.dispose()

    status, out, _ = keys_cli(
        "keys", "shred", "--case", case_id, "--reason", "again", "--before-retention-end"
    )
    assert status == 0  # idempotent: nothing more to destroy, nothing audited twice
    with session_factory(stack.engine)() as session:
        assert [e.step for e in audit_log.entries_for_case(session, case_id)].count(
            "case-key-destroyed"
        ) == 1


async def test_an_open_case_never_loses_its_key(api: httpx.AsyncClient, keys_cli) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")  # opened and recorded, not closed

    status, _, err = keys_cli(
        "keys", "shred", "--case", case_id, "--reason", "mistake", "--before-retention-end"
    )

    assert status == 2 and "--case: the case is still open" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--case", "../etc/passwd", "--reason", "x"], "--case: must be an opaque case id"),
        (["--case", "case-0123", "--reason", "  "], "--reason: required"),
        (["--case", "case-unknown-0000", "--reason", "x"], "--case: no such case"),
    ],
)
def test_shredding_refuses_bad_input_naming_the_option(
    keys_cli, argv: list[str], message: str
) -> None:
    status, _, err = keys_cli("keys", "shred", *argv)
    assert status == 2 and message in err


async def test_rotating_the_master_key_mid_case_loses_nothing_and_retires_the_old_key(
    temporal_address: str, database_url: str, stack, tmp_path, monkeypatch, capsys
) -> None:
    old, new = AESGCM.generate_key(bit_length=256), AESGCM.generate_key(bit_length=256)
    key_store = f"sqlite:///{tmp_path / 'rotation-keys.db'}"
    task_queue = f"rotation-{uuid.uuid4()}"

    async def run_worker_with(masters: list[bytes]):
        ring = later_reader(masters, key_store)
        client = await Client.connect(
            temporal_address,
            data_converter=data_converter(masters, ring),
            interceptors=[UpdateActors(derived_actor_assertion_key(masters[0]))],
        )
        engine: Engine = bind_keyring(make_engine(database_url), ring)
        return client, engine, ring

    # Before: the old master key alone. The case is opened and its grounds documented.
    client, engine, _ = await run_worker_with([old])
    opening = CaseOpening(case_id=f"case-{uuid.uuid4().hex}", **scenario.opening_request())
    async with (
        httpx.AsyncClient(timeout=30) as http,
        build_worker(
            client,
            task_queue=task_queue,
            sessions=session_factory(engine),
            policies=stack.policies,
            directory=stack.directory,
            http=http,
            executor=ThreadPoolExecutor(4),
            secrets=stack.secrets,
            acknowledgement_base_url=None,
        ),
    ):
        handle = await client.start_workflow(
            MandatedReportWorkflow.run, opening, id=opening.case_id, task_queue=task_queue
        )
        with asserting(Actor(actor_id=opening.practitioner_id, role="practitioner")):
            await handle.execute_update(
                MandatedReportWorkflow.document_grounds,
                GroundsSubmission.model_validate(scenario.grounds_submission()),
            )
    engine.dispose()

    # Rotation: the new key first, the old one after it; every case key re-wrapped.
    monkeypatch.setenv("DUTYFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("DUTYFLOW_KEY_STORE_URL", key_store)
    monkeypatch.setenv(
        "DUTYFLOW_MASTER_KEYS", ",".join(base64.b64encode(k).decode() for k in (new, old))
    )
    run = in_process(monkeypatch, capsys)
    status, out, _ = run("keys", "rotate")
    assert status == 0 and "Re-wrapped 1 case keys" in out

    # After: the old master key retired. The same case finishes, and all of it stays readable.
    client, engine, ring = await run_worker_with([new])
    async with (
        httpx.AsyncClient(timeout=30) as http,
        build_worker(
            client,
            task_queue=task_queue,
            sessions=session_factory(engine),
            policies=stack.policies,
            directory=stack.directory,
            http=http,
            executor=ThreadPoolExecutor(4),
            secrets=stack.secrets,
            acknowledgement_base_url=None,
        ),
    ):
        handle = client.get_workflow_handle_for(MandatedReportWorkflow.run, opening.case_id)
        with asserting(Actor(actor_id=opening.practitioner_id, role="practitioner")):
            status_now = await handle.execute_update(
                MandatedReportWorkflow.record_phone_report,
                PhoneReport.model_validate(scenario.phone_report()),
            )
            await handle.execute_update(
                MandatedReportWorkflow.confirm_report,
                Confirmation(
                    practitioner_id=opening.practitioner_id,
                    review_sha256=status_now.review_sha256 or "",
                ),
            )
        outcome = await handle.result()
    assert outcome.deliveries

    reader = EncryptionCodec([new], keyring=later_reader([new], key_store))
    decoded = await reader.decode(await case_payloads(client, opening.case_id))
    assert decoded
    assert all(p.metadata.get("encoding") != b"binary/encrypted" for p in decoded)
    with session_factory(engine)() as session:
        assert session.get(GroundsRecord, opening.case_id).submission
        assert session.exec(
            select(ReportDocument).where(ReportDocument.case_id == opening.case_id)
        ).all()
    assert set(ring.count_by_master_key()) == {ring.master.newest_id}
    engine.dispose()
