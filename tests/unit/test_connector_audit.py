"""A connector audits its own answers (``connectors.audit``), signed as its agency.

"A record of what has been shared should be kept and why" (Wigan thresholds,
seed 004, Consent and Confidentiality), and an agency shares only what is
necessary, proportionate and relevant (Oldham, seed 002, 5.6): so for each
request it answers, a connector records the response it sent (with counts, no
names) and every finding it kept back as outside the request's scope.

The connector here is the real ``connectors.service.Connector`` with its real
publisher, keystore, codec and signatures; only the producer's network send is
replaced, so a test reads the topic, key, envelope and Avro value of each
message. The same records on a real broker, chained by the audit writer, are in
``tests/integration/test_connector_audit_on_broker.py``.
"""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from agents.audit import subject_refs
from agents.audit_writer import SUBMITTERS
from broker.catalogue import Agency, topic_name
from broker.codec import AvroCodec
from broker.deadletter import RawRecord
from broker.envelope import ReplayGuard, Signer, Verifier
from broker.errors import MashError
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from broker.settings import MashSettings
from broker.transport import Publisher, Received, Receiver, plain_value
from connectors.answer import RecordIndex, answer
from connectors.audit import RULE_ID, RULE_VERSION, ConnectorAudit
from connectors.records import AgencyRecord
from connectors.service import REQUEST, RESPONSE, TRIAGE, Connector
from connectors.synthetic.families import generate
from mash.audit_query import person_refs_for
from mash.audit_report import subject_access_report
from mash.connector_commands import backend_for
from tests.examples import INFORMATION_REQUEST

PREFIX = "unit."
AUDIT = "uk.mash.v1.AuditRecord"
SUBMISSION = "uk.mash.v1.AuditSubmission"


@pytest.fixture(scope="module")
def police_records(tmp_path_factory: pytest.TempPathFactory) -> list[AgencyRecord]:
    folder = tmp_path_factory.mktemp("partnership")
    importlib.import_module("connectors.police.synthetic").write(
        generate(40, seed=1), folder / "police"
    )
    return list(backend_for("police").load(folder / "police"))


@pytest.fixture
def keystore(tmp_path: Path) -> Keystore:
    keys = Keystore(tmp_path / "keys")
    keys.ensure(["police", TRIAGE])
    return keys


def richest(records: list[AgencyRecord]) -> AgencyRecord:
    """The person with findings in the most categories."""
    return max(records, key=lambda r: (len({f["category"] for f in r.findings}), r.record_id))


def request_about(
    record: AgencyRecord, categories: list[str], since: date | None = None
) -> dict[str, Any]:
    subject = {**record.person, "person_id": uuid.uuid5(uuid.NAMESPACE_URL, record.record_id)}
    return {
        **INFORMATION_REQUEST,
        "request_id": uuid.uuid4(),
        "case_id": uuid.uuid4(),
        "agency": "POLICE",
        "subjects": [subject],
        "categories_permitted": categories,
        "history_since": since,
    }


def personal_bytes(person: Mapping[str, Any]) -> list[bytes]:
    """The person's names and identifier values, as they must never appear in the audit."""
    names = [part for name in person["names"] for part in name["given_names"].split()]
    names += [name["family_name"] for name in person["names"]]
    values = [identifier["value"] for identifier in person.get("identifiers") or []]
    return [text.encode() for text in names + values]


# Records ---------------------------------------------------------------------------------------


def test_the_response_sent_says_to_whom_what_and_how_matched_in_counts_only(
    police_records: list[AgencyRecord], keystore: Keystore
) -> None:
    record = richest(police_records)
    held = sorted({f["category"] for f in record.findings})
    request = request_about(record, held[:1])
    response, outcome = answer(request, "police", RecordIndex(police_records))
    audit = ConnectorAudit(Agency.POLICE, keystore.folder, PREFIX)
    sent, *withheld = audit.records(request, response, outcome)

    _, key = pseudonym_key(keystore.folder)
    assert sent["action"] == "RESPONSE_SENT"
    assert sent["actor"] == {"agent": "police", "agency": "POLICE"}
    assert sent["source_agency"] == "POLICE"
    assert sent["case_id"] == request["case_id"]
    assert (sent["request_id"], sent["response_id"]) == (
        request["request_id"],
        response["response_id"],
    )
    assert sent["subject_refs"] == subject_refs(request["subjects"], key)
    assert sent["categories"] == held[:1]
    assert sent["lawful_basis"] == request["lawful_basis"]
    assert sent["consent_status"] == request["consent"]["status"]
    shared = sum(f["category"] in held[:1] for f in record.findings)
    assert sent["reason"] == (
        f"1 subject(s): 1 matched, 0 possible, 0 no trace; {shared} finding(s) shared, "
        f"{len(record.findings) - shared} withheld as outside the request"
    )
    assert len(withheld) == outcome.withheld == len(record.findings) - shared > 0
    codec = AvroCodec()
    for value in (sent, *withheld):
        encoded = codec.encode(AUDIT, value)
        for text in personal_bytes(record.person):
            assert text not in encoded, text


