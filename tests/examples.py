"""Synthetic example records, one per message type, used by the golden-bytes and integration tests.

Everything here is invented: the people, the school, the addresses (fictional postcodes such as
WN1 9ZZ), the telephone numbers (Ofcom drama ranges) and every identifier (NHS numbers in the 999
test range). No real personal data.

The records tell one story. On Tuesday 3 March 2026 the Designated Safeguarding Lead of Brookfold
Primary School contacts the Wigan MASH about Lily-Rose Calder (8): she has bruising to her upper
arm and says her mother's partner, Ryan Mercer, grabbed her during an argument at home. Her
mother, Danielle Calder, agrees to the referral and to information sharing. Triage rates the
contact AMBER, notifies the police of a suspected crime and asks police, health and education what
they know. The police answer with a domestic abuse incident at the family home; health answers
with an A&E attendance (shared with its detail redacted), missed appointments and a NO_TRACE for
Mr Mercer, while the mother's substance misuse record is withheld as not asked for. Education's
connector sends an unreadable answer, which is dead-lettered, so the first family picture is
issued PARTIAL at the request deadline and sealed for the MASH duty team. Lily-Rose is already
open to Early Help after an earlier MASH case.

Every value has the Python type fastavro reads back (uuid.UUID, timezone-aware datetimes with
whole milliseconds, datetime.date, bytes, enum symbols as str), and every field is present, so
that ``decode(encode(value)) == value`` holds exactly.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

# The case and its people -------------------------------------------------------------------------

CASE_ID = uuid.UUID("18147c44-f789-416f-8ea7-86cdf35c7572")
#: The earlier MASH case (November 2025) that opened the Early Help episode.
PREVIOUS_CASE_ID = uuid.UUID("fe3eb5de-cd05-4216-a1e3-1112050643e5")
CONTACT_ID = uuid.UUID("88352237-d3b2-4c4f-9e77-e0fd3d5c7771")
CHILD_ID = uuid.UUID("c60505d6-8c03-4652-8ef2-9b4140a31597")
MOTHER_ID = uuid.UUID("b3619cbd-b193-4cfc-b147-5d8efbf63b53")
PARTNER_ID = uuid.UUID("8216a9b4-5130-4242-9fd3-b20158680cda")
#: Lily-Rose's person_id in the earlier case, as the allocation carries it.
PREVIOUS_CASE_CHILD_ID = uuid.UUID("3a7d52e0-6b1f-4c89-9e24-d0f8a61c7b35")

# Requests, responses and what came of them ----------------------------------------------------

POLICE_REQUEST_ID = uuid.UUID("39ef0545-05e9-4135-877f-e3b22abb4308")
HEALTH_REQUEST_ID = uuid.UUID("e74e7c8f-6d4d-4669-9606-cdc940a55beb")
EDUCATION_REQUEST_ID = uuid.UUID("8274f59c-c018-47d4-8efc-bbab54cf9a7e")
POLICE_RESPONSE_ID = uuid.UUID("44677490-9756-4e2a-8aaa-e4cf84a9dec2")
HEALTH_RESPONSE_ID = uuid.UUID("aeb3daad-6477-4866-b46d-040efe219878")
HEALTH_SHARED_ID = uuid.UUID("0b9b0f3a-2369-4f27-806d-716fd7837914")
NOTIFICATION_ID = uuid.UUID("fae1efc4-fef3-43a8-9cda-14c692ef2acc")
AUDIT_RECORD_ID = uuid.UUID("d09daa64-9acc-4584-a5bf-11614f453191")
DEAD_LETTER_ID = uuid.UUID("1537ab37-db97-4f8d-92c7-c1777acc9b7c")

POLICE_DA_INCIDENT_FINDING_ID = uuid.UUID("cb742f79-e226-4628-b7fc-2efc8e7099a9")
POLICE_CAUTION_FINDING_ID = uuid.UUID("b0a9b839-6e5c-46c3-8d0a-42ba8af8ea7a")
POLICE_VICTIM_FINDING_ID = uuid.UUID("57f4d763-0de6-46de-bb20-aa56bf8feab6")
POLICE_CHILD_CONCERN_FINDING_ID = uuid.UUID("7f296fe1-fb19-4f83-aefa-521686a169a9")
HEALTH_AE_FINDING_ID = uuid.UUID("4f60e818-82d8-4a74-a27a-b1685fa2b77e")
HEALTH_MISSED_APPOINTMENTS_FINDING_ID = uuid.UUID("e4decf72-3cfa-41f8-bad7-623534c5d216")
HEALTH_GP_REGISTRATION_FINDING_ID = uuid.UUID("ca409208-3fd9-4307-8e3a-d131675dd641")
HEALTH_SUBSTANCE_MISUSE_FINDING_ID = uuid.UUID("40ccc590-d166-4cfa-9a7d-7f862f0442eb")

# Agency identifiers (all invented) -------------------------------------------------------------

CHILD_UPN = "E359213418005"
CHILD_NHS_NUMBER = "9990004129"
MOTHER_NHS_NUMBER = "9990004137"
CHILD_SOCIAL_CARE_ID = "WCS0045821"
CHILD_EARLY_HELP_ID = "EHM118204"
CHILD_POLICE_ID = "GMP00502291"
MOTHER_POLICE_ID = "GMP00502288"
PARTNER_POLICE_ID = "GMP00471923"

TEAM_KEY = "mash-duty"

# When things happened (3 March 2026 is GMT, so UTC is local time) ---------------------------


def _at(
    year: int, month: int, day: int, hour: int, minute: int, second: int = 0, ms: int = 0
) -> datetime:
    """A UTC instant with whole milliseconds, as timestamp-millis reads back."""
    return datetime(year, month, day, hour, minute, second, ms * 1000, tzinfo=UTC)


CONSENT_OBTAINED_AT = _at(2026, 3, 3, 9, 42, 10)
CONTACT_RECEIVED_AT = _at(2026, 3, 3, 10, 14, 27, 350)
NOTIFICATION_RAISED_AT = _at(2026, 3, 3, 10, 14, 28, 806)
REQUESTS_ISSUED_AT = _at(2026, 3, 3, 10, 16, 2, 118)
REQUEST_DEADLINE = _at(2026, 3, 3, 14, 16, 2, 118)
POLICE_RESPONDED_AT = _at(2026, 3, 3, 11, 52, 41, 220)
HEALTH_DECIDED_AT = _at(2026, 3, 3, 12, 31, 6, 45)
PICTURE_GENERATED_AT = _at(2026, 3, 3, 14, 16, 2, 450)
PICTURE_SEALED_AT = _at(2026, 3, 3, 14, 16, 2, 731)
DECISION_DUE_AT = _at(2026, 3, 4, 10, 14, 27, 350)

# People as records -----------------------------------------------------------------------------


def _name(given: str | None, family: str | None, name_type: str = "CURRENT") -> dict[str, Any]:
    return {"given_names": given, "family_name": family, "name_type": name_type}


def _home(from_date: date) -> dict[str, Any]:
    return {
        "lines": ["14 Larkfield Close", "Brookfold"],
        "town": "Wigan",
        "postcode": "WN1 9ZZ",
        "uprn": "999990001414",
        "from_date": from_date,
        "to_date": None,
    }


def _previous_flat() -> dict[str, Any]:
    return {
        "lines": ["Flat 3, Kestrel House", "29 Canal Walk"],
        "town": "Wigan",
        "postcode": "WN3 9ZY",
        "uprn": None,
        "from_date": date(2019, 2, 1),
        "to_date": date(2025, 7, 31),
    }


def _identifier(scheme: str, value: str, issuer: str | None = None) -> dict[str, Any]:
    return {"scheme": scheme, "value": value, "issuer": issuer}


def _person(
    person_id: uuid.UUID,
    role: str,
    names: list[dict[str, Any]],
    date_of_birth: dict[str, Any] | None,
    gender: str,
    addresses: list[dict[str, Any]],
    identifiers: list[dict[str, Any]],
    parental_responsibility: bool | None,
    relationship_to_child: str | None,
) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "role": role,
        "names": names,
        "date_of_birth": date_of_birth,
        "gender": gender,
        "addresses": addresses,
        "identifiers": identifiers,
        "parental_responsibility": parental_responsibility,
        "relationship_to_child": relationship_to_child,
    }


def _child(identifiers: list[dict[str, Any]], person_id: uuid.UUID = CHILD_ID) -> dict[str, Any]:
    return _person(
        person_id,
        "CHILD",
        [_name("Lily-Rose", "Calder"), _name("Lily", "Calder", "KNOWN_AS")],
        {"date": date(2017, 5, 14), "precision": "DAY"},
        "FEMALE",
        [_home(date(2025, 8, 1)), _previous_flat()],
        identifiers,
        None,
        None,
    )


def _mother(identifiers: list[dict[str, Any]]) -> dict[str, Any]:
    return _person(
        MOTHER_ID,
        "PARENT",
        [_name("Danielle", "Calder"), _name("Danielle", "Shaw", "PREVIOUS")],
        {"date": date(1992, 9, 2), "precision": "DAY"},
        "FEMALE",
        [_home(date(2025, 8, 1)), _previous_flat()],
        identifiers,
        True,
        "mother",
    )


def _partner_as_referred() -> dict[str, Any]:
    """Mr Mercer as the school knows him: an approximate age and the home address."""
    return _person(
        PARTNER_ID,
        "PERSON_OF_CONCERN",
        [_name("Ryan", "Mercer")],
        {"date": date(1989, 1, 1), "precision": "APPROXIMATE"},
        "MALE",
        [_home(date(2025, 8, 1))],
        [],
        False,
        "mother's partner",
    )


def _partner_as_recorded() -> dict[str, Any]:
    """Mr Mercer as the police record him: exact date of birth, an alias, a former address."""
    return _person(
        PARTNER_ID,
        "PERSON_OF_CONCERN",
        [_name("Ryan", "Mercer"), _name("Ryan", "Marsh", "ALIAS")],
        {"date": date(1988, 11, 23), "precision": "DAY"},
        "MALE",
        [
            _home(date(2025, 8, 1)),
            {
                "lines": ["22 Cinder Lane"],
                "town": "Leigh",
                "postcode": "WN7 9ZX",
                "uprn": None,
                "from_date": date(2017, 4, 1),
                "to_date": date(2025, 7, 31),
            },
        ],
        [_identifier("POLICE_PERSON_ID", PARTNER_POLICE_ID, "Greater Manchester Police")],
        False,
        "mother's partner",
    )


def _child_merged() -> dict[str, Any]:
    """Lily-Rose as the family picture holds her, with every agency's identifier."""
    return _child(
        [
            _identifier("UNIQUE_PUPIL_NUMBER", CHILD_UPN),
            _identifier("NHS_NUMBER", CHILD_NHS_NUMBER),
            _identifier("POLICE_PERSON_ID", CHILD_POLICE_ID, "Greater Manchester Police"),
            _identifier("LOCAL_SOCIAL_CARE_ID", CHILD_SOCIAL_CARE_ID, "Wigan Council"),
        ]
    )


