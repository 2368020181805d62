"""Text layout for the terminal views: wrapping, headings, and Avro values in words.

Plain text :data:`WIDTH` columns wide, no colour codes. Every helper takes what
the wire may hold (None, a missing field, one value where a list was expected, a
symbol this release does not know) and returns text without raising, so a view
built from them shows what is there and says what is not.
"""

from __future__ import annotations

import re
import textwrap
import uuid
from collections.abc import Callable, Mapping
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

#: Says who a person id is, so that no view shows a bare uuid.
NameOf = Callable[[object], str]


def heading(title: str) -> list[str]:
    """A section's title and its rule, as the first lines of the section."""
    return [title, "-" * WIDTH]


def wrap(text: str, initial: str = "", subsequent: str | None = None) -> str:
    """``text`` filled to the width, the first line indented by ``initial``."""
    later = initial if subsequent is None else subsequent
    # Rule ids and references hold hyphens; breaking there would misquote them.
    return textwrap.fill(
        text, WIDTH, initial_indent=initial, subsequent_indent=later, break_on_hyphens=False
    )


def items(value: object) -> list[Any]:
    """A list field as a list, whether it is a list, None or (in a newer schema) one value."""
    return [] if value is None else list(value) if isinstance(value, list | tuple) else [value]


def words(symbol: object) -> str:
    """An enum symbol in words: ``NHS_NUMBER`` -> ``NHS number``."""
    if symbol is None:
        return "unknown"
    parts = str(symbol).split("_")
    shown = [w if w in ACRONYMS else w.lower() for w in parts]
    return (shown[0][:1].upper() + shown[0][1:] + " " + " ".join(shown[1:])).strip()


def word_list(values: object, empty: str = "none") -> str:
    """Enum symbols in words, comma-separated; ``empty`` when there are none."""
    return ", ".join(words(value) for value in items(values)) or empty


def law(symbol: object) -> str:
    """A lawful basis as lawyers write it: ``UK_GDPR_ART_6_1_E_PUBLIC_TASK`` -> Art. 6(1)(e)."""
    text = str(symbol)
    article = re.fullmatch(r"UK_GDPR_ART_(\d+)_(\d+)_([A-Z])_(.+)", text)
    if article:
        number, paragraph, point, name = article.groups()
        return f"UK GDPR Art. {number}({paragraph})({point.lower()}) {words(name).lower()}"
    act = re.fullmatch(r"(.+_ACT)_(\d{4})_S(\d+)", text)
    if act:
        name = " ".join(w.capitalize() if w != "AND" else "and" for w in act[1].split("_"))
        return f"{name} {act[2]} s{act[3]}"
    return words(symbol)


def level_text(symbol: object) -> str:
    """A level of need by the authority's name for it, or "not assessed"."""
    return LEVELS.get(str(symbol), "not assessed") if symbol else "not assessed"


def as_text(value: object, missing: str = "not recorded") -> str:
    """Any scalar as text: times in UK local time, dates as days, nothing as ``missing``."""
    if value is None or value == "":
        return missing
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, date):
        return day(value)
    return str(value)


def day(value: object) -> str:
    """A date as ``14 May 2017``."""
    return value.strftime("%d %b %Y") if isinstance(value, date) else as_text(value)


def moment(value: object) -> str:
    """A time in UK local time (GMT or BST), as the reader's clock shows it."""
    if not isinstance(value, datetime):
        return as_text(value)
    local = value.astimezone(LOCAL_TIME) if value.tzinfo else value
    return local.strftime("%a %d %b %Y %H:%M %Z").strip()


def full_name(person: Mapping[str, Any]) -> str:
    """A person's first recorded name (``uk.mash.v1.Person``)."""
    names = items(person.get("names"))
    return name_text(names[0]) if names else "(name not known)"


def name_text(name: Mapping[str, Any]) -> str:
    """One ``uk.mash.v1.PersonName``, family name in capitals, its kind unless current."""
    given, family = name.get("given_names"), name.get("family_name")
    full = " ".join(part for part in (given, family.upper() if family else None) if part)
    kind = name.get("name_type")
    return (full or "(no name)") + (f" [{words(kind).lower()}]" if kind != "CURRENT" else "")


