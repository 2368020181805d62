"""The police connector: its JSON Lines export, mapped to people and findings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from broker.identity import Identity
from connectors.police import InvalidExport, PoliceBackend
from connectors.police.synthetic import write
from connectors.records import AgencyBackend, AgencyRecord
from connectors.synthetic.model import (
    Address,
    AgencyView,
    Family,
    Partnership,
    SyntheticPerson,
)
from tests import connector_support as support

FIXTURES = Path(__file__).parent.parent / "fixtures" / "police"
FORCE = "Greater Manchester Police"
HOME = support.LARKFIELD_CLOSE
DA_ACCOUNT = (
    "Neighbour reported shouting. Ms Calder said she had been pushed against a door frame;"
    " no injury seen."
)

_finding = partial(support.finding, "police")


def _short(record: AgencyRecord) -> list[tuple[str, list[str], str, str, str]]:
    return [
        (
            finding["category"],
            finding["concern_categories"],
            finding["severity"],
            finding["summary"],
            finding["source_reference"],
        )
        for finding in record.findings
    ]


@pytest.fixture(scope="module")
def records() -> dict[str, AgencyRecord]:
    return support.load_records(PoliceBackend(), FIXTURES)


def test_the_backend_fits_the_protocol() -> None:
    backend: AgencyBackend = PoliceBackend()
    assert backend.agency == "police"


def test_every_person_comes_back_in_file_order(records: dict[str, AgencyRecord]) -> None:
    assert list(records) == [
        "GMP-P-0502291",
        "GMP-P-0502288",
        "GMP-P-0471923",
        "GMP-P-0611002",
        "GMP-P-0700001",
    ]


def test_a_person_of_concern_with_alias_marker_incidents_and_arrests(
    records: dict[str, AgencyRecord],
) -> None:
    record_id = "GMP-P-0471923"
    person = {
        "person_id": support.person_id("police", record_id),
        "role": "PERSON_OF_CONCERN",
        "names": [
            {"given_names": "Ryan", "family_name": "Mercer", "name_type": "CURRENT"},
            {"given_names": "Ryan", "family_name": "Marsh", "name_type": "ALIAS"},
        ],
        "date_of_birth": {"date": date(1988, 11, 23), "precision": "DAY"},
        "gender": "MALE",
        "addresses": [HOME, support.CINDER_LANE],
        "identifiers": [
            {"scheme": "POLICE_PERSON_ID", "value": record_id, "issuer": FORCE},
            {
                "scheme": "POLICE_PERSON_ID",
                "value": "2019/0123456A",
                "issuer": "Police National Computer",
            },
        ],
        "parental_responsibility": None,
        "relationship_to_child": None,
    }
    findings = (
        _finding(
            record_id,
            f"{record_id}/VIOLENCE",
            "weapons_or_violence_marker",
            ["RISK_FROM_ADULT"],
            date(2019, 6, 8),
            "Police warning marker for violence, added 8 June 2019.",
            "Assaulted the arresting officer.",
            "MODERATE",
        ),
        _finding(
            record_id,
            "GMP-OCC-20251220-000317",
            "domestic_abuse_incident",
            ["DOMESTIC_ABUSE", "RISK_FROM_ADULT"],
            date(2025, 12, 20),
            "Recorded as the suspect in a domestic abuse incident on 20 December 2025;"
            " DASH risk medium.",
            DA_ACCOUNT,
            "MODERATE",
        ),
        _finding(
            record_id,
            "GMP-OCC-20251221-000400",
            "child_concern_incident",
            ["EMOTIONAL_ABUSE"],
            date(2025, 12, 21),
            "Named as the suspect in a police child concern report on 21 December 2025 about"
            " emotional harm; risk standard.",
            None,
            "LOW",
        ),
        _finding(
            record_id,
            "GMP-CUS-20190608-001142",
            "crime_suspect_or_offender",
            ["PARENTAL_OFFENDING", "DOMESTIC_ABUSE"],
            date(2019, 6, 8),
            "Arrested on 8 June 2019 for common assault (domestic abuse); cautioned.",
            "Assault on a former partner.",
            "LOW",
        ),
        _finding(
            record_id,
            "GMP-CUS-20260104-000007",
            "offence_against_children",
            ["PARENTAL_OFFENDING", "RISK_FROM_ADULT"],
            date(2026, 1, 4),
            "Arrested on 4 January 2026 for assault on a child (against a child);"
            " released under investigation.",
            None,
            "MODERATE",
        ),
    )
    assert records[record_id] == AgencyRecord(
        record_id, Identity.from_person(person), person, findings
    )


def test_a_child_present_at_domestic_abuse_and_subject_of_a_concern(
    records: dict[str, AgencyRecord],
) -> None:
    record = records["GMP-P-0502291"]
    assert record.person["role"] == "OTHER"
    assert record.person["addresses"] == [HOME]
    assert record.identity.identifiers == frozenset({("POLICE_PERSON_ID", "GMP-P-0502291")})
    assert record.findings == (
        _finding(
            "GMP-P-0502291",
            "GMP-OCC-20251220-000317",
            "child_concern_incident",
            ["DOMESTIC_ABUSE", "EMOTIONAL_ABUSE"],
            date(2025, 12, 20),
            "Child present during a domestic abuse incident on 20 December 2025; DASH risk medium.",
            DA_ACCOUNT,
            "MODERATE",
        ),
        _finding(
            "GMP-P-0502291",
            "GMP-OCC-20251221-000400",
            "child_concern_incident",
            ["EMOTIONAL_ABUSE"],
            date(2025, 12, 21),
            "Subject of a police child concern report on 21 December 2025 about emotional"
            " harm; risk standard.",
            None,
            "LOW",
        ),
    )


def test_a_victim_with_a_previous_name_and_an_nhs_number(
    records: dict[str, AgencyRecord],
) -> None:
    record = records["GMP-P-0502288"]
    assert record.identity.names == (("Danielle", "Calder"), ("Danielle", "Shaw"))
    assert record.identity.postcodes == ("WN1 9ZZ", "WN3 9ZY")
    assert ("NHS_NUMBER", "9990004137") in record.identity.identifiers
    assert _short(record) == [
        (
            "police.domestic_abuse_incident",
            ["DOMESTIC_ABUSE"],
            "MODERATE",
            "Recorded as the victim in a domestic abuse incident on 20 December 2025;"
            " DASH risk medium.",
            "GMP-OCC-20251220-000317",
        ),
        (
            "police.crime_victim",
            [],
            "LOW",
            "Recorded as the victim of theft from a motor vehicle on 3 May 2024.",
            "GMP-OCC-20240503-000042",
        ),
    ]


def test_a_child_at_risk_of_criminal_exploitation(records: dict[str, AgencyRecord]) -> None:
    assert _short(records["GMP-P-0611002"]) == [
        (
            "police.weapons_or_violence_marker",
            ["CHILD_CRIMINAL_EXPLOITATION"],
            "MODERATE",
            "Police warning marker for weapons, added 2 October 2025.",
            "GMP-P-0611002/WEAPONS",
        ),
        (
            "police.exploitation_intelligence",
            ["CHILD_CRIMINAL_EXPLOITATION"],
            "SERIOUS",
            "Police intelligence on 2 October 2025 indicates a risk of child criminal"
            " exploitation; risk high.",
            "GMP-OCC-20251002-000120",
        ),
        (
            "police.missing_episode",
            ["MISSING_FROM_HOME"],
            "MODERATE",
            "Reported missing on 15 September 2025; missing for 30 hours.",
            "GMP-OCC-20250915-000088",
        ),
        (
            "police.antisocial_behaviour",
            ["CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR"],
            "LOW",
            "Named as responsible for antisocial behaviour on 10 August 2024.",
            "GMP-OCC-20240810-000051",
        ),
        (
            "police.police_protection",
            ["NEGLECT"],
            "SERIOUS",
            "Taken into police protection (Children Act 1989 s46) on 5 January 2023 because"
            " of neglect.",
            "GMP-OCC-20230105-000003",
        ),
        (
            "police.crime_suspect_or_offender",
            ["CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR"],
            "MODERATE",
            "Arrested on 20 September 2025 for possession of an offensive weapon; charged.",
            "GMP-CUS-20250920-000300",
        ),
    ]


def test_a_witness_gets_no_finding_and_unknown_details_stay_unknown(
    records: dict[str, AgencyRecord],
) -> None:
    record = records["GMP-P-0700001"]
    assert record.person["names"] == [
        {"given_names": None, "family_name": "Doyle", "name_type": "CURRENT"}
    ]
    assert record.person["date_of_birth"] is None
    assert record.person["gender"] == "UNKNOWN"
    assert record.person["addresses"] == []
    # A witness to the domestic abuse incident; named only as a suspected exploiter.
    assert _short(record) == [
        (
            "police.exploitation_intelligence",
            ["CHILD_CRIMINAL_EXPLOITATION", "RISK_FROM_ADULT"],
            "SERIOUS",
            "Named in police intelligence on 2 October 2025 as a suspected perpetrator of"
            " child criminal exploitation.",
            "GMP-OCC-20251002-000120",
        )
    ]


def test_every_person_and_finding_fits_the_schemas(records: dict[str, AgencyRecord]) -> None:
    support.assert_fits_schemas(records.values())


# Malformed exports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "field", "problem"),
    [
        ("persons.jsonl", '"gender": "M", "addresses"', '"gender": "Q", "addresses"', 3,
         "gender", "'Q' is not one of"),
        ("persons.jsonl", '"2010-02-11"', '"11/02/2010"', 5, "date_of_birth",
         "is not a date YYYY-MM-DD"),
        ("persons.jsonl", '"GMP-P-0700001"', '"GMP-P-0611002"', 6, "person_id", "appears twice"),
        ("persons.jsonl", '"added": "2019-06-08"', '"added": null', 3, "markers[0].added",
         "is missing"),
        ("persons.jsonl", '"type": "NHS"', '"type": "NINO"', 2, "references[0].type",
         "'NINO' is not one of"),
        ("occurrences.jsonl", '"dash_risk": "MEDIUM", ', "", 1, "dash_risk",
         "required for DOMESTIC_ABUSE"),
        ("occurrences.jsonl", '"dash_risk": "MEDIUM"', '"dash_risk": "VERY_HIGH"', 1,
         "dash_risk", "'VERY_HIGH' is not one of"),
        ("occurrences.jsonl", '"role": "WITNESS"', '"role": "BYSTANDER"', 1,
         "involved[3].role", "'BYSTANDER' is not one of"),
        ("occurrences.jsonl", '"person_id": "GMP-P-0611002", "role": "MISSING_PERSON"',
         '"person_id": "GMP-P-9999999", "role": "MISSING_PERSON"', 4, "involved[0].person_id",
         "GMP-P-9999999 is not in persons.jsonl"),
        ("occurrences.jsonl", '"hours_missing": 30', '"hours_missing": "30"', 4,
         "hours_missing", "expected a whole number"),
        ("occurrences.jsonl", '"type": "ASB"', '"type": "NOISE"', 6, "type",
         "'NOISE' is not one of"),
        ("custody.jsonl", '"outcome": "CHARGED"', '"outcome": "ACQUITTED"', 3, "outcome",
         "'ACQUITTED' is not one of"),
        ("custody.jsonl", '"against_child": true', '"against_child": "yes"', 2, "against_child",
         "expected true or false"),
        ("custody.jsonl", '"notes": "Assault on a former partner."}', '"notes": ', 1, None,
         "not valid JSON"),
    ],
)  # fmt: skip
def test_a_malformed_line_names_the_file_line_and_field(
    tmp_path: Path,
    file: str,
    old: str,
    new: str,
    line: int,
    field: str | None,
    problem: str,
) -> None:
    folder = support.with_text_replaced(FIXTURES, tmp_path, file, old, new)
    error = support.refusal(PoliceBackend().load, folder, problem)
    assert (error.path, error.line, error.field) == (folder / file, line, field)
    assert f"{folder / file}, line {line}" in str(error)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    folder = support.copy_fixtures(FIXTURES, tmp_path)
    (folder / "custody.jsonl").unlink()
    with pytest.raises(InvalidExport, match=r"custody\.jsonl: the file is missing"):
        list(PoliceBackend().load(folder))


# Round trip through the synthetic writer -----------------------------------------------------

TODAY = date(2026, 3, 1)


def _address(line: str, postcode: str, since: date, until: date | None = None) -> Address:
    return Address((line,), "Wigan", postcode, since, until)


def _member(
    key: str, family: str, role: str, given: str, born: date, gender: str, *homes: Address
) -> SyntheticPerson:
    return SyntheticPerson(
        key, family, role, given, family.title(), born, gender, f"999{len(key):07d}", homes
    )


def _partnership() -> Partnership:
    old = _address("3 Mill Lane", "WN2 9ZA", date(2015, 1, 1), date(2021, 5, 31))
    home = _address("8 Pear Tree Road", "WN2 9ZB", date(2021, 6, 1))
    flat = _address("Flat 2, 40 Market Street", "WN5 9ZC", date(2022, 3, 1))
    okoro = (
        _member("o-mum", "okoro", "PARENT", "Grace", date(1990, 4, 2), "FEMALE", old, home),
        _member("o-man", "okoro", "PERSON_OF_CONCERN", "Dean", date(1985, 8, 9), "MALE", home),
        _member("o-kid", "okoro", "CHILD", "Tayo", date(2014, 1, 20), "MALE", old, home),
    )
    wilde = (
        _member("w-dad", "wilde", "PARENT", "Carl", date(1979, 2, 14), "MALE", flat),
        _member("w-kid", "wilde", "CHILD", "Jade", date(2009, 7, 1), "FEMALE", flat),
    )
    quiet = (_member("q-mum", "quinn", "PARENT", "Ann", date(1995, 1, 1), "FEMALE", home),)
    partnership = Partnership(
        seed=11,
        reference_date=TODAY,
        families=[
            Family("okoro", okoro, 4, frozenset({"DOMESTIC_ABUSE", "RISK_FROM_ADULT"})),
            Family(
                "wilde",
                wilde,
                3,
                frozenset({"MISSING_FROM_HOME", "CHILD_SEXUAL_EXPLOITATION", "NEGLECT"}),
            ),
            Family("quinn", quiet, 1, frozenset()),
        ],
    )
    views: dict[str, AgencyView] = {}
    for number, person in enumerate([*okoro, *wilde, *quiet], start=1):
        record_id = f"GMP-P-{number:07d}"
        identifiers = {"POLICE_PERSON_ID": record_id}
        if person.key == "o-mum":
            identifiers["NHS_NUMBER"] = person.nhs_number
        view = support.view_of(person, record_id, identifiers)
        views[person.key] = replace(view, date_of_birth=None) if person.key == "q-mum" else view
    partnership.views["police"] = views
    return partnership


def _as_address(address: Address) -> dict[str, Any]:
    return {
        "lines": list(address.lines),
        "town": address.town,
        "postcode": address.postcode,
        "uprn": None,
        "from_date": address.from_date,
        "to_date": address.to_date,
    }


def test_the_synthetic_export_reads_back(tmp_path: Path) -> None:
    partnership = _partnership()
    views = partnership.views["police"]
    assert write(partnership, tmp_path) == len(views)
    records = support.load_records(PoliceBackend(), tmp_path)
    assert set(records) == {view.record_id for view in views.values()}
    for view in views.values():
        record = records[view.record_id]
        person = record.person
        assert person["names"][0] == {
            "given_names": view.given_names,
            "family_name": view.family_name,
            "name_type": "CURRENT",
        }
        born = person["date_of_birth"]
        assert (born["date"] if born else None) == view.date_of_birth
        assert person["gender"] == view.gender
        assert sorted(map(str, person["addresses"])) == sorted(
            str(_as_address(address)) for address in view.addresses
        )
        assert {(i["scheme"], i["value"]) for i in person["identifiers"]} == set(
            view.identifiers.items()
        )
    support.assert_fits_schemas(records.values())

    def categories(key: str) -> set[str]:
        return support.categories_of(records[views[key].record_id])

    # Level 4 domestic abuse with a risk from an adult: the incidents, the arrests, the flag.
    assert "police.domestic_abuse_incident" in categories("o-mum")
    assert {"police.domestic_abuse_incident", "police.offence_against_children"} <= categories(
        "o-man"
    )
    assert records[views["o-man"].record_id].person["role"] == "PERSON_OF_CONCERN"
    # A teenager going missing and at risk of sexual exploitation, and a neglect concern.
    assert {
        "police.missing_episode",
        "police.exploitation_intelligence",
        "police.child_concern_incident",
    } <= categories("w-kid")
    assert categories("q-mum") <= {"police.crime_victim"}


def test_the_synthetic_export_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    write(_partnership(), tmp_path / "first")
    write(_partnership(), tmp_path / "second")
    names = ("persons.jsonl", "occurrences.jsonl", "custody.jsonl")
    support.assert_same_files(tmp_path / "first", tmp_path / "second", names)
