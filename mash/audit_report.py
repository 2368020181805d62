"""Compliance reports read from the audit: one self-contained HTML file each.

:func:`compliance_report` covers a period of ``uk.mash.v1.AuditRecord`` values:
what was shared, redacted and withheld per agency, consent overrides, agency
answers against the RAG deadlines, and contacts decided within the decision
standard (24 hours: Oldham 5.10). :func:`subject_access_report` lists what the
audit holds about one person, found by the keyed hashes of their identifiers
(``agents.audit.identifier_ref``).

A record seen twice (same ``record_id``) counts once and records are taken in
time order, so the same records give the same bytes in whatever order they come.
Times are UK local time; days and weeks are UK local, weeks starting on Monday.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from broker.authority import Timings
from mash import report_charts as draw
from mash.report_charts import Html, Series

DECISIONS = {
    "SHARED": ("Shared", draw.SHARED_COLOUR),
    "REDACTED": ("Redacted", draw.REDACTED_COLOUR),
    "WITHHELD": ("Withheld", draw.WITHHELD_COLOUR),
}
RAG_RULES = {"rag-red": "RED", "rag-amber": "AMBER", "rag-green": "GREEN"}
#: Periods longer than this many days are charted by week, not by day.
DAILY_UP_TO = 60
NUMBERS = frozenset(range(1, 9))
#: How a request stands: answered within or after its deadline, or not (yet) answered.
OUTCOMES = {
    "within": ("Within deadline", draw.SHARED_COLOUR),
    "late": ("Late", draw.REDACTED_COLOUR),
    "past": ("Unanswered, past due", draw.WITHHELD_COLOUR),
    "open": ("Not yet due", draw.NEUTRAL_COLOUR),
    "unrated": ("Answered, deadline unknown", "#117733"),
}
ANSWER_HEADERS = ("Agency", "Requests", "Answered", "Median", "90th percentile",
                  "Within deadline", "Late", "Unanswered")  # fmt: skip
LATE_HEADERS = ("Case", "Agency", "RAG", "Asked", "Deadline", "Answered", "Result")
WITHHELD_HEADERS = ("Shared", "Redacted", "Withheld", "Withheld share", "Rules that withheld")
DECISION_HEADERS = ("Case", "Contact recorded", "Decision due", "Decided", "Result")
OVERRIDE_HEADERS = ("When", "Case", "Agency answering", "Consent", "Reason and approver", "Rule")
SUBJECT_HEADERS = ("When", "Action", "Case", "Information from", "With whom", "Categories",
                   "Rule and reason", "Lawful basis", "Consent")  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """One audit record, with the fields the reports read, typed."""

    record_id: str
    sequence: int
    case_id: str | None
    at: datetime
    action: str
    subject_refs: frozenset[bytes]
    source_agency: str | None
    categories: tuple[str, ...]
    rule_id: str | None
    rule_version: str | None
    reason: str | None
    lawful_basis: tuple[str, ...]
    consent_status: str
    consent_overridden: bool
    recipient: str | None
    request_id: str | None

    @property
    def case(self) -> str:
        """The case's short id (its first eight characters), as staff quote it."""
        return self.case_id[:8] if self.case_id else "none"

    @property
    def agency(self) -> str:
        """The source agency's name, e.g. ``Social care``."""
        return draw.agency_name(self.source_agency)

    @property
    def rule(self) -> str:
        """The rule with its version."""
        if not self.rule_id:
            return "not recorded"
        return f"{self.rule_id} v{self.rule_version}" if self.rule_version else self.rule_id


@dataclass(frozen=True)
class Request:
    """One information request, the answer to it if any, and its RAG deadline."""

    asked: Entry
    answer: Entry | None
    rating: str | None
    limit: timedelta | None

    def outcome(self, now: datetime) -> str:
        """A key of :data:`OUTCOMES`."""
        if self.answer is None:
            due = self.limit is not None and now >= self.asked.at + self.limit
            return "past" if due else "open"
        if self.limit is None:
            return "unrated"
        return "within" if self.answer.at - self.asked.at <= self.limit else "late"


