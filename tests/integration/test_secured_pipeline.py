"""The whole exchange on secured Apache Kafka, each service as its own principal.

The message layer's defences hold there too: an agency's answer to another
agency's request, and an answer signed with a key revoked while the services
run, both written with the sender's own Kafka rights, are dead-lettered and the
refusals audited.

Connectors as their agencies, the worker (faust) as ``worker``, the audit writer
as ``audit-writer`` and intake as ``intake`` connect with SASL_SSL/SCRAM under
the ACLs ``mash security apply`` derives (broker/acls.py). A contact goes in;
the case's team, as ``team-mash-duty``, reads and opens the picture; the
compliance officer, as ``compliance``, reads the audit and it verifies. So the
ACL model is proven to be enough for the real services, not only refused where
it should refuse (tests/integration/test_kafka_security.py).
"""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from agents.app import create_worker
from agents.audit_writer import SUBMITTERS, AuditWriter
from broker.authority import load_authority
from broker.catalogue import Agency, team_topic, topic_name
from broker.codec import AvroCodec
from broker.engines.apache_kafka import ApacheKafka
from broker.envelope import Signer, Verifier
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.sealing import open_sealed
from broker.transport import Publisher, plain_value, raw_record
from connectors.intake import submit_contact
from connectors.service import Connector
from connectors.synthetic.families import generate
from mash.audit_log import read_topic
from mash.connector_commands import load_records
from tests.examples import INFORMATION_RESPONSE
from tests.integration.test_pipeline_scenarios import contact_about, unallocated
from tests.secured_kafka import PREFIX, Secured, secured_kafka

pytestmark = pytest.mark.kafka_only

AGENCIES = [agency.value for agency in Agency]
TEAM = "mash-duty"
SERVICES = (*AGENCIES, "intake", "worker", "audit-writer", "compliance", f"team-{TEAM}")
WAIT = 90.0
RESPONSE = "uk.mash.v1.InformationResponse"


@pytest.fixture(scope="module")
def secured() -> Iterator[Secured]:
    with secured_kafka(SERVICES) as world:
        yield world


@pytest.fixture
def kafka(secured: Secured) -> ApacheKafka:
    """The secured broker, named so the session summary counts this test for Kafka."""
    return secured.broker


@asynccontextmanager
async def services(secured: Secured, keystore: Keystore, data: Path) -> AsyncIterator[None]:
    """Every connector, the audit writer and the worker, each as its own principal."""
    stop, readies, tasks = asyncio.Event(), [], []
    for agency in AGENCIES:
        ready = asyncio.Event()
        connector = Connector(
            Agency(agency), load_records(agency, data), secured.settings(agency), keystore
        )
        tasks.append(asyncio.create_task(connector.run(stop, ready)))
        readies.append(ready)
    writer = AuditWriter(secured.settings("audit-writer"), keystore, SUBMITTERS)
    writing = asyncio.Event()
    tasks.append(asyncio.create_task(writer.run(stop, writing)))
    readies.append(writing)
    worker = create_worker(secured.settings("worker"), load_authority(), keystore)
    await worker.app.start()
    try:
        async with asyncio.timeout(WAIT):
            await asyncio.gather(*(ready.wait() for ready in readies))
        yield
    finally:
        await worker.app.stop()
        await writer.drained()
        stop.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), WAIT)
        failures = [result for result in results if isinstance(result, BaseException)]
        assert not failures, failures


