"""The family picture as a social worker reads it in a terminal.

Plain text about 100 columns wide, no colour codes, one section after another:
the header, the concern, consent, the people (and the other children in the
household), the chronology, risk indicators, the suggested level of need (a
recommendation: the MASH manager decides), and everything the policy redacted or
withheld with the rule that decided it, so nothing is missing without saying so.

Each person is followed by the agency records joined to them (``person_links``),
with a possible match that was only linked, not merged, called out; the other
children are ``household_children`` and any other child in ``persons``.

The view reads a ``uk.mash.v1.FamilyPicture`` value defensively: optional fields
may be None or absent (pictures of schema 0.1.0 have no ``person_links``), and a
field this view does not know is listed at the end under OTHER FIELDS, never
dropped. The text helpers it lays the sections out with are in
:mod:`mash.text_layout`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from mash.text_layout import (
    INDENT,
    LOCAL_TIME,
    WIDTH,
    address_text,
    as_text,
    birth_text,
    day,
    decision_text,
    describe,
    full_name,
    heading,
    identifier_text,
    items,
    law,
    level_text,
    link_text,
    moment,
    name_text,
    practitioner_text,
    word_list,
    words,
    wrap,
)

CHILD_ROLES = {"CHILD", "SIBLING", "UNBORN_CHILD"}
SECTIONS_READ = {
    "case_id", "revision", "revision_reason", "generated_at", "contact_id", "concern_summary",
    "concern_categories", "immediate_risk", "rag_rating", "decision_due_at", "consent", "persons",
    "chronology", "risk_indicators", "referrer_level_of_need", "suggested_level_of_need",
    "level_of_need_reasons", "agencies_awaited", "agencies_answered", "completeness",
    "redacted_or_withheld", "person_links", "household_children",
}  # fmt: skip


def render_picture(picture: Mapping[str, Any]) -> str:
    """The whole picture as plain text, ending with a newline."""
    people = _People(items(picture.get("persons")))
    decisions = items(picture.get("redacted_or_withheld"))
    sections = [
        _header(picture),
        _concern(picture),
        _consent(picture.get("consent"), people),
        _persons(picture, people, decisions),
        _chronology(picture, people, decisions),
        _risk_indicators(picture, people),
        _level_of_need(picture),
        _redacted_or_withheld(decisions, people),
        _other_fields(picture, people),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


class _People:
    """Names for person ids, so every section can say who rather than which uuid."""

    def __init__(self, persons: list[Mapping[str, Any]]) -> None:
        self.persons = persons
        self._names = {str(person.get("person_id")): full_name(person) for person in persons}

    def by_id(self, person_id: object) -> Mapping[str, Any] | None:
        return next((p for p in self.persons if str(p.get("person_id")) == str(person_id)), None)

    def name(self, person_id: object) -> str:
        if person_id is None:
            return "(nobody named)"
        return self._names.get(str(person_id)) or f"person {str(person_id)[:8]}"

    def names(self, person_ids: object) -> str:
        return ", ".join(self.name(person_id) for person_id in items(person_ids)) or "nobody named"


def _header(picture: Mapping[str, Any]) -> str:
    answered = items(picture.get("agencies_answered"))
    awaited = items(picture.get("agencies_awaited"))
    completeness = picture.get("completeness") or "UNKNOWN"
    completeness += " (treat as partial)" if completeness == "UNKNOWN" else ""
    reason = words(picture.get("revision_reason"))
    title = f"FAMILY PICTURE  case {as_text(picture.get('case_id'))}"
    rows = [
        ("Revision", f"{as_text(picture.get('revision'))} ({reason})"),
        ("RAG rating", as_text(picture.get("rag_rating") or "UNKNOWN")),
        ("Immediate risk", "YES" if picture.get("immediate_risk") else "no"),
        ("Decision due", moment(picture.get("decision_due_at"))),
        ("Completeness", f"{completeness}: {len(answered)} of {len(answered) + len(awaited)}"
         " agencies answered"),
        ("Answered", word_list(answered)),
        ("Awaited", word_list(awaited)),
        ("Generated", moment(picture.get("generated_at"))),
        ("Contact", as_text(picture.get("contact_id"))),
    ]  # fmt: skip
    lines = [title, "=" * WIDTH]
    lines += [wrap(f"{label:<16}{value}", subsequent=" " * 16) for label, value in rows]
    return "\n".join(lines)


def _concern(picture: Mapping[str, Any]) -> str:
    lines = heading("CONCERN")
    lines.append(wrap(as_text(picture.get("concern_summary"), "No summary given.")))
    lines.append(wrap(f"Categories: {word_list(picture.get('concern_categories'))}"))
    return "\n".join(lines)


def _consent(consent: Mapping[str, Any] | None, people: _People) -> str:
    lines = heading("CONSENT")
    if not consent:
        lines.append("No consent position recorded.")
        return "\n".join(lines)
    status, method = words(consent.get("status")), consent.get("method")
    status += f" ({words(method).lower()})" if method and method != "UNKNOWN" else ""
    if consent.get("given_by_person_id") is not None:
        status += f", by {people.name(consent.get('given_by_person_id'))}"
    lines.append(wrap(f"Status: {status}"))
    if consent.get("obtained_by") or consent.get("obtained_at"):
        who = practitioner_text(consent.get("obtained_by"))
        lines.append(wrap(f"Obtained by: {who}, {moment(consent.get('obtained_at'))}"))
    scope = consent.get("scope")
    if scope:
        lines.append(wrap(f"Purposes: {word_list(scope.get('purposes'))}"))
        agencies = word_list(scope.get("agencies"), "the MASH partners as explained to the family")
        lines.append(wrap(f"Agencies: {agencies}"))
        covers = people.names(scope.get("person_ids")) if scope.get("person_ids") else "everyone"
        lines.append(wrap(f"Covers: {covers}"))
        if scope.get("description"):
            lines.append(wrap(f"What was agreed: {scope['description']}"))
    override = consent.get("override")
    if override:
        lines.append(wrap(f"OVERRIDE: {words(override.get('reason_code'))}"))
        lines.append(wrap(as_text(override.get("reason")), initial=INDENT))
        gateway = ", ".join(law(basis) for basis in items(override.get("legal_gateway")))
        lines.append(wrap(f"Legal gateway: {gateway or 'none recorded'}", INDENT))
        for label, who, when in (
            ("Decided by", "decided_by", "decided_at"),
            ("Approved by", "approved_by", "approved_at"),
        ):
            text = f"{label}: {practitioner_text(override.get(who))}, {moment(override.get(when))}"
            lines.append(wrap(text, INDENT))
        informed = override.get("family_informed_at")
        lines.append(f"{INDENT}Family informed: {moment(informed) if informed else 'not yet'}")
    return "\n".join(lines)


def _persons(
    picture: Mapping[str, Any], people: _People, decisions: list[Mapping[str, Any]]
) -> str:
    persons = people.persons
    lines = heading(f"PERSONS ({len(persons)})")
    if not persons:
        lines.append("No one recorded.")
    generated = picture.get("generated_at")
    as_of = generated.astimezone(LOCAL_TIME).date() if isinstance(generated, datetime) else None
    links = items(picture.get("person_links"))
    for number, person in enumerate(persons, 1):
        lines.append(f"{number}. " + _person(person, as_of, decisions))
        own = [link for link in links if _person_id(link) == str(person.get("person_id"))]
        if own:
            lines.append(f"{INDENT}Agency records joined to this person ({len(own)}):")
            lines += [
                wrap(f"- {link_text(link, people.name)}", INDENT * 2, INDENT * 2 + "  ")
                for link in own
            ]
    stray = [link for link in links if people.by_id(_person_id(link)) is None]
    if stray:
        lines.append("Agency records linked to no one listed above:")
        lines += [
            wrap(f"- {link_text(link, people.name)}", INDENT, INDENT + "  ") for link in stray
        ]
    lines.append("Other children in the household:")
    children = _household_children(picture, people, as_of)
    lines += [wrap(f"- {child}", INDENT, INDENT + "  ") for child in children]
    lines += [] if children else [f"{INDENT}none recorded"]
    return "\n".join(lines)


def _person(person: Mapping[str, Any], as_of: date | None, decisions: list[Any]) -> str:
    role, relationship = words(person.get("role")), person.get("relationship_to_child")
    lines = [f"{full_name(person)}: {role}" + (f" ({relationship})" if relationship else "")]
    other_names = [name_text(name) for name in items(person.get("names"))[1:]]
    if other_names:
        lines.append(wrap(f"Other names: {'; '.join(other_names)}", INDENT))
    born = birth_text(person.get("date_of_birth"), as_of)
    lines.append(wrap(f"Born: {born}; gender: {words(person.get('gender'))}", INDENT))
    responsibility = person.get("parental_responsibility")
    if responsibility is not None:
        lines.append(f"{INDENT}Parental responsibility: {'yes' if responsibility else 'no'}")
    for address in items(person.get("addresses")):
        lines.append(wrap(f"Address: {address_text(address)}", INDENT))
    identifiers = "; ".join(identifier_text(item) for item in items(person.get("identifiers")))
    lines.append(wrap(f"Identifiers: {identifiers or 'none'}", INDENT))
    about = [d for d in decisions if str(d.get("person_id")) == str(person.get("person_id"))]
    if about:
        lines.append(f"{INDENT}Redacted or withheld about this person: {len(about)} (below)")
    return "\n".join(lines)


def _household_children(
    picture: Mapping[str, Any], people: _People, as_of: date | None
) -> list[str]:
    """The other children: ``household_children`` and any other child-role persons."""
    entries = [(_person_id(child), child) for child in items(picture.get("household_children"))]
    listed = {person_id for person_id, _ in entries}
    subject = next((p for p in people.persons if p.get("role") == "CHILD"), None)
    for person in people.persons:
        person_id = str(person.get("person_id"))
        if person is not subject and person.get("role") in CHILD_ROLES and person_id not in listed:
            entries.append((person_id, person))
    children = []
    for person_id, item in entries:
        found = people.by_id(person_id)
        if found is None:
            children.append(f"{describe(item, people.name)} (not among the persons above)")
            continue
        born = birth_text(found.get("date_of_birth"), as_of)
        children.append(f"{full_name(found)} ({words(found.get('role'))}), born {born}")
    return children


def _person_id(item: object) -> str:
    return str(item.get("person_id") if isinstance(item, Mapping) else item)


def _chronology(
    picture: Mapping[str, Any], people: _People, decisions: list[Mapping[str, Any]]
) -> str:
    entries = items(picture.get("chronology"))
    lines = heading(f"CHRONOLOGY ({len(entries)} entries, oldest first)")
    if not entries:
        lines.append("Nothing shared yet.")
    if decisions:
        lines.append(f"({len(decisions)} item(s) redacted or withheld: see REDACTED OR WITHHELD)")
    by_finding: dict[str, list[Mapping[str, Any]]] = {}
    for decision in decisions:
        if decision.get("finding_id") is not None:
            by_finding.setdefault(str(decision["finding_id"]), []).append(decision)
    for entry in entries:
        finding: Mapping[str, Any] = entry.get("finding") or {}
        when = day(finding.get("event_date")) if finding.get("event_date") else "date unknown"
        lines.append(
            f"{when:<13}{words(entry.get('agency')):<13}{as_text(finding.get('category')):<44}"
            f" severity {as_text(finding.get('severity') or 'UNKNOWN')}"
        )
        pad = " " * 13
        lines.append(wrap(as_text(finding.get("summary")), pad))
        if finding.get("detail"):
            lines.append(wrap(f"Detail: {finding['detail']}", pad))
        lines.append(wrap(f"About: {people.names(entry.get('person_ids'))}", pad))
        extra = [f"Concerns: {word_list(finding.get('concern_categories'))}"]
        if finding.get("source_reference"):
            extra.append(f"ref {finding['source_reference']}")
        lines.append(wrap("; ".join(extra), pad))
        for decision in by_finding.get(str(finding.get("finding_id")), []):
            lines.append(wrap(f"[{decision_text(decision, people.name)}]", pad))
    return "\n".join(lines)


def _risk_indicators(picture: Mapping[str, Any], people: _People) -> str:
    indicators = items(picture.get("risk_indicators"))
    lines = heading(f"RISK INDICATORS ({len(indicators)})")
    if not indicators:
        lines.append("None identified.")
    for indicator in indicators:
        level = level_text(indicator.get("level_of_need"))
        lines.append(wrap(f"- {words(indicator.get('concern_category'))}: points to {level}"))
        lines.append(wrap(f'"{as_text(indicator.get("indicator"))}"', INDENT))
        evidence = len(items(indicator.get("finding_ids")))
        about = f"About: {people.names(indicator.get('person_ids'))}; {evidence} finding(s)"
        if indicator.get("rule_id"):
            about += f"; rule {indicator['rule_id']}"
        lines.append(wrap(about, INDENT))
    return "\n".join(lines)


def _level_of_need(picture: Mapping[str, Any]) -> str:
    lines = heading("LEVEL OF NEED: A RECOMMENDATION, the MASH manager decides")
    lines.append(wrap(f"Suggested: {level_text(picture.get('suggested_level_of_need'))}"))
    lines.append(wrap(f"Referrer's view: {level_text(picture.get('referrer_level_of_need'))}"))
    reasons = items(picture.get("level_of_need_reasons"))
    lines.append("Reasons:" if reasons else "Reasons: none given.")
    lines += [wrap(f"- {reason}", INDENT, INDENT + "  ") for reason in reasons]
    return "\n".join(lines)


def _redacted_or_withheld(decisions: list[Mapping[str, Any]], people: _People) -> str:
    lines = heading(f"REDACTED OR WITHHELD ({len(decisions)})")
    if not decisions:
        lines.append("Nothing was redacted or withheld.")
    lines += [
        wrap(f"- {decision_text(decision, people.name)}", "", INDENT) for decision in decisions
    ]
    return "\n".join(lines)


def _other_fields(picture: Mapping[str, Any], people: _People) -> str:
    """Fields of a newer schema this view does not lay out: shown, not dropped."""
    extra = {k: v for k, v in picture.items() if k not in SECTIONS_READ and v not in (None, [])}
    if not extra:
        return ""
    lines = heading("OTHER FIELDS")
    for name, value in extra.items():
        shown = "; ".join(describe(item, people.name) for item in items(value))
        lines.append(wrap(f"{name}: {shown}", "", INDENT))
    return "\n".join(lines)
