"""Merkle tree hashing of RFC 9162 §2.1: roots, inclusion and consistency proofs, frontiers."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broker.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

PROPERTY = settings(max_examples=60, deadline=None)

# Known answers from github.com/transparency-dev/merkle: LEAF_INPUTS, NODE_HASHES,
# ROOTS and COMPACT_TREES from testonly/constants.go (LeafInputs, NodeHashes,
# RootHashes, CompactTrees; commit 582a6ad190b6848f1d26f8bf08ddef29955d9db1),
# INCLUSION_PROOFS and CONSISTENCY_PROOFS from proof/verify_test.go
# (inclusionProofs, consistencyProofs; commit 02194e9afb6c1d95b5381350007963aa70fff472).
LEAF_INPUTS = [
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
LEAVES = [leaf_hash(entry) for entry in LEAF_INPUTS]

NODE_HASHES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
NH = [[bytes.fromhex(h) for h in level] for level in NODE_HASHES]

ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
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

COMPACT_TREES: list[list[bytes]] = [
    [],
    [NH[0][0]],
    [NH[1][0]],
    [NH[1][0], NH[0][2]],
    [NH[2][0]],
    [NH[2][0], NH[0][4]],
    [NH[2][0], NH[1][2]],
    [NH[2][0], NH[1][2], NH[0][6]],
    [NH[3][0]],
]

# (index, size, proof). verify_test.go numbers leaves from 1; these indices are
# its numbers minus one.
INCLUSION_PROOFS: list[tuple[int, int, list[bytes]]] = [
    (0, 1, []),
    (0, 8, [NH[0][1], NH[1][1], NH[2][1]]),
    (5, 8, [NH[0][4], NH[1][3], NH[2][0]]),
    (2, 3, [NH[1][0]]),
    (1, 5, [NH[0][0], NH[1][1], NH[0][4]]),
]

# (old size, new size, proof).
CONSISTENCY_PROOFS: list[tuple[int, int, list[bytes]]] = [
    (1, 1, []),
    (1, 8, [NH[0][1], NH[1][1], NH[2][1]]),
    (6, 8, [NH[1][2], NH[1][3], NH[2][0]]),
    (2, 5, [NH[1][1], NH[0][4]]),
    (6, 7, [NH[1][2], NH[0][6], NH[2][0]]),
]

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


# The definitions of RFC 9162 §2.1, recursive as the RFC writes them, to check
# the iterative code against.
def _k(n: int) -> int:
    k = 1
    while 2 * k < n:
        k *= 2
    return k


def _mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _k(len(leaves))
    if m < k:
        return [*_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_path(m - k, leaves[k:]), _mth(leaves[:k])]


def _subproof(m: int, leaves: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [_mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], b), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


def _position(index: int, size: int) -> tuple[bool, ...]:
    """Where the leaf sits: for each proof hash, leaf to root, whether it is a left sibling."""
    if size == 1:
        return ()
    k = _k(size)
    if index < k:
        return (*_position(index, k), False)
    return (*_position(index - k, size - k), True)


def _flip(h: bytes, bit: int) -> bytes:
    return bytes([h[0] ^ (1 << bit), *h[1:]])


def _hashes(n: int, salt: bytes = b"") -> list[bytes]:
    return [leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


# Distinct entries, so that no two leaves (hence no two subtrees) hash alike.
distinct_entries = st.lists(st.binary(max_size=12), min_size=1, max_size=70, unique=True)


@st.composite
def leaf_in_tree(draw: st.DrawFn) -> tuple[list[bytes], int]:
    leaves = [leaf_hash(e) for e in draw(distinct_entries)]
    return leaves, draw(st.integers(0, len(leaves) - 1))


@st.composite
def grown_tree(draw: st.DrawFn) -> tuple[list[bytes], int]:
    entries = draw(st.lists(st.binary(max_size=12), min_size=2, max_size=40, unique=True))
    return [leaf_hash(e) for e in entries], draw(st.integers(1, len(entries) - 1))


def _inclusion_probes(
    leaf: bytes, index: int, size: int, proof: list[bytes], tree_root: bytes
) -> list[tuple[str, tuple[bytes, int, int, list[bytes], bytes]]]:
    """The corruptions of proof/verify_test.go's corruptInclusionProof, described."""
    probes = [
        ("index - 1", (leaf, index - 1, size, proof, tree_root)),
        ("index + 1", (leaf, index + 1, size, proof, tree_root)),
        ("index ^ 2", (leaf, index ^ 2, size, proof, tree_root)),
        ("size * 2", (leaf, index, size * 2, proof, tree_root)),
        ("size // 2", (leaf, index, size // 2, proof, tree_root)),
        ("wrong leaf", (b"WrongLeaf", index, size, proof, tree_root)),
        ("empty root", (leaf, index, size, proof, EMPTY_ROOT)),
        ("random root", (leaf, index, size, proof, SOME_HASH)),
        ("trailing garbage", (leaf, index, size, [*proof, b""], tree_root)),
        ("trailing root", (leaf, index, size, [*proof, tree_root], tree_root)),
        ("preceding garbage", (leaf, index, size, [b"", *proof], tree_root)),
        ("preceding root", (leaf, index, size, [tree_root, *proof], tree_root)),
    ]
    for i in range(len(proof)):
        wrong = [*proof[:i], _flip(proof[i], 3), *proof[i + 1 :]]
        probes.append((f"proof[{i}] bit 3", (leaf, index, size, wrong, tree_root)))
    if proof:
        probes.append(("removed hash", (leaf, index, size, proof[:-1], tree_root)))
    if len(proof) > 1:
        inserted = [proof[0], SOME_HASH, *proof[1:]]
        probes.append(("inserted hash", (leaf, index, size, inserted, tree_root)))
    return probes


def _consistency_probes(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> list[tuple[str, tuple[int, int, bytes, bytes, list[bytes]]]]:
    """The corruptions of proof/verify_test.go's corruptConsistencyProof, described."""
    probes = [
        ("old - 1", (old - 1, new, old_root, new_root, proof)),
        ("old + 1", (old + 1, new, old_root, new_root, proof)),
        ("old ^ 2", (old ^ 2, new, old_root, new_root, proof)),
        ("new * 2", (old, new * 2, old_root, new_root, proof)),
        ("new // 2", (old, new // 2, old_root, new_root, proof)),
        ("wrong old root", (old, new, b"WrongRoot", new_root, proof)),
        ("wrong new root", (old, new, old_root, b"WrongRoot", proof)),
        ("swapped roots", (old, new, new_root, old_root, proof)),
        ("empty proof", (old, new, old_root, new_root, [])),
        ("trailing garbage", (old, new, old_root, new_root, [*proof, b""])),
        ("trailing old root", (old, new, old_root, new_root, [*proof, old_root])),
        ("trailing new root", (old, new, old_root, new_root, [*proof, new_root])),
        ("preceding garbage", (old, new, old_root, new_root, [b"", *proof])),
        ("preceding old root", (old, new, old_root, new_root, [old_root, *proof])),
        ("preceding new root", (old, new, old_root, new_root, [new_root, *proof])),
        ("preceding proof[0]", (old, new, old_root, new_root, [proof[0], *proof])),
        ("truncated", (old, new, old_root, new_root, proof[:-1])),
    ]
    for i in range(len(proof)):
        wrong = [*proof[:i], _flip(proof[i], 4), *proof[i + 1 :]]
        probes.append((f"proof[{i}] bit 4", (old, new, old_root, new_root, wrong)))
    return probes


# Known answers.


def test_empty_root_is_the_hash_of_the_empty_string_rfc9162_2_1_1() -> None:
    assert ROOTS[0] == EMPTY_ROOT
    assert root([]) == ROOTS[0]
    assert Frontier().root() == ROOTS[0]


def test_leaf_hash_is_sha256_of_0x00_and_the_entry_rfc9162_2_1_1() -> None:
    assert [leaf_hash(entry) for entry in LEAF_INPUTS] == NH[0]


def test_node_hash_is_sha256_of_0x01_and_both_children_rfc9162_2_1_1() -> None:
    for lower, upper in itertools.pairwise(NH):
        assert [node_hash(lower[i], lower[i + 1]) for i in range(0, len(lower), 2)] == upper


@pytest.mark.parametrize("size", range(9))
def test_root_is_the_reference_root_for_each_tree_size_rfc9162_2_1_1(size: int) -> None:
    assert root(LEAVES[:size]) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_inclusion_proof_is_the_reference_proof_rfc9162_2_1_3_1(
    index: int, size: int, proof: list[bytes]
) -> None:
    assert inclusion_proof(LEAVES[:size], index) == proof


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_reference_inclusion_proof_verifies_and_no_corruption_does_rfc9162_2_1_3_2(
    index: int, size: int, proof: list[bytes]
) -> None:
    assert verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])
    probes = _inclusion_probes(LEAVES[index], index, size, proof, ROOTS[size])
    assert [name for name, args in probes if verify_inclusion(*args)] == []


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_PROOFS)
def test_consistency_proof_is_the_reference_proof_rfc9162_2_1_4_1(
    old: int, new: int, proof: list[bytes]
) -> None:
    assert consistency_proof(LEAVES[:new], old) == proof


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_PROOFS[1:])
def test_reference_consistency_proof_verifies_and_no_corruption_does_rfc9162_2_1_4_2(
    old: int, new: int, proof: list[bytes]
) -> None:
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)
    probes = _consistency_probes(old, new, ROOTS[old], ROOTS[new], proof)
    assert [name for name, args in probes if verify_consistency(*args)] == []