def _mother_merged() -> dict[str, Any]:
    return _mother(
        [
            _identifier("NHS_NUMBER", MOTHER_NHS_NUMBER),
            _identifier("POLICE_PERSON_ID", MOTHER_POLICE_ID, "Greater Manchester Police"),
        ]
    )


# Practitioners --------------------------------------------------------------------------------


def _dsl() -> dict[str, Any]:
    return {
        "name": "Hannah Whitlow",
        "role": "Designated Safeguarding Lead",
        "agency": "EDUCATION",
        "organisation": "Brookfold Primary School",
        "team": "Pastoral team",
        "contact_details": {
            "phone": "0161 496 0418",
            "email": "h.whitlow@brookfold-primary.example",
        },
    }


def _police_researcher() -> dict[str, Any]:
    return {
        "name": "DC Owen Pritchard",
        "role": "MASH police researcher",
        "agency": "POLICE",
        "organisation": "Greater Manchester Police",
        "team": "Public Protection Investigation Unit",
        "contact_details": {"phone": "0161 496 0733", "email": None},
    }


def _duty_social_worker() -> dict[str, Any]:
    return {
        "name": "Tom Ashworth",
        "role": "MASH Social Worker",
        "agency": "SOCIAL_CARE",
        "organisation": "Wigan Council",
        "team": "MASH duty team",
        "contact_details": {"phone": "0161 496 0250", "email": "mash.duty@wigan-council.example"},
    }


