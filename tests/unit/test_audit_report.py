"""Compliance and subject-access reports: self-contained, accessible, and true to the audit."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from itertools import pairwise
from typing import Any

import pytest

from agents.audit import AUDIT_SCHEMA, Auditor, identifier_ref
from broker.authority import Timings
from broker.codec import AvroCodec
from broker.schema_store import packaged_schemas
from mash.audit_report import compliance_report, subject_access_report

KEY = bytes(range(32))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GENERATED = T0 + timedelta(days=4)
TIMINGS = Timings()
CASE_A = uuid.UUID("0a1b2c3d-0000-4000-8000-00000000000a")
CASE_B = uuid.UUID("0b1b2c3d-0000-4000-8000-00000000000b")
CHILD_A_NHS, MOTHER_A_NHS, CHILD_B_NHS = "9990001111", "9990002222", "9990003333"
OVERRIDE_REASON = (
    "Asking the mother would put the child at risk (approved by Team Manager R Okafor)"
)
INJECTED = "<script>alert('x')</script>"
VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "rect", "line", "col", "area"})


def _person(nhs_number: str) -> dict[str, Any]:
    person_id = uuid.uuid5(uuid.NAMESPACE_OID, nhs_number)
    return {"person_id": person_id, "identifiers": [{"scheme": "NHS_NUMBER", "value": nhs_number}]}


CHILD_A, MOTHER_A, CHILD_B = _person(CHILD_A_NHS), _person(MOTHER_A_NHS), _person(CHILD_B_NHS)


def _request_id(case: uuid.UUID, agency: str) -> uuid.UUID:
    return uuid.uuid5(case, agency)


def _decision_record(case: uuid.UUID, at: datetime) -> dict[str, Any]:
    """A DECISION_RECORDED record; encoded only where the schema already has the symbol."""
    manager = Auditor("agent.decisions", KEY, "k1")
    record = manager.record(
        "DECISION_RECORDED", case_id=case, now=at, people=[CHILD_A, MOTHER_A],
        rule_id="management-decision", reason="Strategy discussion under s47",
    )  # fmt: skip
    symbols = packaged_schemas().definition("uk.mash.v1.AuditAction")["symbols"]
    if "DECISION_RECORDED" in symbols:
        AvroCodec().encode(AUDIT_SCHEMA, record)
    return record


def audit_records(*, with_decision: bool = True) -> list[dict[str, Any]]:
    """Two cases, three agencies: case A amber and decided in time, case B red and overdue."""
    triage = Auditor("agent.triage", KEY, "k1")
    policy = Auditor("agent.policy", KEY, "k1")
    collation = Auditor("agent.collation", KEY, "k1")
    family_a = [CHILD_A, MOTHER_A]
    basis = ["UK_GDPR_ART_6_1_E_PUBLIC_TASK", "CHILDREN_ACT_1989_S47"]
    records = [
        triage.record("CONTACT_RECEIVED", case_id=CASE_A, now=T0, people=family_a,
                      rule_id="rag-amber", lawful_basis=basis, consent_status="GIVEN",
                      recipient={"team_key": "mash-duty", "agency": None}),
        triage.record("CONTACT_RECEIVED", case_id=CASE_B, now=T0 + timedelta(days=1),
                      people=[CHILD_B], rule_id="rag-red", consent_status="NOT_SOUGHT",
                      recipient={"team_key": "mash-duty", "agency": None}),
    ]  # fmt: skip
    asks = [(CASE_A, family_a, T0, ("POLICE", "HEALTH", "EDUCATION")),
            (CASE_B, [CHILD_B], T0 + timedelta(days=1), ("POLICE", "HEALTH"))]  # fmt: skip
    for case, people, at, agencies in asks:
        records += [
            triage.record("REQUEST_ISSUED", case_id=case, now=at + timedelta(minutes=2),
                          people=people, source_agency=agency, rule_id="agencies-by-concern",
                          request_id=_request_id(case, agency))
            for agency in agencies
        ]  # fmt: skip
    # Police answer case A in 3 h and education in 5 h (amber: 24 h); health takes 30 h.
    # Police answer red case B in 2 h (red: 4 h), under a consent override; health never does.
    answers = [(CASE_A, family_a, "POLICE", 3, False), (CASE_A, family_a, "EDUCATION", 5, False),
               (CASE_A, family_a, "HEALTH", 30, False),
               (CASE_B, [CHILD_B], "POLICE", 24 + 2, True)]  # fmt: skip
    for case, people, agency, hours, overridden in answers:
        common: dict[str, Any] = {
            "case_id": case, "source_agency": agency, "request_id": _request_id(case, agency),
            "response_id": uuid.uuid5(case, f"response-{agency}"), "lawful_basis": basis,
            "consent_status": "NOT_SOUGHT" if overridden else "GIVEN",
            "consent_overridden": overridden, "now": T0 + timedelta(hours=hours, minutes=2),
        }  # fmt: skip
        records.append(policy.record("RESPONSE_RECEIVED", people=people, **common))
        if overridden:
            override = policy.record(
                "CONSENT_OVERRIDE", people=people, rule_id="safeguarding-without-consent",
                reason=f"{OVERRIDE_REASON} {INJECTED}", **common,
            )  # fmt: skip
            records.append(override)
    items = [
        (CASE_A, "POLICE", "SHARED", "police.domestic_abuse_incident", [CHILD_A], "consent-given"),
        (CASE_A, "POLICE", "SHARED", "police.caution", [MOTHER_A], "consent-given"),
        (CASE_A, "EDUCATION", "SHARED", "education.attendance", [CHILD_A], "consent-given"),
        (CASE_A, "HEALTH", "REDACTED", "health.ae_attendance", [CHILD_A], "sensitive-categories"),
        (CASE_A, "HEALTH", "WITHHELD", "health.sexual_health", [MOTHER_A], "sensitive-categories"),
        (CASE_B, "POLICE", "SHARED", "police.missing_episode", [CHILD_B],
         "safeguarding-without-consent"),
    ]  # fmt: skip
    for case, agency, outcome, category, people, rule in items:
        hours = next(h for c, _, a, h, _ in answers if (c, a) == (case, agency))
        records.append(policy.record(
            outcome, case_id=case, now=T0 + timedelta(hours=hours, minutes=3), people=people,
            source_agency=agency, categories=[category], rule_id=rule, rule_version="1.0.0",
            reason=f"{category} decided", request_id=_request_id(case, agency),
            consent_overridden=case == CASE_B, distinct=category,
        ))  # fmt: skip
    records.append(collation.record("OVERDUE", case_id=CASE_B, now=T0 + timedelta(days=2, hours=1),
                                    reason="No management decision within 24 hours."))  # fmt: skip
    records.append(policy.record("DEAD_LETTERED", case_id=None, now=T0 + timedelta(hours=6),
                                 reason="BAD_SIGNATURE"))  # fmt: skip
    if with_decision:
        records.append(_decision_record(CASE_A, T0 + timedelta(hours=20)))
    return records


class Page(HTMLParser):
    """What the tests read from a report: tags, tables, headings and chart titles."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.headings: list[tuple[int, str]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.svgs: list[dict[str, str]] = []
        self.text = ""
        self._caption: str | None = None
        self._row: list[str] | None = None
        self._cell: str | None = None
        self._heading: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [(tag, name, value) for name, value in attrs]
        if tag not in VOID:
            self.open.append(tag)
        if tag == "svg":
            self.svgs.append({})
        elif tag == "caption":
            self._caption = ""
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag in ("h1", "h2", "h3", "h4"):
            self._heading = ""

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [(tag, name, value) for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            list(self.tables.values())[-1].append(self._row)
            self._row = None
        elif tag == "caption" and self._caption is not None:
            self.tables[self._caption.strip()] = []
            self._caption = None
        elif tag in ("h1", "h2", "h3", "h4") and self._heading is not None:
            self.headings.append((int(tag[1]), self._heading.strip()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text += data
        inside = self.open[-1] if self.open else ""
        if inside in ("title", "desc") and self.svgs and "svg" in self.open:
            self.svgs[-1][inside] = self.svgs[-1].get(inside, "") + data
        for name in ("_caption", "_cell", "_heading"):
            if getattr(self, name) is not None:
                setattr(self, name, getattr(self, name) + data)

    def table(self, caption: str) -> list[list[str]]:
        """The body rows (header row left out) of the table with this caption."""
        return self.tables[caption][1:]


def _report(records: list[dict[str, Any]], **options: Any) -> str:
    settings: dict[str, Any] = {
        "timings": TIMINGS,
        "title": "MASH audit, March 2026",
        "generated_at": GENERATED,
        "verification": "OK: 25 records",
    }
    return compliance_report(records, **(settings | options))


@pytest.fixture(scope="module")
def report() -> str:
    return _report(audit_records())


@pytest.fixture(scope="module")
def page(report: str) -> Page:
    return Page(report)


def test_report_is_one_well_formed_document(page: Page) -> None:
    assert page.problems == []
    assert page.open == []
    assert ("html", "lang", "en-GB") in page.attributes


def test_report_loads_nothing_from_elsewhere(report: str, page: Page) -> None:
    assert "<script" not in report.lower()
    assert "http://" not in report
    assert "https://" not in report
    assert not [a for a in page.attributes if a[1] in ("src", "href", "srcset", "xlink:href")]
    assert not {tag for tag, _, _ in page.attributes} & {"link", "img", "iframe", "object"}


def test_every_chart_has_a_title_and_a_description(page: Page) -> None:
    assert len(page.svgs) >= 5  # three agencies over time, withheld, answers, decisions
    for chart in page.svgs:
        assert chart.get("title", "").strip()
        assert chart.get("desc", "").strip()
    assert all(value for tag, name, value in page.attributes if (tag, name) == ("svg", "role"))


def test_headings_go_down_one_level_at_a_time(page: Page) -> None:
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1
    assert levels.count(1) == 1
    assert all(after - before <= 1 for before, after in pairwise(levels))
    sections = [title for level, title in page.headings if level == 2]
    assert [title.split(".")[0] for title in sections] == ["1", "2", "3", "4", "5", "6"]


def test_summary_counts_match_the_records(page: Page) -> None:
    records = audit_records()
    actions = Counter(record["action"] for record in records)
    overdue = {record["case_id"] for record in records if record["action"] == "OVERDUE"}
    expected = {
        "Contacts received": actions["CONTACT_RECEIVED"],
        "Information requests issued": actions["REQUEST_ISSUED"],
        "Responses received": actions["RESPONSE_RECEIVED"],
        "Items shared": actions["SHARED"],
        "Items redacted": actions["REDACTED"],
        "Items withheld": actions["WITHHELD"],
        "Consent overrides": actions["CONSENT_OVERRIDE"],
        "Dead letters": actions["DEAD_LETTERED"],
        "Overdue cases": len(overdue),
        "Audit records read": len(records),
    }
    shown = {label: int(count) for label, count in page.table("Counts for the period")}
    assert shown == expected
    assert (shown["Contacts received"], shown["Information requests issued"]) == (2, 5)


def test_chain_verification_is_shown_prominently(report: str) -> None:
    assert '<p class="verification"><strong>Audit chain verification:</strong> OK: 25 records' in (
        report
    )
    unverified = _report(audit_records(), verification=None)
    assert 'class="verification warning"' in unverified
    assert "not supplied" in unverified


def test_consent_override_lists_reason_approver_and_rule(page: Page) -> None:
    (override,) = page.table("Consent overrides")
    assert override[1] == str(CASE_B)[:8]
    assert OVERRIDE_REASON in override[4]
    assert override[5] == "safeguarding-without-consent"


def test_record_text_is_escaped(report: str, page: Page) -> None:
    assert INJECTED not in report
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in report
    assert INJECTED in page.text  # shown to the reader as text, never run


def test_late_answer_is_shown_outside_its_deadline(page: Page) -> None:
    missed = {(row[0], row[1]): row for row in page.table("Requests late or unanswered")}
    late = missed[str(CASE_A)[:8], "Health"]
    assert late[2] == "AMBER"
    assert late[-1] == "outside the deadline by 6 h"
    unanswered = missed[str(CASE_B)[:8], "Health"]
    assert unanswered[-1] == "unanswered, past due"
    assert set(missed) == {(str(CASE_A)[:8], "Health"), (str(CASE_B)[:8], "Health")}


def test_answer_times_are_summarised_per_agency(page: Page) -> None:
    rows = {row[0]: row for row in page.table("Answer times per agency")}
    assert rows["Health"][1:] == ["2", "1", "1 d 6 h", "1 d 6 h", "0%", "1", "1"]
    assert rows["Police"][1:] == ["2", "2", "2 h 30 min", "3 h", "100%", "0", "0"]
    assert rows["Education"][1:] == ["1", "1", "5 h", "5 h", "100%", "0", "0"]


def test_withheld_items_name_the_rule_that_withheld(page: Page) -> None:
    agencies = {row[0]: row for row in page.table("Per agency")}
    assert agencies["Health"][1:] == ["0", "1", "1", "50%", "sensitive-categories (1)"]
    assert agencies["Police"][1:] == ["3", "0", "0", "0%", "none"]
    categories = {row[0]: row for row in page.table("Per category")}
    assert categories["health.sexual_health"][1:] == [
        "Health", "0", "0", "1", "100%", "sensitive-categories (1)",
    ]  # fmt: skip


def test_sharing_over_time_is_charted_per_agency_per_day(page: Page) -> None:
    assert [title for level, title in page.headings if level == 3] == [
        "Education", "Health", "Police",
    ]  # fmt: skip
    police = page.table("Police, per day")
    assert [row[0] for row in police] == ["Mon 02 Mar 2026", "Tue 03 Mar 2026"]
    assert police[0][1:] == ["2", "0", "0"]


def test_long_periods_are_charted_per_week() -> None:
    records = audit_records()
    later = Auditor("agent.policy", KEY, "k1").record(
        "SHARED", case_id=CASE_A, now=T0 + timedelta(days=90), source_agency="POLICE",
        categories=["police.caution"], rule_id="consent-given", distinct="later",
    )  # fmt: skip
    page = Page(_report([*records, later], generated_at=T0 + timedelta(days=91)))
    police = page.table("Police, per week")
    assert police[0][0] == "Mon 02 Mar 2026"
    assert [int(row[1]) for row in police] == [3, 1]


def test_contacts_decided_within_24_hours(page: Page) -> None:
    assert dict(page.table("Decisions")) == {"Decided in time": "1", "Undecided": "1"}
    (undecided,) = page.table("Contacts not decided in time")
    assert undecided[0] == str(CASE_B)[:8]
    assert undecided[-1] == "OVERDUE recorded"
    assert "50% of the 2 contact(s) were decided within 24 hours." in page.text


def test_without_decision_records_the_report_says_so() -> None:
    page = Page(_report(audit_records(with_decision=False)))
    assert "No management decision is recorded in this audit" in page.text
    assert "Decisions" not in page.tables
    assert "0%" not in page.text.split("6. Contacts decided")[1]
    (overdue,) = page.table("Contacts with an OVERDUE record")
    assert overdue[0] == str(CASE_B)[:8]


def test_same_records_give_the_same_report_in_any_order(report: str) -> None:
    reordered = sorted(audit_records(), key=lambda record: str(record["record_id"]))
    assert _report(reordered + reordered[:5]) == report  # a redelivered record counts once


def test_subject_access_lists_only_the_persons_records() -> None:
    records = audit_records()
    child = identifier_ref(KEY, "NHS_NUMBER", CHILD_A_NHS)
    theirs = [record for record in records if child in record["subject_refs"]]
    text = subject_access_report(
        records, person_refs=frozenset({child}), person_label="Child A (ref 77/2026)",
        generated_at=GENERATED,
    )  # fmt: skip
    page = Page(text)
    rows = page.table("What was done with this person's information, in time order")
    assert len(rows) == len(theirs)
    assert {row[2] for row in rows} == {str(CASE_A)[:8]}
    categories = {row[5] for row in rows}
    assert "police.domestic_abuse_incident" in categories
    assert "police.caution" not in categories  # about the mother only
    assert "health.sexual_health" not in categories
    assert "Health (asked)" in {row[4] for row in rows}
    assert dict(page.table("Records by action"))["SHARED"] == "2"


def test_subject_access_shows_no_personal_data_but_the_label() -> None:
    child = identifier_ref(KEY, "NHS_NUMBER", CHILD_A_NHS)
    text = subject_access_report(
        audit_records(), person_refs=frozenset({child}), person_label="Child <A>",
        generated_at=GENERATED,
    )  # fmt: skip
    page = Page(text)
    assert page.problems == []
    assert "<script" not in text
    assert CHILD_A_NHS not in text
    assert child.hex() not in text
    assert "Child &lt;A&gt;" in text
    assert page.headings[0] == (1, "Subject access: Child <A>")


def test_subject_access_for_an_unknown_person_says_nothing_is_held() -> None:
    text = subject_access_report(
        audit_records(), person_refs=frozenset({b"\x00" * 32}), person_label="Nobody",
        generated_at=GENERATED,
    )  # fmt: skip
    assert "The audit holds no record about this person." in Page(text).text


def test_records_read_back_from_avro_give_the_same_report(report: str) -> None:
    codec = AvroCodec()
    symbols = packaged_schemas().definition("uk.mash.v1.AuditAction")["symbols"]
    records = [r for r in audit_records() if r["action"] in symbols]
    decoded = [codec.decode(codec.encode(AUDIT_SCHEMA, r), AUDIT_SCHEMA).value for r in records]
    assert _report(decoded) == _report(records)


def test_an_empty_audit_says_there_is_nothing_to_report() -> None:
    page = Page(_report([]))
    assert page.problems == []
    assert "Period covered: no records" in page.text
    assert "No contact in this period." in page.text
    assert {int(count) for _, count in page.table("Counts for the period")} == {0}