@pytest.mark.parametrize("size", range(9))
def test_frontier_holds_the_reference_perfect_subtree_roots(size: int) -> None:
    frontier = Frontier()
    for leaf in LEAVES[:size]:
        frontier.append(leaf)
    assert frontier.size == size
    assert frontier.hashes == COMPACT_TREES[size]
    assert frontier.root() == ROOTS[size]


# Bad arguments.


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (1, 1), (2, 1), (-1, 1), (0, -1)])
def test_inclusion_fails_for_an_index_outside_the_tree_rfc9162_2_1_3_2_step_1(
    index: int, size: int
) -> None:
    assert not verify_inclusion(SOME_HASH, index, size, [], SOME_HASH)
    assert not verify_inclusion(EMPTY_ROOT, index, size, [], EMPTY_ROOT)


def test_inclusion_of_the_only_leaf_takes_an_empty_proof_rfc9162_2_1_3_2() -> None:
    assert verify_inclusion(SOME_HASH, 0, 1, [], SOME_HASH)
    assert not verify_inclusion(SOME_HASH, 0, 1, [SOME_HASH], node_hash(SOME_HASH, SOME_HASH))
    assert not verify_inclusion(SOME_HASH, 0, 1, [], EMPTY_ROOT)


def test_inclusion_fails_for_a_proof_too_short_for_the_size_rfc9162_2_1_3_2_step_5() -> None:
    proof = inclusion_proof(LEAVES, 3)
    assert not verify_inclusion(LEAVES[3], 3, 8, proof[:-1], node_hash(NH[0][2], LEAVES[3]))