def _team_manager() -> dict[str, Any]:
    return {
        "name": "Joanne Kenyon",
        "role": "MASH Team Manager",
        "agency": "SOCIAL_CARE",
        "organisation": "Wigan Council",
        "team": "MASH duty team",
        "contact_details": None,
    }


def _early_help_worker() -> dict[str, Any]:
    return {
        "name": "Priya Anand",
        "role": "Family Support Worker",
        "agency": "EARLY_HELP",
        "organisation": "Wigan Council",
        "team": "Early Help, north",
        "contact_details": {"phone": "07700 900461", "email": "p.anand@wigan-council.example"},
    }


# Consent -----------------------------------------------------------------------------------------


def _consent() -> dict[str, Any]:
    """The mother's verbal consent, given to the school before the contact was made."""
    return {
        "status": "GIVEN",
        "scope": {
            "purposes": ["REFERRAL_TO_MASH", "INFORMATION_SHARING"],
            "agencies": ["POLICE", "HEALTH", "EDUCATION", "SOCIAL_CARE"],
            "person_ids": [CHILD_ID, MOTHER_ID],
            "description": (
                "Explained to Ms Calder by telephone why the school is contacting the MASH, what"
                " will be shared and with which agencies; she agreed for herself and for"
                " Lily-Rose."
            ),
        },
        "given_by_person_id": MOTHER_ID,
        "obtained_by": _dsl(),
        "obtained_at": CONSENT_OBTAINED_AT,
        "method": "VERBAL",
        "override": None,
    }


def _partner_consent() -> dict[str, Any]:
    """Consent about Mr Mercer's information: not sought, and the override recorded."""
    return {
        "status": "NOT_SOUGHT",
        "scope": None,
        "given_by_person_id": None,
        "obtained_by": None,
        "obtained_at": None,
        "method": "UNKNOWN",
        "override": {
            "reason_code": "RISK_OF_SIGNIFICANT_HARM",
            "reason": (
                "Seeking Mr Mercer's consent would alert him to the child's disclosure and could"
                " place the child and her mother at risk of significant harm."
            ),
            "legal_gateway": [
                "CHILDREN_ACT_1989_S47",
                "UK_GDPR_ART_6_1_E_PUBLIC_TASK",
                "UK_GDPR_ART_9_2_G_SUBSTANTIAL_PUBLIC_INTEREST",
                "CRIME_AND_DISORDER_ACT_1998_S115",
            ],
            "decided_by": _duty_social_worker(),
            "decided_at": _at(2026, 3, 3, 10, 31, 0),
            "approved_by": _team_manager(),
            "approved_at": _at(2026, 3, 3, 10, 38, 20),
            "family_informed_at": None,
        },
    }


# Findings ------------------------------------------------------------------------------------


def _finding(
    finding_id: uuid.UUID,
    category: str,
    concern_categories: list[str],
    event_date: date | None,
    summary: str,
    detail: str | None,
    severity: str,
    source_reference: str | None,
) -> dict[str, Any]:
    return {
        "finding_id": finding_id,
        "category": category,
        "concern_categories": concern_categories,
        "event_date": event_date,
        "summary": summary,
        "detail": detail,
        "severity": severity,
        "source_reference": source_reference,
    }


def _police_da_incident() -> dict[str, Any]:
    return _finding(
        POLICE_DA_INCIDENT_FINDING_ID,
        "police.domestic_abuse_incident",
        ["DOMESTIC_ABUSE", "EMOTIONAL_ABUSE"],
        date(2025, 12, 20),
        "Officers attended 14 Larkfield Close after a neighbour reported shouting; Ryan Mercer"
        " recorded as the suspect in a domestic abuse incident.",
        "Ms Calder said she had been pushed against a door frame; no injury seen and no"
        " complaint made. DASH risk assessment graded medium. The child was upstairs.",
        "MODERATE",
        "GMP-INC-20251220-0317",
    )


def _police_caution() -> dict[str, Any]:
    return _finding(
        POLICE_CAUTION_FINDING_ID,
        "police.crime_suspect_or_offender",
        ["RISK_FROM_ADULT", "DOMESTIC_ABUSE"],
        date(2019, 6, 8),
        "Cautioned for common assault on a former partner.",
        None,
        "MODERATE",
        "GMP-CR-20190608-1142",
    )


