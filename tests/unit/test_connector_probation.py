"""The probation connector: its JSON export, mapped to people and findings."""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

import pytest

from broker.identity import Identity
from connectors.probation import InvalidExport, ProbationBackend
from connectors.probation.synthetic import write
from connectors.records import AgencyBackend, AgencyRecord
from connectors.synthetic.model import (
    Address,
    Family,
    Partnership,
    SyntheticPerson,
)
from tests import connector_support as support

FIXTURES = Path(__file__).parent.parent / "fixtures" / "probation"
OFFENDERS = "offenders.json"

_finding = partial(support.finding, "probation")


@pytest.fixture(scope="module")
def records() -> dict[str, AgencyRecord]:
    return support.load_records(ProbationBackend(), FIXTURES)


def test_the_backend_fits_the_protocol() -> None:
    backend: AgencyBackend = ProbationBackend()
    assert backend.agency == "probation"


def test_every_offender_comes_back_in_file_order(records: dict[str, AgencyRecord]) -> None:
    assert list(records) == ["X123456", "X654321", "X000777"]


def test_an_offender_on_licence_with_registrations_and_conditions(
    records: dict[str, AgencyRecord],
) -> None:
    crn = "X123456"
    person = {
        "person_id": support.person_id("probation", crn),
        "role": "OTHER",
        "names": [
            {"given_names": "Ryan James", "family_name": "Mercer", "name_type": "CURRENT"},
            {"given_names": "Ryan", "family_name": "Marsh", "name_type": "ALIAS"},
        ],
        "date_of_birth": {"date": date(1988, 11, 23), "precision": "DAY"},
        "gender": "MALE",
        "addresses": [support.LARKFIELD_CLOSE, support.CINDER_LANE],
        "identifiers": [
            {"scheme": "PROBATION_CASE_REFERENCE", "value": crn, "issuer": None},
            {
                "scheme": "POLICE_PERSON_ID",
                "value": "2019/0123456A",
                "issuer": "Police National Computer",
            },
            {
                "scheme": "OTHER",
                "value": "A1234BC",
                "issuer": "HM Prison and Probation Service prison number",
            },
        ],
        "parental_responsibility": None,
        "relationship_to_child": None,
    }
    licence_start = date(2024, 9, 10)
    findings = (
        _finding(
            crn,
            "X123456-1",
            "offence_history",
            ["PARENTAL_OFFENDING", "DOMESTIC_ABUSE"],
            date(2019, 9, 2),
            "Convicted on 2 September 2019 of common assault; sentenced to a community order"
            " (12 months).",
            "Offence committed on 8 June 2019.",
            "LOW",
        ),
        _finding(
            crn,
            "X123456-2",
            "offence_history",
            ["PARENTAL_OFFENDING", "RISK_FROM_ADULT"],
            date(2023, 3, 10),
            "Convicted on 10 March 2023 of assault occasioning actual bodily harm; sentenced to"
            " a prison sentence (18 months).",
            None,
            "SERIOUS",
        ),
        _finding(
            crn,
            "X123456-S2",
            "supervision",
            ["PARENTAL_OFFENDING"],
            licence_start,
            "Under probation supervision on licence after release from prison since"
            " 10 September 2024, expected to end 9 September 2026.",
            "Probation practitioner: Sarah Holt, Wigan North PDU.",
            "MODERATE",
        ),
        _finding(
            crn,
            "R-700101",
            "risk_to_children",
            ["RISK_FROM_ADULT"],
            licence_start,
            "Assessed on 10 September 2024 as posing a high risk of serious harm, including to"
            " children.",
            "Risk to children in any household he joins.",
            "SERIOUS",
        ),
        _finding(
            crn,
            "R-700102",
            "domestic_abuse_perpetrator",
            ["DOMESTIC_ABUSE"],
            date(2019, 9, 2),
            "Registered as a perpetrator of domestic abuse since 2 September 2019.",
            None,
            "MODERATE",
        ),
        _finding(
            crn,
            "R-700103",
            "supervision",
            ["RISK_FROM_ADULT"],
            licence_start,
            "Managed under MAPPA (multi-agency public protection arrangements) since"
            " 10 September 2024: category 2, violent offender; level 1.",
            None,
            "MODERATE",
        ),
        _finding(
            crn,
            "LC-5501",
            "licence_conditions",
            ["RISK_FROM_ADULT"],
            licence_start,
            "Licence condition: No unsupervised contact with any child under 18 without the"
            " prior approval of the supervising officer.",
            None,
            "SERIOUS",
        ),
        _finding(
            crn,
            "LC-5502",
            "licence_conditions",
            [],
            licence_start,
            "Licence condition: Not to contact Danielle Calder directly or indirectly.",
            None,
            "MODERATE",
        ),
    )
    assert records[crn] == AgencyRecord(crn, Identity.from_person(person), person, findings)