async def test_a_contact_reaches_its_team_and_the_audit_with_every_service_confined(
    secured: Secured, kafka: ApacheKafka, tmp_path: Path
) -> None:
    partnership = generate(20, seed=3)
    data = tmp_path / "partnership"
    for agency in AGENCIES:
        importlib.import_module(f"connectors.{agency}.synthetic").write(partnership, data / agency)
    keystore = Keystore(tmp_path / "keys")
    contact = contact_about(
        unallocated(partnership), level="LEVEL_3", status="GIVEN", concerns=["NEGLECT"]
    )
    async with services(secured, keystore, data):
        await submit_contact(contact, secured.settings("intake"), keystore)
        sealed = await first_picture(secured, keystore, contact["case_id"])
        refusals = await message_defences_hold(secured, keystore, contact["case_id"])
    assert any(reason.startswith("UNEXPECTED_RESPONSE") for reason in refusals), refusals
    assert any(r.startswith("UNKNOWN_KEY") and "revoked" in r for r in refusals), refusals
    picture = open_sealed(sealed, keystore.team_key(TEAM), AvroCodec())
    assert picture["case_id"] == contact["case_id"]
    assert picture["revision"] == 1

    log = await read_topic(secured.settings("compliance"), keystore.keyring())
    assert log.verdict.intact, log.verdict.breaks
    actions = {r["action"] for r in log.records if r["case_id"] == contact["case_id"]}
    assert {"CONTACT_RECEIVED", "REQUEST_ISSUED", "RESPONSE_SENT", "PICTURE_ROUTED"} <= actions


async def message_defences_hold(secured: Secured, keystore: Keystore, case_id: Any) -> list[str]:
    """Messages Kafka lets through, as their senders are allowed to write them, but the
    message layer refuses: an agency answering another's request, and an answer
    signed with a key revoked while the services run. The refusals, as the audit
    read by compliance records them."""
    compliance = secured.settings("compliance")
    log = await read_topic(compliance, keystore.keyring())
    asked = {
        r["source_agency"].lower(): r["request_id"]
        for r in log.records
        if r["case_id"] == case_id and r["action"] == "REQUEST_ISSUED"
    }
    agency, request_id = sorted(asked.items())[0]
    other = next(a for a in AGENCIES if a != agency)
    answer = {**INFORMATION_RESPONSE, "case_id": case_id, "request_id": request_id}
    key = str(case_id).encode()
    stolen = keystore.signing_key(agency)
    old_id, _ = keystore.rotate(agency)
    keystore.revoke(agency, old_id)
    for sender, signing_key, value in [
        (other, keystore.signing_key(other), {**answer, "agency": other.upper()}),
        (agency, stolen, {**answer, "agency": agency.upper()}),
    ]:
        value["response_id"] = uuid.uuid4()
        producer = AIOKafkaProducer(acks="all", **connection_options(secured.settings(sender)))
        await producer.start()
        try:
            publisher = Publisher(producer, AvroCodec(), Signer(signing_key), keystore.case_keys())
            await publisher.publish(topic_name("responses", PREFIX), RESPONSE, value, key=key)
        finally:
            await producer.stop()
    async with asyncio.timeout(WAIT):
        while True:
            log = await read_topic(compliance, keystore.keyring())
            refusals = [str(r["reason"]) for r in log.records if r["action"] == "DEAD_LETTERED"]
            if len(refusals) >= 2:
                return refusals
            await asyncio.sleep(1)


async def first_picture(secured: Secured, keystore: Keystore, case_id: Any) -> dict[str, Any]:
    """The case's first sealed picture, read from the team's topic as the team."""
    consumer = AIOKafkaConsumer(
        team_topic(TEAM, PREFIX),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **connection_options(secured.settings(f"team-{TEAM}")),
    )
    codec, verifier = AvroCodec(), Verifier(keystore.keyring())
    await consumer.start()
    try:
        async with asyncio.timeout(WAIT):
            while True:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        raw = raw_record(record)
                        envelope = verifier.verify(
                            raw.topic, raw.partition, raw.offset, raw.key, raw.value, raw.headers
                        )
                        plain = plain_value(keystore.case_keys(), envelope, raw)
                        sealed: dict[str, Any] = codec.decode(plain).value
                        if sealed["case_id"] == case_id:
                            return sealed
    finally:
        await consumer.stop()