def _police_victim() -> dict[str, Any]:
    return _finding(
        POLICE_VICTIM_FINDING_ID,
        "police.crime_victim",
        ["DOMESTIC_ABUSE"],
        date(2025, 12, 20),
        "Recorded as the victim in the domestic abuse incident of 20 December 2025.",
        "Referred to the domestic abuse service; declined support at the time.",
        "MODERATE",
        "GMP-INC-20251220-0317",
    )


def _police_child_concern() -> dict[str, Any]:
    return _finding(
        POLICE_CHILD_CONCERN_FINDING_ID,
        "police.child_concern_incident",
        ["DOMESTIC_ABUSE"],
        date(2025, 12, 20),
        "Child present in the home during the domestic abuse incident; child concern"
        " notification sent to the MASH.",
        None,
        "LOW",
        "GMP-CC-20251221-0088",
    )


def _health_ae_attendance(*, redacted: bool) -> dict[str, Any]:
    """The A&E attendance; the policy removed its detail before sharing it."""
    return _finding(
        HEALTH_AE_FINDING_ID,
        "health.ae_attendance",
        ["UNEXPLAINED_INJURY"],
        date(2026, 1, 18),
        "Attended the emergency department with a sprained left wrist, said to be from a fall.",
        None
        if redacted
        else "Brought in by her mother the day after the injury; account of a fall at a"
        " trampoline park consistent with the injury. No safeguarding referral made.",
        "LOW",
        "ED-2026-011842",
    )


def _health_missed_appointments() -> dict[str, Any]:
    return _finding(
        HEALTH_MISSED_APPOINTMENTS_FINDING_ID,
        "health.missed_appointments",
        ["CHILD_HEALTH_OR_DEVELOPMENT"],
        date(2026, 1, 14),
        "Two audiology appointments missed (October 2025 and January 2026); not yet rebooked.",
        "School nurse asked to follow up with the family after the second missed appointment.",
        "LOW",
        "CHS-AUD-77431",
    )


def _health_gp_registration() -> dict[str, Any]:
    return _finding(
        HEALTH_GP_REGISTRATION_FINDING_ID,
        "health.gp_registration",
        [],
        date(2025, 8, 19),
        "Registered with Larkfield Medical Practice since August 2025.",
        None,
        "NONE",
        None,
    )


# Policy decisions -----------------------------------------------------------------------------


def _health_decisions() -> list[dict[str, Any]]:
    return [
        {
            "item_type": "FINDING",
            "outcome": "REDACTED",
            "person_id": CHILD_ID,
            "finding_id": HEALTH_AE_FINDING_ID,
            "category": "health.ae_attendance",
            "redacted_fields": ["detail"],
            "rule_id": "proportionality.detail-not-necessary-at-screening",
            "rule_version": "1.2.0",
            "reason": "Clinical detail is not necessary for screening; the summary is shared.",
        },
        {
            "item_type": "FINDING",
            "outcome": "WITHHELD",
            "person_id": MOTHER_ID,
            "finding_id": HEALTH_SUBSTANCE_MISUSE_FINDING_ID,
            "category": "health.substance_misuse",
            "redacted_fields": [],
            "rule_id": "proportionality.category-not-permitted",
            "rule_version": "1.2.0",
            "reason": "The request did not permit this category.",
        },
    ]


# The examples ---------------------------------------------------------------------------------

CONCERN_SUMMARY = (
    "Lily-Rose arrived at school with fingertip-pattern bruising to her left upper arm. She told"
    " her class teacher that Ryan 'grabbed me hard' when she tried to stop him shouting at Mummy"
    " on Sunday night. She has been withdrawn and tearful for two weeks and her attendance has"
    " fallen to 86% this term. Her mother says Ryan is staying with his brother this week."
)

CONTACT: dict[str, Any] = {
    "contact_id": CONTACT_ID,
    "case_id": CASE_ID,
    "received_at": CONTACT_RECEIVED_AT,
    "channel": "ONLINE_FORM",
    "referrer": {
        "referrer_type": "PROFESSIONAL",
        "name": "Hannah Whitlow",
        "role": "Designated Safeguarding Lead",
        "agency": "EDUCATION",
        "organisation": "Brookfold Primary School",
        "relationship_to_child": None,
        "contact_details": {
            "phone": "0161 496 0418",
            "email": "h.whitlow@brookfold-primary.example",
        },
    },
    "subjects": [
        _child([_identifier("UNIQUE_PUPIL_NUMBER", CHILD_UPN)]),
        _mother([]),
        _partner_as_referred(),
    ],
    "concern_summary": CONCERN_SUMMARY,
    "concern_categories": [
        "PHYSICAL_ABUSE",
        "DOMESTIC_ABUSE",
        "EMOTIONAL_ABUSE",
        "EDUCATION_ATTENDANCE_OR_EXCLUSION",
    ],
    "referrer_level_of_need": "LEVEL_4",
    "immediate_risk": False,
    "suspected_crime": True,
    "consent": _consent(),
    "lawful_basis": [
        "CONSENT",
        "UK_GDPR_ART_6_1_E_PUBLIC_TASK",
        "UK_GDPR_ART_9_2_H_HEALTH_OR_SOCIAL_CARE",
        "CHILDREN_ACT_1989_S47",
    ],
    "early_help_assessment_attached": True,
    "support_already_provided": (
        "Open to Early Help since November 2025 (family support worker Priya Anand); weekly"
        " check-ins with the school learning mentor since January 2026."
    ),
    "family_informed": True,
}

