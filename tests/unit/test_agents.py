"""Each stream agent alone, through faust's ``agent.test_context()``.

The worker is the one ``mash worker`` runs (``agents.app.create_worker``), with
its real codec, keystore, case table and outboxes. Only the producer's network
send is replaced: every record an agent sends is kept here, so a test sees the
topic, key, Avro value and signed envelope of each output. The case table's
changelog writes stay in faust's producer buffer, where the tests read them.
Events reach an agent on its own topic's name, at partition 0 and offsets
counting from 0 in each test context, signed as the real sender signs them.

End-to-end runs of the same agents on both brokers are in
``tests/integration/test_pipeline_scenarios.py``.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import faust
import pytest

from agents.app import create_worker
from agents.audit import approver_ref
from agents.context import WorkerContext
from agents.streams.responses import override_reason
from broker.authority import load_authority
from broker.case_keys import MAGIC, CaseErased
from broker.catalogue import Agency
from broker.envelope import Signer, Verifier
from broker.errors import SealError
from broker.keystore import Keystore
from broker.sealing import open_sealed
from broker.settings import MashSettings
from connectors.answer import RecordIndex, answer
from mash.audit_query import AuditFilter, person_refs_for, select
from mash.audit_report import subject_access_report
from tests.examples import CHILD_ID, CONTACT, EXAMPLES, INFORMATION_RESPONSE

WIGAN = load_authority()
TUESDAY_10AM = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # office hours, in the past
PREFIX = "unit."
AGENCIES = [agency.value for agency in Agency]


@dataclass
class Sent:
    """One record an agent sent, decoded and with its envelope verified."""

    topic: str
    key: bytes | None
    schema: str
    value: dict[str, Any]
    sender: str


@dataclass
class Worker:
    """A worker whose sends are kept in memory; its clock can be moved."""

    ctx: WorkerContext
    now: datetime
    raw: list[tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]] = field(
        default_factory=list
    )

    def sent(self, topic: str | None = None) -> list[Sent]:
        """Everything sent so far (to ``topic`` only, when given), verified and decoded."""
        verifier = Verifier(self.ctx.keystore.keyring())
        found = []
        for offset, (name, key, value, headers) in enumerate(self.raw):
            if topic is not None and name != topic:
                continue
            envelope = verifier.verify(name, 0, offset, key, value, headers)
            decoded = self.ctx.codec.decode(self.ctx.case_keys.decrypt(name, key, value))
            found.append(Sent(name, key, decoded.schema, decoded.value, envelope.sender))
        return found

    def audit(self, action: str | None = None) -> list[dict[str, Any]]:
        """The audit records submitted (with ``action`` only, when given), in order."""
        submitted = self.sent(self.ctx.topics.audit_pending)
        assert {sent.schema for sent in submitted} <= {"uk.mash.v1.AuditSubmission"}
        records = [record for sent in submitted for record in sent.value["records"]]
        return [r for r in records if action is None or r["action"] == action]

    def case(self, case_id: uuid.UUID | str) -> dict[str, Any] | None:
        """A case's state as the table holds it."""
        return self.ctx.peek_case(str(case_id).encode())

    def changelog_keys(self) -> list[bytes]:
        """Keys of the case-table writes waiting in the producer's buffer."""
        pending = self.ctx.app.producer.buffer.pending
        return [
            message.message.key
            for message in list(pending._queue)  # faust keeps no public view
            if message.message.channel.get_topic_name().endswith("cases-changelog")
        ]

    def signed(self, sender: str, topic: str, schema: str, value: dict[str, Any]) -> dict[str, Any]:
        """``put`` arguments for a message as ``sender`` publishes it."""
        key = str(value["case_id"]).encode()
        encoded = self.ctx.case_keys.encrypt(topic, key, self.ctx.codec.encode(schema, value))
        fingerprint = self.ctx.codec.store.fingerprint_bytes(schema)
        signer = Signer(self.ctx.keystore.signing_key(sender))
        return {
            "value": encoded,
            "key": key,
            "headers": signer.sign(topic, key, encoded, fingerprint),
        }

    def agent(self, name: str) -> faust.types.AgentT[Any]:
        """One of the worker's agents, by the name the worker gives it."""
        return next(agent for agent in self.ctx.app.agents.values() if agent.name.endswith(name))

    async def put(self, agent_name: str, *messages: dict[str, Any]) -> None:
        """Feed ``messages`` to an agent, in one test context, and wait for each."""
        async with self.agent(agent_name).test_context() as agent:
            for message in messages:
                await agent.put(**message)


