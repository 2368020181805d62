"""The audit writer on real brokers, and every corruption probe against what it wrote.

Submissions are published to ``mash.audit.pending.v1`` signed as the agents
sign them; the writer (``agents.audit_writer``) chains them into
``mash.audit.v1``; the log is read back from the broker and verified
(``mash.audit_log``). The probes change a copy of the entries the broker
returned, as an attacker with write access to the log (or to an export file)
would, and each must be caught at its place.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from click.testing import CliRunner

from agents.audit import Auditor
from agents.audit_writer import SUBMITTERS, AuditWriter
from broker import audit_chain
from broker.audit_export import EXPORTER, ExportedEntry, ExportError, write_export
from broker.catalogue import catalogue, topic_name
from broker.codec import AvroCodec
from broker.envelope import SigningKey
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue
from broker.topic_reader import partitions_of, read_to_end
from broker.transport import publish_signed
from mash.audit_log import AuditLog, read_file, read_topic, verify
from mash.cli import mash

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
RECORD = "uk.mash.v1.AuditRecord"
SUBMISSION = "uk.mash.v1.AuditSubmission"


def submissions(keystore: Keystore, count: int, agent: str = "agent.policy") -> list[dict]:
    """``count`` audit records as ``agent`` submits them, over a few cases."""
    key_id, key = pseudonym_key(keystore.folder)
    auditor = Auditor(agent, key, key_id)
    cases = [uuid.uuid4() for _ in range(5)]
    return [
        auditor.record(
            "SHARED",
            case_id=cases[n % 5],
            now=NOW,
            source_agency="POLICE",
            categories=["police.domestic_abuse"],
            rule_id="share-permitted",
            rule_version="2026.11.1",
            distinct=str(n),
        )
        for n in range(count)
    ]


async def submit(
    settings: MashSettings, keystore: Keystore, records: list[dict], sender: str = "agent.policy"
) -> None:
    await publish_signed(
        settings, keystore.signing_key(sender), keystore.case_keys(),
        topic_name("audit.pending", settings.topic_prefix), RECORD,
        [(str(r["case_id"]).encode() if r["case_id"] else None, r) for r in records],
    )  # fmt: skip


async def chained(settings: MashSettings, keystore: Keystore, count: int) -> AuditLog:
    """The audit log once it holds ``count`` records, every partition checkpointed."""
    log = None
    async with asyncio.timeout(60):
        while True:
            log = await read_topic(settings, keystore.keyring())
            covered = all(s.head.uncovered == 0 for s in log.verdict.partitions.values())
            if len(log.records) >= count and covered:
                return log
            await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def running_writer(settings: MashSettings, keystore: Keystore) -> AsyncIterator[AuditWriter]:
    writer = AuditWriter(settings, keystore, SUBMITTERS, checkpoint_every=7)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(writer.run(stop, ready))
    async with asyncio.timeout(60):
        await asyncio.wait([task, asyncio.create_task(ready.wait())], return_when="FIRST_COMPLETED")
    if task.done():
        task.result()
    try:
        yield writer
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)


@pytest.fixture
async def keystore(tmp_path: Path) -> Keystore:
    keys = Keystore(tmp_path / "keys")
    keys.ensure([*SUBMITTERS, audit_chain.WRITER, EXPORTER])
    return keys


@pytest.fixture
async def written(settings: MashSettings, keystore: Keystore) -> AuditLog:
    """Forty records chained by a writer, with one resent and one forged submission."""
    await apply_catalogue(settings, catalogue([], settings.topic_prefix))
    records = submissions(keystore, 40)
    async with running_writer(settings, keystore):
        await submit(settings, keystore, records)
        await submit(settings, keystore, records[:1])  # an at-least-once resend
        forged = submissions(keystore, 1, agent="agent.routing")
        await submit(settings, keystore, forged, sender="agent.policy")
        return await chained(settings, keystore, 41)


async def test_the_writer_chains_every_submission_once_and_the_log_verifies(
    written: AuditLog,
) -> None:
    assert written.verdict.intact, written.verdict.breaks
    actions = [r["action"] for r in written.records]
    assert actions.count("SHARED") == 40
    assert len({r["record_id"] for r in written.records}) == len(written.records) == 41
    (refused,) = [r for r in written.records if r["action"] == "DEAD_LETTERED"]
    assert refused["reason"].startswith("UNKNOWN_SENDER")
    for state in written.verdict.partitions.values():
        assert state.checkpoints >= 1
        assert [
            r["sequence"] for r in written.records if _partition(written, r) == state.head.partition
        ] == list(range(state.head.sequence))


def _partition(log: AuditLog, record: dict) -> int:
    codec = AvroCodec()
    for entry in log.entries:
        value = audit_chain.read(codec, entry.data).value
        if value.get("record_id") == record["record_id"]:
            return entry.partition
    raise AssertionError("record not in the log")


async def test_a_restarted_writer_continues_each_chain_without_duplicates(
    settings: MashSettings, keystore: Keystore, written: AuditLog
) -> None:
    more = submissions(keystore, 12)
    async with running_writer(settings, keystore):
        await submit(settings, keystore, more)
        await submit(settings, keystore, more[:3])  # resent across the restart
        log = await chained(settings, keystore, 53)
    assert log.verdict.intact, log.verdict.breaks
    assert len(log.records) == 53
    assert len({r["record_id"] for r in log.records}) == 53


class StopsPartWay(AuditWriter):
    """A writer that stops after chaining (and sending) ``after`` records, as a crash would."""

    def __init__(self, *args: object, after: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.after = after

    async def _chain_record(self, partition: int, submitted: dict, raw: object) -> None:
        if self.after == 0:
            await asyncio.gather(*self._sends)
            raise RuntimeError("stopped part-way through a submission")
        self.after -= 1
        await super()._chain_record(partition, submitted, raw)  # type: ignore[arg-type]


async def test_a_submission_is_chained_record_by_record_and_a_writer_stopped_part_way_finishes_it(
    settings: MashSettings, keystore: Keystore
) -> None:
    """One message carries an event's records; each is its own entry, none lost or doubled."""
    await apply_catalogue(settings, catalogue([], settings.topic_prefix))
    case = uuid.uuid4()
    records = [dict(r, case_id=case) for r in submissions(keystore, 10)]
    await publish_signed(
        settings, keystore.signing_key("agent.policy"), keystore.case_keys(),
        topic_name("audit.pending", settings.topic_prefix), SUBMISSION,
        [(str(case).encode(), {"records": records})],
    )  # fmt: skip
    stopping = StopsPartWay(settings, keystore, SUBMITTERS, after=4)
    with pytest.raises(RuntimeError, match="part-way"):
        await asyncio.wait_for(stopping.run(asyncio.Event()), 60)
    part = await read_topic(settings, keystore.keyring())
    assert [r["record_id"] for r in part.records] == [r["record_id"] for r in records[:4]]

    async with running_writer(settings, keystore):
        log = await chained(settings, keystore, 10)
    assert log.verdict.intact, log.verdict.breaks
    assert [r["record_id"] for r in log.records] == [r["record_id"] for r in records]
    assert [r["sequence"] for r in log.records] == list(range(10))
    assert len({r["source_offset"] for r in log.records}) == 1, "all from the one submission"


