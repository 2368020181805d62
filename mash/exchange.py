"""The whole exchange in one process: connectors, the worker, and a view of what comes out.

``mash demo`` runs on it, and so do the end-to-end tests: they submit contacts
as intake does and read what the teams, the police and the compliance officers
would read, from the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from agents.app import create_worker
from agents.audit_writer import SUBMITTERS, AuditWriter
from agents.context import WorkerContext, utc_now
from broker.audit_chain import CHECKPOINT, WRITER
from broker.authority import Authority
from broker.catalogue import Agency, catalogue, team_topic, topic_name
from broker.codec import AvroCodec
from broker.decisions import CONSOLE
from broker.envelope import Verifier
from broker.errors import RejectedMessage
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.sealing import open_sealed
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue
from broker.transport import open_record, raw_record
from connectors.intake import submit_contact
from connectors.service import TRIAGE, Connector, publish_allocations
from mash.connector_commands import backend_social_care_allocations, load_records

log = logging.getLogger(__name__)

SENDERS = [*(agency.value for agency in Agency), TRIAGE, "intake", WRITER, CONSOLE]


@dataclass
class Seen:
    """What arrived on one topic, decoded, in order."""

    values: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


class Exchange:
    """Connectors and the worker running together, and readers of their outputs."""

    def __init__(
        self,
        settings: MashSettings,
        authority: Authority,
        keystore: Keystore,
        data: Path,
        *,
        session_timeout: float = 6.0,
        tick_seconds: float = 0.5,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.authority = authority
        self.keystore = keystore
        self.data = data
        self.session_timeout = session_timeout
        self.tick_seconds = tick_seconds
        self.clock = clock
        self.codec = AvroCodec()
        self.case_keys = keystore.case_keys()
        self.seen: dict[str, Seen] = {}
        self.worker: WorkerContext | None = None
        self.audit_writer: AuditWriter | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, agencies: list[str]) -> None:
        """Create the topics, publish allocations, start connectors, worker and readers."""
        keystore = self.keystore
        keystore.ensure(SENDERS)
        for team in self.authority.team_keys():
            keystore.team_key(team)
        await apply_catalogue(
            self.settings, catalogue(self.authority.team_keys(), self.settings.topic_prefix)
        )
        if "social_care" in agencies:
            allocations = backend_social_care_allocations(self.data)
            await publish_allocations(allocations, self.settings, keystore)
        readies = []
        for agency in agencies:
            ready = asyncio.Event()
            connector = Connector(
                Agency(agency), load_records(agency, self.data), self.settings, keystore
            )
            self._tasks.append(asyncio.create_task(connector.run(self._stop, ready)))
            readies.append(ready)
        self.audit_writer = AuditWriter(self.settings, keystore, SUBMITTERS, clock=self.clock)
        writing = asyncio.Event()
        self._tasks.append(asyncio.create_task(self.audit_writer.run(self._stop, writing)))
        readies.append(writing)
        for stream in ("notifications", "audit", "deadletter"):
            self._follow(topic_name(stream, self.settings.topic_prefix))
        for team in self.authority.team_keys():
            self._follow(team_topic(team, self.settings.topic_prefix))
        self.worker = create_worker(
            self.settings,
            self.authority,
            keystore,
            session_timeout=self.session_timeout,
            tick_seconds=self.tick_seconds,
            clock=self.clock,
        )
        await self.worker.app.start()
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), 120)

    async def stop(self) -> None:
        """Stop the worker, the connectors and the readers."""
        if self.worker is not None:
            await self.worker.app.stop()
        if self.audit_writer is not None and not await self.audit_writer.drained():
            log.warning("the audit writer had not chained every submission when stopped")
        self._stop.set()
        # Each loop notices the stop within a poll (under a second) and closes its clients.
        await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), 60)

    async def submit(self, contact: dict[str, Any]) -> None:
        """Publish a contact as intake does."""
        await submit_contact(contact, self.settings, self.keystore)

    def _follow(self, topic: str) -> None:
        self.seen[topic] = Seen()
        self._tasks.append(asyncio.create_task(self._read(topic)))

    async def _read(self, topic: str) -> None:
        verifier = Verifier(self.keystore.current_keyring())
        consumer = AIOKafkaConsumer(
            topic, auto_offset_reset="earliest", **connection_options(self.settings)
        )
        await consumer.start()
        seen = self.seen[topic]
        try:
            while not self._stop.is_set():
                for records in (await consumer.getmany(timeout_ms=300)).values():
                    for record in records:
                        try:
                            value = self._decode(verifier, record)
                        except RejectedMessage as refused:  # e.g. a case erased since
                            log.warning("%s@%d: %s", topic, record.offset, refused)
                            continue
                        if value["_schema"] == CHECKPOINT:
                            continue
                        async with seen.changed:
                            seen.values.append(value)
                            seen.changed.notify_all()
        finally:
            await consumer.stop()

    def _decode(self, verifier: Verifier, record: Any) -> dict[str, Any]:
        verifier.keyring = self.keystore.current_keyring()
        received = open_record(raw_record(record), self.codec, verifier, self.case_keys, None)
        decoded = received.decoded
        value = dict(decoded.value)
        value["_schema"], value["_sender"] = decoded.schema, received.envelope.sender
        if decoded.schema == "uk.mash.v1.SealedPicture":
            private = self.keystore.team_key_for(value["team_key"], value["key_id"])
            value["_picture"] = open_sealed(decoded.value, private, self.codec)
        return value

    async def wait_for(
        self, topic: str, match: Callable[[dict[str, Any]], bool], within: float = 60
    ) -> dict[str, Any]:
        """The first value on ``topic`` (as read so far or later) that ``match`` accepts."""
        seen = self.seen[topic]
        async with asyncio.timeout(within), seen.changed:
            while True:
                for value in seen.values:
                    if match(value):
                        return value
                await seen.changed.wait()

    def team_pictures(self, team: str, case_id: Any) -> list[dict[str, Any]]:
        """The pictures a team has received for a case so far, decrypted."""
        seen = self.seen[team_topic(team, self.settings.topic_prefix)]
        return [v["_picture"] for v in seen.values if v["case_id"] == case_id]

    def values(self, stream: str) -> list[dict[str, Any]]:
        """Everything read so far from a catalogue stream (e.g. 'audit')."""
        return self.seen[topic_name(stream, self.settings.topic_prefix)].values


@contextlib.asynccontextmanager
async def running_exchange(exchange: Exchange, agencies: list[str]) -> AsyncIterator[Exchange]:
    """Start an exchange and stop it when the block ends."""
    try:
        await exchange.start(agencies)
        yield exchange
    finally:
        await exchange.stop()
