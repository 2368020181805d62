"""The audit writer: chains pending audit records into ``mash.audit.v1``.

Agents and connectors submit audit records to ``mash.audit.pending.v1``; this is
the only writer of the audit topic. Pending partition N is chained into audit
partition N: each record gets the next sequence, the hash of the record before
it and the writer's signature, and after every ``checkpoint_every`` records
(and whenever the submissions pause) a signed checkpoint commits to the Merkle
root of the partition so far (``broker.audit_chain``; docs/audit-chain.md).

Nothing is chained twice or lost across restarts without transactions: every
chained record holds the offset of its submission, and a writer given a
partition first reads that audit partition through, verifying it, then resumes
at the last submission it holds. A record the chain already holds (one of that
submission's, or an at-least-once resend: the same record id) is skipped.

A submission (``uk.mash.v1.AuditSubmission``) carries the records of one event
together; each is chained as its own entry, with the submission's offset. A
submission that is not a trusted agent's, or holds a record of another actor, is
dead-lettered whole, and the refusal itself chained.

One writer per partition is the consumer group's doing; a second writer on the
same partition would fork the chain, which ``mash audit verify`` reports.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Collection
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition

from agents.audit import SUBMISSION_SCHEMA, Auditor
from agents.context import AGENTS, utc_now
from agents.wire import open_trusting_new_keys
from broker import audit_chain
from broker.audit_chain import CHECKPOINT, RECORD, WRITER, ChainHead
from broker.audit_verify import LogVerifier
from broker.case_keys import ERASER
from broker.catalogue import Agency, topic_name
from broker.codec import AvroCodec
from broker.deadletter import DEAD_LETTER_SCHEMA, RawRecord, dead_letter_for
from broker.decisions import CONSOLE
from broker.envelope import Signer, Verifier
from broker.errors import MashError, RejectedMessage
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from broker.settings import MashSettings
from broker.topic_reader import read_to_end
from broker.transport import raw_record

log = logging.getLogger(__name__)

#: Who may submit audit records: every agent, every agency's connector, intake,
#: and ``mash case erase``.
SUBMITTERS = (*AGENTS, *(agency.value for agency in Agency), "intake", ERASER, CONSOLE)
#: Record ids remembered per partition to skip resent submissions.
RECENT_IDS = 50_000


class AuditChainBroken(MashError):
    """An audit partition does not verify, so the writer will not extend it."""


class AuditWriter:
    """Chains, signs and checkpoints the audit records of some partitions."""

    def __init__(
        self,
        settings: MashSettings,
        keystore: Keystore,
        submitters: Collection[str],
        *,
        checkpoint_every: int = 256,
        clock: Any = utc_now,
    ) -> None:
        """
        Args:
            submitters: the senders whose audit records are accepted (each may
                only submit records whose actor it is).
            checkpoint_every: records between checkpoints while submissions flow.
        """
        self.settings = settings
        self.keystore = keystore
        self.submitters = frozenset(submitters)
        self.checkpoint_every = checkpoint_every
        self.clock = clock
        self.codec = AvroCodec()
        self.key = keystore.signing_key(WRITER)
        self.signer = Signer(self.key)
        self.verifier = Verifier(keystore.current_keyring())
        self.pending_topic = topic_name("audit.pending", settings.topic_prefix)
        self.audit_topic = topic_name("audit", settings.topic_prefix)
        self.deadletter_topic = topic_name("deadletter", settings.topic_prefix)
        key_id, pseudonyms = pseudonym_key(keystore.folder)
        self.auditor = Auditor(WRITER, pseudonyms, key_id)
        self.heads: dict[int, ChainHead] = {}
        self.recent: dict[int, OrderedDict[uuid.UUID, None]] = {}
        self.failure: BaseException | None = None
        self._sends: list[Awaitable[Any]] = []
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        #: Polls that brought nothing, counted so drained() can tell it has seen one.
        self._empty_polls = 0
        #: Records chained by this writer since it started.
        self.chained = 0

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Chain submissions until ``stop`` is set; then checkpoint what is left.

        Raises:
            AuditChainBroken: an audit partition given to this writer does not verify.
            MashError: a send failed (the chain on the broker is then behind this
                writer's memory, so it stops; a restart carries on from the log).
        """
        options = connection_options(self.settings)
        self._producer = AIOKafkaProducer(acks="all", linger_ms=5, **options)
        self._consumer = AIOKafkaConsumer(
            group_id=f"{self.settings.topic_prefix}mash-audit-writer",
            client_id=f"{self.settings.client_id}-audit-writer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **options,
        )
        await self._producer.start()
        try:
            await self._consumer.start()
            self._consumer.subscribe([self.pending_topic], listener=_Rebalance(self))
            await self._chain_until(stop, ready)
        finally:
            await self._consumer.stop()
            await self._producer.stop()
        log.info("audit writer stopped after chaining %d record(s), all checkpointed", self.chained)

    async def _chain_until(self, stop: asyncio.Event, ready: asyncio.Event | None) -> None:
        assert self._consumer is not None  # noqa: S101 - run() started it
        while not stop.is_set():
            batches = await self._consumer.getmany(timeout_ms=300)
            if not batches:
                self._empty_polls += 1
            if self.failure is not None:
                raise MashError(f"the audit writer failed: {self.failure}") from self.failure
            if ready is not None and self.taken_up():
                ready.set()
            busy, taken_up = set(), set(self.heads)
            for partition, records in batches.items():
                if partition.partition not in taken_up:
                    continue  # fetched before its chain was taken up: read again from there
                for record in records:
                    await self._chain(partition.partition, record)
                busy.add(partition.partition)
            for number, head in self.heads.items():
                if head.uncovered >= self.checkpoint_every or (
                    head.uncovered and number not in busy
                ):
                    await self._checkpoint(head)
            await self._settle(batches)
        await self.checkpoint_all()

    async def drained(self, within: float = 10.0) -> bool:
        """Wait until every submission so far on this writer's partitions is chained.

        Call it once the submitters have stopped. The writer is drained when its
        position has reached the reported end of every partition and two polls
        begun after this call have brought nothing: the embedded broker reports
        the start of a partition's last batch as its end, and may answer a fetch
        after one poll has timed out, so the end offsets alone are not enough.

        Returns:
            Whether it got there within ``within`` seconds.
        """
        consumer = self._consumer
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        empty_before = self._empty_polls
        while consumer is not None and loop.time() < deadline:
            assigned = list(consumer.assignment())
            if self.taken_up() and self._empty_polls >= empty_before + 2:
                ends = await consumer.end_offsets(assigned)
                if all([await consumer.position(tp) >= ends[tp] for tp in assigned]):
                    return True
            await asyncio.sleep(0.1)
        return False

    async def checkpoint_all(self) -> None:
        """Checkpoint every partition with records not yet covered, and wait for it."""
        for head in self.heads.values():
            if head.uncovered:
                await self._checkpoint(head)
        await self._settle({})

    async def recover(
        self, partitions: Collection[int]
    ) -> dict[int, tuple[ChainHead, OrderedDict[uuid.UUID, None]]]:
        """Read audit partitions through and verify them: each chain's head and recent ids.

        All are read in one pass, so taking up six partitions costs one read, not six.

        Raises:
            AuditChainBroken: a partition does not verify.
        """
        verifier = LogVerifier(self.keystore.keyring(), self.codec)
        recent: dict[int, OrderedDict[uuid.UUID, None]] = {n: OrderedDict() for n in partitions}
        reader = AIOKafkaConsumer(
            client_id=f"{self.settings.client_id}-audit-writer-recovery",
            enable_auto_commit=False,
            **connection_options(self.settings),
        )
        await reader.start()
        try:
            tps = [TopicPartition(self.audit_topic, number) for number in sorted(partitions)]
            async for record in read_to_end(reader, tps):
                entry = verifier.add(record.partition, record.offset, record.value)
                if entry is not None and entry.is_record:
                    _remember(recent[record.partition], entry.value["record_id"])
        finally:
            await reader.stop()
        verdict = verifier.finish()
        if not verdict.intact:
            raise AuditChainBroken(
                f"{self.audit_topic} {verdict.breaks[0]}; the writer will not extend a broken "
                "chain (run 'mash audit verify')"
            )
        recovered = {}
        for number in partitions:
            state = verdict.partitions.get(number)
            head = state.head if state else ChainHead(number)
            log.debug("audit partition %d: %d records chained", number, head.sequence)
            recovered[number] = head, recent[number]
        return recovered

    def taken_up(self) -> bool:
        """Whether this writer holds partitions and has taken up the chain of each."""
        assert self._consumer is not None  # noqa: S101 - run() started it
        assigned = {tp.partition for tp in self._consumer.assignment()}
        return bool(assigned) and assigned <= set(self.heads)

    async def _chain(self, partition: int, record: Any) -> None:
        raw = raw_record(record)
        try:
            records = self._submitted(raw)
        except RejectedMessage as refused:
            refusal = self.auditor.record(
                "DEAD_LETTERED",
                case_id=None,
                now=self.clock(),
                reason=f"{refused.reason}: {refused}",
                distinct=f"{raw.topic}:{raw.partition}:{raw.offset}",
            )
            if refusal["record_id"] not in self.recent[partition]:  # not read again on resuming
                await self._send(self.deadletter_topic, DEAD_LETTER_SCHEMA,
                                 dead_letter_for(raw, refused, WRITER), raw.key, None)  # fmt: skip
            records = [refusal]
        for submitted in records:
            await self._chain_record(partition, submitted, raw)

    def _submitted(self, raw: RawRecord) -> list[dict[str, Any]]:
        """The records of one submission, each one its sender's own.

        A lone ``AuditRecord`` (as releases before 0.3.0 submitted) is accepted
        as a submission of one.

        Raises:
            RejectedMessage: the submission is not trusted, or not its sender's.
        """
        received = open_trusting_new_keys(
            raw, self.codec, self.verifier, self.keystore, None, self.submitters
        )
        schema = received.decoded.schema
        if schema == SUBMISSION_SCHEMA:
            records: list[dict[str, Any]] = received.value["records"]
        elif schema == RECORD:
            records = [received.value]
        else:
            raise RejectedMessage("WRONG_SCHEMA", f"expected {SUBMISSION_SCHEMA}, got {schema}")
        sender = received.envelope.sender
        for submitted in records:
            actor = submitted["actor"]["agent"]
            if actor != sender:
                raise RejectedMessage("UNKNOWN_SENDER", f"{sender} submitted a record of {actor}")
        return records

    async def _chain_record(
        self, partition: int, submitted: dict[str, Any], raw: RawRecord
    ) -> None:
        recent = self.recent[partition]
        if submitted["record_id"] in recent:
            return  # already chained: a submitter sent it again
        head = self.heads[partition]
        entry = audit_chain.sign(
            self.codec, self.key, RECORD, head.next_record(submitted, raw.offset)
        )
        await self._send(self.audit_topic, RECORD, entry.value, raw.key, partition)
        head.add_record(entry)
        _remember(recent, submitted["record_id"])
        self.chained += 1

    async def _checkpoint(self, head: ChainHead) -> None:
        entry = audit_chain.sign(
            self.codec, self.key, CHECKPOINT, head.checkpoint(uuid.uuid4(), self.clock())
        )
        await self._send(self.audit_topic, CHECKPOINT, entry.value, None, head.partition)
        head.add_checkpoint(entry)

    async def _send(
        self,
        topic: str,
        schema: str,
        value: dict[str, Any],
        key: bytes | None,
        partition: int | None,
    ) -> None:
        assert self._producer is not None  # noqa: S101 - run() started it
        encoded = self.codec.encode(schema, value)
        headers = self.signer.sign(topic, key, encoded, self.codec.store.fingerprint_bytes(schema))
        self._sends.append(
            await self._producer.send(topic, encoded, key=key, partition=partition, headers=headers)
        )

    async def _settle(self, batches: dict[TopicPartition, list[Any]]) -> None:
        """Wait for every send, then commit the submissions they came from."""
        sends, self._sends = self._sends, []
        try:
            await asyncio.gather(*sends)
        except Exception as exc:
            raise MashError(f"writing {self.audit_topic} failed: {exc}") from exc
        done = {
            tp: records[-1].offset + 1
            for tp, records in batches.items()
            if records and tp.partition in self.heads
        }
        if done and self._consumer is not None:
            await self._consumer.commit(done)


