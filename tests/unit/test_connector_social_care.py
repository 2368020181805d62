"""The children's social care connector: its CSV export, mapped to people, findings and
allocations."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from broker.codec import AvroCodec
from broker.identity import Identity
from connectors.records import AgencyBackend, AgencyRecord
from connectors.social_care import InvalidExport, SocialCareBackend
from connectors.social_care.synthetic import write
from connectors.synthetic.model import (
    Address,
    Family,
    Partnership,
    SyntheticPerson,
)
from tests import connector_support as support
from tests import examples

FIXTURES = Path(__file__).parent.parent / "fixtures" / "social_care"
COUNCIL = "Wigan Council"
LILY = "LCS-0045821"
HOME = support.LARKFIELD_CLOSE


def _finding(
    record_id: str,
    reference: str,
    category: str,
    concerns: list[str],
    event_date: date,
    summary: str,
    team: str,
    severity: str,
) -> dict[str, Any]:
    detail = f"Team: {team}."
    return support.finding(
        "social_care",
        record_id,
        reference,
        category,
        concerns,
        event_date,
        summary,
        detail,
        severity,
    )


def _lily() -> dict[str, Any]:
    return {
        "person_id": support.person_id("social_care", LILY),
        "role": "OTHER",
        "names": [
            {"given_names": "Lily-Rose", "family_name": "Calder", "name_type": "CURRENT"},
            {"given_names": "Lily", "family_name": "Calder", "name_type": "KNOWN_AS"},
        ],
        "date_of_birth": {"date": date(2017, 5, 14), "precision": "DAY"},
        "gender": "FEMALE",
        "addresses": [HOME, support.KESTREL_HOUSE],
        "identifiers": [
            {"scheme": "LOCAL_SOCIAL_CARE_ID", "value": LILY, "issuer": COUNCIL},
            {"scheme": "NHS_NUMBER", "value": "9990004129", "issuer": None},
            {"scheme": "UNIQUE_PUPIL_NUMBER", "value": "E359213418005", "issuer": None},
            {"scheme": "LOCAL_EARLY_HELP_ID", "value": "EHM118204", "issuer": COUNCIL},
        ],
        "parental_responsibility": None,
        "relationship_to_child": None,
    }


@pytest.fixture(scope="module")
def records() -> dict[str, AgencyRecord]:
    return support.load_records(SocialCareBackend(), FIXTURES)


def test_the_backend_fits_the_protocol() -> None:
    backend: AgencyBackend = SocialCareBackend()
    assert backend.agency == "social_care"


def test_every_person_comes_back_in_file_order(records: dict[str, AgencyRecord]) -> None:
    assert list(records) == [LILY, "LCS-0045822", "LCS-0050002"]


def test_a_child_with_a_past_plan_now_open_to_early_help(
    records: dict[str, AgencyRecord],
) -> None:
    person = _lily()
    findings = (
        _finding(
            LILY,
            "INV-0001001",
            "previous_referrals",
            ["EMOTIONAL_ABUSE", "DOMESTIC_ABUSE"],
            date(2021, 5, 3),
            "Referred to children's social care on 3 May 2021 (emotional abuse, domestic abuse).",
            "mash-duty",
            "LOW",
        ),
        _finding(
            LILY,
            "INV-0001002",
            "section_47_history",
            ["EMOTIONAL_ABUSE"],
            date(2021, 5, 20),
            "Subject of a section 47 enquiry from 20 May 2021 to 4 June 2021 (emotional abuse).",
            "area-north",
            "MODERATE",
        ),
        _finding(
            LILY,
            "INV-0001003",
            "previous_child_protection_plan",
            ["EMOTIONAL_ABUSE"],
            date(2021, 6, 14),
            "Subject of a child protection plan from 14 June 2021 to 30 September 2022"
            " (emotional abuse).",
            "area-north",
            "MODERATE",
        ),
        _finding(
            LILY,
            "INV-0001004",
            "early_help_episode",
            ["DOMESTIC_ABUSE"],
            date(2025, 11, 24),
            "Open to early help since 24 November 2025 (domestic abuse).",
            "early-help",
            "LOW",
        ),
    )
    assert records[LILY] == AgencyRecord(LILY, Identity.from_person(person), person, findings)


def test_a_parent_with_a_former_surname_and_no_involvements(
    records: dict[str, AgencyRecord],
) -> None:
    record = records["LCS-0045822"]
    assert record.person["names"] == [
        {"given_names": "Danielle", "family_name": "Calder", "name_type": "CURRENT"},
        {"given_names": "Danielle", "family_name": "Shaw", "name_type": "PREVIOUS"},
    ]
    assert record.person["addresses"] == [HOME]
    assert record.findings == ()


def test_a_privately_fostered_child_with_an_estimated_birth_date(
    records: dict[str, AgencyRecord],
) -> None:
    record = records["LCS-0050002"]
    assert record.person["date_of_birth"] == {"date": date(2009, 1, 1), "precision": "APPROXIMATE"}
    assert record.identity.dob_precision == "APPROXIMATE"
    assert record.person["addresses"] == []
    assert record.findings == (
        _finding(
            "LCS-0050002",
            "INV-0001005",
            "private_fostering",
            ["PRIVATE_FOSTERING"],
            date(2025, 9, 1),
            "Privately fostered since 1 September 2025.",
            "area-south",
            "MODERATE",
        ),
        _finding(
            "LCS-0050002",
            "INV-0001006",
            "previous_looked_after",
            [],
            date(2015, 1, 10),
            "Looked after by the local authority from 10 January 2015 to 20 March 2016.",
            "area-south",
            "MODERATE",
        ),
        _finding(
            "LCS-0050002",
            "INV-0001007",
            "open_case",
            ["PARENTING_CAPACITY"],
            date(2026, 2, 2),
            "Open as a child in need (Children Act 1989 s17) since 2 February 2026"
            " (parenting capacity).",
            "area-south",
            "MODERATE",
        ),
    )


def test_every_person_and_finding_fits_the_schemas(records: dict[str, AgencyRecord]) -> None:
    support.assert_fits_schemas(records.values())


def test_an_allocation_as_the_examples_tell_it() -> None:
    first, second = SocialCareBackend().allocations(FIXTURES)
    # The examples' story, told by this system's ids: the child as recorded here.
    child = {**_lily(), "role": "CHILD"}
    assert first == {**examples.ALLOCATION, "child_id": LILY, "child": child}
    assert second == {
        "child_id": "LCS-0050002",
        "case_id": None,
        "child": {**first["child"], **_mason_as_child()},
        "team_key": "area-south",
        "allocated_worker": None,
        "allocated_since": date(2026, 2, 2),
        "open_plan_type": "CHILD_IN_NEED",
        "previous_child_protection_plans": [
            {
                "plan_type": "LOOKED_AFTER",
                "start_date": date(2015, 1, 10),
                "end_date": date(2016, 3, 20),
                "categories": [],
            }
        ],
        "updated_at": datetime(2026, 2, 20, 9, 30, tzinfo=UTC),
    }
    codec = AvroCodec()
    for allocation in (first, second):
        codec.encode("uk.mash.v1.Allocation", allocation)


def _mason_as_child() -> dict[str, Any]:
    return {
        "person_id": support.person_id("social_care", "LCS-0050002"),
        "names": [{"given_names": "Mason", "family_name": "Hart", "name_type": "CURRENT"}],
        "date_of_birth": {"date": date(2009, 1, 1), "precision": "APPROXIMATE"},
        "gender": "MALE",
        "addresses": [],
        "identifiers": [
            {"scheme": "LOCAL_SOCIAL_CARE_ID", "value": "LCS-0050002", "issuer": COUNCIL}
        ],
    }


# Malformed exports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "field", "problem"),
    [
        ("people.csv", ",N,F,9990004137", ",N,X,9990004137", 3, "gender", "'X' is not one of"),
        ("people.csv", "14/05/2017", "2017-05-14", 2, "date_of_birth",
         "is not a date DD/MM/YYYY"),
        ("people.csv", "01/01/2009,Y", "01/01/2009,maybe", 4, "dob_estimated",
         "'maybe' is not one of"),
        ("people.csv", ",upn,", ",pupil_number,", 1, "upn", "the header has no such column"),
        ("people.csv", "Mason,Hart,", "Mason,Hart,,,", 4, None, "wrong number of cells"),
        ("people.csv", "LCS-0050002,Mason", "LCS-0045822,Mason", 4, "person_id", "appears twice"),
        ("address_history.csv", "LCS-0045821,", "LCS-0099999,", 2, "person_id",
         "LCS-0099999 is not in people.csv"),
        ("involvements.csv", "SECTION_47", "S47", 3, "type", "'S47' is not one of"),
        ("involvements.csv", "30/09/2022,EMOTIONAL", "30/09/2022,DOMESTIC_ABUSE", 4, "category",
         "'DOMESTIC_ABUSE' is not one of"),
        ("involvements.csv", "30/09/2022,EMOTIONAL", "30/09/2022,", 4, "category",
         "a child protection plan needs its category"),
        ("involvements.csv", "04/06/2021", "04/06/2020", 3, "end_date",
         "is before the start date"),
        ("involvements.csv", "INV-0001007,LCS-0050002", "INV-0001007,LCS-0000000", 8,
         "person_id", "LCS-0000000 is not in people.csv"),
        ("involvements.csv", "INV-0001007", "INV-0001006", 8, "involvement_id", "appears twice"),
        ("involvements.csv", "24/11/2025,,", ",,", 5, "start_date", "is empty"),
    ],
)  # fmt: skip
def test_a_malformed_row_names_the_file_line_and_field(
    tmp_path: Path,
    file: str,
    old: str,
    new: str,
    line: int,
    field: str | None,
    problem: str,
) -> None:
    folder = support.with_text_replaced(FIXTURES, tmp_path, file, old, new)
    error = support.refusal(SocialCareBackend().load, folder, problem)
    assert (error.path, error.line, error.field) == (folder / file, line, field)
    assert f"{folder / file}, line {line}" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "problem"),
    [
        (",EARLY_HELP,", ",EH,", 2, "plan_type", "'EH' is not one of"),
        ("LCS-0050002,,", "LCS-0050003,,", 3, "child_id", "LCS-0050003 is not in people.csv"),
        ("2026-02-26T15:02:11.604Z", "2026-02-26T15:02:11", 2, "updated_at", "has no time zone"),
        ("2026-02-20T09:30:00.000+00:00", "20/02/2026", 3, "updated_at",
         "is not an ISO 8601 timestamp"),
        ("fe3eb5de-cd05-4216-a1e3-1112050643e5", "MASH-123", 2, "case_id", "is not a UUID"),
        ("24/11/2025,2026", ",2026", 2, "allocated_since", "is empty"),
    ],
)  # fmt: skip
def test_a_malformed_allocation_names_the_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str, problem: str
) -> None:
    folder = support.with_text_replaced(FIXTURES, tmp_path, "allocations.csv", old, new)
    error = support.refusal(SocialCareBackend().allocations, folder, problem)
    assert (error.line, error.field) == (line, field)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    folder = support.copy_fixtures(FIXTURES, tmp_path)
    (folder / "address_history.csv").unlink()
    with pytest.raises(InvalidExport, match=r"address_history\.csv: the file is missing"):
        list(SocialCareBackend().load(folder))


# Round trip through the synthetic writer -----------------------------------------------------

TODAY = date(2026, 3, 1)
WORKER = {
    "name": "Tom Ashworth",
    "role": "Social Worker",
    "agency": "SOCIAL_CARE",
    "organisation": COUNCIL,
    "team": "Area north",
    "contact_details": {"phone": "0161 496 0250", "email": None},
}


def _partnership() -> Partnership:
    home = Address(
        ("Flat 2, Orchard House", "8 Pear Tree Road"), "Wigan", "WN2 9ZB", date(2021, 6, 1)
    )
    old = Address(("3 Mill Lane",), "Leigh", "WN7 9ZA", date(2012, 1, 1), date(2021, 5, 31))

    def person(key: str, family: str, role: str, given: str, born: date) -> SyntheticPerson:
        gender = "MALE" if given in ("Dean", "Tayo", "Carl") else "FEMALE"
        return SyntheticPerson(
            key, family, role, given, family.title(), born, gender, "9990000000", (old, home)
        )

    okoro = (
        person("o-mum", "okoro", "PARENT", "Grace", date(1990, 4, 2)),
        person("o-kid", "okoro", "CHILD", "Tayo", date(2014, 1, 20)),
        person("o-sib", "okoro", "SIBLING", "Ada", date(2018, 6, 3)),
    )
    wilde = (
        person("w-dad", "wilde", "PARENT", "Carl", date(1979, 2, 14)),
        person("w-kid", "wilde", "CHILD", "Jade", date(2012, 7, 1)),
    )
    quinn = (person("q-kid", "quinn", "CHILD", "Ann", date(2016, 1, 1)),)
    partnership = Partnership(
        seed=3,
        reference_date=TODAY,
        families=[
            Family("okoro", okoro, 4, frozenset({"NEGLECT", "PARENTAL_SUBSTANCE_MISUSE"})),
            Family("wilde", wilde, 3, frozenset({"DOMESTIC_ABUSE", "PRIVATE_FOSTERING"})),
            Family("quinn", quinn, 1, frozenset()),
        ],
    )
    views = {}
    for number, member in enumerate((*okoro, *wilde, *quinn), start=1):
        record_id = f"LCS-{number:07d}"
        identifiers = {"LOCAL_SOCIAL_CARE_ID": record_id, "NHS_NUMBER": f"99900000{number:02d}"}
        views[member.key] = support.view_of(member, record_id, identifiers)
    partnership.views["social_care"] = views
    partnership.allocations = [
        {
            "child_id": views["o-kid"].record_id,
            "case_id": uuid.UUID("18147c44-f789-416f-8ea7-86cdf35c7572"),
            "child": None,
            "team_key": "area-north",
            "allocated_worker": WORKER,
            "allocated_since": date(2025, 10, 6),
            "open_plan_type": "CHILD_PROTECTION",
            "previous_child_protection_plans": [
                {
                    "plan_type": "CHILD_PROTECTION",
                    "start_date": date(2019, 3, 1),
                    "end_date": date(2020, 4, 30),
                    "categories": ["NEGLECT"],
                }
            ],
            "updated_at": datetime(2026, 2, 26, 15, 2, 11, 604000, tzinfo=UTC),
        },
        {
            "child_id": views["w-kid"].record_id,
            "case_id": None,
            "child": None,
            "team_key": "early-help",
            "allocated_worker": None,
            "allocated_since": date(2026, 1, 12),
            "open_plan_type": "EARLY_HELP",
            "previous_child_protection_plans": [],
            "updated_at": datetime(2026, 1, 12, 9, 0, tzinfo=UTC),
        },
    ]
    return partnership


def test_the_synthetic_export_reads_back(tmp_path: Path) -> None:
    partnership = _partnership()
    views = partnership.views["social_care"]
    backend = SocialCareBackend()
    assert write(partnership, tmp_path) == len(views)
    records = support.load_records(backend, tmp_path)
    assert list(records) == [view.record_id for view in views.values()]
    for view in views.values():
        record = records[view.record_id]
        assert record.identity.names == ((view.given_names, view.family_name),)
        assert record.identity.date_of_birth == view.date_of_birth
        assert record.identity.postcodes == ("WN2 9ZB", "WN7 9ZA")
        assert record.identity.identifiers == frozenset(view.identifiers.items())
        assert record.person["addresses"][0]["lines"] == [
            "Flat 2, Orchard House",
            "8 Pear Tree Road",
        ]
    support.assert_fits_schemas(records.values())

    def findings(key: str) -> list[tuple[str, str]]:
        return [(f["category"], f["severity"]) for f in records[views[key].record_id].findings]

    # The allocated child: the open plan and the earlier one, as the allocation has them.
    assert ("social_care.open_case", "SERIOUS") in findings("o-kid")
    assert ("social_care.previous_child_protection_plan", "MODERATE") in findings("o-kid")
    assert ("social_care.early_help_episode", "LOW") in findings("w-kid")
    assert ("social_care.private_fostering", "MODERATE") in findings("w-kid")
    # Adults have no involvements; nothing is open for a child without an allocation.
    assert findings("o-mum") == findings("w-dad") == []
    assert ("social_care.open_case", "SERIOUS") not in findings("o-sib")

    allocations = backend.allocations(tmp_path)
    assert [{**a, "child": None} for a in allocations] == partnership.allocations
    codec = AvroCodec()
    for allocation in allocations:
        assert allocation["child"] == {**records[allocation["child_id"]].person, "role": "CHILD"}
        codec.encode("uk.mash.v1.Allocation", allocation)


def test_the_synthetic_export_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    write(_partnership(), tmp_path / "first")
    write(_partnership(), tmp_path / "second")
    names = ("people.csv", "address_history.csv", "involvements.csv", "allocations.csv")
    support.assert_same_files(tmp_path / "first", tmp_path / "second", names)
