"""The whole pipeline on real brokers, one scenario of the issue per test.

Each test submits a contact to a running exchange (connectors and the worker in
one process) and asserts on what arrived on the broker: the sealed pictures on
the teams' topics, the notifications, the dead letters, and the audit trail,
whose records name the rule that decided (``rule_id``: policy rules from
``agents/policy/rules.toml``, triage rules from ``agents.triage.TRIAGE_RULES``).

A worker takes about 5 s to start on either engine, so the scenarios share one
exchange per engine (a module-scoped ``broker``) and one synthetic partnership;
each scenario has its own case. The probation connector is left out at start:
a contact that asks probation cannot be complete until a test starts it, which
makes a partial picture at the deadline (and the late answer after it) certain
rather than a race with the other agencies. Only the restart test has an
exchange of its own, on Apache Kafka.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from agents.app import create_worker
from agents.audit import approver_ref
from agents.context import utc_now
from agents.triage import allocation_for
from broker.authority import load_authority
from broker.catalogue import Agency, team_topic, topic_name
from broker.codec import AvroCodec
from broker.engines.process import BrokerProcess
from broker.envelope import Signer, SigningKey
from broker.errors import RejectedMessage, SealError
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from broker.sealing import open_sealed
from broker.settings import MashSettings
from broker.topic_reader import partitions_of, read_to_end, started_reader
from broker.transport import Publisher
from connectors.service import Connector
from connectors.synthetic.families import generate
from connectors.synthetic.model import Partnership
from mash.audit_log import read_topic
from mash.connector_commands import load_records
from mash.exchange import Exchange, running_exchange

pytestmark = pytest.mark.asyncio(loop_scope="module")

FAMILIES, SEED = 40, 1
ALL_AGENCIES = [agency.value for agency in Agency]
LATE_AGENCY = "probation"
AT_START = [agency for agency in ALL_AGENCIES if agency != LATE_AGENCY]
RESPONSE = "uk.mash.v1.InformationResponse"
WAIT = 60.0
# What the policy adds to the lawful basis when it shares under a consent override.
GATEWAYS = (
    "CHILDREN_ACT_1989_S47",
    "UK_GDPR_ART_6_1_E_PUBLIC_TASK",
    "UK_GDPR_ART_9_2_H_HEALTH_OR_SOCIAL_CARE",
)
# After the last output a scenario waits for, how long anything it must not
# cause (a second revision, an audit record) is given to show up anyway.
QUIET = 3.0


# --- the partnership, the exchange -------------------------------------------------


@pytest.fixture(scope="module")
def partnership() -> Partnership:
    """One synthetic Wigan partnership for every scenario."""
    return generate(FAMILIES, seed=SEED)


@pytest.fixture(scope="module")
def agency_data(partnership: Partnership, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each agency's own export of the partnership, as its connector reads it."""
    folder = tmp_path_factory.mktemp("agencies")
    for agency in ALL_AGENCIES:
        importlib.import_module(f"connectors.{agency}.synthetic").write(
            partnership, folder / agency
        )
    return folder


@pytest.fixture(scope="module", params=["embedded", "kafka"])
def broker(request: pytest.FixtureRequest) -> BrokerProcess:
    """Each engine in turn, held for the module so that one exchange serves its scenarios."""
    running: BrokerProcess = request.getfixturevalue(f"{request.param}_broker")
    return running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def exchange(
    broker: BrokerProcess, agency_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Exchange]:
    """An exchange on ``broker`` with every connector but probation's, on fresh topics."""
    settings = MashSettings(
        bootstrap_servers=broker.bootstrap, topic_prefix=f"t{uuid.uuid4().hex[:12]}."
    )
    keystore = Keystore(tmp_path_factory.mktemp("keys"))
    running = Exchange(settings, load_authority(), keystore, agency_data)
    async with running_exchange(running, AT_START):
        yield running


@contextlib.asynccontextmanager
async def connector_running(exchange: Exchange, agency: str) -> AsyncIterator[Connector]:
    """An agency's connector joining a running exchange, stopped when the block ends."""
    stop, ready = asyncio.Event(), asyncio.Event()
    connector = Connector(
        Agency(agency), load_records(agency, exchange.data), exchange.settings, exchange.keystore
    )
    task = asyncio.create_task(connector.run(stop, ready))
    try:
        await asyncio.wait_for(ready.wait(), WAIT)
        yield connector
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT)


# --- contacts ------------------------------------------------------------------------