@pytest.fixture
def worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Worker]:
    yield from a_worker(tmp_path, monkeypatch)


def a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, changelog: bool = True
) -> Iterator[Worker]:
    """A worker whose sends are kept, not sent; without ``changelog``, table writes
    are not logged either (so the table can be written outside an agent)."""
    keystore = Keystore(tmp_path / "keys")
    keystore.ensure(["intake", *AGENCIES])
    settings = MashSettings(bootstrap_servers="127.0.0.1:9", topic_prefix=PREFIX)
    holder: list[Worker] = []
    ctx = create_worker(settings, WIGAN, keystore, clock=lambda: holder[0].now)
    worker = Worker(ctx, TUESDAY_10AM)
    holder.append(worker)

    async def send(
        topic: str,
        key: bytes | None,
        value: bytes,
        partition: int | None,
        timestamp: float | None,
        headers: list[tuple[str, bytes]],
    ) -> asyncio.Future[None]:
        worker.raw.append((topic, key, value, headers))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    monkeypatch.setattr(ctx.app.producer, "send", send)
    if not changelog:
        monkeypatch.setattr(ctx.cases, "on_key_set", lambda key, value: None)
        monkeypatch.setattr(ctx.cases, "on_key_del", lambda key: None)
    ctx.app.finalize()
    yield worker
    # faust's consumer makes its thread's event loop on creation; nothing starts it here.
    ctx.app.consumer._thread.thread_loop.close()


def contact(**changes: Any) -> dict[str, Any]:
    """The example contact (Brookfold Primary's DSL: level 4, suspected crime), on a Tuesday."""
    value: dict[str, Any] = copy.deepcopy(CONTACT)
    value.update(received_at=TUESDAY_10AM, immediate_risk=False)
    value.update(changes)
    return value


async def triaged(worker: Worker, **changes: Any) -> dict[str, Any]:
    """Triage a contact; returns it."""
    value = contact(**changes)
    topic = worker.ctx.topics.contacts
    await worker.put("triage", worker.signed("intake", topic, "uk.mash.v1.Contact", value))
    return value


def requests(worker: Worker) -> dict[str, dict[str, Any]]:
    """The requests triage sent, by agency (lower case)."""
    return {
        sent.value["agency"].lower(): sent.value
        for sent in worker.sent()
        if sent.schema == "uk.mash.v1.InformationRequest"
    }


def no_trace_response(request: dict[str, Any]) -> dict[str, Any]:
    """An agency's answer when it holds nobody of the request."""
    agency = request["agency"].lower()
    response, _ = answer(request, agency, RecordIndex([]), now=TUESDAY_10AM)
    return response


async def answered(worker: Worker, agencies: list[str]) -> list[dict[str, Any]]:
    """Each of ``agencies`` answers its request; the policy agent takes the answers."""
    topic = worker.ctx.topics.responses
    schema = "uk.mash.v1.InformationResponse"
    asked = requests(worker)
    responses = [no_trace_response(asked[agency]) for agency in agencies]
    await worker.put(
        "policy", *(worker.signed(r["agency"].lower(), topic, schema, r) for r in responses)
    )
    return responses


async def collated(worker: Worker, skip: int = 0) -> None:
    """Hand what the policy agent let through (after the first ``skip``) to collation."""
    topic = worker.ctx.topics.shared
    shared = [sent for sent in worker.sent(topic) if sent.sender == "agent.policy"][skip:]
    messages = [worker.signed("agent.policy", topic, s.schema, s.value) for s in shared]
    await worker.put("collation", *messages)


def dead_letters(worker: Worker) -> list[dict[str, Any]]:
    return [sent.value for sent in worker.sent(worker.ctx.topics.deadletter)]


# Triage


