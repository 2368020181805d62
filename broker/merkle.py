"""Merkle tree hashing of RFC 9162 §2.1 (the same as RFC 6962), over SHA-256.

The audit log is a Merkle tree whose leaves are ``leaf_hash(entry)`` of its
entries, in order. ``root`` is the Merkle Tree Hash of a list of leaf hashes;
inclusion proofs show that an entry is in a tree of a given size, consistency
proofs that a tree is an append-only extension of an older one. ``Frontier``
keeps what a log writer needs to hash a growing log: one hash per perfect
subtree, O(log n) in all.

The proof verifiers follow the algorithms of §2.1.3.2 and §2.1.4.2 step by step
and answer False, never raise, for a bad index, size or proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

HASH_BYTES: Final = 32
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """The hash of a leaf: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """An append-only tree kept as the roots of its perfect subtrees, largest first."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        """Restore a frontier saved as its ``size`` and ``hashes``."""
        if size < 0:
            raise ValueError(f"a frontier cannot have a negative size, got {size}")
        if len(hashes) != size.bit_count():
            raise ValueError(
                f"a frontier of size {size} holds {size.bit_count()} hashes "
                f"(one per set bit of the size), got {len(hashes)}"
            )
        if any(len(h) != HASH_BYTES for h in hashes):
            raise ValueError(f"every frontier hash must be {HASH_BYTES} bytes")
        self._size = size
        self._hashes = list(hashes)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """The perfect-subtree roots, largest subtree first (a copy, to persist)."""
        return list(self._hashes)

    def append(self, leaf: bytes) -> None:
        """Add the leaf hash ``leaf`` at the right-hand edge of the tree."""
        self._hashes.append(leaf)
        # Each trailing one bit of the old size is a perfect subtree of the same
        # height as the one just completed: merge them, like carries in addition.
        carries = self._size
        while carries & 1:
            right = self._hashes.pop()
            self._hashes[-1] = node_hash(self._hashes[-1], right)
            carries >>= 1
        self._size += 1

    def root(self) -> bytes:
        """The Merkle Tree Hash of all the leaves appended so far."""
        if not self._hashes:
            return EMPTY_ROOT
        result = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            result = node_hash(left, result)
        return result


def _subtree_root(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    frontier = Frontier()
    for i in range(start, end):
        frontier.append(leaves[i])
    return frontier.root()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (which must be at least 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash (§2.1.1) of a list of leaf hashes."""
    return _subtree_root(leaves, 0, len(leaves))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The inclusion proof (§2.1.3.1) of leaf ``index`` in the tree of ``leaves``."""
    size = len(leaves)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            proof.append(_subtree_root(leaves, middle, end))
            end = middle
        else:
            proof.append(_subtree_root(leaves, start, middle))
            start = middle
    proof.reverse()
    return proof


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """The consistency proof (§2.1.4.1) of the first ``old_size`` leaves with all of them."""
    size = len(leaves)
    if not 0 <= old_size <= size:
        raise ValueError(f"old size {old_size} is outside 0..{size}, the size of the tree")
    if old_size in (0, size):
        # Nothing to prove: the empty tree and the tree itself are prefixes of any tree.
        return []
    proof: list[bytes] = []
    start, end, complete = 0, size, True
    while old_size != end:
        middle = start + _split(end - start)
        if old_size <= middle:
            proof.append(_subtree_root(leaves, middle, end))
            end = middle
        else:
            proof.append(_subtree_root(leaves, start, middle))
            start, complete = middle, False
    if not complete:
        proof.append(_subtree_root(leaves, start, end))
    proof.reverse()
    return proof


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree ``root`` of ``size``."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree ``new_root`` extends the tree ``old_root``."""
    if not 0 <= old_size <= new_size:
        return False
    # §2.1.4.2 covers 0 < old_size < new_size; the two ends need no proof at all.
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT and (new_size > 0 or new_root == EMPTY_ROOT)
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
