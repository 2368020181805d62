"""What a patient's health records say, as ``uk.mash.v1.Finding`` values.

The rules are those of ``FORMAT.md`` ("Findings"): A&E attendances and injuries,
missed appointments per service, mental health, substance misuse, developmental and
disability conditions, and the maternity, health visiting, school nursing and GP
registration episodes of care.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.episodeofcare import EpisodeOfCare

from connectors import native
from connectors.health.fhir import (
    ACT_CODE_SYSTEM,
    CLINICAL_STATUS_SYSTEM,
    LOCAL_CODES,
    SNOMED_CT,
    VERIFICATION_STATUS_SYSTEM,
    day,
    first_code,
    first_text,
)
from connectors.native import listed, month, spoken

if TYPE_CHECKING:
    from connectors.health.records import PatientBundle

AGENCY = "health"

SEVERITY_ORDER = ("UNKNOWN", "NONE", "LOW", "MODERATE", "SERIOUS")
_DEVELOPMENT = "CHILD_HEALTH_OR_DEVELOPMENT"
_DISABILITY = "DISABILITY_OR_COMPLEX_NEEDS"
_PRESENTATIONS = ("injury", "self-harm", "alcohol-or-drugs", "illness", "other")
_CONTACT_TYPES = {
    "health-visitor-contact": "health visitor",
    "school-nurse-contact": "school nurse",
    "midwife-contact": "midwife",
}
_EPISODE_TYPES = {
    "maternity": "maternity care",
    "health-visiting": "the health visiting service",
    "school-nursing": "the school nursing service",
    "gp-registration": "GP registration",
}
_SERVICE_LEVELS = {
    "universal": ("Universal", "NONE"),
    "universal-plus": ("Universal Plus", "LOW"),
    "universal-partnership-plus": ("Universal Partnership Plus", "MODERATE"),
}
_CONDITION_SEVERITIES = {"255604002": "LOW", "6736007": "MODERATE", "24484000": "SERIOUS"}
_CLINICAL_STATUSES = {
    "active": "current",
    "recurrence": "current (recurred)",
    "relapse": "current (relapsed)",
    "inactive": "inactive",
    "remission": "in remission",
    "resolved": "resolved",
}
#: Local condition category: (finding category, label, concern for a child, for an adult).
_CONDITIONS = {
    "mental-health": (
        "parental_mental_health",
        "Adult mental health",
        "CHILD_MENTAL_HEALTH_OR_SELF_HARM",
        "PARENTAL_MENTAL_HEALTH",
    ),
    "substance-misuse": (
        "substance_misuse",
        "Substance misuse",
        "CHILD_SUBSTANCE_MISUSE",
        "PARENTAL_SUBSTANCE_MISUSE",
    ),
    "developmental": ("development_or_growth", "Developmental concern", *2 * [_DEVELOPMENT]),
    "disability": ("disability_or_complex_needs", "Disability", *2 * [_DISABILITY]),
    "learning-disability": (
        "disability_or_complex_needs",
        "Learning disability",
        _DISABILITY,
        "PARENTAL_LEARNING_DISABILITY",
    ),
}


def all_findings(bundle: PatientBundle, record_id: str) -> tuple[dict[str, Any], ...]:
    """Every finding in one patient's bundle, in the order of ``FORMAT.md``'s rules."""
    contacts: dict[str, list[date]] = defaultdict(list)
    found = [
        *_encounter_findings(bundle, record_id, contacts),
        *_missed_appointments(bundle, record_id),
        *_condition_findings(bundle, record_id),
        *_episode_findings(bundle, record_id, contacts),
    ]
    return tuple(found)


#: A health finding: ``finding(record_id, category, source_reference, *, concerns, ...)``.
finding = partial(native.finding, AGENCY)


def _encounter_findings(
    bundle: PatientBundle, record_id: str, contacts: dict[str, list[date]]
) -> list[dict[str, Any]]:
    """A&E attendances, injuries and concerns raised at community contacts."""
    found: list[dict[str, Any]] = []
    attendances: list[date] = []
    injuries: list[date] = []
    for where, encounter in sorted(bundle.encounters, key=lambda pair: _start(pair[1])):
        if encounter.status in ("planned", "cancelled", "entered-in-error"):
            continue
        if encounter.class_fhir.system not in (None, ACT_CODE_SYSTEM):
            raise bundle.fail(f"{where}.class.system", f"must be {ACT_CODE_SYSTEM}")
        emergency = encounter.class_fhir.code == "EMER"
        contact_type = first_code(encounter.type, LOCAL_CODES + "community-contact-type")
        if not emergency and contact_type is None:
            continue
        when = day(encounter.period.start if encounter.period else None)
        if when is None:
            raise bundle.fail(f"{where}.period.start", "required for A&E and community contacts")
        if emergency:
            attendances.append(when)
            found.extend(_attendance(bundle, where, record_id, encounter, attendances, injuries))
            continue
        if contact_type not in _CONTACT_TYPES:
            raise bundle.fail(f"{where}.type", f"{contact_type!r} is not a community contact type")
        for reference in encounter.episodeOfCare or []:
            contacts[reference.reference or ""].append(when)
        reason = first_text(encounter.reasonCode)
        if reason is None:
            continue
        maternity = contact_type == "midwife-contact"
        found.append(
            finding(
                record_id,
                "maternity" if maternity else "development_or_growth",
                f"Encounter/{encounter.id}",
                concerns=["PRE_BIRTH_CONCERN" if maternity else _DEVELOPMENT],
                event_date=when,
                summary=f"The {_CONTACT_TYPES[contact_type]} recorded a concern on"
                f" {spoken(when)}: {reason}.",
                severity="LOW",
            )
        )
    return found


def _attendance(
    bundle: PatientBundle,
    where: str,
    record_id: str,
    encounter: Encounter,
    attendances: list[date],
    injuries: list[date],
) -> list[dict[str, Any]]:
    """The ae_attendance finding of one A&E encounter, and its injury finding if it was one."""
    when = attendances[-1]
    presentation = first_code(encounter.reasonCode, LOCAL_CODES + "ae-presentation") or "other"
    if presentation not in _PRESENTATIONS:
        raise bundle.fail(f"{where}.reasonCode", f"{presentation!r} is not an A&E presentation")
    reason = first_text(encounter.reasonCode) or presentation.replace("-", " ")
    child = is_child(bundle, when)
    year_before = when - timedelta(days=365)
    recent = sum(1 for attended in attendances if attended > year_before)
    concerns = {
        "injury": ["UNEXPLAINED_INJURY"] if child else [],
        "self-harm": ["CHILD_MENTAL_HEALTH_OR_SELF_HARM" if child else "PARENTAL_MENTAL_HEALTH"],
        "alcohol-or-drugs": ["CHILD_SUBSTANCE_MISUSE" if child else "PARENTAL_SUBSTANCE_MISUSE"],
    }.get(presentation, [_DEVELOPMENT] if child else [])
    hospital = encounter.serviceProvider.display if encounter.serviceProvider else None
    seen_at = f"Seen at {hospital}. " if hospital else ""
    source = f"Encounter/{encounter.id}"
    found = [
        finding(
            record_id,
            "ae_attendance",
            source,
            concerns=concerns,
            event_date=when,
            summary=f"Attended the emergency department on {spoken(when)}: {reason}.",
            detail=f"{seen_at}{_nth(recent)} attendance in 12 months.",
            severity="MODERATE" if presentation == "self-harm" or recent >= 3 else "LOW",
        )
    ]
    if presentation == "injury":
        injuries.append(when)
        born = bundle.birth_date()
        infant = born is not None and when < birthday(born, 2)
        repeated = child and sum(1 for injured in injuries if injured > year_before) >= 2
        found.append(
            finding(
                record_id,
                "injury",
                source,
                concerns=["UNEXPLAINED_INJURY"] if child else [],
                event_date=when,
                summary=f"Injury treated in the emergency department on {spoken(when)}: {reason}.",
                severity="SERIOUS" if infant else "MODERATE" if repeated else "LOW",
            )
        )
    return found


def _missed_appointments(bundle: PatientBundle, record_id: str) -> list[dict[str, Any]]:
    """One finding per service whose appointments the patient did not attend."""
    missed: dict[str, list[tuple[date, str, str]]] = defaultdict(list)
    for where, appointment in bundle.appointments:
        if appointment.status != "noshow":
            continue
        when = day(appointment.start)
        if when is None:
            raise bundle.fail(f"{where}.start", "a missed appointment needs its start (FHIR app-3)")
        service = first_text(appointment.serviceType)
        if service is None:
            raise bundle.fail(f"{where}.serviceType", "a missed appointment needs its service")
        missed[service.casefold()].append((when, service, f"Appointment/{appointment.id}"))
    found = []
    for appointments in missed.values():
        appointments.sort()
        days = [when for when, _, _ in appointments]
        (first, service, _), (latest, _, source) = appointments[0], appointments[-1]
        count = len(days)
        if count == 1:
            article = "an" if service[:1].lower() in "aeiou" else "a"
            summary = f"Missed {article} {service} appointment on {spoken(latest)}."
        else:
            summary = f"Missed {count} {service} appointments ({month(first)} to {month(latest)})."
        concerns = []
        if is_child(bundle, latest):
            concerns = [_DEVELOPMENT, *(["NEGLECT"] if count >= 3 else [])]
        found.append(
            finding(
                record_id,
                "missed_appointments",
                source,
                concerns=concerns,
                event_date=latest,
                summary=summary,
                detail=f"Not attended on {listed([spoken(when) for when in days])}.",
                severity="LOW" if count <= 2 else "MODERATE" if count <= 4 else "SERIOUS",
            )
        )
    return found


def _condition_findings(bundle: PatientBundle, record_id: str) -> list[dict[str, Any]]:
    """Mental health, substance misuse, developmental and disability conditions."""
    found = []
    for where, condition in bundle.conditions:
        kind = first_code(condition.category, LOCAL_CODES + "safeguarding-condition-category")
        verification = first_code([condition.verificationStatus], VERIFICATION_STATUS_SYSTEM)
        if kind is None or verification in ("refuted", "entered-in-error"):
            continue
        if kind not in _CONDITIONS:
            raise bundle.fail(f"{where}.category", f"{kind!r} is not a safeguarding category")
        clinical = first_code([condition.clinicalStatus], CLINICAL_STATUS_SYSTEM)
        if clinical not in _CLINICAL_STATUSES:
            raise bundle.fail(f"{where}.clinicalStatus", f"{clinical!r} is not a clinical status")
        described = first_text([condition.code])
        if described is None:
            raise bundle.fail(f"{where}.code", "the condition needs a text or a display")
        severity = "UNKNOWN"
        if condition.severity is not None:
            graded = first_code([condition.severity], SNOMED_CT)
            if graded not in _CONDITION_SEVERITIES:
                raise bundle.fail(f"{where}.severity", f"{graded!r} is not a SNOMED CT severity")
            severity = _CONDITION_SEVERITIES[graded]
        onset = day(condition.onsetDateTime) or day(condition.recordedDate)
        category, label, child_concern, adult_concern = _CONDITIONS[kind]
        concern = adult_concern
        if is_child(bundle, onset):
            concern = child_concern
            if kind == "mental-health":
                category, label = "child_mental_health", "Child and adolescent mental health"
        status = _CLINICAL_STATUSES[clinical]
        since = f", since {spoken(onset)}" if onset and status.startswith("current") else ""
        if not status.startswith("current"):
            severity = min(severity, "LOW", key=SEVERITY_ORDER.index)
        notes = " ".join(note.text for note in condition.note or [] if note.text)
        found.append(
            finding(
                record_id,
                category,
                f"Condition/{condition.id}",
                concerns=[concern],
                event_date=onset,
                summary=f"{label}: {described}; {status}{since}.",
                detail=notes or None,
                severity=severity,
            )
        )
    return found


def _episode_findings(
    bundle: PatientBundle, record_id: str, contacts: dict[str, list[date]]
) -> list[dict[str, Any]]:
    """Maternity, health visiting, school nursing and GP registration episodes."""
    episodes = [
        (where, episode, first_code(episode.type, LOCAL_CODES + "care-episode-type"))
        for where, episode in bundle.episodes
        if episode.status not in ("cancelled", "entered-in-error")
    ]
    registered = any(kind == "gp-registration" and e.status == "active" for _, e, kind in episodes)
    found = []
    for where, episode, kind in episodes:
        if kind is None:
            continue
        if kind not in _EPISODE_TYPES:
            raise bundle.fail(f"{where}.type", f"{kind!r} is not an episode of care type")
        start = day(episode.period.start if episode.period else None)
        end = day(episode.period.end if episode.period else None)
        organisation = episode.managingOrganization
        if kind == "gp-registration":
            if organisation is None or not organisation.display:
                raise bundle.fail(f"{where}.managingOrganization.display", "name the practice")
            found.append(
                _gp_registration(bundle, record_id, episode, organisation.display, registered)
            )
            continue
        level_code = first_code(episode.type, LOCAL_CODES + "service-level")
        if level_code is not None and level_code not in _SERVICE_LEVELS:
            raise bundle.fail(f"{where}.type", f"{level_code!r} is not a service level")
        level, severity = _SERVICE_LEVELS.get(level_code or "", ("", "UNKNOWN"))
        known = f"{_EPISODE_TYPES[kind]}{f' at {level} level' if level else ''}"
        if episode.status in ("planned", "waitlist"):
            summary = f"Referred to {known}; not yet seen."
        elif episode.status in ("active", "onhold"):
            summary = f"Known to {known}{f' since {spoken(start)}' if start else ''}."
        else:
            summary = f"Was known to {known}{f' until {spoken(end)}' if end else ''}."
        seen = sorted(contacts.get(f"EpisodeOfCare/{episode.id}", []))
        concern = "PRE_BIRTH_CONCERN" if kind == "maternity" else _DEVELOPMENT
        found.append(
            finding(
                record_id,
                "maternity" if kind == "maternity" else "development_or_growth",
                f"EpisodeOfCare/{episode.id}",
                concerns=[concern] if severity in ("LOW", "MODERATE") else [],
                event_date=start,
                summary=summary,
                detail=f"{_counted(len(seen), 'contact')}, the last on {spoken(seen[-1])}."
                if seen
                else None,
                severity=severity,
            )
        )
    return found


def _gp_registration(
    bundle: PatientBundle, record_id: str, episode: EpisodeOfCare, practice: str, registered: bool
) -> dict[str, Any]:
    start = day(episode.period.start if episode.period else None)
    end = day(episode.period.end if episode.period else None)
    if episode.status == "active":
        summary = f"Registered with {practice}{f' since {month(start)}' if start else ''}."
    else:
        summary = f"Was registered with {practice}{f' until {month(end)}' if end else ''}."
    if not registered:
        summary += " No current GP registration."
    return finding(
        record_id,
        "gp_registration",
        f"EpisodeOfCare/{episode.id}",
        concerns=[] if registered or not is_child(bundle, None) else [_DEVELOPMENT],
        event_date=start,
        summary=summary,
        severity="NONE" if registered else "LOW",
    )


def is_child(bundle: PatientBundle, when: date | None) -> bool:
    """Whether the patient was under 18 on ``when`` (on the export day if None)."""
    born = bundle.birth_date()
    return born is not None and (when or bundle.exported_on) < birthday(born, 18)


def birthday(born: date, years: int) -> date:
    """The day someone born on ``born`` turns ``years`` old."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(born.year + years, 3, 1)


def _start(encounter: Encounter) -> date:
    return day(encounter.period.start if encounter.period else None) or date.min


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _nth(count: int) -> str:
    suffix = "th" if 10 <= count % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(count % 10, "th")
    return f"{count}{suffix}"