@pytest.mark.parametrize(("old", "new"), [(1, 0), (2, 1), (-1, 0), (-1, 3), (0, -1)])
def test_consistency_fails_for_a_tree_that_shrank_or_a_negative_size(old: int, new: int) -> None:
    assert not verify_consistency(old, new, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(old, new, SOME_HASH, SOME_HASH, [SOME_HASH])


def test_consistency_of_the_empty_tree_takes_its_root_and_no_proof() -> None:
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, ROOTS[5], [])
    assert not verify_consistency(0, 0, SOME_HASH, SOME_HASH, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, SOME_HASH, [])
    assert not verify_consistency(0, 5, SOME_HASH, ROOTS[5], [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, ROOTS[5], [EMPTY_ROOT])


def test_consistency_of_equal_sizes_takes_equal_roots_and_no_proof() -> None:
    assert verify_consistency(3, 3, ROOTS[3], ROOTS[3], [])
    assert not verify_consistency(3, 3, ROOTS[3], ROOTS[4], [])
    assert not verify_consistency(3, 3, ROOTS[3], ROOTS[3], [EMPTY_ROOT])


def test_consistency_fails_for_an_empty_proof_of_growth_rfc9162_2_1_4_2_step_1() -> None:
    assert not verify_consistency(1, 2, ROOTS[1], ROOTS[2], [])
    assert not verify_consistency(4, 8, ROOTS[4], ROOTS[8], [])


@pytest.mark.parametrize("index", [-1, 3, 4])
def test_inclusion_proof_refuses_an_index_outside_the_tree(index: int) -> None:
    with pytest.raises(ValueError, match=f"leaf index {index} is outside a tree of size 3"):
        inclusion_proof(LEAVES[:3], index)


@pytest.mark.parametrize("old", [-1, 4])
def test_consistency_proof_refuses_an_old_size_outside_the_tree(old: int) -> None:
    with pytest.raises(ValueError, match=f"old size {old} is outside 0..3"):
        consistency_proof(LEAVES[:3], old)


def test_consistency_proof_of_the_empty_or_the_same_tree_is_empty() -> None:
    assert consistency_proof([], 0) == []
    assert consistency_proof(LEAVES, 0) == []
    assert consistency_proof(LEAVES, 8) == []


@pytest.mark.parametrize(
    ("size", "hashes", "message"),
    [
        (3, [SOME_HASH], "a frontier of size 3 holds 2 hashes"),
        (4, [SOME_HASH, SOME_HASH], "a frontier of size 4 holds 1 hashes"),
        (0, [SOME_HASH], "a frontier of size 0 holds 0 hashes"),
        (-1, [], "negative size"),
        (1, [b"short"], "must be 32 bytes"),
    ],
)
def test_frontier_refuses_hashes_that_do_not_fit_its_size(
    size: int, hashes: list[bytes], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Frontier(size, hashes)


# Properties.


def test_root_is_the_recursive_merkle_tree_hash_for_every_size_to_70_rfc9162_2_1_1() -> None:
    leaves = _hashes(70)
    for size in range(71):
        assert root(leaves[:size]) == _mth(leaves[:size])


@PROPERTY
@given(st.lists(st.binary(max_size=12), max_size=70))
def test_root_is_the_recursive_merkle_tree_hash_of_any_entries_rfc9162_2_1_1(
    entries: list[bytes],
) -> None:
    leaves = [leaf_hash(e) for e in entries]
    assert root(leaves) == _mth(leaves)


def test_inclusion_proof_is_the_rfc_path_and_verifies_for_every_leaf_to_70_rfc9162_2_1_3() -> None:
    leaves = _hashes(70)
    for size in range(1, 71):
        tree, tree_root = leaves[:size], _mth(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(tree, index)
            assert proof == _path(index, tree)
            assert verify_inclusion(tree[index], index, size, proof, tree_root)


@PROPERTY
@given(leaf_in_tree(), st.data())
def test_inclusion_proof_fails_for_a_changed_proof_hash_rfc9162_2_1_3_2(
    tree: tuple[list[bytes], int], data: st.DataObject
) -> None:
    leaves, index = tree
    proof = inclusion_proof(leaves, index)
    if not proof:
        return
    at = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 7))
    proof[at] = _flip(proof[at], bit)
    assert not verify_inclusion(leaves[index], index, len(leaves), proof, root(leaves))


@PROPERTY
@given(leaf_in_tree(), st.integers(0, 7))
def test_inclusion_proof_fails_for_a_changed_leaf_rfc9162_2_1_3_2(
    tree: tuple[list[bytes], int], bit: int
) -> None:
    leaves, index = tree
    proof, size, tree_root = inclusion_proof(leaves, index), len(leaves), root(leaves)
    assert not verify_inclusion(_flip(leaves[index], bit), index, size, proof, tree_root)
    for other in range(size):
        if other != index:
            assert not verify_inclusion(leaves[other], index, size, proof, tree_root)


@PROPERTY
@given(leaf_in_tree())
def test_inclusion_proof_fails_for_a_changed_index_rfc9162_2_1_3_2(
    tree: tuple[list[bytes], int],
) -> None:
    leaves, index = tree
    proof, size, tree_root = inclusion_proof(leaves, index), len(leaves), root(leaves)
    for other in range(-1, size + 2):
        if other != index:
            assert not verify_inclusion(leaves[index], other, size, proof, tree_root)


@PROPERTY
@given(leaf_in_tree())
def test_inclusion_proof_fails_for_a_changed_size_and_its_root_rfc9162_2_1_3_2(
    tree: tuple[list[bytes], int],
) -> None:
    leaves, index = tree
    size = len(leaves)
    longer = leaves + _hashes(size + 2, salt=b"more")
    proof = inclusion_proof(leaves, index)
    for other in range(2 * size + 2):
        if other != size:
            assert not verify_inclusion(leaves[index], index, other, proof, root(longer[:other]))


def test_inclusion_binds_the_size_only_through_where_the_leaf_sits_rfc9162_2_1_3_2() -> None:
    # The signed tree head binds a root to its size; the proof alone binds only
    # the leaf's position, which leaf 0 shares in trees of sizes 3 and 4.
    assert verify_inclusion(LEAVES[0], 0, 4, inclusion_proof(LEAVES[:3], 0), ROOTS[3])
    leaves = _hashes(40)
    for size in range(1, 41):
        tree_root = root(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(leaves[:size], index)
            for other in range(index + 1, 81):
                same_place = _position(index, other) == _position(index, size)
                assert verify_inclusion(leaves[index], index, other, proof, tree_root) is same_place


@PROPERTY
@given(leaf_in_tree())
def test_inclusion_proof_fails_every_corruption_probe_rfc9162_2_1_3_2(
    tree: tuple[list[bytes], int],
) -> None:
    leaves, index = tree
    proof, size, tree_root = inclusion_proof(leaves, index), len(leaves), root(leaves)
    probes = _inclusion_probes(leaves[index], index, size, proof, tree_root)
    assert [name for name, args in probes if verify_inclusion(*args)] == []


def test_consistency_proof_is_the_rfc_subproof_and_verifies_for_all_sizes_to_40() -> None:
    leaves = _hashes(40)
    roots = [_mth(leaves[:size]) for size in range(41)]
    for new in range(1, 41):
        for old in range(1, new + 1):
            proof = consistency_proof(leaves[:new], old)
            assert proof == _subproof(old, leaves[:new], True)
            assert verify_consistency(old, new, roots[old], roots[new], proof)


@PROPERTY
@given(grown_tree(), st.data())
def test_consistency_proof_fails_for_a_changed_proof_hash_rfc9162_2_1_4_2(
    tree: tuple[list[bytes], int], data: st.DataObject
) -> None:
    leaves, old = tree
    proof = consistency_proof(leaves, old)
    at = data.draw(st.integers(0, len(proof) - 1))
    proof[at] = _flip(proof[at], data.draw(st.integers(0, 7)))
    assert not verify_consistency(old, len(leaves), root(leaves[:old]), root(leaves), proof)


@PROPERTY
@given(grown_tree())
def test_consistency_proof_fails_every_corruption_probe_rfc9162_2_1_4_2(
    tree: tuple[list[bytes], int],
) -> None:
    leaves, old = tree
    proof = consistency_proof(leaves, old)
    probes = _consistency_probes(old, len(leaves), root(leaves[:old]), root(leaves), proof)
    assert [name for name, args in probes if verify_consistency(*args)] == []


@PROPERTY
@given(grown_tree())
def test_consistency_proof_fails_for_other_sizes_and_their_roots_rfc9162_2_1_4_2(
    tree: tuple[list[bytes], int],
) -> None:
    leaves, old = tree
    new = len(leaves)
    roots = [root(leaves[:size]) for size in range(new + 1)]
    proof = consistency_proof(leaves, old)
    for other_new in range(new + 1):
        for other_old in range(other_new + 1):
            if (other_old, other_new) != (old, new):
                args = (other_old, other_new, roots[other_old], roots[other_new], proof)
                assert not verify_consistency(*args)


@PROPERTY
@given(st.lists(st.binary(max_size=12), max_size=70))
def test_frontier_root_is_the_root_after_every_append(entries: list[bytes]) -> None:
    leaves = [leaf_hash(e) for e in entries]
    frontier = Frontier()
    for size, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert frontier.size == size
        assert len(frontier.hashes) == size.bit_count()
        assert frontier.root() == _mth(leaves[:size])


@PROPERTY
@given(st.lists(st.binary(max_size=12), max_size=70), st.data())
def test_frontier_restored_from_size_and_hashes_carries_on_alike(
    entries: list[bytes], data: st.DataObject
) -> None:
    leaves = [leaf_hash(e) for e in entries]
    cut = data.draw(st.integers(0, len(leaves)))
    original = Frontier()
    for leaf in leaves[:cut]:
        original.append(leaf)
    restored = Frontier(original.size, original.hashes)
    assert (restored.size, restored.hashes, restored.root()) == (
        cut,
        original.hashes,
        root(leaves[:cut]),
    )
    for leaf in leaves[cut:]:
        original.append(leaf)
        restored.append(leaf)
        assert restored.hashes == original.hashes
    assert restored.root() == root(leaves)


def test_frontier_hashes_are_a_copy() -> None:
    frontier = Frontier()
    frontier.append(SOME_HASH)
    frontier.hashes.append(SOME_HASH)
    assert frontier.hashes == [SOME_HASH]
