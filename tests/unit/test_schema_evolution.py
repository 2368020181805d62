"""Schema evolution guard: every message type stays readable both ways across releases.

Backward: the current schema reads what every released version wrote.
Forward: every released version reads what the current schema writes.
Checked with the Apache Avro reference implementation's compatibility checker.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from broker.catalogue import catalogue
from broker.codec import AvroCodec
from broker.schema_store import SchemaStore, packaged_schemas
from schemas import avsc_texts, released_texts
from tests.examples import EXAMPLES
from tests.schema_compat import incompatibilities

STORE = packaged_schemas()
RELEASED = [
    (version, name, writer)
    for version, writers in sorted(STORE.releases().items())
    for name, writer in sorted(writers.items())
]
MESSAGE_TYPES = sorted({spec.value_schema for spec in catalogue(["team"])})
#: Not a message type, but on the worker's changelog topic: a restarted worker
#: of a later version must read the rows an earlier one wrote. It embeds the
#: contact, requests and shared information, so their evolution changes it too.
CASE_STATE = "uk.mash.v1.CaseState"


def released_definition(version: str, name: str) -> dict[str, Any]:
    text = released_texts()[version][STORE.file_of(name)]
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def test_every_message_type_and_the_case_state_is_released() -> None:
    latest = list(STORE.releases())[-1]
    assert sorted(STORE.releases()[latest]) == sorted([*MESSAGE_TYPES, CASE_STATE])


def test_a_case_state_row_of_a_release_is_read_after_the_contact_evolves() -> None:
    """The changelog outlives the worker that wrote it: its rows are found by fingerprint.

    The contact evolving changes the case state's fingerprint too; the row the
    released version wrote is still read, resolved to the evolved state.
    """
    evolved_texts = avsc_texts()
    contact = json.loads(evolved_texts["contact.avsc"])
    contact["fields"].append(
        {"name": "added_later", "type": ["null", "string"], "default": None, "doc": "New."}
    )
    evolved_texts["contact.avsc"] = json.dumps(contact)
    evolved = AvroCodec(SchemaStore(evolved_texts, released_texts()))
    assert evolved.store.fingerprint(CASE_STATE) != STORE.fingerprint(CASE_STATE)
    state = {
        "case_id": "0b3f3c1e-6a2f-4c55-9a4e-1f6f4f2b9e03",
        "contact": EXAMPLES["uk.mash.v1.Contact"],
        "rag_rating": "AMBER",
        "answer_by": 1795426200000,
        "decision_due": 1795512600000,
        "team_key": "mash-duty",
        "route_rule": "mash-duty",
        "out_of_hours": False,
        "allocated": False,
        "requests": [EXAMPLES["uk.mash.v1.InformationRequest"]],
        "responses_seen": [],
        "shared": [EXAMPLES["uk.mash.v1.SharedInformation"]],
        "picture_revision": 0,
        "deadline_reached": False,
        "overdue_notified": False,
    }
    row = AvroCodec(STORE).encode(CASE_STATE, state)
    read = evolved.decode(row, CASE_STATE).value
    assert read["contact"]["added_later"] is None
    assert read["shared"][0]["shared_id"] == EXAMPLES["uk.mash.v1.SharedInformation"]["shared_id"]


@pytest.mark.parametrize(("version", "name"), [(v, n) for v, n, _ in RELEASED])
def test_current_schema_is_compatible_with_release(version: str, name: str) -> None:
    current = STORE.definition(name)
    released = released_definition(version, name)
    backward = incompatibilities(reader=current, writer=released)
    forward = incompatibilities(reader=released, writer=current)
    assert backward == [], f"{name}: the current schema cannot read {version} data: {backward}"
    assert forward == [], f"{name}: {version} readers cannot read current data: {forward}"


def test_an_incompatible_change_fails_the_guard_naming_the_field() -> None:
    """Adding a field without a default breaks backward compatibility."""
    changed = copy.deepcopy(STORE.definition("uk.mash.v1.InformationResponse"))
    subject = changed["fields"][[f["name"] for f in changed["fields"]].index("subjects")]
    subject["type"]["items"]["fields"].append({"name": "risk_score", "type": "int"})
    released = released_definition("0.1.0", "uk.mash.v1.InformationResponse")
    (problem,) = incompatibilities(reader=changed, writer=released)
    assert "reader_field_missing_default_value" in problem
    assert "InformationResponse.subjects.risk_score" in problem


def test_a_type_change_fails_the_guard_both_ways() -> None:
    changed = copy.deepcopy(STORE.definition("uk.mash.v1.Contact"))
    for field in changed["fields"]:
        if field["name"] == "immediate_risk":
            field["type"] = "string"
    released = released_definition("0.1.0", "uk.mash.v1.Contact")
    assert incompatibilities(reader=changed, writer=released)
    assert incompatibilities(reader=released, writer=changed)


def test_data_written_by_a_release_decodes_with_the_evolved_schema() -> None:
    """The codec finds the released writer by fingerprint and resolves it to the current schema."""
    evolved_texts = avsc_texts()
    finding = json.loads(evolved_texts["finding.avsc"])
    finding["fields"].append(
        {"name": "reviewed", "type": "boolean", "default": False, "doc": "Reviewed by MASH."}
    )
    evolved_texts["finding.avsc"] = json.dumps(finding)
    name = "uk.mash.v1.InformationResponse"
    old = AvroCodec(SchemaStore(avsc_texts()))
    release = {"information_response.avsc": json.dumps(old.store.definition(name))}
    evolved = AvroCodec(SchemaStore(evolved_texts, {"9.9.9": release}))
    assert evolved.store.fingerprint(name) != old.store.fingerprint(name)
    value = {
        "response_id": "0b3f3c1e-6a2f-4c55-9a4e-1f6f4f2b9e01",
        "request_id": "0b3f3c1e-6a2f-4c55-9a4e-1f6f4f2b9e02",
        "case_id": "0b3f3c1e-6a2f-4c55-9a4e-1f6f4f2b9e03",
        "agency": "POLICE",
        "responder": None,
        "responded_at": 1795426200000,
        "subjects": [
            {
                "person_id": "0b3f3c1e-6a2f-4c55-9a4e-1f6f4f2b9e04",
                "match_outcome": "MATCHED",
                "match_confidence": 0.98,
                "matched_identifiers": [],
                "recorded_person": None,
                "findings": [
                    {
                        "finding_id": "0b3f3c1e-6a2f-4c55-9a4e-1f6f4f2b9e05",
                        "category": "police.domestic_abuse_incident",
                        "concern_categories": ["DOMESTIC_ABUSE"],
                        "event_date": None,
                        "summary": "Domestic abuse incident attended",
                        "detail": None,
                        "severity": "SERIOUS",
                        "source_reference": None,
                    }
                ],
            }
        ],
    }
    decoded = evolved.decode(old.encode(name, value), name)
    assert decoded.fingerprint == old.store.fingerprint_bytes(name)
    (finding_read,) = decoded.value["subjects"][0]["findings"]
    assert finding_read["reviewed"] is False, "the reader's default fills the new field"
    assert finding_read["summary"] == "Domestic abuse incident attended"


def test_python_cache_folders_are_not_releases() -> None:
    """An installed package has schemas/released/__pycache__; it is no release."""
    import schemas

    cache = Path(schemas.__file__).parent / "released" / "__pycache__"
    cache.mkdir(exist_ok=True)
    assert "__pycache__" not in released_texts()
