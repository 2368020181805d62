"""The open cases as the MASH sees them from the broker: the audit and the notifications.

A case is put together from its ``uk.mash.v1.AuditRecord`` values (what triage,
policy and routing did) and its ``uk.mash.v1.Notification`` values, with no
access to the worker's state:

- CONTACT_RECEIVED gives the RAG rating (triage writes its decisions into the
  reason as ``rag-red: RED; mash-duty: mash-duty; ...``), the receiving team and
  when triage recorded the contact;
- REQUEST_ISSUED and RESPONSE_RECEIVED give the agencies asked and answered;
- PICTURE_ROUTED gives the latest picture revision (``revision 2 (...)``) and the
  team it went to;
- an OVERDUE record or an OVERDUE_DECISION notification marks the case overdue.

Deadlines follow triage: agencies answer within the authority's time for the RAG
rating, the decision is due ``decision_hours`` after the contact. A notification's
``due_at`` is that decision deadline exactly, so when one exists the contact's
time is worked back from it; otherwise the time triage recorded the contact
stands in for it (marked as an estimate). The audit has no record of a
management decision, so every case the audit knows is listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from broker.authority import Timings
from mash.options import table
from mash.text_layout import LOCAL_TIME

RAG_ORDER = ("RED", "AMBER", "GREEN", "UNKNOWN")
#: ``rag-red: RED`` in a CONTACT_RECEIVED reason; the rating is the outcome.
RAG_DECISION = re.compile(r"\brag-[a-z]+\s*:\s*([A-Za-z]+)")
RAG_RULE = re.compile(r"^rag-(red|amber|green)$")
REVISION = re.compile(r"\brevision\s+(\d+)\b")
HEADERS = (
    "CASE", "RAG", "RECEIVED", "TEAM", "ANSWERED", "AWAITED", "PICTURE", "ANSWERS DUE",
    "DECISION DUE",
)  # fmt: skip


@dataclass
class Case:
    """What the audit and the notifications say about one case."""

    case_id: str
    rag_rating: str = "UNKNOWN"
    recorded_at: datetime | None = None
    team_key: str | None = None
    asked: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    picture_revision: int | None = None
    notified_decision_due: datetime | None = None
    overdue_recorded: bool = False
    notifications: list[str] = field(default_factory=list)

    @property
    def awaited(self) -> set[str]:
        """Agencies asked that have not answered."""
        return self.asked - self.answered

    def received_at(self, timings: Timings) -> datetime | None:
        """When the contact came in: exact from a notification, else as triage recorded it."""
        if self.notified_decision_due is not None:
            return self.notified_decision_due - timings.decision_within()
        return self.recorded_at

    def decision_due(self, timings: Timings) -> datetime | None:
        """When the management decision is due."""
        received = self.received_at(timings)
        return None if received is None else received + timings.decision_within()

    def answers_due(self, timings: Timings) -> datetime | None:
        """When the agencies' answers are due; None without a RAG rating or a request."""
        received = self.received_at(timings)
        if received is None or self.rag_rating not in RAG_ORDER[:3] or not self.asked:
            return None
        return received + timings.answer_within(self.rag_rating)

    def overdue(self, timings: Timings, now: datetime) -> bool:
        """Recorded as overdue, or the decision deadline has passed."""
        due = self.decision_due(timings)
        return self.overdue_recorded or (due is not None and now >= due)


def gather(
    audit_records: Iterable[Mapping[str, Any]], notifications: Iterable[Mapping[str, Any]]
) -> list[Case]:
    """One :class:`Case` per case id in the audit records and notifications."""
    cases: dict[str, Case] = {}

    def case_of(case_id: object) -> Case:
        return cases.setdefault(str(case_id), Case(str(case_id)))

    for record in audit_records:
        if record.get("case_id") is not None:
            _add_audit(case_of(record["case_id"]), record)
    for notification in notifications:
        if notification.get("case_id") is not None:
            _add_notification(case_of(notification["case_id"]), notification)
    return list(cases.values())


def _add_audit(case: Case, record: Mapping[str, Any]) -> None:
    action, agency = record.get("action"), record.get("source_agency")
    team = (record.get("recipient") or {}).get("team_key")
    if action == "CONTACT_RECEIVED":
        case.recorded_at = record.get("recorded_at")
        case.rag_rating = rag_of(record.get("reason"), record.get("rule_id"))
        case.team_key = case.team_key or team
    elif action == "REQUEST_ISSUED" and agency:
        case.asked.add(str(agency).lower())
    elif action == "RESPONSE_RECEIVED" and agency:
        case.answered.add(str(agency).lower())
    elif action == "PICTURE_ROUTED":
        found = REVISION.search(str(record.get("reason") or ""))
        if found:
            case.picture_revision = max(case.picture_revision or 0, int(found[1]))
        # The team that received the pictures is where the case is now.
        case.team_key = team or case.team_key
    elif action == "OVERDUE":
        case.overdue_recorded = True