INFORMATION_REQUEST: dict[str, Any] = {
    "request_id": POLICE_REQUEST_ID,
    "case_id": CASE_ID,
    "contact_id": CONTACT_ID,
    "agency": "POLICE",
    "subjects": [
        _child([_identifier("UNIQUE_PUPIL_NUMBER", CHILD_UPN)]),
        _mother([]),
        _partner_as_referred(),
    ],
    "purpose": "MASH_SCREENING",
    "purpose_detail": (
        "Screening a school contact: a child's disclosure of physical harm by her mother's"
        " partner, and suspected domestic abuse in the household."
    ),
    "concern_categories": ["PHYSICAL_ABUSE", "DOMESTIC_ABUSE", "EMOTIONAL_ABUSE"],
    "level_of_need": "LEVEL_4",
    "rag_rating": "AMBER",
    "deadline": REQUEST_DEADLINE,
    "categories_permitted": [
        "police.domestic_abuse_incident",
        "police.child_concern_incident",
        "police.crime_victim",
        "police.crime_suspect_or_offender",
        "police.offence_against_children",
        "police.weapons_or_violence_marker",
    ],
    "history_since": date(2016, 3, 3),
    "lawful_basis": [
        "CONSENT",
        "UK_GDPR_ART_6_1_E_PUBLIC_TASK",
        "UK_GDPR_ART_9_2_G_SUBSTANTIAL_PUBLIC_INTEREST",
        "CHILDREN_ACT_2004_S11",
        "CRIME_AND_DISORDER_ACT_1998_S115",
    ],
    "consent": _consent(),
    "issued_at": REQUESTS_ISSUED_AT,
}

INFORMATION_RESPONSE: dict[str, Any] = {
    "response_id": POLICE_RESPONSE_ID,
    "request_id": POLICE_REQUEST_ID,
    "case_id": CASE_ID,
    "agency": "POLICE",
    "responder": _police_researcher(),
    "responded_at": POLICE_RESPONDED_AT,
    "subjects": [
        {
            "person_id": CHILD_ID,
            "match_outcome": "MATCHED",
            "match_confidence": 0.92,
            "matched_identifiers": [
                _identifier("POLICE_PERSON_ID", CHILD_POLICE_ID, "Greater Manchester Police")
            ],
            "matched_fields": [
                "POLICE_PERSON_ID",
                "date_of_birth",
                "family_name",
                "given_name~nickname",
            ],
            "recorded_person": None,
            "findings": [_police_child_concern()],
        },
        {
            "person_id": MOTHER_ID,
            "match_outcome": "MATCHED",
            "match_confidence": 0.99,
            "matched_identifiers": [
                _identifier("POLICE_PERSON_ID", MOTHER_POLICE_ID, "Greater Manchester Police")
            ],
            "matched_fields": ["date_of_birth", "family_name", "given_name", "postcode"],
            "recorded_person": None,
            "findings": [_police_victim()],
        },
        {
            "person_id": PARTNER_ID,
            "match_outcome": "MATCHED",
            "match_confidence": 0.97,
            "matched_identifiers": [
                _identifier("POLICE_PERSON_ID", PARTNER_POLICE_ID, "Greater Manchester Police")
            ],
            "matched_fields": ["POLICE_PERSON_ID", "date_of_birth", "family_name~hyphenated"],
            "recorded_person": _partner_as_recorded(),
            "findings": [_police_da_incident(), _police_caution()],
        },
    ],
}

SHARED_INFORMATION: dict[str, Any] = {
    "shared_id": HEALTH_SHARED_ID,
    "case_id": CASE_ID,
    "request_id": HEALTH_REQUEST_ID,
    "response_id": HEALTH_RESPONSE_ID,
    "agency": "HEALTH",
    "subjects": [
        {
            "person_id": CHILD_ID,
            "match_outcome": "MATCHED",
            "match_confidence": 0.99,
            "matched_identifiers": [_identifier("NHS_NUMBER", CHILD_NHS_NUMBER)],
            "matched_fields": ["date_of_birth", "family_name", "given_name", "postcode"],
            "recorded_person": _child([_identifier("NHS_NUMBER", CHILD_NHS_NUMBER)]),
            "findings": [
                _health_missed_appointments(),
                _health_ae_attendance(redacted=True),
            ],
        },
        {
            "person_id": MOTHER_ID,
            "match_outcome": "MATCHED",
            "match_confidence": 0.98,
            "matched_identifiers": [_identifier("NHS_NUMBER", MOTHER_NHS_NUMBER)],
            "matched_fields": ["NHS_NUMBER"],
            "recorded_person": None,
            "findings": [_health_gp_registration()],
        },
        {
            "person_id": PARTNER_ID,
            "match_outcome": "NO_TRACE",
            "match_confidence": None,
            "matched_identifiers": [],
            "matched_fields": [],
            "recorded_person": None,
            "findings": [],
        },
    ],
    "redacted_or_withheld": _health_decisions(),
    "lawful_basis": [
        "CONSENT",
        "UK_GDPR_ART_6_1_E_PUBLIC_TASK",
        "UK_GDPR_ART_9_2_H_HEALTH_OR_SOCIAL_CARE",
    ],
    "consent_status": "GIVEN",
    "consent_overridden": False,
    "decided_at": HEALTH_DECIDED_AT,
}

