"""Inclusion proofs: made from a verified log, checked with public keys alone, and every
change to one caught with a message that says what is wrong."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agents.audit import Auditor
from broker import audit_chain
from broker.audit_chain import CHECKPOINT, RECORD, WRITER, ChainHead, Entry
from broker.audit_export import EXPORTER, ExportedEntry, write_export
from broker.codec import AvroCodec
from broker.envelope import Keyring, SigningKey
from broker.keystore import Keystore
from mash.audit_log import AuditLog, verify
from mash.audit_proof import (
    FORMAT,
    InclusionProof,
    InvalidProof,
    ProofUnavailable,
    check,
    prove,
    read_proof,
    write_proof,
)
from mash.cli import mash

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
CODEC = AvroCodec()
CASE = uuid.UUID("0a1b2c3d-0000-4000-8000-00000000000a")
# Each partition as the writer filled it: a number is that many records, "C" a checkpoint.
# Partition 0: checkpoints of 5 and of 8 records, then 2 records no checkpoint covers yet.
# Partition 1: one record under a checkpoint (a tree of one leaf). Partition 2: no checkpoint.
LAYOUT: dict[int, list[Any]] = {0: [5, "C", 3, "C", 2], 1: [1, "C"], 2: [2]}


def signed_log(writer: SigningKey) -> list[ExportedEntry]:
    """The entries of a log ``writer`` chained and signed, laid out as :data:`LAYOUT` says."""
    auditor = Auditor("agent.policy", bytes(range(32)), "subject-hmac-2026-01")
    entries: list[ExportedEntry] = []
    for partition, steps in LAYOUT.items():
        head = ChainHead(partition)
        for step in steps:
            if step == "C":
                value = head.checkpoint(uuid.uuid4(), T0 + timedelta(minutes=head.sequence))
                entry = audit_chain.sign(CODEC, writer, CHECKPOINT, value)
                head.add_checkpoint(entry)
                entries.append(_exported(partition, entry))
                continue
            for _ in range(step):
                submitted = auditor.record(
                    "SHARED", case_id=CASE, now=T0 + timedelta(minutes=head.sequence),
                    source_agency="POLICE", categories=["police.caution"],
                    rule_id="share-permitted", rule_version="2026.11.1",
                    distinct=f"{partition}.{head.sequence}",
                )  # fmt: skip
                record = head.next_record(submitted, source_offset=head.sequence)
                entry = audit_chain.sign(CODEC, writer, RECORD, record)
                head.add_record(entry)
                entries.append(_exported(partition, entry))
    return _renumbered(entries)


def _exported(partition: int, entry: Entry) -> ExportedEntry:
    return ExportedEntry(partition, 0, CODEC.encode(entry.schema, entry.value))


def _renumbered(entries: list[ExportedEntry]) -> list[ExportedEntry]:
    """``entries`` at consecutive offsets in each partition, as a broker would store them."""
    renumbered: list[ExportedEntry] = []
    for entry in entries:
        offset = sum(1 for e in renumbered if e.partition == entry.partition)
        renumbered.append(replace(entry, offset=offset))
    return renumbered


def record_id(log: AuditLog, partition: int, index: int) -> uuid.UUID:
    """The id of record ``index`` of a partition's chain."""
    for exported in log.entries:
        entry = audit_chain.read(CODEC, exported.data)
        place = (exported.partition, entry.is_record, entry.value.get("sequence"))
        if place == (partition, True, index):
            found: uuid.UUID = entry.value["record_id"]
            return found
    raise AssertionError(f"no record {index} in partition {partition}")


@pytest.fixture(scope="module")
def writer() -> SigningKey:
    return SigningKey.generate(WRITER)


@pytest.fixture(scope="module")
def keyring(writer: SigningKey) -> Keyring:
    return Keyring([writer.trusted()])


@pytest.fixture(scope="module")
def log(writer: SigningKey, keyring: Keyring) -> AuditLog:
    written = verify("memory", signed_log(writer), keyring)
    assert written.verdict.intact, written.verdict.breaks
    return written


def proof_of(log: AuditLog, partition: int, index: int, **options: Any) -> InclusionProof:
    return prove(log, record_id(log, partition, index), **options)


