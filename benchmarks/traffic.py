"""What goes in and what comes out: contacts submitted as intake does, pictures as teams get them.

:class:`Intake` signs and publishes contacts with the project's own
:class:`~broker.transport.Publisher`, many at once so that the producer batches
them. :class:`Arrivals` follows topics and notes when each case's first record
arrives; :class:`TeamInbox` is the one on the team topics, which also verifies
and opens each case's first picture, as the team would, to count why it was sent.
"""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from broker.codec import AvroCodec, millis
from broker.contact_rules import rule_problems
from broker.envelope import Signer, Verifier
from broker.errors import MashError
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.sealing import open_sealed
from broker.settings import MashSettings
from broker.transport import Publisher, open_record, raw_record
from connectors.intake import CONTACT, INTAKE
from connectors.synthetic.model import Partnership

NAMESPACE = uuid.UUID("8d1c6f3e-44b2-5a07-9e1f-2c3b4a5d6e7f")
#: Contacts in flight at once when submitting as fast as possible.
IN_FLIGHT = 256
#: Tries to publish a contact before the run fails.
ATTEMPTS = 3


def bench_contacts(partnership: Partnership, run: str, first: int = 0) -> Iterator[dict[str, Any]]:
    """The partnership's contacts that intake accepts, over and over, each a new case received now.

    Every contact gets its own contact and case id (from ``run`` and its number,
    counted from ``first``), so a contact reused is a new referral about the
    same family, as happens when a family is referred again. Contacts that break
    the guidance's rules (``broker.contact_rules``: e.g. consent not sought with
    no reason recorded) are left out, as intake would refuse them.
    """
    bases = accepted_contacts(partnership)
    if not bases:
        raise MashError("the synthetic partnership has no valid contacts: generate more families")
    number = first
    while True:
        contact = copy.deepcopy(bases[number % len(bases)])
        contact["contact_id"] = uuid.uuid5(NAMESPACE, f"{run}:contact:{number}")
        contact["case_id"] = uuid.uuid5(NAMESPACE, f"{run}:case:{number}")
        contact["received_at"] = millis(datetime.now(UTC))
        yield contact
        number += 1


def accepted_contacts(partnership: Partnership) -> list[dict[str, Any]]:
    """The partnership's contacts that pass intake's checks of the guidance's rules."""
    contacts = cast(list[dict[str, Any]], partnership.contacts)
    return [contact for contact in contacts if not rule_problems(contact)]


def case_key(contact: dict[str, Any]) -> bytes:
    """The Kafka key of every message about the contact's case."""
    return str(contact["case_id"]).encode()


class Intake:
    """Publishes contacts signed by intake, keyed by case, each acknowledged."""

    def __init__(self, settings: MashSettings, keystore: Keystore) -> None:
        self.settings = settings
        self.keystore = keystore
        self.topic = f"{settings.topic_prefix}mash.contacts.v1"
        self.submitted: dict[bytes, float] = {}
        self._producer = AIOKafkaProducer(acks="all", **connection_options(settings))
        self._publisher = Publisher(
            self._producer,
            AvroCodec(),
            Signer(keystore.signing_key(INTAKE)),
            keystore.case_keys(),
        )
        self._sending: set[asyncio.Task[None]] = set()
        self.retries = 0
        self.failures: list[BaseException] = []

    async def start(self) -> None:
        """Connect the producer."""
        await self._producer.start()

    async def stop(self) -> None:
        """Wait for the contacts still being sent, then disconnect."""
        await self.settled()
        await self._producer.stop()

    async def submit(self, contact: dict[str, Any], at: float | None = None) -> None:
        """Start publishing one contact; ``at`` is when it counts as submitted (default: now).

        Returns once the contact is handed over, with at most ``IN_FLIGHT``
        contacts unacknowledged, so a caller submitting in a loop is held back
        by the broker rather than piling up tasks.
        """
        while len(self._sending) >= IN_FLIGHT:
            await asyncio.wait(self._sending, return_when=asyncio.FIRST_COMPLETED)
        key = case_key(contact)
        self.submitted[key] = time.monotonic() if at is None else at
        task = asyncio.create_task(self._publish(key, contact))
        self._sending.add(task)
        task.add_done_callback(self._done)

    async def _publish(self, key: bytes, contact: dict[str, Any]) -> None:
        """Publish, trying again after a broker error (triage drops a contact sent twice)."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await self._publisher.publish(self.topic, CONTACT, contact, key=key)
                return
            except KafkaError:
                if attempt == ATTEMPTS:
                    raise
                self.retries += 1
                await asyncio.sleep(attempt)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            self.failures.append(failure)

    async def settled(self) -> None:
        """Wait until every contact submitted so far is acknowledged.

        Raises:
            MashError: a contact could not be published, even when tried again.
        """
        while self._sending:
            await asyncio.wait(list(self._sending))
        if self.failures:
            raise MashError(
                f"{len(self.failures)} contact(s) could not be published: {self.failures[0]!r}"
            )


class Arrivals:
    """Follows topics from their start and notes when each key first arrives."""

    def __init__(self, settings: MashSettings, topics: list[str]) -> None:
        self.settings = settings
        self.topics = topics
        self.first: dict[bytes, float] = {}
        self.records = 0
        self._consumer = AIOKafkaConsumer(
            *topics,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            # Short waits, so the reader adds little to the latency it measures.
            fetch_max_wait_ms=100,
            **connection_options(settings),
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and start reading in the background."""
        await self._consumer.start()
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        """Stop reading and disconnect."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _read(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=100, max_records=2000)
            arrived = time.monotonic()
            for records in batches.values():
                for record in records:
                    self.records += 1
                    if record.key is not None and record.key not in self.first:
                        self.first[record.key] = arrived
                        self.on_first(record)

    def on_first(self, record: Any) -> None:
        """Called with each key's first record (nothing by default)."""

    def count(self, keys: set[bytes] | dict[bytes, float]) -> int:
        """How many of ``keys`` have arrived."""
        return sum(1 for key in keys if key in self.first)

    async def wait_for(
        self,
        keys: set[bytes] | dict[bytes, float],
        within: float,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Wait until every key has arrived or ``within`` seconds pass; how many arrived.

        ``progress`` is called about once a second with the count so far.
        """
        deadline = time.monotonic() + within
        shown = time.monotonic()
        while (done := self.count(keys)) < len(keys) and time.monotonic() < deadline:
            if self._task is not None and self._task.done():
                self._task.result()  # the reader failed: say why
            if progress is not None and time.monotonic() - shown >= 1.0:
                progress(done)
                shown = time.monotonic()
            await asyncio.sleep(0.02)
        return self.count(keys)


class TeamInbox(Arrivals):
    """The teams' topics: each case's first picture, verified and opened with the team's key."""

    def __init__(self, settings: MashSettings, topics: list[str], keystore: Keystore) -> None:
        super().__init__(settings, topics)
        self.keystore = keystore
        self.codec = AvroCodec()
        self.case_keys = keystore.case_keys()
        self.verifier = Verifier(keystore.current_keyring())
        self.reasons: Counter[str] = Counter()
        self.unreadable: list[str] = []

    def on_first(self, record: Any) -> None:
        try:
            received = open_record(
                raw_record(record), self.codec, self.verifier, self.case_keys, None
            )
            sealed = received.decoded.value
            picture = open_sealed(sealed, self.keystore.team_key(sealed["team_key"]), self.codec)
        except MashError as refused:
            self.unreadable.append(f"{record.topic}@{record.offset}: {refused}")
            return
        self.reasons[str(picture["revision_reason"])] += 1