FAMILY_PICTURE: dict[str, Any] = {
    "case_id": CASE_ID,
    "revision": 1,
    "revision_reason": "DEADLINE_REACHED",
    "generated_at": PICTURE_GENERATED_AT,
    "contact_id": CONTACT_ID,
    "concern_summary": CONCERN_SUMMARY,
    "concern_categories": [
        "PHYSICAL_ABUSE",
        "DOMESTIC_ABUSE",
        "EMOTIONAL_ABUSE",
        "EDUCATION_ATTENDANCE_OR_EXCLUSION",
    ],
    "immediate_risk": False,
    "rag_rating": "AMBER",
    "decision_due_at": DECISION_DUE_AT,
    "consent": _consent(),
    "persons": [_child_merged(), _mother_merged(), _partner_as_recorded()],
    "chronology": [
        {
            "agency": "POLICE",
            "response_id": POLICE_RESPONSE_ID,
            "person_ids": [PARTNER_ID],
            "finding": _police_caution(),
        },
        {
            "agency": "POLICE",
            "response_id": POLICE_RESPONSE_ID,
            "person_ids": [PARTNER_ID, MOTHER_ID, CHILD_ID],
            "finding": _police_da_incident(),
        },
        {
            "agency": "HEALTH",
            "response_id": HEALTH_RESPONSE_ID,
            "person_ids": [CHILD_ID],
            "finding": _health_missed_appointments(),
        },
        {
            "agency": "HEALTH",
            "response_id": HEALTH_RESPONSE_ID,
            "person_ids": [CHILD_ID],
            "finding": _health_ae_attendance(redacted=True),
        },
    ],
    "risk_indicators": [
        {
            "concern_category": "RISK_FROM_ADULT",
            "level_of_need": "LEVEL_4",
            "indicator": (
                "A parent or other adult in the household/or regular visitor has been identified"
                " as presenting a risk, or potential risk, to children."
            ),
            "person_ids": [PARTNER_ID, CHILD_ID],
            "finding_ids": [POLICE_CAUTION_FINDING_ID, POLICE_DA_INCIDENT_FINDING_ID],
            "rule_id": "indicators.risk-from-adult.police-record",
        },
        {
            "concern_category": "DOMESTIC_ABUSE",
            "level_of_need": "LEVEL_3",
            "indicator": (
                "Domestic abuse, coercion or control in the home moderate risk of harm to"
                " child/ren is identified."
            ),
            "person_ids": [CHILD_ID, MOTHER_ID, PARTNER_ID],
            "finding_ids": [
                POLICE_DA_INCIDENT_FINDING_ID,
                POLICE_VICTIM_FINDING_ID,
                POLICE_CHILD_CONCERN_FINDING_ID,
            ],
            "rule_id": "indicators.domestic-abuse.police-incident",
        },
        {
            "concern_category": "CHILD_HEALTH_OR_DEVELOPMENT",
            "level_of_need": "LEVEL_2",
            "indicator": (
                "Chronic/recurring health problems with missed appointments, routine and"
                " non-routine."
            ),
            "person_ids": [CHILD_ID],
            "finding_ids": [HEALTH_MISSED_APPOINTMENTS_FINDING_ID],
            "rule_id": None,
        },
    ],
    "referrer_level_of_need": "LEVEL_4",
    "suggested_level_of_need": "LEVEL_4",
    "level_of_need_reasons": [
        "An adult in the household has a caution for assault and is the suspect in a recent"
        " domestic abuse incident at the home (police).",
        "The child discloses being grabbed by that adult and has bruising (contact).",
        "Previously subject to a child protection plan (social care allocation).",
    ],
    "agencies_awaited": ["EDUCATION"],
    "agencies_answered": ["POLICE", "HEALTH"],
    "completeness": "PARTIAL",
    "redacted_or_withheld": _health_decisions(),
    "person_links": [
        {
            "person_id": CHILD_ID,
            "source_person_id": None,
            "agency": "POLICE",
            "response_id": POLICE_RESPONSE_ID,
            "agency_identifiers": [
                _identifier("POLICE_PERSON_ID", CHILD_POLICE_ID, "Greater Manchester Police")
            ],
            "match_confidence": 0.92,
            "matched_fields": [
                "POLICE_PERSON_ID",
                "date_of_birth",
                "family_name",
                "given_name~nickname",
            ],
            "merged": True,
            "reason": (
                "POLICE matched the subject to its record (confidence 0.92); its names,"
                " identifiers and addresses are merged in."
            ),
        },
        {
            "person_id": CHILD_ID,
            "source_person_id": None,
            "agency": "HEALTH",
            "response_id": HEALTH_RESPONSE_ID,
            "agency_identifiers": [_identifier("NHS_NUMBER", CHILD_NHS_NUMBER)],
            "match_confidence": 0.99,
            "matched_fields": ["date_of_birth", "family_name", "given_name", "postcode"],
            "merged": True,
            "reason": (
                "HEALTH matched the subject to its record (confidence 0.99); its names,"
                " identifiers and addresses are merged in."
            ),
        },
        {
            "person_id": MOTHER_ID,
            "source_person_id": None,
            "agency": "HEALTH",
            "response_id": HEALTH_RESPONSE_ID,
            "agency_identifiers": [_identifier("NHS_NUMBER", MOTHER_NHS_NUMBER)],
            "match_confidence": 0.98,
            "matched_fields": ["NHS_NUMBER"],
            "merged": True,
            "reason": (
                "HEALTH matched the subject to its record (confidence 0.98); its names,"
                " identifiers and addresses are merged in."
            ),
        },
        {
            "person_id": PARTNER_ID,
            "source_person_id": None,
            "agency": "POLICE",
            "response_id": POLICE_RESPONSE_ID,
            "agency_identifiers": [
                _identifier("POLICE_PERSON_ID", PARTNER_POLICE_ID, "Greater Manchester Police")
            ],
            "match_confidence": 0.97,
            "matched_fields": ["POLICE_PERSON_ID", "date_of_birth", "family_name~hyphenated"],
            "merged": True,
            "reason": (
                "POLICE matched the subject to its record (confidence 0.97); its names,"
                " identifiers and addresses are merged in, among them the alias Ryan Marsh."
            ),
        },
    ],
    # Lily-Rose is the only child in the household.
    "household_children": [],
}

