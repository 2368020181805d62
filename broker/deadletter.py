"""The dead-letter path: what cannot be read or trusted is kept, with its reason.

A rejected message becomes a ``uk.mash.v1.DeadLetter`` on ``mash.deadletter.v1``
holding the original key, value and headers and where it was read, so an
operator can see why and replay it once the cause is fixed. The consumer waits
for the dead letter to be acknowledged before it moves on, so a committed
offset never covers a message that is neither processed nor kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from broker.errors import RejectedMessage

DEAD_LETTER_SCHEMA = "uk.mash.v1.DeadLetter"
#: Values larger than this are kept only in part (the dead letter must itself
#: fit under the broker's message size limit); ``value_truncated`` says so.
MAX_KEPT_VALUE_BYTES = 512 * 1024


@dataclass(frozen=True)
class RawRecord:
    """A record as read from Kafka, before anything is trusted."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Sequence[tuple[str, bytes]]
    timestamp_ms: int | None = None


def dead_letter_for(
    record: RawRecord, error: RejectedMessage, consumer: str, now: datetime | None = None
) -> dict[str, Any]:
    """The DeadLetter value for a rejected record."""
    kept = record.value[:MAX_KEPT_VALUE_BYTES]
    return {
        "dead_letter_id": str(uuid.uuid4()),
        "source_topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "source_key": record.key,
        "original_value": kept,
        "original_size": len(record.value),
        "value_truncated": len(kept) < len(record.value),
        "original_headers": [{"key": name, "value": value} for name, value in record.headers],
        "original_timestamp": (
            datetime.fromtimestamp(record.timestamp_ms / 1000, UTC)
            if record.timestamp_ms is not None
            else None
        ),
        "reason": error.reason,
        "message": str(error),
        "consumer": consumer,
        "failed_at": now or datetime.now(UTC),
    }
