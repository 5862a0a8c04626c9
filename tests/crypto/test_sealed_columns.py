"""Case content is sealed at rest: what the code reads and writes in clear, the database holds
only as ciphertext under the case's own key. Runs on SQLite, and on PostgreSQL when given."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dutyflow.crypto.keyring import CaseKeyring, CaseKeyShredded, MasterKeys, key_store_engine
from dutyflow.crypto.sealing import PREFIX, SealingError, bind_keyring
from dutyflow.store import migrate
from dutyflow.store.db import make_engine, session_factory
from dutyflow.store.tables import CaseRecord, GroundsRecord
from tests.conftest import empty_database
from tests.raw_files import database_files


def marker() -> str:
    return f"SEALMARKER{uuid.uuid4().hex[:12]}"


def case_record(case_id: str, secret: str) -> CaseRecord:
    return CaseRecord(
        case_id=case_id,
        jurisdiction="US-CA",
        kind="child-abuse",
        county="Demo County",
        clinic_id="clinic-demo-01",
        practitioner_id="practitioner-0042",
        client_id="client-seal",
        policy_version="2026.1",
        opening={"reporter": {"name": secret}},
    )


def write_case(engine: Engine, secret: str) -> str:
    case_id = f"case-{uuid.uuid4().hex}"
    with session_factory(engine)() as session, session.begin():
        session.add(case_record(case_id, secret))
        session.add(
            GroundsRecord(
                case_id=case_id,
                submission={"narrative": secret},
                content_sha256="0" * 64,
                suspicion_formed_at=datetime.now(UTC),
                recorded_by="practitioner-0042",
            )
        )
    return case_id


def stored(engine: Engine, table: str, column: str, case_id: str) -> str:
    with engine.connect() as connection:
        return connection.execute(
            text(f"SELECT {column} FROM {table} WHERE case_id = :case"), {"case": case_id}
        ).scalar_one()


def test_content_reads_back_in_clear_and_is_stored_only_sealed(
    engine: Engine, database_url: str
) -> None:
    secret = marker()
    case_id = write_case(engine, secret)

    with session_factory(engine)() as session:
        assert session.get(CaseRecord, case_id).opening == {"reporter": {"name": secret}}
        assert session.get(GroundsRecord, case_id).submission == {"narrative": secret}
    for table, column in (("case_record", "opening"), ("grounds_record", "submission")):
        raw = stored(engine, table, column, case_id)
        assert raw.startswith(PREFIX) and secret not in raw
    if database_url.startswith("sqlite"):
        for path, data in database_files(database_url).items():  # the file, its WAL, shared memory
            assert secret.encode() not in data, path


def test_an_engine_without_a_keyring_refuses_to_write_content_and_writes_nothing(
    engine: Engine, database_url: str
) -> None:
    bare = make_engine(database_url)
    case_id = f"case-{uuid.uuid4().hex}"
    with (
        pytest.raises(SealingError, match="no keyring"),
        session_factory(bare)() as session,
        session.begin(),
    ):
        session.add(case_record(case_id, marker()))
    with engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM case_record WHERE case_id = :case"), {"case": case_id}
            ).scalar_one()
            == 0
        )
    bare.dispose()


def test_a_sealed_value_moved_to_another_case_does_not_open(engine: Engine) -> None:
    first, second = write_case(engine, marker()), write_case(engine, marker())
    moved = stored(engine, "grounds_record", "submission", first)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE grounds_record SET submission = :moved WHERE case_id = :case"),
            {"moved": moved, "case": second},
        )
    with pytest.raises(SealingError, match="does not open"), session_factory(engine)() as session:
        session.get(GroundsRecord, second)


def test_once_a_case_key_is_destroyed_its_content_cannot_be_loaded_but_other_cases_can(
    engine: Engine, keyring: CaseKeyring
) -> None:
    gone, kept = write_case(engine, marker()), write_case(engine, marker())

    keyring.shred(gone, by="admin-1", reason="retention ended")

    with pytest.raises(CaseKeyShredded), session_factory(engine)() as session:
        session.get(CaseRecord, gone)
    with session_factory(engine)() as session:
        assert session.get(CaseRecord, kept).opening["reporter"]["name"].startswith("SEALMARKER")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from empty_database(request.param, tmp_path / "fresh.db")


def test_the_migration_seals_content_stored_in_clear_before_it_and_refuses_without_keys(
    fresh_url: str, tmp_path: Path
) -> None:
    secret, case_id = marker(), f"case-{uuid.uuid4().hex}"
    plain = make_engine(fresh_url)
    migrate.upgrade(plain, "0005")
    with plain.begin() as connection:  # a case stored by a Dutyflow before revision 0006
        connection.execute(
            text(
                "INSERT INTO case_record (case_id, jurisdiction, kind, county, clinic_id, "
                "practitioner_id, client_id, policy_version, opening, opened_at) "
                "VALUES (:case, 'US-CA', 'child-abuse', 'Demo', "
                "'clinic-1', 'practitioner-1', 'client-1', '2026.1', :opening, :now)"
            ),
            {
                "case": case_id,
                "opening": f'{{"reporter":{{"name":"{secret}"}}}}',
                "now": datetime.now(UTC),
            },
        )

    with pytest.raises(RuntimeError, match="no keyring is bound"):
        migrate.upgrade(plain, "head")
    assert migrate.current_revision(plain) == "0005"
    assert secret in str(stored(plain, "case_record", "opening", case_id))  # untouched, in clear

    keyring = CaseKeyring(
        key_store_engine(f"sqlite:///{tmp_path / 'keys.db'}"),
        MasterKeys([AESGCM.generate_key(bit_length=256)]),
    )
    sealed = bind_keyring(make_engine(fresh_url), keyring)
    migrate.upgrade(sealed, "head")

    raw = stored(sealed, "case_record", "opening", case_id)
    assert raw.startswith(PREFIX) and secret not in raw
    with session_factory(sealed)() as session:
        assert session.get(CaseRecord, case_id).opening == {"reporter": {"name": secret}}
    plain.dispose()
    sealed.dispose()
