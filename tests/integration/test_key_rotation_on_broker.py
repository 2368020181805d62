"""Key rotation over a real broker (embedded and Apache Kafka).

A connector keeps answering while its own key and the triage agent's are rotated
(what it and triage loaded before still signs and still verifies), and takes a
request signed with triage's new key without a restart (it reads the keystore
again when the keystore changes), and once the old triage key is revoked
dead-letters a request signed with it as UNKNOWN_KEY, still without a restart;
restarted, it answers with its new key. Every response, old key or new,
verifies with the keystore's keyring.
"""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from broker.catalogue import Agency, catalogue, request_topic, topic_name
from broker.codec import AvroCodec
from broker.envelope import Signer
from broker.keystore import Keystore
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue
from broker.transport import Publisher
from connectors.answer import RecordIndex
from connectors.service import TRIAGE, Connector
from connectors.synthetic.families import generate
from mash.connector_commands import load_records
from tests.examples import INFORMATION_REQUEST
from tests.integration.test_connectors_on_broker import read_responses

REQUEST = "uk.mash.v1.InformationRequest"
RESPONSE = "uk.mash.v1.InformationResponse"


@asynccontextmanager
async def running(connector: Connector) -> AsyncIterator[None]:
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(connector.run(stop, ready))
    try:
        async with asyncio.timeout(90):
            await ready.wait()
        yield
    finally:
        stop.set()
        await task


async def test_a_connector_answers_across_rotation_and_refuses_a_revoked_key(
    settings: MashSettings, tmp_path: Path
) -> None:
    importlib.import_module("connectors.police.synthetic").write(
        generate(100, seed=11), tmp_path / "police"
    )
    keystore = Keystore(tmp_path / "keys")
    keystore.ensure(["police", TRIAGE])
    await apply_catalogue(settings, catalogue([], settings.topic_prefix))
    index = load_records("police", tmp_path)
    topic = request_topic(Agency.POLICE, settings.topic_prefix)
    # A triage agent that loaded its key before the rotation (not restarted yet).
    old_triage = Signer(keystore.signing_key(TRIAGE))
    police_before = keystore.signing_key("police").key_id

    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await producer.start()
    try:

        async def ask(signer: Signer) -> uuid.UUID:
            value = request_for(index)
            publisher = Publisher(producer, AvroCodec(), signer, keystore.case_keys())
            await publisher.publish(topic, REQUEST, value, key=str(value["case_id"]).encode())
            request_id: uuid.UUID = value["request_id"]
            return request_id

        async with running(Connector(Agency.POLICE, index, settings, keystore)):
            first = await ask(old_triage)
            await read_responses(settings, keystore, 1)
            old_police, new_police = keystore.rotate("police")
            old_triage_id, _ = keystore.rotate(TRIAGE)
            assert old_police == police_before
            second = await ask(old_triage)
            fresh = await ask(Signer(keystore.signing_key(TRIAGE)))
            await read_responses(settings, keystore, 3)
            keystore.revoke(TRIAGE, old_triage_id)  # refused from now on, no restart
            revoked = await ask(old_triage)
            letters = await read_dead_letters(settings, 1)

        async with running(Connector(Agency.POLICE, index, settings, keystore)):
            third = await ask(Signer(keystore.signing_key(TRIAGE)))
            answers = await read_responses(settings, keystore, 4)
    finally:
        await producer.stop()

    by_request = {answer.value["request_id"]: answer.envelope for answer in answers}
    assert set(by_request) == {first, second, fresh, third}
    assert by_request[first].key_id == old_police
    assert by_request[second].key_id == old_police
    assert by_request[fresh].key_id == old_police  # the running connector's key
    assert by_request[third].key_id == new_police
    (letter,) = letters
    assert letter["reason"] == "UNKNOWN_KEY"
    assert "revoked" in letter["message"]
    assert letter["consumer"] == "connector.police"
    assert revoked not in by_request


def request_for(index: RecordIndex) -> dict[str, Any]:
    record = next(r for r in index.records.values() if r.findings)
    return {
        **INFORMATION_REQUEST,
        "request_id": uuid.uuid4(),
        "case_id": uuid.uuid4(),
        "agency": "POLICE",
        "subjects": [{**dict(record.person), "person_id": uuid.uuid4()}],
        "categories_permitted": [record.findings[0]["category"]],
        "history_since": None,
    }


async def read_dead_letters(settings: MashSettings, count: int) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        topic_name("deadletter", settings.topic_prefix),
        bootstrap_servers=settings.bootstrap_servers,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    letters: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(60):
            while len(letters) < count:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        assert record.value is not None
                        decoded = AvroCodec().decode(record.value, "uk.mash.v1.DeadLetter")
                        letters.append(decoded.value)
    finally:
        await consumer.stop()
    return letters