async def test_a_submission_holding_another_agents_record_is_refused_whole(
    settings: MashSettings, keystore: Keystore
) -> None:
    await apply_catalogue(settings, catalogue([], settings.topic_prefix))
    own = submissions(keystore, 3)
    foreign = submissions(keystore, 1, agent="agent.routing")
    await publish_signed(
        settings, keystore.signing_key("agent.policy"), keystore.case_keys(),
        topic_name("audit.pending", settings.topic_prefix), SUBMISSION,
        [(None, {"records": [*own, *foreign]})],
    )  # fmt: skip
    async with running_writer(settings, keystore):
        log = await chained(settings, keystore, 1)
    ((refused),) = log.records
    assert refused["action"] == "DEAD_LETTERED"
    assert "agent.policy submitted a record of agent.routing" in refused["reason"]
    # A restarted writer reads that submission again, and neither chains nor
    # dead-letters it a second time.
    async with running_writer(settings, keystore) as writer:
        assert await writer.drained()
    assert len((await read_topic(settings, keystore.keyring())).records) == 1
    assert len(await every_record(settings, topic_name("deadletter", settings.topic_prefix))) == 1


async def every_record(settings: MashSettings, topic: str) -> list[bytes]:
    reader = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers)
    await reader.start()
    try:
        partitions = await partitions_of(reader, topic)
        return [record.value async for record in read_to_end(reader, partitions)]
    finally:
        await reader.stop()


# Corruption probes (STYLE.md; transparency-dev/merkle's tests): each changes the
# entries as read from the broker, and must be reported at its place.


