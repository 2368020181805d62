"""The consent and proportionality policy, each rule tested against the passage it comes from.

Seeds: Oldham = MASH Duty and Advice Operating Procedures (4.1-4.4 consent and legal
gateways, 5.6 necessary, proportionate, relevant, accurate, timely and secure);
Wigan thresholds = Threshold of Need and Response Guidance (Consent and
Confidentiality, Information sharing, levels of need 1-4); Wigan MASH = MASH
information for professionals.
"""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.policy import PolicyResult, decide, explain, load_rules, parse_rules, shared_id_for
from broker.codec import AvroCodec
from broker.errors import ConfigurationError
from broker.vocabulary import CATEGORIES
from tests.examples import (
    CHILD_ID,
    INFORMATION_REQUEST,
    INFORMATION_RESPONSE,
    MOTHER_ID,
    PARTNER_ID,
    POLICE_CAUTION_FINDING_ID,
    POLICE_DA_INCIDENT_FINDING_ID,
    POLICE_VICTIM_FINDING_ID,
)

CODEC = AvroCodec()
RULES = load_rules()
RULES_FILE = Path(__file__).parents[2] / "agents" / "policy" / "rules.toml"
NOW = datetime(2026, 3, 3, 12, 0, 0, tzinfo=UTC)
IDS = uuid.UUID("0c6f3a52-6d0e-4a8e-9a57-4f3c1b2d9e10")
MANAGER = {
    "name": "Joanne Kenyon",
    "role": "MASH Team Manager",
    "agency": "SOCIAL_CARE",
    "organisation": "Wigan Council",
    "team": "MASH duty team",
    "contact_details": None,
}
EARLY_HELP_LEVELS = ("LEVEL_1", "LEVEL_2", "LEVEL_3")
NO_CONSENT = ("REFUSED", "NOT_SOUGHT", "UNKNOWN")


# Values ----------------------------------------------------------------------------------------


def override(**changes: Any) -> dict[str, Any]:
    """A consent override recorded as Wigan thresholds asks: a reason and an approver."""
    value: dict[str, Any] = {
        "reason_code": "RISK_OF_SIGNIFICANT_HARM",
        "reason": "Seeking consent would alert the adult to the child's disclosure.",
        "legal_gateway": ["CHILDREN_ACT_1989_S47", "CRIME_AND_DISORDER_ACT_1998_S115"],
        "decided_by": None,
        "decided_at": None,
        "approved_by": copy.deepcopy(MANAGER),
        "approved_at": datetime(2026, 3, 3, 10, 38, 20, tzinfo=UTC),
        "family_informed_at": None,
    }
    value.update(changes)
    return value


