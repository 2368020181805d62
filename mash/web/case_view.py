"""What the case board and the case page show, worked out from the broker's values.

Plain functions of the audit records, notifications, decisions and an opened
family picture, so every rule of what is shown is tested without a browser:

- the case board (:func:`board`): one row per case of the team, RAG rating,
  time left to the agencies' deadline and to the 24-hour decision (Oldham
  5.10), agencies answered and awaited, overdue first;
- the agencies' answers against the clock (:func:`agency_answers`), from the
  audit's REQUEST_ISSUED, RESPONSE_RECEIVED and connectors' WITHHELD records;
- the picture (:func:`picture_view`): each finding with its agency and the
  policy rule that let it through (the audit's SHARED or REDACTED record of
  the same response and category), redacted and withheld items with their rule,
  never silently missing, persons with the agency records joined to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from broker.authority import Timings
from mash.case_board import Case, by_urgency, gather, span
from mash.text_layout import LOCAL_TIME, full_name, items

CHILD_ROLES = ("CHILD", "SIBLING", "UNBORN_CHILD")
SHARING_ACTIONS = ("SHARED", "REDACTED")


@dataclass(frozen=True)
class Clock:
    """A deadline and how it stands: ``text`` in words, ``late`` once it has passed."""

    due: datetime | None
    text: str
    late: bool = False


@dataclass(frozen=True)
class BoardRow:
    """One case on the case board."""

    case: Case
    child: str | None
    answers: Clock
    decision: Clock
    overdue: bool
    decided: Mapping[str, Any] | None

    @property
    def case_id(self) -> str:
        """The case's id."""
        return self.case.case_id

    @property
    def reference(self) -> str:
        """The case's short reference, as staff quote it: its first eight characters."""
        return self.case.case_id[:8]


def answers_clock(case: Case, timings: Timings, now: datetime) -> Clock:
    """Time left to the agencies' deadline for the case's RAG rating."""
    due = case.answers_due(timings)
    if due is None:
        return Clock(None, "No agencies asked" if not case.asked else "Not known")
    if not case.awaited:
        return Clock(due, "All answered")
    if now >= due:
        return Clock(due, f"{span(now - due)} late", late=True)
    return Clock(due, f"{span(due - now)} left")


def decision_clock(
    case: Case, timings: Timings, now: datetime, decided: Mapping[str, Any] | None
) -> Clock:
    """Time left to the management decision, due 24 hours after the contact (Oldham 5.10)."""
    due = case.decision_due(timings)
    if decided is not None:
        return Clock(due, "Decided")
    if due is None:
        return Clock(
            None, "Overdue" if case.overdue_recorded else "Not known", case.overdue_recorded
        )
    if now >= due or case.overdue_recorded:
        return Clock(due, f"Overdue by {span(now - due)}" if now >= due else "Overdue", True)
    return Clock(due, f"{span(due - now)} left")