SEALED_PICTURE: dict[str, Any] = {
    "case_id": CASE_ID,
    "team_key": TEAM_KEY,
    "revision": 1,
    "key_id": "x25519:5d0c7e21a9b43f68",
    "ephemeral_public_key": (
        b"\xf0\xf6\x47\xae\xd5\x63\x66\x0e\xa9\x77\x10\xc5\x6a\xf9\x41\xb1"
        b"\x9e\x79\x7a\x16\xcd\x26\x51\xa6\x38\x27\x86\xe2\xda\x91\x15\xe7"
    ),
    "nonce": b"\x9a\xa8\xd5\xd2\x38\x1a\x8f\xbe\x65\xc4\x1c\x2e",
    # Stand-in bytes (not a real encryption of FAMILY_PICTURE): 64 bytes of body, 16 of tag.
    "ciphertext": (
        b"\x08\xb3\x82\xb2\xf2\xef\x16\x27\xfa\x89\x7f\x2f\x9d\x44\x5c\x94"
        b"\x83\x1d\x83\x68\xb5\x83\x92\x0c\xd1\x3e\xa7\xe8\x7d\xf3\x87\x9d"
        b"\x25\x50\x83\x3b\xb8\x3e\xdd\x4b\xdb\xa8\xea\x3a\x9c\x97\x6f\x15"
        b"\xd1\x6d\xc4\x46\x2e\xbb\x06\xa9\xe9\x4b\xa0\x0c\xe2\x4f\x8a\xfb"
        b"\xf2\x0f\xef\x0a\x68\x57\xbf\xe2\x1b\x48\xe2\x99\xa8\xc5\x16\x64"
    ),
    "algorithm": "X25519-HKDF-SHA256-AES-256-GCM",
    "sealed_at": PICTURE_SEALED_AT,
}

ALLOCATION: dict[str, Any] = {
    "child_id": CHILD_SOCIAL_CARE_ID,
    "case_id": PREVIOUS_CASE_ID,
    "child": _child(
        [
            _identifier("LOCAL_SOCIAL_CARE_ID", CHILD_SOCIAL_CARE_ID, "Wigan Council"),
            _identifier("LOCAL_EARLY_HELP_ID", CHILD_EARLY_HELP_ID, "Wigan Council"),
            _identifier("NHS_NUMBER", CHILD_NHS_NUMBER),
        ],
        person_id=PREVIOUS_CASE_CHILD_ID,
    ),
    "team_key": "early-help",
    "allocated_worker": _early_help_worker(),
    "allocated_since": date(2025, 11, 24),
    "open_plan_type": "EARLY_HELP",
    "previous_child_protection_plans": [
        {
            "plan_type": "CHILD_PROTECTION",
            "start_date": date(2021, 6, 14),
            "end_date": date(2022, 9, 30),
            "categories": ["EMOTIONAL_ABUSE"],
        }
    ],
    "updated_at": _at(2026, 2, 26, 15, 2, 11, 604),
}

NOTIFICATION: dict[str, Any] = {
    "notification_id": NOTIFICATION_ID,
    "case_id": CASE_ID,
    "contact_id": CONTACT_ID,
    "kind": "POLICE_NOTIFICATION",
    "recipient": {"team_key": None, "agency": "POLICE"},
    "reason": (
        "The contact reports a suspected assault on a child by an adult in the household"
        " (disclosure and bruising); the police must be notified immediately."
    ),
    "concern_categories": ["PHYSICAL_ABUSE", "DOMESTIC_ABUSE"],
    "raised_at": NOTIFICATION_RAISED_AT,
    "due_at": _at(2026, 3, 3, 11, 14, 27, 350),
}

AUDIT_RECORD: dict[str, Any] = {
    "record_id": AUDIT_RECORD_ID,
    "sequence": 41,
    "case_id": CASE_ID,
    "recorded_at": HEALTH_DECIDED_AT,
    "actor": {"agent": "policy", "agency": None},
    "action": "REDACTED",
    # HMAC-SHA256 of the child's NHS number under the subject key (stand-in value).
    "subject_refs": [
        b"\xe8\x75\xa9\xc7\x1a\xcd\xd8\xf4\x04\x89\xf7\xff\x3e\x20\xe6\x38"
        b"\xe9\x21\xcd\xc9\xa1\xe9\x27\xe0\xec\x32\x55\x24\x96\x3a\x15\xf1"
    ],
    "subject_ref_key_id": "subject-hmac-2026-01",
    "source_agency": "HEALTH",
    "categories": ["health.ae_attendance"],
    "rule_id": "proportionality.detail-not-necessary-at-screening",
    "rule_version": "1.2.0",
    "lawful_basis": [
        "CONSENT",
        "UK_GDPR_ART_6_1_E_PUBLIC_TASK",
        "UK_GDPR_ART_9_2_H_HEALTH_OR_SOCIAL_CARE",
    ],
    "consent_status": "GIVEN",
    "consent_overridden": False,
    "recipient": {"team_key": TEAM_KEY, "agency": None},
    "reason": "detail-not-necessary-at-screening",
    "request_id": HEALTH_REQUEST_ID,
    "response_id": HEALTH_RESPONSE_ID,
    "previous_record_hash": (
        b"\xa3\xec\x5f\x23\x4e\x33\xf0\x1d\x39\x23\xc7\x39\x66\xad\x29\x64"
        b"\xaa\x04\xc5\x06\xca\x03\x2b\x7a\x4f\xe7\x1f\x1e\xbb\x21\x60\xb6"
    ),
    "signature": (
        b"\x97\xaa\xb9\xdf\x24\x07\x57\xc5\xfb\xc9\x94\x5b\x59\xb0\x63\xde"
        b"\xab\x4c\xc1\x50\xd2\x86\xd6\x1c\x12\x96\xc8\xdc\xa9\x97\x47\x2d"
        b"\x0b\x51\x4b\xc3\xd2\xc1\x19\xb1\x9d\x3e\x87\xe0\x5e\xcc\x90\x2e"
        b"\xcd\x32\x91\xab\x63\x19\x39\x93\x76\x38\x34\x93\x16\xfb\x78\x0d"
    ),
    "key_id": "ed25519:7b1e04c9d2a86f35",
    "source_offset": 1377,
}

