"""Triage decisions, each from the guidance that sets it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from agents.triage import Allocations, allocation_for, plan, rag_rating
from broker.authority import load_authority
from broker.codec import AvroCodec
from broker.identity import Identity
from broker.matching import MATCHED_AT, compare
from connectors.synthetic.families import generate
from tests.examples import ALLOCATION, CONTACT

WIGAN = load_authority()
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SATURDAY_NIGHT = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)


def contact(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = copy.deepcopy(CONTACT)
    value.update(received_at=TUESDAY_10AM, immediate_risk=False, suspected_crime=False)
    value.update(changes)
    return value


def test_rag_follows_risk_and_level_of_need_oldham_5_8() -> None:
    assert rag_rating(contact(immediate_risk=True)).outcome == "RED"
    assert (
        rag_rating(
            contact(referrer_level_of_need="LEVEL_4", concern_categories=["PHYSICAL_ABUSE"])
        ).outcome
        == "RED"
    )
    assert rag_rating(contact(referrer_level_of_need="LEVEL_3")).outcome == "AMBER"
    assert rag_rating(contact(referrer_level_of_need="LEVEL_2")).outcome == "GREEN"


def test_deadlines_follow_the_rag_rating_and_the_24_hour_decision_oldham_5_10() -> None:
    red = plan(contact(immediate_risk=True), WIGAN, [], NOW)
    assert red.answer_by == TUESDAY_10AM + timedelta(hours=4)
    assert red.decision_due == TUESDAY_10AM + timedelta(hours=24)
    assert all(request["deadline"] == red.answer_by for request in red.requests)


def test_an_allocated_child_goes_straight_to_the_team_without_requests_wiltshire_5() -> None:
    child = next(s for s in CONTACT["subjects"] if s["role"] == "CHILD")
    allocation = {**copy.deepcopy(ALLOCATION), "child": copy.deepcopy(child), "child_id": "LCS-X"}
    result = plan(contact(), WIGAN, [allocation], NOW)
    assert result.team_key == allocation["team_key"]
    assert result.requests == ()
    assert result.decisions[1].rule_id == "allocated-child"


def test_a_social_care_id_finds_the_allocation_even_under_another_name() -> None:
    value = contact()
    child = next(s for s in value["subjects"] if s["role"] == "CHILD")
    child["identifiers"].append(
        {"scheme": "LOCAL_SOCIAL_CARE_ID", "value": "LCS-0042", "issuer": None}
    )
    child["names"] = [{"given_names": "Someone", "family_name": "Else", "name_type": "CURRENT"}]
    allocation = {**copy.deepcopy(ALLOCATION), "child_id": "LCS-0042"}
    assert allocation_for(value, [allocation]) == allocation


def test_urgent_out_of_hours_goes_to_the_out_of_hours_team_wigan_oldham_2_1() -> None:
    result = plan(contact(immediate_risk=True, received_at=SATURDAY_NIGHT), WIGAN, [], NOW)
    assert result.out_of_hours
    assert result.team_key == "out-of-hours"
    assert result.requests, "agencies are still asked"
    calm = contact(
        received_at=SATURDAY_NIGHT, referrer_level_of_need="LEVEL_2", concern_categories=["NEGLECT"]
    )
    not_urgent = plan(calm, WIGAN, [], NOW)
    assert not_urgent.team_key == "mash-duty", "only urgent contacts go out of hours"


def test_suspected_crime_notifies_the_police_at_once_oldham_5_9() -> None:
    result = plan(contact(suspected_crime=True), WIGAN, [], NOW)
    (notification,) = result.notifications
    assert notification["kind"] == "POLICE_NOTIFICATION"
    assert notification["recipient"] == {"team_key": None, "agency": "POLICE"}


def test_exploitation_goes_to_complex_safeguarding_oldham_5_7() -> None:
    result = plan(contact(concern_categories=["CHILD_CRIMINAL_EXPLOITATION"]), WIGAN, [], NOW)
    assert result.team_key == "complex-safeguarding"
    assert [n["kind"] for n in result.notifications] == ["COMPLEX_SAFEGUARDING"]
    police = next(r for r in result.requests if r["agency"] == "POLICE")
    assert "police.exploitation_intelligence" in police["categories_permitted"]


def test_agencies_are_asked_only_what_the_concerns_call_for_oldham_5_6() -> None:
    routine = plan(contact(concern_categories=["NEGLECT"]), WIGAN, [], NOW)
    abuse = plan(contact(concern_categories=["DOMESTIC_ABUSE"]), WIGAN, [], NOW)
    assert "PROBATION" not in {r["agency"] for r in routine.requests}
    assert "PROBATION" in {r["agency"] for r in abuse.requests}


def test_triage_is_idempotent_and_its_values_fit_the_schemas() -> None:
    value = contact(suspected_crime=True, immediate_risk=True)
    first, again = plan(value, WIGAN, [], NOW), plan(value, WIGAN, [], NOW)
    assert [r["request_id"] for r in first.requests] == [r["request_id"] for r in again.requests]
    assert [n["notification_id"] for n in first.notifications] == [
        n["notification_id"] for n in again.notifications
    ]
    codec = AvroCodec()
    for request in first.requests:
        codec.encode("uk.mash.v1.InformationRequest", request)
    for notification in first.notifications:
        codec.encode("uk.mash.v1.Notification", notification)


def _scan(contact: dict[str, Any], allocations: list[dict[str, Any]]) -> Any:
    """Every allocation compared with every child: what the index must agree with."""
    children = [s for s in contact["subjects"] if s["role"] in ("CHILD", "SIBLING")]
    for allocation in allocations:
        for child in children:
            ids = {
                i["value"] for i in child["identifiers"] if i["scheme"] == "LOCAL_SOCIAL_CARE_ID"
            }
            recorded = allocation.get("child")
            if allocation["child_id"] in ids or (
                recorded is not None
                and compare(Identity.from_person(child), Identity.from_person(recorded)).confidence
                >= MATCHED_AT
            ):
                return allocation
    return None


def test_the_allocation_index_finds_what_a_scan_of_every_allocation_finds_wiltshire_5() -> None:
    partnership = generate(300, seed=5)
    allocations = [dict(a) for a in partnership.allocations]
    index = Allocations(allocations)
    found = 0
    for value in partnership.contacts:
        expected = _scan(value, allocations)
        assert index.for_contact(value) == expected, value["contact_id"]
        found += expected is not None
    assert found >= 10, "the synthetic partnership should hold contacts about allocated children"


def test_an_allocation_replaced_or_removed_is_searched_as_it_now_is() -> None:
    value = contact()
    allocation = copy.deepcopy(ALLOCATION)
    index = Allocations()
    assert index.for_contact(value) is None
    index.put(allocation)
    assert index.for_contact(value) == allocation
    assert allocation["child_id"] in index
    moved = {**allocation, "team_key": "area-south"}
    index.put(moved)
    assert index.for_contact(value) == moved
    assert len(index) == 1
    index.remove(allocation["child_id"])
    assert index.for_contact(value) is None
    assert allocation["child_id"] not in index
