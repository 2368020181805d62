"""Health records: one FHIR R4 Bundle per patient, read as people and findings.

The export format is described in ``FORMAT.md`` beside this module. Each bundle is
validated against the FHIR R4B models of ``fhir.resources`` (the resources used here
are identical in R4 and R4B); the codes the mapping depends on are then checked here
against their required value sets and the local code systems ``FORMAT.md`` lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from broker.identity import Identity
from connectors import native
from connectors.health import findings
from connectors.health.fhir import LONDON, NHS_NUMBER_SYSTEM, day
from connectors.native import InvalidExport
from connectors.records import AgencyRecord

AGENCY = "health"

_NAME_TYPES = {
    "official": "CURRENT",
    "usual": "KNOWN_AS",
    "nickname": "KNOWN_AS",
    "old": "PREVIOUS",
    "maiden": "PREVIOUS",
    "temp": "OTHER",
    "anonymous": "OTHER",
}
_NAME_ORDER = ("CURRENT", "KNOWN_AS", "ALIAS", "PREVIOUS", "BIRTH", "OTHER")
_GENDERS = {"female": "FEMALE", "male": "MALE", "other": "OTHER", "unknown": "UNKNOWN"}
#: The required value set of each resource's status, space separated.
_STATUSES: dict[type[Any], str] = {
    Encounter: "planned arrived triaged in-progress onleave finished cancelled entered-in-error"
    " unknown",
    Appointment: "proposed pending booked arrived fulfilled cancelled noshow entered-in-error"
    " checked-in waitlist",
    EpisodeOfCare: "planned waitlist active onhold finished cancelled entered-in-error",
}
#: The resource types a bundle may hold; Organization and Practitioner are only read
#: as the targets of references.
_MODELS: dict[str, type[DomainResource]] = {
    model.__name__: model
    for model in (
        Patient,
        Encounter,
        Appointment,
        Condition,
        EpisodeOfCare,
        Organization,
        Practitioner,
    )
}
_ENTRY_FIELDS = frozenset({"fullUrl", "resource", "id", "extension", "modifierExtension", "link"})
_Model = TypeVar("_Model", bound=Resource)


@dataclass
class PatientBundle:
    """One patient's resources, checked, with each resource's place in the bundle."""

    path: Path
    exported_on: date
    patient: Patient
    patient_at: str
    patient_refs: frozenset[str]
    encounters: list[tuple[str, Encounter]] = field(default_factory=list)
    appointments: list[tuple[str, Appointment]] = field(default_factory=list)
    conditions: list[tuple[str, Condition]] = field(default_factory=list)
    episodes: list[tuple[str, EpisodeOfCare]] = field(default_factory=list)

    def fail(self, where: str, problem: str) -> InvalidExport:
        """An error naming this bundle's file, the entry and field, and the problem."""
        return InvalidExport(self.path, None, where, problem)

    def birth_date(self) -> date | None:
        """The patient's full date of birth, if recorded to the day."""
        born = self.patient.birthDate
        return born if isinstance(born, date) else None


class HealthBackend:
    """Reads ``patients/<nhs-number>.json`` FHIR bundles from the health export folder."""

    agency = AGENCY

    def load(self, folder: Path) -> Iterator[AgencyRecord]:
        """Every patient in the export, in NHS-number order.

        Raises:
            InvalidExport: a file is not a valid bundle of this format.
        """
        patients = folder / "patients"
        if not patients.is_dir():
            raise InvalidExport(patients, None, None, "the export has no patients folder")
        for path in sorted(patients.glob("*.json")):
            bundle = read_bundle(path)
            person = recorded_person(bundle)
            record_id = person["identifiers"][0]["value"]
            yield AgencyRecord(
                record_id=record_id,
                identity=Identity.from_person(person),
                person=person,
                findings=findings.all_findings(bundle, record_id),
            )