def _add_notification(case: Case, notification: Mapping[str, Any]) -> None:
    kind = str(notification.get("kind"))
    case.notifications.append(kind)
    if kind == "OVERDUE_DECISION":
        case.overdue_recorded = True
    due = notification.get("due_at")
    if isinstance(due, datetime):
        case.notified_decision_due = due


def rag_of(reason: object, rule_id: object = None) -> str:
    """The RAG rating in a CONTACT_RECEIVED record: its ``rag-...: X`` decision, else its rule."""
    found = RAG_DECISION.search(str(reason or ""))
    if found and found[1].upper() in RAG_ORDER[:3]:
        return found[1].upper()
    by_rule = RAG_RULE.match(str(rule_id or ""))
    return by_rule[1].upper() if by_rule else "UNKNOWN"


def by_urgency(cases: Iterable[Case], timings: Timings, now: datetime) -> list[Case]:
    """Overdue first, then by RAG rating, then by the next deadline."""
    far = now + timedelta(days=3650)

    def urgency(case: Case) -> tuple[bool, int, datetime, str]:
        deadlines = [case.decision_due(timings)]
        if case.awaited:
            deadlines.append(case.answers_due(timings))
        upcoming = min((due for due in deadlines if due is not None), default=far)
        rank = RAG_ORDER.index(case.rag_rating) if case.rag_rating in RAG_ORDER else 3
        return (not case.overdue(timings, now), rank, upcoming, case.case_id)

    return sorted(cases, key=urgency)


def span(length: timedelta) -> str:
    """A length of time to the minute: ``1d 04h``, ``3h 05m``, ``12m``."""
    minutes = int(abs(length).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours:02d}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def _answers_clock(case: Case, timings: Timings, now: datetime) -> str:
    due = case.answers_due(timings)
    if due is None:
        return "-"
    if not case.awaited:
        return "all in"
    return f"in {span(due - now)}" if due > now else f"late {span(now - due)}"


def _decision_clock(case: Case, timings: Timings, now: datetime) -> str:
    due = case.decision_due(timings)
    if due is None:
        return "OVERDUE" if case.overdue_recorded else "-"
    if case.overdue(timings, now):
        return f"OVERDUE {span(now - due)}" if now >= due else "OVERDUE"
    return f"in {span(due - now)}"


def _received(case: Case, timings: Timings) -> str:
    received = case.received_at(timings)
    if received is None:
        return "-"
    estimate = "~" if case.notified_decision_due is None else ""
    return estimate + received.astimezone(LOCAL_TIME).strftime("%d %b %H:%M")


def case_table(cases: list[Case], timings: Timings, now: datetime) -> list[tuple[str, bool]]:
    """The table's lines, each with whether it is an overdue case's row."""
    rows = [
        (
            case.case_id,
            case.rag_rating,
            _received(case, timings),
            case.team_key or "-",
            f"{len(case.answered & case.asked)} of {len(case.asked)}",
            ", ".join(sorted(case.awaited)) or "-",
            str(case.picture_revision) if case.picture_revision else "-",
            _answers_clock(case, timings, now),
            _decision_clock(case, timings, now),
        )
        for case in cases
    ]
    lines = table(rows, HEADERS).splitlines()
    return [
        (lines[0], False),
        *zip(lines[1:], (c.overdue(timings, now) for c in cases), strict=True),
    ]


def case_plain(case: Case, timings: Timings, now: datetime) -> dict[str, Any]:
    """One case as JSON-ready values; times in UTC, ISO 8601."""

    def iso(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

    def left(moment: datetime | None) -> int | None:
        return None if moment is None else int((moment - now).total_seconds())

    answers_due, decision_due = case.answers_due(timings), case.decision_due(timings)
    return {
        "case_id": case.case_id,
        "rag_rating": case.rag_rating,
        "received_at": iso(case.received_at(timings)),
        "received_at_estimated": case.notified_decision_due is None,
        "team_key": case.team_key,
        "agencies_asked": sorted(case.asked),
        "agencies_answered": sorted(case.answered),
        "agencies_awaited": sorted(case.awaited),
        "picture_revision": case.picture_revision,
        "answers_due_at": iso(answers_due),
        "answers_seconds_left": left(answers_due),
        "decision_due_at": iso(decision_due),
        "decision_seconds_left": left(decision_due),
        "overdue": case.overdue(timings, now),
        "notifications": case.notifications,
    }
