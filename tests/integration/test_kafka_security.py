"""Apache Kafka, secured: SASL_SSL with SCRAM-SHA-512 and the ACLs derived from the catalogue.

Kafka itself must refuse what the ACLs do not allow: these tests connect as each
principal through MashSettings and ``connection_options`` (the path every
service takes) and check both refusals and the access each one needs.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import time
from collections.abc import Awaitable, Iterator
from typing import TypeVar

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAuthorizationFailedError
from pydantic import SecretStr

from broker.acls import apply_acls, derive_acls
from broker.catalogue import Agency, catalogue, request_topic, team_topic, topic_name
from broker.engines.apache_kafka import ApacheKafka
from broker.errors import TopicAdminError
from broker.kafka_client import connection_options
from broker.settings import MashSettings
from tests.secured_kafka import PREFIX, TEAMS, Secured, secured_kafka

pytestmark = pytest.mark.kafka_only

USERS = ("admin", "police", "health", "audit-writer", "compliance", "worker", f"team-{TEAMS[0]}")
#: A refusal must come within this many seconds, never as a hang.
QUICK = 15.0
T = TypeVar("T")
#: aiokafka may leave the socket of a refused connection for the garbage collector;
#: the refusal tests collect it themselves so the warning is not blamed on a later test.
REFUSED_CONNECTION_LEAKS = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def secured() -> Iterator[Secured]:
    with secured_kafka(USERS) as world:
        assert world.acls.created
        assert not world.acls.present
        yield world


@pytest.fixture
def kafka(secured: Secured) -> ApacheKafka:
    """The secured broker, named so the session summary counts these tests for Kafka."""
    return secured.broker


async def quickly(awaitable: Awaitable[T]) -> T:
    return await asyncio.wait_for(awaitable, QUICK)


def producer(settings: MashSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(acks="all", request_timeout_ms=10_000, **connection_options(settings))


def reader(settings: MashSettings, group: str | None = None) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=10_000,
        **connection_options(settings),
    )


async def send(settings: MashSettings, topic: str, value: bytes) -> None:
    client = producer(settings)
    await quickly(client.start())
    try:
        await quickly(client.send_and_wait(topic, value, key=b"case-1"))
    finally:
        await client.stop()


async def read_all(settings: MashSettings, topic: str, group: str | None = None) -> list[bytes]:
    """Every value on ``topic`` (assigned, read to the end)."""
    consumer = reader(settings, group)
    await quickly(consumer.start())
    try:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            await quickly(consumer._client._wait_on_metadata(topic))
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await quickly(consumer.seek_to_beginning(*tps))
        ends = await quickly(consumer.end_offsets(tps))
        values: list[bytes] = []
        deadline = time.monotonic() + QUICK
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            assert time.monotonic() < deadline, "reading took too long"
            for records in (await consumer.getmany(timeout_ms=500)).values():
                values += [r.value for r in records if r.value is not None]
        if group is not None:
            await quickly(consumer.commit())
        return values
    finally:
        await consumer.stop()


# --- Who may connect -------------------------------------------------------------


def test_settings_never_show_the_password(secured: Secured, kafka: ApacheKafka) -> None:
    settings = secured.settings("police")
    secret = secured.passwords["police"].get_secret_value()
    assert secret not in repr(settings)
    assert secret not in str(settings)
    assert secret not in repr(kafka.security)
    assert secret not in settings.model_dump_json()


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SSL"])
@REFUSED_CONNECTION_LEAKS[0]
@REFUSED_CONNECTION_LEAKS[1]
async def test_a_client_without_sasl_is_refused(
    secured: Secured, kafka: ApacheKafka, protocol: str
) -> None:
    settings = MashSettings(
        bootstrap_servers=kafka.bootstrap, security_protocol=protocol, ssl_cafile=kafka.ca_file
    )
    client = AIOKafkaAdminClient(request_timeout_ms=5_000, **connection_options(settings))
    began = time.monotonic()
    try:
        with pytest.raises(KafkaConnectionError):
            await quickly(client.start())
    finally:
        await client.close()
    assert time.monotonic() - began < QUICK
    gc.collect()


@REFUSED_CONNECTION_LEAKS[0]
@REFUSED_CONNECTION_LEAKS[1]
async def test_a_wrong_password_fails_quickly_and_says_nothing_of_it(
    secured: Secured, kafka: ApacheKafka, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = secrets.token_urlsafe(24)
    settings = secured.settings("police", sasl_password=SecretStr(wrong))
    client = AIOKafkaAdminClient(request_timeout_ms=5_000, **connection_options(settings))
    began = time.monotonic()
    with caplog.at_level(logging.DEBUG, logger="aiokafka"):
        try:
            with pytest.raises(KafkaError) as raised:
                await quickly(client.start())
        finally:
            await client.close()
    assert time.monotonic() - began < QUICK
    text = caplog.text + repr(raised.value) + str(raised.value)
    chained = raised.value.__cause__ or raised.value.__context__
    text += repr(chained) + str(chained)
    assert "Authentication failed" in caplog.text or "authentic" in text.lower()
    for secret in (wrong, secured.passwords["police"].get_secret_value()):
        assert secret not in text
    gc.collect()


async def test_only_a_super_user_may_apply_acls(secured: Secured, kafka: ApacheKafka) -> None:
    specs = catalogue(TEAMS, PREFIX)
    acls = derive_acls(specs, TEAMS, PREFIX)
    with pytest.raises(TopicAdminError, match="only a super user"):
        await quickly(apply_acls(secured.settings("police"), acls))
    again = await quickly(apply_acls(secured.settings("admin"), acls))
    assert again.created == ()
    assert set(again.present) == set(acls)


# --- What Kafka refuses ----------------------------------------------------------


async def test_police_cannot_read_the_health_requests(secured: Secured, kafka: ApacheKafka) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await read_all(secured.settings("police"), request_topic(Agency.HEALTH, PREFIX))


@pytest.mark.parametrize("stream", ["audit", f"team.{TEAMS[0]}", "requests.health", "contacts"])
async def test_police_cannot_write_outside_its_lane(
    secured: Secured, kafka: ApacheKafka, stream: str
) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await send(secured.settings("police"), topic_name(stream, PREFIX), b"forged")


@pytest.mark.parametrize("stream", ["audit", "audit.pending", "responses", "deadletter"])
async def test_compliance_cannot_write(secured: Secured, kafka: ApacheKafka, stream: str) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await send(secured.settings("compliance"), topic_name(stream, PREFIX), b"forged")


async def test_a_team_reads_only_its_own_pictures(secured: Secured, kafka: ApacheKafka) -> None:
    team = f"team-{TEAMS[0]}"
    await send(secured.settings("worker"), team_topic(TEAMS[0], PREFIX), b"sealed picture")
    assert b"sealed picture" in await read_all(secured.settings(team), team_topic(TEAMS[0], PREFIX))
    with pytest.raises(TopicAuthorizationFailedError):
        await read_all(secured.settings(team), team_topic(TEAMS[1], PREFIX))
    with pytest.raises(TopicAuthorizationFailedError):
        await read_all(secured.settings(team), topic_name("audit", PREFIX))


# --- What each one may do --------------------------------------------------------


async def test_police_reads_its_requests_and_writes_responses(
    secured: Secured, kafka: ApacheKafka
) -> None:
    requests = request_topic(Agency.POLICE, PREFIX)
    await send(secured.settings("worker"), requests, b"request for police")
    police = secured.settings("police")
    got = await read_all(police, requests, group=f"{PREFIX}mash.connector.police")
    assert b"request for police" in got
    await send(police, topic_name("responses", PREFIX), b"response from police")
    await send(police, topic_name("audit.pending", PREFIX), b"audit submission")
    assert b"response from police" in await read_all(
        secured.settings("worker"), topic_name("responses", PREFIX)
    )


async def test_only_the_audit_writer_writes_the_audit_and_compliance_reads_it(
    secured: Secured, kafka: ApacheKafka
) -> None:
    audit = topic_name("audit", PREFIX)
    await send(secured.settings("audit-writer"), audit, b"chained record")
    assert b"chained record" in await read_all(secured.settings("compliance"), audit)
    with pytest.raises(TopicAuthorizationFailedError):
        await send(secured.settings("worker"), audit, b"forged")


async def test_the_worker_may_create_its_internal_topics_only(
    secured: Secured, kafka: ApacheKafka
) -> None:
    from aiokafka.admin import NewTopic

    async def create(name: str, topic: str) -> int:
        client = AIOKafkaAdminClient(
            request_timeout_ms=10_000, **connection_options(secured.settings(name))
        )
        await quickly(client.start())
        try:
            response = await quickly(client.create_topics([NewTopic(topic, 1, 1)]))
            code: int = response.to_object()["topic_errors"][0]["error_code"]
            return code
        finally:
            await client.close()

    topic_authorization_failed = 29
    assert await create("worker", f"{PREFIX}mash-exchange-cases-changelog") == 0
    assert await create("worker", f"{PREFIX}mash.gossip.v1") == topic_authorization_failed
    assert await create("police", f"{PREFIX}mash-exchange-x") == topic_authorization_failed


def test_secured_start_time_is_reported(secured: Secured, kafka: ApacheKafka) -> None:
    print(f"secured Kafka started in {secured.start_seconds:.1f} s")
    assert secured.start_seconds < kafka.ready_timeout
