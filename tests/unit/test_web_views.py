"""What the console shows, as plain functions: clocks, answers, rules per finding, forms, decisions.

Deadlines follow the guidance: agencies answer within the RAG rating's time and
the management decision is due 24 hours after the contact (Oldham 5.10).
"""

from __future__ import annotations

import io
import tarfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from broker.authority import concern_symbols, load_authority
from broker.codec import AvroCodec
from broker.errors import ConfigurationError
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from mash.case_board import Case
from mash.web import assets
from mash.web.case_view import (
    agency_answers,
    answers_clock,
    board,
    decision_clock,
    picture_view,
)
from mash.web.contact_form import nhs_number_is_valid, read_form
from mash.web.decisions import decision_audit, decision_problems, decision_value
from mash.web.users import Role, StaffMember
from tests.examples import AUDIT_RECORD, FAMILY_PICTURE
from tests.unit.test_web_pages import VALID_CONTACT, audit_record

TIMINGS = load_authority().timings
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
MANAGER = StaffMember("duty.manager", "Grace Okafor", Role.MANAGER, "mash-duty")


def case_received(hours_ago: float, rag: str = "AMBER", **fields: Any) -> Case:
    return Case(str(uuid.uuid4()), rag_rating=rag, recorded_at=NOW - timedelta(hours=hours_ago),
                team_key="mash-duty", **fields)  # fmt: skip


def test_the_decision_is_due_24_hours_after_the_contact_oldham_5_10() -> None:
    assert decision_clock(case_received(2), TIMINGS, NOW, None).text == "22h 00m left"
    late = decision_clock(case_received(26), TIMINGS, NOW, None)
    assert (late.text, late.late) == ("Overdue by 2h 00m", True)
    decided = decision_clock(case_received(26), TIMINGS, NOW, {"outcome": "EARLY_HELP"})
    assert (decided.text, decided.late) == ("Decided", False)


def test_agencies_answer_within_the_time_for_the_rag_rating() -> None:
    red = case_received(1, "RED", asked={"police", "health"}, answered={"police"})
    assert answers_clock(red, TIMINGS, NOW).text == f"{int(TIMINGS.red_hours) - 1}h 00m left"
    late = case_received(TIMINGS.red_hours + 1, "RED", asked={"police"})
    assert answers_clock(late, TIMINGS, NOW).late
    done = case_received(1, asked={"police"}, answered={"police"})
    assert answers_clock(done, TIMINGS, NOW).text == "All answered"


def test_the_board_puts_overdue_first_and_decided_cases_last() -> None:
    fresh, overdue, decided = case_received(1), case_received(30), case_received(29)
    rows = board([fresh, decided, overdue], {decided.case_id: {"outcome": "SIGNPOST"}}, {},
                 TIMINGS, NOW)  # fmt: skip
    assert [row.case for row in rows] == [overdue, fresh, decided]
    assert (rows[0].overdue, rows[2].overdue) == (True, False)


def test_each_agency_asked_shows_when_it_answered_and_what_it_kept_back() -> None:
    case_id = str(uuid.uuid4())
    connector = {"agent": "housing", "agency": "HOUSING"}
    records = [
        audit_record(case_id, "REQUEST_ISSUED", NOW, source_agency="HOUSING"),
        audit_record(case_id, "REQUEST_ISSUED", NOW, source_agency="POLICE"),
        audit_record(case_id, "WITHHELD", NOW, source_agency="HOUSING", actor=connector),
        audit_record(
            case_id, "RESPONSE_RECEIVED", NOW + timedelta(hours=5), source_agency="HOUSING"
        ),
        audit_record(str(uuid.uuid4()), "RESPONSE_RECEIVED", NOW, source_agency="POLICE"),
    ]
    housing, police = agency_answers(records, case_id)
    due = NOW + timedelta(hours=4)
    assert (housing.agency, housing.withheld_by_agency) == ("HOUSING", 1)
    assert housing.state(due, NOW + timedelta(hours=6)) == "Answered late"
    assert police.state(due, NOW) == "Awaited"
    assert police.state(due, NOW + timedelta(hours=5)) == "Overdue"


def test_a_finding_shows_the_rule_the_audit_recorded_for_its_response_and_category() -> None:
    view = picture_view(FAMILY_PICTURE, [AUDIT_RECORD])
    health = [e for e in view.chronology if e.finding["category"] == "health.ae_attendance"]
    assert health, "the example picture has an A&E attendance"
    (rule,) = health[0].rules
    assert (rule.action, rule.rule_id) == ("REDACTED", AUDIT_RECORD["rule_id"])
    others = [e for e in view.chronology if e.finding["category"] != "health.ae_attendance"]
    assert all(e.rules == [] for e in others), "no rule is claimed without an audit record"


def test_nothing_redacted_or_withheld_goes_missing_from_the_picture() -> None:
    view = picture_view(FAMILY_PICTURE, [])
    shown = [d for d, _ in view.withheld + view.redacted]
    expected = FAMILY_PICTURE["redacted_or_withheld"]
    assert expected, "the example picture redacts or withholds something"
    assert len(shown) == len(expected)
    assert all(decision in shown for decision in expected)
    assert next(p.name for p in view.persons) == "Lily-Rose CALDER"
    linked = {view.name(link["person_id"]) for link in FAMILY_PICTURE["person_links"]}
    assert linked <= {p.name for p in view.persons if p.links}


