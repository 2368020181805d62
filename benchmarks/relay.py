"""The ceiling: a plain aiokafka relay over the pipeline's hops, on the same broker.

A contact reaches its team over five hops: contacts -> requests (triage),
requests -> responses (a connector), responses -> shared (policy), shared ->
pictures (collation), pictures -> team (routing). The relay has the same five
hops between six topics with the same partition counts, and runs them in two
processes as the exchange does (the worker's four hops in one, the connector's
hop in the other). Each hop only consumes, produces (acks=all) and commits after
the batch is acknowledged, as the pipeline's services do, moving raw records of
the pipeline's mean size; nothing is decoded, verified, encrypted or signed.
One relay event is one record through all five hops (six records on the broker).

The faust relay (``framework="faust"``) runs the worker's four hops as agents
of one faust app configured as the worker's is, each handling an event as the
worker's agents do (its output sent and acknowledged before the next event),
with the connector's hop still on aiokafka. Its rate over the plain relay's is
what faust itself allows an agent that does no work.

    python -m benchmarks.relay --bootstrap HOST:PORT --prefix P. --hops 0,2,3,4 [--faust]

runs the hops as a service until Ctrl-C; :func:`measure_ceiling` starts both
processes, drives events through and measures them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from agents.app import faust_app
from benchmarks.report import latency_summary
from benchmarks.services import Service, start_all, stop_all
from benchmarks.traffic import Arrivals
from broker.catalogue import TopicSpec
from broker.kafka_client import connection_options
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue

#: Partitions of contacts, requests, responses, shared, pictures and team topics.
PARTITIONS = (6, 3, 6, 6, 6, 3)
HOPS = len(PARTITIONS) - 1
WORKER_HOPS = (0, 2, 3, 4)
CONNECTOR_HOPS = (1,)
READY = "relay ready"
KEY_BYTES = 36  # a case id as text, as the pipeline keys its records
#: The session timeout the benchmark runs the worker with (its ``--session-timeout``).
FAUST_SESSION_TIMEOUT = 6.0


def relay_topics(prefix: str) -> list[str]:
    """The relay's topics, hop 0's source first."""
    return [f"{prefix}relay.hop{number}" for number in range(len(PARTITIONS))]


def relay_specs(prefix: str) -> list[TopicSpec]:
    """The relay's topics as the topic admin creates them."""
    return [
        TopicSpec(name, partitions, "raw bytes", "case id", "benchmark relay")
        for name, partitions in zip(relay_topics(prefix), PARTITIONS, strict=True)
    ]


async def relay_hop(
    settings: MashSettings, hop: int, stop: asyncio.Event, assigned: asyncio.Event
) -> None:
    """Move every record of hop ``hop``'s source to its sink until ``stop`` is set."""
    source, sink = relay_topics(settings.topic_prefix)[hop : hop + 2]
    options = connection_options(settings)
    producer = AIOKafkaProducer(acks="all", **options)
    consumer = AIOKafkaConsumer(
        source,
        group_id=f"{settings.topic_prefix}relay.hop{hop}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        **options,
    )
    await producer.start()
    await consumer.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=1000)
            if consumer.assignment():
                assigned.set()
            sent = [
                await producer.send(sink, record.value, key=record.key)
                for records in batches.values()
                for record in records
            ]
            if sent:
                await asyncio.gather(*sent)
                await consumer.commit()
    finally:
        await consumer.stop()
        await producer.stop()


def faust_relay(settings: MashSettings, hops: list[int]) -> faust.App:
    """The hops as agents of one faust app, each moving an event as the worker's agents do."""
    app = faust_app(settings, f"{settings.topic_prefix}relay", FAUST_SESSION_TIMEOUT)
    topics = relay_topics(settings.topic_prefix)
    for hop in hops:
        source = app.topic(topics[hop], key_serializer="raw", value_serializer="raw")
        app.agent(source, name=f"hop{hop}")(_faust_hop(app, topics[hop + 1]))
    return app


