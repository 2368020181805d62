"""Questions a compliance officer asks of the sharing audit, and the answers as text.

:class:`AuditFilter` says which ``uk.mash.v1.AuditRecord`` values to keep,
:func:`select` keeps them in log order and once each, and :func:`as_table`,
:func:`as_json` and :func:`as_csv` write them out. A person is found by the keyed
hashes of their identifiers (:func:`person_refs_for`), never in the clear.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from agents.audit import AUDIT_SCHEMA, PERSON_ID, identifier_ref
from broker.errors import ConfigurationError
from broker.schema_store import packaged_schemas
from mash.options import table
from mash.text_layout import WIDTH

AuditRecord = dict[str, Any]
#: How a cell a spreadsheet would run as a formula starts (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SUMMARY_HEADERS = ("TIME (UTC)", "CASE", "ACTION", "CONSENT", "AGENCY", "TO")
DETAIL_HEADERS = ("  ", "RULE", "LAWFUL BASIS", "REASON")
#: Widest cell of a column whose values are free text, so the reason keeps some room.
AGENCY_WIDTH, TO_WIDTH, RULE_WIDTH, BASIS_WIDTH = 12, 20, 34, 28


def symbols(enum_name: str) -> tuple[str, ...]:
    """The symbols of a packaged Avro enum, e.g. ``uk.mash.v1.AuditAction``."""
    found: list[str] = packaged_schemas().definition(enum_name)["symbols"]
    return tuple(found)


def _symbol(value: str, enum_name: str, option: str) -> str:
    """``value`` as a symbol of ``enum_name``, in any case, with ``-`` or spaces for ``_``."""
    symbol = re.sub(r"[\s-]+", "_", value.strip()).upper()
    known = symbols(enum_name)
    if symbol not in known:
        raise ConfigurationError(f"unknown {option} {value!r}: use one of {', '.join(known)}")
    return symbol


@dataclass(frozen=True)
class AuditFilter:
    """Which audit records a query keeps; a condition left as None keeps every record.

    Attributes:
        case_id: The case.
        agency: An Agency symbol: the agency whose information it was, that acted,
            or that received it.
        team: The key of the team that received it.
        decision: One or more AuditAction symbols; an empty collection keeps all.
        lawful_basis: A LawfulBasis symbol the record relies on.
        consent_overridden: Whether information was processed under a consent override.
        rule: The id of the rule that decided.
        since: The earliest time kept (inclusive), with a time zone.
        until: The time from which records are left out (exclusive), with a time zone.
        person_refs: Keyed hashes of a person's identifiers (:func:`person_refs_for`);
            a record about any of them is kept, and an empty set keeps none.
    """

    case_id: uuid.UUID | None = None
    agency: str | None = None
    team: str | None = None
    decision: str | Collection[str] | None = None
    lawful_basis: str | None = None
    consent_overridden: bool | None = None
    rule: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    person_refs: frozenset[bytes] | None = None

    def __post_init__(self) -> None:
        """Spell symbols as the schema does; refuse unknown ones and times without a zone."""
        for name, enum in (("agency", "Agency"), ("lawful_basis", "LawfulBasis")):
            if getattr(self, name) is not None:
                symbol = _symbol(getattr(self, name), f"uk.mash.v1.{enum}", name.replace("_", " "))
                object.__setattr__(self, name, symbol)
        named = [self.decision] if isinstance(self.decision, str) else self.decision or ()
        actions = frozenset(_symbol(a, "uk.mash.v1.AuditAction", "decision") for a in named)
        object.__setattr__(self, "decision", actions or None)
        for option, moment in (("since", self.since), ("until", self.until)):
            if moment is not None and moment.utcoffset() is None:
                raise ConfigurationError(f"{option} {moment} has no time zone: add one, e.g. Z")
        if self.since and self.until and self.since >= self.until:
            raise ConfigurationError(f"since {_iso(self.since)} is not before {_iso(self.until)}")

    def matches(self, record: AuditRecord) -> bool:
        """Whether ``record`` meets every condition of the filter."""
        actor, recipient = record.get("actor") or {}, record.get("recipient") or {}
        agencies = {record.get("source_agency"), actor.get("agency"), recipient.get("agency")}
        bases, refs = record.get("lawful_basis") or (), record.get("subject_refs") or ()
        recorded_at: datetime = record["recorded_at"]
        overridden = bool(record.get("consent_overridden"))
        conditions = (
            self.case_id is None or record.get("case_id") == self.case_id,
            self.agency is None or self.agency in agencies,
            self.team is None or recipient.get("team_key") == self.team,
            self.decision is None or record.get("action") in self.decision,
            self.lawful_basis is None or self.lawful_basis in bases,
            self.consent_overridden is None or overridden == self.consent_overridden,
            self.rule is None or record.get("rule_id") == self.rule,
            self.since is None or recorded_at >= self.since,
            self.until is None or recorded_at < self.until,
            self.person_refs is None or not self.person_refs.isdisjoint(refs),
        )
        return all(conditions)


def person_refs_for(key: bytes, identifiers: Iterable[tuple[str, str]]) -> frozenset[bytes]:
    """The keyed hashes under which the audit refers to one person.

    Args:
        key: The pseudonym key the records were made with (their ``subject_ref_key_id``).
        identifiers: (scheme, value) pairs, e.g. ``("NHS_NUMBER", "999 000 4129")``, or
            ``("person_id", "<uuid>")`` for the exchange's own id of a person.

    Raises:
        ConfigurationError: no key, no identifier, an unknown scheme, an empty value
            or a person id that is not a UUID.
    """
    if not key:
        raise ConfigurationError("no pseudonym key: a person is found only with the audit's key")
    refs = set()
    for scheme, value in identifiers:
        if re.sub(r"[\s-]+", "_", scheme.strip()).lower() == PERSON_ID:
            symbol = PERSON_ID
            try:
                uuid.UUID(value.strip())
            except ValueError:
                raise ConfigurationError(f"person id {value!r} is not a UUID") from None
        else:
            symbol = _symbol(scheme, "uk.mash.v1.IdentifierScheme", "identifier scheme")
        if not value.strip():
            raise ConfigurationError(f"the {symbol} identifier has no value")
        refs.add(identifier_ref(key, symbol, value))
    if not refs:
        raise ConfigurationError("give at least one identifier (scheme and value) of the person")
    return frozenset(refs)


def select(records: Iterable[AuditRecord], audit_filter: AuditFilter) -> list[AuditRecord]:
    """The records ``audit_filter`` keeps, in log order, each record id once.

    A producer retry may have written a record twice; the first copy is kept.
    """
    seen: set[object] = set()
    kept = []
    for record in records:
        record_id = record.get("record_id")
        if record_id is not None and record_id in seen:
            continue
        seen.add(record_id)
        if audit_filter.matches(record):
            kept.append(record)
    return kept


def as_table(records: Iterable[AuditRecord]) -> str:
    """The records as a table for a terminal of :data:`WIDTH` columns, two lines each.

    The first line says when, about which case, what was done, with what consent
    and between whom; the second, indented, under which rule and lawful basis,
    and why, the reason cut to fit.
    """
    shown = list(records)
    summary = table([_summary(record) for record in shown], SUMMARY_HEADERS).splitlines()
    detail = table([_detail(record) for record in shown], DETAIL_HEADERS).splitlines()
    lines = [line for pair in zip(summary, detail, strict=True) for line in pair]
    return "".join(_cut(line, WIDTH) + "\n" for line in lines)


def _summary(record: AuditRecord) -> tuple[str, ...]:
    actor, recipient = record.get("actor") or {}, record.get("recipient") or {}
    case_id = record.get("case_id")
    consent = str(record.get("consent_status") or "UNKNOWN")
    return (
        record["recorded_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        str(case_id)[:8] if case_id is not None else "-",
        str(record.get("action")),
        consent + (" override" if record.get("consent_overridden") else ""),
        _fit(record.get("source_agency") or actor.get("agency") or "-", AGENCY_WIDTH),
        _fit(recipient.get("team_key") or recipient.get("agency") or "-", TO_WIDTH),
    )


def _detail(record: AuditRecord) -> tuple[str, ...]:
    rule = record.get("rule_id") or "-"
    if record.get("rule_version"):
        rule += f"@{record['rule_version']}"
    bases = ",".join(_short_basis(str(basis)) for basis in record.get("lawful_basis") or ())
    reason = record.get("reason") or "-"
    return ("  ", _fit(rule, RULE_WIDTH), _fit(bases or "-", BASIS_WIDTH), _fit(reason, WIDTH))


def _short_basis(symbol: str) -> str:
    """A lawful basis in few letters: ``UK_GDPR_ART_6_1_E_PUBLIC_TASK`` -> ``6(1)(e)``."""
    article = re.match(r"UK_GDPR_ART_(\d+)_(\d+)_([A-Z])_", symbol)
    if article:
        return f"{article[1]}({article[2]})({article[3].lower()})"
    act = re.fullmatch(r"(.+)_ACT_(\d{4})_S(\d+)", symbol)
    if act:
        initials = "".join(word[0] for word in act[1].split("_") if word != "AND")
        return f"{initials}A{act[2]} s{act[3]}"
    return symbol.lower()


def _fit(text: object, width: int) -> str:
    """``text`` on one line of printable characters, cut to ``width``."""
    return _cut("".join(c if c.isprintable() else "?" for c in " ".join(str(text).split())), width)


def _cut(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 3] + "..."


def as_json(records: Iterable[AuditRecord]) -> str:
    """The records as a JSON array: ids as strings, times ISO 8601 in UTC, bytes in hex."""
    return json.dumps(list(records), default=_text, sort_keys=True, indent=2)


@cache
def csv_columns() -> tuple[str, ...]:
    """The CSV header: the AuditRecord's fields in schema order, ``actor.agent`` for nested ones."""
    columns: list[str] = []
    for field in packaged_schemas().definition(AUDIT_SCHEMA)["fields"]:
        branches = field["type"] if isinstance(field["type"], list) else [field["type"]]
        nested = [b for b in branches if isinstance(b, dict) and b.get("type") == "record"]
        if nested:
            columns += [f"{field['name']}.{part['name']}" for part in nested[0]["fields"]]
        else:
            columns.append(field["name"])
    return tuple(columns)


def as_csv(records: Iterable[AuditRecord]) -> str:
    """The records as CSV with a header row (:func:`csv_columns`).

    Lists are joined with ``;``, bytes are hex, and a cell a spreadsheet would run
    as a formula is prefixed with ``'`` so it opens as text.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_columns())
    for record in records:
        writer.writerow(_cell(record, column) for column in csv_columns())
    return out.getvalue()


def _cell(record: AuditRecord, column: str) -> str:
    name, _, part = column.partition(".")
    value = record.get(name)
    if part:
        value = (value or {}).get(part)
    items = value if isinstance(value, list | tuple) else [value]
    text = ";".join(_text(item) for item in items)
    return "'" + text if text.startswith(FORMULA_START) else text


def _text(value: object) -> str:
    """One value as text: None empty, UUIDs as strings, times ISO 8601 UTC, bytes in hex."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, datetime):
        return _iso(value)
    return str(value)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