def _records_of(log: AuditLog, partition: int) -> list[int]:
    """Indexes into log.entries of the records (not checkpoints) of one partition."""
    codec = AvroCodec()
    return [
        i for i, e in enumerate(log.entries)
        if e.partition == partition and audit_chain.read(codec, e.data).is_record
    ]  # fmt: skip


def _busiest(log: AuditLog) -> int:
    return max(log.verdict.partitions, key=lambda p: log.verdict.partitions[p].head.sequence)


def flip_a_bit(log: AuditLog, keys: Keystore) -> tuple[list[ExportedEntry], int]:
    i = _records_of(log, _busiest(log))[2]
    entry = log.entries[i]
    data = bytearray(entry.data)
    data[len(data) // 2] ^= 0x04
    return [*log.entries[:i], replace(entry, data=bytes(data)), *log.entries[i + 1 :]], entry.offset


def drop_one(log: AuditLog, keys: Keystore) -> tuple[list[ExportedEntry], int]:
    i = _records_of(log, _busiest(log))[1]
    return [*log.entries[:i], *log.entries[i + 1 :]], log.entries[i + 1].offset


def insert_one(log: AuditLog, keys: Keystore) -> tuple[list[ExportedEntry], int]:
    i = _records_of(log, _busiest(log))[2]
    codec = AvroCodec()
    forged = dict(audit_chain.read(codec, log.entries[i].data).value, record_id=uuid.uuid4())
    data = codec.encode(RECORD, forged)
    at = log.entries[i].offset
    return [
        *log.entries[:i],
        ExportedEntry(log.entries[i].partition, at, data),
        *log.entries[i:],
    ], at


def reorder_two(log: AuditLog, keys: Keystore) -> tuple[list[ExportedEntry], int]:
    first, second = _records_of(log, _busiest(log))[1:3]
    entries = list(log.entries)
    entries[first], entries[second] = entries[second], entries[first]
    return entries, entries[first].offset


def truncate_the_tail(log: AuditLog, keys: Keystore) -> tuple[list[ExportedEntry], int | None]:
    partition = _busiest(log)
    last = _records_of(log, partition)[-3]
    return [e for i, e in enumerate(log.entries) if e.partition != partition or i < last], None


def replace_a_checkpoint(log: AuditLog, keys: Keystore) -> tuple[list[ExportedEntry], int]:
    codec = AvroCodec()
    i = next(i for i, e in enumerate(log.entries) if not audit_chain.read(codec, e.data).is_record)
    checkpoint = audit_chain.read(codec, log.entries[i].data).value
    checkpoint["tree_size"] -= 1  # claims less, signed again with an untrusted key
    forger = SigningKey.generate(audit_chain.WRITER)
    data = codec.encode(
        audit_chain.CHECKPOINT,
        audit_chain.sign(codec, forger, audit_chain.CHECKPOINT, checkpoint).value,
    )
    entry = log.entries[i]
    return [*log.entries[:i], replace(entry, data=data), *log.entries[i + 1 :]], entry.offset


def sign_with_the_wrong_key(log: AuditLog, keys: Keystore) -> tuple[list[ExportedEntry], int]:
    codec = AvroCodec()
    i = _records_of(log, _busiest(log))[3]
    value = audit_chain.read(codec, log.entries[i].data).value
    value["reason"] = "nothing to see"
    wrong = keys.signing_key("agent.policy")  # trusted, but not the audit writer's
    data = codec.encode(RECORD, audit_chain.sign(codec, wrong, RECORD, value).value)
    entry = log.entries[i]
    return [*log.entries[:i], replace(entry, data=data), *log.entries[i + 1 :]], entry.offset


PROBES: list[Callable[[AuditLog, Keystore], tuple[list[ExportedEntry], int | None]]] = [
    flip_a_bit, drop_one, insert_one, reorder_two, truncate_the_tail, replace_a_checkpoint,
    sign_with_the_wrong_key,
]  # fmt: skip


async def test_every_corruption_probe_is_detected_and_located(
    written: AuditLog, keystore: Keystore, tmp_path: Path
) -> None:
    """On the entries as read from the broker, and in an export re-signed by a trusted exporter."""
    witness = written.verdict.witness()  # what a monitor saw before the change
    for probe in PROBES:
        tampered, where = probe(written, keystore)
        verdict = verify("probe", tampered, keystore.keyring(), witness).verdict
        assert not verdict.intact, f"{probe.__name__} went unnoticed"
        (broken,) = verdict.breaks
        if probe is not replace_a_checkpoint:
            assert broken.partition == _busiest(written), f"{probe.__name__}: {broken}"
        assert broken.offset == where, f"{probe.__name__}: {broken}"

        # An insider with the exporter's key exports the changed log: the chain still fails.
        exported = _export(written, keystore, tmp_path / f"{probe.__name__}.jsonl", tampered)
        assert not read_file(exported, keystore.keyring()).verdict.intact, probe.__name__

        # Anyone else changing an honest export breaks its signed trailer.
        honest = _export(written, keystore, tmp_path / f"{probe.__name__}-honest.jsonl")
        lines = honest.read_text().splitlines(keepends=True)
        honest.write_text("".join([lines[0], *map(_line, tampered), lines[-1]]))
        with pytest.raises(ExportError):
            read_file(honest, keystore.keyring())


def _line(entry: ExportedEntry) -> str:
    value = {"partition": entry.partition, "offset": entry.offset,
             "entry": base64.b64encode(entry.data).decode()}  # fmt: skip
    return json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n"


def _export(
    log: AuditLog, keystore: Keystore, path: Path, entries: list[ExportedEntry] | None = None
) -> Path:
    with path.open("w", encoding="utf-8") as out:
        write_export(out, entries or log.entries, lambda: log.verdict, topic="mash.audit.v1",
                     key=keystore.signing_key(EXPORTER), exported_at=NOW)  # fmt: skip
    return path


def _public_only(keystore: Keystore, folder: Path) -> Path:
    folder.mkdir()
    for public in keystore.folder.glob("*.pub"):
        (folder / public.name).write_bytes(public.read_bytes())
    return folder


async def test_an_export_verifies_offline_with_only_public_keys(
    written: AuditLog, keystore: Keystore, tmp_path: Path
) -> None:
    exported = _export(written, keystore, tmp_path / "audit.jsonl")
    keys = _public_only(keystore, tmp_path / "public")
    result = CliRunner().invoke(
        mash, ["audit", "verify", "--file", str(exported), "--keys", str(keys)]
    )
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output
    assert read_file(exported, Keystore(keys).keyring()).records == written.records

    offline = ["--file", str(exported), "--keys", str(keys)]
    query = CliRunner().invoke(
        mash, ["audit", "query", *offline, "--decision", "dead-lettered", "--format", "json"]
    )
    assert query.exit_code == 0, query.output
    (refused,) = json.loads(query.stdout)
    assert refused["reason"].startswith("UNKNOWN_SENDER")
    html = tmp_path / "report.html"
    report = CliRunner().invoke(mash, ["audit", "report", *offline, "--out", str(html)])
    assert report.exit_code == 0, report.output
    assert f"{len(written.records)} records, chain intact" in html.read_text()


async def test_an_export_cut_short_or_signed_by_an_unknown_key_is_refused(
    written: AuditLog, keystore: Keystore, tmp_path: Path
) -> None:
    exported = _export(written, keystore, tmp_path / "audit.jsonl")
    text = exported.read_text()
    cut = tmp_path / "cut.jsonl"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(ExportError, match="cut short"):
        read_file(cut, keystore.keyring())
    stranger = Keystore(tmp_path / "stranger")
    stranger.ensure([EXPORTER])
    foreign = _export(written, stranger, tmp_path / "foreign.jsonl")
    with pytest.raises(ExportError, match="not a trusted exporter key"):
        read_file(foreign, keystore.keyring())


async def test_mash_audit_verify_reports_a_rewritten_log_on_the_broker(
    settings: MashSettings, keystore: Keystore, written: AuditLog, tmp_path: Path
) -> None:
    """A copy of the log, one record dropped, written to a real topic: the CLI says where."""
    tampered, where = drop_one(written, keystore)
    copy = MashSettings(
        bootstrap_servers=settings.bootstrap_servers, topic_prefix=f"{settings.topic_prefix}copy."
    )
    await apply_catalogue(copy, catalogue([], copy.topic_prefix))
    producer = AIOKafkaProducer(bootstrap_servers=copy.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for entry in tampered:
            await producer.send_and_wait(
                topic_name("audit", copy.topic_prefix), entry.data, partition=entry.partition
            )
    finally:
        await producer.stop()
    env = {
        **os.environ,
        "MASH_TOPIC_PREFIX": copy.topic_prefix,
        "MASH_KEYSTORE": str(keystore.folder),
    }
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "mash", "audit", "verify", "--bootstrap", copy.bootstrap_servers],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    # The copy holds one entry fewer, so the record after the gap is one offset earlier.
    assert f"BROKEN: partition {_busiest(written)}, offset {where - 1}" in result.stderr
    assert "sequence" in result.stderr