def consent(status: str, *, scope: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = copy.deepcopy(INFORMATION_REQUEST["consent"])
    value.update(status=status, scope=scope, override=None)
    if status != "GIVEN":
        value.update(given_by_person_id=None, obtained_by=None, obtained_at=None, method="UNKNOWN")
    value.update(changes)
    return value


def request(**changes: Any) -> dict[str, Any]:
    """The police request of the examples; its consent covers every subject unless changed."""
    value: dict[str, Any] = copy.deepcopy(INFORMATION_REQUEST)
    value["consent"]["scope"]["person_ids"] = []
    value.update(changes)
    return value


def response(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = copy.deepcopy(INFORMATION_RESPONSE)
    value.update(changes)
    return value


def finding(
    category: str,
    *,
    event_date: date | None = date(2025, 11, 2),
    detail: str | None = "Fuller account of the record.",
    source_reference: str | None = "REF-0001",
) -> dict[str, Any]:
    return {
        "finding_id": uuid.uuid5(IDS, f"{category}:{event_date}:{detail}:{source_reference}"),
        "category": category,
        "concern_categories": [],
        "event_date": event_date,
        "summary": "A record in this category.",
        "detail": detail,
        "severity": "MODERATE",
        "source_reference": source_reference,
    }


def subject_result(person_id: uuid.UUID, findings: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "match_outcome": "MATCHED",
        "match_confidence": 0.95,
        "matched_identifiers": [],
        "matched_fields": ["date_of_birth", "family_name"],
        "recorded_person": None,
        "findings": findings,
    }


def agency_exchange(
    agency: str, findings: list[dict[str, Any]], **request_changes: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A request to ``agency`` permitting the findings' categories, and its answer about the
    mother."""
    categories = list(dict.fromkeys(f["category"] for f in findings))
    asked = request(agency=agency, categories_permitted=categories, **request_changes)
    if asked["consent"]["scope"] is not None:
        asked["consent"]["scope"]["agencies"].append(agency)
    answer = response(agency=agency, subjects=[subject_result(MOTHER_ID, findings)])
    return asked, answer


# Reading results ---------------------------------------------------------------------------------


def decisions_for(result: PolicyResult, item_type: str) -> list[dict[str, Any]]:
    return [d for d in result.decisions if d["item_type"] == item_type]


def finding_decision(result: PolicyResult, finding_id: uuid.UUID) -> dict[str, Any]:
    (found,) = [d for d in result.decisions if d["finding_id"] == finding_id]
    return found


def shared_findings(result: PolicyResult) -> dict[uuid.UUID, dict[str, Any]]:
    return {f["finding_id"]: f for s in result.shared["subjects"] for f in s["findings"]}


def shared_people(result: PolicyResult) -> list[uuid.UUID]:
    return [s["person_id"] for s in result.shared["subjects"]]


def assert_encodes(result: PolicyResult) -> None:
    CODEC.encode("uk.mash.v1.SharedInformation", result.shared)
    for decision in result.decisions:
        CODEC.encode("uk.mash.v1.PolicyDecision", decision)


def assert_nothing_shared(result: PolicyResult, rule_id: str) -> None:
    assert result.shared["subjects"] == []
    assert result.decisions, "every withheld item is recorded"
    assert {d["outcome"] for d in result.decisions} == {"WITHHELD"}
    assert {d["rule_id"] for d in result.decisions} == {rule_id}
    assert result.shared["redacted_or_withheld"] == list(result.decisions)
    assert not result.consent_overridden
    assert_encodes(result)


# The rule file ---------------------------------------------------------------------------------


def test_rule_file_is_versioned_and_every_rule_cites_a_seed_passage() -> None:
    assert RULES.version == "2026.11.1"
    ids = [rule.id for rule in RULES.rules]
    assert len(ids) == len(set(ids))
    for rule in RULES.rules:
        assert "Oldham" in rule.source or "Wigan" in rule.source, rule.id
        assert rule.text
    assert set(RULES.early_help.levels) == {"LEVEL_1", "LEVEL_2", "LEVEL_3", "UNKNOWN"}
    assert RULES.safeguarding.levels == ("LEVEL_4",)
    assert RULES.safeguarding.rag_ratings == ("RED",)


def test_load_rules_is_cached() -> None:
    assert load_rules() is load_rules()
    assert load_rules(RULES_FILE) == RULES


def _replace(old: str, new: str) -> str:
    text = RULES_FILE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("version = [", "not valid TOML", id="not-toml"),
        pytest.param(
            _replace('version = "2026.11.1"', 'version = "next"'), "version", id="bad-version"
        ),
        pytest.param(
            _replace('id = "history-window"', 'id = "history_window"'),
            "history_window",
            id="unknown-rule-id",
        ),
        pytest.param(
            _replace('undated = "share"', 'undated = "maybe"'), "undated", id="bad-parameter"
        ),
        pytest.param(
            _replace('LEVEL_2 = "summary"', 'LEVEL_2 = "partial"'), "by_level", id="bad-sharing"
        ),
        pytest.param(
            _replace('"health.maternity"]', '"health.maternity", "health.nonsense"]'),
            "health.nonsense",
            id="unknown-category",
        ),
        pytest.param(
            _replace('levels = ["LEVEL_4"]', 'levels = ["LEVEL_5"]'), "LEVEL_5", id="bad-level"
        ),
        pytest.param(
            _replace('levels = ["LEVEL_4"]', 'levels = ["LEVEL_3", "LEVEL_4"]'),
            "both early help and safeguarding",
            id="level-decided-twice",
        ),
        pytest.param(
            _replace('"LEVEL_3", "UNKNOWN"]', '"LEVEL_3"]'),
            "neither early help nor safeguarding",
            id="level-undecided",
        ),
        pytest.param(
            _replace('id = "override-not-recorded"', 'id = "consent-given"'),
            "repeated",
            id="duplicate-id",
        ),
        pytest.param(
            _replace('"detail", "source_reference"]', '"summary"]'),
            "summary_removes",
            id="summary-removes-the-summary",
        ),
    ],
)
def test_a_malformed_rule_file_is_a_configuration_error_naming_the_problem(
    text: str, problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        parse_rules(text)


def test_a_missing_rule_is_a_configuration_error(tmp_path: Path) -> None:
    text = RULES_FILE.read_text(encoding="utf-8")
    start = text.index('[[rules]]\nid = "history-window"')
    end = text.index("[[rules]]", start + 1)
    path = tmp_path / "rules.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"missing rules: \['history-window'\]"):
        load_rules(path)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_rules(tmp_path / "absent.toml")


# response-matches-request, request-subjects-only: Oldham 5.6 ------------------------------------


def test_an_answer_to_another_request_is_withheld_whole_oldham_5_6() -> None:
    result = decide(request(), response(agency="HEALTH"), now=NOW)
    assert_nothing_shared(result, "response-matches-request")
    assert (
        decisions_for(result, "RESPONSE")[0]["reason"]
        == "the response's agency is not the request's"
    )
    assert len(decisions_for(result, "SUBJECT")) == 3


def test_only_the_subjects_of_the_request_are_shared_oldham_5_6() -> None:
    stranger = uuid.uuid5(IDS, "a neighbour the request did not name")
    answer = response()
    answer["subjects"].append(subject_result(stranger, [finding("police.domestic_abuse_incident")]))
    result = decide(request(), answer, now=NOW)
    assert shared_people(result) == [CHILD_ID, MOTHER_ID, PARTNER_ID]
    withheld = [d for d in result.decisions if d["person_id"] == stranger]
    assert [(d["item_type"], d["outcome"]) for d in withheld] == [
        ("SUBJECT", "WITHHELD"),
        ("FINDING", "WITHHELD"),
    ]
    assert {d["rule_id"] for d in withheld} == {"request-subjects-only"}
    assert all(d in result.shared["redacted_or_withheld"] for d in withheld)
    assert_encodes(result)


def test_an_agency_record_of_another_person_is_withheld_oldham_5_6() -> None:
    answer = response()
    partner = answer["subjects"][2]
    partner["recorded_person"]["person_id"] = uuid.uuid5(IDS, "someone else")
    result = decide(request(), answer, now=NOW)
    assert result.shared["subjects"][2]["recorded_person"] is None
    (details,) = decisions_for(result, "PERSON_DETAILS")
    assert (details["outcome"], details["rule_id"]) == ("WITHHELD", "request-subjects-only")
    assert_encodes(result)


# permitted-categories-only: Oldham 5.6; Wigan MASH 'relevant to the concerns raised' -----------


def test_a_category_the_request_did_not_permit_is_withheld_oldham_5_6() -> None:
    asked = request()
    asked["categories_permitted"].remove("police.crime_victim")
    answer = response()
    unknown = finding("police.code_from_a_newer_vocabulary")
    answer["subjects"][0]["findings"].append(unknown)
    result = decide(asked, answer, now=NOW)
    for finding_id in (POLICE_VICTIM_FINDING_ID, unknown["finding_id"]):
        decision = finding_decision(result, finding_id)
        assert (decision["outcome"], decision["rule_id"]) == (
            "WITHHELD",
            "permitted-categories-only",
        )
        assert finding_id not in shared_findings(result)
    assert POLICE_DA_INCIDENT_FINDING_ID in shared_findings(result)
    assert_encodes(result)


# history-window: Oldham 5.6 'timely', 'proportionate' ----------------------------------------


def test_findings_older_than_the_history_window_are_withheld_oldham_5_6() -> None:
    answer = response()
    undated = finding("police.weapons_or_violence_marker", event_date=None)
    answer["subjects"][2]["findings"].append(undated)
    result = decide(request(history_since=date(2020, 1, 1)), answer, now=NOW)
    caution = finding_decision(result, POLICE_CAUTION_FINDING_ID)  # 8 June 2019
    assert (caution["outcome"], caution["rule_id"]) == ("WITHHELD", "history-window")
    assert POLICE_CAUTION_FINDING_ID not in shared_findings(result)
    assert POLICE_DA_INCIDENT_FINDING_ID in shared_findings(result)
    assert undated["finding_id"] in shared_findings(result), "a marker is current, not old"

    strict = parse_rules(_replace('undated = "share"', 'undated = "withhold"'))
    result = decide(request(history_since=date(2020, 1, 1)), answer, rules=strict, now=NOW)
    assert finding_decision(result, undated["finding_id"])["rule_id"] == "history-window"


def test_no_history_window_keeps_old_findings() -> None:
    result = decide(request(history_since=None), response(), now=NOW)
    assert POLICE_CAUTION_FINDING_ID in shared_findings(result)


# early-help-needs-consent: Wigan thresholds Route to Support; Oldham 4.2 ----------------------


@pytest.mark.parametrize("level", EARLY_HELP_LEVELS)
@pytest.mark.parametrize("status", NO_CONSENT)
def test_early_help_without_consent_shares_nothing_wigan_thresholds(
    level: str, status: str
) -> None:
    asked = request(level_of_need=level, rag_rating="AMBER", consent=consent(status))
    result = decide(asked, response(), now=NOW)
    assert_nothing_shared(result, "early-help-needs-consent")
    assert len(decisions_for(result, "FINDING")) == 4
    assert result.shared["consent_status"] == status


def test_early_help_does_not_honour_an_override_wigan_thresholds_oldham_4_4() -> None:
    """An override is for significant harm (Oldham 4.4), which is level 4 or a RED rating."""
    asked = request(level_of_need="LEVEL_3", consent=consent("NOT_SOUGHT", override=override()))
    assert_nothing_shared(decide(asked, response(), now=NOW), "early-help-needs-consent")


def test_an_unassessed_level_without_consent_shares_nothing_wigan_mash() -> None:
    """Wigan MASH: 'always gain informed consent unless doing so places a child at risk'."""
    asked = request(level_of_need="UNKNOWN", rag_rating="AMBER", consent=consent("REFUSED"))
    assert_nothing_shared(decide(asked, response(), now=NOW), "early-help-needs-consent")


# safeguarding-without-consent: Oldham 4.1, 4.4; Wigan thresholds Consent and Confidentiality ---


@pytest.mark.parametrize(
    ("level", "rag"),
    [("LEVEL_4", "AMBER"), ("LEVEL_4", "RED"), ("LEVEL_2", "RED")],
)
@pytest.mark.parametrize("status", ["REFUSED", "NOT_SOUGHT"])
def test_significant_harm_shares_without_consent_under_a_recorded_override_oldham_4_4(
    level: str, rag: str, status: str
) -> None:
    asked = request(
        level_of_need=level, rag_rating=rag, consent=consent(status, override=override())
    )
    asked["lawful_basis"] = ["CONSENT", "UK_GDPR_ART_6_1_E_PUBLIC_TASK"]
    result = decide(asked, response(), now=NOW)
    assert result.consent_overridden
    assert result.shared["consent_overridden"]
    assert shared_people(result) == [CHILD_ID, MOTHER_ID, PARTNER_ID]
    assert {d["rule_id"] for d in decisions_for(result, "SUBJECT")} == {
        "safeguarding-without-consent"
    }
    # Oldham 4.1: s47, 'public task' (Art 6) and 'provision of social care support' (Art 9);
    # the override's own gateways; no claim of consent that was not given.
    assert result.shared["lawful_basis"] == [
        "UK_GDPR_ART_6_1_E_PUBLIC_TASK",
        "CHILDREN_ACT_1989_S47",
        "UK_GDPR_ART_9_2_H_HEALTH_OR_SOCIAL_CARE",
        "CRIME_AND_DISORDER_ACT_1998_S115",
    ]
    assert_encodes(result)


@pytest.mark.parametrize(
    ("recorded", "problem"),
    [
        pytest.param(None, "no consent override is recorded", id="no-override"),
        pytest.param(override(reason="   "), "records no reason", id="blank-reason"),
        pytest.param(
            override(approved_by=None), "nobody is recorded as approving", id="no-approver"
        ),
        pytest.param(override(reason_code="OTHER"), "not one the seeds accept", id="other-ground"),
    ],
)
def test_without_a_recorded_reason_and_approver_nothing_is_shared_wigan_thresholds(
    recorded: dict[str, Any] | None, problem: str
) -> None:
    """Wigan thresholds: 'The reason for proceeding without parental agreement must be
    recorded'; the decision should have a line manager's approval."""
    asked = request(level_of_need="LEVEL_4", consent=consent("REFUSED", override=recorded))
    result = decide(asked, response(), now=NOW)
    assert_nothing_shared(result, "override-not-recorded")
    assert all(problem in d["reason"] for d in result.decisions)


# consent-given, consent-scope, consent-scope-persons: Wigan thresholds Consent and Confidentiality


def test_consent_given_shares_on_the_basis_of_consent_oldham_4_2() -> None:
    result = decide(request(), response(), now=NOW)
    assert shared_people(result) == [CHILD_ID, MOTHER_ID, PARTNER_ID]
    assert {d["rule_id"] for d in decisions_for(result, "SUBJECT")} == {"consent-given"}
    assert not result.consent_overridden
    assert result.shared["redacted_or_withheld"] == []
    assert result.shared["lawful_basis"] == INFORMATION_REQUEST["lawful_basis"]
    assert_encodes(result)


@pytest.mark.parametrize("level", ["LEVEL_2", "LEVEL_3", "LEVEL_4"])
def test_an_agency_outside_the_consent_scope_shares_nothing_wigan_thresholds(level: str) -> None:
    """Wigan thresholds: be open about 'with whom' information is shared."""
    asked = request(level_of_need=level)
    asked["consent"]["scope"]["agencies"] = ["HEALTH", "EDUCATION"]
    result = decide(asked, response(), now=NOW)
    assert_nothing_shared(result, "consent-scope")
    assert "does not cover POLICE" in result.decisions[0]["reason"]


def test_consent_only_to_the_referral_does_not_cover_sharing_wigan_thresholds() -> None:
    asked = request(level_of_need="LEVEL_3")
    asked["consent"]["scope"]["purposes"] = ["REFERRAL_TO_MASH"]
    assert_nothing_shared(decide(asked, response(), now=NOW), "consent-scope")


def test_outside_the_consent_scope_at_level_4_an_override_is_needed_oldham_4_4() -> None:
    asked = request(level_of_need="LEVEL_4")
    asked["consent"]["scope"]["agencies"] = ["HEALTH"]
    asked["consent"]["override"] = override()
    result = decide(asked, response(), now=NOW)
    assert result.consent_overridden
    assert shared_people(result) == [CHILD_ID, MOTHER_ID, PARTNER_ID]


def test_a_person_outside_the_consent_is_withheld_without_an_override_wigan_thresholds() -> None:
    """The examples' story: the mother consents for herself and her daughter, not for her
    partner; sharing his police record needs the override recorded (Wigan thresholds)."""
    result = decide(INFORMATION_REQUEST, INFORMATION_RESPONSE, now=NOW)
    assert shared_people(result) == [CHILD_ID, MOTHER_ID]
    partner = [d for d in result.decisions if d["person_id"] == PARTNER_ID]
    assert {(d["outcome"], d["rule_id"]) for d in partner} == {
        ("WITHHELD", "consent-scope-persons")
    }
    assert not result.consent_overridden

    asked = copy.deepcopy(INFORMATION_REQUEST)
    asked["consent"]["override"] = override()
    result = decide(asked, INFORMATION_RESPONSE, now=NOW)
    assert shared_people(result) == [CHILD_ID, MOTHER_ID, PARTNER_ID]
    assert result.consent_overridden
    rules_by_person = {d["person_id"]: d["rule_id"] for d in decisions_for(result, "SUBJECT")}
    assert rules_by_person == {
        CHILD_ID: "consent-given",
        MOTHER_ID: "consent-given",
        PARTNER_ID: "safeguarding-without-consent",
    }
    assert "CONSENT" in result.shared["lawful_basis"]
    assert "CHILDREN_ACT_1989_S47" in result.shared["lawful_basis"]
    assert_encodes(result)


# sensitive-categories: Oldham 5.6; Wigan MASH 'proportionate to the level of need and risk' ----

SUBSTANCE_MISUSE = finding("health.substance_misuse")
MENTAL_HEALTH = finding("health.parental_mental_health", detail=None, source_reference=None)
GP_REGISTRATION = finding("health.gp_registration")


@pytest.mark.parametrize(
    ("level", "rag", "outcome"),
    [
        ("LEVEL_4", "AMBER", "SHARED"),
        ("LEVEL_3", "AMBER", "REDACTED"),
        ("LEVEL_2", "GREEN", "REDACTED"),
        ("LEVEL_1", "GREEN", "WITHHELD"),
        ("UNKNOWN", "GREEN", "WITHHELD"),
        ("LEVEL_2", "RED", "SHARED"),
    ],
)
def test_health_special_category_data_is_shared_in_proportion_to_the_level_of_need_wigan_mash(
    level: str, rag: str, outcome: str
) -> None:
    """Oldham 4.1 (Article 9); Wigan thresholds: substance misuse and mental health are level 2
    and 3 indicators (a summary is enough) and level 4 ones (the full record)."""
    asked, answer = agency_exchange(
        "HEALTH", [SUBSTANCE_MISUSE, GP_REGISTRATION], level_of_need=level, rag_rating=rag
    )
    result = decide(asked, answer, now=NOW)
    decision = finding_decision(result, SUBSTANCE_MISUSE["finding_id"])
    assert (decision["outcome"], decision["rule_id"]) == (outcome, "sensitive-categories")
    shared = shared_findings(result)
    if outcome == "REDACTED":
        assert decision["redacted_fields"] == ["detail", "source_reference"]
        summary = shared[SUBSTANCE_MISUSE["finding_id"]]
        assert (summary["detail"], summary["source_reference"]) == (None, None)
        assert summary["summary"] == SUBSTANCE_MISUSE["summary"]
        assert decision in result.shared["redacted_or_withheld"]
    elif outcome == "SHARED":
        assert shared[SUBSTANCE_MISUSE["finding_id"]] == SUBSTANCE_MISUSE
    else:
        assert SUBSTANCE_MISUSE["finding_id"] not in shared
    assert shared[GP_REGISTRATION["finding_id"]] == GP_REGISTRATION, "not a sensitive category"
    assert_encodes(result)


def test_a_summary_with_nothing_to_remove_is_shared_as_it_is_oldham_5_6() -> None:
    asked, answer = agency_exchange("HEALTH", [MENTAL_HEALTH], level_of_need="LEVEL_2")
    result = decide(asked, answer, now=NOW)
    decision = finding_decision(result, MENTAL_HEALTH["finding_id"])
    assert (decision["outcome"], decision["redacted_fields"]) == ("SHARED", [])
    assert "as a summary" in decision["reason"]


@pytest.mark.parametrize(
    ("level", "outcome"),
    [("LEVEL_2", "WITHHELD"), ("LEVEL_3", "REDACTED"), ("LEVEL_4", "SHARED")],
)
def test_offending_history_is_a_level_3_and_4_indicator_wigan_thresholds(
    level: str, outcome: str
) -> None:
    """Wigan thresholds Levels 3 and 4: 'Parental involvement in crime'; Level 4: 'Parents have
    cautions/convictions for offences against children'."""
    history = finding("probation.offence_history")
    asked, answer = agency_exchange("PROBATION", [history], level_of_need=level)
    result = decide(asked, answer, now=NOW)
    assert finding_decision(result, history["finding_id"])["outcome"] == outcome


# Outputs: Avro, determinism, no mutation --------------------------------------------------------


def test_decide_is_deterministic_and_the_shared_id_follows_the_response() -> None:
    first = decide(INFORMATION_REQUEST, INFORMATION_RESPONSE, now=NOW)
    again = decide(INFORMATION_REQUEST, INFORMATION_RESPONSE, now=NOW)
    later = decide(INFORMATION_REQUEST, INFORMATION_RESPONSE, now=NOW + timedelta(hours=1))
    assert first == again
    expected = uuid.uuid5(uuid.NAMESPACE_URL, f"mash:shared:{INFORMATION_RESPONSE['response_id']}")
    assert first.shared["shared_id"] == later.shared["shared_id"] == expected
    assert shared_id_for(INFORMATION_RESPONSE["response_id"]) == expected
    assert CODEC.encode("uk.mash.v1.SharedInformation", first.shared) == CODEC.encode(
        "uk.mash.v1.SharedInformation", again.shared
    )


def test_decide_never_changes_its_inputs_nor_shares_their_objects() -> None:
    asked, answer = agency_exchange("HEALTH", [SUBSTANCE_MISUSE], level_of_need="LEVEL_3")
    before = copy.deepcopy((asked, answer))
    result = decide(asked, answer, now=NOW)
    assert (asked, answer) == before
    result.shared["subjects"][0]["findings"][0]["concern_categories"].append("NEGLECT")
    result.shared["subjects"][0]["matched_fields"].clear()
    assert (asked, answer) == before


def test_decided_at_is_utc_with_whole_milliseconds_and_naive_now_is_refused() -> None:
    moment = datetime(2026, 3, 3, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    result = decide(request(), response(), now=moment)
    assert result.shared["decided_at"] == datetime(2026, 3, 3, 12, 0, 0, 123000, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(request(), response(), now=datetime(2026, 3, 3, 12, 0))


def test_every_decision_names_a_rule_in_force_and_its_version() -> None:
    result = decide(INFORMATION_REQUEST, INFORMATION_RESPONSE, now=NOW)
    known = {rule.id for rule in RULES.rules}
    assert all(d["rule_id"] in known for d in result.decisions)
    assert {d["rule_version"] for d in result.decisions} == {RULES.version}


# Property: nothing outside the request's subjects and categories is ever shared ------------------

POLICE_CODES = CATEGORIES["police"]
PEOPLE = tuple(uuid.uuid5(IDS, f"person {n}") for n in range(6))
CONSENT_POSITIONS = (
    consent("GIVEN", scope=None),
    consent(
        "GIVEN",
        scope={"purposes": [], "agencies": ["HEALTH"], "person_ids": [], "description": None},
    ),
    consent(
        "GIVEN",
        scope={"purposes": [], "agencies": [], "person_ids": list(PEOPLE[:2]), "description": None},
    ),
    consent("REFUSED"),
    consent("NOT_SOUGHT", override=override()),
    consent("NOT_SOUGHT", override=override(approved_by=None)),
)


@st.composite
def exchanges(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A police request about some people, and an answer about any people in any categories."""
    asked = request(
        categories_permitted=draw(st.lists(st.sampled_from(POLICE_CODES), unique=True)),
        level_of_need=draw(
            st.sampled_from(["UNKNOWN", "LEVEL_1", "LEVEL_2", "LEVEL_3", "LEVEL_4"])
        ),
        rag_rating=draw(st.sampled_from(["UNKNOWN", "RED", "AMBER", "GREEN"])),
        consent=copy.deepcopy(draw(st.sampled_from(CONSENT_POSITIONS))),
        history_since=draw(st.one_of(st.none(), st.dates(date(2015, 1, 1), date(2026, 1, 1)))),
    )
    template = INFORMATION_REQUEST["subjects"][0]
    named = draw(st.lists(st.sampled_from(PEOPLE), unique=True))
    asked["subjects"] = [{**copy.deepcopy(template), "person_id": p} for p in named]
    answered = draw(st.lists(st.sampled_from(PEOPLE), unique=True))
    subjects = []
    for person_id in answered:
        findings = []
        for n, (category, when, detail) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from((*POLICE_CODES, "police.unknown_code")),
                        st.one_of(st.none(), st.dates(date(2010, 1, 1), date(2026, 3, 1))),
                        st.booleans(),
                    ),
                    max_size=4,
                )
            )
        ):
            item = finding(category, event_date=when, detail="Detail." if detail else None)
            item["finding_id"] = uuid.uuid5(IDS, f"{person_id}:{n}")
            findings.append(item)
        subjects.append(subject_result(person_id, findings))
    return asked, response(subjects=subjects)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exchanges())
def test_nothing_outside_the_requests_subjects_and_categories_is_shared_oldham_5_6(
    exchange: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    asked, answer = exchange
    result = decide(asked, answer, now=NOW)
    named = {p["person_id"] for p in asked["subjects"]}
    assert set(shared_people(result)) <= named
    for subject in result.shared["subjects"]:
        for item in subject["findings"]:
            assert item["category"] in asked["categories_permitted"]
            if asked["history_since"] is not None and item["event_date"] is not None:
                assert item["event_date"] >= asked["history_since"]

    # Every subject and finding of the answer has exactly one decision, naming a rule.
    answered = Counter(s["person_id"] for s in answer["subjects"])
    assert Counter(d["person_id"] for d in decisions_for(result, "SUBJECT")) == answered
    findings = [f["finding_id"] for s in answer["subjects"] for f in s["findings"]]
    assert sorted(d["finding_id"] for d in decisions_for(result, "FINDING")) == sorted(findings)
    known = {rule.id for rule in RULES.rules}
    assert all(d["rule_id"] in known for d in result.decisions)

    # Every item not shared in full is listed, with its rule, beside what was shared.
    assert result.shared["redacted_or_withheld"] == [
        d for d in result.decisions if d["outcome"] != "SHARED"
    ]
    shared = shared_findings(result)
    for decision in decisions_for(result, "FINDING"):
        if decision["outcome"] == "WITHHELD":
            assert decision["finding_id"] not in shared
        else:
            kept = shared[decision["finding_id"]]
            assert all(kept[name] is None for name in decision["redacted_fields"])
    assert result.consent_overridden == result.shared["consent_overridden"]
    assert_encodes(result)


# explain: what the policy will do, before anyone answers ----------------------------------------


def test_explain_consent_given_at_early_help_names_each_category_and_rule() -> None:
    asked, _ = agency_exchange(
        "HEALTH", [SUBSTANCE_MISUSE, GP_REGISTRATION], level_of_need="LEVEL_3", rag_rating="AMBER"
    )
    lines = explain(asked)
    text = "\n".join(lines)
    assert lines[0].startswith("Policy rules version 2026.11.1: HEALTH request at LEVEL_3")
    assert "consent-given decides: every subject may be shared" in text
    assert (
        "health.substance_misuse: summary, detail, source_reference removed "
        "(sensitive-categories, group health-special-category, at LEVEL_3)" in lines
    )
    assert "health.gp_registration: full (consent-given: not a sensitive category)" in lines
    assert any(
        line.startswith("history-window: findings dated before 2016-03-03") for line in lines
    )
    assert any(line.startswith("Source of consent-given: Oldham 4.1, 4.2") for line in lines)
    assert any(
        line.startswith("Why health-special-category: Mental health") and "Article 9" in line
        for line in lines
    )
    assert any(line.startswith("Lawful basis: CONSENT, ") for line in lines)


def test_explain_refused_consent_at_early_help_withholds_every_category_wigan_thresholds() -> None:
    asked, _ = agency_exchange(
        "HEALTH",
        [SUBSTANCE_MISUSE, GP_REGISTRATION],
        level_of_need="LEVEL_2",
        consent=consent("REFUSED"),
    )
    lines = explain(asked)
    assert "early-help-needs-consent decides: nothing is shared" in "\n".join(lines)
    assert (
        "health.substance_misuse: withheld (early-help-needs-consent: nothing is shared)" in lines
    )
    assert "health.gp_registration: withheld (early-help-needs-consent: nothing is shared)" in lines
    assert "Lawful basis: none relied on, as nothing is shared." in lines


def test_explain_an_override_at_level_4_oldham_4_4() -> None:
    asked = request(level_of_need="LEVEL_4", consent=consent("NOT_SOUGHT", override=override()))
    lines = explain(asked)
    text = "\n".join(lines)
    assert "safeguarding-without-consent decides: every subject may be shared" in text
    assert "police.crime_suspect_or_offender: full (sensitive-categories" in text
    assert "CHILDREN_ACT_1989_S47" in text
    assert "(consent overridden)" in text

    unrecorded = request(level_of_need="LEVEL_4", consent=consent("NOT_SOUGHT"))
    assert "override-not-recorded decides: nothing is shared" in "\n".join(explain(unrecorded))


def test_explain_names_subjects_outside_the_consent_one_by_one() -> None:
    lines = explain(INFORMATION_REQUEST)
    assert f"Subject {PARTNER_ID}: consent-scope-persons: withheld" in "\n".join(lines)
    assert any(
        line.startswith(f"Subject {CHILD_ID}: consent-given: may be shared") for line in lines
    )
