"""The key hierarchy: one data key per case, wrapped by a master key; rotation of master keys;
destroying a case's key. Each key store runs on SQLite, and on PostgreSQL when it is given."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update

from dutyflow.crypto.keyring import (
    CASE_KEYS,
    CaseKeyMissing,
    CaseKeyring,
    CaseKeyShredded,
    KeyringError,
    MasterKeys,
    key_store_engine,
    parse_master_keys,
)
from tests.conftest import empty_database

OLD, NEW = AESGCM.generate_key(bit_length=256), AESGCM.generate_key(bit_length=256)


@pytest.fixture(params=["sqlite", "postgresql"])
def key_store(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    yield from empty_database(request.param, tmp_path / "keys.db")


def ring(url: str, *masters: bytes) -> CaseKeyring:
    return CaseKeyring(key_store_engine(url), MasterKeys(list(masters)), cache_seconds=0)


def new_case() -> str:
    return f"case-{uuid.uuid4().hex}"


def test_a_case_gets_one_data_key_made_on_first_use_and_readers_never_make_one(
    key_store: str,
) -> None:
    keyring, case = ring(key_store, OLD), new_case()

    with pytest.raises(CaseKeyMissing):
        keyring.data_key(case, create=False)
    made = keyring.data_key(case, create=True)

    assert keyring.data_key(case, create=False) == made
    assert ring(key_store, OLD).data_key(case, create=True) == made  # another process: the same key
    assert keyring.data_key(new_case(), create=True) != made  # every case its own key


def test_concurrent_first_uses_agree_on_one_key(key_store: str) -> None:
    case = new_case()
    rings = [ring(key_store, OLD) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        keys = set(pool.map(lambda r: r.data_key(case, create=True), rings))
    assert len(keys) == 1


def test_the_key_store_holds_no_data_key_in_clear_and_a_wrapped_key_is_bound_to_its_case(
    key_store: str,
) -> None:
    keyring = ring(key_store, OLD)
    first, second = new_case(), new_case()
    key = keyring.data_key(first, create=True)
    keyring.data_key(second, create=True)
    with keyring.engine.begin() as connection:
        wrapped = connection.execute(
            select(CASE_KEYS.c.wrapped_key).where(CASE_KEYS.c.case_id == first)
        ).scalar_one()
        assert key.hex() not in wrapped and key not in wrapped.encode()
        # Copy the first case's wrapped key onto the second case's row: it does not unwrap there.
        connection.execute(
            update(CASE_KEYS).where(CASE_KEYS.c.case_id == second).values(wrapped_key=wrapped)
        )

    with pytest.raises(KeyringError, match="does not unwrap"):
        keyring.data_key(second, create=False)


def test_rotation_new_master_wraps_old_still_unwraps_and_rewrap_retires_the_old(
    key_store: str,
) -> None:
    case = new_case()
    key = ring(key_store, OLD).data_key(case, create=True)

    rotated = ring(key_store, NEW, OLD)
    assert rotated.data_key(case, create=False) == key  # the old master key still unwraps
    later = new_case()
    rotated.data_key(later, create=True)
    assert rotated.count_by_master_key()[rotated.master.newest_id] >= 1  # new keys under NEW

    assert rotated.rewrap_all() >= 1
    assert rotated.rewrap_all() == 0  # nothing left under an old key
    assert set(rotated.count_by_master_key()) == {rotated.master.newest_id}
    assert ring(key_store, NEW).data_key(case, create=False) == key  # OLD can be retired
    with pytest.raises(KeyringError, match="not configured"):
        ring(key_store, OLD).data_key(case, create=False)


def test_a_shredded_case_key_is_gone_for_good_and_never_made_again(key_store: str) -> None:
    keyring, case = ring(key_store, OLD), new_case()
    keyring.data_key(case, create=True)

    state = keyring.shred(case, by="admin-1", reason="retention ended")

    assert state.shredded and state.shredded_by == "admin-1" and state.master_key_id is None
    with pytest.raises(CaseKeyShredded):
        keyring.data_key(case, create=False)
    with pytest.raises(CaseKeyShredded):
        keyring.data_key(case, create=True)
    with keyring.engine.connect() as connection:
        assert (
            connection.execute(
                select(CASE_KEYS.c.wrapped_key).where(CASE_KEYS.c.case_id == case)
            ).scalar_one()
            is None
        )
    assert keyring.shred(case, by="admin-2", reason="again").shredded_by == "admin-1"  # idempotent


def test_a_process_that_shreds_forgets_its_cached_key_at_once(key_store: str) -> None:
    keyring = CaseKeyring(key_store_engine(key_store), MasterKeys([OLD]), cache_seconds=3600)
    case = new_case()
    keyring.data_key(case, create=True)
    keyring.shred(case, by="admin-1", reason="retention ended")
    with pytest.raises(CaseKeyShredded):
        keyring.data_key(case, create=False)


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("", "at least one key"),
        ("not base64!", "master key 1: not valid base64"),
        ("c2hvcnQ=", "master key 1: must be 32 bytes"),
    ],
)
def test_master_key_settings_are_checked_naming_the_key(setting: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_master_keys(setting)
