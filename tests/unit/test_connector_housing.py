"""The housing connector: the housing management system's CSV files read as people and findings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from broker.identity import Identity
from connectors.housing import HousingBackend, InvalidExport
from connectors.housing.synthetic import write
from connectors.records import AgencyRecord
from connectors.synthetic.model import Address, Family, Partnership, SyntheticPerson
from tests import connector_support as support

FIXTURES = Path(__file__).parent.parent / "fixtures" / "housing"
DANIELLE = "WHT-P-00012345"
LILY = "WHT-P-00012346"
RYAN = "WHT-P-00012347"
MARK = "WHT-P-00012350"
KYLE = "WHT-P-00012360"
MARTIN = "WHT-P-00012361"
ZOFIA = "WHT-P-00012399"
LARKFIELD = "WHT-T-004321"
KESTREL = "WHT-T-003187"
BOBBIN = "WHT-T-002210"


def _records(folder: Path = FIXTURES) -> dict[str, AgencyRecord]:
    return support.load_records(HousingBackend(), folder)


def test_the_backend_names_its_agency() -> None:
    assert HousingBackend.agency == "housing"


def test_people_come_in_order_of_first_appearance() -> None:
    assert list(_records()) == [
        DANIELLE,
        LILY,
        RYAN,
        MARK,
        MARTIN,
        "WHT-P-00012362",
        KYLE,
        "WHT-P-00012363",
        ZOFIA,
    ]


def test_a_tenant_becomes_a_person_as_the_landlord_records_them() -> None:
    danielle = _records()[DANIELLE]

    assert danielle.person == {
        "person_id": support.person_id("housing", DANIELLE),
        "role": "OTHER",
        "names": [
            {"given_names": "Danielle", "family_name": "Calder", "name_type": "CURRENT"},
            {"given_names": "Danielle", "family_name": "Shaw", "name_type": "PREVIOUS"},
        ],
        "date_of_birth": {"date": date(1992, 9, 2), "precision": "DAY"},
        "gender": "FEMALE",
        "addresses": [{**support.LARKFIELD_CLOSE, "uprn": "999990001414"}, support.KESTREL_HOUSE],
        "identifiers": [
            {"scheme": "HOUSING_TENANCY_REFERENCE", "value": LARKFIELD, "issuer": None},
            {"scheme": "HOUSING_TENANCY_REFERENCE", "value": KESTREL, "issuer": None},
            {"scheme": "OTHER", "value": DANIELLE, "issuer": "housing person reference"},
        ],
        "parental_responsibility": None,
        "relationship_to_child": None,
    }
    assert danielle.identity == Identity(
        names=(("Danielle", "Calder"), ("Danielle", "Shaw")),
        date_of_birth=date(1992, 9, 2),
        postcodes=("WN1 9ZZ", "WN3 9ZY"),
        identifiers=frozenset(
            {
                ("HOUSING_TENANCY_REFERENCE", LARKFIELD),
                ("HOUSING_TENANCY_REFERENCE", KESTREL),
                ("OTHER", DANIELLE),
            }
        ),
        gender="FEMALE",
    )


def test_dates_at_an_address_are_the_persons_own() -> None:
    records = _records()

    assert [(a["from_date"], a["to_date"]) for a in records[RYAN].person["addresses"]] == [
        (date(2025, 10, 4), None)
    ]
    assert [(a["from_date"], a["to_date"]) for a in records[MARK].person["addresses"]] == [
        (date(2019, 2, 1), date(2023, 6, 30))
    ]


def test_a_person_known_only_from_a_homelessness_case() -> None:
    zofia = _records()[ZOFIA]

    assert zofia.person["names"] == [
        {"given_names": "Zofia", "family_name": "Nowak", "name_type": "CURRENT"}
    ]
    assert zofia.person["date_of_birth"] is None
    assert zofia.person["addresses"] == []
    assert support.digest(zofia) == [
        (
            "housing.homelessness_or_temporary_accommodation",
            "LOW",
            "WHT-H-000240",
            date(2026, 2, 10),
            ["HOUSING_OR_HOMELESSNESS"],
        )
    ]
    assert zofia.findings[0]["summary"] == "Approached the council as homeless on 10 February 2026."


def test_the_lead_tenants_findings() -> None:
    danielle = _records()[DANIELLE]

    assert support.digest(danielle) == [
        ("housing.tenancy", "NONE", KESTREL, date(2019, 2, 1), []),
        (
            "housing.rent_arrears_or_eviction",
            "SERIOUS",
            KESTREL,
            date(2025, 7, 31),
            ["POVERTY_OR_DEBT", "HOUSING_OR_HOMELESSNESS"],
        ),
        ("housing.tenancy", "NONE", LARKFIELD, date(2025, 8, 1), []),
        ("housing.household_composition", "NONE", LARKFIELD, date(2025, 10, 4), []),
        (
            "housing.rent_arrears_or_eviction",
            "LOW",
            LARKFIELD,
            date(2026, 2, 27),
            ["POVERTY_OR_DEBT"],
        ),
        (
            "housing.homelessness_or_temporary_accommodation",
            "MODERATE",
            "WHT-H-000198",
            date(2019, 1, 8),
            ["HOUSING_OR_HOMELESSNESS"],
        ),
        ("housing.antisocial_behaviour", "LOW", "WHT-R-000655", date(2022, 5, 14), []),
        ("housing.antisocial_behaviour", "LOW", "WHT-R-000640", date(2024, 11, 2), []),
        (
            "housing.domestic_abuse_report",
            "MODERATE",
            "WHT-R-000812",
            date(2025, 12, 20),
            ["DOMESTIC_ABUSE"],
        ),
    ]
    assert [finding["summary"] for finding in danielle.findings] == [
        "Was lead tenant of a secure tenancy at Flat 3, Kestrel House, Wigan WN3 9ZY from 1"
        " February 2019 to 31 July 2025.",
        "Rent arrears of £1,840.20 (14.5 weeks) on 31 July 2025. Possession action: possession"
        " order made on 20 June 2025.",
        "Lead tenant of an introductory tenancy at 14 Larkfield Close, Wigan WN1 9ZZ since 1"
        " August 2025.",
        "Lives with Lily-Rose Calder (child of the lead tenant) and Ryan Mercer (partner of the"
        " lead tenant, moved in October 2025).",
        "Rent arrears of £310.00 (2.5 weeks) on 27 February 2026.",
        "Approached the council as homeless on 8 January 2019; priority need accepted; placed in"
        " bed and breakfast from 9 January 2019 to 31 January 2019.",
        "Antisocial behaviour reported at Flat 3, Kestrel House, Wigan WN3 9ZY on 14 May 2022.",
        "Antisocial behaviour reported at Flat 3, Kestrel House, Wigan WN3 9ZY on 2 November 2024.",
        "Domestic abuse reported at 14 Larkfield Close, Wigan WN1 9ZZ on 20 December 2025.",
    ]


def test_possession_stages_in_full() -> None:
    eviction = _records()[DANIELLE].findings[1]

    assert eviction == {
        "finding_id": support.finding_id(
            "housing", KESTREL, "housing.rent_arrears_or_eviction", DANIELLE
        ),
        "category": "housing.rent_arrears_or_eviction",
        "concern_categories": ["POVERTY_OR_DEBT", "HOUSING_OR_HOMELESSNESS"],
        "event_date": date(2025, 7, 31),
        "summary": "Rent arrears of £1,840.20 (14.5 weeks) on 31 July 2025. Possession action:"
        " possession order made on 20 June 2025.",
        "detail": "Notice of seeking possession served 10 March 2025, possession claim issued at"
        " court 2 May 2025 and possession order made 20 June 2025.",
        "severity": "SERIOUS",
        "source_reference": KESTREL,
    }


def test_tenancy_facts_reach_only_those_who_lived_there_then() -> None:
    records = _records()

    assert support.digest(records[MARK]) == [
        ("housing.tenancy", "NONE", KESTREL, date(2019, 2, 1), []),
        ("housing.antisocial_behaviour", "LOW", "WHT-R-000655", date(2022, 5, 14), []),
    ]
    assert [finding["source_reference"] for finding in records[RYAN].findings] == [
        LARKFIELD,
        LARKFIELD,
        LARKFIELD,
        "WHT-R-000812",
    ]
    assert records[RYAN].findings[1]["summary"] == (
        "Lives with Danielle Calder (lead tenant) and Lily-Rose Calder (child of the lead tenant)."
    )


def test_overcrowding_and_a_homeless_seventeen_year_old() -> None:
    records = _records()

    household = records[MARTIN].findings[1]
    assert (household["category"], household["severity"]) == (
        "housing.household_composition",
        "LOW",
    )
    assert household["concern_categories"] == ["HOUSING_OR_HOMELESSNESS"]
    assert household["summary"].endswith("The home is overcrowded.")
    assert household["detail"] == "3 people in a home with 1 bedroom."
    assert support.digest(records[KYLE]) == [
        ("housing.tenancy", "NONE", BOBBIN, date(2014, 4, 7), []),
        (
            "housing.homelessness_or_temporary_accommodation",
            "SERIOUS",
            "WHT-H-000231",
            date(2026, 1, 15),
            ["HOUSING_OR_HOMELESSNESS"],
        ),
    ]
    assert records[KYLE].findings[1]["summary"] == (
        "Approached the council as a homeless 16 or 17 year old on 15 January 2026; priority"
        " need accepted; placed in a hostel from 16 January 2026, still there."
    )


def test_every_person_and_finding_fits_the_schemas() -> None:
    support.assert_fits_schemas(_records().values())


@pytest.mark.parametrize(
    ("name", "line", "column", "value", "problem"),
    [
        ("tenancies.csv", 2, "tenancy_ref", "WHT-4321", "'WHT-4321' is not a reference like"),
        ("tenancies.csv", 3, "tenancy_ref", LARKFIELD, f"{LARKFIELD} appears twice"),
        ("tenancies.csv", 2, "postcode", "", "is blank"),
        ("tenancies.csv", 2, "start_date", "01/08/2025", "is not a date YYYY-MM-DD"),
        ("tenancies.csv", 3, "end_date", "2018-01-01", "is before the start date"),
        ("tenancies.csv", 2, "tenure", "COUNCIL", "'COUNCIL' is not one of ASSURED"),
        ("tenancies.csv", 2, "bedrooms", "two", "'two' is not a whole number"),
        ("household.csv", 2, "tenancy_ref", "WHT-T-000001", "WHT-T-000001 is not in tenancies"),
        ("household.csv", 2, "person_ref", "12345", "'12345' is not a reference like"),
        ("household.csv", 3, "person_ref", DANIELLE, f"{DANIELLE} is twice in tenancy"),
        ("household.csv", 2, "forename", "", "is blank"),
        ("household.csv", 2, "gender", "Female", "'Female' is not one of F, M, U, X"),
        ("household.csv", 2, "relationship", "MOTHER", "'MOTHER' is not one of CHILD"),
        ("household.csv", 3, "relationship", "SELF", "is SELF exactly when"),
        ("household.csv", 3, "lead_tenant", "Y", "is SELF exactly when"),
        ("household.csv", 4, "moved_out", "2025-10-01", "is before moved_in"),
        ("rent_accounts.csv", 2, "balance", "£310", "'£310' is not an amount"),
        ("rent_accounts.csv", 2, "weeks_in_arrears", "-1", "must not be negative"),
        (
            "rent_accounts.csv",
            3,
            "tenancy_ref",
            LARKFIELD,
            f"a second rent account for {LARKFIELD}",
        ),
        ("possession.csv", 2, "stage", "BAILIFF", "'BAILIFF' is not one of COURT"),
        ("possession.csv", 4, "stage", "NOTICE_SEEKING_POSSESSION", f"{KESTREL} reached NOSP"),
        ("homelessness.csv", 2, "case_ref", "H198", "'H198' is not a reference like"),
        ("homelessness.csv", 2, "age_16_17", "Y", "does not make them 16 or 17"),
        ("homelessness.csv", 2, "priority_need", "YES", "'YES' is not one of N, Y"),
        ("homelessness.csv", 2, "ta_type", "", "is given exactly when ta_type is"),
        ("homelessness.csv", 2, "placed_to", "2019-01-01", "is before placed_from"),
        ("asb_and_da.csv", 2, "type", "NOISE", "'NOISE' is not one of ASB"),
        ("asb_and_da.csv", 3, "report_ref", "WHT-R-000655", "WHT-R-000655 appears twice"),
        ("asb_and_da.csv", 2, "summary", "", "is blank"),
    ],
)
def test_invalid_rows_are_refused_naming_the_file_line_and_column(
    tmp_path: Path, name: str, line: int, column: str, value: str, problem: str
) -> None:
    folder = support.with_csv_cell(FIXTURES, tmp_path, name, line, column, value)

    error = support.refusal(_records, folder)

    field = "placed_from" if column == "ta_type" else column
    field = "relationship" if column == "lead_tenant" else field
    assert error.path == folder / name
    assert error.line == line
    assert error.field == field
    assert problem in str(error)


def test_a_tenancy_without_one_lead_tenant_is_refused(tmp_path: Path) -> None:
    folder = support.copy_fixtures(FIXTURES, tmp_path)
    with (folder / "household.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{LARKFIELD},WHT-P-00012400,Calder,Jo,1970-01-01,F,SELF,Y,,\n")

    error = support.refusal(_records, folder)

    assert (error.line, error.field) == (12, "lead_tenant")
    assert f"tenancy {LARKFIELD} needs one lead tenant" in str(error)


def test_a_missing_file_or_column_is_refused(tmp_path: Path) -> None:
    folder = support.copy_fixtures(FIXTURES, tmp_path)
    (folder / "possession.csv").unlink()
    with pytest.raises(InvalidExport, match=r"possession\.csv: the file is missing"):
        _records(folder)

    (folder / "possession.csv").write_text("tenancy_ref,stage\n", encoding="utf-8")
    with pytest.raises(InvalidExport, match=r"line 1, field stage_date: the column is missing"):
        _records(folder)


# The synthetic export -------------------------------------------------------------------------

TODAY = date(2026, 3, 3)
HOME = Address(("14 Larkfield Close", "Brookfold"), "Wigan", "WN1 9ZZ", date(2024, 8, 1))
FLAT = Address(("Flat 3, Kestrel House",), "Wigan", "WN3 9ZY", date(2019, 2, 1), date(2024, 7, 31))


def _person(
    key: str, role: str, given: str, family: str, born: date, gender: str
) -> SyntheticPerson:
    return SyntheticPerson(key, "f", role, given, family, born, gender, "", (FLAT, HOME))


def _partnership() -> Partnership:
    calder = Family(
        "calder",
        (
            _person("mum", "PARENT", "Danielle", "Calder", date(1992, 9, 2), "FEMALE"),
            _person("partner", "PARENT", "Ryan", "Mercer", date(1988, 11, 23), "MALE"),
            _person("lily", "CHILD", "Lily-Rose", "Calder", date(2017, 5, 14), "FEMALE"),
            _person("kyle", "SIBLING", "Kyle", "Calder", date(2009, 6, 1), "MALE"),
        ),
        level_of_need=4,
        concerns=frozenset({"DOMESTIC_ABUSE", "POVERTY_OR_DEBT", "HOUSING_OR_HOMELESSNESS"}),
    )
    shaw = Family(
        "shaw",
        (_person("martin", "PARENT", "Martin", "Shaw", date(1980, 1, 30), "MALE"),),
        level_of_need=1,
        concerns=frozenset(),
    )
    partnership = Partnership(seed=3, reference_date=TODAY, families=[calder, shaw])
    refs = {"mum": DANIELLE, "partner": RYAN, "lily": LILY, "kyle": KYLE, "martin": MARTIN}
    tenancies = {"mum": LARKFIELD, "partner": LARKFIELD, "lily": LARKFIELD, "martin": BOBBIN}
    partnership.views["housing"] = {
        person.key: support.view_of(
            person,
            refs[person.key],
            {"HOUSING_TENANCY_REFERENCE": tenancies[person.key]} if person.key in tenancies else {},
            (FLAT, HOME),
        )
        for person in support.members(partnership)
    }
    return partnership


def test_the_synthetic_export_reads_back(tmp_path: Path) -> None:
    partnership = _partnership()

    written = write(partnership, tmp_path)

    records = _records(tmp_path)
    assert written == len(records) == 5
    for view in partnership.views["housing"].values():
        record = records[view.record_id]
        assert record.person["names"][0] == {
            "given_names": view.given_names,
            "family_name": view.family_name,
            "name_type": "CURRENT",
        }
        assert record.person["date_of_birth"] == {"date": view.date_of_birth, "precision": "DAY"}
        assert record.person["gender"] == view.gender
        assert record.person["addresses"][0]["postcode"] == "WN1 9ZZ"
    assert ("HOUSING_TENANCY_REFERENCE", LARKFIELD) in records[KYLE].identity.identifiers
    support.assert_fits_schemas(records.values())


def test_synthetic_housing_follows_the_familys_story(tmp_path: Path) -> None:
    write(_partnership(), tmp_path)
    records = _records(tmp_path)

    def categories(ref: str) -> set[str]:
        return support.categories_of(records[ref])

    assert {
        "housing.tenancy",
        "housing.household_composition",
        "housing.rent_arrears_or_eviction",
        "housing.homelessness_or_temporary_accommodation",
    } <= categories(DANIELLE)
    assert "housing.tenancy" in categories(LILY)
    assert categories(MARTIN) == {"housing.tenancy", "housing.household_composition"}
    tenancies = [
        f["summary"] for f in records[MARTIN].findings if f["category"] == "housing.tenancy"
    ]
    assert any(summary.startswith("Lead tenant of ") for summary in tenancies)


def test_the_synthetic_export_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    write(_partnership(), tmp_path / "first")
    write(_partnership(), tmp_path / "second")

    support.assert_same_files(tmp_path / "first", tmp_path / "second")
