"""The case board behind ``mash cases list``, and ``mash picture show``'s own checks.

The board is plain functions of audit records and notifications, so these need
no broker; the commands against the embedded broker are in
tests/integration/test_staff_commands.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agents import triage
from agents.audit import Auditor
from broker.authority import Timings, load_authority
from broker.engines.process import free_port
from mash.case_board import Case, by_urgency, case_plain, case_table, gather, rag_of, span
from mash.cli import mash
from tests.examples import CASE_ID, CONTACT

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
TIMINGS = Timings()
AUDITOR = Auditor("agent.triage", b"k" * 32, "hmac:test")
OTHER_CASE = uuid.UUID("2c1d5e8a-0b7f-4a63-9d21-5f0e6b3a7c14")


def audit(action: str, case_id: uuid.UUID | None = CASE_ID, **fields: Any) -> dict[str, Any]:
    at = fields.pop("now", NOW - timedelta(hours=1))
    return AUDITOR.record(action, case_id=case_id, now=at, **fields)


def received(case_id: uuid.UUID, rag: str, at: datetime, team: str = "mash-duty") -> dict[str, Any]:
    return audit(
        "CONTACT_RECEIVED",
        case_id,
        now=at,
        rule_id=f"rag-{rag.lower()}",
        recipient={"team_key": team, "agency": None},
        reason=f"rag-{rag.lower()}: {rag}; mash-duty: {team}",
    )


def notification(
    kind: str, due_at: datetime | None, case_id: uuid.UUID = CASE_ID
) -> dict[str, Any]:
    return {"case_id": case_id, "kind": kind, "due_at": due_at}


def test_the_rag_rating_is_read_from_what_triage_writes() -> None:
    plan = triage.plan(CONTACT, load_authority(), [], NOW)
    # As agents/streams/contacts.py writes the CONTACT_RECEIVED reason.
    reason = "; ".join(f"{d.rule_id}: {d.outcome}" for d in plan.decisions)
    assert rag_of(reason) == plan.rag_rating


@pytest.mark.parametrize(
    ("reason", "rule_id", "rag"),
    [
        ("rag-red: RED; mash-duty: mash-duty", None, "RED"),
        ("mash-duty: mash-duty;rag-amber:amber", None, "AMBER"),
        ("rag-green :  GREEN", "rag-red", "GREEN"),
        (None, "rag-green", "GREEN"),
        ("rag-red: PURPLE", "rag-amber", "AMBER"),
        ("rag-red: PURPLE", None, "UNKNOWN"),
        ("", "not-a-rag-rule", "UNKNOWN"),
        ("no decisions here", None, "UNKNOWN"),
    ],
)
def test_the_rag_rating_is_parsed_robustly(
    reason: str | None, rule_id: str | None, rag: str
) -> None:
    assert rag_of(reason, rule_id) == rag


def test_a_case_gathers_its_agencies_pictures_and_team() -> None:
    records = [
        received(CASE_ID, "RED", NOW - timedelta(hours=1)),
        *(audit("REQUEST_ISSUED", source_agency=a) for a in ("POLICE", "HEALTH", "SOCIAL_CARE")),
        *(audit("RESPONSE_RECEIVED", source_agency=a) for a in ("POLICE", "POLICE", "HEALTH")),
        audit("PICTURE_ROUTED", reason="revision 2 (LATE_RESPONSE)", distinct="2",
              recipient={"team_key": "area-north", "agency": None}),
        audit("PICTURE_ROUTED", reason="revision 1 (DEADLINE_REACHED)", distinct="1",
              recipient={"team_key": "area-north", "agency": None}),
        audit("DEAD_LETTERED", case_id=None, reason="MALFORMED: not Avro"),
    ]  # fmt: skip
    [case] = gather(records, [])
    assert case.case_id == str(CASE_ID)
    assert case.rag_rating == "RED"
    assert case.asked == {"police", "health", "social_care"}
    assert case.answered == {"police", "health"}
    assert case.awaited == {"social_care"}
    assert case.picture_revision == 2
    assert case.team_key == "area-north"  # where the pictures went
    assert not case.overdue(TIMINGS, NOW)


def test_the_deadlines_follow_triage() -> None:
    at = NOW - timedelta(hours=1)
    [case] = gather(
        [received(CASE_ID, "AMBER", at), audit("REQUEST_ISSUED", source_agency="POLICE")], []
    )
    assert case.received_at(TIMINGS) == at
    assert case.answers_due(TIMINGS) == at + timedelta(hours=24)
    assert case.decision_due(TIMINGS) == at + timedelta(hours=24)
    red = Timings(red_hours=2, decision_hours=8)
    assert Case("x", "RED", at, asked={"police"}).answers_due(red) == at + timedelta(hours=2)
    assert Case("x", "RED", at, asked={"police"}).decision_due(red) == at + timedelta(hours=8)


def test_a_notification_gives_the_exact_contact_time() -> None:
    contact_at = NOW - timedelta(hours=3)
    records = [received(CASE_ID, "RED", NOW - timedelta(hours=1))]  # triage ran late
    [case] = gather(
        records, [notification("POLICE_NOTIFICATION", contact_at + timedelta(hours=24))]
    )
    assert case.received_at(TIMINGS) == contact_at
    assert case_plain(case, TIMINGS, NOW)["received_at_estimated"] is False


def test_without_a_rag_rating_or_a_request_only_the_decision_clock_runs() -> None:
    unknown = Case("x", "UNKNOWN", NOW, asked={"police"})
    assert unknown.answers_due(TIMINGS) is None
    assert unknown.decision_due(TIMINGS) == NOW + timedelta(hours=24)
    assert Case("y", "RED", NOW).answers_due(TIMINGS) is None


@pytest.mark.parametrize(
    ("records", "notifications"),
    [
        ([audit("OVERDUE")], []),
        ([], [notification("OVERDUE_DECISION", None)]),
        ([received(CASE_ID, "GREEN", NOW - timedelta(hours=25))], []),
    ],
    ids=["overdue-audit", "overdue-notification", "decision-time-passed"],
)
def test_a_case_is_overdue(
    records: list[dict[str, Any]], notifications: list[dict[str, Any]]
) -> None:
    [case] = gather(records, notifications)
    assert case.overdue(TIMINGS, NOW)
    assert case_plain(case, TIMINGS, NOW)["overdue"] is True


def test_the_most_urgent_come_first() -> None:
    cases = [
        Case("green", "GREEN", NOW - timedelta(hours=20)),
        Case("amber-late", "AMBER", NOW - timedelta(hours=2)),
        Case("red", "RED", NOW - timedelta(hours=1)),
        Case("overdue-green", "GREEN", NOW - timedelta(hours=30)),
        Case("amber-early", "AMBER", NOW - timedelta(hours=5)),
        Case("overdue-flagged", "AMBER", None, overdue_recorded=True),
        Case("unknown", "UNKNOWN", NOW - timedelta(hours=23)),
    ]
    order = [case.case_id for case in by_urgency(cases, TIMINGS, NOW)]
    assert order == [
        "overdue-flagged", "overdue-green", "red", "amber-early", "amber-late", "green", "unknown",
    ]  # fmt: skip


def test_awaited_answers_bring_a_deadline_forward() -> None:
    timings = Timings(red_hours=2, amber_hours=4, green_hours=72, decision_hours=24)
    waiting = Case("waiting", "AMBER", NOW - timedelta(hours=2), asked={"police"})
    answered = Case("answered", "AMBER", NOW - timedelta(hours=10), asked={"police"})
    answered.answered.add("police")
    # Answers due in 2 hours come before a decision due in 14.
    order = [case.case_id for case in by_urgency([answered, waiting], timings, NOW)]
    assert order == ["waiting", "answered"]


@pytest.mark.parametrize(
    ("length", "shown"),
    [
        (timedelta(minutes=12, seconds=59), "12m"),
        (timedelta(hours=3, minutes=5), "3h 05m"),
        (timedelta(days=1, hours=4, minutes=30), "1d 04h"),
        (-timedelta(hours=2), "2h 00m"),
    ],
)
def test_spans_of_time(length: timedelta, shown: str) -> None:
    assert span(length) == shown


def test_the_table_marks_overdue_rows_and_estimates() -> None:
    late = Case(str(OTHER_CASE), "AMBER", NOW - timedelta(hours=26), asked={"police"})
    red = Case(str(CASE_ID), "RED", NOW - timedelta(hours=1), "mash-duty", {"police", "health"})
    red.answered.add("police")
    red.picture_revision = 3
    lines = case_table(by_urgency([red, late], TIMINGS, NOW), TIMINGS, NOW)
    (header, _), (first, first_overdue), (second, second_overdue) = lines
    assert header.split() == [
        "CASE", "RAG", "RECEIVED", "TEAM", "ANSWERED", "AWAITED", "PICTURE", "ANSWERS", "DUE",
        "DECISION", "DUE",
    ]  # fmt: skip
    assert first.startswith(str(OTHER_CASE))
    assert (first_overdue, second_overdue) == (True, False)
    assert "late 2h 00m" in first
    assert "OVERDUE 2h 00m" in first
    assert "~02 Mar 10:00" in first  # UK time; ~: as triage recorded it
    assert second.split()[1:3] == ["RED", "~03"]
    assert "1 of 2" in second
    assert "health" in second
    assert "in 3h 00m" in second
    assert "in 23h 00m" in second


def test_the_json_row_names_every_field() -> None:
    case = Case(str(CASE_ID), "RED", NOW - timedelta(hours=1), "mash-duty", {"police"})
    plain = case_plain(case, TIMINGS, NOW)
    assert plain == {
        "case_id": str(CASE_ID),
        "rag_rating": "RED",
        "received_at": "2026-03-03T11:00:00Z",
        "received_at_estimated": True,
        "team_key": "mash-duty",
        "agencies_asked": ["police"],
        "agencies_answered": [],
        "agencies_awaited": ["police"],
        "picture_revision": None,
        "answers_due_at": "2026-03-03T15:00:00Z",
        "answers_seconds_left": 3 * 3600,
        "decision_due_at": "2026-03-04T11:00:00Z",
        "decision_seconds_left": 23 * 3600,
        "overdue": False,
        "notifications": [],
    }


def run(*args: str, keystore: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MASH_KEYSTORE": str(keystore)}
    env.pop("MASH_AUTHORITY_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "mash", *args], capture_output=True, text=True, check=False, env=env
    )


def test_picture_show_needs_a_case_id() -> None:
    result = CliRunner().invoke(mash, ["picture", "show", "not-a-case", "--team", "mash-duty"])
    assert result.exit_code == 2
    assert "'not-a-case' is not a case id (a UUID)" in result.output


def test_picture_show_names_the_teams() -> None:
    result = CliRunner().invoke(mash, ["picture", "show", str(CASE_ID), "--team", "nobody"])
    assert result.exit_code == 2
    assert "'nobody' is not a team of" in result.output
    assert "mash-duty" in result.output


def test_a_keystore_without_the_teams_key_is_told_so_and_gets_none(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    bootstrap = f"127.0.0.1:{free_port()}"  # never reached: the key is checked first
    result = run("picture", "show", str(CASE_ID), "--team", "mash-duty", "--bootstrap", bootstrap,
                 keystore=keys)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "no private key of team mash-duty" in result.stderr
    assert "team.mash-duty.x25519" in result.stderr
    assert not (keys / "team.mash-duty.x25519").exists()


def test_no_broker_is_one_line(tmp_path: Path) -> None:
    result = run("cases", "list", "--bootstrap", f"127.0.0.1:{free_port()}", keystore=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("mash: error: no Kafka broker answered at 127.0.0.1:")
    assert "Traceback" not in result.stderr