def latest_decisions(decisions: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Each case's latest recorded decision, by case id."""
    latest: dict[str, Mapping[str, Any]] = {}
    for decision in decisions:
        case_id = str(decision["case_id"])
        if case_id not in latest or decision["decided_at"] >= latest[case_id]["decided_at"]:
            latest[case_id] = decision
    return latest


def team_cases(
    audit: Iterable[Mapping[str, Any]],
    notifications: Iterable[Mapping[str, Any]],
    team: str,
) -> dict[str, Case]:
    """The cases the audit says are with ``team``, by case id."""
    return {case.case_id: case for case in gather(audit, notifications) if case.team_key == team}


def board(
    cases: Iterable[Case],
    decisions: Mapping[str, Mapping[str, Any]],
    children: Mapping[str, str],
    timings: Timings,
    now: datetime,
) -> list[BoardRow]:
    """The board's rows: undecided cases first (overdue, then RAG, then next deadline)."""
    rows = []
    for case in by_urgency(cases, timings, now):
        decided = decisions.get(case.case_id)
        decision = decision_clock(case, timings, now, decided)
        rows.append(
            BoardRow(
                case=case,
                child=children.get(case.case_id),
                answers=answers_clock(case, timings, now),
                decision=decision,
                overdue=decision.late,
                decided=decided,
            )
        )
    return sorted(rows, key=lambda row: row.decided is not None)


@dataclass
class AgencyAnswer:
    """How one agency asked about the case stands."""

    agency: str
    asked_at: datetime | None = None
    answered_at: datetime | None = None
    withheld_by_agency: int = 0

    def state(self, due: datetime | None, now: datetime) -> str:
        """``Answered``, ``Answered late``, ``Awaited`` or ``Overdue``."""
        if self.answered_at is not None:
            return "Answered late" if due is not None and self.answered_at > due else "Answered"
        return "Overdue" if due is not None and now >= due else "Awaited"


def agency_answers(audit: Iterable[Mapping[str, Any]], case_id: str) -> list[AgencyAnswer]:
    """Each agency asked about the case: when asked, when it answered, what it kept back."""
    answers: dict[str, AgencyAnswer] = {}
    for record in audit:
        if str(record.get("case_id")) != case_id:
            continue
        agency = record.get("source_agency")
        if not agency:
            continue
        action = record.get("action")
        answer = answers.setdefault(str(agency), AgencyAnswer(str(agency)))
        if action == "REQUEST_ISSUED":
            answer.asked_at = answer.asked_at or record["recorded_at"]
        elif action == "RESPONSE_RECEIVED":
            answer.answered_at = answer.answered_at or record["recorded_at"]
        elif action == "WITHHELD" and (record.get("actor") or {}).get("agency"):
            answer.withheld_by_agency += 1
    return sorted(
        (a for a in answers.values() if a.asked_at is not None or a.answered_at is not None),
        key=lambda a: a.agency,
    )


@dataclass(frozen=True)
class RuleApplied:
    """A policy rule the audit records as deciding a finding's category in a response."""

    action: str
    rule_id: str
    rule_version: str | None
    reason: str | None


def sharing_rules(
    audit: Iterable[Mapping[str, Any]], case_id: str
) -> dict[tuple[str, str], list[RuleApplied]]:
    """The SHARED and REDACTED rules per (response id, finding category) of a case."""
    rules: dict[tuple[str, str], list[RuleApplied]] = {}
    for record in audit:
        if str(record.get("case_id")) != case_id or record.get("action") not in SHARING_ACTIONS:
            continue
        for category in record.get("categories") or ():
            applied = RuleApplied(
                str(record["action"]),
                str(record.get("rule_id") or "not recorded"),
                record.get("rule_version"),
                record.get("reason"),
            )
            found = rules.setdefault((str(record.get("response_id")), str(category)), [])
            if applied not in found:
                found.append(applied)
    return rules


@dataclass
class PersonView:
    """One person of the picture, with the agency records joined to them."""

    person: Mapping[str, Any]
    name: str
    links: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def agencies(self) -> list[str]:
        """The agencies that know this person, each once."""
        return sorted({str(link.get("agency")) for link in self.links})


@dataclass
class EntryView:
    """One chronology entry: the finding, who it is about, and the rules that let it through."""

    entry: Mapping[str, Any]
    about: list[str]
    rules: list[RuleApplied]
    redactions: list[Mapping[str, Any]]

    @property
    def finding(self) -> Mapping[str, Any]:
        """The finding as shared."""
        found: Mapping[str, Any] = self.entry.get("finding") or {}
        return found


@dataclass
class PictureView:
    """The family picture laid out for the case page."""

    picture: Mapping[str, Any]
    persons: list[PersonView]
    household_children: list[PersonView]
    chronology: list[EntryView]
    indicators: list[tuple[Mapping[str, Any], list[str]]]
    withheld: list[tuple[Mapping[str, Any], str]]
    redacted: list[tuple[Mapping[str, Any], str]]
    as_of: date | None

    def name(self, person_id: object) -> str:
        """A person's name by id."""
        for view in self.persons:
            if str(view.person.get("person_id")) == str(person_id):
                return view.name
        return "someone not listed"


def child_name(picture: Mapping[str, Any]) -> str | None:
    """The name of the child the contact is about (the first CHILD), if the picture names one."""
    child = next((p for p in items(picture.get("persons")) if p.get("role") == "CHILD"), None)
    return full_name(child) if child else None


def picture_view(picture: Mapping[str, Any], audit: Sequence[Mapping[str, Any]]) -> PictureView:
    """The picture with every finding's rule from the audit, and nothing left out silently."""
    case_id = str(picture.get("case_id"))
    persons = [PersonView(p, full_name(p)) for p in items(picture.get("persons"))]
    by_id = {str(view.person.get("person_id")): view for view in persons}
    for link in items(picture.get("person_links")):
        view = by_id.get(str(link.get("person_id")))
        if view is not None:
            view.links.append(link)
    names = {key: view.name for key, view in by_id.items()}

    def name_of(person_id: object) -> str:
        return names.get(str(person_id), "someone not listed")

    decisions = items(picture.get("redacted_or_withheld"))
    redacted_by_finding: dict[str, list[Mapping[str, Any]]] = {}
    for decision in decisions:
        if decision.get("outcome") == "REDACTED" and decision.get("finding_id") is not None:
            redacted_by_finding.setdefault(str(decision["finding_id"]), []).append(decision)
    rules = sharing_rules(audit, case_id)
    chronology = []
    for entry in items(picture.get("chronology")):
        finding = entry.get("finding") or {}
        chronology.append(
            EntryView(
                entry,
                [name_of(p) for p in items(entry.get("person_ids"))],
                rules.get((str(entry.get("response_id")), str(finding.get("category"))), []),
                redacted_by_finding.get(str(finding.get("finding_id")), []),
            )
        )
    generated = picture.get("generated_at")
    as_of = generated.astimezone(LOCAL_TIME).date() if isinstance(generated, datetime) else None
    return PictureView(
        picture=picture,
        persons=persons,
        household_children=_household_children(picture, persons),
        chronology=chronology,
        indicators=[
            (indicator, [name_of(p) for p in items(indicator.get("person_ids"))])
            for indicator in items(picture.get("risk_indicators"))
        ],
        withheld=[
            (d, name_of(d.get("person_id"))) for d in decisions if d.get("outcome") != "REDACTED"
        ],
        redacted=[
            (d, name_of(d.get("person_id"))) for d in decisions if d.get("outcome") == "REDACTED"
        ],
        as_of=as_of,
    )


def _household_children(picture: Mapping[str, Any], persons: list[PersonView]) -> list[PersonView]:
    """The other children: ``household_children`` and any other child-role person."""
    by_id = {str(view.person.get("person_id")): view for view in persons}
    subject = next((view for view in persons if view.person.get("role") == "CHILD"), None)
    children: list[PersonView] = []
    for person_id in items(picture.get("household_children")):
        view = by_id.get(str(person_id))
        if view is not None and view is not subject and view not in children:
            children.append(view)
    for view in persons:
        if view is not subject and view.person.get("role") in CHILD_ROLES and view not in children:
            children.append(view)
    return children


def age_on(born: Mapping[str, Any] | None, as_of: date | None) -> str:
    """A date of birth and the age it gives, as the picture records it."""
    if not born or not isinstance(born.get("date"), date):
        return "Not known"
    day: date = born["date"]
    text = f"{day.day} {day:%B %Y}"
    if born.get("precision") not in (None, "DAY"):
        text += f" ({str(born['precision']).lower()})"
    if as_of is not None:
        years = as_of.year - day.year - ((as_of.month, as_of.day) < (day.month, day.day))
        text += f", aged {years}" if years >= 0 else ", unborn"
    return text