# Proofs that hold ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partition", "index", "tree_size"),
    [
        (0, 0, 5),  # the first record
        (0, 2, 5),  # the middle of a tree
        (0, 4, 5),  # the last record the first checkpoint covers
        (0, 5, 8),  # the first record after a checkpoint: the next one covers it
        (0, 7, 8),  # the last record any checkpoint covers
        (1, 0, 1),  # the only record of a tree of one
    ],
)
def test_a_record_at_any_covered_place_is_proven_by_the_first_checkpoint_that_covers_it(
    log: AuditLog, keyring: Keyring, partition: int, index: int, tree_size: int
) -> None:
    proof = proof_of(log, partition, index)
    assert (proof.partition, proof.leaf_index) == (partition, index)
    proven = check(proof, keyring)
    assert proven.record["record_id"] == record_id(log, partition, index)
    assert proven.record["sequence"] == index
    assert proven.checkpoint["tree_size"] == tree_size
    assert len(proof.audit_path) <= (tree_size - 1).bit_length()  # at most log2(n) hashes


def test_a_tree_of_one_needs_no_path(log: AuditLog) -> None:
    assert proof_of(log, 1, 0).audit_path == ()


def test_the_latest_checkpoint_proves_an_older_record_too(log: AuditLog, keyring: Keyring) -> None:
    proof = proof_of(log, 0, 2, latest=True)
    assert check(proof, keyring).checkpoint["tree_size"] == 8


def test_what_was_proven_is_what_the_record_and_checkpoint_hold(
    log: AuditLog, keyring: Keyring
) -> None:
    summary = dict(check(proof_of(log, 0, 6), keyring).summary())
    assert summary == {
        "record": str(record_id(log, 0, 6)),
        "action": "SHARED",
        "case": str(CASE),
        "rule": "share-permitted@2026.11.1",
        "recorded at": "2026-03-03T09:06:00+00:00",
        "partition": "0",
        "index": "6",
        "checkpoint": "8 records",
        "checkpointed at": "2026-03-03T09:08:00+00:00",
    }


def test_a_proof_file_is_one_json_document_that_reads_back_the_same(
    log: AuditLog, keyring: Keyring, tmp_path: Path
) -> None:
    proof = proof_of(log, 0, 3)
    path = tmp_path / "proof.json"
    write_proof(path, proof)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert set(document) == {
        "format", "partition", "leaf_index", "record", "checkpoint", "audit_path",
    }  # fmt: skip
    assert document["format"] == FORMAT
    assert document["audit_path"] == [node.hex() for node in proof.audit_path]
    assert read_proof(path) == proof
    check(read_proof(path), keyring)


def test_a_producer_retry_in_the_log_does_not_change_the_proof(
    writer: SigningKey, keyring: Keyring
) -> None:
    entries = signed_log(writer)
    with_retry = verify("memory", _renumbered([*entries[:3], entries[2], *entries[3:]]), keyring)
    assert with_retry.verdict.partitions[0].duplicates == [3]
    plain = verify("memory", entries, keyring)
    assert proof_of(with_retry, 0, 6) == proof_of(plain, 0, 6)


def test_only_records_before_a_break_can_be_proven(writer: SigningKey, keyring: Keyring) -> None:
    entries = signed_log(writer)
    del entries[7]  # record 6 of partition 0, after the first checkpoint
    broken = verify("memory", entries, keyring)
    assert not broken.verdict.intact
    check(proof_of(broken, 0, 4), keyring)
    with pytest.raises(ProofUnavailable, match="no verified record"):
        proof_of(broken, 0, 7)


# Proofs that cannot be made -------------------------------------------------------------------


def test_a_record_after_the_last_checkpoint_cannot_be_proven_yet(log: AuditLog) -> None:
    with pytest.raises(
        ProofUnavailable,
        match=r"is record 8 of partition 0, which no checkpoint covers yet "
        r"\(its latest checkpoint covers 8 record\(s\)\)\. The audit writer checkpoints",
    ):
        proof_of(log, 0, 8)


def test_a_record_of_a_partition_never_checkpointed_cannot_be_proven(log: AuditLog) -> None:
    with pytest.raises(ProofUnavailable, match=r"partition 2, .*it has no checkpoint yet"):
        proof_of(log, 2, 1)


def test_an_unknown_record_id_cannot_be_proven(log: AuditLog) -> None:
    unknown = uuid.UUID(int=7)
    with pytest.raises(ProofUnavailable, match=f"no verified record {unknown} in memory"):
        prove(log, unknown)


# Probes: each change to a proof fails, saying what is wrong -----------------------------------


def _changed(data: bytes, schema: str, **changes: Any) -> bytes:
    """An entry with ``changes`` to its value, its signature left as it was."""
    return CODEC.encode(schema, {**audit_chain.read(CODEC, data).value, **changes})


def _signed_by(key: SigningKey, data: bytes) -> bytes:
    entry = audit_chain.read(CODEC, data)
    return CODEC.encode(entry.schema, audit_chain.sign(CODEC, key, entry.schema, entry.value).value)


