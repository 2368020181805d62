"""FHIR R4 values as this export uses them: code systems, codes, texts and dates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fhir.resources.R4B.codeableconcept import CodeableConcept

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
#: Codes this export defines for itself (FORMAT.md, "Local code systems").
LOCAL_CODES = "https://fhir.mash-exchange.example/CodeSystem/"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SNOMED_CT = "http://snomed.info/sct"
CLINICAL_STATUS_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION_STATUS_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
LONDON = ZoneInfo("Europe/London")


def first_code(concepts: Sequence[CodeableConcept | None] | None, system: str) -> str | None:
    """The first code any of ``concepts`` carries from ``system``."""
    for concept in concepts or []:
        for coding in concept.coding or [] if concept else []:
            if coding.system == system and coding.code:
                return coding.code
    return None


def first_text(concepts: Sequence[CodeableConcept | None] | None) -> str | None:
    """The first text of ``concepts``, or else the first display of their codings."""
    for concept in concepts or []:
        if concept is not None and concept.text:
            return concept.text
        for coding in concept.coding or [] if concept else []:
            if coding.display:
                return coding.display
    return None


def day(value: object) -> date | None:
    """The calendar day (UK time) of a FHIR date or dateTime; a partial date is its first day."""
    if isinstance(value, datetime):
        return value.astimezone(LONDON).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        year, _, month_part = value.partition("-")
        return date(int(year), int(month_part[:2] or 1), 1)
    return None
