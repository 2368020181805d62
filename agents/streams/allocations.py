"""The allocations every worker knows: ``mash.allocations.v1``, read in full.

Triage must see every allocation, whichever partitions of the contacts topic
the worker owns, so this is read by a consumer outside the worker's group,
from the start of the (compacted) topic: a restarted worker rebuilds it the
same way. Each allocation is verified as signed by children's social care.
"""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaConsumer

from agents.context import WorkerContext
from broker.errors import RejectedMessage
from broker.kafka_client import connection_options
from broker.transport import raw_record

ALLOCATION = "uk.mash.v1.Allocation"
SOCIAL_CARE = frozenset({"social_care"})

log = logging.getLogger(__name__)


def register(ctx: WorkerContext) -> None:
    """Keep ``ctx.allocations`` up to date for as long as the worker runs."""

    @ctx.app.task  # type: ignore[untyped-decorator]  # faust is untyped
    async def follow_allocations() -> None:
        consumer = AIOKafkaConsumer(
            ctx.topics.allocations,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **connection_options(ctx.settings),
        )
        await consumer.start()
        try:
            while not ctx.app.should_stop:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    for record in records:
                        apply(ctx, record)
        finally:
            await consumer.stop()


def apply(ctx: WorkerContext, record: object) -> None:
    """Add, replace or (for a tombstone) remove one child's allocation."""
    raw = raw_record(record)
    child = (raw.key or b"").decode()
    if not raw.value:
        ctx.allocations.remove(child)
        return
    try:
        received = ctx.open(raw, ALLOCATION, SOCIAL_CARE)
    except RejectedMessage as refused:
        log.warning(
            "allocation at offset %d not trusted: %s %s", raw.offset, refused.reason, refused
        )
        return
    ctx.allocations.put(received.value)
