"""The audit log's Merkle tree is RFC 9162's, bit for bit: the RFC 6962 test vectors published with
Certificate Transparency (the eight leaves, the tree heads of sizes 1 to 8, inclusion and
consistency proofs) come out of our hashing and proofs, and our verifiers refuse corrupted ones."""

from __future__ import annotations

import pytest

from dutyflow.domain import merkle

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
# (leaf index, tree size, path)
INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (first size, second size, proof)
CONSISTENCY = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def tree(size: int) -> merkle.MemoryTree:
    return merkle.MemoryTree(b"".join(merkle.leaf_hash(leaf) for leaf in LEAVES[:size]))


def hashes(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


def test_the_empty_tree_has_the_hash_of_nothing() -> None:
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert tree(0).root() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_tree_heads_match_the_published_vectors(size: int) -> None:
    assert tree(size).root() == ROOTS[size - 1]
    assert tree(8).root(size) == ROOTS[size - 1]  # the head of any earlier size, from a later tree


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_paths_match_the_published_vectors(index: int, size: int, path) -> None:
    assert merkle.inclusion_path(index, size, tree(size).node) == hashes(path)
    assert merkle.verify_inclusion(
        index, size, merkle.leaf_hash(LEAVES[index]), hashes(path), ROOTS[size - 1]
    )


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(first: int, second: int, proof) -> None:
    assert merkle.consistency_proof(first, second, tree(second).node) == hashes(proof)
    assert merkle.verify_consistency(
        first, second, ROOTS[first - 1], ROOTS[second - 1], hashes(proof)
    )


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_a_corrupted_inclusion_proof_is_refused(index: int, size: int, path) -> None:
    leaf, root, good = merkle.leaf_hash(LEAVES[index]), ROOTS[size - 1], hashes(path)
    flipped = [bytes([good[0][0] ^ 8]) + good[0][1:], *good[1:]]
    for args in (
        (index + 1, size, leaf, good, root),
        (index, size * 2, leaf, good, root),
        (index, size, merkle.leaf_hash(b"forged"), good, root),
        (index, size, leaf, good, merkle.EMPTY_ROOT),
        (index, size, leaf, flipped, root),
        (index, size, leaf, good[:-1], root),
        (index, size, leaf, [*good, root], root),
    ):
        assert not merkle.verify_inclusion(*args)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_a_corrupted_consistency_proof_is_refused(first: int, second: int, proof) -> None:
    old, new, good = ROOTS[first - 1], ROOTS[second - 1], hashes(proof)
    flipped = [bytes([good[0][0] ^ 16]) + good[0][1:], *good[1:]]
    for args in (
        (first - 1, second, old, new, good),
        (first + 1, second, old, new, good),
        (first, second * 2, old, new, good),
        (first, second, merkle.EMPTY_ROOT, new, good),
        (first, second, old, merkle.EMPTY_ROOT, good),
        (first, second, new, old, good),
        (first, second, old, new, []),
        (first, second, old, new, good[:-1]),
        (first, second, old, new, [*good, old]),
        (first, second, old, new, flipped),
    ):
        assert not merkle.verify_consistency(*args)


def test_trivial_consistency_needs_an_empty_proof_and_equal_heads() -> None:
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, ROOTS[4], [])
    assert merkle.verify_consistency(3, 3, ROOTS[2], ROOTS[2], [])
    assert not merkle.verify_consistency(3, 3, ROOTS[2], ROOTS[3], [])
    assert not merkle.verify_consistency(3, 3, ROOTS[2], ROOTS[2], [ROOTS[2]])
    assert not merkle.verify_consistency(4, 3, ROOTS[3], ROOTS[2], [])


def test_a_rewritten_tree_has_no_consistency_proof_from_an_earlier_head() -> None:
    rewritten = [*LEAVES[:2], b"rewritten", *LEAVES[3:]]
    later = merkle.MemoryTree(b"".join(merkle.leaf_hash(leaf) for leaf in rewritten))

    proof = merkle.consistency_proof(5, 8, later.node)

    assert not merkle.verify_consistency(5, 8, ROOTS[4], later.root(), proof)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 33, 100])
def test_a_growing_frontier_keeps_every_subtree_and_the_head(size: int) -> None:
    leaves = [merkle.leaf_hash(bytes([n % 256, n // 256])) for n in range(size)]
    kept: dict[tuple[int, int], bytes] = {}
    frontier = merkle.Frontier(0, [])
    for n, leaf in enumerate(leaves):
        for node in frontier.append(leaf):
            kept[(node.level, node.index)] = node.hash
        if n == size // 2:  # resume from what a store would have kept
            positions = merkle.frontier_positions(frontier.size)
            frontier = merkle.Frontier(frontier.size, [kept[p] for p in positions])
    memory = merkle.MemoryTree(b"".join(leaves))

    assert frontier.root() == memory.root()
    assert merkle.tree_root(size, lambda level, index: kept[(level, index)]) == memory.root()
    assert len(kept) == sum(size >> level for level in range(size.bit_length()))