def contacts_of(partnership: Partnership) -> list[dict[str, Any]]:
    """The partnership's contacts, as Avro values."""
    return cast(list[dict[str, Any]], partnership.contacts)


def allocated(partnership: Partnership) -> tuple[dict[str, Any], dict[str, Any]]:
    """A contact about a child already open to a team, and that child's allocation."""
    for contact in contacts_of(partnership):
        allocation = allocation_for(contact, partnership.allocations)
        if allocation is not None:
            return contact, dict(allocation)
    raise LookupError(f"no contact of seed {SEED} is about an allocated child")


async def allocated_known_to_the_worker(
    exchange: Exchange, partnership: Partnership
) -> tuple[Callable[[], dict[str, Any]], str]:
    """New contacts about an allocated child, once the worker has its allocation; the team.

    The social care export's allocations reach the worker from the allocations topic.
    """
    original, allocation = allocated(partnership)
    worker = exchange.worker
    assert worker is not None
    await until(lambda: allocation["child_id"] in worker.allocations)

    def new_contact() -> dict[str, Any]:
        return {
            **original,
            "contact_id": uuid.uuid4(),
            "case_id": uuid.uuid4(),
            "received_at": utc_now(),
        }

    return new_contact, allocation["team_key"]


def unallocated(partnership: Partnership) -> dict[str, Any]:
    """A contact about a family no team holds, whose subjects the agencies know."""
    return next(
        contact
        for contact in contacts_of(partnership)
        if allocation_for(contact, partnership.allocations) is None
        and contact["referrer_level_of_need"] == "LEVEL_4"
    )


def recorded_override(partnership: Partnership) -> dict[str, Any]:
    """A consent override as the synthetic contacts record one: reason, gateway, approver."""
    override: dict[str, Any] = next(
        contact["consent"]["override"]
        for contact in contacts_of(partnership)
        if contact["consent"]["override"] is not None
        and contact["consent"]["override"]["approved_by"] is not None
    )
    return override


def consent(
    status: str, received_at: datetime, override: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A consent record of ``status`` (given an hour before the contact when GIVEN)."""
    given = status == "GIVEN"
    return {
        "status": status,
        "scope": None,
        "given_by_person_id": None,
        "obtained_by": None,
        "obtained_at": received_at - timedelta(hours=1) if given else None,
        "method": "VERBAL" if given else "UNKNOWN",
        "override": override,
    }


def contact_about(
    base: dict[str, Any],
    *,
    level: str,
    status: str,
    concerns: list[str],
    override: dict[str, Any] | None = None,
    received_at: datetime | None = None,
    immediate_risk: bool = False,
    suspected_crime: bool = False,
) -> dict[str, Any]:
    """A new case about ``base``'s family, with the circumstances a scenario needs."""
    received = received_at or utc_now()
    basis = ["CONSENT"] if status == "GIVEN" else []
    return {
        **base,
        "contact_id": uuid.uuid4(),
        "case_id": uuid.uuid4(),
        "received_at": received,
        "referrer_level_of_need": level,
        "concern_categories": concerns,
        "consent": consent(status, received, override),
        "lawful_basis": [*basis, "UK_GDPR_ART_6_1_E_PUBLIC_TASK"],
        "immediate_risk": immediate_risk,
        "suspected_crime": suspected_crime,
    }


def last_saturday_night(now: datetime) -> datetime:
    """23:00 UTC on a Saturday more than a day before ``now``: the MASH is shut then."""
    day = (now - timedelta(days=2)).date()
    while day.weekday() != 5:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 23, tzinfo=UTC)


# --- reading what arrived ------------------------------------------------------------


def topic(exchange: Exchange, stream: str) -> str:
    return topic_name(stream, exchange.settings.topic_prefix)


def audit_of(
    exchange: Exchange, case_id: uuid.UUID, action: str | None = None
) -> list[dict[str, Any]]:
    """The case's audit records read so far, of one action or all."""
    return [
        record
        for record in exchange.values("audit")
        if record["case_id"] == case_id and action in (None, record["action"])
    ]


