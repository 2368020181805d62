"""The issue's targets, and whether a run met them: goals to report against, not assertions.

A target is only judged by a run that measured it under its conditions
(latency at 50 contacts/s on Apache Kafka; memory with 100,000 open cases; the
hops' share of the relay flat out); otherwise its verdict is None. The hops'
share is the pipeline's messages a second over the plain relay's, over the same
hops: the agents' hops are not timed one by one.
"""

from __future__ import annotations

from typing import Any

THROUGHPUT_CONTACTS_PER_S = 700
LATENCY_RATE = 50.0
LATENCY_P99_S = 1.0
OPEN_CASES = 100_000
WORKER_MB = 500
HOP_SHARE = 0.5


def targets(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with the figure that answers it and whether it was met (None: not measured)."""
    run, pipeline = figures["run"], figures["pipeline"]
    at_rate = run["rate"] == LATENCY_RATE and run["engine"] == "kafka"
    p99 = pipeline["latency_s"]["p99"]
    as_fast = run["rate"] == 0
    levels = [lvl for lvl in figures["memory_mb"]["open_cases"] if lvl["open_cases"] >= OPEN_CASES]
    worker = levels[0]["worker_mb"] if levels else None
    share = figures["ratios_to_ceiling"]["messages_per_s"]
    return {
        "throughput": {
            "goal": f">= {THROUGHPUT_CONTACTS_PER_S} contacts/s end to end",
            "measured": pipeline["contacts_per_s"] if as_fast else None,
            "met": pipeline["contacts_per_s"] >= THROUGHPUT_CONTACTS_PER_S if as_fast else None,
        },
        "latency": {
            "goal": f"p99 < {LATENCY_P99_S:g} s at {LATENCY_RATE:g} contacts/s on Apache Kafka",
            "measured": p99 if at_rate else None,
            "met": (p99 is not None and p99 < LATENCY_P99_S) if at_rate else None,
        },
        "hops": {
            "goal": f"faust hops at >= {HOP_SHARE:.0%} of the plain relay's messages/s",
            "measured": share,
            "met": (share >= HOP_SHARE) if share is not None else None,
        },
        "memory": {
            "goal": f"worker < {WORKER_MB} MB with {OPEN_CASES:,} open cases",
            "measured": worker,
            "met": (worker < WORKER_MB) if worker is not None else None,
        },
    }
