"""The audit chain format: how ``mash.audit.v1`` is made tamper-evident.

Each partition of the audit topic is one chain, written by one audit writer.
An entry is a ``uk.mash.v1.AuditRecord`` or a ``uk.mash.v1.AuditCheckpoint`` in
Avro single-object encoding. Its *leaf hash* is the RFC 9162 leaf hash
(SHA-256 of 0x00 and the bytes) of the entry encoded with its signature field
empty; the writer signs ``SIGNING_CONTEXT + leaf hash`` with Ed25519. Record n
holds the leaf hash of record n-1 in ``previous_record_hash`` and n in
``sequence``; a checkpoint commits to the records before it with the Merkle
tree root over their leaf hashes. ``docs/audit-chain.md`` is the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from cryptography.exceptions import InvalidSignature

from broker import merkle
from broker.codec import SOE_HEADER_BYTES, SOE_MARKER, AvroCodec, read_body, write_body
from broker.envelope import Keyring, SigningKey
from broker.errors import DecodeError

RECORD = "uk.mash.v1.AuditRecord"
CHECKPOINT = "uk.mash.v1.AuditCheckpoint"
#: The sender name of the audit writer's signing key.
WRITER = "audit.writer"
GENESIS = bytes(32)
SIGNING_CONTEXT = b"mash-audit-chain-v1\x00"


@dataclass(frozen=True)
class Entry:
    """One entry of an audit partition, decoded in its writer's schema."""

    schema: str
    value: dict[str, Any]
    leaf: bytes

    @property
    def is_record(self) -> bool:
        """Whether this is an audit record (else a checkpoint)."""
        return self.schema == RECORD


def sign(codec: AvroCodec, key: SigningKey, schema: str, value: Mapping[str, Any]) -> Entry:
    """Sign an entry as the audit writer; returns it with its leaf hash.

    The value's ``key_id`` and ``signature`` are set here.
    """
    unsigned = {**value, "key_id": key.key_id, "signature": b""}
    leaf = merkle.leaf_hash(codec.encode(schema, unsigned))
    signed = {**unsigned, "signature": key.private_key.sign(SIGNING_CONTEXT + leaf)}
    return Entry(schema, signed, leaf)


def read(codec: AvroCodec, data: bytes) -> Entry:
    """Decode an entry in its writer's schema and compute its leaf hash.

    The bytes must be exactly the writer's encoding of the value they hold (a
    value smuggled in under another encoding of the same numbers is refused).

    Raises:
        DecodeError: not an audit entry, or not in canonical encoding.
    """
    codec.check_size(data)
    if len(data) < SOE_HEADER_BYTES or data[: len(SOE_MARKER)] != SOE_MARKER:
        raise DecodeError("MALFORMED", "not Avro single-object encoding")
    fingerprint = data[len(SOE_MARKER) : SOE_HEADER_BYTES]
    writer = codec.store.writer_for(fingerprint)
    if writer is None or writer.name not in (RECORD, CHECKPOINT):
        found = writer.name if writer else f"unknown schema {fingerprint.hex()}"
        raise DecodeError("WRONG_SCHEMA", f"not an audit entry: {found}")
    value = read_body(data, SOE_HEADER_BYTES, writer.name, writer.parsed, None)
    if _encoded(fingerprint, writer.name, writer.parsed, value) != data:
        raise DecodeError("MALFORMED", "not in the canonical Avro encoding of its value")
    unsigned = _encoded(fingerprint, writer.name, writer.parsed, {**value, "signature": b""})
    return Entry(writer.name, value, merkle.leaf_hash(unsigned))


def _encoded(
    fingerprint: bytes, name: str, parsed: dict[str, Any], value: Mapping[str, Any]
) -> bytes:
    out = BytesIO()
    out.write(SOE_MARKER)
    out.write(fingerprint)
    write_body(out, name, parsed, value)
    return out.getvalue()


def signature_problem(entry: Entry, keyring: Keyring) -> str | None:
    """Why an entry's signature is not the audit writer's, or None when it is."""
    key_id = entry.value["key_id"]
    trusted = keyring.get(key_id)
    if trusted is None or trusted.sender != WRITER:
        return f"signed with key {key_id!r}, which is not a trusted audit writer key"
    if trusted.revoked:
        return f"signed with key {key_id}, which is revoked"
    try:
        trusted.public_key.verify(entry.value["signature"], SIGNING_CONTEXT + entry.leaf)
    except InvalidSignature:
        return f"signature does not verify with the audit writer key {key_id}"
    return None


@dataclass
class ChainHead:
    """Where one partition's chain stands: what the next record must continue."""

    partition: int
    sequence: int = 0
    last_leaf: bytes = GENESIS
    frontier: merkle.Frontier = field(default_factory=merkle.Frontier)
    checkpointed: int = 0
    source_offset: int | None = None

    def next_record(self, record: Mapping[str, Any], source_offset: int) -> dict[str, Any]:
        """``record`` as the next link of this chain (unsigned)."""
        return {
            **record,
            "sequence": self.sequence,
            "previous_record_hash": self.last_leaf,
            "source_offset": source_offset,
        }

    def checkpoint(self, checkpoint_id: Any, now: Any) -> dict[str, Any]:
        """A checkpoint of everything chained so far (unsigned)."""
        return {
            "checkpoint_id": checkpoint_id,
            "partition": self.partition,
            "tree_size": self.sequence,
            "root_hash": self.frontier.root(),
            "last_record_hash": self.last_leaf,
            "frontier": list(self.frontier.hashes),
            "checkpointed_at": now,
        }

    def add_record(self, entry: Entry) -> None:
        """Move the head past a record (already checked to continue the chain)."""
        self.sequence += 1
        self.last_leaf = entry.leaf
        self.frontier.append(entry.leaf)
        self.source_offset = entry.value.get("source_offset")

    def add_checkpoint(self, entry: Entry) -> None:
        """Note a checkpoint (already checked to match the head)."""
        self.checkpointed = int(entry.value["tree_size"])

    @property
    def uncovered(self) -> int:
        """Records chained since the last checkpoint."""
        return self.sequence - self.checkpointed


def link_problem(head: ChainHead, entry: Entry) -> str | None:
    """Why ``entry`` cannot come next in ``head``'s chain, or None when it can."""
    value = entry.value
    if entry.is_record:
        if value["sequence"] != head.sequence:
            return f"record sequence {value['sequence']} where {head.sequence} was expected"
        if value["previous_record_hash"] != head.last_leaf:
            return "previous_record_hash does not match the record before it"
        return None
    if value["partition"] != head.partition:
        return f"checkpoint of partition {value['partition']} in partition {head.partition}"
    if value["tree_size"] != head.sequence:
        return f"checkpoint covers {value['tree_size']} records where {head.sequence} precede it"
    if value["last_record_hash"] != head.last_leaf:
        return "checkpoint's last_record_hash is not the hash of the record before it"
    if value["root_hash"] != head.frontier.root():
        return "checkpoint's root_hash is not the Merkle root of the records before it"
    if list(value["frontier"]) != list(head.frontier.hashes):
        return "checkpoint's frontier is not the subtree roots of the records before it"
    return None