async def test_triage_issues_one_signed_request_per_agency_asked_and_saves_the_case(
    worker: Worker,
) -> None:
    value = await triaged(worker)
    asked = requests(worker)
    case = worker.case(value["case_id"])
    assert case is not None
    assert sorted(asked) == sorted(r["agency"].lower() for r in case["requests"])
    assert {"police", "health", "education"} <= set(asked)
    for request in asked.values():
        assert request["case_id"] == value["case_id"]
        assert request["deadline"] == case["answer_by"]
    for sent in worker.sent():
        assert sent.sender == "agent.triage"
        assert sent.key == str(value["case_id"]).encode()
    request_topics = {s.topic for s in worker.sent() if s.schema.endswith("InformationRequest")}
    assert request_topics == {worker.ctx.topics.request(agency) for agency in asked}
    issued = worker.audit("REQUEST_ISSUED")
    assert sorted(r["source_agency"] for r in issued) == sorted(a.upper() for a in asked)
    assert [r["rule_id"] for r in worker.audit("CONTACT_RECEIVED")] == ["rag-red"]
    assert worker.changelog_keys() == [str(value["case_id"]).encode()]


async def test_triage_tells_the_police_at_once_of_a_suspected_crime_oldham_5_9(
    worker: Worker,
) -> None:
    await triaged(worker, suspected_crime=True)
    notified = [s.value for s in worker.sent(worker.ctx.topics.notifications)]
    assert [n["recipient"]["agency"] for n in notified if n["kind"] == "POLICE_NOTIFICATION"] == [
        "POLICE"
    ]
    raised = worker.audit("NOTIFICATION_RAISED")
    assert "police-notification" in [r["rule_id"] for r in raised]
    assert len(raised) == len(notified)


async def test_a_redelivered_contact_changes_nothing(worker: Worker) -> None:
    value = await triaged(worker)
    before = len(worker.raw)
    await triaged(worker)  # a new test context: the same topic, partition and offset
    assert len(worker.raw) == before
    assert worker.case(value["case_id"]) is not None


async def test_a_contact_seen_again_at_another_offset_is_dead_lettered_as_a_replay(
    worker: Worker,
) -> None:
    message = worker.signed("intake", worker.ctx.topics.contacts, "uk.mash.v1.Contact", contact())
    await worker.put("triage", message, message)
    assert [d["reason"] for d in dead_letters(worker)] == ["REPLAY"]
    assert len(requests(worker)) > 0


async def test_a_contact_with_a_changed_byte_is_dead_lettered_and_audited(worker: Worker) -> None:
    value = contact()
    message = worker.signed("intake", worker.ctx.topics.contacts, "uk.mash.v1.Contact", value)
    message["value"] = message["value"][:-1] + bytes([message["value"][-1] ^ 1])
    await worker.put("triage", message)
    assert [d["reason"] for d in dead_letters(worker)] == ["BAD_SIGNATURE"]
    (letter,) = dead_letters(worker)
    assert [r["reason"] for r in worker.audit("DEAD_LETTERED")] == [
        f"{letter['reason']}: {letter['message']}"
    ]
    assert requests(worker) == {}
    assert worker.case(value["case_id"]) is None


async def test_a_contact_not_sent_by_intake_is_refused(worker: Worker) -> None:
    topic = worker.ctx.topics.contacts
    await worker.put("triage", worker.signed("police", topic, "uk.mash.v1.Contact", contact()))
    assert [d["reason"] for d in dead_letters(worker)] == ["UNKNOWN_SENDER"]
    assert requests(worker) == {}


# Policy


async def test_policy_passes_an_answer_on_once_and_audits_it(worker: Worker) -> None:
    value = await triaged(worker)
    police = requests(worker)["police"]
    (response,) = await answered(worker, ["police"])
    shared = [s for s in worker.sent(worker.ctx.topics.shared)]
    assert [(s.sender, s.value["request_id"]) for s in shared] == [
        ("agent.policy", police["request_id"])
    ]
    received = worker.audit("RESPONSE_RECEIVED")
    assert [r["response_id"] for r in received] == [response["response_id"]]
    case = worker.case(value["case_id"])
    assert case is not None
    assert case["responses_seen"] == [str(response["response_id"])]

    topic, schema = worker.ctx.topics.responses, "uk.mash.v1.InformationResponse"
    again = worker.signed("police", topic, schema, response)  # the same answer, sent again
    await worker.put("policy", again)
    assert len(worker.sent(worker.ctx.topics.shared)) == 1
    assert len(worker.audit("RESPONSE_RECEIVED")) == 1


async def test_policy_refuses_an_agency_answering_a_request_sent_to_another(
    worker: Worker,
) -> None:
    await triaged(worker)
    forged = no_trace_response(requests(worker)["police"])
    topic, schema = worker.ctx.topics.responses, "uk.mash.v1.InformationResponse"
    await worker.put("policy", worker.signed("health", topic, schema, forged))
    assert [d["reason"] for d in dead_letters(worker)] == ["UNEXPECTED_RESPONSE"]
    assert worker.sent(worker.ctx.topics.shared) == []


