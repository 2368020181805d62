"""Counting the messages a run put on the broker, on every topic of the run.

Each run has its own topic prefix, so every topic with that prefix is the
run's: the catalogue's topics and the worker's own (its table's changelog, its
deadline ticks). Every record is read through once the run is over
(``broker.topic_reader``, which reads past the embedded broker's under-reported
end offsets) and counted when its timestamp (the producer's clock, the same
machine's) falls in the measured window. Reading after the run keeps the count
from taking a core away from the pipeline while it is measured.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from broker.settings import MashSettings
from broker.topic_admin import TopicAdmin
from broker.topic_reader import partitions_of, read_to_end, started_reader


@dataclass
class TopicCounts:
    """Records per topic: all of them, those inside the window, and their bytes."""

    total: Counter[str] = field(default_factory=Counter)
    in_window: Counter[str] = field(default_factory=Counter)
    record_bytes: Counter[str] = field(default_factory=Counter)

    def mean_record_bytes(self, topics: list[str] | None = None) -> int:
        """Mean bytes of a record (key, value and headers) over ``topics`` (default all)."""
        chosen = topics if topics is not None else list(self.total)
        count = sum(self.total[t] for t in chosen)
        return round(sum(self.record_bytes[t] for t in chosen) / count) if count else 0


async def count_records(
    settings: MashSettings, window_ms: tuple[int, int], topics: list[str] | None = None
) -> TopicCounts:
    """Count the records of the run's topics (default: every topic with its prefix)."""
    if topics is None:
        async with TopicAdmin(settings) as admin:
            names = await admin.topic_names()
        topics = sorted(name for name in names if name.startswith(settings.topic_prefix))
    counts = TopicCounts()
    start, end = window_ms
    consumer = await started_reader(settings, "bench-count")
    try:
        partitions = [p for topic in topics for p in await partitions_of(consumer, topic)]
        async for record in read_to_end(consumer, partitions):
            counts.total[record.topic] += 1
            size = len(record.key or b"") + len(record.value or b"")
            size += sum(len(name) + len(value or b"") for name, value in record.headers or ())
            counts.record_bytes[record.topic] += size
            if start <= record.timestamp <= end:
                counts.in_window[record.topic] += 1
    finally:
        await consumer.stop()
    return counts
