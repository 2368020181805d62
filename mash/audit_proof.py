"""Inclusion proofs: one audit record shown to be in the log, checked without the log.

A proof holds the record entry and a signed checkpoint of its partition, both as
the bytes on the topic, and the RFC 9162 audit path (about log2(n) hashes) from
the record's leaf hash to the checkpoint's Merkle root. :func:`prove` makes one
from a verified :class:`~mash.audit_log.AuditLog`; :func:`check` checks one with
nothing but the audit writer's public keys: both entries' encodings and
signatures, the record's place, and the path. ``docs/audit-chain.md`` ("Inclusion
proofs") describes the file.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broker import audit_chain, merkle
from broker.audit_chain import Entry
from broker.codec import AvroCodec
from broker.envelope import Keyring
from broker.errors import DecodeError, MashError
from mash.audit_log import AuditLog

#: The ``format`` of a proof file: its name and version in one string.
FORMAT = "mash-audit-inclusion-proof-v1"


class ProofError(MashError):
    """An inclusion proof that cannot be made, or that does not hold."""


class ProofUnavailable(ProofError):
    """No proof can be made: the record is not in the verified log, or no checkpoint covers it."""


class InvalidProof(ProofError):
    """A proof file that does not prove what it says: what is wrong with it."""


@dataclass(frozen=True)
class InclusionProof:
    """Everything needed to show one record is in its partition's checkpointed tree."""

    partition: int
    leaf_index: int
    record: bytes
    checkpoint: bytes
    audit_path: tuple[bytes, ...]

    def to_json(self) -> str:
        """The proof as the JSON document of a proof file."""
        document = {
            "format": FORMAT,
            "partition": self.partition,
            "leaf_index": self.leaf_index,
            "record": base64.b64encode(self.record).decode(),
            "checkpoint": base64.b64encode(self.checkpoint).decode(),
            "audit_path": [node.hex() for node in self.audit_path],
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> InclusionProof:
        """Read a proof file's JSON document (its fields only; :func:`check` tells if it holds).

        Raises:
            InvalidProof: not JSON, not a proof of this format, or a field of the wrong kind.
        """
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidProof(f"not JSON ({exc.msg})") from exc
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise InvalidProof(f"not a proof file: its format is not {FORMAT!r}")
        try:
            return cls(
                partition=_integer(document["partition"]),
                leaf_index=_integer(document["leaf_index"]),
                record=base64.b64decode(document["record"], validate=True),
                checkpoint=base64.b64decode(document["checkpoint"], validate=True),
                audit_path=tuple(bytes.fromhex(node) for node in document["audit_path"]),
            )
        except KeyError as exc:
            raise InvalidProof(f"the proof has no {exc.args[0]!r}") from exc
        except (TypeError, ValueError, binascii.Error) as exc:
            raise InvalidProof(f"a field of the proof is malformed ({exc})") from exc


def _integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not a whole number")
    return value


@dataclass(frozen=True)
class Proven:
    """What a proof that holds shows: this record, at this place, under this checkpoint."""

    record: dict[str, Any]
    checkpoint: dict[str, Any]
    partition: int
    leaf_index: int

    def summary(self) -> list[tuple[str, str]]:
        """What was proven, as (label, value) lines: nothing the record does not hold."""
        record, checkpoint = self.record, self.checkpoint
        rule = "@".join(filter(None, (record["rule_id"], record["rule_version"])))
        return [
            ("record", str(record["record_id"])),
            ("action", record["action"]),
            ("case", str(record["case_id"] or "-")),
            ("rule", rule or "-"),
            ("recorded at", record["recorded_at"].isoformat()),
            ("partition", str(self.partition)),
            ("index", str(self.leaf_index)),
            ("checkpoint", f"{checkpoint['tree_size']} records"),
            ("checkpointed at", checkpoint["checkpointed_at"].isoformat()),
        ]


# Making a proof ----------------------------------------------------------------------------------


def prove(
    log: AuditLog, record_id: uuid.UUID, *, latest: bool = False, codec: AvroCodec | None = None
) -> InclusionProof:
    """A proof that record ``record_id`` of the verified ``log`` is in its partition's tree.

    Args:
        latest: prove against the partition's latest checkpoint rather than the
            first that covers the record (the shortest proof, made soonest).

    Raises:
        ProofUnavailable: the record is not among the log's verified records, or
            no checkpoint covers it yet.
    """
    codec = codec or AvroCodec()
    partition, chain, record_bytes, index = _find(log, record_id, codec)
    checkpoint_bytes, tree_size = _covering(chain, partition, index, latest, record_id)
    leaves = [entry.leaf for _, entry in chain if entry.is_record][:tree_size]
    path = merkle.inclusion_proof(leaves, index)
    return InclusionProof(partition, index, record_bytes, checkpoint_bytes, tuple(path))


def _find(
    log: AuditLog, record_id: uuid.UUID, codec: AvroCodec
) -> tuple[int, list[tuple[bytes, Entry]], bytes, int]:
    """The record's partition, that partition's trusted chain, the record's bytes and index."""
    for partition in log.verdict.partitions:
        chain = list(_trusted(log, partition, codec))
        for data, entry in chain:
            if entry.is_record and entry.value["record_id"] == record_id:
                return partition, chain, data, int(entry.value["sequence"])
    raise ProofUnavailable(
        f"no verified record {record_id} in {log.source} (check the id with 'mash audit query')"
    )


def _trusted(log: AuditLog, partition: int, codec: AvroCodec) -> Iterator[tuple[bytes, Entry]]:
    """The entries of one partition up to its first break, producer retries left out."""
    broken = log.verdict.partitions[partition].broken
    stop = broken.offset if broken is not None else None
    last: bytes | None = None
    for exported in log.entries:
        if exported.partition != partition:
            continue
        if exported.offset == stop:
            return
        entry = audit_chain.read(codec, exported.data)
        if entry.leaf != last:
            last = entry.leaf
            yield exported.data, entry


def _covering(
    chain: Sequence[tuple[bytes, Entry]],
    partition: int,
    index: int,
    latest: bool,
    record_id: uuid.UUID,
) -> tuple[bytes, int]:
    """The bytes and tree size of the checkpoint to prove record ``index`` against."""
    checkpoints = [(data, int(e.value["tree_size"])) for data, e in chain if not e.is_record]
    covering = [(data, size) for data, size in checkpoints if size > index]
    if not covering:
        so_far = (
            f"its latest checkpoint covers {checkpoints[-1][1]} record(s)"
            if checkpoints
            else "it has no checkpoint yet"
        )
        raise ProofUnavailable(
            f"record {record_id} is record {index} of partition {partition}, which no "
            f"checkpoint covers yet ({so_far}). The audit writer checkpoints after every "
            "--checkpoint-every records, whenever submissions pause and when it stops: "
            "make the proof again once it has (from the topic, or a new export)"
        )
    return covering[-1] if latest else covering[0]


# Checking a proof --------------------------------------------------------------------------------


def check(proof: InclusionProof, keyring: Keyring, codec: AvroCodec | None = None) -> Proven:
    """Check ``proof`` with the audit writer's public keys alone; returns what it proves.

    Raises:
        InvalidProof: saying which check failed: an entry not in canonical
            encoding or not signed by a trusted audit writer key, a record or
            checkpoint not of the place the proof gives, or a path that does not
            lead to the checkpoint's root.
    """
    codec = codec or AvroCodec()
    record = _signed_entry(codec, proof.record, keyring, "record")
    checkpoint = _signed_entry(codec, proof.checkpoint, keyring, "checkpoint")
    _check_place(proof, record.value, checkpoint.value)
    tree_size, root = int(checkpoint.value["tree_size"]), checkpoint.value["root_hash"]
    if not merkle.verify_inclusion(
        record.leaf, proof.leaf_index, tree_size, proof.audit_path, root
    ):
        raise InvalidProof(
            f"the audit path does not lead from the record's leaf hash at index "
            f"{proof.leaf_index} to the checkpoint's root of {tree_size} records"
        )
    return Proven(record.value, checkpoint.value, proof.partition, proof.leaf_index)


def _signed_entry(codec: AvroCodec, data: bytes, keyring: Keyring, kind: str) -> Entry:
    """The proof's ``kind`` entry, decoded and its audit writer signature checked."""
    try:
        entry = audit_chain.read(codec, data)
    except DecodeError as exc:
        raise InvalidProof(f"the {kind} is not an audit entry ({exc.reason}): {exc}") from exc
    if entry.is_record != (kind == "record"):
        found = "record" if entry.is_record else "checkpoint"
        raise InvalidProof(f"the {kind} is an audit {found}, not a {kind}")
    problem = audit_chain.signature_problem(entry, keyring)
    if problem:
        raise InvalidProof(f"the {kind}: {problem}")
    return entry


def _check_place(proof: InclusionProof, record: dict[str, Any], checkpoint: dict[str, Any]) -> None:
    """The record and checkpoint are where the proof says: same partition, record in the tree."""
    if checkpoint["partition"] != proof.partition:
        raise InvalidProof(
            f"the checkpoint is of partition {checkpoint['partition']}, "
            f"the proof is for partition {proof.partition}"
        )
    if record["sequence"] != proof.leaf_index:
        raise InvalidProof(
            f"the proof gives leaf index {proof.leaf_index}, "
            f"the record's sequence is {record['sequence']}"
        )
    if not 0 <= proof.leaf_index < checkpoint["tree_size"]:
        raise InvalidProof(
            f"the checkpoint covers {checkpoint['tree_size']} record(s), "
            f"not record {proof.leaf_index}"
        )


# Proof files -------------------------------------------------------------------------------------


def write_proof(path: Path, proof: InclusionProof) -> None:
    """Write ``proof`` to a proof file."""
    path.write_text(proof.to_json(), encoding="utf-8")


def read_proof(path: Path) -> InclusionProof:
    """Read a proof file.

    Raises:
        InvalidProof: the file is not a proof file (see :meth:`InclusionProof.from_json`).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidProof("not a UTF-8 text file") from exc
    return InclusionProof.from_json(text)