AUDIT_CHECKPOINT: dict[str, Any] = {
    "checkpoint_id": uuid.UUID("5c0f7be1-58b5-4d0e-a4f4-2b8c51a0e6d2"),
    "partition": 3,
    "tree_size": 42,
    "root_hash": bytes(range(32)),
    "last_record_hash": bytes(range(32, 64)),
    "frontier": [bytes(range(64, 96)), bytes(range(96, 128)), bytes(range(128, 160))],
    "checkpointed_at": HEALTH_DECIDED_AT,
    "key_id": "ed25519:7b1e04c9d2a86f35",
    "signature": bytes(range(64)),
}

# Education's connector answered in JSON instead of Avro; the policy agent refused it.
_EDUCATION_BAD_VALUE = (
    b'{"request_id": "8274f59c-c018-47d4-8efc-bbab54cf9a7e", "status": "pending-review"}'
)

DEAD_LETTER: dict[str, Any] = {
    "dead_letter_id": DEAD_LETTER_ID,
    "source_topic": "mash.responses.v1",
    "partition": 4,
    "offset": 18842,
    "source_key": b"18147c44-f789-416f-8ea7-86cdf35c7572",
    "original_value": _EDUCATION_BAD_VALUE,
    "original_size": 82,
    "value_truncated": False,
    "original_headers": [
        {"key": "mash-message-id", "value": b"2d6f1a84-93c5-4e07-b1d8-5a0c7e39f412"},
        {"key": "mash-sender", "value": b"education-connector"},
        {"key": "mash-key-id", "value": b"ed25519:c41f9a02d7e3b865"},
        {"key": "mash-schema", "value": b"4dc4fe786b56ee83"},
        {"key": "mash-signed-at", "value": b"1772543101402"},
        {
            "key": "mash-signature",
            "value": (
                b"\xbb\xa4\xe6\x2e\xdd\xc4\xd7\xf9\x16\x9f\xa0\xe9\x37\x23\xc0\xa3"
                b"\x24\xed\x63\x90\x49\x00\xba\x94\x41\x88\x9b\x53\xeb\x9d\x50\xee"
                b"\x31\x0e\xe4\xed\x32\x6a\x1f\x05\x02\x24\x67\xc4\xa8\xd2\x35\x91"
                b"\x69\xe5\x8f\xfd\x10\x19\x83\x70\x8a\xf2\x7a\x0b\x18\x5a\x5f\xb4"
            ),
        },
    ],
    "original_timestamp": _at(2026, 3, 3, 13, 5, 1, 402),
    "reason": "MALFORMED",
    "message": "the schema header does not match the fingerprint in the value",
    "consumer": "policy",
    "failed_at": _at(2026, 3, 3, 13, 5, 1, 587),
}

MASH_DECISION: dict[str, Any] = {
    "decision_id": uuid.UUID("5b0e7f3c-2d4a-4e8b-9c61-7a3f0d2e8b14"),
    "case_id": CASE_ID,
    "contact_id": CONTACT_ID,
    "outcome": "STRATEGY_DISCUSSION",
    "level_of_need": "LEVEL_4",
    "rationale": "Bruising disclosed by the child, named adult, police and health history of "
    "domestic abuse: significant harm suspected; strategy discussion with police and health today.",
    "team_key": TEAM_KEY,
    "decided_by": {
        "name": "Grace Okafor",
        "role": "Team Manager",
        "agency": "SOCIAL_CARE",
        "organisation": "Wigan Council",
        "team": "MASH duty team",
        "contact_details": None,
    },
    "decided_at": _at(2026, 3, 3, 15, 40, 12, 80),
    "picture_revision": 2,
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "uk.mash.v1.Contact": CONTACT,
    "uk.mash.v1.InformationRequest": INFORMATION_REQUEST,
    "uk.mash.v1.InformationResponse": INFORMATION_RESPONSE,
    "uk.mash.v1.SharedInformation": SHARED_INFORMATION,
    "uk.mash.v1.FamilyPicture": FAMILY_PICTURE,
    "uk.mash.v1.SealedPicture": SEALED_PICTURE,
    "uk.mash.v1.Allocation": ALLOCATION,
    "uk.mash.v1.Notification": NOTIFICATION,
    "uk.mash.v1.AuditRecord": AUDIT_RECORD,
    "uk.mash.v1.AuditSubmission": {"records": [AUDIT_RECORD]},
    "uk.mash.v1.AuditCheckpoint": AUDIT_CHECKPOINT,
    "uk.mash.v1.DeadLetter": DEAD_LETTER,
    "uk.mash.v1.MashDecision": MASH_DECISION,
    "uk.mash.v1.Person": _child_merged(),
    "uk.mash.v1.Consent": _partner_consent(),
}
"""One synthetic record per schema, keyed by full schema name."""