def compliance_report(
    records: Iterable[Mapping[str, Any]],
    *,
    timings: Timings,
    title: str,
    generated_at: datetime,
    verification: str | None = None,
) -> str:
    """The compliance report of ``records`` as one HTML document.

    Args:
        records: decoded AuditRecord values, in any order.
        timings: the authority's RAG answer times and decision standard.
        title: the report's heading.
        generated_at: when the report is made; "past due" is judged at this time.
        verification: the result of verifying the audit chain, shown at the top.
    """
    entries = _entries(records)
    body = [
        _summary(entries, verification),
        _sharing_over_time(entries),
        _withheld(entries),
        _overrides(entries),
        _answers(entries, timings, generated_at),
        _decisions(entries, timings, generated_at),
    ]
    meta = [f"Generated {draw.when(generated_at)}", _period(entries)]
    return str(draw.page(title, meta, body))


def subject_access_report(
    records: Iterable[Mapping[str, Any]],
    *,
    person_refs: frozenset[bytes],
    person_label: str,
    generated_at: datetime,
) -> str:
    """Everything the audit records about one person, as one HTML document.

    Args:
        records: decoded AuditRecord values, in any order.
        person_refs: the keyed hashes of the person's identifiers.
        person_label: how the officer refers to the person; the only personal text shown.
        generated_at: when the report is made.
    """
    entries = [e for e in _entries(records) if e.subject_refs & person_refs]
    by_action = sorted(Counter(e.action for e in entries).items())
    empty = "The audit holds no record about this person."
    counts = draw.table("Records by action", ("Action", "Records"), by_action, empty=empty)
    caveat = draw.note(
        "Records are found by the keyed references of the identifiers given: a record "
        "naming the person only by another identifier is not found."
    )
    caption = "What was done with this person's information, in time order"
    listed = draw.table(caption, SUBJECT_HEADERS, [_subject_row(e) for e in entries], empty=empty)
    body = [
        draw.section("summary", "1. Summary", [counts, caveat]),
        draw.section("records", "2. Records", [listed]),
    ]
    meta = [f"Person: {person_label}", f"Generated {draw.when(generated_at)}", _period(entries)]
    return str(draw.page(f"Subject access: {person_label}", meta, body))


def _subject_row(e: Entry) -> tuple[object, ...]:
    categories, basis = ", ".join(e.categories) or "none", ", ".join(e.lawful_basis) or "none"
    why = f"{e.rule}: {e.reason}" if e.reason else e.rule
    what = (draw.when(e.at), e.action, e.case, e.agency, _whom(e), categories)
    return (*what, why, basis, _consent(e))


def _summary(entries: list[Entry], verification: str | None) -> Html:
    counts = Counter(e.action for e in entries)
    rows = [
        ("Contacts received", counts["CONTACT_RECEIVED"]),
        ("Information requests issued", counts["REQUEST_ISSUED"]),
        ("Responses received", counts["RESPONSE_RECEIVED"]),
        ("Items shared", counts["SHARED"]),
        ("Items redacted", counts["REDACTED"]),
        ("Items withheld", counts["WITHHELD"]),
        ("Consent overrides", counts["CONSENT_OVERRIDE"]),
        ("Dead letters", counts["DEAD_LETTERED"]),
        ("Overdue cases", len({e.case_id for e in entries if e.action == "OVERDUE"})),
        ("Audit records read", len(entries)),
    ]
    missing = "not supplied: this report does not show whether the chain is intact."
    check = draw.banner("Audit chain verification", verification or missing, verification is None)
    counted = draw.table("Counts for the period", ("Measure", "Count"), rows, numeric=NUMBERS)
    return draw.section("summary", "1. Summary", [check, counted])


