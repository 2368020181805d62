"""The family picture as text: every section there, nothing missing without saying so."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from broker.codec import AvroCodec
from mash.picture_view import render_picture
from tests.examples import EXAMPLES, FAMILY_PICTURE

RENDERED = render_picture(FAMILY_PICTURE)

MINIMAL: dict[str, Any] = {
    "case_id": uuid.UUID("5b0f3c1e-8a2d-4e6f-9c47-1d3e5a7b9f02"),
    "revision": 1,
    "revision_reason": "OTHER",
    "generated_at": datetime(2026, 7, 1, 9, 30, tzinfo=UTC),
    "contact_id": None,
    "concern_summary": None,
    "concern_categories": [],
    "immediate_risk": False,
    "rag_rating": "UNKNOWN",
    "decision_due_at": None,
    "consent": None,
    "persons": [],
    "chronology": [],
    "risk_indicators": [],
    "referrer_level_of_need": "UNKNOWN",
    "suggested_level_of_need": "UNKNOWN",
    "level_of_need_reasons": [],
    "agencies_awaited": [],
    "agencies_answered": [],
    "completeness": "UNKNOWN",
    "redacted_or_withheld": [],
}


def _section(text: str, title: str) -> str:
    """The body of one section, from its title to the next blank line."""
    start = text.index(f"\n{title}") + 1
    end = text.find("\n\n", start)
    return text[start : end if end != -1 else len(text)]


def _flat(text: str) -> str:
    """Text with its line wrapping undone."""
    return " ".join(text.split())


def test_the_header_gives_case_revision_rag_deadline_and_agencies() -> None:
    header = RENDERED.split("\n\n")[0]
    assert "case 18147c44-f789-416f-8ea7-86cdf35c7572" in header
    assert "Revision        1 (Deadline reached)" in header
    assert "RAG rating      AMBER" in header
    assert "Decision due    Wed 04 Mar 2026 10:14 GMT" in header
    assert "PARTIAL: 2 of 3 agencies answered" in header
    assert "Answered        Police, Health" in header
    assert "Awaited         Education" in header


def test_the_concern_and_its_categories() -> None:
    concern = _section(RENDERED, "CONCERN")
    assert "fingertip-pattern bruising" in concern
    assert "Physical abuse, Domestic abuse, Emotional abuse" in concern


def test_consent_says_who_agreed_to_what() -> None:
    consent = _section(RENDERED, "CONSENT")
    assert "Status: Given (verbal), by Danielle CALDER" in consent
    assert "Hannah Whitlow (Designated Safeguarding Lead, Brookfold Primary School)" in consent
    assert "Covers: Lily-Rose CALDER, Danielle CALDER" in consent


def test_a_consent_override_shows_its_reason_gateway_and_approval() -> None:
    picture = {**FAMILY_PICTURE, "consent": EXAMPLES["uk.mash.v1.Consent"]}
    consent = _section(render_picture(picture), "CONSENT")
    assert "Status: Not sought" in consent
    assert "OVERRIDE: Risk of significant harm" in consent
    assert "Legal gateway: Children Act 1989 s47, UK GDPR Art. 6(1)(e) public task" in _flat(
        consent
    )
    assert "Approved by: Joanne Kenyon (MASH Team Manager, Wigan Council)" in consent
    assert "Family informed: not yet" in consent


def test_persons_with_dates_of_birth_and_identifiers() -> None:
    persons = _section(RENDERED, "PERSONS")
    assert "1. Lily-Rose CALDER: Child" in persons
    assert "Born: 14 May 2017 (age 8)" in persons
    assert "NHS number 9990004129" in persons
    assert "3. Ryan MERCER: Person of concern (mother's partner)" in persons
    assert "Ryan MARSH [alias]" in persons
    assert "Police person ID GMP00471923 (Greater Manchester Police)" in persons
    assert "Other children in the household:\n    none recorded" in persons


def test_the_chronology_is_a_dated_timeline() -> None:
    chronology = _section(RENDERED, "CHRONOLOGY")
    dates = ["08 Jun 2019", "20 Dec 2025", "14 Jan 2026", "18 Jan 2026"]
    positions = [chronology.index(day) for day in dates]
    assert positions == sorted(positions)
    first = next(line for line in chronology.splitlines() if line.startswith("08 Jun 2019"))
    assert "Police" in first
    assert "police.crime_suspect_or_offender" in first
    assert "severity MODERATE" in first
    assert "Cautioned for common assault" in chronology


def test_a_redacted_finding_is_marked_where_it_appears() -> None:
    chronology = _flat(_section(RENDERED, "CHRONOLOGY"))
    entry = chronology[chronology.index("18 Jan 2026") :]
    assert "[REDACTED: finding health.ae_attendance" in entry
    assert "removed: detail" in entry
    assert "proportionality.detail-not-necessary-at-screening" in entry


def test_risk_indicators_with_their_levels() -> None:
    risks = _flat(_section(RENDERED, "RISK INDICATORS"))
    assert "Risk from adult: points to Level 4, safeguarding, acute and specialist" in risks
    assert "Domestic abuse: points to Level 3, early help (complex needs)" in risks
    assert "rule indicators.domestic-abuse.police-incident" in risks


def test_the_level_of_need_is_a_recommendation_with_reasons() -> None:
    level = _section(RENDERED, "LEVEL OF NEED")
    assert "RECOMMENDATION" in level.splitlines()[0]
    assert "Suggested: Level 4" in level
    assert "Referrer's view: Level 4" in level
    assert "caution for assault" in level


def test_redacted_and_withheld_items_show_their_rule() -> None:
    section = _flat(_section(RENDERED, "REDACTED OR WITHHELD"))
    assert section.startswith("REDACTED OR WITHHELD (2)")
    assert (
        "- REDACTED: finding health.ae_attendance about Lily-Rose CALDER; removed: detail;"
        " rule proportionality.detail-not-necessary-at-screening v1.2.0" in section
    )
    assert (
        "- WITHHELD: finding health.substance_misuse about Danielle CALDER;"
        " rule proportionality.category-not-permitted v1.2.0;"
        " why: The request did not permit this category." in section
    )


def test_an_unknown_outcome_is_shown_as_withheld() -> None:
    decision = {**FAMILY_PICTURE["redacted_or_withheld"][1], "outcome": "UNKNOWN"}
    picture = {**FAMILY_PICTURE, "redacted_or_withheld": [decision]}
    assert "WITHHELD (outcome unknown)" in render_picture(picture)


def test_plain_text_within_the_width() -> None:
    assert "\x1b" not in RENDERED
    assert max(len(line) for line in RENDERED.splitlines()) <= 100
    assert RENDERED.endswith("\n")


def test_a_minimal_picture_says_what_is_empty() -> None:
    text = render_picture(MINIMAL)
    assert "Decision due    not recorded" in text
    assert "UNKNOWN (treat as partial): 0 of 0 agencies answered" in text
    assert "No summary given." in text
    assert "No consent position recorded." in text
    assert "No one recorded." in text
    assert "Nothing shared yet." in text
    assert "None identified." in text
    assert "Suggested: not assessed" in text
    assert "Nothing was redacted or withheld." in text


@pytest.mark.parametrize("field", sorted(MINIMAL))
def test_any_field_may_be_none_or_missing(field: str) -> None:
    assert render_picture({**MINIMAL, field: None})
    assert render_picture({name: value for name, value in MINIMAL.items() if name != field})


def test_nested_optional_fields_may_be_none() -> None:
    picture = copy.deepcopy(FAMILY_PICTURE)
    person = picture["persons"][0]
    person.update(date_of_birth=None, names=[], identifiers=None, addresses=None, gender=None)
    picture["chronology"][0]["finding"].update(event_date=None, severity=None, detail=None)
    picture["consent"].update(scope=None, obtained_by=None, obtained_at=None)
    picture["redacted_or_withheld"][0].update(person_id=None, reason=None, category=None)
    text = render_picture(picture)
    assert "1. (name not known): Child" in text
    assert "Born: not known" in text
    assert "date unknown" in text


SIBLING_ID = uuid.UUID("0d7f5a83-61c2-4b9e-a3f1-22c4e9b8d610")
SIBLING = {
    **FAMILY_PICTURE["persons"][0],
    "person_id": SIBLING_ID,
    "role": "SIBLING",
    "names": [{"given_names": "Mason", "family_name": "Calder", "name_type": "CURRENT"}],
    "date_of_birth": {"date": date(2021, 2, 9), "precision": "DAY"},
}


def test_person_links_say_how_each_agency_record_was_joined() -> None:
    partner, mother = FAMILY_PICTURE["persons"][2], FAMILY_PICTURE["persons"][1]
    links = [
        {
            "person_id": partner["person_id"],
            "source_person_id": None,
            "agency": "POLICE",
            "response_id": None,
            "agency_identifiers": partner["identifiers"],
            "match_confidence": 0.97,
            "matched_fields": ["POLICE_PERSON_ID", "date_of_birth"],
            "merged": True,
            "reason": "Same police person id as the referral.",
        },
        {
            "person_id": mother["person_id"],
            "source_person_id": None,
            "agency": "HOUSING",
            "response_id": None,
            "agency_identifiers": [],
            "match_confidence": 0.61,
            "matched_fields": ["family_name~fuzzy", "postcode"],
            "merged": False,
            "reason": "Name and address agree; date of birth missing.",
        },
        {"person_id": SIBLING_ID, "agency": "EDUCATION", "reason": "Named by the school."},
    ]
    persons = _flat(_section(render_picture({**FAMILY_PICTURE, "person_links": links}), "PERSONS"))
    assert (
        "Agency records joined to this person (1): - Police; Police person ID GMP00471923"
        " (Greater Manchester Police); confidence 0.97; matched on POLICE_PERSON_ID,"
        " date_of_birth; merged; Same police person id as the referral." in persons
    )
    assert "Housing; confidence 0.61" in persons
    assert "LINKED, NOT MERGED: check before relying on it" in persons
    assert "Agency records linked to no one listed above: - Education; merged;" in persons


def test_household_children_are_named_from_the_persons() -> None:
    picture = {
        **FAMILY_PICTURE,
        "persons": [*FAMILY_PICTURE["persons"], SIBLING],
        "household_children": [SIBLING_ID, uuid.UUID("1c9e7f04-5a3b-4d2e-8f61-7b0a9c3d2e15")],
    }
    persons = _flat(_section(render_picture(picture), "PERSONS"))
    assert (
        "Other children in the household: - Mason CALDER (Sibling), born 09 Feb 2021 (age 5)"
        " - person 1c9e7f04 (not among the persons above)" in persons
    )


def test_fields_of_a_newer_schema_are_shown() -> None:
    picture = {**FAMILY_PICTURE, "school_attendance": {"percent": 86, "term": "spring"}}
    assert "school_attendance: percent: 86; term: spring" in render_picture(picture)


def test_a_picture_read_from_the_wire_renders() -> None:
    codec = AvroCodec()
    wire = codec.encode("uk.mash.v1.FamilyPicture", FAMILY_PICTURE)
    assert render_picture(codec.decode(wire, "uk.mash.v1.FamilyPicture").value) == RENDERED


def test_other_children_among_the_persons_are_listed() -> None:
    picture = {**FAMILY_PICTURE, "persons": [*FAMILY_PICTURE["persons"], SIBLING]}
    persons = _section(render_picture(picture), "PERSONS")
    assert "Other children in the household:\n    - Mason CALDER (Sibling), born 09" in persons
