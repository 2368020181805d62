"""Connectors answering requests over a real broker (embedded and Apache Kafka)."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from broker.catalogue import Agency, catalogue, request_topic, topic_name
from broker.codec import AvroCodec
from broker.envelope import Signer, Verifier
from broker.keystore import Keystore
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue
from broker.transport import Publisher, Received, open_record, raw_record
from broker.vocabulary import categories_of
from connectors.service import TRIAGE, Connector, publish_allocations
from connectors.synthetic.families import generate
from mash.connector_commands import backend_social_care_allocations, load_records
from tests.examples import INFORMATION_REQUEST

AGENCIES = ("police", "health")


def request_for(agency: str, person: dict[str, Any], categories: list[str]) -> dict[str, Any]:
    return {
        **INFORMATION_REQUEST,
        "request_id": uuid.uuid4(),
        "agency": agency.upper(),
        "subjects": [{**person, "person_id": uuid.uuid4()}],
        "categories_permitted": categories,
        "history_since": None,
    }


async def test_connectors_answer_signed_requests_and_refuse_the_rest(
    settings: MashSettings, tmp_path: Path
) -> None:
    partnership = generate(150, seed=5)
    for agency in AGENCIES:
        importlib.import_module(f"connectors.{agency}.synthetic").write(
            partnership, tmp_path / agency
        )
    keystore = Keystore(tmp_path / "keys")
    keystore.ensure([*AGENCIES, TRIAGE])
    await apply_catalogue(settings, catalogue([], settings.topic_prefix))
    indexes = {agency: load_records(agency, tmp_path) for agency in AGENCIES}

    stop = asyncio.Event()
    readies = {agency: asyncio.Event() for agency in AGENCIES}
    connectors = {
        agency: Connector(Agency(agency), indexes[agency], settings, keystore)
        for agency in AGENCIES
    }
    tasks = [
        asyncio.create_task(connectors[agency].run(stop, readies[agency])) for agency in AGENCIES
    ]
    police = next(r for r in indexes["police"].records.values() if r.findings)
    health = next(r for r in indexes["health"].records.values() if r.findings)
    permitted = [police.findings[0]["category"]]
    to_police = request_for("police", dict(police.person), permitted)
    to_health = request_for("health", dict(health.person), list(categories_of("health")))
    misrouted = request_for("health", dict(health.person), list(categories_of("health")))

    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await producer.start()
    try:
        async with asyncio.timeout(90):
            await asyncio.gather(*(ready.wait() for ready in readies.values()))
        triage = Publisher(
            producer, AvroCodec(), Signer(keystore.signing_key(TRIAGE)), keystore.case_keys()
        )
        prefix = settings.topic_prefix
        for agency, value in [("police", to_police), ("health", to_health), ("police", misrouted)]:
            await triage.publish(
                request_topic(Agency(agency), prefix),
                "uk.mash.v1.InformationRequest",
                value,
                key=str(value["case_id"]).encode(),
            )
        # A resend of the same request (a new message) gets the same response id.
        await triage.publish(
            request_topic(Agency.POLICE, prefix),
            "uk.mash.v1.InformationRequest",
            to_police,
            key=str(to_police["case_id"]).encode(),
        )
        try:
            answers = await read_responses(settings, keystore, count=3)
        except AssertionError as missing:
            answered = {agency: c.answered for agency, c in connectors.items()}
            raise AssertionError(f"{missing}; the connectors answered {answered}") from None
    finally:
        await producer.stop()
        stop.set()
        await asyncio.gather(*tasks)

    by_request: dict[uuid.UUID, list[tuple[str, dict[str, Any]]]] = {}
    for answer in answers:
        by_request.setdefault(answer.value["request_id"], []).append(
            (answer.envelope.sender, answer.value)
        )
    assert set(by_request) == {to_police["request_id"], to_health["request_id"]}
    police_answers = by_request[to_police["request_id"]]
    assert [sender for sender, _ in police_answers] == ["police", "police"]
    assert police_answers[0][1]["response_id"] == police_answers[1][1]["response_id"]
    (subject,) = police_answers[0][1]["subjects"]
    assert subject["match_outcome"] == "MATCHED"
    assert {f["category"] for f in subject["findings"]} == set(permitted)
    ((sender, health_answer),) = by_request[to_health["request_id"]]
    assert sender == "health"
    assert health_answer["subjects"][0]["findings"], "health shared what it holds"
    letters = await read_topic(settings, topic_name("deadletter", settings.topic_prefix), 1)
    letter = AvroCodec().decode(letters[0], "uk.mash.v1.DeadLetter").value
    assert letter["reason"] == "POLICY_REJECTED"
    assert letter["consumer"] == "connector.police"


async def read_responses(settings: MashSettings, keystore: Keystore, count: int) -> list[Received]:
    """The first ``count`` responses, each verified with the keystore's keys as they are now."""
    codec, verifier = AvroCodec(), Verifier(keystore.keyring())
    consumer = AIOKafkaConsumer(
        topic_name("responses", settings.topic_prefix),
        bootstrap_servers=settings.bootstrap_servers,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[Received] = []
    try:
        async with asyncio.timeout(60):
            while len(found) < count:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found += [
                        open_record(
                            raw_record(record),
                            codec,
                            verifier,
                            keystore.case_keys(),
                            "uk.mash.v1.InformationResponse",
                        )
                        for record in records
                    ]
    except TimeoutError:
        got = [(r.envelope.sender, str(r.value["request_id"])) for r in found]
        raise AssertionError(f"{len(found)} of {count} responses within 60 s: {got}") from None
    finally:
        await consumer.stop()
    return found


async def read_topic(settings: MashSettings, topic: str, count: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=settings.bootstrap_servers, auto_offset_reset="earliest"
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        async with asyncio.timeout(60):
            while len(values) < count:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    values += [record.value for record in records if record.value is not None]
    finally:
        await consumer.stop()
    return values


async def test_allocations_reach_the_compacted_topic_keyed_by_child(
    settings: MashSettings, tmp_path: Path
) -> None:
    partnership = generate(120, seed=9)
    importlib.import_module("connectors.social_care.synthetic").write(
        partnership, tmp_path / "social_care"
    )
    allocations = backend_social_care_allocations(tmp_path)
    assert allocations, "the partnership has children open to a team"
    keystore = Keystore(tmp_path / "keys")
    await apply_catalogue(settings, catalogue([], settings.topic_prefix))
    sent = await publish_allocations(allocations, settings, keystore)
    assert sent == len(allocations)

    topic = topic_name("allocations", settings.topic_prefix)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=settings.bootstrap_servers, auto_offset_reset="earliest"
    )
    verifier, codec = Verifier(keystore.keyring()), AvroCodec()
    await consumer.start()
    keys: dict[bytes, str] = {}
    try:
        async with asyncio.timeout(60):
            while len(keys) < len(allocations):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        assert record.key is not None
                        assert record.value is not None
                        envelope = verifier.verify(
                            topic,
                            record.partition,
                            record.offset,
                            record.key,
                            record.value,
                            list(record.headers),
                        )
                        assert envelope.sender == "social_care"
                        value = codec.decode(record.value, "uk.mash.v1.Allocation").value
                        keys[record.key] = value["team_key"]
    finally:
        await consumer.stop()
    assert keys == {str(a["child_id"]).encode(): a["team_key"] for a in allocations}
