"""Signed Avro messages in and out of faust streams.

Faust hands agents raw bytes (topics use the ``raw`` serializer): the envelope
is in the Kafka headers, which a faust codec never sees. ``open_trusting_new_keys``
verifies, decrypts (a case's message, broker.case_keys) and decodes an event; ``Outbox``
encodes, encrypts, signs and sends through faust's
producer, whose buffer faust flushes before it commits the source offsets, so
every output of an event is sent before the event counts as done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Any

import faust

from agents.audit import SUBMISSION_SCHEMA, submissions
from broker.case_keys import CaseKeys
from broker.codec import AvroCodec
from broker.deadletter import DEAD_LETTER_SCHEMA, RawRecord, dead_letter_for
from broker.envelope import Signer, Verifier
from broker.errors import RejectedMessage
from broker.keystore import Keystore
from broker.transport import Received, open_record


def raw_of(event: faust.types.EventT[Any]) -> RawRecord:
    """The Kafka record under a faust event."""
    message = event.message
    headers = message.headers or ()
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return RawRecord(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value or b"",
        headers=tuple(
            (str(name), value if isinstance(value, bytes) else str(value).encode())
            for name, value in pairs
        ),
        timestamp_ms=int(message.timestamp * 1000) if message.timestamp else None,
    )


def open_trusting_new_keys(
    record: RawRecord,
    codec: AvroCodec,
    verifier: Verifier,
    keystore: Keystore,
    expected: str | None,
    senders: frozenset[str],
) -> Received:
    """:func:`broker.transport.open_record` with the keystore's current keys.

    A key added, rotated or revoked since the service started (an agency's
    first key, ``mash keys rotate``, ``mash keys revoke``) counts from the next
    record on: the keyring is read again whenever the keystore folder changes
    (:meth:`Keystore.current_keyring`), not per record.

    Raises:
        RejectedMessage: with the dead-letter reason.
    """
    verifier.keyring = keystore.current_keyring()
    return open_record(record, codec, verifier, keystore.case_keys(), expected, senders)


class Outbox:
    """Sends signed Avro messages through a faust app's producer.

    Sends are batched by the producer; ``settle`` waits until every send of the
    current event is acknowledged and raises if one failed, so a handler never
    finishes (and its event is never committed) with an output lost.

    Audit records are kept until ``settle`` and then submitted together, one
    ``uk.mash.v1.AuditSubmission`` per case: an event that makes twenty sharing
    decisions costs one message to audit, not twenty.
    """

    def __init__(
        self, app: faust.App, codec: AvroCodec, signer: Signer, case_keys: CaseKeys
    ) -> None:
        self.app = app
        self.codec = codec
        self.signer = signer
        self.case_keys = case_keys
        self._pending: list[Awaitable[Any]] = []
        self._audit: dict[tuple[str, bytes | None], list[dict[str, Any]]] = {}

    async def send(
        self, topic: str, schema: str, value: Mapping[str, Any], key: bytes | None
    ) -> None:
        """Encode, encrypt (a case's message), sign and hand a message to the producer.

        Raises:
            CaseErased: the message is about an erased case.
        """
        encoded = self.case_keys.encrypt(topic, key, self.codec.encode(schema, value))
        fingerprint = self.codec.store.fingerprint_bytes(schema)
        headers = self.signer.sign(topic, key, encoded, fingerprint)
        self._pending.append(
            await self.app.producer.send(
                topic, key, encoded, partition=None, timestamp=None, headers=headers
            )
        )

    def audit(self, topic: str, record: dict[str, Any], key: bytes | None) -> None:
        """Keep an audit record, to be submitted with the event's others at ``settle``."""
        self._audit.setdefault((topic, key), []).append(record)

    async def settle(self) -> None:
        """Submit the audit records kept, then wait for every send since the last settle.

        Raises:
            CaseErased: the audit records are about an erased case.
        """
        audit, self._audit = self._audit, {}
        for (topic, key), records in audit.items():
            for submission in submissions(records):
                await self.send(topic, SUBMISSION_SCHEMA, submission, key)
        pending, self._pending = self._pending, []
        await asyncio.gather(*pending)

    async def dead_letter(
        self, topic: str, record: RawRecord, error: RejectedMessage, consumer: str
    ) -> None:
        """Keep a rejected record on the dead-letter topic."""
        await self.send(
            topic, DEAD_LETTER_SCHEMA, dead_letter_for(record, error, consumer), record.key
        )
