"""The dead-letter path on real brokers: every bad input is kept with its reason.

Good and bad messages are produced to one partition of the responses topic; a
Receiver reads them all, passes the good ones on and sends each bad one to the
dead-letter topic, where it is read back, its own signature checked, and its
reason, original bytes and source offset compared. Nothing is silently dropped.
Values are encrypted under their case's key as every case message is
(broker.case_keys), so the Avro faults are inside the encryption; messages of an
erased case, of a case whose key the receiver lacks, and not encrypted at all
are probes too.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from broker.case_keys import CaseKeys
from broker.catalogue import catalogue, topic_name
from broker.codec import SOE_HEADER_BYTES, SOE_MARKER, AvroCodec
from broker.envelope import Keyring, ReplayGuard, Signer, SigningKey, Verifier
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue
from broker.transport import Publisher, Received, Receiver
from tests.examples import CONTACT, INFORMATION_RESPONSE

RESPONSE = "uk.mash.v1.InformationResponse"
DEAD_LETTER = "uk.mash.v1.DeadLetter"
KEY = b"6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
ERASED = b"0e4a6b1c-2d3e-4f50-9a1b-2c3d4e5f6a7b"
ELSEWHERE = b"9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
LIMIT = 64 * 1024


@dataclass(frozen=True)
class Produced:
    value: bytes
    headers: list[tuple[str, bytes]]
    reason: str | None  # None: a good message
    key: bytes = KEY


def signed(
    key: SigningKey, topic: str, value: bytes, fingerprint: bytes, case: bytes = KEY
) -> list[tuple[str, bytes]]:
    return Signer(key).sign(topic, case, value, fingerprint)


def bad_inputs(
    topic: str, codec: AvroCodec, keys: dict[str, SigningKey], vaults: dict[str, CaseKeys]
) -> list[Produced]:
    police = keys["police"]
    fingerprint = codec.store.fingerprint_bytes(RESPONSE)

    def sealed(value: bytes, case: bytes = KEY, vault: str = "shared") -> bytes:
        return vaults[vault].encrypt(topic, case, value)

    plain = codec.encode(RESPONSE, INFORMATION_RESPONSE)
    good = sealed(plain)
    second = sealed(codec.encode(RESPONSE, {**INFORMATION_RESPONSE, "responder": None}))
    first_headers = signed(police, topic, good, fingerprint)
    unknown = bytes.fromhex("0123456789abcdef")
    unknown_schema = sealed(SOE_MARKER + unknown + plain[SOE_HEADER_BYTES:])
    contact = sealed(codec.encode("uk.mash.v1.Contact", CONTACT))
    truncated = sealed(plain[:-20])
    oversized = SOE_MARKER + fingerprint + bytes(LIMIT + 1)
    tampered = good[:-1] + bytes([good[-1] ^ 1])
    impostor = SigningKey("health", police.private_key, police.key_id)
    malformed = sealed(b'{"response": "sent as JSON"}')
    of_erased = sealed(plain, ERASED)
    vaults["shared"].erase(uuid.UUID(ERASED.decode()), datetime.now(UTC))
    key_elsewhere = sealed(plain, ELSEWHERE, vault="elsewhere")
    return [
        Produced(good, first_headers, None),
        Produced(malformed, signed(police, topic, malformed, fingerprint), "MALFORMED"),
        Produced(unknown_schema, signed(police, topic, unknown_schema, unknown), "UNKNOWN_SCHEMA"),
        Produced(
            contact,
            signed(police, topic, contact, codec.store.fingerprint_bytes("uk.mash.v1.Contact")),
            "WRONG_SCHEMA",
        ),
        Produced(truncated, signed(police, topic, truncated, fingerprint), "TRUNCATED"),
        Produced(oversized, signed(police, topic, oversized, fingerprint), "OVERSIZED"),
        Produced(tampered, signed(police, topic, good, fingerprint), "BAD_SIGNATURE"),
        Produced(good, signed(impostor, topic, good, fingerprint), "UNKNOWN_SENDER"),
        Produced(good, signed(keys["mallory"], topic, good, fingerprint), "UNKNOWN_KEY"),
        Produced(good, signed(keys["revoked"], topic, good, fingerprint), "UNKNOWN_KEY"),
        Produced(good, [], "MISSING_SIGNATURE"),
        Produced(good, first_headers, "REPLAY"),
        Produced(plain, signed(police, topic, plain, fingerprint), "MALFORMED"),  # in the clear
        Produced(
            of_erased, signed(police, topic, of_erased, fingerprint, ERASED), "CASE_ERASED", ERASED
        ),
        Produced(
            key_elsewhere,
            signed(police, topic, key_elsewhere, fingerprint, ELSEWHERE),
            "NO_CASE_KEY",
            ELSEWHERE,
        ),
        Produced(second, signed(police, topic, second, fingerprint), None),
    ]


async def test_every_bad_input_lands_in_the_dead_letter_topic(
    settings: MashSettings, tmp_path: Path
) -> None:
    responses = topic_name("responses", settings.topic_prefix)
    dead_letters = topic_name("deadletter", settings.topic_prefix)
    specs = [s for s in catalogue([], settings.topic_prefix) if s.name in (responses, dead_letters)]
    await apply_catalogue(settings, specs)

    keys = {
        name: SigningKey.generate(sender)
        for name, sender in [
            ("police", "police"),
            ("mallory", "police"),
            ("revoked", "police"),
            ("policy", "agent.policy"),
        ]
    }
    keyring = Keyring(keys[name].trusted() for name in ("police", "revoked", "policy"))
    keyring.revoke(keys["revoked"].key_id)
    codec = AvroCodec(max_bytes=LIMIT)
    vaults = {name: CaseKeys(tmp_path / name) for name in ("shared", "elsewhere")}
    inputs = bad_inputs(responses, codec, keys, vaults)

    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await producer.start()
    try:
        offsets = []
        for item in inputs:
            sent = await producer.send_and_wait(
                responses, item.value, key=item.key, headers=item.headers
            )
            offsets.append((sent.partition, sent.offset))
        consumer = group_member(settings, responses, "policy")
        await consumer.start()
        try:
            receiver = Receiver(
                consumer,
                codec=codec,
                verifier=Verifier(keyring, ReplayGuard()),
                case_keys=vaults["shared"],
                dead_letters=Publisher(
                    producer, AvroCodec(), Signer(keys["policy"]), vaults["shared"]
                ),
                dead_letter_topic=dead_letters,
                expected={responses: RESPONSE},
                name="policy",
            )
            received: list[Received] = []
            async with asyncio.timeout(60):
                while len(received) < 2:
                    received += await receiver.receive()
            await consumer.commit()
        finally:
            await consumer.stop()
    finally:
        await producer.stop()

    good = [i for i, item in enumerate(inputs) if item.reason is None]
    assert [(r.record.partition, r.record.offset) for r in received] == [offsets[i] for i in good]
    assert [r.decoded.schema for r in received] == [RESPONSE, RESPONSE]
    assert received[0].envelope.sender == "police"

    kept = await read_dead_letters(settings, dead_letters, keys["policy"], count=len(inputs) - 2)
    expected = {offsets[i]: item for i, item in enumerate(inputs) if item.reason is not None}
    assert sorted(kept) == sorted(expected), "exactly one dead letter per bad message"
    for place, letter in kept.items():
        item = expected[place]
        assert letter["reason"] == item.reason, f"at {place}: {letter['message']}"
        assert letter["source_topic"] == responses
        assert letter["source_key"] == item.key
        assert letter["original_value"] == item.value
        assert letter["original_size"] == len(item.value)
        assert not letter["value_truncated"]
        assert [(h["key"], h["value"]) for h in letter["original_headers"]] == item.headers
        assert letter["consumer"] == "policy"


def group_member(settings: MashSettings, topic: str, group: str) -> AIOKafkaConsumer:
    """A consumer in this test's own group, from the start, committing by hand."""
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.bootstrap_servers,
        group_id=f"{settings.topic_prefix}{group}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )


async def read_dead_letters(
    settings: MashSettings, topic: str, signer: SigningKey, count: int
) -> dict[tuple[int, int], dict[str, object]]:
    """Dead letters by source partition and offset, each verified as signed by their writer."""
    codec, verifier = AvroCodec(), Verifier(Keyring([signer.trusted()]))
    consumer = group_member(settings, topic, "dead-letter-reader")
    await consumer.start()
    kept: dict[tuple[int, int], dict[str, object]] = {}
    try:
        async with asyncio.timeout(60):
            while len(kept) < count:
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    for record in records:
                        assert record.value is not None
                        verifier.verify(
                            record.topic,
                            record.partition,
                            record.offset,
                            record.key,
                            record.value,
                            list(record.headers),
                        )
                        letter = codec.decode(record.value, DEAD_LETTER).value
                        kept[int(letter["partition"]), int(letter["offset"])] = letter
    finally:
        await consumer.stop()
    return kept