def test_each_finding_outside_the_requested_categories_is_withheld_by_request_scope_oldham_5_6(
    police_records: list[AgencyRecord], keystore: Keystore
) -> None:
    record = richest(police_records)
    held = sorted({f["category"] for f in record.findings})
    request = request_about(record, held[:1])
    response, outcome = answer(request, "police", RecordIndex(police_records))
    _, *withheld = ConnectorAudit(Agency.POLICE, keystore.folder, PREFIX).records(
        request, response, outcome
    )
    kept_back = sorted(f["category"] for f in record.findings if f["category"] not in held[:1])
    assert sorted(r["categories"][0] for r in withheld) == kept_back
    _, key = pseudonym_key(keystore.folder)
    for value in withheld:
        assert value["action"] == "WITHHELD"
        assert (value["rule_id"], value["rule_version"]) == (RULE_ID, RULE_VERSION)
        assert value["reason"] == "its category is not one the request permits"
        assert value["subject_refs"] == subject_refs(request["subjects"], key)
        assert value["actor"] == {"agent": "police", "agency": "POLICE"}
        assert value["recipient"] is None
    assert len({r["record_id"] for r in withheld}) == len(withheld), "one record per finding"


def test_findings_before_the_requested_history_are_withheld_with_that_date_oldham_5_6(
    police_records: list[AgencyRecord], keystore: Keystore
) -> None:
    record = next(
        r for r in police_records if len({f["event_date"] for f in r.findings} - {None}) > 1
    )
    dates = sorted(f["event_date"] for f in record.findings if f["event_date"] is not None)
    since = dates[-1]
    request = request_about(record, sorted({f["category"] for f in record.findings}), since)
    response, outcome = answer(request, "police", RecordIndex(police_records))
    _, *withheld = ConnectorAudit(Agency.POLICE, keystore.folder, PREFIX).records(
        request, response, outcome
    )
    older = [f for f in record.findings if f["event_date"] is not None and f["event_date"] < since]
    assert len(withheld) == len(older) > 0
    assert {r["reason"] for r in withheld} == {
        f"dated before the request's history_since {since.isoformat()}"
    }


def test_answering_the_same_request_again_gives_the_same_records(
    police_records: list[AgencyRecord], keystore: Keystore
) -> None:
    """A redelivered request is audited under the same ids, which the audit writer keeps once."""
    record = richest(police_records)
    request = request_about(record, sorted({f["category"] for f in record.findings})[:1])
    audit = ConnectorAudit(Agency.POLICE, keystore.folder, PREFIX)
    first = audit.records(request, *answer(request, "police", RecordIndex(police_records)))
    again = audit.records(request, *answer(request, "police", RecordIndex(police_records)))
    assert [r["record_id"] for r in first] == [r["record_id"] for r in again]
    other = audit.records(
        {**request, "request_id": uuid.uuid4()},
        *answer({**request, "request_id": uuid.uuid4()}, "police", RecordIndex(police_records)),
    )
    assert not {r["record_id"] for r in first} & {r["record_id"] for r in other}


def test_nobody_found_is_still_a_response_sent_about_the_people_asked(
    police_records: list[AgencyRecord], keystore: Keystore
) -> None:
    request = request_about(richest(police_records), ["police.domestic_abuse_incident"])
    response, outcome = answer(request, "police", RecordIndex([]))
    (sent,) = ConnectorAudit(Agency.POLICE, keystore.folder, PREFIX).records(
        request, response, outcome
    )
    assert sent["reason"] == (
        "1 subject(s): 0 matched, 0 possible, 1 no trace; 0 finding(s) shared, "
        "0 withheld as outside the request"
    )
    assert sent["categories"] == []
    assert sent["subject_refs"]


