"""Produce and consume through each broker, with a consumer group and committed offsets."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from broker.engines.process import BrokerProcess

MESSAGES = 20


async def _create_topic(bootstrap: str, name: str, partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


async def _consume(consumer: AIOKafkaConsumer, count: int, timeout_s: float = 30.0) -> list[bytes]:
    values: list[bytes] = []
    attempts = int(timeout_s)
    for _ in range(attempts):
        batches = await consumer.getmany(timeout_ms=1000)
        for records in batches.values():
            values += [record.value for record in records if record.value is not None]
        if len(values) >= count:
            break
    return values


async def _produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


def _group_member(bootstrap: str, topic: str, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )


async def test_group_consumes_every_message_and_resumes_from_committed_offsets(
    broker: BrokerProcess, unique: str
) -> None:
    topic, group = f"{unique}.smoke", f"{unique}-group"
    await _create_topic(broker.bootstrap, topic)
    sent = [(f"case-{i % 4}".encode(), f"message {i}".encode()) for i in range(MESSAGES)]
    await _produce(broker.bootstrap, topic, sent)

    first = _group_member(broker.bootstrap, topic, group)
    await first.start()
    try:
        received = await _consume(first, MESSAGES)
        await first.commit()
        committed = {tp: await first.committed(tp) for tp in first.assignment()}
    finally:
        await first.stop()
    assert sorted(received) == sorted(value for _, value in sent)
    assert sum(offset or 0 for offset in committed.values()) == MESSAGES

    # A second member of the same group starts from the committed offsets:
    # it sees only what was produced after the commit.
    await _produce(broker.bootstrap, topic, [(b"case-0", b"after commit")])
    second = _group_member(broker.bootstrap, topic, group)
    await second.start()
    try:
        assert await _consume(second, 1) == [b"after commit"]
    finally:
        await second.stop()


@pytest.mark.kafka_only
async def test_idempotent_producer_on_apache_kafka(
    kafka_broker: BrokerProcess, unique: str
) -> None:
    """Apache Kafka grants a producer id; the embedded broker cannot (DESIGN.md, known limits)."""
    topic = f"{unique}.idempotent"
    await _create_topic(kafka_broker.bootstrap, topic, partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for index in range(5):
            await producer.send_and_wait(topic, str(index).encode())
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_broker.bootstrap)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        end = await consumer.end_offsets([partition])
    finally:
        await consumer.stop()
    assert end[partition] == 5
