"""The contract every connector keeps, written once and run for each agency.

Each agency's real backend reads that agency's native export of one synthetic
partnership; requests are then answered as the connector answers them:
a known person is found (even misspelt) with the fields that matched, only
permitted categories are shared, an unknown person is an explicit NO_TRACE,
and the same request always gets the same response id.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from broker.catalogue import Agency
from broker.codec import AvroCodec
from broker.vocabulary import categories_of
from connectors.answer import RecordIndex, answer, response_id_for
from connectors.records import AgencyRecord
from connectors.synthetic.families import generate
from connectors.synthetic.model import Partnership
from mash.connector_commands import backend_for
from tests.examples import INFORMATION_REQUEST

AGENCIES = [agency.value for agency in Agency]
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def partnership() -> Partnership:
    return generate(200, seed=11)


@pytest.fixture(scope="module")
def exports(partnership: Partnership, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("partnership")
    for agency in AGENCIES:
        importlib.import_module(f"connectors.{agency}.synthetic").write(
            partnership, folder / agency
        )
    return folder


@pytest.fixture(scope="module", params=AGENCIES)
def agency(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def records(agency: str, exports: Path) -> list[AgencyRecord]:
    return list(backend_for(agency).load(exports / agency))


def request_about(
    agency: str, people: list[dict[str, Any]], categories: list[str]
) -> dict[str, Any]:
    return {
        **INFORMATION_REQUEST,
        "request_id": uuid.uuid5(uuid.NAMESPACE_URL, f"test:{agency}:{len(people)}"),
        "agency": agency.upper(),
        "subjects": people,
        "categories_permitted": categories,
        "history_since": None,
    }


def as_subject(record: AgencyRecord) -> dict[str, Any]:
    return {**record.person, "person_id": uuid.uuid5(uuid.NAMESPACE_URL, record.record_id)}


def with_findings(records: list[AgencyRecord]) -> Iterator[AgencyRecord]:
    return (record for record in records if record.findings)


def test_the_agency_holds_people_and_findings(records: list[AgencyRecord], agency: str) -> None:
    assert len(records) > 5, f"{agency}: too few people to test"
    assert any(record.findings for record in records), f"{agency}: no findings at all"
    codec = AvroCodec()
    for record in records:
        codec.encode("uk.mash.v1.Person", record.person)
        for finding in record.findings:
            codec.encode("uk.mash.v1.Finding", finding)
            assert finding["category"] in categories_of(agency), finding["category"]


def test_a_known_person_is_matched_and_everything_permitted_is_shared(
    records: list[AgencyRecord], agency: str
) -> None:
    record = next(with_findings(records))
    request = request_about(agency, [as_subject(record)], list(categories_of(agency)))
    response, outcome = answer(request, agency, RecordIndex(records), now=NOW)
    AvroCodec().encode("uk.mash.v1.InformationResponse", response)
    (subject,) = response["subjects"]
    assert subject["match_outcome"] == "MATCHED"
    assert subject["match_confidence"] >= 0.9
    assert subject["matched_fields"]
    assert subject["findings"] == [dict(f) for f in record.findings]
    assert outcome.shared == len(record.findings)


def test_only_permitted_categories_are_shared(records: list[AgencyRecord], agency: str) -> None:
    record = max(records, key=lambda r: len({f["category"] for f in r.findings}))
    held = sorted({finding["category"] for finding in record.findings})
    permitted = held[:1]
    request = request_about(agency, [as_subject(record)], permitted)
    response, outcome = answer(request, agency, RecordIndex(records), now=NOW)
    categories = {f["category"] for f in response["subjects"][0]["findings"]}
    assert categories == set(permitted)
    assert outcome.withheld == sum(f["category"] not in permitted for f in record.findings)


def test_an_unknown_person_is_an_explicit_no_trace(
    records: list[AgencyRecord], agency: str
) -> None:
    stranger = {
        **INFORMATION_REQUEST["subjects"][0],
        "names": [
            {"given_names": "Zephyrine", "family_name": "Quennell-Abara", "name_type": "CURRENT"}
        ],
        "identifiers": [],
        "addresses": [],
    }
    request = request_about(agency, [stranger], list(categories_of(agency)))
    response, outcome = answer(request, agency, RecordIndex(records), now=NOW)
    (subject,) = response["subjects"]
    assert subject["match_outcome"] == "NO_TRACE"
    assert subject["findings"] == []
    assert subject["recorded_person"] is None
    assert outcome.no_trace == 1


def test_a_misspelt_person_is_matched_with_the_fields_named(
    records: list[AgencyRecord], agency: str
) -> None:
    record = next(
        r
        for r in with_findings(records)
        if r.identity.date_of_birth is not None and len(r.person["names"][0]["family_name"]) >= 5
    )
    subject = as_subject(record)
    subject["identifiers"] = []
    first = subject["names"][0]
    family = first["family_name"]
    subject["names"] = [{**first, "family_name": family[:-2] + family[-1] + family[-2]}]
    response, _ = answer(
        request_about(agency, [subject], list(categories_of(agency))),
        agency,
        RecordIndex(records),
        now=NOW,
    )
    (result,) = response["subjects"]
    assert result["match_outcome"] in ("MATCHED", "POSSIBLE_MATCH")
    assert result["match_confidence"] >= 0.6
    assert "date_of_birth" in result["matched_fields"]
    assert any(field.startswith("family_name") for field in result["matched_fields"])


def test_the_same_request_gets_the_same_response_id(
    records: list[AgencyRecord], agency: str
) -> None:
    record = next(with_findings(records))
    request = request_about(agency, [as_subject(record)], list(categories_of(agency)))
    first, _ = answer(request, agency, RecordIndex(records), now=NOW)
    again, _ = answer(request, agency, RecordIndex(records), now=NOW)
    assert first["response_id"] == again["response_id"]
    assert first["response_id"] == response_id_for(request["request_id"], agency)
    assert first == again
