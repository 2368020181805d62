"""Contact intake: everything checked first, one line per problem (file path and why)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from broker.errors import ConfigurationError
from broker.plain import InvalidValue, to_plain
from connectors.intake import check_contact, read_contact
from tests.examples import CONTACT

EXAMPLE = Path(__file__).parents[2] / "examples" / "contact.yaml"


def plain_contact() -> dict[str, Any]:
    value: dict[str, Any] = to_plain(CONTACT)
    return value


def problems(plain: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidValue) as caught:
        check_contact(plain, "c.json")
    return [str(problem) for problem in caught.value.problems]


def test_the_documented_example_is_a_valid_contact() -> None:
    assert read_contact(EXAMPLE) == CONTACT


def test_json_and_yaml_files_are_read(tmp_path: Path) -> None:
    path = tmp_path / "contact.json"
    path.write_text(json.dumps(plain_contact()))
    assert read_contact(path)["case_id"] == CONTACT["case_id"]


def test_a_contact_must_concern_a_child() -> None:
    """Wigan MASH information for professionals: the front door for worries about a child."""
    plain = plain_contact()
    for subject in plain["subjects"]:
        if subject["role"] == "CHILD":
            subject["role"] = "SIBLING"
    assert problems(plain) == ["subjects: no subject has the role CHILD"]


def test_consent_refused_needs_the_reason_and_gateway_recorded() -> None:
    """Oldham 4.1, 4.4; Wigan thresholds, Consent and Confidentiality."""
    plain = plain_contact()
    plain["consent"]["status"] = "REFUSED"
    plain["consent"]["override"] = None
    assert problems(plain) == [
        "consent.override: consent REFUSED: record why, and the legal gateway relied on"
    ]


def test_an_override_with_no_reason_or_gateway_is_refused() -> None:
    plain = plain_contact()
    plain["consent"]["status"] = "NOT_SOUGHT"
    plain["consent"]["override"] = {
        "reason_code": "OTHER",
        "reason": "  ",
        "legal_gateway": [],
    }
    assert problems(plain) == [
        "consent.override.reason: must not be empty",
        "consent.override.legal_gateway: name at least one",
    ]


def test_consent_given_must_say_when() -> None:
    """Wigan thresholds: 'a record made of what they have consented to'."""
    plain = plain_contact()
    plain["consent"]["status"] = "GIVEN"
    plain["consent"]["obtained_at"] = None
    assert "consent.obtained_at: consent GIVEN must say when" in problems(plain)


def test_schema_and_rule_problems_are_all_listed_at_once() -> None:
    plain = plain_contact()
    plain["received_at"] = "2999-01-01T00:00:00Z"
    plain["subjects"][1]["person_id"] = plain["subjects"][0]["person_id"]
    assert problems(plain) == [
        f"subjects: person_id {plain['subjects'][0]['person_id']} appears more than once",
        "received_at: is in the future",
    ]
    plain["channel"] = "CARRIER_PIGEON"
    assert len(problems(plain)) == 1, "schema problems are reported before the rules run"


def test_unreadable_and_unparseable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        read_contact(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ConfigurationError, match="is not valid json"):
        read_contact(broken)