async def test_policy_refuses_an_answer_to_a_case_it_does_not_hold(worker: Worker) -> None:
    await triaged(worker)
    stray = no_trace_response(requests(worker)["police"]) | {"case_id": uuid.uuid4()}
    topic, schema = worker.ctx.topics.responses, "uk.mash.v1.InformationResponse"
    await worker.put("policy", worker.signed("police", topic, schema, stray))
    assert [d["reason"] for d in dead_letters(worker)] == ["UNEXPECTED_RESPONSE"]


async def test_early_help_without_consent_shares_nothing_and_audits_why_wigan_consent(
    worker: Worker,
) -> None:
    refused = copy.deepcopy(CONTACT["consent"]) | {"status": "REFUSED", "override": None}
    await triaged(
        worker, referrer_level_of_need="LEVEL_2", suspected_crime=False, consent=refused,
        concern_categories=["EDUCATION_ATTENDANCE_OR_EXCLUSION"], lawful_basis=["CONSENT"],
    )  # fmt: skip
    asked = sorted(requests(worker))
    await answered(worker, asked)
    shared = [s.value for s in worker.sent(worker.ctx.topics.shared)]
    assert len(shared) == len(asked)
    assert all(s["subjects"] == [] for s in shared)
    assert worker.audit("SHARED") == []


# Collation


async def test_collation_sends_the_picture_once_every_agency_has_answered(worker: Worker) -> None:
    value = await triaged(worker)
    asked = sorted(requests(worker))
    await answered(worker, asked[:-1])
    await collated(worker)
    assert worker.sent(worker.ctx.topics.pictures) == []
    await answered(worker, asked[-1:])
    await collated(worker, skip=len(asked) - 1)
    pictures = [s.value for s in worker.sent(worker.ctx.topics.pictures)]
    assert [(p["revision"], p["revision_reason"]) for p in pictures] == [
        (1, "ALL_AGENCIES_ANSWERED")
    ]
    assert pictures[0]["case_id"] == value["case_id"]
    assert pictures[0]["agencies_awaited"] == []


async def test_collation_refuses_shared_information_not_from_the_policy_agent(
    worker: Worker,
) -> None:
    await triaged(worker)
    await answered(worker, ["police"])
    (shared,) = worker.sent(worker.ctx.topics.shared)
    topic = worker.ctx.topics.shared
    await worker.put("collation", worker.signed("police", topic, shared.schema, shared.value))
    assert [d["reason"] for d in dead_letters(worker)] == ["UNKNOWN_SENDER"]
    assert worker.sent(worker.ctx.topics.pictures) == []


# Deadlines


async def test_deadlines_bring_a_partial_picture_a_late_revision_and_one_overdue_notice(
    worker: Worker,
) -> None:
    value = await triaged(worker)
    asked = sorted(requests(worker))
    await answered(worker, asked[1:])
    await collated(worker)
    case = worker.case(value["case_id"])
    assert case is not None
    worker.now = case["answer_by"] + timedelta(seconds=1)
    key = str(value["case_id"]).encode()
    await worker.put("deadlines", {"key": key, "value": b"deadline"})
    (picture,) = [s.value for s in worker.sent(worker.ctx.topics.pictures)]
    assert picture["revision_reason"] == "DEADLINE_REACHED"
    assert picture["agencies_awaited"] == [asked[0].upper()]
    assert {s.sender for s in worker.sent(worker.ctx.topics.notifications)} == {"agent.triage"}

    await answered(worker, asked[:1])  # the late answer: a second revision
    await collated(worker, skip=len(asked) - 1)
    pictures = [s.value for s in worker.sent(worker.ctx.topics.pictures)]
    assert [(p["revision"], p["revision_reason"]) for p in pictures] == [
        (1, "DEADLINE_REACHED"),
        (2, "LATE_RESPONSE"),
    ]
    assert pictures[1]["agencies_awaited"] == []

    worker.now = case["decision_due"] + timedelta(seconds=1)
    await worker.put("deadlines", {"key": key, "value": b"deadline"})
    overdue = [
        s.value for s in worker.sent(worker.ctx.topics.notifications) if s.sender != "agent.triage"
    ]
    assert [n["kind"] for n in overdue] == ["OVERDUE_DECISION"]
    assert len(worker.audit("OVERDUE")) == 1
    await worker.put("deadlines", {"key": key, "value": b"deadline"})  # a tick once more
    assert len(worker.audit("OVERDUE")) == 1