def _flip(node: bytes) -> bytes:
    return bytes([node[0] ^ 0x01]) + node[1:]


def test_a_changed_record_fails_its_signature(log: AuditLog, keyring: Keyring) -> None:
    proof = proof_of(log, 0, 2)
    changed = replace(proof, record=_changed(proof.record, RECORD, action="WITHHELD"))
    with pytest.raises(
        InvalidProof, match=r"^the record: signature does not verify with the audit writer key"
    ):
        check(changed, keyring)


def test_record_bytes_not_in_canonical_encoding_are_refused(
    log: AuditLog, keyring: Keyring
) -> None:
    proof = proof_of(log, 0, 2)
    with pytest.raises(InvalidProof, match=r"^the record is not an audit entry \(MALFORMED\)"):
        check(replace(proof, record=proof.record + b"\x00"), keyring)


@pytest.mark.parametrize(
    "path",
    [
        lambda path: (_flip(path[0]), *path[1:]),
        lambda path: (*path[:-1], _flip(path[-1])),
        lambda path: path[:-1],
        lambda path: (*path, path[0]),
    ],
    ids=["first hash changed", "last hash changed", "a hash dropped", "a hash added"],
)
def test_a_changed_audit_path_does_not_lead_to_the_root(
    log: AuditLog, keyring: Keyring, path: Any
) -> None:
    proof = proof_of(log, 0, 2)
    with pytest.raises(
        InvalidProof,
        match=r"^the audit path does not lead from the record's leaf hash at index 2 "
        "to the checkpoint's root of 5 records$",
    ):
        check(replace(proof, audit_path=path(proof.audit_path)), keyring)


def test_a_changed_leaf_index_is_not_the_records_sequence(log: AuditLog, keyring: Keyring) -> None:
    proof = proof_of(log, 0, 2)
    with pytest.raises(
        InvalidProof, match=r"^the proof gives leaf index 3, the record's sequence is 2$"
    ):
        check(replace(proof, leaf_index=3), keyring)


def test_a_checkpoint_that_does_not_cover_the_record_is_refused(
    log: AuditLog, keyring: Keyring
) -> None:
    later, earlier = proof_of(log, 0, 7), proof_of(log, 0, 2)
    with pytest.raises(InvalidProof, match=r"^the checkpoint covers 5 record\(s\), not record 7$"):
        check(replace(later, checkpoint=earlier.checkpoint), keyring)


def test_a_checkpoint_of_another_partition_is_refused(log: AuditLog, keyring: Keyring) -> None:
    proof, other = proof_of(log, 0, 0), proof_of(log, 1, 0)
    with pytest.raises(
        InvalidProof, match=r"^the checkpoint is of partition 1, the proof is for partition 0$"
    ):
        check(replace(proof, checkpoint=other.checkpoint), keyring)
    # Saying the record is of that partition does not help: it is not in that tree.
    with pytest.raises(InvalidProof, match=r"^the audit path does not lead"):
        check(replace(proof, checkpoint=other.checkpoint, partition=1), keyring)


def test_a_checkpoint_signed_with_an_untrusted_key_is_refused(
    log: AuditLog, keyring: Keyring
) -> None:
    proof = proof_of(log, 0, 2)
    forger = SigningKey.generate(WRITER)  # calls itself the audit writer; nobody trusts it
    with pytest.raises(
        InvalidProof,
        match=rf"^the checkpoint: signed with key '{forger.key_id}', which is not a trusted "
        "audit writer key$",
    ):
        check(replace(proof, checkpoint=_signed_by(forger, proof.checkpoint)), keyring)


def test_a_checkpoint_signed_by_another_trusted_sender_is_refused(
    log: AuditLog, writer: SigningKey
) -> None:
    proof = proof_of(log, 0, 2)
    policy = SigningKey.generate("agent.policy")  # trusted, but not to write the audit
    both = Keyring([writer.trusted(), policy.trusted()])
    with pytest.raises(
        InvalidProof, match=r"^the checkpoint: signed with key .* not a trusted audit writer key$"
    ):
        check(replace(proof, checkpoint=_signed_by(policy, proof.checkpoint)), both)


def test_a_changed_checkpoint_fails_its_signature(log: AuditLog, keyring: Keyring) -> None:
    proof = proof_of(log, 0, 2)
    forged = _changed(proof.checkpoint, CHECKPOINT, root_hash=bytes(32))
    with pytest.raises(InvalidProof, match=r"^the checkpoint: signature does not verify"):
        check(replace(proof, checkpoint=forged), keyring)