def _sharing_over_time(entries: list[Entry]) -> Html:
    heading = "2. Sharing per agency over time"
    decided = [e for e in entries if e.action in DECISIONS]
    if not decided:
        return draw.section("sharing", heading, [draw.note("No item was decided in this period.")])
    first, last = draw.local_day(decided[0].at), draw.local_day(decided[-1].at)
    weekly = (last - first).days + 1 > DAILY_UP_TO
    bucket: Callable[[date], date] = draw.week_start if weekly else lambda value: value
    starts = sorted({bucket(first + timedelta(days=n)) for n in range((last - first).days + 1)})
    unit, label = ("week", "Week beginning") if weekly else ("day", "Day")
    lead = (
        f"Items decided per {unit} (by the policy, or withheld at source by an agency's "
        "connector as outside the request), by the agency whose information they were."
    )
    parts = [draw.note(lead + " Each table lists the periods with items.")]
    ticks, days = [f"{s:%d %b}" for s in starts], [draw.day(s) for s in starts]
    desc = f"Stacked columns from {days[0]} to {days[-1]}."
    counts = Counter((e.agency, bucket(draw.local_day(e.at)), e.action) for e in decided)
    for index, agency in enumerate(sorted({e.agency for e in decided})):
        mine = {(start, action): n for (a, start, action), n in counts.items() if a == agency}
        series = draw.stacked(mine, starts, DECISIONS)
        title = f"{agency}: items shared, redacted and withheld per {unit}"
        chart = draw.column_chart(f"sharing-{index}", title, desc, ticks, series)
        numbers = draw.series_table(f"{agency}, per {unit}", label, days, series)
        parts += [Html(f"<h3>{draw.text(agency)}</h3>"), draw.figure(chart, numbers)]
    return draw.section("sharing", heading, parts)


def _withheld(entries: list[Entry]) -> Html:
    heading = "3. Withheld and shared"
    decided = [e for e in entries if e.action in DECISIONS]
    if not decided:
        return draw.section("withheld", heading, [draw.note("No item was decided in this period.")])
    agencies = sorted({e.agency for e in decided})
    counts = Counter((e.agency, e.action) for e in decided)
    series = draw.stacked(counts, agencies, DECISIONS)
    desc = "Horizontal stacked bars, one per agency; the table beside gives the numbers."
    title = "Items shared, redacted and withheld per agency"
    chart = draw.bar_chart("withheld", title, desc, agencies, series)
    per_agency = _withheld_rows(decided, lambda e: [(e.agency,)])
    numbers = draw.table("Per agency", ("Agency", *WITHHELD_HEADERS), per_agency, numeric=NUMBERS)
    per_category = _withheld_rows(
        decided, lambda e: [(c, e.agency) for c in e.categories or ("(no category)",)]
    )
    headers = ("Category", "Agency", *WITHHELD_HEADERS)
    categories = draw.table("Per category", headers, per_category, numeric=frozenset(range(2, 6)))
    return draw.section("withheld", heading, [draw.figure(chart, numbers), categories])


def _withheld_rows(
    decided: list[Entry], keys: Callable[[Entry], Iterable[tuple[str, ...]]]
) -> list[tuple[object, ...]]:
    """Per key: shared, redacted and withheld counts, the withheld share and its rules."""
    groups: dict[tuple[str, ...], list[Entry]] = {}
    for entry in decided:
        for key in keys(entry):
            groups.setdefault(key, []).append(entry)
    rows: list[tuple[object, ...]] = []
    for key, group in sorted(groups.items()):
        counts = Counter(e.action for e in group)
        rules = Counter(e.rule_id or "not recorded" for e in group if e.action == "WITHHELD")
        listed = ", ".join(f"{rule} ({n})" for rule, n in sorted(rules.items())) or "none"
        share = f"{counts['WITHHELD'] / len(group):.0%}"
        rows.append((*key, *(counts[a] for a in DECISIONS), share, listed))
    return rows


def _overrides(entries: list[Entry]) -> Html:
    rows = [
        (draw.when(e.at), e.case, e.agency, e.consent_status, e.reason or "", e.rule)
        for e in entries
        if e.action == "CONSENT_OVERRIDE"
    ]
    listed = draw.table("Consent overrides", OVERRIDE_HEADERS, rows, empty="No consent overridden.")
    under = sum(1 for e in entries if e.action in DECISIONS and e.consent_overridden)
    count = draw.note(f"{under} item(s) were shared, redacted or withheld under an override.")
    return draw.section("overrides", "4. Consent overrides", [listed, count])