async def picture(
    exchange: Exchange,
    team: str,
    case_id: uuid.UUID,
    match: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> dict[str, Any]:
    """The first picture of the case on ``team``'s topic that ``match`` accepts, decrypted."""
    sealed = await exchange.wait_for(
        team_topic(team, exchange.settings.topic_prefix),
        lambda value: value["case_id"] == case_id and match(value["_picture"]),
        WAIT,
    )
    found: dict[str, Any] = sealed["_picture"]
    return found


async def routed(exchange: Exchange, case_id: uuid.UUID, revision: int) -> dict[str, Any]:
    """The audit record of a revision's disclosure to its team.

    Audit records are keyed by case, so once this one is read every earlier
    record of the case (triage's, the policy's) has been read too.
    """
    return await exchange.wait_for(
        topic(exchange, "audit"),
        lambda record: (
            record["case_id"] == case_id
            and record["action"] == "PICTURE_ROUTED"
            and record["reason"].startswith(f"revision {revision} ")
        ),
        WAIT,
    )


async def responses_of(exchange: Exchange, case_id: uuid.UUID, count: int) -> list[dict[str, Any]]:
    """The agencies' responses for a case, read back from the responses topic."""
    codec = AvroCodec()
    consumer = AIOKafkaConsumer(
        topic(exchange, "responses"),
        auto_offset_reset="earliest",
        **connection_options(exchange.settings),
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(WAIT):
            while len(found) < count:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        plain = exchange.case_keys.decrypt(
                            record.topic, record.key, record.value or b""
                        )
                        response = codec.decode(plain, RESPONSE).value
                        if response["case_id"] == case_id:
                            found.append(response)
    finally:
        await consumer.stop()
    return found


@contextlib.asynccontextmanager
async def publishing_as(exchange: Exchange, key: SigningKey) -> AsyncIterator[Publisher]:
    """A publisher signing with ``key``, as an agency's system would."""
    producer = AIOKafkaProducer(acks="all", **connection_options(exchange.settings))
    await producer.start()
    try:
        yield Publisher(producer, AvroCodec(), Signer(key), exchange.keystore.case_keys())
    finally:
        await producer.stop()


async def dead_letter(exchange: Exchange, response_id: uuid.UUID, reason: str) -> dict[str, Any]:
    """The dead letter of a response, by the response id inside its original bytes."""
    codec = AvroCodec()

    def about(letter: dict[str, Any]) -> bool:
        plain = exchange.case_keys.decrypt(
            letter["source_topic"], letter["source_key"], letter["original_value"]
        )
        kept = codec.decode(plain, RESPONSE).value
        return bool(kept["response_id"] == response_id and letter["reason"] == reason)

    return await exchange.wait_for(topic(exchange, "deadletter"), about, WAIT)


def asked(exchange: Exchange, case_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """Request id by agency (lower case), from the case's REQUEST_ISSUED records."""
    return {
        record["source_agency"].lower(): record["request_id"]
        for record in audit_of(exchange, case_id, "REQUEST_ISSUED")
    }


async def until(condition: Callable[[], bool]) -> None:
    """Wait, polling, for a condition of the worker's memory that no output announces."""
    async with asyncio.timeout(WAIT):
        while True:
            if condition():
                return
            await asyncio.sleep(0.2)


@contextlib.contextmanager
def nothing_more(exchange: Exchange, case_id: uuid.UUID) -> Iterator[None]:
    """Asserts the case gets no picture revision or policy record while the block runs."""
    before = len(audit_of(exchange, case_id))
    yield
    extra = audit_of(exchange, case_id)[before:]
    assert extra == [], [record["action"] for record in extra]


# --- the scenarios -------------------------------------------------------------------


async def test_consent_refused_at_early_help_shares_nothing(
    broker: BrokerProcess, exchange: Exchange, partnership: Partnership
) -> None:
    contact = contact_about(
        unallocated(partnership),
        level="LEVEL_3",
        status="REFUSED",
        override=recorded_override(partnership),
        concerns=["PARENTAL_MENTAL_HEALTH"],
    )
    case_id = contact["case_id"]
    await exchange.submit(contact)

    final = await picture(exchange, "mash-duty", case_id)
    await routed(exchange, case_id, 1)
    assert final["revision_reason"] == "ALL_AGENCIES_ANSWERED"
    assert final["completeness"] == "COMPLETE"
    assert final["chronology"] == []
    assert sorted(final["agencies_answered"]) == sorted(a.upper() for a in asked(exchange, case_id))
    withheld = {d["rule_id"] for d in final["redacted_or_withheld"]}
    assert withheld == {"early-help-needs-consent"}

    audit = audit_of(exchange, case_id)
    received = [r for r in audit if r["action"] == "RESPONSE_RECEIVED"]
    assert len(received) == len(asked(exchange, case_id)) > 0
    decisions = [r for r in audit if r["action"] in ("SHARED", "REDACTED", "WITHHELD")]
    # the policy's decisions; the connectors' own records of what they kept back at
    # source, as outside the request, are WITHHELD under their request-scope rule
    by_policy = [r for r in decisions if r["actor"]["agent"] == "agent.policy"]
    at_source = [r for r in decisions if r not in by_policy]
    assert by_policy, "every withheld subject and finding is audited"
    assert {(r["action"], r["rule_id"]) for r in by_policy} == {
        ("WITHHELD", "early-help-needs-consent")
    }
    assert {(r["action"], r["rule_id"]) for r in at_source} <= {("WITHHELD", "request-scope")}
    assert {r["actor"]["agent"] for r in at_source} <= set(asked(exchange, case_id))
    assert {r["consent_status"] for r in decisions} == {"REFUSED"}
    assert {r["recipient"]["team_key"] for r in by_policy} == {"mash-duty"}
    for agency in asked(exchange, case_id):  # each connector's record of its answer
        await exchange.wait_for(
            topic(exchange, "audit"),
            lambda r, agency=agency: (
                r["case_id"] == case_id
                and r["action"] == "RESPONSE_SENT"
                and r["actor"] == {"agent": agency, "agency": agency.upper()}
            ),
            WAIT,
        )
    assert not [r for r in audit if r["action"] == "CONSENT_OVERRIDE"]


async def test_safeguarding_override_shares_without_consent(
    broker: BrokerProcess, exchange: Exchange, partnership: Partnership
) -> None:
    override = recorded_override(partnership)
    contact = contact_about(
        unallocated(partnership),
        level="LEVEL_4",
        status="NOT_SOUGHT",
        override=override,
        concerns=["NEGLECT"],
    )
    case_id = contact["case_id"]
    await exchange.submit(contact)

    final = await picture(exchange, "mash-duty", case_id)
    await routed(exchange, case_id, 1)
    assert final["completeness"] == "COMPLETE"
    assert final["chronology"], "the agencies' findings reach the picture"

    audit = audit_of(exchange, case_id)
    overrides = [r for r in audit if r["action"] == "CONSENT_OVERRIDE"]
    assert len(overrides) == len(asked(exchange, case_id))
    assert {r["rule_id"] for r in overrides} == {"safeguarding-without-consent"}
    # the approver by role and keyed reference, never by name (Oldham 4.4; Wigan thresholds)
    approver = override["approved_by"]
    reference = approver_ref(pseudonym_key(exchange.keystore.folder)[1], approver["name"])
    assert all(reference.hex() in r["reason"] for r in overrides)
    assert not [r for r in overrides if approver["name"] in r["reason"]]
    shared = [r for r in audit if r["action"] == "SHARED"]
    assert shared
    # subjects are shared under the override; findings under it or, for sensitive ones,
    # under the proportionality rule
    rules = {r["rule_id"] for r in shared}
    assert "safeguarding-without-consent" in rules
    assert rules <= {"safeguarding-without-consent", "sensitive-categories"}
    for record in shared:
        assert record["consent_overridden"]
        assert record["consent_status"] == "NOT_SOUGHT"
        assert set(GATEWAYS) <= set(record["lawful_basis"])
    responders = {entry["response_id"] for entry in final["chronology"]}
    assert responders <= {r["response_id"] for r in audit if r["action"] == "RESPONSE_RECEIVED"}


async def test_allocated_child_goes_straight_to_the_team_and_only_it_can_read(
    broker: BrokerProcess, exchange: Exchange, partnership: Partnership
) -> None:
    new_contact, team = await allocated_known_to_the_worker(exchange, partnership)
    contact = new_contact()
    case_id = contact["case_id"]
    await exchange.submit(contact)

    first = await picture(exchange, team, case_id)
    routing = await routed(exchange, case_id, 1)
    assert first["revision"] == 1
    assert first["revision_reason"] == "ALREADY_ALLOCATED"
    assert routing["rule_id"] == "allocated-child"
    assert routing["recipient"]["team_key"] == team
    (received,) = audit_of(exchange, case_id, "CONTACT_RECEIVED")
    assert f"allocated-child: {team}" in received["reason"]
    assert audit_of(exchange, case_id, "REQUEST_ISSUED") == []
    assert audit_of(exchange, case_id, "RESPONSE_RECEIVED") == []

    # Sealed for the allocated team: another team's key cannot open it.
    sealed = next(
        {k: v for k, v in value.items() if not k.startswith("_")}
        for value in exchange.seen[team_topic(team, exchange.settings.topic_prefix)].values
        if value["case_id"] == case_id
    )
    codec = AvroCodec()
    assert open_sealed(sealed, exchange.keystore.team_key(team), codec)["case_id"] == case_id
    for other in exchange.authority.team_keys():
        if other != team:
            with pytest.raises(SealError):
                open_sealed(sealed, exchange.keystore.team_key(other), codec)
    for other in exchange.authority.team_keys():
        if other != team:
            assert exchange.team_pictures(other, case_id) == []


async def test_urgent_out_of_hours_goes_to_the_out_of_hours_team(
    broker: BrokerProcess, exchange: Exchange, partnership: Partnership
) -> None:
    received_at = last_saturday_night(utc_now())
    assert not exchange.authority.is_office_hours(received_at)
    contact = contact_about(
        unallocated(partnership),
        level="LEVEL_4",
        status="NOT_SOUGHT",
        override=recorded_override(partnership),
        concerns=["RISK_FROM_ADULT"],  # asks probation, whose connector is not running
        immediate_risk=True,
        received_at=received_at,
    )
    case_id = contact["case_id"]
    await exchange.submit(contact)

    # received on Saturday night, the agencies' time ran out long ago: a partial picture at once
    first = await picture(exchange, "out-of-hours", case_id)
    assert (first["revision"], first["revision_reason"]) == (1, "DEADLINE_REACHED")
    assert first["completeness"] == "PARTIAL"
    assert first["rag_rating"] == "RED"
    assert "PROBATION" in first["agencies_awaited"]
    routing = await routed(exchange, case_id, 1)
    assert routing["rule_id"] == "out-of-hours-urgent"
    assert routing["recipient"]["team_key"] == "out-of-hours"
    (received,) = audit_of(exchange, case_id, "CONTACT_RECEIVED")
    assert received["rule_id"] == "rag-red"
    assert "out-of-hours-urgent: out-of-hours" in received["reason"]
    escalation = await exchange.wait_for(
        topic(exchange, "notifications"),
        lambda n: n["case_id"] == case_id and n["kind"] == "IMMEDIATE_RISK",
        WAIT,
    )
    assert escalation["recipient"]["team_key"] == "out-of-hours"
    # a day has passed since without a management decision: out-of-hours hears of that too
    overdue = await exchange.wait_for(
        topic(exchange, "notifications"),
        lambda n: n["case_id"] == case_id and n["kind"] == "OVERDUE_DECISION",
        WAIT,
    )
    assert overdue["recipient"]["team_key"] == "out-of-hours"

    # Answers from the agencies that were running come as later revisions, or in the first.
    latest = await picture(
        exchange, "out-of-hours", case_id, lambda p: p["agencies_awaited"] == ["PROBATION"]
    )
    revisions = exchange.team_pictures("out-of-hours", case_id)
    assert revisions[-1] == latest
    assert [p["revision_reason"] for p in revisions[1:]] == ["LATE_RESPONSE"] * (len(revisions) - 1)
    for other in exchange.authority.team_keys():
        if other != "out-of-hours":
            assert exchange.team_pictures(other, case_id) == []


async def test_suspected_crime_notifies_the_police(
    broker: BrokerProcess, exchange: Exchange, partnership: Partnership
) -> None:
    contact = contact_about(
        unallocated(partnership),
        level="LEVEL_3",
        status="GIVEN",
        concerns=["PARENTAL_MENTAL_HEALTH"],
        suspected_crime=True,
    )
    case_id = contact["case_id"]
    await exchange.submit(contact)

    notification = await exchange.wait_for(
        topic(exchange, "notifications"),
        lambda n: n["case_id"] == case_id and n["kind"] == "POLICE_NOTIFICATION",
        WAIT,
    )
    assert notification["recipient"] == {"team_key": None, "agency": "POLICE"}
    assert notification["_sender"] == "agent.triage"
    raised = await exchange.wait_for(
        topic(exchange, "audit"),
        lambda r: r["case_id"] == case_id and r["action"] == "NOTIFICATION_RAISED",
        WAIT,
    )
    assert raised["rule_id"] == "police-notification"
    assert raised["recipient"] == {"team_key": None, "agency": "POLICE"}
    notified = [n for n in exchange.values("notifications") if n["case_id"] == case_id]
    assert [n["kind"] for n in notified] == ["POLICE_NOTIFICATION"]


async def test_late_response_revises_the_partial_picture(
    broker: BrokerProcess, exchange: Exchange, partnership: Partnership
) -> None:
    # Agencies have 24 hours for an amber contact: this one leaves them two seconds.
    answer_within = exchange.authority.timings.answer_within("AMBER")
    contact = contact_about(
        unallocated(partnership),
        level="LEVEL_3",
        status="GIVEN",
        concerns=["PARENTAL_OFFENDING"],  # asks probation, whose connector is not running
        received_at=utc_now() - answer_within + timedelta(seconds=2),
    )
    case_id = contact["case_id"]
    await exchange.submit(contact)

    partial = await picture(exchange, "mash-duty", case_id)
    assert (partial["revision"], partial["revision_reason"]) == (1, "DEADLINE_REACHED")
    assert partial["completeness"] == "PARTIAL"
    assert "PROBATION" in partial["agencies_awaited"]

    async with connector_running(exchange, LATE_AGENCY):
        complete = await picture(
            exchange, "mash-duty", case_id, lambda p: "PROBATION" in p["agencies_answered"]
        )
    revisions = exchange.team_pictures("mash-duty", case_id)
    assert [p["revision"] for p in revisions] == list(range(1, len(revisions) + 1))
    second = revisions[1]
    assert second["revision_reason"] == "LATE_RESPONSE"
    assert set(second["agencies_answered"]) > set(partial["agencies_answered"])
    assert complete["revision_reason"] == "LATE_RESPONSE"
    assert complete["completeness"] == "COMPLETE"
    assert complete["agencies_awaited"] == []
    await routed(exchange, case_id, complete["revision"])
    reasons = [r["reason"] for r in audit_of(exchange, case_id, "PICTURE_ROUTED")]
    assert reasons[0] == "revision 1 (DEADLINE_REACHED)"
    assert all(reason.endswith("(LATE_RESPONSE)") for reason in reasons[1:])


async def test_duplicate_response_is_counted_once(
    broker: BrokerProcess, exchange: Exchange, partnership: Partnership
) -> None:
    contact = contact_about(
        unallocated(partnership),
        level="LEVEL_3",
        status="GIVEN",
        concerns=["PARENTAL_MENTAL_HEALTH"],
    )
    case_id = contact["case_id"]
    await exchange.submit(contact)
    complete = await picture(exchange, "mash-duty", case_id)
    await routed(exchange, case_id, 1)
    requests = asked(exchange, case_id)
    responses = await responses_of(exchange, case_id, len(requests))
    police = next(r for r in responses if r["agency"] == "POLICE")

    with nothing_more(exchange, case_id):
        async with publishing_as(
            exchange, exchange.keystore.signing_key("police")
        ) as police_system:
            # the same answer again, signed afresh: a new message, not a replay
            await police_system.publish(
                topic(exchange, "responses"), RESPONSE, police, key=str(case_id).encode()
            )
            # then one the policy agent must dead-letter, on the same partition, to know
            # when the duplicate has been handled
            marker = {**police, "response_id": uuid.uuid4(), "request_id": uuid.uuid4()}
            await police_system.publish(
                topic(exchange, "responses"), RESPONSE, marker, key=str(case_id).encode()
            )
        await dead_letter(exchange, marker["response_id"], "UNEXPECTED_RESPONSE")
        await asyncio.sleep(QUIET)

    received = audit_of(exchange, case_id, "RESPONSE_RECEIVED")
    assert Counter(r["response_id"] for r in received)[police["response_id"]] == 1
    assert len(received) == len(requests)
    assert exchange.team_pictures("mash-duty", case_id) == [complete]
    chronology = [(e["response_id"], e["finding"]["finding_id"]) for e in complete["chronology"]]
    assert len(chronology) == len(set(chronology))


async def test_forged_and_misaddressed_responses_are_dead_lettered(
    broker: BrokerProcess, exchange: Exchange, partnership: Partnership
) -> None:
    contact = contact_about(
        unallocated(partnership),
        level="LEVEL_3",
        status="GIVEN",
        concerns=["PARENTAL_MENTAL_HEALTH"],
    )
    case_id, key = contact["case_id"], str(contact["case_id"]).encode()
    await exchange.submit(contact)
    complete = await picture(exchange, "mash-duty", case_id)
    await routed(exchange, case_id, 1)
    requests = asked(exchange, case_id)
    responses = await responses_of(exchange, case_id, len(requests))
    police = next(r for r in responses if r["agency"] == "POLICE")

    forged = {**police, "response_id": uuid.uuid4()}
    misaddressed = {**police, "response_id": uuid.uuid4(), "agency": "HEALTH"}
    with nothing_more(exchange, case_id):
        async with publishing_as(exchange, SigningKey.generate("police")) as impostor:
            await impostor.publish(topic(exchange, "responses"), RESPONSE, forged, key=key)
        async with publishing_as(exchange, exchange.keystore.signing_key("health")) as health:
            await health.publish(topic(exchange, "responses"), RESPONSE, misaddressed, key=key)
        unknown_key = await dead_letter(exchange, forged["response_id"], "UNKNOWN_KEY")
        unexpected = await dead_letter(exchange, misaddressed["response_id"], "UNEXPECTED_RESPONSE")
        await asyncio.sleep(QUIET)

    for letter in (unknown_key, unexpected):
        assert letter["source_topic"] == topic(exchange, "responses")
        assert letter["source_key"] == key
        assert letter["consumer"] == "agent.policy"
        assert letter["_sender"] == "agent.policy"
    assert "police" in unexpected["message"]
    dead_lettered = [
        r["reason"] for r in exchange.values("audit") if r["action"] == "DEAD_LETTERED"
    ]
    assert any(reason.startswith("UNKNOWN_KEY") for reason in dead_lettered)
    assert any(reason.startswith("UNEXPECTED_RESPONSE") for reason in dead_lettered)
    assert exchange.team_pictures("mash-duty", case_id) == [complete]
    kept = {e["response_id"] for e in complete["chronology"]}
    assert not kept & {forged["response_id"], misaddressed["response_id"]}


async def test_an_erased_case_cannot_be_read_while_its_audit_still_verifies(
    broker: BrokerProcess, exchange: Exchange, partnership: Partnership
) -> None:
    """``mash case erase`` destroys the case's key (issue: retention and erasure)."""
    contact = contact_about(
        unallocated(partnership), level="LEVEL_3", status="GIVEN", concerns=["NEGLECT"]
    )
    case_id, key = contact["case_id"], str(contact["case_id"]).encode()
    await exchange.submit(contact)
    await picture(exchange, "mash-duty", case_id)
    await routed(exchange, case_id, 1)

    env = {
        **os.environ,
        "MASH_BOOTSTRAP_SERVERS": exchange.settings.bootstrap_servers,
        "MASH_TOPIC_PREFIX": exchange.settings.topic_prefix,
        "MASH_KEYSTORE": str(exchange.keystore.folder),
    }
    erase = [sys.executable, "-m", "mash", "case", "erase", str(case_id)]
    reason = "retention period ended"
    erased = await asyncio.to_thread(
        subprocess.run, [*erase, "--reason", reason, "--yes"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert erased.returncode == 0, erased.stderr
    assert "key destroyed" in erased.stderr
    recorded = await exchange.wait_for(
        topic(exchange, "audit"),
        lambda r: r["case_id"] == case_id and r["action"] == "CASE_ERASED",
        WAIT,
    )
    assert (recorded["reason"], recorded["actor"]["agent"]) == (reason, "case.eraser")

    streams = ["contacts", "responses", "shared", "pictures", "team.mash-duty"]
    unreadable = await case_messages(exchange, [topic(exchange, s) for s in streams], key)
    assert set(unreadable) == {topic(exchange, s) for s in streams}, "every stream held some"
    assert set(reason for reasons in unreadable.values() for reason in reasons) == {"CASE_ERASED"}
    log = await read_topic(exchange.settings, exchange.keystore.keyring())
    assert log.verdict.intact, log.verdict.breaks
    kept = [r["action"] for r in log.records if r["case_id"] == case_id]
    assert {"CONTACT_RECEIVED", "SHARED", "PICTURE_ROUTED", "CASE_ERASED"} <= set(kept)

    again = await asyncio.to_thread(
        subprocess.run, [*erase, "--reason", reason],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "was erased at" in again.stderr


async def case_messages(exchange: Exchange, topics: list[str], key: bytes) -> dict[str, list[str]]:
    """For each topic, why each of the case's messages cannot be read (empty: it can)."""
    consumer = await started_reader(exchange.settings, "erasure-check")
    found: dict[str, list[str]] = {}
    try:
        partitions = [tp for name in topics for tp in await partitions_of(consumer, name)]
        async for record in read_to_end(consumer, partitions):
            if record.key != key:
                continue
            try:
                exchange.case_keys.decrypt(record.topic, record.key, record.value or b"")
                found.setdefault(record.topic, []).append("")
            except RejectedMessage as refused:
                found.setdefault(record.topic, []).append(refused.reason)
    finally:
        await consumer.stop()
    return found


async def test_a_team_key_rotated_mid_flow_seals_new_pictures_to_the_new_key(
    broker: BrokerProcess, exchange: Exchange, partnership: Partnership
) -> None:
    """The worker reads the team's public key per picture: no restart after a rotation."""
    new_contact, team = await allocated_known_to_the_worker(exchange, partnership)
    topic = team_topic(team, exchange.settings.topic_prefix)

    async def sealed_for_a_new_case() -> dict[str, Any]:
        contact = new_contact()
        await exchange.submit(contact)
        await picture(exchange, team, contact["case_id"])
        (sealed,) = [v for v in exchange.seen[topic].values if v["case_id"] == contact["case_id"]]
        assert sealed["_picture"]["case_id"] == contact["case_id"], "opened with its own key"
        return sealed

    before = await sealed_for_a_new_case()
    old_id, new_id = exchange.keystore.rotate_team(team)
    after = await sealed_for_a_new_case()
    assert (before["key_id"], after["key_id"]) == (old_id, new_id)


@pytest.mark.kafka_only
async def test_worker_restarted_mid_case_loses_and_repeats_nothing(
    kafka_broker: BrokerProcess,
    unique: str,
    agency_data: Path,
    partnership: Partnership,
    tmp_path: Path,
) -> None:
    settings = MashSettings(bootstrap_servers=kafka_broker.bootstrap, topic_prefix=f"{unique}.")
    exchange = Exchange(settings, load_authority(), Keystore(tmp_path / "keys"), agency_data)
    contact = contact_about(
        unallocated(partnership), level="LEVEL_3", status="GIVEN", concerns=["PARENTAL_OFFENDING"]
    )
    case_id, key = contact["case_id"], str(contact["case_id"]).encode()
    async with running_exchange(exchange, AT_START):
        await exchange.submit(contact)
        # Probation has not answered yet, so the case is still open when the worker stops.
        first = exchange.worker
        assert first is not None
        await exchange.wait_for(
            topic(exchange, "audit"),
            lambda r: r["case_id"] == case_id and r["action"] == "RESPONSE_RECEIVED",
            WAIT,
        )
        await first.app.stop()
        before = audit_of(exchange, case_id, "RESPONSE_RECEIVED")
        assert exchange.team_pictures("mash-duty", case_id) == []

        second = create_worker(
            settings,
            exchange.authority,
            exchange.keystore,
            session_timeout=exchange.session_timeout,
            tick_seconds=exchange.tick_seconds,
        )
        exchange.worker = second
        await second.app.start()
        async with connector_running(exchange, LATE_AGENCY):
            final = await picture(exchange, "mash-duty", case_id)
            await routed(exchange, case_id, 1)
            await asyncio.sleep(QUIET)

        recovered = second.load_case(key)
    assert recovered is not None
    assert recovered["picture_revision"] == 1
    requests = asked(exchange, case_id)
    assert LATE_AGENCY in requests
    assert final["revision_reason"] == "ALL_AGENCIES_ANSWERED"
    assert final["completeness"] == "COMPLETE"
    assert sorted(final["agencies_answered"]) == sorted(a.upper() for a in requests)
    pictures = exchange.team_pictures("mash-duty", case_id)
    assert Counter(p["revision_reason"] for p in pictures) == {"ALL_AGENCIES_ANSWERED": 1}
    received = audit_of(exchange, case_id, "RESPONSE_RECEIVED")
    counts = Counter(r["response_id"] for r in received)
    assert all(n == 1 for n in counts.values()), counts
    assert len(received) == len(requests)
    assert before, "the first worker had taken answers in"
    assert {r["response_id"] for r in before} < set(counts)
    assert sorted(recovered["responses_seen"]) == sorted(str(r) for r in counts)
    assert exchange.values("deadletter") == [], "nothing refused on the way"
    routed_revisions = Counter(r["reason"] for r in audit_of(exchange, case_id, "PICTURE_ROUTED"))
    assert routed_revisions == {"revision 1 (ALL_AGENCIES_ANSWERED)": 1}
    assert len(audit_of(exchange, case_id, "CONTACT_RECEIVED")) == 1