# Routing


async def test_routing_seals_each_revision_for_the_case_team_only(worker: Worker) -> None:
    value = await triaged(worker)
    await answered(worker, sorted(requests(worker)))
    await collated(worker)
    (picture,) = worker.sent(worker.ctx.topics.pictures)
    topic = worker.ctx.topics.pictures
    await worker.put(
        "routing", worker.signed("agent.collation", topic, picture.schema, picture.value)
    )
    case = worker.case(value["case_id"])
    assert case is not None
    team = case["team_key"]
    (sealed,) = worker.sent(worker.ctx.topics.team(team))
    assert sealed.sender == "agent.routing"
    opened = open_sealed(sealed.value, worker.ctx.keystore.team_key(team), worker.ctx.codec)
    assert (opened["case_id"], opened["revision"]) == (value["case_id"], 1)
    with pytest.raises(SealError):
        open_sealed(sealed.value, worker.ctx.keystore.team_key("early-help"), worker.ctx.codec)
    (routed,) = worker.audit("PICTURE_ROUTED")
    assert routed["recipient"]["team_key"] == team
    assert routed["rule_id"] == case["route_rule"]


async def test_case_locks_are_kept_only_while_held(worker: Worker) -> None:
    async with worker.ctx.case_lock(b"case-1"):
        assert worker.ctx.case_lock(b"case-1").locked()
    assert not worker.ctx.case_lock(b"case-1").locked()
    assert len(worker.ctx._case_locks) == 0  # the map is what is tested


# Erasure (broker.case_keys)


async def test_the_case_table_holds_each_case_encrypted_under_its_key(worker: Worker) -> None:
    value = await triaged(worker)
    stored = worker.ctx.cases.get(str(value["case_id"]).encode())
    assert stored.startswith(MAGIC)
    for subject in value["subjects"]:
        for name in subject["names"]:
            assert name["family_name"].encode() not in stored


async def test_a_message_of_an_erased_case_is_dead_lettered_and_its_state_dropped(
    worker: Worker,
) -> None:
    value = await triaged(worker)
    key = str(value["case_id"]).encode()
    request = requests(worker)["police"]
    in_flight = worker.signed(
        "police",
        worker.ctx.topics.responses,
        "uk.mash.v1.InformationResponse",
        no_trace_response(request),
    )
    worker.ctx.case_keys.erase(value["case_id"], TUESDAY_10AM)
    await worker.put("policy", in_flight)
    (letter,) = dead_letters(worker)
    assert letter["reason"] == "CASE_ERASED"
    assert letter["source_key"] == key
    (refusal,) = worker.audit("DEAD_LETTERED")
    assert refusal["reason"].startswith("CASE_ERASED: case ")
    with pytest.raises(CaseErased):
        worker.case(value["case_id"])
    # The deadline agent, which owns the case's partition, removes the row.
    await worker.put("deadlines", {"key": key, "value": b"deadline"})
    assert worker.ctx.cases.get(key) is None


# Audit content: "a record of what has been shared should be kept and why" (Wigan
# thresholds, seed 004, Consent and Confidentiality); consent overrides and proportionate
# sharing (Oldham, seed 002, 4.1, 4.4, 5.6).


def police_answer(worker: Worker) -> dict[str, Any]:
    """The example police answer (three subjects matched, with findings) to triage's request."""
    police = requests(worker)["police"]
    return copy.deepcopy(INFORMATION_RESPONSE) | {
        "request_id": police["request_id"],
        "case_id": police["case_id"],
        "response_id": uuid.uuid4(),
    }


async def policy_takes(worker: Worker, response: dict[str, Any]) -> None:
    topic, schema = worker.ctx.topics.responses, "uk.mash.v1.InformationResponse"
    await worker.put("policy", worker.signed("police", topic, schema, response))