def birth_text(birth: Mapping[str, Any] | None, as_of: date | None) -> str:
    """A date of birth to its precision, with the age on ``as_of`` when that is known."""
    if not birth or birth.get("date") is None:
        return "not known"
    born, precision = birth["date"], birth.get("precision") or "UNKNOWN"
    if not isinstance(born, date):
        return as_text(born)
    shown = {
        "DAY": day(born),
        "MONTH": born.strftime("%b %Y"),
        "YEAR": str(born.year),
        "APPROXIMATE": f"about {born.year}",
        "EXPECTED": f"expected {day(born)}",
    }.get(precision, f"{born.isoformat()} (precision unknown)")
    if as_of and precision in {"DAY", "MONTH", "YEAR", "APPROXIMATE"} and born <= as_of:
        age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
        shown += f" (age {'about ' if precision != 'DAY' else ''}{age})"
    return shown


def address_text(address: Mapping[str, Any]) -> str:
    """An address on one line, with the dates it was lived at."""
    parts = [*items(address.get("lines")), address.get("town"), address.get("postcode")]
    text = ", ".join(str(part) for part in parts if part) or "(no address text)"
    since, until = address.get("from_date"), address.get("to_date")
    if since or until:
        text += f" ({day(since) if since else '?'} to {day(until) if until else 'now'})"
    return text


def identifier_text(identifier: Mapping[str, Any]) -> str:
    """An identifier with its scheme in words and its issuer."""
    text = f"{words(identifier.get('scheme'))} {as_text(identifier.get('value'))}"
    return text + (f" ({identifier['issuer']})" if identifier.get("issuer") else "")


def practitioner_text(practitioner: Mapping[str, Any] | None) -> str:
    """A practitioner's name, role and organisation."""
    if not practitioner:
        return "not recorded"
    parts = [practitioner.get(key) for key in ("role", "organisation")]
    detail = ", ".join(str(part) for part in parts if part)
    return as_text(practitioner.get("name")) + (f" ({detail})" if detail else "")


def link_text(link: object, name_of: NameOf) -> str:
    """How one agency record was joined to a person (``uk.mash.v1.PersonLink``)."""
    if not isinstance(link, Mapping):
        return describe(link, name_of)
    parts = [words(link.get("agency"))]
    parts += [identifier_text(item) for item in items(link.get("agency_identifiers"))]
    if isinstance(link.get("match_confidence"), int | float):
        parts.append(f"confidence {link['match_confidence']:.2f}")
    if link.get("matched_fields"):
        parts.append("matched on " + ", ".join(str(f) for f in items(link["matched_fields"])))
    if link.get("source_person_id") is not None:
        parts.append(f"answered about {name_of(link['source_person_id'])}, found to be this person")
    merged = link.get("merged", True)
    parts.append("merged" if merged else "LINKED, NOT MERGED: check before relying on it")
    if link.get("reason"):
        parts.append(str(link["reason"]))
    return "; ".join(parts)


def decision_text(decision: Mapping[str, Any], name_of: NameOf) -> str:
    """A policy decision (``uk.mash.v1.PolicyDecision``) with the rule that made it."""
    outcome = decision.get("outcome") or "UNKNOWN"
    if outcome == "UNKNOWN":
        outcome = "WITHHELD (outcome unknown)"
    item = words(decision.get("item_type")).lower()
    if decision.get("category"):
        item += f" {decision['category']}"
    text = f"{outcome}: {item}"
    if decision.get("person_id") is not None:
        text += f" about {name_of(decision['person_id'])}"
    fields = items(decision.get("redacted_fields"))
    if fields:
        text += f"; removed: {', '.join(str(field) for field in fields)}"
    text += f"; rule {as_text(decision.get('rule_id'))} v{as_text(decision.get('rule_version'))}"
    if decision.get("reason"):
        text += f"; why: {decision['reason']}"
    return text


def describe(item: object, name_of: NameOf) -> str:
    """Any value a newer schema might carry, in words; person ids become names."""
    if isinstance(item, uuid.UUID):
        return name_of(item)
    if not isinstance(item, Mapping):
        return as_text(item)
    shown = {
        key: name_of(value) if key.endswith("person_id") else as_text(value)
        for key, value in item.items()
        if value not in (None, [])
    }
    return "; ".join(f"{key.replace('_', ' ')}: {value}" for key, value in shown.items())
