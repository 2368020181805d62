"""Publishing and receiving signed Avro messages over Kafka.

:class:`Publisher` encodes, encrypts a case's message under the case's key
(broker.case_keys), signs and sends, returning once the broker has
acknowledged. :class:`Receiver` reads a consumer's records, verifies, decrypts
and decodes each, and sends whatever fails to the dead-letter topic before carrying
on. Offsets are the caller's to commit, after its own outputs are acknowledged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord, RecordMetadata

from broker.case_keys import CaseKeys
from broker.codec import AvroCodec, Decoded
from broker.deadletter import DEAD_LETTER_SCHEMA, RawRecord, dead_letter_for
from broker.envelope import Envelope, Keyring, Signer, SigningKey, Verifier, check_schema
from broker.errors import RejectedMessage
from broker.kafka_client import connection_options
from broker.settings import MashSettings
from broker.types import Codec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    """A message that was verified and decoded."""

    record: RawRecord
    envelope: Envelope
    decoded: Decoded

    @property
    def value(self) -> dict[str, Any]:
        """The decoded value."""
        return self.decoded.value


class Publisher:
    """Encodes, encrypts (case messages), signs and sends messages as one sender."""

    def __init__(
        self, producer: AIOKafkaProducer, codec: Codec, signer: Signer, case_keys: CaseKeys
    ) -> None:
        self.producer = producer
        self.codec = codec
        self.signer = signer
        self.case_keys = case_keys

    async def publish(
        self,
        topic: str,
        schema: str,
        value: Mapping[str, Any],
        *,
        key: bytes | None,
        message_id: str | None = None,
    ) -> RecordMetadata:
        """Send one message and wait until the broker has acknowledged it.

        Raises:
            CaseErased: the message is about an erased case.
        """
        encoded = self.case_keys.encrypt(topic, key, self.codec.encode(schema, value))
        headers = self.signer.sign(
            topic, key, encoded, self.codec.store.fingerprint_bytes(schema), message_id=message_id
        )
        return await self.producer.send_and_wait(topic, encoded, key=key, headers=headers)


class Receiver:
    """Verifies and decodes a consumer's records; dead-letters the rest.

    Args:
        expected: the schema each topic carries (from the catalogue); a message
            of another schema is refused.
        name: the consumer's name, recorded in its dead letters.
        keyring: the trusted keys as they are now, asked before each message
            (``Keystore.current_keyring``: a key added, rotated or revoked
            counts without a restart); None to keep the verifier's keyring.
    """

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        *,
        codec: Codec,
        verifier: Verifier,
        case_keys: CaseKeys,
        dead_letters: Publisher,
        dead_letter_topic: str,
        expected: Mapping[str, str],
        name: str,
        keyring: Callable[[], Keyring] | None = None,
    ) -> None:
        self.consumer = consumer
        self.codec = codec
        self.verifier = verifier
        self.case_keys = case_keys
        self.dead_letters = dead_letters
        self.dead_letter_topic = dead_letter_topic
        self.expected = expected
        self.name = name
        self.keyring = keyring

    def open(self, record: RawRecord) -> Received:
        """Verify, then decrypt and decode, one record.

        Raises:
            RejectedMessage: with the dead-letter reason.
        """
        if self.keyring is not None:
            self.verifier.keyring = self.keyring()
        return open_record(
            record, self.codec, self.verifier, self.case_keys, self.expected.get(record.topic)
        )

    async def receive(self, timeout_ms: int = 1000) -> list[Received]:
        """The next batch of good messages; bad ones are dead-lettered on the way."""
        batches = await self.consumer.getmany(timeout_ms=timeout_ms)
        received = []
        for records in batches.values():
            for record in records:
                raw = raw_record(record)
                try:
                    received.append(self.open(raw))
                except RejectedMessage as error:
                    await self.dead_letter(raw, error)
        return received

    async def dead_letter(self, record: RawRecord, error: RejectedMessage) -> None:
        """Keep a rejected record on the dead-letter topic, acknowledged."""
        log.warning(
            "dead-lettered %s[%d]@%d: %s %s",
            record.topic,
            record.partition,
            record.offset,
            error.reason,
            error,
        )
        await self.dead_letters.publish(
            self.dead_letter_topic,
            DEAD_LETTER_SCHEMA,
            dead_letter_for(record, error, self.name),
            key=record.key,
        )


def open_record(
    record: RawRecord,
    codec: Codec,
    verifier: Verifier,
    case_keys: CaseKeys,
    expected: str | None,
    senders: frozenset[str] | None = None,
) -> Received:
    """Check the size, verify the envelope, then decrypt and decode one record.

    Args:
        expected: the schema the record must carry, or None for any known schema.
        senders: who may publish on the record's topic; None for any trusted sender.

    Raises:
        RejectedMessage: with the dead-letter reason (including a sender not
            allowed on this topic).
    """
    codec.check_size(record.value)
    envelope = verifier.verify(
        record.topic, record.partition, record.offset, record.key, record.value, record.headers
    )
    if senders is not None and envelope.sender not in senders:
        raise RejectedMessage(
            "UNKNOWN_SENDER", f"{envelope.sender} may not publish to {record.topic}"
        )
    return Received(
        record, envelope, codec.decode(plain_value(case_keys, envelope, record), expected)
    )


def plain_value(case_keys: CaseKeys, envelope: Envelope, record: RawRecord) -> bytes:
    """The Avro bytes of a verified record: decrypted if it is a case's, schema header checked.

    Raises:
        RejectedMessage: CASE_ERASED, NO_CASE_KEY or MALFORMED.
    """
    plain = case_keys.decrypt(record.topic, record.key, record.value)
    check_schema(envelope, plain)
    return plain


def raw_record(record: ConsumerRecord[bytes, bytes]) -> RawRecord:
    """An aiokafka record as the dead-letter path keeps it."""
    return RawRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value if record.value is not None else b"",
        headers=tuple(record.headers or ()),
        timestamp_ms=record.timestamp,
    )


async def publish_signed(
    settings: MashSettings,
    signing_key: SigningKey,
    case_keys: CaseKeys,
    topic: str,
    schema: str,
    messages: Iterable[tuple[bytes | None, Mapping[str, Any]]],
) -> list[RecordMetadata]:
    """Publish (key, value) messages as one sender, each acknowledged, then disconnect.

    For commands and services that send a few messages and stop (a contact, a
    request, a batch of allocations).
    """
    producer = AIOKafkaProducer(acks="all", **connection_options(settings))
    await producer.start()
    try:
        publisher = Publisher(producer, AvroCodec(), Signer(signing_key), case_keys)
        return [await publisher.publish(topic, schema, value, key=key) for key, value in messages]
    finally:
        await producer.stop()
