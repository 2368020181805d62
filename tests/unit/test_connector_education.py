"""The education connector: the pupil database's CSV files read as people and findings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from broker.identity import Identity
from connectors.education import EducationBackend, InvalidExport
from connectors.education.synthetic import write
from connectors.records import AgencyRecord
from connectors.synthetic.model import Address, Family, Partnership, SyntheticPerson
from tests import connector_support as support

FIXTURES = Path(__file__).parent.parent / "fixtures" / "education"
LILY = "E359213418005"
KYLE = "U359213418006"
JAYDEN = "H359213418007"


def _records(folder: Path = FIXTURES) -> dict[str, AgencyRecord]:
    return support.load_records(EducationBackend(), folder)


def test_the_backend_names_its_agency() -> None:
    assert EducationBackend.agency == "education"


def test_pupils_come_in_the_files_order() -> None:
    assert list(_records()) == [LILY, KYLE, JAYDEN]


def test_a_pupil_becomes_a_person_as_the_school_records_them() -> None:
    lily = _records()[LILY]

    assert lily.person == {
        "person_id": support.person_id("education", LILY),
        "role": "OTHER",
        "names": [
            {"given_names": "Lily-Rose", "family_name": "Calder", "name_type": "CURRENT"},
            {"given_names": "Lily", "family_name": "Calder", "name_type": "KNOWN_AS"},
        ],
        "date_of_birth": {"date": date(2017, 5, 14), "precision": "DAY"},
        "gender": "FEMALE",
        "addresses": [support.LARKFIELD_CLOSE],
        "identifiers": [{"scheme": "UNIQUE_PUPIL_NUMBER", "value": LILY, "issuer": None}],
        "parental_responsibility": None,
        "relationship_to_child": None,
    }
    assert lily.identity == Identity(
        names=(("Lily-Rose", "Calder"), ("Lily", "Calder")),
        date_of_birth=date(2017, 5, 14),
        postcodes=("WN1 9ZZ",),
        identifiers=frozenset({("UNIQUE_PUPIL_NUMBER", LILY)}),
        gender="FEMALE",
    )


def test_a_preferred_surname_and_a_quoted_address() -> None:
    kyle = _records()[KYLE]

    assert kyle.person["names"] == [
        {"given_names": "Kyle", "family_name": "Shaw", "name_type": "CURRENT"},
        {"given_names": "Kyle", "family_name": "Hughes", "name_type": "KNOWN_AS"},
    ]
    assert kyle.person["addresses"] == [
        {
            "lines": ["Flat 6, Millstone Court", "Bankfield Road"],
            "town": "Leigh",
            "postcode": "WN7 9ZQ",
            "uprn": None,
            "from_date": None,
            "to_date": None,
        }
    ]


def test_the_first_pupils_findings() -> None:
    lily = _records()[LILY]

    assert support.digest(lily) == [
        (
            "education.special_educational_needs",
            "LOW",
            f"pupils.csv:{LILY}",
            None,
            ["DISABILITY_OR_COMPLEX_NEEDS", "CHILD_MENTAL_HEALTH_OR_SELF_HARM"],
        ),
        ("education.school_moves", "NONE", f"pupils.csv:{LILY}", date(2025, 9, 1), []),
        ("education.attendance", "NONE", f"attendance.csv:{LILY}:2024/25", date(2025, 7, 22), []),
        (
            "education.attendance",
            "MODERATE",
            f"attendance.csv:{LILY}:2025/26",
            date(2026, 2, 27),
            ["EDUCATION_ATTENDANCE_OR_EXCLUSION"],
        ),
    ]
    assert [finding["summary"] for finding in lily.findings] == [
        "Receives SEN support; primary need: social, emotional and mental health needs.",
        "On roll at Brookfold Primary School (URN 902114) since 1 September 2025.",
        "Attended 95.0% of sessions in 2024/25 (to 22 July 2025).",
        "Attended 86.0% of sessions in 2025/26 (to 27 February 2026). Persistent absence (below"
        " 90%).",
    ]


def test_an_attendance_finding_in_full() -> None:
    attendance = _records()[LILY].findings[3]
    source = f"attendance.csv:{LILY}:2025/26"

    assert attendance == {
        "finding_id": support.finding_id("education", source, "education.attendance", LILY),
        "category": "education.attendance",
        "concern_categories": ["EDUCATION_ATTENDANCE_OR_EXCLUSION"],
        "event_date": date(2026, 2, 27),
        "summary": "Attended 86.0% of sessions in 2025/26 (to 27 February 2026). Persistent"
        " absence (below 90%).",
        "detail": "200 possible sessions: 172 attended, 18 authorised and 10 unauthorised"
        " absences.",
        "severity": "MODERATE",
        "source_reference": source,
    }


def test_moves_suspensions_and_severe_absence() -> None:
    kyle = _records()[KYLE]
    offending = ["EDUCATION_ATTENDANCE_OR_EXCLUSION", "CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR"]

    assert support.digest(kyle) == [
        (
            "education.special_educational_needs",
            "MODERATE",
            f"pupils.csv:{KYLE}",
            None,
            ["DISABILITY_OR_COMPLEX_NEEDS"],
        ),
        (
            "education.school_moves",
            "LOW",
            f"pupils.csv:{KYLE}",
            date(2024, 12, 18),
            ["EDUCATION_ATTENDANCE_OR_EXCLUSION"],
        ),
        (
            "education.attendance",
            "SERIOUS",
            f"attendance.csv:{KYLE}:2025/26",
            date(2026, 2, 27),
            ["EDUCATION_ATTENDANCE_OR_EXCLUSION"],
        ),
        (
            "education.exclusion",
            "LOW",
            f"exclusions.csv:{KYLE}:2025-10-16",
            date(2025, 10, 16),
            ["EDUCATION_ATTENDANCE_OR_EXCLUSION"],
        ),
        (
            "education.exclusion",
            "LOW",
            f"exclusions.csv:{KYLE}:2025-11-20",
            date(2025, 11, 20),
            offending,
        ),
        (
            "education.behaviour",
            "LOW",
            f"exclusions.csv:{KYLE}:2025-11-20",
            date(2025, 11, 20),
            ["CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR"],
        ),
        (
            "education.exclusion",
            "MODERATE",
            f"exclusions.csv:{KYLE}:2026-01-22",
            date(2026, 1, 22),
            offending,
        ),
        (
            "education.behaviour",
            "MODERATE",
            f"exclusions.csv:{KYLE}:2026-01-22",
            date(2026, 1, 22),
            ["CHILD_OFFENDING_OR_ANTISOCIAL_BEHAVIOUR"],
        ),
        (
            "education.child_missing_education",
            "LOW",
            f"cme.csv:{KYLE}:2024-09-10",
            date(2024, 9, 10),
            ["CHILD_MISSING_EDUCATION"],
        ),
    ]
    moves = kyle.findings[1]
    assert moves["summary"] == (
        "On roll at Canal Side Academy (URN 904144) since 6 January 2025. Left 2 schools in two"
        " years, other than at the end of a phase."
    )
    assert moves["detail"] == (
        "Left Moorside High School on 14 March 2024 (moved house); left Tanyard Academy on 18"
        " December 2024 (managed move)."
    )
    assert kyle.findings[6]["summary"] == (
        "Suspended for 10 sessions from 22 January 2026: use or threat of use of an offensive"
        " weapon or prohibited item."
    )


def test_a_permanently_excluded_child_missing_education() -> None:
    jayden = _records()[JAYDEN]

    assert [(f["category"], f["severity"], f["summary"]) for f in jayden.findings] == [
        (
            "education.school_moves",
            "LOW",
            "Not on the roll of any school. Left Makerfield Park High School on 12 January 2026"
            " (permanently excluded).",
        ),
        (
            "education.attendance",
            "SERIOUS",
            "Attended 43.8% of sessions in 2025/26 (to 16 January 2026). Severe absence (below"
            " 50%).",
        ),
        (
            "education.exclusion",
            "SERIOUS",
            "Permanently excluded from 12 January 2026: physical assault against an adult.",
        ),
        (
            "education.behaviour",
            "MODERATE",
            "Behaviour that led to exclusion on 12 January 2026: physical assault against an"
            " adult.",
        ),
        (
            "education.child_missing_education",
            "SERIOUS",
            "Reported as a child missing education on 23 February 2026; whereabouts still unknown.",
        ),
    ]
    assert jayden.findings[-1]["detail"] == (
        "Not seen since 2 February, when he was due at the pupil referral unit.\nFamily not at the"
        " home address; neighbours think they have gone to relatives in Bolton."
    )


def test_every_person_and_finding_fits_the_schemas() -> None:
    support.assert_fits_schemas(_records().values())


@pytest.mark.parametrize(
    ("name", "line", "column", "value", "problem"),
    [
        ("pupils.csv", 2, "UPN", "E359213418004", "is not a unique pupil number"),
        ("pupils.csv", 3, "UPN", LILY, f"{LILY} appears twice"),
        ("pupils.csv", 2, "Legal Surname", " ", "is blank"),
        ("pupils.csv", 2, "DOB", "2017-05-14", "is not a date DD/MM/YYYY"),
        ("pupils.csv", 2, "DOB", "31/02/2017", "is not a date DD/MM/YYYY"),
        ("pupils.csv", 2, "Gender", "X", "'X' is not one of F, M"),
        ("pupils.csv", 2, "School URN", "9021", "is not a six-digit URN"),
        ("pupils.csv", 2, "FSM Eligible", "yes", "'yes' is not one of N, Y"),
        ("pupils.csv", 2, "SEN Provision", "S", "'S' is not one of E, K, N"),
        ("pupils.csv", 2, "EHCP", "Y", "Y does not agree with SEN Provision K"),
        ("pupils.csv", 2, "Primary SEN Need", "ADHD", "'ADHD' is not one of ASD"),
        ("attendance.csv", 3, "UPN", "X359213418008", "X359213418008 is not in pupils.csv"),
        ("attendance.csv", 3, "Academic Year", "2025/27", "is not an academic year"),
        ("attendance.csv", 3, "Academic Year", "2024/25", "2024/25 appears twice"),
        ("attendance.csv", 3, "Period End", "31/08/2025", "is before the period start"),
        ("attendance.csv", 3, "Possible Sessions", "201", "must be attended plus"),
        ("attendance.csv", 3, "Attended Sessions", "-1", "'-1' is not a whole number"),
        ("exclusions.csv", 2, "Category", "FIXED", "'FIXED' is not one of PERMANENT, SUSPENSION"),
        ("exclusions.csv", 2, "Sessions", "0", "a suspension lasts at least one session"),
        ("exclusions.csv", 2, "Sessions", "", "is blank"),
        ("exclusions.csv", 2, "Reason", "XX", "'XX' is not one of AR, BU"),
        ("exclusions.csv", 3, "Start Date", "16/10/2025", "a second exclusion of"),
        ("school_history.csv", 2, "Leaving Reason", "", "'' is not one of CME, ELECTIVE_HOME"),
        ("school_history.csv", 3, "Leaving Reason", "MOVED_HOUSE", "must be blank"),
        ("pupils.csv", 4, "Primary SEN Need", "SEMH", "must be blank"),
        ("school_history.csv", 2, "Leaving Date", "01/01/2020", "is before the entry date"),
        ("school_history.csv", 2, "School Name", "", "is blank"),
        ("cme.csv", 2, "Status", "CLOSED", "'CLOSED' is not one of OPEN, RESOLVED, TRACED"),
    ],
)
def test_invalid_rows_are_refused_naming_the_file_line_and_column(
    tmp_path: Path, name: str, line: int, column: str, value: str, problem: str
) -> None:
    # The school's export may start with a byte order mark.
    folder = support.with_csv_cell(
        FIXTURES, tmp_path, name, line, column, value, encoding="utf-8-sig"
    )

    error = support.refusal(_records, folder)

    assert error.path == folder / name
    assert error.line == line
    assert error.field == column
    assert str(error).startswith(f"{folder / name}, line {line}, field {column}: ")
    assert problem in str(error)


def test_a_row_after_a_quoted_line_break_is_named_by_its_own_line(tmp_path: Path) -> None:
    folder = support.copy_fixtures(FIXTURES, tmp_path)
    with (folder / "cme.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{LILY},01/03/2026,MISSING,\n")

    error = support.refusal(_records, folder)

    assert (error.line, error.field) == (5, "Status")


def test_a_missing_column_or_file_is_refused(tmp_path: Path) -> None:
    folder = support.copy_fixtures(FIXTURES, tmp_path)
    (folder / "cme.csv").unlink()
    with pytest.raises(InvalidExport, match=r"cme\.csv: the file is missing from the export"):
        _records(folder)

    (folder / "cme.csv").write_text("UPN,Date Reported,Status\n", encoding="utf-8")
    with pytest.raises(InvalidExport, match=r"line 1, field Notes: the column is missing"):
        _records(folder)


def test_a_row_with_too_few_fields_is_refused(tmp_path: Path) -> None:
    folder = support.copy_fixtures(FIXTURES, tmp_path)
    with (folder / "exclusions.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{LILY},01/03/2026,SUSPENSION\n")

    with pytest.raises(InvalidExport, match=r"line 6: expected 5 fields, found 3"):
        _records(folder)


# The synthetic export -------------------------------------------------------------------------

TODAY = date(2026, 3, 3)
HOME = Address(("14 Larkfield Close", "Brookfold"), "Wigan", "WN1 9ZZ", date(2025, 8, 1))
FLAT = Address(("Flat 3, Kestrel House",), "Wigan", "WN3 9ZY", date(2019, 2, 1), date(2025, 7, 31))


def _person(
    key: str, role: str, given: str, family: str, born: date, gender: str
) -> SyntheticPerson:
    return SyntheticPerson(key, family.lower(), role, given, family, born, gender, "", (FLAT, HOME))


def _partnership() -> Partnership:
    calder = Family(
        "calder",
        (
            _person("mum", "PARENT", "Danielle", "Calder", date(1992, 9, 2), "FEMALE"),
            _person("lily", "CHILD", "Lily-Rose", "Calder", date(2017, 5, 14), "FEMALE"),
            _person("jayden", "SIBLING", "Jayden", "Calder", date(2012, 1, 30), "MALE"),
        ),
        level_of_need=4,
        concerns=frozenset(
            {"CHILD_MISSING_EDUCATION", "DISABILITY_OR_COMPLEX_NEEDS", "POVERTY_OR_DEBT"}
        ),
    )
    shaw = Family(
        "shaw",
        (_person("kyle", "CHILD", "Kyle", "Shaw", date(2014, 10, 9), "MALE"),),
        level_of_need=1,
        concerns=frozenset(),
    )
    partnership = Partnership(seed=5, reference_date=TODAY, families=[calder, shaw])
    upns = {"lily": LILY, "jayden": JAYDEN, "kyle": KYLE}
    partnership.views["education"] = {
        person.key: support.view_of(
            person, upns[person.key], {"UNIQUE_PUPIL_NUMBER": upns[person.key]}, (HOME,)
        )
        for person in support.members(partnership)
        if person.key in upns
    }
    return partnership


def test_the_synthetic_export_reads_back(tmp_path: Path) -> None:
    partnership = _partnership()

    written = write(partnership, tmp_path)

    records = _records(tmp_path)
    assert written == len(records) == 3
    for view in partnership.views["education"].values():
        record = records[view.record_id]
        current = record.person["names"][0]
        assert (current["given_names"], current["family_name"]) == (
            view.given_names,
            view.family_name,
        )
        assert record.person["date_of_birth"] == {"date": view.date_of_birth, "precision": "DAY"}
        assert record.person["gender"] == view.gender
        assert record.identity.postcodes == ("WN1 9ZZ",)
    support.assert_fits_schemas(records.values())


def test_synthetic_school_lives_follow_the_familys_story(tmp_path: Path) -> None:
    write(_partnership(), tmp_path)
    records = _records(tmp_path)

    def categories(upn: str) -> set[str]:
        return support.categories_of(records[upn])

    for upn in (LILY, JAYDEN):
        assert {
            "education.child_missing_education",
            "education.special_educational_needs",
            "education.attendance",
        } <= categories(upn)
    kyle = records[KYLE]
    assert "education.child_missing_education" not in categories(KYLE)
    attendance = [f for f in kyle.findings if f["category"] == "education.attendance"]
    assert attendance
    assert all(finding["severity"] == "NONE" for finding in attendance)


def test_the_synthetic_export_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    write(_partnership(), tmp_path / "first")
    write(_partnership(), tmp_path / "second")

    support.assert_same_files(tmp_path / "first", tmp_path / "second")
