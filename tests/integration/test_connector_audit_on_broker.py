"""A connector's own audit records, chained by the audit writer on a real broker.

"A record of what has been shared should be kept and why" (Wigan thresholds,
seed 004, Consent and Confidentiality); what an agency keeps back as outside
the request is part of that record (Oldham, seed 002, 5.6). The police
connector answers a request signed by triage, submits its records signed as
``police`` to ``mash.audit.pending.v1``, and the audit writer chains them into
``mash.audit.v1``, which is read back and verified. The same request sent
twice is audited once.
"""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from agents.audit_writer import SUBMITTERS, AuditWriter
from broker.audit_chain import WRITER
from broker.catalogue import Agency, catalogue, request_topic
from broker.codec import AvroCodec
from broker.envelope import Signer
from broker.keystore import Keystore
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue
from broker.transport import Publisher
from connectors.answer import response_id_for
from connectors.audit import RULE_ID
from connectors.service import TRIAGE, Connector
from connectors.synthetic.families import generate
from mash.audit_log import AuditLog, read_topic
from mash.connector_commands import load_records
from tests.examples import INFORMATION_REQUEST

WAIT = 60.0


async def audited(
    settings: MashSettings, keystore: Keystore, case_id: uuid.UUID, count: int
) -> AuditLog:
    """The audit log once it holds ``count`` records of the case."""
    async with asyncio.timeout(WAIT):
        while True:
            log = await read_topic(settings, keystore.keyring())
            if len([r for r in log.records if r["case_id"] == case_id]) >= count:
                return log
            await asyncio.sleep(0.5)


async def until(condition: Callable[[], bool]) -> None:
    """Wait, polling, for a condition of the connector's memory that no output announces."""
    async with asyncio.timeout(WAIT):
        while True:
            if condition():
                return
            await asyncio.sleep(0.2)


async def test_the_connector_audits_what_it_sent_and_withheld_and_the_chain_verifies(
    settings: MashSettings, tmp_path: Path
) -> None:
    importlib.import_module("connectors.police.synthetic").write(
        generate(40, seed=1), tmp_path / "police"
    )
    records = load_records("police", tmp_path)
    keystore = Keystore(tmp_path / "keys")
    keystore.ensure(["police", TRIAGE, WRITER])
    await apply_catalogue(settings, catalogue([], settings.topic_prefix))
    person = max(records.records.values(), key=lambda r: len({f["category"] for f in r.findings}))
    permitted = sorted({f["category"] for f in person.findings})[:1]
    withheld = sum(f["category"] not in permitted for f in person.findings)
    assert withheld > 0, "the person holds findings outside the request"
    request: dict[str, Any] = {
        **INFORMATION_REQUEST,
        "request_id": uuid.uuid4(),
        "case_id": uuid.uuid4(),
        "agency": "POLICE",
        "subjects": [{**person.person, "person_id": uuid.uuid4()}],
        "categories_permitted": permitted,
        "history_since": None,
    }

    connector_stop, writer_stop = asyncio.Event(), asyncio.Event()
    ready, writing = asyncio.Event(), asyncio.Event()
    connector = Connector(Agency.POLICE, records, settings, keystore)
    writer = AuditWriter(settings, keystore, SUBMITTERS)
    answering = asyncio.create_task(connector.run(connector_stop, ready))
    chaining = asyncio.create_task(writer.run(writer_stop, writing))
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await producer.start()
    try:
        async with asyncio.timeout(90):
            await asyncio.gather(ready.wait(), writing.wait())
        triage = Publisher(
            producer, AvroCodec(), Signer(keystore.signing_key(TRIAGE)), keystore.case_keys()
        )
        for _ in range(2):  # the same request twice: a resend, answered and audited again
            await triage.publish(
                request_topic(Agency.POLICE, settings.topic_prefix),
                "uk.mash.v1.InformationRequest",
                request,
                key=str(request["case_id"]).encode(),
            )
        await audited(settings, keystore, request["case_id"], 1 + withheld)
        await until(lambda: connector.answered == 2)
    finally:
        await producer.stop()
        connector_stop.set()
        await asyncio.wait_for(answering, WAIT)
    try:
        assert await writer.drained(), "the writer chained every submission"
    finally:
        writer_stop.set()
        await asyncio.wait_for(chaining, WAIT)

    log = await read_topic(settings, keystore.keyring())
    assert log.verdict.intact, log.verdict.breaks
    assert [r["action"] for r in log.records if r["action"] == "DEAD_LETTERED"] == []
    mine = [r for r in log.records if r["case_id"] == request["case_id"]]
    assert len(mine) == 1 + withheld, "the resent request is audited once"
    assert {(r["actor"]["agent"], r["actor"]["agency"]) for r in mine} == {("police", "POLICE")}
    (sent,) = [r for r in mine if r["action"] == "RESPONSE_SENT"]
    assert sent["response_id"] == response_id_for(request["request_id"], "police")
    assert sent["categories"] == permitted
    assert "1 matched" in sent["reason"]
    kept_back = [r for r in mine if r["action"] == "WITHHELD"]
    assert len(kept_back) == withheld
    assert {r["rule_id"] for r in kept_back} == {RULE_ID}