def test_a_risk_to_adults_only_is_not_a_finding(records: dict[str, AgencyRecord]) -> None:
    record = records["X654321"]
    assert record.person["names"] == [
        {"given_names": "Gail", "family_name": "Pritchard", "name_type": "CURRENT"},
        {"given_names": "Gail", "family_name": "Hollis", "name_type": "PREVIOUS"},
    ]
    assert record.person["gender"] == "FEMALE"
    assert ("NHS_NUMBER", "9990004250") in record.identity.identifiers
    assert record.findings == (
        _finding(
            "X654321",
            "X654321-1",
            "offence_history",
            ["PARENTAL_OFFENDING"],
            date(2022, 11, 14),
            "Convicted on 14 November 2022 of theft from a shop; sentenced to a suspended"
            " prison sentence.",
            None,
            "LOW",
        ),
    )


def test_an_offender_known_only_by_case_reference(records: dict[str, AgencyRecord]) -> None:
    record = records["X000777"]
    assert record.person["names"] == []
    assert record.person["date_of_birth"] is None
    assert record.person["gender"] == "UNKNOWN"
    assert record.identity.identifiers == frozenset({("PROBATION_CASE_REFERENCE", "X000777")})
    assert record.findings == ()


def test_every_person_and_finding_fits_the_schemas(records: dict[str, AgencyRecord]) -> None:
    support.assert_fits_schemas(records.values())


def test_an_empty_array_is_an_empty_export(tmp_path: Path) -> None:
    (tmp_path / OFFENDERS).write_text(" [ ]\n")
    assert list(ProbationBackend().load(tmp_path)) == []


# Malformed exports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "problem"),
    [
        ('"sentenceType": "COMMUNITY_ORDER"', '"sentenceType": "FINE"', 2,
         "convictions[0].sentenceType", "'FINE' is not one of"),
        ('"mappaCategory": 2', '"mappaCategory": "2"', 2, "registrations[2].mappaCategory",
         "expected one of [1, 2, 3]"),
        ('"level": "HIGH", ', "", 2, "registrations[0].level", "is missing"),
        ('"convictionDate": "2023-03-10"', '"convictionDate": "10/03/2023"', 2,
         "convictions[1].convictionDate", "is not a date YYYY-MM-DD"),
        ('"category": "NON_CONTACT"', '"category": "CONTACT"', 2, "licenceConditions[1].category",
         "'CONTACT' is not one of"),
        ('"gender": "Female"', '"gender": "F"', 30, "gender", "'F' is not one of"),
        ('"type": "LICENCE"', '"type": "PAROLE"', 2, "supervision.type", "'PAROLE' is not one of"),
        ('"childVictim": true', '"childVictim": "Y"', 2, "convictions[1].childVictim",
         "expected true or false"),
        ('{"crn": "X000777"}', '{"crn": "X654321"}', 46, "crn", "X654321 appears twice"),
        ('{"crn": "X000777"}', '"X000777"', 46, None, "expected an offender object"),
        ('{"crn": "X000777"}', '{"crn": "X000777",}', 46, None, "not valid JSON"),
        ('{"crn": "X000777"}\n]', '{"crn": "X000777"}\n', 46, None,
         "the file ends before the array's ']'"),
        ('{"crn": "X000777"}\n]', '{"crn": "X000777"}\n{"crn": "X000778"}]', 47, None,
         "expected ',' or the array's closing ']'"),
    ],
)  # fmt: skip
def test_a_malformed_offender_names_the_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str | None, problem: str
) -> None:
    folder = support.with_text_replaced(FIXTURES, tmp_path, OFFENDERS, old, new)
    error = support.refusal(ProbationBackend().load, folder, problem)
    assert (error.path, error.line, error.field) == (folder / OFFENDERS, line, field)