def _remember(recent: OrderedDict[uuid.UUID, None], record_id: uuid.UUID) -> None:
    recent[record_id] = None
    if len(recent) > RECENT_IDS:
        recent.popitem(last=False)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped here
    """Takes up each assigned partition's chain before any submission is read."""

    def __init__(self, writer: AuditWriter) -> None:
        self.writer = writer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        try:
            await self.writer.checkpoint_all()
        except MashError as exc:
            self.writer.failure = exc
        for tp in revoked:
            self.writer.heads.pop(tp.partition, None)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        writer = self.writer
        consumer = writer._consumer  # the listener belongs to the writer
        assert consumer is not None  # noqa: S101
        try:
            recovered = await writer.recover([tp.partition for tp in assigned])
            fresh = [tp for tp in assigned if recovered[tp.partition][0].source_offset is None]
            if fresh:  # one reset for all: each waits for the fetcher
                await consumer.seek_to_beginning(*fresh)
            for tp in assigned:
                head, recent = recovered[tp.partition]
                if head.source_offset is not None:
                    # The last submission again: the rest of its records, if a
                    # stop came part-way through it (those chained are skipped).
                    consumer.seek(tp, int(head.source_offset))
                # Only now is the partition written: records fetched before are dropped.
                writer.heads[tp.partition], writer.recent[tp.partition] = head, recent
        except Exception as exc:  # aiokafka would only log it
            # The writer's loop raises it: no partition is written without its head.
            writer.failure = exc