def _answers(entries: list[Entry], timings: Timings, now: datetime) -> Html:
    contacts = _first(entries, "CONTACT_RECEIVED", lambda e: e.case_id)
    answers = _first(entries, "RESPONSE_RECEIVED", lambda e: e.request_id)
    requests: list[Request] = []
    for request_id, asked in _first(entries, "REQUEST_ISSUED", lambda e: e.request_id).items():
        contact = contacts.get(asked.case_id or "")
        rating = RAG_RULES.get(contact.rule_id or "") if contact else None
        limit = timings.answer_within(rating) if rating else None
        requests.append(Request(asked, answers.get(request_id), rating, limit))
    agencies = sorted({r.asked.agency for r in requests})
    outcomes = Counter((r.asked.agency, r.outcome(now)) for r in requests)
    rows = [_answer_row(a, [r for r in requests if r.asked.agency == a], now) for a in agencies]
    series = draw.stacked(outcomes, agencies, OUTCOMES)
    title = "Requests per agency: answered within the deadline, late, or unanswered"
    desc = "Horizontal stacked bars, one per agency; the table beside gives the figures."
    chart = draw.bar_chart("answers", title, desc, agencies, series)
    summary = draw.table("Answer times per agency", ANSWER_HEADERS, rows, numeric=NUMBERS)
    missed = [_missed_row(r, now) for r in requests if r.outcome(now) in ("late", "past", "open")]
    explained = draw.note(
        f"Deadlines: red {timings.red_hours:g} h, amber {timings.amber_hours:g} h, green "
        f"{timings.green_hours:g} h from the request, by the RAG rule of the case's contact "
        "(none known for a contact outside the period). 'Within deadline': answered in time, "
        "of the requests now due. 90th percentile: nearest rank."
    )
    empty = "Every request was answered within its deadline."
    late = draw.table("Requests late or unanswered", LATE_HEADERS, missed, empty=empty)
    parts = [explained, draw.figure(chart, summary) if requests else summary, late]
    return draw.section("answers", "5. Agency answers against RAG deadlines", parts)


def _answer_row(agency: str, requests: list[Request], now: datetime) -> tuple[object, ...]:
    took = [r.answer.at - r.asked.at for r in requests if r.answer]
    median, ninetieth = draw.median(took), draw.ninetieth(took)
    outcomes = Counter(r.outcome(now) for r in requests)
    due = outcomes["within"] + outcomes["late"] + outcomes["past"]
    within = f"{outcomes['within'] / due:.0%}" if due else "n/a"
    unanswered = outcomes["past"] + outcomes["open"]
    return agency, len(requests), len(took), median, ninetieth, within, outcomes["late"], unanswered


def _missed_row(request: Request, now: datetime) -> tuple[object, ...]:
    asked, answer, limit = request.asked, request.answer, request.limit
    deadline = draw.when(asked.at + limit) if limit is not None else "unknown"
    if answer is not None and limit is not None:
        result = f"outside the deadline by {draw.duration(answer.at - asked.at - limit)}"
    else:
        result = "unanswered, " + ("past due" if request.outcome(now) == "past" else "not yet due")
    answered = draw.when(answer.at) if answer else "not answered"
    rating = request.rating or "unknown"
    return asked.case, asked.agency, rating, draw.when(asked.at), deadline, answered, result