# The connector submitting them -----------------------------------------------------------------


@dataclass
class Producer:
    """Keeps what is sent instead of sending it; fails sends to ``failing`` topics."""

    failing: frozenset[str] = frozenset()
    sent: list[tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]] = field(
        default_factory=list
    )

    async def send_and_wait(
        self, topic: str, value: bytes, *, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        if topic in self.failing:
            raise ConnectionError(f"{topic}: the broker went away")
        self.sent.append((topic, key, value, headers))


@dataclass(frozen=True)
class Sent:
    topic: str
    key: bytes | None
    sender: str
    schema: str
    value: dict[str, Any]


def handed(
    connector: Connector, keystore: Keystore, requests: list[dict[str, Any]], producer: Any
) -> tuple[list[Received], Publisher, Receiver]:
    """Requests as triage signs them, opened by the connector's receiver, and its publisher."""
    codec, case_keys = AvroCodec(), keystore.case_keys()
    publisher = Publisher(producer, codec, Signer(keystore.signing_key("police")), case_keys)
    receiver = Receiver(
        None,  # nothing is received here: the record is given to it
        codec=codec,
        verifier=Verifier(keystore.keyring(), ReplayGuard()),
        case_keys=case_keys,
        dead_letters=publisher,
        dead_letter_topic=connector.dead_letters,
        expected={connector.requests: REQUEST},
        name="connector.police",
    )
    received = []
    for offset, request in enumerate(requests):
        topic, key = connector.requests, str(request["case_id"]).encode()
        value = case_keys.encrypt(topic, key, codec.encode(REQUEST, request))
        headers = Signer(keystore.signing_key(TRIAGE)).sign(
            topic, key, value, codec.store.fingerprint_bytes(REQUEST)
        )
        received.append(receiver.open(RawRecord(topic, 0, offset, key, value, headers)))
    return received, publisher, receiver


async def answered(
    connector: Connector, keystore: Keystore, request: dict[str, Any], producer: Producer
) -> list[Sent]:
    """Hand the connector a request as triage signs it; what it sent, verified and decoded."""
    (received,), publisher, receiver = handed(connector, keystore, [request], producer)
    await connector._answer(received, publisher, receiver)  # the unit under test
    codec, case_keys = AvroCodec(), keystore.case_keys()
    verifier = Verifier(keystore.keyring())
    found = []
    for offset, (name, sent_key, sent_value, sent_headers) in enumerate(producer.sent):
        envelope = verifier.verify(name, 0, offset, sent_key, sent_value, sent_headers)
        raw = RawRecord(name, 0, offset, sent_key, sent_value, [])
        plain = plain_value(case_keys, envelope, raw)
        decoded = codec.decode(plain)
        found.append(Sent(name, sent_key, envelope.sender, decoded.schema, decoded.value))
    return found


def connector_for(records: list[AgencyRecord], keystore: Keystore) -> Connector:
    settings = MashSettings(bootstrap_servers="127.0.0.1:9", topic_prefix=PREFIX)
    return Connector(Agency.POLICE, RecordIndex(records), settings, keystore)


async def test_the_connector_submits_its_records_signed_as_the_agency_after_the_response(
    police_records: list[AgencyRecord], keystore: Keystore
) -> None:
    record = richest(police_records)
    request = request_about(record, sorted({f["category"] for f in record.findings})[:1])
    connector = connector_for(police_records, keystore)
    sent = await answered(connector, keystore, request, Producer())

    response, submission = sent  # the response, then its audit records in one submission
    assert (response.topic, response.schema) == (topic_name("responses", PREFIX), RESPONSE)
    pending = topic_name("audit.pending", PREFIX)
    assert (submission.topic, submission.schema) == (pending, SUBMISSION)
    assert {s.key for s in sent} == {str(request["case_id"]).encode()}
    assert {s.sender for s in sent} == {"police"}
    # what the audit writer requires of a submission: a trusted submitter, its own records
    assert "police" in SUBMITTERS
    audit = submission.value["records"]
    assert {(r["actor"]["agent"], r["actor"]["agency"]) for r in audit} == {("police", "POLICE")}
    actions = [r["action"] for r in audit]
    assert actions[0] == "RESPONSE_SENT"
    assert actions.count("WITHHELD") == len(actions) - 1 > 0
    assert {r["response_id"] for r in audit} == {response.value["response_id"]}


async def test_a_failure_to_audit_stops_the_connector_before_its_offset_is_committed(
    police_records: list[AgencyRecord], keystore: Keystore
) -> None:
    """Not silent: the request will be answered (same response id) and audited again."""
    request = request_about(richest(police_records), ["police.domestic_abuse_incident"])
    connector = connector_for(police_records, keystore)
    producer = Producer(failing=frozenset({topic_name("audit.pending", PREFIX)}))
    with pytest.raises(MashError, match="could not submit its audit records") as raised:
        await answered(connector, keystore, request, producer)
    assert isinstance(raised.value.__cause__, ConnectionError)
    assert [topic for topic, *_ in producer.sent] == [topic_name("responses", PREFIX)]


@dataclass
class InFlight(Producer):
    """A producer whose responses are acknowledged only once ``width`` are in flight together."""

    width: int = 3
    waiting: int = 0
    together: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_and_wait(
        self, topic: str, value: bytes, *, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        if topic == topic_name("responses", PREFIX):
            self.waiting += 1
            if self.waiting == self.width:
                self.together.set()
            await asyncio.wait_for(self.together.wait(), 5)
        await super().send_and_wait(topic, value, key=key, headers=headers)


def three_requests(
    connector: Connector, records: list[AgencyRecord], keystore: Keystore, producer: Producer
) -> tuple[list[Received], Publisher, Receiver]:
    """Three requests about the same person, handed to the connector as one batch."""
    about = richest(records)
    requests = [request_about(about, ["police.domestic_abuse_incident"]) for _ in range(3)]
    return handed(connector, keystore, requests, producer)


async def test_a_batch_of_requests_is_answered_together_not_one_round_trip_after_another(
    police_records: list[AgencyRecord], keystore: Keystore
) -> None:
    """One after another, the first response would wait for ever for the other two."""
    connector, producer = connector_for(police_records, keystore), InFlight(width=3)
    await connector._answer_all(*three_requests(connector, police_records, keystore, producer))
    topics = [topic for topic, *_ in producer.sent]
    assert topics.count(topic_name("responses", PREFIX)) == 3
    assert topics.count(topic_name("audit.pending", PREFIX)) == 3
    assert connector.answered == 3


async def test_a_failure_in_a_batch_is_raised_once_the_other_answers_are_done(
    police_records: list[AgencyRecord], keystore: Keystore
) -> None:
    """Nothing left running behind the failure; the batch is not committed, so all come again."""
    connector = connector_for(police_records, keystore)
    producer = Producer(failing=frozenset({topic_name("audit.pending", PREFIX)}))
    batch = three_requests(connector, police_records, keystore, producer)
    with pytest.raises(MashError, match="could not submit its audit records"):
        await connector._answer_all(*batch)
    assert [topic for topic, *_ in producer.sent] == [topic_name("responses", PREFIX)] * 3


# What the compliance officer reads ---------------------------------------------------------


def test_the_subject_access_report_lists_the_agency_answer_and_what_it_kept_back(
    police_records: list[AgencyRecord], keystore: Keystore
) -> None:
    """Everything shared about one person, with whom and why (Wigan thresholds, seed 004)."""
    record = richest(police_records)
    request = request_about(record, sorted({f["category"] for f in record.findings})[:1])
    audit = ConnectorAudit(Agency.POLICE, keystore.folder, PREFIX)
    records = audit.records(request, *answer(request, "police", RecordIndex(police_records)))
    _, key = pseudonym_key(keystore.folder)
    person_id = str(request["subjects"][0]["person_id"])
    page = subject_access_report(
        records,
        person_refs=person_refs_for(key, [("person_id", person_id)]),
        person_label="the person",
        generated_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
    )
    rows = page.split("<tr>")
    (sent,) = [row for row in rows if "<td>RESPONSE_SENT</td>" in row]
    assert "the MASH (answering its request)" in sent
    withheld = [row for row in rows if "<td>WITHHELD</td>" in row]
    assert len(withheld) == len(records) - 1
    assert all(
        "nobody (withheld)" in row and f"{RULE_ID} v{RULE_VERSION}" in row for row in withheld
    )
    for text in personal_bytes(record.person):
        assert text.decode() not in page