def read_bundle(path: Path) -> PatientBundle:
    """The checked resources of one patient's bundle file."""
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InvalidExport(path, None, None, f"not readable JSON ({exc})") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("entry", []), list):
        raise InvalidExport(path, None, "entry", "a Bundle object with an entry array is required")
    # Each resource is validated with its own model: quicker than the Bundle's
    # polymorphic dispatch, and the error names the entry directly.
    bundle = _validated(path, "", Bundle, {key: raw[key] for key in raw if key != "entry"})
    if bundle.type != "collection":
        raise InvalidExport(path, None, "type", f"must be 'collection', not {bundle.type!r}")
    if bundle.timestamp is None:
        raise InvalidExport(path, None, "timestamp", "the export time is required")
    resources: list[tuple[str, Any, str | None]] = []
    for index, entry in enumerate(raw.get("entry", [])):
        where = f"entry[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            raise InvalidExport(path, None, f"{where}.resource", "every entry needs a resource")
        if unused := sorted(set(entry) - _ENTRY_FIELDS):
            raise InvalidExport(path, None, f"{where}.{unused[0]}", "not used in a collection")
        kind = entry["resource"].get("resourceType")
        model = _MODELS.get(kind) if isinstance(kind, str) else None
        if model is None:
            raise InvalidExport(
                path, None, f"{where}.resource.resourceType", f"{kind!r} is not part of this export"
            )
        resource = _validated(path, f"{where}.resource", model, entry["resource"])
        resources.append((f"{where}.resource", resource, entry.get("fullUrl")))
    patients = [(where, res, url) for where, res, url in resources if isinstance(res, Patient)]
    if len(patients) != 1:
        raise InvalidExport(path, None, "entry", f"needs one Patient, found {len(patients)}")
    where, patient, full_url = patients[0]
    if not patient.id:
        raise InvalidExport(path, None, f"{where}.id", "the Patient needs an id")
    checked = PatientBundle(
        path=path,
        exported_on=bundle.timestamp.astimezone(LONDON).date(),
        patient=patient,
        patient_at=where,
        patient_refs=frozenset({f"Patient/{patient.id}", *([full_url] if full_url else [])}),
    )
    for where, resource, _ in resources:
        _file(checked, where, resource)
    return checked