def _faust_hop(app: faust.App, sink: str) -> Any:
    async def move(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            sent = await app.producer.send(
                sink, message.key, message.value, partition=None, timestamp=None, headers=[]
            )
            await sent  # as Outbox.settle: acknowledged before the event is done

    return move


async def run_faust_hops(settings: MashSettings, hops: list[int]) -> None:
    """Run some hops on faust until SIGINT or SIGTERM; say so once the app has started."""
    stop = _stop_on_signals()
    app = faust_relay(settings, hops)
    await app.start()
    print(READY, flush=True)  # measure_ceiling's warm-up event waits for the partitions
    try:
        await stop.wait()
    finally:
        await app.stop()


async def run_hops(settings: MashSettings, hops: list[int]) -> None:
    """Run some hops until SIGINT or SIGTERM; say when every hop has its partitions."""
    stop = _stop_on_signals()
    assigned = [asyncio.Event() for _ in hops]
    running = [
        asyncio.create_task(relay_hop(settings, hop, stop, ready))
        for hop, ready in zip(hops, assigned, strict=True)
    ]
    waiting = asyncio.create_task(_all_set(assigned))
    done, _ = await asyncio.wait([*running, waiting], return_when=asyncio.FIRST_COMPLETED)
    if waiting in done:
        print(READY, flush=True)
    else:
        waiting.cancel()
    await asyncio.gather(*running)


def _stop_on_signals() -> asyncio.Event:
    """An event SIGINT or SIGTERM sets, for the hops to stop at."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _all_set(events: list[asyncio.Event]) -> None:
    for event in events:
        await event.wait()


async def measure_ceiling(
    settings: MashSettings,
    folder: Path,
    *,
    events: int,
    rate: float,
    record_bytes: int,
    within: float,
    framework: str = "aiokafka",
) -> dict[str, Any]:
    """Drive ``events`` relay events through the five hops; their throughput and latency.

    Events are sent as fast as the producer takes them (``rate`` 0) or at
    ``rate`` a second; the window runs from the first send to the last arrival.
    With ``framework`` "faust" the worker's hops are faust agents, on topics of
    their own.
    """
    if framework == "faust":
        settings = settings.model_copy(update={"topic_prefix": f"{settings.topic_prefix}faust."})
    await apply_catalogue(settings, relay_specs(settings.topic_prefix))
    topics = relay_topics(settings.topic_prefix)
    hops_argv = ["-m", "benchmarks.relay", "--bootstrap", settings.bootstrap_servers]
    hops_argv += ["--prefix", settings.topic_prefix, "--hops"]
    services = [
        Service(
            f"{framework}-{name}",
            [sys.executable, *hops_argv, ",".join(map(str, hops)), *flags],
            READY,
            folder / f"{framework}-{name}.log",
        )
        for name, hops, flags in (
            ("relay-worker-hops", WORKER_HOPS, ["--faust"] if framework == "faust" else []),
            ("relay-connector-hop", CONNECTOR_HOPS, []),
        )
    ]
    sink = Arrivals(settings, [topics[-1]])
    producer = AIOKafkaProducer(acks="all", **connection_options(settings))
    try:
        await start_all(services, {}, folder, within)
        await sink.start()
        await producer.start()
        value = os.urandom(max(record_bytes - KEY_BYTES, 1))
        warm_up = str(uuid.uuid4()).encode()
        await producer.send_and_wait(topics[0], value, key=warm_up)
        await sink.wait_for({warm_up}, within)
        keys = [str(uuid.uuid4()).encode() for _ in range(events)]
        sent_at: dict[bytes, float] = {}
        started = time.monotonic()
        acks = []
        for number, key in enumerate(keys):
            if rate > 0:
                at = started + number / rate
                await asyncio.sleep(max(at - time.monotonic(), 0))
            sent_at[key] = time.monotonic() if rate <= 0 else started + number / rate
            acks.append(await producer.send(topics[0], value, key=key))
        await asyncio.gather(*acks)
        arrived = await sink.wait_for(sent_at, within)
        finished = max((sink.first[k] for k in keys if k in sink.first), default=started)
    finally:
        await producer.stop()
        await sink.stop()
        stop_all(services)
    seconds = max(finished - started, 1e-9)
    latencies = [sink.first[key] - sent_at[key] for key in keys if key in sink.first]
    return {
        "framework": framework,
        "hops": HOPS,
        "events": events,
        "arrived": arrived,
        "offered_rate": rate,
        "record_bytes": record_bytes,
        "seconds": round(seconds, 3),
        "events_per_s": round(arrived / seconds, 1),
        "messages_per_s": round(arrived * len(PARTITIONS) / seconds, 1),
        "latency_s": latency_summary(latencies),
        "peak_mb": {service.name: service.peak_mb for service in services},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Run relay hops until Ctrl-C.")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--hops", required=True, help="comma-separated hop numbers, 0 to 4")
    parser.add_argument("--faust", action="store_true", help="run the hops as faust agents")
    args = parser.parse_args()
    settings = MashSettings(bootstrap_servers=args.bootstrap, topic_prefix=args.prefix)
    hops = [int(hop) for hop in args.hops.split(",")]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run((run_faust_hops if args.faust else run_hops)(settings, hops))


if __name__ == "__main__":
    main()