def _decisions(entries: list[Entry], timings: Timings, now: datetime) -> Html:
    hours = f"{timings.decision_hours:g} hours"
    heading = f"6. Contacts decided within {hours}"
    contacts = _first(entries, "CONTACT_RECEIVED", lambda e: e.case_id)
    decided = _first(entries, "DECISION_RECORDED", lambda e: e.case_id)
    overdue = {e.case_id for e in entries if e.action == "OVERDUE"} & set(contacts)
    tally: Counter[str] = Counter()
    rows: list[tuple[object, ...]] = []
    for case_id, contact in contacts.items():
        due, decision = contact.at + timings.decision_within(), decided.get(case_id)
        if decision is not None:
            outcome = "Decided in time" if decision.at <= due else "Decided late"
            result = f"decided {draw.duration(decision.at - due)} late"
        else:
            outcome = "Undecided"
            late = "past due, no OVERDUE record" if now >= due else "not yet due"
            result = "OVERDUE recorded" if case_id in overdue else late
        tally[outcome] += 1
        decided_at = draw.when(decision.at) if decision else "not decided"
        row = (contact.case, draw.when(contact.at), draw.when(due), decided_at, result)
        if outcome != "Decided in time" and (decided or case_id in overdue):
            rows.append(row)
    if not contacts:
        return draw.section("decisions", heading, [draw.note("No contact in this period.")])
    if not decided:
        plain = draw.note(
            "No management decision is recorded in this audit (there is no DECISION_RECORDED "
            f"record), so whether contacts were decided within {hours} cannot be measured. "
            f"{len(overdue)} of the {len(contacts)} contact(s) have an OVERDUE record."
        )
        overdue_list = draw.table("Contacts with an OVERDUE record", DECISION_HEADERS, rows)
        return draw.section("decisions", heading, [plain, overdue_list])
    labels = ["Decided in time", "Decided late", "Undecided"]
    series = [Series("Contacts", draw.SHARED_COLOUR, tuple(float(tally[k]) for k in labels))]
    desc = "Horizontal bars: contacts decided in time, decided late and not decided."
    chart = draw.bar_chart("decisions", f"Contacts decided within {hours}", desc, labels, series)
    numbers = draw.series_table("Decisions", "Outcome", labels, series)
    share = f"{tally['Decided in time'] / len(contacts):.0%}"
    lead = draw.note(f"{share} of the {len(contacts)} contact(s) were decided within {hours}.")
    empty = "Every contact was decided in time."
    listed = draw.table("Contacts not decided in time", DECISION_HEADERS, rows, empty=empty)
    return draw.section("decisions", heading, [lead, draw.figure(chart, numbers), listed])


def _entries(records: Iterable[Mapping[str, Any]]) -> list[Entry]:
    """The records typed, each once, in time order."""
    typed = sorted((_entry(r) for r in records), key=lambda e: (e.at, e.sequence, e.record_id))
    unique: dict[str, Entry] = {}
    for entry in typed:
        unique.setdefault(entry.record_id, entry)
    return list(unique.values())


def _entry(record: Mapping[str, Any]) -> Entry:
    at: datetime = record["recorded_at"]
    recipient = record.get("recipient") or {}
    whom = [str(v) for v in (recipient.get("team_key"), recipient.get("agency")) if v]
    case_id, request_id = record.get("case_id"), record.get("request_id")
    return Entry(
        record_id=str(record["record_id"]),
        sequence=int(record.get("sequence") or 0),
        case_id=str(case_id) if case_id else None,
        at=at if at.tzinfo else at.replace(tzinfo=UTC),
        action=str(record["action"]),
        subject_refs=frozenset(bytes(ref) for ref in record.get("subject_refs") or ()),
        source_agency=record.get("source_agency"),
        categories=tuple(str(c) for c in record.get("categories") or ()),
        rule_id=record.get("rule_id"),
        rule_version=record.get("rule_version"),
        reason=record.get("reason"),
        lawful_basis=tuple(str(b) for b in record.get("lawful_basis") or ()),
        consent_status=str(record.get("consent_status") or "UNKNOWN"),
        consent_overridden=bool(record.get("consent_overridden")),
        recipient=" / ".join(whom) or None,
        request_id=str(request_id) if request_id else None,
    )


def _first(
    entries: list[Entry], action: str, key: Callable[[Entry], str | None]
) -> dict[str, Entry]:
    """The earliest entry of ``action`` per key (a case or request id); none without a key."""
    first: dict[str, Entry] = {}
    for entry in entries:
        found = key(entry)
        if entry.action == action and found is not None:
            first.setdefault(found, entry)
    return first


def _whom(entry: Entry) -> str:
    if entry.recipient:
        return entry.recipient
    if entry.action == "REQUEST_ISSUED" and entry.source_agency:
        return f"{entry.agency} (asked)"
    if entry.action == "RESPONSE_SENT":
        return "the MASH (answering its request)"
    if entry.action == "WITHHELD":
        return "nobody (withheld)"
    return "not recorded"


def _consent(entry: Entry) -> str:
    return entry.consent_status + (", overridden" if entry.consent_overridden else "")


def _period(entries: list[Entry]) -> str:
    if not entries:
        return "Period covered: no records"
    return "Period covered: " + draw.period(entries[0].at, entries[-1].at)