def _validated(path: Path, where: str, model: type[_Model], raw: dict[str, Any]) -> _Model:
    """``raw`` as ``model``, or an error naming the first field FHIR R4 does not allow."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field_path = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
        )
        place = f"{where}{field_path}".lstrip(".")
        raise InvalidExport(path, None, place or None, f"not FHIR R4: {first['msg']}") from exc


def _file(bundle: PatientBundle, where: str, resource: Any) -> None:
    """Check one resource and put it in its list."""
    if isinstance(resource, Patient | Organization | Practitioner):
        return
    if not resource.id:
        raise bundle.fail(f"{where}.id", "every resource needs an id (it is the source reference)")
    allowed = _STATUSES.get(type(resource))
    status = getattr(resource, "status", None)
    if allowed is not None and status not in allowed.split():
        raise bundle.fail(f"{where}.status", f"{status!r} is not a FHIR R4 status")
    if isinstance(resource, Appointment):
        actors = [part.actor for part in resource.participant if part.actor is not None]
        if not any(_names_patient(bundle, actor) for actor in actors):
            raise bundle.fail(f"{where}.participant", "no participant is the patient")
        bundle.appointments.append((where, resource))
        return
    element = "patient" if isinstance(resource, EpisodeOfCare) else "subject"
    if not _names_patient(bundle, getattr(resource, element)):
        raise bundle.fail(f"{where}.{element}", "does not reference the bundle's Patient")
    if isinstance(resource, Encounter):
        bundle.encounters.append((where, resource))
    elif isinstance(resource, Condition):
        bundle.conditions.append((where, resource))
    else:
        bundle.episodes.append((where, resource))


def _names_patient(bundle: PatientBundle, reference: Reference | None) -> bool:
    return reference is not None and reference.reference in bundle.patient_refs


def recorded_person(bundle: PatientBundle) -> dict[str, Any]:
    """The patient as a ``uk.mash.v1.Person`` value."""
    patient, where = bundle.patient, bundle.patient_at
    numbers = [i.value for i in patient.identifier or [] if i.system == NHS_NUMBER_SYSTEM]
    if len(numbers) != 1 or not numbers[0]:
        raise bundle.fail(f"{where}.identifier", f"needs one identifier of {NHS_NUMBER_SYSTEM}")
    nhs_number = numbers[0]
    if not valid_nhs_number(nhs_number):
        raise bundle.fail(f"{where}.identifier", f"{nhs_number!r} is not a valid NHS number")
    if bundle.path.stem != nhs_number:
        raise bundle.fail(f"{where}.identifier", f"the file is named for {bundle.path.stem}")
    gender = _GENDERS.get(patient.gender or "unknown")
    if gender is None:
        raise bundle.fail(f"{where}.gender", f"{patient.gender!r} is not a FHIR gender")
    return native.person(
        AGENCY,
        nhs_number,
        names=_names(bundle),
        date_of_birth=_date_of_birth(bundle),
        gender=gender,
        addresses=_addresses(bundle),
        identifiers=[{"scheme": "NHS_NUMBER", "value": nhs_number, "issuer": None}],
    )


def valid_nhs_number(value: str) -> bool:
    """Ten digits whose last is the modulus 11 check digit of the first nine."""
    if not re.fullmatch(r"\d{10}", value):
        return False
    check = 11 - sum(int(digit) * (10 - place) for place, digit in enumerate(value[:9])) % 11
    return check != 10 and check % 11 == int(value[9])


def _names(bundle: PatientBundle) -> list[dict[str, Any]]:
    recorded: list[tuple[str, str | None, str | None]] = []
    for index, name in enumerate(bundle.patient.name or []):
        name_type = _NAME_TYPES.get(name.use or "official")
        if name_type is None:
            where = f"{bundle.patient_at}.name[{index}].use"
            raise bundle.fail(where, f"{name.use!r} is not a FHIR name use")
        given = " ".join(part for part in name.given or [] if part) or None
        if given or name.family:
            recorded.append((name_type, given, name.family))
    recorded.sort(key=lambda name: _NAME_ORDER.index(name[0]))
    names: dict[tuple[str | None, str | None], dict[str, Any]] = {}
    for name_type, given, family in recorded:
        names.setdefault((given, family), native.person_name(given, family, name_type))
    return list(names.values())


def _date_of_birth(bundle: PatientBundle) -> dict[str, Any] | None:
    born: object = bundle.patient.birthDate
    if born is None:
        return None
    if isinstance(born, date):
        return native.date_of_birth(born)
    # FHIR allows a partial date ("2017" or "2017-05"); the library keeps it as text.
    year, _, month = str(born).partition("-")
    if month:
        return native.date_of_birth(date(int(year), int(month), 1), "MONTH")
    return native.date_of_birth(date(int(year), 1, 1), "YEAR")


def _addresses(bundle: PatientBundle) -> list[dict[str, Any]]:
    addresses = []
    for address in bundle.patient.address or []:
        if address.use in ("work", "billing"):
            continue
        period = address.period
        to_date = day(period.end) if period else None
        current = to_date is None and address.use != "old"
        from_date = day(period.start) if period else None
        addresses.append(
            (
                (not current, -(from_date or date.min).toordinal()),
                native.address(
                    [line for line in address.line or [] if line],
                    address.city,
                    native.normal_postcode(address.postalCode),
                    from_date=from_date,
                    to_date=to_date,
                ),
            )
        )
    return [address for _, address in sorted(addresses, key=lambda pair: pair[0])]
