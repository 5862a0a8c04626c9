"""The audit chain: any edit, deletion or reordering is detected at the entry where it happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dutyflow.domain.audit import GENESIS_HASH, entry_hash, verify_chain


def chain(length: int = 5) -> list[dict]:
    entries, prev = [], GENESIS_HASH
    start = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    for seq in range(1, length + 1):
        entry = {
            "seq": seq,
            "entry_id": f"entry-{seq}",
            "recorded_at": start + timedelta(seconds=seq),
            "case_id": "case-1",
            "step": f"step-{seq}",
            "actor_id": "dutyflow-worker",
            "actor_role": "system",
            "content_sha256": "ab" * 32,
            "details": {"n": seq},
            "idempotency_key": f"case-1/step-{seq}",
        }
        entry["prev_hash"] = prev
        entry["entry_hash"] = prev = entry_hash(prev, entry)
        entries.append(entry)
    return entries


def test_an_untouched_chain_verifies() -> None:
    result = verify_chain(chain())

    assert result.intact and result.checked == 5


def test_an_edited_entry_is_detected_at_that_entry() -> None:
    entries = chain()
    entries[2]["details"] = {"n": 999}

    result = verify_chain(entries)

    assert result.first_broken_seq == 3


def test_a_deleted_entry_is_detected() -> None:
    entries = chain()
    del entries[1]

    assert verify_chain(entries).first_broken_seq == 3


def test_reordered_entries_are_detected() -> None:
    entries = chain()
    entries[1], entries[2] = entries[2], entries[1]

    assert verify_chain(entries).first_broken_seq == 3


def test_a_rehashed_edit_still_breaks_the_next_link() -> None:
    entries = chain()
    entries[1]["step"] = "forged"
    entries[1]["entry_hash"] = entry_hash(entries[1]["prev_hash"], entries[1])

    assert verify_chain(entries).first_broken_seq == 3
