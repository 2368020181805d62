"""Audit records: keyed references instead of personal data, stable ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.audit import Auditor, identifier_ref
from broker.codec import AvroCodec
from broker.errors import ConfigurationError
from broker.pseudonyms import pseudonym_key
from tests.examples import CASE_ID, CHILD_UPN, CONTACT, POLICE_REQUEST_ID

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