async def test_every_sharing_decision_records_the_team_it_goes_to_wigan_consent(
    worker: Worker,
) -> None:
    """With whom: SHARED, REDACTED and WITHHELD name the case's team, so a query finds them."""
    value = await triaged(worker)
    await policy_takes(worker, police_answer(worker))
    case = worker.case(value["case_id"])
    assert case is not None
    decisions = [r for r in worker.audit() if r["action"] in ("SHARED", "REDACTED", "WITHHELD")]
    assert {"SHARED", "WITHHELD"} <= {r["action"] for r in decisions}
    team = {"team_key": case["team_key"], "agency": None}
    assert [r["recipient"] for r in decisions] == [team] * len(decisions)
    by_team = AuditFilter(team=case["team_key"], decision=["SHARED", "REDACTED", "WITHHELD"])
    assert select(worker.audit(), by_team) == decisions
    assert select(worker.audit(), AuditFilter(team="early-help", decision="SHARED")) == []

    # The subject-access report says with whom the child's information was shared.
    key = worker.ctx.auditors["agent.policy"].key
    refs = person_refs_for(key, [("person_id", str(CHILD_ID))])
    page = subject_access_report(
        worker.audit(), person_refs=refs, person_label="the child", generated_at=worker.now
    )
    shared_rows = [row for row in page.split("<tr>") if "<td>SHARED</td>" in row]
    assert shared_rows
    assert all(f"<td>{case['team_key']}</td>" in row for row in shared_rows)


async def test_a_consent_override_records_the_approver_by_role_and_keyed_ref_oldham_4_4(
    worker: Worker,
) -> None:
    """Reason and gateway kept; the approver's name never in the clear (seed 002 4.1, 4.4)."""
    consent = copy.deepcopy(EXAMPLES["uk.mash.v1.Consent"])
    override = consent["override"]
    bases = ["UK_GDPR_ART_6_1_E_PUBLIC_TASK", "CHILDREN_ACT_1989_S47"]
    await triaged(worker, consent=consent, lawful_basis=bases)
    await policy_takes(worker, police_answer(worker))
    (record,) = worker.audit("CONSENT_OVERRIDE")
    approver = override["approved_by"]
    key = worker.ctx.auditors["agent.policy"].key
    assert override["reason"] in record["reason"]
    assert override["reason_code"] in record["reason"]
    assert set(override["legal_gateway"]) <= set(record["lawful_basis"])
    assert f"approved by {approver['role']}" in record["reason"]
    assert approver_ref(key, approver["name"]).hex() in record["reason"]
    (sent,) = [
        s for s in worker.sent(worker.ctx.topics.audit_pending) if record in s.value["records"]
    ]
    encoded = worker.ctx.codec.encode(sent.schema, sent.value)
    for part in approver["name"].split():
        assert part.encode() not in encoded


def test_an_override_without_a_role_or_approver_says_so() -> None:
    override = copy.deepcopy(EXAMPLES["uk.mash.v1.Consent"]["override"])
    override["approved_by"]["role"] = None
    assert "(approved by role not recorded, approver ref " in override_reason(override, b"k" * 32)
    assert override["approved_by"]["name"] not in override_reason(override, b"k" * 32)
    override["approved_by"] = None
    assert override_reason(override, b"k" * 32).endswith("(no approver recorded)")


async def test_notifications_and_the_overdue_record_name_the_case_subjects(
    worker: Worker,
) -> None:
    """So a subject-access report lists them, found by the person id as the query spells it."""
    value = await triaged(worker, suspected_crime=True)
    (received,) = worker.audit("CONTACT_RECEIVED")
    raised = worker.audit("NOTIFICATION_RAISED")
    assert raised
    assert [r["subject_refs"] for r in raised] == [received["subject_refs"]] * len(raised)
    case = worker.case(value["case_id"])
    assert case is not None
    worker.now = case["decision_due"] + timedelta(seconds=1)
    await worker.put("deadlines", {"key": str(value["case_id"]).encode(), "value": b"deadline"})
    (overdue,) = worker.audit("OVERDUE")
    assert overdue["subject_refs"] == received["subject_refs"]

    key = worker.ctx.auditors["agent.triage"].key
    child = person_refs_for(key, [("PERSON_ID", str(CHILD_ID).upper())])
    found = {r["action"] for r in select(worker.audit(), AuditFilter(person_refs=child))}
    assert {"CONTACT_RECEIVED", "NOTIFICATION_RAISED", "OVERDUE"} <= found
    page = subject_access_report(
        worker.audit(), person_refs=child, person_label="the child", generated_at=worker.now
    )
    assert "<td>NOTIFICATION_RAISED</td>" in page
    assert "<td>OVERDUE</td>" in page
