"""Reading topic partitions from their first offset to their end, once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError

from broker.errors import BrokerUnreachable, MashError
from broker.kafka_client import connection_options
from broker.settings import MashSettings

#: How long one poll waits for more records once the reader looks caught up.
IDLE_MS = 300
#: How long a reader behind the end may see nothing before it gives up.
STALL_SECONDS = 30.0


async def started_reader(settings: MashSettings, name: str) -> AIOKafkaConsumer:
    """A started consumer outside any group that commits nothing, to read topics through.

    Raises:
        BrokerUnreachable: no broker at the bootstrap address.
    """
    consumer = AIOKafkaConsumer(
        client_id=f"{settings.client_id}-{name}",
        enable_auto_commit=False,
        **connection_options(settings),
    )
    try:
        await consumer.start()
    except KafkaConnectionError as exc:
        await consumer.stop()
        raise BrokerUnreachable(
            f"no Kafka broker answered at {settings.bootstrap_servers} "
            "(start one with 'mash broker start', or pass --bootstrap HOST:PORT)"
        ) from exc
    return consumer


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """The partitions of ``topic``, once the broker has a leader for each.

    A topic just created is listed before its partitions have leaders, and a
    consumer's cached metadata may predate it, so this asks again for a while.

    Raises:
        MashError: the topic has no partitions after ``STALL_SECONDS``.
    """
    deadline = time.monotonic() + STALL_SECONDS
    while True:
        numbers = consumer.partitions_for_topic(topic)
        if numbers:
            return [TopicPartition(topic, number) for number in sorted(numbers)]
        if time.monotonic() > deadline:
            raise MashError(f"{topic} has no partitions with a leader")
        # aiokafka has no public way to refresh a consumer's metadata.
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.2)


async def read_to_end(
    consumer: AIOKafkaConsumer,
    partitions: Sequence[TopicPartition],
    *,
    start: Mapping[TopicPartition, int] | None = None,
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Every record of ``partitions`` from the beginning (or ``start``) to the end.

    The end is the end offsets asked for at the start, then any records still
    arriving: the embedded broker reports the start of a partition's last batch
    as its end, so the reader only stops at a poll that brings nothing once it
    is past the reported end.

    Raises:
        MashError: no record came for ``STALL_SECONDS`` while the reader was
            still short of the end.
    """
    consumer.assign(list(partitions))
    await consumer.seek_to_beginning(*partitions)
    for partition, offset in (start or {}).items():
        consumer.seek(partition, offset)
    ends = await consumer.end_offsets(list(partitions))
    last_progress = time.monotonic()
    while True:
        batches = await consumer.getmany(*partitions, timeout_ms=IDLE_MS)
        if batches:
            last_progress = time.monotonic()
            for records in batches.values():
                for record in records:
                    yield record
            continue
        if await caught_up(consumer, ends):
            return
        if time.monotonic() - last_progress > STALL_SECONDS:
            behind = {str(p): ends[p] - await consumer.position(p) for p in partitions}
            raise MashError(f"reading stalled {STALL_SECONDS:.0f} s short of the end: {behind}")


async def caught_up(consumer: AIOKafkaConsumer, ends: Mapping[TopicPartition, int]) -> bool:
    """Whether the consumer's position has reached ``ends`` on every partition."""
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return False
    return True
