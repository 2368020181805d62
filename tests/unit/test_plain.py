"""Plain JSON to Avro values and back, with every problem named by its path."""

from __future__ import annotations

import json

import pytest

from broker.plain import InvalidValue, from_plain, to_plain
from broker.schema_store import packaged_schemas
from tests.examples import EXAMPLES

STORE = packaged_schemas()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_survive_a_trip_through_json(name: str) -> None:
    text = json.dumps(to_plain(EXAMPLES[name]))
    assert from_plain(STORE.definition(name), json.loads(text), name) == EXAMPLES[name]


def test_every_problem_is_reported_with_its_path() -> None:
    contact = to_plain(EXAMPLES["uk.mash.v1.Contact"])
    contact["received_at"] = "yesterday"
    contact["referrer_level_of_need"] = "LEVEL_9"
    del contact["case_id"]
    contact["subjects"][1]["date_of_birth"]["date"] = "31/02/2019"
    contact["subjects"][0]["favourite_colour"] = "blue"
    with pytest.raises(InvalidValue) as caught:
        from_plain(STORE.definition("uk.mash.v1.Contact"), contact, "contact.json")
    lines = [str(problem) for problem in caught.value.problems]
    assert "case_id: is required" in lines
    assert "received_at: expected an ISO 8601 time with a zone, got 'yesterday'" in lines
    assert any(line.startswith("referrer_level_of_need: 'LEVEL_9' is not one of") for line in lines)
    assert any(line.startswith("subjects[1].date_of_birth") for line in lines)
    assert "subjects[0].favourite_colour: is not a field of Person" in lines
    assert len(lines) == 5
    assert str(caught.value).startswith("contact.json has 5 problem(s):")


def test_times_need_a_zone_and_are_kept_to_the_millisecond() -> None:
    definition = STORE.definition("uk.mash.v1.Notification")
    notification = to_plain(EXAMPLES["uk.mash.v1.Notification"])
    notification["raised_at"] = "2026-11-23T09:30:00.123456+01:00"
    value = from_plain(definition, notification, "n")
    assert value["raised_at"].isoformat() == "2026-11-23T08:30:00.123000+00:00"
    notification["raised_at"] = "2026-11-23T09:30:00"
    with pytest.raises(InvalidValue, match="raised_at: expected an ISO 8601 time with a zone"):
        from_plain(definition, notification, "n")
