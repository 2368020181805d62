"""Audit records: keyed references instead of personal data, stable ids.

The audit keeps "a record of what has been shared ... and why" (Wigan thresholds,
seed 004, Consent and Confidentiality) without holding personal data in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.audit import Auditor, approver_ref, identifier_ref
from broker.codec import AvroCodec
from broker.errors import ConfigurationError
from broker.pseudonyms import pseudonym_key
from mash.audit_query import AuditFilter, person_refs_for, select
from tests.examples import CASE_ID, CHILD_ID, CHILD_UPN, CONTACT, POLICE_REQUEST_ID

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_records_hold_keyed_references_not_identifiers(tmp_path: Path) -> None:
    key_id, key = pseudonym_key(tmp_path)
    auditor = Auditor("agent.triage", key, key_id)
    record = auditor.record(
        "REQUEST_ISSUED", case_id=CASE_ID, now=NOW, people=CONTACT["subjects"],
        request_id=POLICE_REQUEST_ID, source_agency="POLICE",
    )  # fmt: skip
    encoded = AvroCodec().encode("uk.mash.v1.AuditRecord", record)
    assert CHILD_UPN.encode() not in encoded
    assert b"Calder" not in encoded
    assert identifier_ref(key, "UNIQUE_PUPIL_NUMBER", CHILD_UPN) in record["subject_refs"]
    assert record["subject_ref_key_id"] == key_id


def test_the_same_decision_gets_the_same_record_id(tmp_path: Path) -> None:
    key_id, key = pseudonym_key(tmp_path)
    auditor = Auditor("agent.policy", key, key_id)
    first = auditor.record("WITHHELD", case_id=CASE_ID, now=NOW, rule_id="r", distinct="f1")
    again = auditor.record("WITHHELD", case_id=CASE_ID, now=NOW, rule_id="r", distinct="f1")
    other = auditor.record("WITHHELD", case_id=CASE_ID, now=NOW, rule_id="r", distinct="f2")
    assert first["record_id"] == again["record_id"] != other["record_id"]
    assert isinstance(first["record_id"], uuid.UUID)


def test_the_pseudonym_key_is_private(tmp_path: Path) -> None:
    first = pseudonym_key(tmp_path)
    assert pseudonym_key(tmp_path) == first
    (tmp_path / "audit.hmac").chmod(0o640)
    with pytest.raises(ConfigurationError, match="readable by others"):
        pseudonym_key(tmp_path)


def test_existing_identifier_schemes_keep_their_refs(tmp_path: Path) -> None:
    """Refs already in the audit stay findable: NHS_NUMBER:<no spaces, upper case>."""
    _, key = pseudonym_key(tmp_path)
    expected = hmac.new(key, b"NHS_NUMBER:9990004129", hashlib.sha256).digest()
    assert identifier_ref(key, "NHS_NUMBER", "999 000 4129") == expected
    lower = hmac.new(key, b"UNIQUE_PUPIL_NUMBER:E359213418005", hashlib.sha256).digest()
    assert identifier_ref(key, "UNIQUE_PUPIL_NUMBER", CHILD_UPN.lower()) == lower


@pytest.mark.parametrize(
    ("scheme", "spelt"),
    [
        ("person_id", str(CHILD_ID)),
        ("PERSON_ID", str(CHILD_ID).upper()),
        ("Person-Id", f" {str(CHILD_ID).upper()} "),
    ],
)
def test_a_person_id_is_referred_to_as_subject_refs_refer_to_it(
    tmp_path: Path, scheme: str, spelt: str
) -> None:
    """``mash audit query --person person_id:<uuid>`` finds what the agents recorded."""
    key_id, key = pseudonym_key(tmp_path)
    record = Auditor("agent.triage", key, key_id).record(
        "CONTACT_RECEIVED", case_id=CASE_ID, now=NOW, people=CONTACT["subjects"]
    )
    assert identifier_ref(key, scheme, spelt) in record["subject_refs"]
    expected = hmac.new(key, f"person_id:{CHILD_ID}".encode(), hashlib.sha256).digest()
    assert identifier_ref(key, scheme, spelt) == expected  # refs already chained still match
    refs = person_refs_for(key, [(scheme, spelt)])
    assert select([record], AuditFilter(person_refs=refs)) == [record]


def test_a_person_id_that_is_not_a_uuid_is_refused_by_the_query(tmp_path: Path) -> None:
    _, key = pseudonym_key(tmp_path)
    with pytest.raises(ConfigurationError, match="not a UUID"):
        person_refs_for(key, [("person_id", "Lily-Rose Calder")])


def test_a_connector_record_names_its_agency_as_the_actor(tmp_path: Path) -> None:
    key_id, key = pseudonym_key(tmp_path)
    record = Auditor("police", key, key_id, agency="POLICE").record(
        "RESPONSE_SENT", case_id=CASE_ID, now=NOW, request_id=POLICE_REQUEST_ID
    )
    assert record["actor"] == {"agent": "police", "agency": "POLICE"}
    AvroCodec().encode("uk.mash.v1.AuditRecord", record)
    assert Auditor("agent.policy", key, key_id).record("SHARED", case_id=CASE_ID, now=NOW)[
        "actor"
    ] == {"agent": "agent.policy", "agency": None}


def test_an_approver_is_referred_to_by_a_keyed_ref_of_their_name_wigan_consent(
    tmp_path: Path,
) -> None:
    """Wigan thresholds (seed 004): the override's approval is recorded; the name is not."""
    _, key = pseudonym_key(tmp_path)
    ref = approver_ref(key, "Joanne Kenyon")
    assert approver_ref(key, "  joanne   KENYON ") == ref
    assert approver_ref(key, "Joanne Kenyton") != ref
    assert approver_ref(b"\x01" * 32, "Joanne Kenyon") != ref, "only the key holder can tell"
    # the recipe an officer holding the key follows to confirm who approved
    assert ref == hmac.new(key, b"approver:joanne kenyon", hashlib.sha256).digest()
