"""The worker: one faust app with every stream agent of the exchange.

Wiring lives here only. The agents share one consumer group (the app id) and
one case table, ``cases``, keyed by case id and kept on a changelog topic, so a
restarted worker recovers every open case. Contacts, responses, shared
information and pictures are all keyed by case id with the same partition count,
so the table and the streams are co-partitioned.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import faust

from agents.context import WorkerContext, utc_now
from agents.streams import allocations, contacts, deadlines, pictures, responses, shared
from broker.authority import Authority
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.settings import MashSettings

CASE_PARTITIONS = 6


def broker_urls(settings: MashSettings) -> list[str]:
    """faust's form of the bootstrap servers."""
    return [f"kafka://{server}" for server in settings.bootstrap_servers.split(",")]


def create_worker(
    settings: MashSettings,
    authority: Authority,
    keystore: Keystore,
    *,
    session_timeout: float = 10.0,
    tick_seconds: float = 30.0,
    clock: Callable[[], datetime] = utc_now,
) -> WorkerContext:
    """The worker's app with every agent declared, ready to start.

    Args:
        session_timeout: consumer session timeout in seconds. The embedded broker
            holds a group join for half of it (measured: faust's default of 60 s
            meant 30 s before the first event; 6 s means 3 s), so short is fast
            to start, while on Apache Kafka it is the time a stalled worker keeps
            its partitions.
        tick_seconds: how often deadlines are looked for.
    """
    app = faust_app(settings, f"{settings.topic_prefix}mash-exchange", session_timeout)
    ctx = WorkerContext(
        app=app, settings=settings, authority=authority, keystore=keystore, clock=clock
    )
    # faust takes the changelog's serializers from key_type and value_type (bytes:
    # raw); given only a raw schema, it wrote raw bytes but decoded them as JSON on
    # recovery, so a restarted worker never finished recovering the table.
    ctx.cases = app.Table(
        "cases", default=None, partitions=CASE_PARTITIONS, key_type=bytes, value_type=bytes
    )
    contacts.register(ctx)
    responses.register(ctx)
    shared.register(ctx)
    pictures.register(ctx)
    deadlines.register(ctx, tick_seconds)
    allocations.register(ctx)
    return ctx


def faust_app(settings: MashSettings, app_id: str, session_timeout: float) -> faust.App:
    """A faust app configured as the worker's is: its consumer group is ``app_id``.

    Args:
        session_timeout: as :func:`create_worker` takes it.
    """
    datadirs = Path(tempfile.gettempdir()) / "mash-exchange"
    datadirs.mkdir(mode=0o700, exist_ok=True)
    return faust.App(
        app_id,
        broker=broker_urls(settings),
        broker_credentials=_credentials(settings),
        store="memory://",
        # The tables live in memory and on their changelogs; faust still makes a
        # data folder, which by default would litter the working directory.
        datadir=datadirs / "{conf.name}-data",
        web_enabled=False,
        topic_partitions=CASE_PARTITIONS,
        topic_replication_factor=1,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=session_timeout,
        broker_heartbeat_interval=max(session_timeout / 6, 0.5),
        broker_commit_every=100,
        broker_commit_interval=1.0,
        producer_acks=-1,
        table_standby_replicas=0,
    )


def _credentials(settings: MashSettings) -> object | None:
    """faust credentials for the configured security protocol (None: plaintext)."""
    options = connection_options(settings)
    if settings.security_protocol == "PLAINTEXT":
        return None
    if settings.security_protocol == "SSL":
        return faust.SSLCredentials(options["ssl_context"])
    return faust.SASLCredentials(
        username=options["sasl_plain_username"],
        password=options["sasl_plain_password"],
        mechanism=options["sasl_mechanism"],
        ssl_context=options.get("ssl_context"),
    )
