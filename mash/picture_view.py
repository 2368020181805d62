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
dropped.
"""

from __future__ import annotations

import re
import textwrap
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

WIDTH = 100
INDENT = "    "
LOCAL_TIME = ZoneInfo("Europe/London")
#: Wigan's names for the levels of need (thresholds, "Understanding the Levels of Need").
LEVELS = {
    "LEVEL_1": "Level 1, universal",
    "LEVEL_2": "Level 2, earliest help (additional needs)",
    "LEVEL_3": "Level 3, early help (complex needs)",
    "LEVEL_4": "Level 4, safeguarding, acute and specialist",
}
ACRONYMS = {"NHS", "UK", "GDPR", "CAMHS", "CAFCASS", "MASH", "ID"}
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
    people = _People(_items(picture.get("persons")))
    decisions = _items(picture.get("redacted_or_withheld"))
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
        self._names = {str(person.get("person_id")): _full_name(person) for person in persons}

    def by_id(self, person_id: object) -> Mapping[str, Any] | None:
        return next((p for p in self.persons if str(p.get("person_id")) == str(person_id)), None)

    def name(self, person_id: object) -> str:
        if person_id is None:
            return "(nobody named)"
        return self._names.get(str(person_id)) or f"person {str(person_id)[:8]}"

    def names(self, person_ids: object) -> str:
        return ", ".join(self.name(person_id) for person_id in _items(person_ids)) or "nobody named"


def _header(picture: Mapping[str, Any]) -> str:
    answered = _items(picture.get("agencies_answered"))
    awaited = _items(picture.get("agencies_awaited"))
    completeness = picture.get("completeness") or "UNKNOWN"
    completeness += " (treat as partial)" if completeness == "UNKNOWN" else ""
    reason = _words(picture.get("revision_reason"))
    title = f"FAMILY PICTURE  case {_text(picture.get('case_id'))}"
    rows = [
        ("Revision", f"{_text(picture.get('revision'))} ({reason})"),
        ("RAG rating", _text(picture.get("rag_rating") or "UNKNOWN")),
        ("Immediate risk", "YES" if picture.get("immediate_risk") else "no"),
        ("Decision due", _moment(picture.get("decision_due_at"))),
        ("Completeness", f"{completeness}: {len(answered)} of {len(answered) + len(awaited)}"
         " agencies answered"),
        ("Answered", _list(answered)),
        ("Awaited", _list(awaited)),
        ("Generated", _moment(picture.get("generated_at"))),
        ("Contact", _text(picture.get("contact_id"))),
    ]  # fmt: skip
    lines = [title, "=" * WIDTH]
    lines += [_wrap(f"{label:<16}{value}", subsequent=" " * 16) for label, value in rows]
    return "\n".join(lines)


def _concern(picture: Mapping[str, Any]) -> str:
    lines = _heading("CONCERN")
    lines.append(_wrap(_text(picture.get("concern_summary"), "No summary given.")))
    lines.append(_wrap(f"Categories: {_list(picture.get('concern_categories'))}"))
    return "\n".join(lines)


def _consent(consent: Mapping[str, Any] | None, people: _People) -> str:
    lines = _heading("CONSENT")
    if not consent:
        lines.append("No consent position recorded.")
        return "\n".join(lines)
    status, method = _words(consent.get("status")), consent.get("method")
    status += f" ({_words(method).lower()})" if method and method != "UNKNOWN" else ""
    if consent.get("given_by_person_id") is not None:
        status += f", by {people.name(consent.get('given_by_person_id'))}"
    lines.append(_wrap(f"Status: {status}"))
    if consent.get("obtained_by") or consent.get("obtained_at"):
        who = _practitioner(consent.get("obtained_by"))
        lines.append(_wrap(f"Obtained by: {who}, {_moment(consent.get('obtained_at'))}"))
    scope = consent.get("scope")
    if scope:
        lines.append(_wrap(f"Purposes: {_list(scope.get('purposes'))}"))
        agencies = _list(scope.get("agencies"), "the MASH partners as explained to the family")
        lines.append(_wrap(f"Agencies: {agencies}"))
        covers = people.names(scope.get("person_ids")) if scope.get("person_ids") else "everyone"
        lines.append(_wrap(f"Covers: {covers}"))
        if scope.get("description"):
            lines.append(_wrap(f"What was agreed: {scope['description']}"))
    override = consent.get("override")
    if override:
        lines.append(_wrap(f"OVERRIDE: {_words(override.get('reason_code'))}"))
        lines.append(_wrap(_text(override.get("reason")), initial=INDENT))
        gateway = ", ".join(_law(basis) for basis in _items(override.get("legal_gateway")))
        lines.append(_wrap(f"Legal gateway: {gateway or 'none recorded'}", INDENT))
        for label, who, when in (
            ("Decided by", "decided_by", "decided_at"),
            ("Approved by", "approved_by", "approved_at"),
        ):
            text = f"{label}: {_practitioner(override.get(who))}, {_moment(override.get(when))}"
            lines.append(_wrap(text, INDENT))
        informed = override.get("family_informed_at")
        lines.append(f"{INDENT}Family informed: {_moment(informed) if informed else 'not yet'}")
    return "\n".join(lines)


def _persons(
    picture: Mapping[str, Any], people: _People, decisions: list[Mapping[str, Any]]
) -> str:
    persons = people.persons
    lines = _heading(f"PERSONS ({len(persons)})")
    if not persons:
        lines.append("No one recorded.")
    generated = picture.get("generated_at")
    as_of = generated.astimezone(LOCAL_TIME).date() if isinstance(generated, datetime) else None
    links = _items(picture.get("person_links"))
    for number, person in enumerate(persons, 1):
        lines.append(f"{number}. " + _person(person, as_of, decisions))
        own = [link for link in links if _person_id(link) == str(person.get("person_id"))]
        if own:
            lines.append(f"{INDENT}Agency records joined to this person ({len(own)}):")
            lines += [
                _wrap(f"- {_link(link, people)}", INDENT * 2, INDENT * 2 + "  ") for link in own
            ]
    stray = [link for link in links if people.by_id(_person_id(link)) is None]
    if stray:
        lines.append("Agency records linked to no one listed above:")
        lines += [_wrap(f"- {_link(link, people)}", INDENT, INDENT + "  ") for link in stray]
    lines.append("Other children in the household:")
    children = _household_children(picture, people, as_of)
    lines += [_wrap(f"- {child}", INDENT, INDENT + "  ") for child in children]
    lines += [] if children else [f"{INDENT}none recorded"]
    return "\n".join(lines)


def _person(person: Mapping[str, Any], as_of: date | None, decisions: list[Any]) -> str:
    role, relationship = _words(person.get("role")), person.get("relationship_to_child")
    lines = [f"{_full_name(person)}: {role}" + (f" ({relationship})" if relationship else "")]
    other_names = [_name(name) for name in _items(person.get("names"))[1:]]
    if other_names:
        lines.append(_wrap(f"Other names: {'; '.join(other_names)}", INDENT))
    born = _date_of_birth(person.get("date_of_birth"), as_of)
    lines.append(_wrap(f"Born: {born}; gender: {_words(person.get('gender'))}", INDENT))
    responsibility = person.get("parental_responsibility")
    if responsibility is not None:
        lines.append(f"{INDENT}Parental responsibility: {'yes' if responsibility else 'no'}")
    for address in _items(person.get("addresses")):
        lines.append(_wrap(f"Address: {_address(address)}", INDENT))
    identifiers = "; ".join(_identifier(item) for item in _items(person.get("identifiers")))
    lines.append(_wrap(f"Identifiers: {identifiers or 'none'}", INDENT))
    about = [d for d in decisions if str(d.get("person_id")) == str(person.get("person_id"))]
    if about:
        lines.append(f"{INDENT}Redacted or withheld about this person: {len(about)} (below)")
    return "\n".join(lines)


def _link(link: object, people: _People) -> str:
    """How one agency record was joined to a person (``uk.mash.v1.PersonLink``)."""
    if not isinstance(link, Mapping):
        return _describe(link, people)
    parts = [_words(link.get("agency"))]
    parts += [_identifier(item) for item in _items(link.get("agency_identifiers"))]
    if isinstance(link.get("match_confidence"), int | float):
        parts.append(f"confidence {link['match_confidence']:.2f}")
    if link.get("matched_fields"):
        parts.append("matched on " + ", ".join(str(f) for f in _items(link["matched_fields"])))
    if link.get("source_person_id") is not None:
        parts.append(
            f"answered about {people.name(link['source_person_id'])}, found to be this person"
        )
    merged = link.get("merged", True)
    parts.append("merged" if merged else "LINKED, NOT MERGED: check before relying on it")
    if link.get("reason"):
        parts.append(str(link["reason"]))
    return "; ".join(parts)


def _household_children(
    picture: Mapping[str, Any], people: _People, as_of: date | None
) -> list[str]:
    """The other children: ``household_children`` and any other child-role persons."""
    entries = [(_person_id(child), child) for child in _items(picture.get("household_children"))]
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
            children.append(f"{_describe(item, people)} (not among the persons above)")
            continue
        born = _date_of_birth(found.get("date_of_birth"), as_of)
        children.append(f"{_full_name(found)} ({_words(found.get('role'))}), born {born}")
    return children


def _person_id(item: object) -> str:
    return str(item.get("person_id") if isinstance(item, Mapping) else item)


def _chronology(
    picture: Mapping[str, Any], people: _People, decisions: list[Mapping[str, Any]]
) -> str:
    entries = _items(picture.get("chronology"))
    lines = _heading(f"CHRONOLOGY ({len(entries)} entries, oldest first)")
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
        when = _day(finding.get("event_date")) if finding.get("event_date") else "date unknown"
        lines.append(
            f"{when:<13}{_words(entry.get('agency')):<13}{_text(finding.get('category')):<44}"
            f" severity {_text(finding.get('severity') or 'UNKNOWN')}"
        )
        pad = " " * 13
        lines.append(_wrap(_text(finding.get("summary")), pad))
        if finding.get("detail"):
            lines.append(_wrap(f"Detail: {finding['detail']}", pad))
        lines.append(_wrap(f"About: {people.names(entry.get('person_ids'))}", pad))
        extra = [f"Concerns: {_list(finding.get('concern_categories'))}"]
        if finding.get("source_reference"):
            extra.append(f"ref {finding['source_reference']}")
        lines.append(_wrap("; ".join(extra), pad))
        for decision in by_finding.get(str(finding.get("finding_id")), []):
            lines.append(_wrap(f"[{_decision(decision, people)}]", pad))
    return "\n".join(lines)


def _risk_indicators(picture: Mapping[str, Any], people: _People) -> str:
    indicators = _items(picture.get("risk_indicators"))
    lines = _heading(f"RISK INDICATORS ({len(indicators)})")
    if not indicators:
        lines.append("None identified.")
    for indicator in indicators:
        level = _level(indicator.get("level_of_need"))
        lines.append(_wrap(f"- {_words(indicator.get('concern_category'))}: points to {level}"))
        lines.append(_wrap(f'"{_text(indicator.get("indicator"))}"', INDENT))
        evidence = len(_items(indicator.get("finding_ids")))
        about = f"About: {people.names(indicator.get('person_ids'))}; {evidence} finding(s)"
        if indicator.get("rule_id"):
            about += f"; rule {indicator['rule_id']}"
        lines.append(_wrap(about, INDENT))
    return "\n".join(lines)


def _level_of_need(picture: Mapping[str, Any]) -> str:
    lines = _heading("LEVEL OF NEED: A RECOMMENDATION, the MASH manager decides")
    lines.append(_wrap(f"Suggested: {_level(picture.get('suggested_level_of_need'))}"))
    lines.append(_wrap(f"Referrer's view: {_level(picture.get('referrer_level_of_need'))}"))
    reasons = _items(picture.get("level_of_need_reasons"))
    lines.append("Reasons:" if reasons else "Reasons: none given.")
    lines += [_wrap(f"- {reason}", INDENT, INDENT + "  ") for reason in reasons]
    return "\n".join(lines)


def _redacted_or_withheld(decisions: list[Mapping[str, Any]], people: _People) -> str:
    lines = _heading(f"REDACTED OR WITHHELD ({len(decisions)})")
    if not decisions:
        lines.append("Nothing was redacted or withheld.")
    lines += [_wrap(f"- {_decision(decision, people)}", "", INDENT) for decision in decisions]
    return "\n".join(lines)


def _other_fields(picture: Mapping[str, Any], people: _People) -> str:
    """Fields of a newer schema this view does not lay out: shown, not dropped."""
    extra = {k: v for k, v in picture.items() if k not in SECTIONS_READ and v not in (None, [])}
    if not extra:
        return ""
    lines = _heading("OTHER FIELDS")
    for name, value in extra.items():
        shown = "; ".join(_describe(item, people) for item in _items(value))
        lines.append(_wrap(f"{name}: {shown}", "", INDENT))
    return "\n".join(lines)


def _decision(decision: Mapping[str, Any], people: _People) -> str:
    outcome = decision.get("outcome") or "UNKNOWN"
    if outcome == "UNKNOWN":
        outcome = "WITHHELD (outcome unknown)"
    item = _words(decision.get("item_type")).lower()
    if decision.get("category"):
        item += f" {decision['category']}"
    text = f"{outcome}: {item}"
    if decision.get("person_id") is not None:
        text += f" about {people.name(decision['person_id'])}"
    fields = _items(decision.get("redacted_fields"))
    if fields:
        text += f"; removed: {', '.join(str(field) for field in fields)}"
    text += f"; rule {_text(decision.get('rule_id'))} v{_text(decision.get('rule_version'))}"
    if decision.get("reason"):
        text += f"; why: {decision['reason']}"
    return text


def _describe(item: object, people: _People) -> str:
    """Any value a newer schema might carry, in words; person ids become names."""
    if isinstance(item, uuid.UUID):
        return people.name(item)
    if not isinstance(item, Mapping):
        return _text(item)
    shown = {
        key: people.name(value) if key.endswith("person_id") else _text(value)
        for key, value in item.items()
        if value not in (None, [])
    }
    return "; ".join(f"{key.replace('_', ' ')}: {value}" for key, value in shown.items())


def _full_name(person: Mapping[str, Any]) -> str:
    names = _items(person.get("names"))
    return _name(names[0]) if names else "(name not known)"


def _name(name: Mapping[str, Any]) -> str:
    given, family = name.get("given_names"), name.get("family_name")
    full = " ".join(part for part in (given, family.upper() if family else None) if part)
    kind = name.get("name_type")
    return (full or "(no name)") + (f" [{_words(kind).lower()}]" if kind != "CURRENT" else "")


def _date_of_birth(birth: Mapping[str, Any] | None, as_of: date | None) -> str:
    if not birth or birth.get("date") is None:
        return "not known"
    born, precision = birth["date"], birth.get("precision") or "UNKNOWN"
    if not isinstance(born, date):
        return _text(born)
    shown = {
        "DAY": _day(born),
        "MONTH": born.strftime("%b %Y"),
        "YEAR": str(born.year),
        "APPROXIMATE": f"about {born.year}",
        "EXPECTED": f"expected {_day(born)}",
    }.get(precision, f"{born.isoformat()} (precision unknown)")
    if as_of and precision in {"DAY", "MONTH", "YEAR", "APPROXIMATE"} and born <= as_of:
        age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
        shown += f" (age {'about ' if precision != 'DAY' else ''}{age})"
    return shown


def _address(address: Mapping[str, Any]) -> str:
    parts = [*_items(address.get("lines")), address.get("town"), address.get("postcode")]
    text = ", ".join(str(part) for part in parts if part) or "(no address text)"
    since, until = address.get("from_date"), address.get("to_date")
    if since or until:
        text += f" ({_day(since) if since else '?'} to {_day(until) if until else 'now'})"
    return text


def _identifier(identifier: Mapping[str, Any]) -> str:
    text = f"{_words(identifier.get('scheme'))} {_text(identifier.get('value'))}"
    return text + (f" ({identifier['issuer']})" if identifier.get("issuer") else "")


def _practitioner(practitioner: Mapping[str, Any] | None) -> str:
    if not practitioner:
        return "not recorded"
    parts = [practitioner.get(key) for key in ("role", "organisation")]
    detail = ", ".join(str(part) for part in parts if part)
    return _text(practitioner.get("name")) + (f" ({detail})" if detail else "")


def _level(symbol: object) -> str:
    return LEVELS.get(str(symbol), "not assessed") if symbol else "not assessed"


def _heading(title: str) -> list[str]:
    return [title, "-" * WIDTH]


def _wrap(text: str, initial: str = "", subsequent: str | None = None) -> str:
    later = initial if subsequent is None else subsequent
    # Rule ids and references hold hyphens; breaking there would misquote them.
    return textwrap.fill(
        text, WIDTH, initial_indent=initial, subsequent_indent=later, break_on_hyphens=False
    )


def _items(value: object) -> list[Any]:
    """A list field as a list, whether it is a list, None or (in a newer schema) one value."""
    return [] if value is None else list(value) if isinstance(value, list | tuple) else [value]


def _list(values: object, empty: str = "none") -> str:
    return ", ".join(_words(value) for value in _items(values)) or empty


def _law(symbol: object) -> str:
    """A lawful basis as lawyers write it: ``UK_GDPR_ART_6_1_E_PUBLIC_TASK`` -> Art. 6(1)(e)."""
    text = str(symbol)
    article = re.fullmatch(r"UK_GDPR_ART_(\d+)_(\d+)_([A-Z])_(.+)", text)
    if article:
        number, paragraph, point, name = article.groups()
        return f"UK GDPR Art. {number}({paragraph})({point.lower()}) {_words(name).lower()}"
    act = re.fullmatch(r"(.+_ACT)_(\d{4})_S(\d+)", text)
    if act:
        name = " ".join(w.capitalize() if w != "AND" else "and" for w in act[1].split("_"))
        return f"{name} {act[2]} s{act[3]}"
    return _words(symbol)


def _words(symbol: object) -> str:
    """An enum symbol in words: ``NHS_NUMBER`` -> ``NHS number``."""
    if symbol is None:
        return "unknown"
    words = str(symbol).split("_")
    shown = [w if w in ACRONYMS else w.lower() for w in words]
    return (shown[0][:1].upper() + shown[0][1:] + " " + " ".join(shown[1:])).strip()


def _text(value: object, missing: str = "not recorded") -> str:
    if value is None or value == "":
        return missing
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return _day(value)
    return str(value)


def _day(value: object) -> str:
    return value.strftime("%d %b %Y") if isinstance(value, date) else _text(value)


def _moment(value: object) -> str:
    """A time in UK local time (GMT or BST), as the reader's clock shows it."""
    if not isinstance(value, datetime):
        return _text(value)
    local = value.astimezone(LOCAL_TIME) if value.tzinfo else value
    return local.strftime("%a %d %b %Y %H:%M %Z").strip()
