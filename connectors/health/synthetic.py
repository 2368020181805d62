"""A synthetic health export: one FHIR bundle for everyone health knows in a partnership.

Each patient's events follow the family's story: the level of need sets how much
happens (missed appointments, A&E attendances, the health visiting service level),
and the concerns decide what (injuries for PHYSICAL_ABUSE, a CAMHS condition for
CHILD_MENTAL_HEALTH_OR_SELF_HARM, a maternity episode for PRE_BIRTH_CONCERN...).
Only ``partnership.rng_for("health")`` supplies randomness, so a seed always gives
the same files.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from connectors.health.fhir import (
    ACT_CODE_SYSTEM,
    CLINICAL_STATUS_SYSTEM,
    LOCAL_CODES,
    NHS_NUMBER_SYSTEM,
    SNOMED_CT,
)
from connectors.synthetic.model import Family, Partnership, SyntheticPerson
from connectors.synthetic.names import GP_PRACTICES

AGENCY = "health"
HOSPITAL = "Brookfold General Hospital"
_CHILD_ROLES = ("CHILD", "SIBLING")
_PARENT_ROLES = ("PARENT", "CARER")
_SEVERITY = {2: ("255604002", "Mild"), 3: ("6736007", "Moderate"), 4: ("24484000", "Severe")}
_LEVELS = ("universal", "universal-plus", "universal-partnership-plus")
_INJURIES = (
    "bruising to the upper arm, said to be from a fall",
    "sprained wrist after a fall at a trampoline park",
    "scald to the hand from a hot drink",
    "head injury after a fall down the stairs",
    "fractured forearm, said to have fallen from a climbing frame",
    "cut to the forehead",
)
_INFANT_INJURIES = ("bruising to the cheek of a non-mobile baby", "swollen thigh, no clear account")
_ADULT_INJURIES = ("facial bruising, said to have walked into a door", "fractured finger")
_ILLNESSES = ("high temperature", "asthma attack", "vomiting and diarrhoea", "abdominal pain")
_SELF_HARM = ("cuts to the forearms (self-harm)", "paracetamol overdose")
_INTOXICATION = ("intoxicated with alcohol", "collapsed after taking street drugs")
_CHILD_SERVICES = ("audiology", "dental", "health visitor review", "immunisation", "paediatrics")
_ADULT_SERVICES = ("GP review", "adult mental health", "drug and alcohol service", "diabetes")
_CONTACT_CONCERNS = ("faltering growth", "speech and language delay", "home conditions poor")
_MIDWIFE_CONCERNS = ("late booking at 24 weeks", "missed antenatal scan")
#: concern: (who, local condition category, descriptions).
_CONDITIONS = {
    "CHILD_MENTAL_HEALTH_OR_SELF_HARM": (
        "child8",
        "mental-health",
        ("anxiety and low mood", "self-harm", "eating disorder"),
    ),
    "CHILD_SUBSTANCE_MISUSE": ("child12", "substance-misuse", ("cannabis use", "alcohol misuse")),
    "CHILD_HEALTH_OR_DEVELOPMENT": (
        "child0",
        "developmental",
        ("global developmental delay", "speech and language delay"),
    ),
    "DISABILITY_OR_COMPLEX_NEEDS": ("child0", "disability", ("autism", "cerebral palsy")),
    "PARENTAL_MENTAL_HEALTH": ("parent", "mental-health", ("depression", "anxiety disorder")),
    "PARENTAL_SUBSTANCE_MISUSE": (
        "parent",
        "substance-misuse",
        ("alcohol dependence", "heroin use, on a methadone programme"),
    ),
    "PARENTAL_LEARNING_DISABILITY": (
        "parent",
        "learning-disability",
        ("mild learning disability", "moderate learning disability"),
    ),
}


def write(partnership: Partnership, folder: Path) -> int:
    """Write ``patients/<nhs-number>.json`` for everyone in ``partnership.views["health"]``.

    Returns:
        How many patients were written.
    """
    rng = partnership.rng_for(AGENCY)
    today = partnership.reference_date
    patients = folder / "patients"
    patients.mkdir(parents=True, exist_ok=True)
    people = {
        person.key: (family, person) for family in partnership.families for person in family.members
    }
    written = 0
    for key, view in partnership.views.get(AGENCY, {}).items():
        family, person = people[key]
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            "id": view.record_id,
            "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": view.record_id}],
            "name": _names(rng, view.given_names, view.family_name),
            "gender": {"FEMALE": "female", "MALE": "male", "OTHER": "other"}.get(
                view.gender, "unknown"
            ),
            "address": [
                {
                    "use": "old" if address.to_date else "home",
                    "line": list(address.lines),
                    "city": address.town,
                    "postalCode": address.postcode,
                    "period": _period(address.from_date, address.to_date),
                }
                for address in view.addresses
            ],
        }
        if view.date_of_birth:
            patient["birthDate"] = view.date_of_birth.isoformat()
        story = _Story(rng, today, family, person, f"Patient/{view.record_id}")
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": f"{today.isoformat()}T06:00:00Z",
            "entry": [{"resource": resource} for resource in (patient, *story.resources())],
        }
        text = json.dumps(bundle, ensure_ascii=False, separators=(",", ":"))
        (patients / f"{view.record_id}.json").write_text(text, encoding="utf-8")
        written += 1
    return written


def _names(rng: random.Random, given: str, family: str) -> list[dict[str, Any]]:
    names: list[dict[str, Any]] = [{"use": "official", "family": family, "given": given.split()}]
    first = given.replace("-", " ").split()[0] if given else ""
    if first and first != given and rng.random() < 0.3:
        names.append({"use": "usual", "family": family, "given": [first]})
    return names


def _period(start: date | None, end: date | None) -> dict[str, str]:
    period = {"start": start.isoformat()} if start else {}
    if end:
        period["end"] = end.isoformat()
    return period


class _Story:
    """One patient's invented events, drawn from the family's level of need and concerns."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        family: Family,
        person: SyntheticPerson,
        patient_ref: str,
    ) -> None:
        self.rng = rng
        self.today = today
        self.family = family
        self.person = person
        self.subject = {"reference": patient_ref}
        self.level = family.level_of_need
        self.concerns = family.concerns
        self.age = person.age_on(today)
        self.born = person.date_of_birth
        self.child = self.age < 18
        self.parent = person.role in _PARENT_ROLES
        self.made: list[dict[str, Any]] = []

    def resources(self) -> list[dict[str, Any]]:
        """Every resource of the patient's story, after the Patient."""
        if self.born > self.today:
            return []
        self._gp_registration()
        self._community_episodes()
        self._missed_appointments()
        self._attendances()
        self._conditions()
        return self.made

    def _add(self, resource: dict[str, Any]) -> str:
        resource["id"] = f"{resource['resourceType'].lower()}-{len(self.made) + 1}"
        self.made.append(resource)
        return f"{resource['resourceType']}/{resource['id']}"

    def _day_since(self, earliest: date, latest: date | None = None) -> date:
        earliest = max(earliest, self.born)
        latest = latest or self.today - timedelta(days=1)
        return earliest + timedelta(days=self.rng.randrange(max(1, (latest - earliest).days)))

    def _count(self, rates: tuple[float, float, float, float], extra: float = 0.0) -> int:
        rate = rates[self.level - 1] + extra
        return int(rate) + (1 if self.rng.random() < rate - int(rate) else 0)

    def _episode(self, kind: str, level: str | None, start: date, end: date | None) -> str:
        types = [{"coding": [{"system": LOCAL_CODES + "care-episode-type", "code": kind}]}]
        if level:
            types.append({"coding": [{"system": LOCAL_CODES + "service-level", "code": level}]})
        episode = {
            "resourceType": "EpisodeOfCare",
            "status": "finished" if end else "active",
            "type": types,
            "patient": self.subject,
            "period": _period(start, end),
        }
        if kind == "gp-registration":
            episode["managingOrganization"] = {"display": self.rng.choice(GP_PRACTICES)}
        return self._add(episode)

    def _gp_registration(self) -> None:
        start = self._day_since(self.today - timedelta(days=4000), self.today - timedelta(days=60))
        lapsed = 0.15 if "NEGLECT" in self.concerns and self.level == 4 else 0.01
        end = self._day_since(start + timedelta(days=30)) if self.rng.random() < lapsed else None
        self._episode("gp-registration", None, start, end)

    def _service_level(self) -> str:
        step = self.rng.random() < 0.35
        if self.level == 4:
            return _LEVELS[2 if step or self.rng.random() < 0.7 else 1]
        return _LEVELS[{1: 0, 2: int(step), 3: 1 + int(step)}[self.level]]

    def _community_episodes(self) -> None:
        if self.age < 5:
            start = min(self.born + timedelta(days=12), self.today)
            self._contacts("health-visiting", "health-visitor-contact", start, _CONTACT_CONCERNS)
        elif self.child and self.level >= 2 and self.rng.random() < 0.2 * self.level:
            start = self._day_since(self.today - timedelta(days=700))
            self._contacts("school-nursing", "school-nurse-contact", start, _CONTACT_CONCERNS)
        if self.person.gender != "FEMALE" or not self.parent or not 16 <= self.age <= 45:
            return
        if "PRE_BIRTH_CONCERN" in self.concerns:
            start = self.today - timedelta(days=self.rng.randrange(90, 200))
            self._contacts("maternity", "midwife-contact", start, _MIDWIFE_CONCERNS)
            return
        infants = [m.date_of_birth for m in self.family.members if m.age_on(self.today) == 0]
        if infants and infants[0] <= self.today:
            start = infants[0] - timedelta(days=240)
            self._episode("maternity", "universal", start, infants[0] + timedelta(days=10))

    def _contacts(self, kind: str, contact: str, start: date, concerns: tuple[str, ...]) -> None:
        level = self._service_level()
        episode = self._episode(kind, level, start, None)
        worried = self.level >= 2 and bool(
            self.concerns & {"NEGLECT", "CHILD_HEALTH_OR_DEVELOPMENT", "PRE_BIRTH_CONCERN"}
        )
        for number in range(1 + self.level + self.rng.randrange(3)):
            encounter: dict[str, Any] = {
                "resourceType": "Encounter",
                "status": "finished",
                "class": {"system": ACT_CODE_SYSTEM, "code": "HH"},
                "type": [
                    {
                        "coding": [
                            {"system": LOCAL_CODES + "community-contact-type", "code": contact}
                        ]
                    }
                ],
                "subject": self.subject,
                "episodeOfCare": [{"reference": episode}],
                "period": {"start": f"{self._day_since(start).isoformat()}T10:30:00Z"},
            }
            if worried and number < 2:
                encounter["reasonCode"] = [{"text": self.rng.choice(concerns)}]
            self._add(encounter)

    def _missed_appointments(self) -> None:
        neglect = bool(self.concerns & {"NEGLECT", "CHILD_HEALTH_OR_DEVELOPMENT"})
        if self.child:
            count = self._count((0.1, 0.6, 1.5, 2.5), 1.5 if neglect else 0.0)
        else:
            count = self._count((0.05, 0.3, 0.8, 1.2))
        services = _CHILD_SERVICES if self.child else _ADULT_SERVICES
        chosen = self.rng.sample(services, 2)
        for _ in range(count):
            when = self._day_since(self.today - timedelta(days=540))
            self._add(
                {
                    "resourceType": "Appointment",
                    "status": "noshow",
                    "serviceType": [{"text": self.rng.choice(chosen)}],
                    "start": f"{when.isoformat()}T09:15:00Z",
                    "participant": [{"actor": self.subject, "status": "accepted"}],
                }
            )

    def _attendances(self) -> None:
        rates = (0.15, 0.3, 0.6, 1.0) if self.child else (0.1, 0.2, 0.4, 0.6)
        visits = [
            ("injury" if self.rng.random() < 0.6 else "illness") for _ in range(self._count(rates))
        ]
        harmed = self.concerns & {"PHYSICAL_ABUSE", "UNEXPLAINED_INJURY"}
        if self.child and harmed:
            visits += ["injury"] * self._count((1.0, 1.0, 1.5, 2.0))
        if self.child and self.age >= 11 and "CHILD_MENTAL_HEALTH_OR_SELF_HARM" in self.concerns:
            visits += ["self-harm"] * self._count((0.3, 0.5, 0.8, 1.2))
        if self.child and self.age >= 12 and "CHILD_SUBSTANCE_MISUSE" in self.concerns:
            visits.append("alcohol-or-drugs")
        if not self.child and self.parent:
            if "DOMESTIC_ABUSE" in self.concerns and self.person.gender == "FEMALE":
                visits += ["injury"] * self._count((0.5, 0.5, 0.8, 1.2))
            if "PARENTAL_SUBSTANCE_MISUSE" in self.concerns:
                visits += ["alcohol-or-drugs"] * self._count((0.3, 0.5, 0.8, 1.0))
        for presentation in visits:
            when = self._day_since(self.today - timedelta(days=730))
            self._add(
                {
                    "resourceType": "Encounter",
                    "status": "finished",
                    "class": {"system": ACT_CODE_SYSTEM, "code": "EMER"},
                    "subject": self.subject,
                    "serviceProvider": {"display": HOSPITAL},
                    "period": {"start": f"{when.isoformat()}T{self.rng.randrange(24):02d}:05:00Z"},
                    "reasonCode": [
                        {
                            "coding": [
                                {"system": LOCAL_CODES + "ae-presentation", "code": presentation}
                            ],
                            "text": self.rng.choice(self._reasons(presentation, when)),
                        }
                    ],
                }
            )

    def _reasons(self, presentation: str, when: date) -> tuple[str, ...]:
        if presentation == "injury":
            infant = (when - self.born).days < 730
            return _INFANT_INJURIES if infant else _INJURIES if self.child else _ADULT_INJURIES
        return {"self-harm": _SELF_HARM, "alcohol-or-drugs": _INTOXICATION}.get(
            presentation, _ILLNESSES
        )

    def _conditions(self) -> None:
        for concern in sorted(self.concerns & _CONDITIONS.keys()):
            who, category, descriptions = _CONDITIONS[concern]
            if who == "parent":
                applies = self.parent and not self.child
            else:
                applies = self.child and self.age >= int(who[5:])
                applies = applies and (self.person.role == "CHILD" or self.rng.random() < 0.3)
            if not applies or self.level < 2:
                continue
            code, display = _SEVERITY[self.level]
            resolved = self.rng.random() < 0.15
            onset = self._day_since(
                self.today - timedelta(days=900), self.today - timedelta(days=30)
            )
            self._add(
                {
                    "resourceType": "Condition",
                    "clinicalStatus": {
                        "coding": [
                            {
                                "system": CLINICAL_STATUS_SYSTEM,
                                "code": "resolved" if resolved else "active",
                            }
                        ]
                    },
                    "category": [
                        {
                            "coding": [
                                {
                                    "system": LOCAL_CODES + "safeguarding-condition-category",
                                    "code": category,
                                }
                            ]
                        }
                    ],
                    "severity": {
                        "coding": [{"system": SNOMED_CT, "code": code, "display": display}]
                    },
                    "code": {"text": self.rng.choice(descriptions)},
                    "subject": self.subject,
                    "onsetDateTime": onset.isoformat(),
                }
            )
