"""The audit log's Merkle tree, as RFC 9162 (Certificate Transparency 2.0, section 2.1) defines it,
in pure functions: leaf and node hashing, the tree head of any size, inclusion and consistency
proofs, and their verification.

A tree's nodes are read through a `NodeSource`: ``node(level, index)`` is the hash of the perfect
subtree of ``2**level`` leaves starting at leaf ``index * 2**level`` (level 0: the leaf hashes).
Every subtree the RFC's algorithms need is either such a perfect subtree or the right edge of one,
so a store that keeps the perfect subtrees (`dutyflow.store.audit_tree`) answers any proof with
O(log^2 n) look-ups, and `MemoryTree` answers them for a tree rebuilt in memory by the verifier.

What does not live here: how entries become leaves (`dutyflow.domain.audit`), checkpoints and
their signatures (`dutyflow.domain.checkpoint`, `dutyflow.crypto.signed_note`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}): the head of the empty tree

NodeSource = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof that cannot be asked for (e.g. a leaf beyond the tree) or is malformed."""


def leaf_hash(leaf: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """k, the largest power of two smaller than ``size`` (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def _is_power_of_two(size: int) -> bool:
    return size > 0 and size & (size - 1) == 0


def subtree_root(start: int, end: int, node: NodeSource) -> bytes:
    """MTH(D[start:end]) for a range whose start is a multiple of a power of two at least its
    size: a perfect subtree, or the right edge of one (as every range in RFC 9162's proofs is)."""
    size = end - start
    if size <= 0:
        raise ProofError(f"empty subtree [{start}, {end})")
    if _is_power_of_two(size):
        level = size.bit_length() - 1
        return node(level, start >> level)
    k = _split(size)
    return node_hash(subtree_root(start, start + k, node), subtree_root(start + k, end, node))


def tree_root(size: int, node: NodeSource) -> bytes:
    """The tree head MTH(D[0:size])."""
    return EMPTY_ROOT if size == 0 else subtree_root(0, size, node)


def inclusion_path(index: int, size: int, node: NodeSource) -> list[bytes]:
    """PATH(index, D[0:size]) (RFC 9162 2.1.3.1): the siblings from the leaf up to the root."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            siblings.append(subtree_root(start + k, end, node))
            end = start + k
        else:
            siblings.append(subtree_root(start, start + k, node))
            start += k
    return siblings[::-1]


def consistency_proof(first: int, second: int, node: NodeSource) -> list[bytes]:
    """PROOF(first, D[0:second]) (RFC 9162 2.1.4.1); empty when first is 0 or equals second."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from {first} to {second} leaves")
    if first in (0, second):
        return []

    def subproof(m: int, start: int, end: int, complete: bool) -> list[bytes]:
        size = end - start
        if m == size:
            return [] if complete else [subtree_root(start, end, node)]
        k = _split(size)
        if m <= k:
            return [*subproof(m, start, start + k, complete), subtree_root(start + k, end, node)]
        return [*subproof(m - k, start + k, end, False), subtree_root(start, start + k, node)]

    return subproof(first, 0, second, True)


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root an inclusion path leads to (RFC 9162 2.1.3.2); raises ProofError when the path
    cannot belong to leaf ``index`` of a tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    if len(leaf) != HASH_SIZE or any(len(p) != HASH_SIZE for p in path):
        raise ProofError("a hash of the proof is not 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("the inclusion path is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_while_even(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion path is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """Does ``path`` prove leaf hash ``leaf`` at ``index`` in the tree of ``size`` with ``root``?"""
    try:
        return root_from_inclusion(index, size, leaf, path) == root
    except ProofError:
        return False


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Is the tree of ``second`` leaves with ``second_root`` an append-only extension of the tree
    of ``first`` leaves with ``first_root``, as ``proof`` shows (RFC 9162 2.1.4.2)?"""
    if first > second or first < 0:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof  # the empty tree is a prefix of every tree
    if not proof or any(len(c) != HASH_SIZE for c in proof):
        return False
    path = [first_root, *proof] if _is_power_of_two(first) else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_while_even(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


@dataclass(frozen=True)
class Node:
    """A perfect subtree: ``2**level`` leaves from leaf ``index * 2**level``."""

    level: int
    index: int
    hash: bytes


def frontier_positions(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees (level, index) that make up the tree of ``size`` leaves, left to
    right (its compact range): one per set bit of ``size``."""
    positions, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            positions.append((level, start >> level))
            start += 1 << level
    return positions


class Frontier:
    """The right edge of a growing tree: appending a leaf yields the leaf and every perfect
    subtree it completes, which is all a store needs to keep to answer any proof later."""

    def __init__(self, size: int, hashes: Sequence[bytes]) -> None:
        """``hashes``: the subtrees of `frontier_positions(size)`, in that order."""
        positions = frontier_positions(size)
        if len(hashes) != len(positions):
            raise ValueError(f"a tree of {size} leaves has {len(positions)} frontier subtrees")
        self.size = size
        self._stack = [(level, h) for (level, _), h in zip(positions, hashes, strict=True)]

    def append(self, leaf: bytes) -> list[Node]:
        """Add a leaf hash; answer the new nodes: the leaf, then the subtrees it completes."""
        index = self.size
        made = [Node(0, index, leaf)]
        self._stack.append((0, leaf))
        while len(self._stack) > 1 and self._stack[-1][0] == self._stack[-2][0]:
            level, right = self._stack.pop()
            _, left = self._stack.pop()
            parent = node_hash(left, right)
            made.append(Node(level + 1, index >> (level + 1), parent))
            self._stack.append((level + 1, parent))
        self.size += 1
        return made

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        root = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            root = node_hash(left, root)
        return root


class MemoryTree:
    """A whole tree in memory, built from its leaf hashes (concatenated, 32 bytes each): every
    perfect subtree is kept, level by level, so proofs for any sizes cost O(log^2 n)."""

    def __init__(self, leaves: bytes | bytearray) -> None:
        self._levels = perfect_levels(leaves)
        self.size = len(leaves) // HASH_SIZE

    @classmethod
    def from_levels(cls, levels: Sequence[bytes]) -> MemoryTree:
        """A tree whose lower levels were built already (e.g. by several processes, each over an
        aligned range of leaves): the levels above are built here."""
        tree = cls.__new__(cls)
        tree._levels = [*levels[:-1], *perfect_levels(levels[-1])]
        tree.size = len(levels[0]) // HASH_SIZE
        return tree

    def node(self, level: int, index: int) -> bytes:
        row = self._levels[level]
        start = index * HASH_SIZE
        if start + HASH_SIZE > len(row):
            raise ProofError(f"no subtree ({level}, {index}) in a tree of {self.size} leaves")
        return row[start : start + HASH_SIZE]

    def root(self, size: int | None = None) -> bytes:
        return tree_root(self.size if size is None else size, self.node)


def perfect_levels(leaves: bytes | bytearray, top: int | None = None) -> list[bytes]:
    """Level 0 (the leaf hashes) and every level of complete pairs above it, up to level ``top``
    (default: as high as the leaves go), each as concatenated 32-byte hashes."""
    if len(leaves) % HASH_SIZE:
        raise ValueError("leaf hashes must be 32 bytes each")
    levels = [bytes(leaves)]
    sha256 = hashlib.sha256
    while len(levels[-1]) >= 2 * HASH_SIZE and (top is None or len(levels) <= top):
        below = memoryview(levels[-1])
        pairs = len(below) // (2 * HASH_SIZE)
        levels.append(
            b"".join(sha256(b"\x01" + below[i * 64 : i * 64 + 64]).digest() for i in range(pairs))
        )
    return levels


def record_nodes(compute: Callable[[NodeSource], object]) -> set[tuple[int, int]]:
    """The perfect subtrees ``compute`` reads, found by running it on placeholder hashes (the
    algorithms' shape does not depend on hash values): a store fetches them in one query."""
    seen: set[tuple[int, int]] = set()

    def placeholder(level: int, index: int) -> bytes:
        seen.add((level, index))
        return bytes(HASH_SIZE)

    compute(placeholder)
    return seen