def test_an_export_that_is_not_an_array_is_refused(tmp_path: Path) -> None:
    (tmp_path / OFFENDERS).write_text('\n{"crn": "X1"}\n')
    with pytest.raises(InvalidExport, match=r"line 2: expected a JSON array of offenders"):
        list(ProbationBackend().load(tmp_path))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidExport, match=r"offenders\.json: the file is missing"):
        list(ProbationBackend().load(tmp_path))


# Round trip through the synthetic writer -----------------------------------------------------

TODAY = date(2026, 3, 1)


def _partnership() -> Partnership:
    home = Address(("8 Pear Tree Road",), "Wigan", "WN2 9ZB", date(2021, 6, 1))
    old = Address(("3 Mill Lane",), "Leigh", "WN7 9ZA", date(2012, 1, 1), date(2021, 5, 31))

    def person(key: str, family: str, role: str, given: str, born: date) -> SyntheticPerson:
        gender = "FEMALE" if given in ("Grace", "Ann") else "MALE"
        return SyntheticPerson(
            key, family, role, given, family.title(), born, gender, "9990000000", (old, home)
        )

    okoro = (
        person("o-mum", "okoro", "PARENT", "Grace", date(1990, 4, 2)),
        person("o-man", "okoro", "PERSON_OF_CONCERN", "Dean", date(1985, 8, 9)),
        person("o-kid", "okoro", "CHILD", "Tayo", date(2014, 1, 20)),
    )
    wilde = (
        person("w-dad", "wilde", "PARENT", "Carl", date(1979, 2, 14)),
        person("w-kid", "wilde", "CHILD", "Jade", date(2009, 7, 1)),
    )
    quinn = (person("q-mum", "quinn", "PARENT", "Ann", date(1995, 1, 1)),)
    partnership = Partnership(
        seed=5,
        reference_date=TODAY,
        families=[
            Family("okoro", okoro, 4, frozenset({"DOMESTIC_ABUSE", "RISK_FROM_ADULT"})),
            Family("wilde", wilde, 2, frozenset({"PARENTAL_OFFENDING"})),
            Family("quinn", quinn, 1, frozenset()),
        ],
    )
    known = {"o-man": "X100001", "w-dad": "X100002"}
    partnership.views["probation"] = {
        member.key: support.view_of(
            member,
            known[member.key],
            {"PROBATION_CASE_REFERENCE": known[member.key], "POLICE_PERSON_ID": "GMP-P-0000042"},
            member.addresses[-1:],
        )
        for member in support.members(partnership)
        if member.key in known
    }
    return partnership


def test_the_synthetic_export_reads_back(tmp_path: Path) -> None:
    partnership = _partnership()
    views = partnership.views["probation"]
    assert write(partnership, tmp_path) == 2
    records = support.load_records(ProbationBackend(), tmp_path)
    assert list(records) == ["X100001", "X100002"]
    for view in views.values():
        record = records[view.record_id]
        assert record.identity.names == ((view.given_names, view.family_name),)
        assert record.identity.date_of_birth == view.date_of_birth
        assert record.identity.postcodes == ("WN2 9ZB",)
        assert record.identity.gender == "MALE"
        assert record.identity.identifiers == frozenset(view.identifiers.items())
        assert any(f["category"] == "probation.offence_history" for f in record.findings)
    support.assert_fits_schemas(records.values())
    # The adult who harms in a level 4 story: an offence against a child and domestic abuse.
    concerns = {
        concern
        for finding in records["X100001"].findings
        if finding["category"] == "probation.offence_history"
        for concern in finding["concern_categories"]
    }
    assert {"RISK_FROM_ADULT", "DOMESTIC_ABUSE"} <= concerns


def test_the_synthetic_export_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    write(_partnership(), tmp_path / "first")
    write(_partnership(), tmp_path / "second")
    support.assert_same_files(tmp_path / "first", tmp_path / "second", (OFFENDERS,))