def test_a_valid_form_makes_a_contact_intake_accepts() -> None:
    form = read_form(VALID_CONTACT, concern_symbols(), NOW)
    assert form.errors == {}
    assert form.contact is not None
    child, mother = form.contact["subjects"]
    assert child["names"][0]["given_names"] == "Lily-Rose"
    assert mother["addresses"] == child["addresses"], "the household lives at the child's address"
    assert form.contact["consent"]["obtained_at"] <= NOW


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"child_dob-day": "31", "child_dob-month": "2"}, "child_dob", "must be a real date"),
        ({"child_dob-year": "2030"}, "child_dob", "today or in the past"),
        ({"child_dob-month": ""}, "child_dob", "must include a month"),
        ({"child_nhs_number": "123 456 7890"}, "child_nhs_number", "valid 10-digit NHS number"),
        ({"child_postcode": "NOT A CODE"}, "child_postcode", "real postcode"),
        ({"referrer_email": "hannah@"}, "referrer_email", "correct format"),
        ({"concern_categories": []}, "concern_categories", "at least one kind"),
        ({"consent_status": "NOT_SOUGHT"}, "override_reason", "Enter why information is shared"),
        ({"consent_status": "REFUSED"}, "override_gateway", "legal gateway"),
        ({"person2_given_names": "Sam"}, "person2_family_name", "Enter person 2's last name"),
    ],
)
def test_each_mistake_is_named_at_its_field(
    changes: dict[str, Any], field: str, message: str
) -> None:
    """Consent refused or not sought needs the reason and gateway (Oldham 4.1, 4.4)."""
    form = read_form({**VALID_CONTACT, **changes}, concern_symbols(), NOW)
    assert form.contact is None
    assert message in form.errors[field]


def test_nhs_numbers_are_checked_by_their_modulus_11_digit() -> None:
    assert nhs_number_is_valid("943 476 5919")
    assert not nhs_number_is_valid("943 476 5918")
    assert not nhs_number_is_valid("12345")


def test_a_decision_needs_an_outcome_a_level_and_a_rationale() -> None:
    assert decision_problems("STRATEGY_DISCUSSION", "LEVEL_4", "Strategy discussion today.") == {}
    assert set(decision_problems("MAYBE", "", " ")) == {"outcome", "level_of_need", "rationale"}


def test_the_decision_goes_on_its_topic_with_its_rationale_and_into_the_audit_without_it(
    tmp_path: Path,
) -> None:
    keystore = Keystore(tmp_path)
    decision = decision_value(
        str(FAMILY_PICTURE["case_id"]), "STRATEGY_DISCUSSION", "LEVEL_4",
        "Bruising disclosed; strategy discussion with police today.", MANAGER,
        "MASH duty team", "Wigan Council", FAMILY_PICTURE, NOW,
    )  # fmt: skip
    codec = AvroCodec()
    assert codec.decode(codec.encode("uk.mash.v1.MashDecision", decision)).value == decision
    record = decision_audit(decision, FAMILY_PICTURE, keystore)
    decoded = codec.decode(codec.encode("uk.mash.v1.AuditRecord", record)).value
    assert decoded["action"] == "DECISION_RECORDED"
    assert decoded["actor"]["agent"] == "mash.console"
    assert decoded["lawful_basis"] == ["CHILDREN_ACT_1989_S47"]
    assert decoded["recipient"]["team_key"] == "mash-duty"
    assert "Bruising" not in str(decoded), "the rationale stays off the audit"
    assert pseudonym_key(tmp_path)[0] == decoded["subject_ref_key_id"]
    assert len(decoded["subject_refs"]) >= len(FAMILY_PICTURE["persons"])


def _tarball(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "govuk-frontend.tgz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_the_frontend_assets_unpack_where_the_css_looks_for_them(tmp_path: Path) -> None:
    tarball = _tarball(
        tmp_path,
        {
            "package/dist/govuk/govuk-frontend.min.css": b"css",
            "package/dist/govuk/govuk-frontend.min.js": b"js",
            "package/dist/govuk/assets/fonts/bold.woff2": b"font",
            "package/dist/govuk/assets/images/favicon.ico": b"ico",
            "package/dist/govuk/assets/manifest.json": b"{}",
            "package/dist/govuk/components/button/template.njk": b"not needed",
        },
    )
    folder = tmp_path / "static" / "govuk-frontend"
    assets.unpack(tarball, folder)
    assert (folder / "fonts" / "bold.woff2").read_bytes() == b"font"
    assert not (folder / "components").exists()
    assert assets.check_installed(folder) == folder


def test_assets_of_another_version_or_integrity_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "govuk-frontend"
    with pytest.raises(ConfigurationError, match="missing"):
        assets.check_installed(folder)
    cache = tmp_path / "cache"
    cache.mkdir()
    forged = cache / f"govuk-frontend-{assets.GOVUK_FRONTEND_VERSION}.tgz"
    forged.write_bytes(b"not the package")
    with pytest.raises(ConfigurationError, match="integrity"):
        assets.fetch_tarball(cache)
    assert not forged.exists()
