"""``mash cases list`` and ``mash picture show`` against the embedded broker.

Audit records, notifications and sealed pictures are published by hand, signed
with keys from a fresh keystore as the agents would sign them; the commands run
as staff run them, in a subprocess with MASH_KEYSTORE and MASH_TOPIC_PREFIX set.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from agents.audit import Auditor
from broker import audit_chain
from broker.authority import load_authority
from broker.catalogue import catalogue, team_topic, topic_name
from broker.codec import AvroCodec
from broker.engines.process import BrokerProcess
from broker.envelope import Signer, SigningKey
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from broker.sealing import seal
from broker.settings import MashSettings
from broker.topic_admin import TopicAdmin, apply_catalogue
from broker.transport import Publisher
from tests.examples import CASE_ID, FAMILY_PICTURE

AUDIT = "uk.mash.v1.AuditRecord"
NOTIFICATION = "uk.mash.v1.Notification"
SEALED = "uk.mash.v1.SealedPicture"
AMBER_CASE = uuid.UUID("2c1d5e8a-0b7f-4a63-9d21-5f0e6b3a7c14")
GREEN_CASE = uuid.UUID("7e4a2b90-3c15-4d8e-a6f7-19b0c2d5e836")


@dataclass(frozen=True)
class Exchange:
    """A broker with a few cases published, and how to run ``mash`` against it."""

    env: dict[str, str]
    keystore: Keystore
    now: datetime

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mash", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=self.env,
        )


def _audit_records(keystore: Keystore, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """What triage, policy and routing would have audited for three cases."""
    key_id, key = pseudonym_key(keystore.folder)
    triage, policy = Auditor("agent.triage", key, key_id), Auditor("agent.policy", key, key_id)
    routing, collation = (
        Auditor("agent.routing", key, key_id),
        Auditor("agent.collation", key, key_id),
    )
    red_at, amber_at, green_at = now - timedelta(hours=2), now - timedelta(hours=30), now
    red_reason = (
        "rag-red: RED; mash-duty: mash-duty; agencies-by-concern: police, health, education; "
        "police-notification: POLICE_NOTIFICATION"
    )
    records = [
        triage.record(
            "CONTACT_RECEIVED", case_id=CASE_ID, now=red_at, rule_id="rag-red",
            recipient={"team_key": "mash-duty", "agency": None}, reason=red_reason,
        ),
        *(
            triage.record(
                "REQUEST_ISSUED", case_id=CASE_ID, now=red_at, source_agency=agency,
                request_id=uuid.uuid4(),
            )
            for agency in ("POLICE", "HEALTH", "EDUCATION")
        ),
        *(
            policy.record(
                "RESPONSE_RECEIVED", case_id=CASE_ID, now=red_at + timedelta(minutes=40),
                source_agency=agency, response_id=uuid.uuid4(),
            )
            for agency in ("POLICE", "HEALTH")
        ),
        *(
            routing.record(
                "PICTURE_ROUTED", case_id=CASE_ID, now=red_at + timedelta(hours=1),
                rule_id="mash-duty", recipient={"team_key": "mash-duty", "agency": None},
                reason=f"revision {revision} ({reason})", distinct=str(revision),
            )
            for revision, reason in ((1, "DEADLINE_REACHED"), (2, "LATE_RESPONSE"))
        ),
        triage.record(
            "CONTACT_RECEIVED", case_id=AMBER_CASE, now=amber_at, rule_id="rag-amber",
            recipient={"team_key": "out-of-hours", "agency": None},
            reason="rag-amber: AMBER; out-of-hours-urgent: out-of-hours; "
            "agencies-by-concern: police",
        ),
        triage.record(
            "REQUEST_ISSUED", case_id=AMBER_CASE, now=amber_at, source_agency="POLICE",
            request_id=uuid.uuid4(),
        ),
        collation.record(
            "OVERDUE", case_id=AMBER_CASE, now=now - timedelta(hours=6),
            recipient={"team_key": "out-of-hours", "agency": None},
            reason="No management decision within 24 hours of the contact (Oldham 5.10).",
        ),
        triage.record(
            "CONTACT_RECEIVED", case_id=GREEN_CASE, now=green_at, rule_id="rag-green",
            recipient={"team_key": "early-help", "agency": None},
            reason="rag-green: GREEN; mash-duty: early-help; agencies-by-concern: housing",
        ),
        triage.record(
            "REQUEST_ISSUED", case_id=GREEN_CASE, now=green_at, source_agency="HOUSING",
            request_id=uuid.uuid4(),
        ),
        policy.record(
            "RESPONSE_RECEIVED", case_id=GREEN_CASE, now=green_at, source_agency="HOUSING",
            response_id=uuid.uuid4(),
        ),
    ]  # fmt: skip
    return [(str(record["actor"]["agent"]), record) for record in records]


def _notification(case_id: uuid.UUID, kind: str, due_at: datetime, now: datetime) -> dict[str, Any]:
    return {
        "notification_id": uuid.uuid4(),
        "case_id": case_id,
        "contact_id": None,
        "kind": kind,
        "recipient": {"team_key": None, "agency": "POLICE"},
        "reason": "Suspected crime reported in a contact: notify the police at once.",
        "concern_categories": [],
        "raised_at": now.replace(microsecond=0),
        "due_at": due_at,
    }


async def _publish(settings: MashSettings, keystore: Keystore, now: datetime) -> None:
    specs = catalogue(load_authority().team_keys(), settings.topic_prefix)
    await apply_catalogue(settings, specs)
    codec = AvroCodec()
    producer = AIOKafkaProducer(acks="all", **connection_options(settings))
    await producer.start()
    try:

        def as_sender(sender: str) -> Publisher:
            return Publisher(
                producer, codec, Signer(keystore.signing_key(sender)), keystore.case_keys()
            )

        audit = topic_name("audit", settings.topic_prefix)
        # Chained and signed as the audit writer chains what the agents submit.
        writer, head = keystore.signing_key(audit_chain.WRITER), audit_chain.ChainHead(0)
        for source_offset, (_, record) in enumerate(_audit_records(keystore, now)):
            entry = audit_chain.sign(codec, writer, AUDIT, head.next_record(record, source_offset))
            encoded, key = codec.encode(AUDIT, entry.value), str(record["case_id"]).encode()
            headers = Signer(writer).sign(audit, key, encoded, codec.store.fingerprint_bytes(AUDIT))
            await producer.send_and_wait(audit, encoded, key=key, partition=0, headers=headers)
            head.add_record(entry)
        # A police key is trusted, but the police do not write the audit.
        stray = _audit_records(keystore, now)[0][1]
        await as_sender("police").publish(audit, AUDIT, stray, key=None)
        received = (now - timedelta(hours=2)).replace(microsecond=0)
        await as_sender("agent.triage").publish(
            topic_name("notifications", settings.topic_prefix),
            NOTIFICATION,
            _notification(CASE_ID, "POLICE_NOTIFICATION", received + timedelta(hours=24), now),
            key=str(CASE_ID).encode(),
        )
        key_id, public = keystore.team_public_key("mash-duty")
        duty, out_of_hours = (
            team_topic("mash-duty", settings.topic_prefix),
            team_topic("out-of-hours", settings.topic_prefix),
        )
        routing = as_sender("agent.routing")
        for revision in (1, 2):
            picture = {**FAMILY_PICTURE, "revision": revision}
            sealed = seal(
                picture, team_key="mash-duty", recipient=public, key_id=key_id, codec=codec,
                now=now,
            )  # fmt: skip
            await routing.publish(duty, SEALED, sealed, key=str(CASE_ID).encode())
            if revision == 1:
                # Misrouted: sealed for the duty team, sent to out-of-hours.
                await routing.publish(out_of_hours, SEALED, sealed, key=str(CASE_ID).encode())
        # A revision 3 signed by a key nobody trusts must never be shown.
        forged = seal(
            {**FAMILY_PICTURE, "revision": 3}, team_key="mash-duty", recipient=public,
            key_id=key_id, codec=codec, now=now,
        )  # fmt: skip
        impostor = Publisher(
            producer, codec, Signer(SigningKey.generate("agent.routing")), keystore.case_keys()
        )
        await impostor.publish(duty, SEALED, forged, key=str(CASE_ID).encode())
    finally:
        await producer.stop()


@pytest.fixture
def exchange(embedded_broker: BrokerProcess, unique: str, tmp_path: Path) -> Exchange:
    keystore = Keystore(tmp_path / "keys")
    keystore.team_key("mash-duty")
    keystore.team_key("out-of-hours")
    settings = MashSettings(bootstrap_servers=embedded_broker.bootstrap, topic_prefix=f"{unique}.")
    now = datetime.now(UTC)
    asyncio.run(_publish(settings, keystore, now))
    env = {
        **os.environ,
        "MASH_BOOTSTRAP_SERVERS": embedded_broker.bootstrap,
        "MASH_TOPIC_PREFIX": f"{unique}.",
        "MASH_KEYSTORE": str(keystore.folder),
    }
    env.pop("MASH_AUTHORITY_FILE", None)
    return Exchange(env, keystore, now)


def test_cases_list_shows_the_most_urgent_first(exchange: Exchange) -> None:
    listed = exchange.run("cases", "list")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split()[:4] == ["CASE", "RAG", "RECEIVED", "TEAM"]
    assert [row.split()[0] for row in rows] == [str(AMBER_CASE), str(CASE_ID), str(GREEN_CASE)]
    overdue, red, green = rows
    assert "AMBER" in overdue
    assert "out-of-hours" in overdue
    assert "OVERDUE 6h" in overdue
    assert red.split()[1:2] == ["RED"]
    assert "mash-duty" in red
    assert "2 of 3" in red
    assert "education" in red
    assert " 2 " in red  # the latest picture revision routed
    assert "in 1h 5" in red  # RED: agencies answer within 4 hours; 2 have passed
    assert "in 21h 5" in red  # decision due 24 hours after the contact
    assert "all in" in green
    assert "~" in green  # no notification: received time as triage recorded it
    assert "3 case(s), 1 overdue" in listed.stderr
    assert "1 record(s) not trusted and skipped" in listed.stderr
    assert "UNKNOWN_SENDER" in listed.stderr
    assert "\x1b" not in listed.stdout


def test_cases_list_as_json(exchange: Exchange) -> None:
    listed = exchange.run("cases", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    cases = {row["case_id"]: row for row in json.loads(listed.stdout)}
    assert list(cases) == [str(AMBER_CASE), str(CASE_ID), str(GREEN_CASE)]
    red = cases[str(CASE_ID)]
    assert red["rag_rating"] == "RED"
    assert red["team_key"] == "mash-duty"
    assert red["agencies_asked"] == ["education", "health", "police"]
    assert red["agencies_answered"] == ["health", "police"]
    assert red["agencies_awaited"] == ["education"]
    assert red["picture_revision"] == 2
    assert red["received_at_estimated"] is False
    assert red["notifications"] == ["POLICE_NOTIFICATION"]
    assert red["overdue"] is False
    assert 21 * 3600 < red["decision_seconds_left"] <= 22 * 3600
    assert 3600 < red["answers_seconds_left"] <= 2 * 3600
    assert cases[str(AMBER_CASE)]["overdue"] is True
    assert cases[str(AMBER_CASE)]["decision_seconds_left"] < 0
    assert cases[str(GREEN_CASE)]["received_at_estimated"] is True


def test_picture_show_opens_the_latest_trusted_revision(exchange: Exchange) -> None:
    shown = exchange.run("picture", "show", str(CASE_ID), "--team", "mash-duty")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"FAMILY PICTURE  case {CASE_ID}")
    assert "Revision        2 (Deadline reached)" in shown.stdout
    assert "Lily-Rose CALDER" in shown.stdout
    assert f"case {CASE_ID} revision 2 for mash-duty" in shown.stderr
    assert "1 record(s) not trusted and skipped" in shown.stderr  # the forged revision 3


def test_picture_show_an_earlier_revision_as_json(exchange: Exchange) -> None:
    shown = exchange.run(
        "picture", "show", str(CASE_ID), "--team", "mash-duty", "--revision", "1", "--json"
    )
    assert shown.returncode == 0, shown.stderr
    opened = json.loads(shown.stdout)
    assert opened["case_id"] == str(CASE_ID)
    assert opened["revision"] == 1
    assert opened["rag_rating"] == FAMILY_PICTURE["rag_rating"]
    assert opened["persons"][0]["names"][0]["given_names"] == "Lily-Rose"


def test_a_revision_not_sent_is_named(exchange: Exchange) -> None:
    shown = exchange.run("picture", "show", str(CASE_ID), "--team", "mash-duty", "--revision", "3")
    assert shown.returncode == 1
    assert f"case {CASE_ID} has no revision 3" in shown.stderr
    assert "(has 1, 2)" in shown.stderr


def test_another_teams_key_cannot_open_the_picture(exchange: Exchange) -> None:
    shown = exchange.run("picture", "show", str(CASE_ID), "--team", "out-of-hours")
    assert shown.returncode == 1
    assert shown.stdout == ""
    lines = shown.stderr.strip().splitlines()
    assert len(lines) == 1, shown.stderr
    assert lines[0].startswith("mash: error: ")
    assert "was sealed for key" in lines[0]
    assert "(mash-duty)" in lines[0]
    assert "Traceback" not in shown.stderr


def test_a_team_without_its_key_here_is_told_so(exchange: Exchange) -> None:
    shown = exchange.run("picture", "show", str(CASE_ID), "--team", "complex-safeguarding")
    assert shown.returncode == 1
    assert "no private key of team complex-safeguarding" in shown.stderr
    assert "Traceback" not in shown.stderr
    assert not (exchange.keystore.folder / "team.complex-safeguarding.x25519").exists()


def test_a_case_with_no_picture_on_the_topic(exchange: Exchange) -> None:
    shown = exchange.run("picture", "show", str(GREEN_CASE), "--team", "mash-duty")
    assert shown.returncode == 1
    assert f"no picture of case {GREEN_CASE}" in shown.stderr


def test_cases_list_before_the_topics_exist(
    embedded_broker: BrokerProcess, unique: str, tmp_path: Path
) -> None:
    prefix = f"{unique}.bare."
    env = {
        **os.environ,
        "MASH_BOOTSTRAP_SERVERS": embedded_broker.bootstrap,
        "MASH_TOPIC_PREFIX": prefix,
        "MASH_KEYSTORE": str(tmp_path / "keys"),
    }
    listed = Exchange(env, Keystore(tmp_path / "keys"), datetime.now(UTC)).run("cases", "list")
    assert listed.returncode == 1
    assert f"no topic {prefix}mash.audit.v1, {prefix}mash.notifications.v1" in listed.stderr
    assert "mash topics create" in listed.stderr
    settings = MashSettings(bootstrap_servers=embedded_broker.bootstrap)
    assert not [name for name in asyncio.run(_topic_names(settings)) if name.startswith(prefix)]


async def _topic_names(settings: MashSettings) -> set[str]:
    async with TopicAdmin(settings) as admin:
        return await admin.topic_names()