def test_a_whole_proof_forged_with_another_key_is_refused(keyring: Keyring) -> None:
    forger = SigningKey.generate(WRITER)
    forged_log = verify("forged", signed_log(forger), Keyring([forger.trusted()]))
    with pytest.raises(InvalidProof, match=r"^the record: signed with key .* not a trusted"):
        check(proof_of(forged_log, 0, 2), keyring)


def test_a_revoked_writer_key_proves_nothing(log: AuditLog, writer: SigningKey) -> None:
    revoked = Keyring([writer.trusted()])
    revoked.revoke(writer.key_id)
    with pytest.raises(InvalidProof, match=rf"^the record: signed with key {writer.key_id}, which"):
        check(proof_of(log, 0, 2), revoked)


def test_a_record_and_checkpoint_swapped_are_refused(log: AuditLog, keyring: Keyring) -> None:
    proof = proof_of(log, 0, 2)
    swapped = replace(proof, record=proof.checkpoint, checkpoint=proof.record)
    with pytest.raises(InvalidProof, match=r"^the record is an audit checkpoint, not a record$"):
        check(swapped, keyring)


def _document(**fields: Any) -> str:
    """A proof file's JSON with ``fields`` over well-formed (if unprovable) ones."""
    document = {"format": FORMAT, "partition": 0, "leaf_index": 2, "record": "",
                "checkpoint": "", "audit_path": []}  # fmt: skip
    return json.dumps({**document, **fields})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "^not JSON"),
        ('{"format": "mash-audit-export"}', "^not a proof file"),
        ('["a", "list"]', "^not a proof file"),
        (json.dumps({"format": FORMAT, "partition": 0}), "^the proof has no 'leaf_index'$"),
        (_document(leaf_index="2"), "malformed"),
        (_document(partition=True), "malformed"),
        (_document(record="*"), "malformed"),
        (_document(audit_path=["zz"]), "malformed"),
    ],
)
def test_a_file_that_is_not_a_proof_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidProof, match=message):
        InclusionProof.from_json(text)


# The commands, offline from an export file ----------------------------------------------------


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Path, AuditLog]:
    """An export of the log, and a folder holding only the public keys."""
    keystore = Keystore(tmp_path / "keys")
    entries = signed_log(keystore.signing_key(WRITER))
    written = verify("memory", entries, keystore.keyring())
    path = tmp_path / "audit.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_export(out, entries, lambda: written.verdict, topic="mash.audit.v1",
                     key=keystore.signing_key(EXPORTER), exported_at=T0)  # fmt: skip
    public = tmp_path / "public"
    public.mkdir()
    for key in keystore.folder.glob("*.pub"):
        (public / key.name).write_bytes(key.read_bytes())
    return path, public, written


def test_prove_then_check_proof_with_public_keys_only(
    exported: tuple[Path, Path, AuditLog], tmp_path: Path
) -> None:
    export, public, written = exported
    proof = tmp_path / "proof.json"
    rid = record_id(written, 0, 3)
    made = CliRunner().invoke(mash, ["audit", "prove", str(rid), "--file", str(export),
                                     "--keys", str(public), "--out", str(proof)])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert f"wrote {proof}: record {rid}, index 3 of partition 0" in made.stderr
    checked = CliRunner().invoke(mash, ["audit", "check-proof", str(proof), "--keys", str(public)])
    assert checked.exit_code == 0, checked.output
    assert f"record           {rid}" in checked.stdout
    assert "checkpoint       5 records" in checked.stdout
    assert "proven" in checked.stderr

    document = json.loads(proof.read_text(encoding="utf-8"))
    document["leaf_index"] = 4
    proof.write_text(json.dumps(document), encoding="utf-8")
    tampered = CliRunner().invoke(mash, ["audit", "check-proof", str(proof), "--keys", str(public)])
    assert tampered.exit_code == 1
    assert tampered.stdout == ""
    assert f"NOT PROVEN: {proof}: the proof gives leaf index 4" in tampered.stderr


def test_prove_says_when_no_checkpoint_covers_the_record_yet(
    exported: tuple[Path, Path, AuditLog], tmp_path: Path
) -> None:
    export, public, written = exported
    proof = tmp_path / "proof.json"
    made = CliRunner().invoke(mash, ["audit", "prove", str(record_id(written, 2, 0)),
                                     "--file", str(export), "--keys", str(public),
                                     "--out", str(proof)])  # fmt: skip
    assert made.exit_code == 1
    assert "which no checkpoint covers yet (it has no checkpoint yet)" in made.stderr
    assert not proof.exists()
