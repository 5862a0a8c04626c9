"""Audit entries as pure functions: the leaf each entry is in the log's Merkle tree, and the hash
chain that protected entries written before the tree existed.

**The leaf.** An entry's leaf is the RFC 8785 (JCS) canonical JSON of its `LEAF_FIELDS`
(``recorded_at`` as an ISO 8601 UTC string with microseconds, ``details`` as JSON), hashed as an
RFC 9162 leaf (`dutyflow.domain.merkle.leaf_hash`); any verifier in any language gets the same
bytes. Entries hold ids, field names and content hashes, never the content itself.

**The old chain.** Before revision 0011 each entry's hash covered the previous entry's hash and
its own canonical content (`entry_hash`); those entries keep their chain, which still verifies
(`verify_chain`, `link_holds`), and are also leaves of the tree. Entries written since have no
chain: the tree and its signed checkpoints protect them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import rfc8785

from dutyflow.domain.merkle import leaf_hash

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


LEAF_FIELDS = HASHED_FIELDS


def leaf_bytes(entry: Mapping[str, Any]) -> bytes:
    """The entry's leaf: the JCS canonical JSON of its `LEAF_FIELDS`. ``details`` may be the
    parsed value or its stored JSON text. The object is assembled around the JCS form of
    ``details``: its other members are ASCII-keyed strings and an integer, which JCS writes as
    `_leaf_text_with_stored_details` does (a property test holds it to ``rfc8785.dumps``)."""
    details = entry["details"]
    text = details if isinstance(details, str) else json.dumps(details)
    return _leaf_text_with_stored_details({**entry, "details": _jcs_details(text)})


@lru_cache(maxsize=4096)
def _jcs_details(stored: str) -> str:
    return rfc8785.dumps(json.loads(stored)).decode("utf-8")


def exported_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The entry as a JSON object of its `LEAF_FIELDS`: its leaf is exactly this object's JCS
    form, so anyone holding it can recompute the leaf hash."""
    exported = {name: entry[name] for name in LEAF_FIELDS}
    exported["recorded_at"] = canonical_time(exported["recorded_at"])
    if isinstance(exported["details"], str):
        exported["details"] = json.loads(exported["details"])
    return exported


def entry_leaf_hash(entry: Mapping[str, Any]) -> bytes:
    return leaf_hash(leaf_bytes(entry))


def leaf_holds(stored_leaf_hash: bytes, entry: Mapping[str, Any]) -> bool:
    """Is ``stored_leaf_hash`` the leaf hash of this entry's content? Fast path first: the leaf
    assembled around ``details`` as stored (canonical JSON text, the JCS form for the details
    Dutyflow writes). A match there proves the content (the stored hash was made by the exact
    JCS path); otherwise the exact path decides."""
    details = entry["details"]
    if isinstance(details, str):
        fast = _leaf_text_with_stored_details(entry)
        if hashlib.sha256(b"\x00" + fast).digest() == stored_leaf_hash:
            return True
    return entry_leaf_hash(entry) == stored_leaf_hash


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    content = {name: entry[name] for name in HASHED_FIELDS}
    content["recorded_at"] = canonical_time(content["recorded_at"])
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(content)).hexdigest()


_encode = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _leaf_text_with_stored_details(entry: Mapping[str, Any]) -> bytes:
    """The canonical JSON of the hashed fields with ``details`` as its stored text, assembled
    rather than parsed and re-serialised (verification of millions of entries is bound by this).
    The keys are ASCII and in JCS order; the strings are escaped as JCS escapes them."""
    return (
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
    ).encode("utf-8")


def _hash_with_stored_details(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """`entry_hash` for an entry whose ``details`` is the canonical JSON text as stored."""
    return hashlib.sha256(
        prev_hash.encode("ascii") + _leaf_text_with_stored_details(entry)
    ).hexdigest()


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
    """Check old-chain entries in ``seq`` order; name the first one whose link or hash does not
    hold."""
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
