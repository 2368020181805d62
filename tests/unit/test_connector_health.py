"""The health connector: FHIR R4 bundles read as people and findings, and written back."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from broker.identity import Identity
from connectors.health import HealthBackend, InvalidExport
from connectors.health.synthetic import write
from connectors.records import AgencyRecord
from connectors.synthetic.model import Address, AgencyView, Family, Partnership, SyntheticPerson
from tests import connector_support as support

FIXTURES = Path(__file__).parent.parent / "fixtures" / "health"
LILY = "9990004129"
DANIELLE = "9990004137"
ALFIE = "9990004145"
LOCAL = "https://fhir.mash-exchange.example/CodeSystem/"


def _records(folder: Path = FIXTURES) -> dict[str, AgencyRecord]:
    return support.load_records(HealthBackend(), folder)


def test_the_backend_names_its_agency() -> None:
    assert HealthBackend.agency == "health"


def test_a_patient_becomes_a_person_as_health_records_them() -> None:
    lily = _records()[LILY]

    assert lily.person == {
        "person_id": support.person_id("health", LILY),
        "role": "OTHER",
        "names": [
            {"given_names": "Lily-Rose", "family_name": "Calder", "name_type": "CURRENT"},
            {"given_names": "Lily", "family_name": "Calder", "name_type": "KNOWN_AS"},
        ],
        "date_of_birth": {"date": date(2017, 5, 14), "precision": "DAY"},
        "gender": "FEMALE",
        "addresses": [support.LARKFIELD_CLOSE, support.KESTREL_HOUSE],
        "identifiers": [{"scheme": "NHS_NUMBER", "value": LILY, "issuer": None}],
        "parental_responsibility": None,
        "relationship_to_child": None,
    }
    assert lily.identity == Identity(
        names=(("Lily-Rose", "Calder"), ("Lily", "Calder")),
        date_of_birth=date(2017, 5, 14),
        dob_precision="DAY",
        postcodes=("WN1 9ZZ", "WN3 9ZY"),
        identifiers=frozenset({("NHS_NUMBER", LILY)}),
        gender="FEMALE",
    )


def test_previous_names_and_work_addresses() -> None:
    danielle = _records()[DANIELLE]

    assert danielle.person["names"] == [
        {"given_names": "Danielle", "family_name": "Calder", "name_type": "CURRENT"},
        {"given_names": "Danielle", "family_name": "Shaw", "name_type": "PREVIOUS"},
    ]
    assert [address["postcode"] for address in danielle.person["addresses"]] == ["WN1 9ZZ"]


def test_records_come_in_nhs_number_order() -> None:
    assert list(_records()) == [LILY, DANIELLE, ALFIE]


def test_the_childs_findings() -> None:
    lily = _records()[LILY]

    assert support.digest(lily) == [
        (
            "health.ae_attendance",
            "LOW",
            "Encounter/ED-2025-006310",
            date(2025, 6, 2),
            ["CHILD_HEALTH_OR_DEVELOPMENT"],
        ),
        (
            "health.ae_attendance",
            "LOW",
            "Encounter/ED-2026-011842",
            date(2026, 1, 18),
            ["UNEXPLAINED_INJURY"],
        ),
        (
            "health.injury",
            "LOW",
            "Encounter/ED-2026-011842",
            date(2026, 1, 18),
            ["UNEXPLAINED_INJURY"],
        ),
        (
            "health.development_or_growth",
            "LOW",
            "Encounter/sn-contact-2",
            date(2026, 1, 20),
            ["CHILD_HEALTH_OR_DEVELOPMENT"],
        ),
        (
            "health.missed_appointments",
            "LOW",
            "Appointment/CHS-AUD-77431",
            date(2026, 1, 14),
            ["CHILD_HEALTH_OR_DEVELOPMENT"],
        ),
        (
            "health.missed_appointments",
            "LOW",
            "Appointment/DEN-56004",
            date(2025, 12, 2),
            ["CHILD_HEALTH_OR_DEVELOPMENT"],
        ),
        (
            "health.child_mental_health",
            "MODERATE",
            "Condition/camhs-2025",
            date(2025, 11, 10),
            ["CHILD_MENTAL_HEALTH_OR_SELF_HARM"],
        ),
        ("health.gp_registration", "NONE", "EpisodeOfCare/gp-2019", date(2019, 2, 11), []),
        ("health.gp_registration", "NONE", "EpisodeOfCare/gp-2025", date(2025, 8, 19), []),
        (
            "health.development_or_growth",
            "LOW",
            "EpisodeOfCare/sn-2025",
            date(2025, 10, 20),
            ["CHILD_HEALTH_OR_DEVELOPMENT"],
        ),
    ]
    summaries = [finding["summary"] for finding in lily.findings]
    assert summaries == [
        "Attended the emergency department on 2 June 2025: asthma attack.",
        "Attended the emergency department on 18 January 2026: sprained left wrist, said to be"
        " from a fall.",
        "Injury treated in the emergency department on 18 January 2026: sprained left wrist,"
        " said to be from a fall.",
        "The school nurse recorded a concern on 20 January 2026: weight loss since the autumn;"
        " often tired in class.",
        "Missed 2 audiology appointments (October 2025 to January 2026).",
        "Missed a dental appointment on 2 December 2025.",
        "Child and adolescent mental health: anxiety and low mood; current, since 10 November"
        " 2025.",
        "Was registered with Canal Walk Surgery until August 2025.",
        "Registered with Larkfield Medical Practice since August 2025.",
        "Known to the school nursing service at Universal Plus level since 20 October 2025.",
    ]


def test_a_finding_in_full() -> None:
    attendance = _records()[LILY].findings[1]

    assert attendance == {
        "finding_id": support.finding_id(
            "health", "Encounter/ED-2026-011842", "health.ae_attendance", LILY
        ),
        "category": "health.ae_attendance",
        "concern_categories": ["UNEXPLAINED_INJURY"],
        "event_date": date(2026, 1, 18),
        "summary": "Attended the emergency department on 18 January 2026: sprained left wrist,"
        " said to be from a fall.",
        "detail": "Seen at Brookfold General Hospital. 2nd attendance in 12 months.",
        "severity": "LOW",
        "source_reference": "Encounter/ED-2026-011842",
    }


def test_details_of_missed_appointments_conditions_and_contacts() -> None:
    lily = _records()[LILY]
    details = {finding["source_reference"]: finding["detail"] for finding in lily.findings}

    assert (
        details["Appointment/CHS-AUD-77431"]
        == "Not attended on 7 October 2025 and 14 January 2026."
    )
    assert details["Condition/camhs-2025"] == (
        "Referred to CAMHS by the GP; awaiting a first appointment."
    )
    assert details["EpisodeOfCare/sn-2025"] == "2 contacts, the last on 20 January 2026."


def test_the_parents_findings() -> None:
    danielle = _records()[DANIELLE]

    assert support.digest(danielle) == [
        ("health.ae_attendance", "LOW", "Encounter/ED-2025-021977", date(2025, 12, 21), []),
        ("health.injury", "LOW", "Encounter/ED-2025-021977", date(2025, 12, 21), []),
        (
            "health.substance_misuse",
            "MODERATE",
            "Condition/alcohol-2024",
            date(2024, 3, 1),
            ["PARENTAL_SUBSTANCE_MISUSE"],
        ),
        (
            "health.parental_mental_health",
            "LOW",
            "Condition/pnd-2017",
            date(2017, 8, 1),
            ["PARENTAL_MENTAL_HEALTH"],
        ),
        ("health.gp_registration", "NONE", "EpisodeOfCare/gp-2025", date(2025, 8, 19), []),
        ("health.maternity", "NONE", "EpisodeOfCare/maternity-2016", date(2016, 10, 3), []),
    ]
    assert (
        danielle.findings[3]["summary"] == "Adult mental health: post-natal depression; resolved."
    )


def test_a_babys_injury_and_many_missed_reviews_are_serious() -> None:
    alfie = _records()[ALFIE]

    assert support.digest(alfie) == [
        (
            "health.ae_attendance",
            "LOW",
            "Encounter/ED-2025-015530",
            date(2025, 9, 27),
            ["UNEXPLAINED_INJURY"],
        ),
        (
            "health.injury",
            "SERIOUS",
            "Encounter/ED-2025-015530",
            date(2025, 9, 27),
            ["UNEXPLAINED_INJURY"],
        ),
        (
            "health.missed_appointments",
            "SERIOUS",
            "Appointment/HV-R-5",
            date(2026, 2, 10),
            ["CHILD_HEALTH_OR_DEVELOPMENT", "NEGLECT"],
        ),
        (
            "health.development_or_growth",
            "MODERATE",
            "EpisodeOfCare/hv-2025",
            date(2025, 4, 14),
            ["CHILD_HEALTH_OR_DEVELOPMENT"],
        ),
    ]
    assert alfie.person["names"] == [
        {"given_names": "Alfie James", "family_name": "Mercer", "name_type": "CURRENT"}
    ]
    assert alfie.findings[3]["detail"] == "1 contact, the last on 14 April 2025."


def test_every_person_and_finding_fits_the_schemas() -> None:
    support.assert_fits_schemas(_records().values())


def _copy_with(tmp_path: Path, nhs_number: str, change: Callable[[dict[str, Any]], None]) -> Path:
    folder = support.copy_fixtures(FIXTURES, tmp_path)
    path = folder / "patients" / f"{nhs_number}.json"
    bundle = json.loads(path.read_text(encoding="utf-8"))
    change(bundle)
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return folder


def _resource(bundle: dict[str, Any], resource_id: str) -> dict[str, Any]:
    return next(
        entry["resource"] for entry in bundle["entry"] if entry["resource"].get("id") == resource_id
    )


def test_partial_dates_of_birth_keep_their_precision(tmp_path: Path) -> None:
    def born_in_may(bundle: dict[str, Any]) -> None:
        _resource(bundle, "lily-rose")["birthDate"] = "2017-05"

    folder = _copy_with(tmp_path, LILY, born_in_may)

    person = _records(folder)[LILY].person
    assert person["date_of_birth"] == {"date": date(2017, 5, 1), "precision": "MONTH"}


def _set(resource_id: str, element: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(bundle: dict[str, Any]) -> None:
        resource = _resource(bundle, resource_id)
        if value is None:
            del resource[element]
        else:
            resource[element] = value

    return change


def _add(resource: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(bundle: dict[str, Any]) -> None:
        bundle["entry"].append({"resource": copy.deepcopy(resource)})

    return change


def _bundle(element: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(bundle: dict[str, Any]) -> None:
        if value is None:
            del bundle[element]
        else:
            bundle[element] = value

    return change


def _first_entry(element: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(bundle: dict[str, Any]) -> None:
        bundle["entry"][0][element] = value

    return change


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (_bundle("type", "searchset"), "type", "must be 'collection'"),
        (_bundle("timestamp", None), "timestamp", "the export time is required"),
        (_first_entry("request", {"method": "GET"}), "entry[0].request", "not used"),
        (
            _add({"resourceType": "Observation", "id": "x", "status": "final"}),
            "entry[16].resource.resourceType",
            "'Observation' is not part of this export",
        ),
        (
            _add({"resourceType": "Patient", "id": "twin"}),
            "entry",
            "needs one Patient, found 2",
        ),
        (
            _set("ED-2026-011842", "colour", "red"),
            "entry[7].resource.colour",
            "not FHIR R4",
        ),
        (
            _set("ED-2026-011842", "class", None),
            "entry[7].resource.class",
            "not FHIR R4",
        ),
        (
            _set("lily-rose", "birthDate", "2017-13-01"),
            "entry[0].resource.birthDate",
            "not FHIR R4",
        ),
        (
            _set("lily-rose", "identifier", [{"system": "x", "value": LILY}]),
            "entry[0].resource.identifier",
            "needs one identifier of https://fhir.nhs.uk/Id/nhs-number",
        ),
        (
            _set(
                "lily-rose",
                "identifier",
                [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990004128"}],
            ),
            "entry[0].resource.identifier",
            "'9990004128' is not a valid NHS number",
        ),
        (
            _set(
                "lily-rose",
                "identifier",
                [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": DANIELLE}],
            ),
            "entry[0].resource.identifier",
            f"the file is named for {LILY}",
        ),
        (_set("lily-rose", "gender", "f"), "entry[0].resource.gender", "not a FHIR gender"),
        (
            _set("lily-rose", "name", [{"use": "preferred", "family": "Calder"}]),
            "entry[0].resource.name[0].use",
            "'preferred' is not a FHIR name use",
        ),
        (_set("ED-2026-011842", "id", None), "entry[7].resource.id", "every resource needs an id"),
        (
            _set("gp-2025", "patient", {"reference": "Patient/someone-else"}),
            "entry[3].resource.patient",
            "does not reference the bundle's Patient",
        ),
        (
            _set("ED-2026-011842", "status", "done"),
            "entry[7].resource.status",
            "'done' is not a FHIR R4 status",
        ),
        (
            _set("ED-2026-011842", "subject", {"reference": "Patient/someone-else"}),
            "entry[7].resource.subject",
            "does not reference the bundle's Patient",
        ),
        (
            _set("ED-2026-011842", "period", {"end": "2026-01-18T23:10:00Z"}),
            "entry[7].resource.period.start",
            "required for A&E and community contacts",
        ),
        (
            _set(
                "ED-2026-011842",
                "reasonCode",
                [{"coding": [{"system": LOCAL + "ae-presentation", "code": "fall"}]}],
            ),
            "entry[7].resource.reasonCode",
            "'fall' is not an A&E presentation",
        ),
        (
            _set("CHS-AUD-77431", "serviceType", None),
            "entry[11].resource.serviceType",
            "a missed appointment needs its service",
        ),
        (
            _set(
                "CHS-AUD-77431", "participant", [{"actor": {"display": "GP"}, "status": "accepted"}]
            ),
            "entry[11].resource.participant",
            "no participant is the patient",
        ),
        (
            _set("camhs-2025", "clinicalStatus", None),
            "entry[14].resource.clinicalStatus",
            "None is not a clinical status",
        ),
        (
            _set(
                "camhs-2025",
                "severity",
                {"coding": [{"system": "http://snomed.info/sct", "code": "1"}]},
            ),
            "entry[14].resource.severity",
            "'1' is not a SNOMED CT severity",
        ),
        (
            _set(
                "sn-2025",
                "type",
                [{"coding": [{"system": LOCAL + "care-episode-type", "code": "dentistry"}]}],
            ),
            "entry[4].resource.type",
            "'dentistry' is not an episode of care type",
        ),
        (
            _set("gp-2025", "managingOrganization", None),
            "entry[3].resource.managingOrganization.display",
            "name the practice",
        ),
    ],
)
def test_invalid_bundles_are_refused_naming_the_file_and_field(
    tmp_path: Path,
    change: Callable[[dict[str, Any]], None],
    field: str,
    problem: str,
) -> None:
    folder = _copy_with(tmp_path, LILY, change)

    error = support.refusal(_records, folder)

    path = folder / "patients" / f"{LILY}.json"
    assert error.path == path
    assert error.field == field
    assert str(error).startswith(f"{path}, field {field}: ")
    assert problem in str(error)


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "patients").mkdir()
    (tmp_path / "patients" / f"{LILY}.json").write_text("{not json", encoding="utf-8")

    with pytest.raises(InvalidExport, match="not readable JSON"):
        _records(tmp_path)


def test_an_export_without_its_patients_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidExport, match="the export has no patients folder"):
        _records(tmp_path)


# The synthetic export -------------------------------------------------------------------------

TODAY = date(2026, 3, 3)
HOME = Address(("14 Larkfield Close", "Brookfold"), "Wigan", "WN1 9ZZ", date(2025, 8, 1))
FLAT = Address(("Flat 3, Kestrel House",), "Wigan", "WN3 9ZY", date(2019, 2, 1), date(2025, 7, 31))


def _person(
    key: str, family: str, role: str, given: str, born: date, gender: str, nhs: str
) -> SyntheticPerson:
    return SyntheticPerson(
        key, family, role, given, family.title(), born, gender, nhs, (FLAT, HOME)
    )


def _partnership() -> Partnership:
    calder = Family(
        "calder",
        (
            _person("c-mum", "calder", "PARENT", "Danielle", date(1992, 9, 2), "FEMALE", DANIELLE),
            _person("c-child", "calder", "CHILD", "Lily-Rose", date(2017, 5, 14), "FEMALE", LILY),
            _person("c-baby", "calder", "SIBLING", "Alfie", date(2025, 4, 2), "MALE", ALFIE),
        ),
        level_of_need=4,
        concerns=frozenset({"PHYSICAL_ABUSE", "PARENTAL_SUBSTANCE_MISUSE", "PRE_BIRTH_CONCERN"}),
    )
    shaw = Family(
        "shaw",
        (
            _person("s-dad", "shaw", "PARENT", "Martin", date(1980, 1, 30), "MALE", "9990004153"),
            _person("s-son", "shaw", "CHILD", "Kyle", date(2011, 10, 9), "MALE", "9990004161"),
        ),
        level_of_need=1,
        concerns=frozenset(),
    )
    partnership = Partnership(seed=11, reference_date=TODAY, families=[calder, shaw])
    views: dict[str, AgencyView] = {}
    for person in support.members(partnership):
        view = support.view_of(person, person.nhs_number, {"NHS_NUMBER": person.nhs_number})
        if person.key == "c-mum":
            view = replace(view, given_names="Danni")
        if person.key == "s-dad":
            view = replace(view, date_of_birth=None)
        views[person.key] = view
    partnership.views["health"] = views
    return partnership


def test_the_synthetic_export_reads_back(tmp_path: Path) -> None:
    partnership = _partnership()

    written = write(partnership, tmp_path)

    records = _records(tmp_path)
    assert written == len(records) == 5
    views = partnership.views["health"]
    for view in views.values():
        record = records[view.record_id]
        current = record.person["names"][0]
        assert (current["given_names"], current["family_name"]) == (
            view.given_names,
            view.family_name,
        )
        born = record.person["date_of_birth"]
        assert (born["date"] if born else None) == view.date_of_birth
        assert record.person["gender"] == view.gender
        assert record.identity.postcodes == ("WN1 9ZZ", "WN3 9ZY")
        assert record.identity.identifiers == frozenset({("NHS_NUMBER", view.record_id)})
    support.assert_fits_schemas(records.values())


def test_synthetic_events_follow_the_familys_story(tmp_path: Path) -> None:
    write(_partnership(), tmp_path)
    records = _records(tmp_path)

    def categories(nhs_number: str) -> set[str]:
        return support.categories_of(records[nhs_number])

    assert {"health.maternity", "health.substance_misuse"} <= categories(DANIELLE)
    assert "health.injury" in categories(LILY)
    assert "health.development_or_growth" in categories(ALFIE)  # the health visitor
    assert all("health.gp_registration" in categories(number) for number in records)
    kyle = records["9990004161"]
    assert {finding["severity"] for finding in kyle.findings} <= {"NONE", "LOW", "MODERATE"}


def test_the_synthetic_export_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    write(_partnership(), tmp_path / "first")
    write(_partnership(), tmp_path / "second")

    support.assert_same_files(tmp_path / "first" / "patients", tmp_path / "second" / "patients")
