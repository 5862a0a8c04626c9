"""The audit hash chain, as pure functions.

Each entry's hash covers the previous entry's hash and the entry's own canonical content, so
editing, deleting or reordering any entry breaks the chain at that entry. Entries hold ids,
field names and content hashes, never the content itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    ).encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return canonical_time(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot hash a {type(value).__name__}")


def canonical_time(value: datetime) -> str:
    """UTC, microsecond precision: the form both SQLite and PostgreSQL give back unchanged."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def content_sha256(value: Any) -> str:
    """Hash of a step's content: lets an auditor prove what was handled without storing it here."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


HASHED_FIELDS = (
    "seq",
    "entry_id",
    "recorded_at",
    "case_id",
    "step",
    "actor_id",
    "actor_role",
    "content_sha256",
    "details",
    "idempotency_key",
)


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    content = {name: entry[name] for name in HASHED_FIELDS}
    content["recorded_at"] = canonical_time(content["recorded_at"])
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(content)).hexdigest()


_encode = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _hash_with_stored_details(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """`entry_hash` for an entry whose ``details`` is the canonical JSON text as stored: the
    canonical form is assembled around it instead of parsing and re-serialising it."""
    text = (
        '{"actor_id":'
        + _encode(entry["actor_id"])
        + ',"actor_role":'
        + _encode(entry["actor_role"])
        + ',"case_id":'
        + _encode(entry["case_id"])
        + ',"content_sha256":'
        + _encode(entry["content_sha256"])
        + ',"details":'
        + entry["details"]
        + ',"entry_id":'
        + _encode(entry["entry_id"])
        + ',"idempotency_key":'
        + _encode(entry["idempotency_key"])
        + ',"recorded_at":'
        + _encode(canonical_time(entry["recorded_at"]))
        + ',"seq":'
        + str(int(entry["seq"]))
        + ',"step":'
        + _encode(entry["step"])
        + "}"
    )
    return hashlib.sha256(prev_hash.encode("ascii") + text.encode("utf-8")).hexdigest()


def link_holds(prev_hash: str, entry: Mapping[str, Any]) -> bool:
    """Does the entry's stored hash cover ``prev_hash`` and its content? ``details`` may be the
    parsed value or its stored JSON text (fast path; text stored before JSON was kept canonical
    is parsed and checked the slow way)."""
    details = entry["details"]
    if not isinstance(details, str):
        return entry_hash(prev_hash, entry) == entry["entry_hash"]
    if _hash_with_stored_details(prev_hash, entry) == entry["entry_hash"]:
        return True
    parsed = dict(entry)
    parsed["details"] = json.loads(details)
    return entry_hash(prev_hash, parsed) == entry["entry_hash"]


@dataclass(frozen=True)
class ChainVerification:
    checked: int
    first_broken_seq: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(entries: Iterable[Mapping[str, Any]]) -> ChainVerification:
    """Check entries in ``seq`` order; name the first one whose link or hash does not hold."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in entries:
        seq = entry["seq"]
        if seq != expected_seq:
            return ChainVerification(checked, seq, f"expected entry {expected_seq}, found {seq}")
        if entry["prev_hash"] != expected_prev:
            return ChainVerification(checked, seq, "does not link to the previous entry")
        if not link_holds(expected_prev, entry):
            return ChainVerification(checked, seq, "content does not match its hash")
        expected_prev = entry["entry_hash"]
        expected_seq += 1
        checked += 1
    return ChainVerification(checked)
