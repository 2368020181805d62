"""The policy agent: ``mash.responses.v1`` in, what may be shared out (``mash.shared.v1``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents import policy
from agents.audit import approver_ref
from agents.context import WorkerContext
from agents.wire import raw_of
from broker.catalogue import Agency
from broker.errors import RejectedMessage

RESPONSE = "uk.mash.v1.InformationResponse"
AGENT = "agent.policy"
AGENCIES = frozenset(agency.value for agency in Agency)
ACTIONS = {"SHARED": "SHARED", "REDACTED": "REDACTED", "WITHHELD": "WITHHELD"}


def register(ctx: WorkerContext) -> None:
    """Declare the policy agent on the worker's app."""
    topic = ctx.app.topic(ctx.topics.responses, key_serializer="raw", value_serializer="raw")

    @ctx.app.agent(topic, name="policy")
    async def apply_policy(stream: Any) -> None:
        async for event in stream.events():
            await ctx.handle(AGENT, event, handle_response)


async def handle_response(ctx: WorkerContext, event: Any) -> None:
    """Check one response came from an agency that was asked, then apply the policy."""
    outbox = ctx.outboxes[AGENT]
    record = raw_of(event)
    try:
        received = ctx.open(record, RESPONSE, AGENCIES)
        response = received.value
        key = str(response["case_id"]).encode()
        case = ctx.load_case(key)
        request = _request_answered(case, response, received.envelope.sender)
    except RejectedMessage as refused:
        await ctx.refuse(AGENT, record, refused)
        return
    assert case is not None  # noqa: S101 - _request_answered refuses a missing case
    response_id = str(response["response_id"])
    if response_id in case["responses_seen"]:
        return  # the same answer again: counted once
    result = policy.decide(request, response, now=ctx.clock())
    case["responses_seen"].append(response_id)
    shared = result.shared
    await outbox.send(ctx.topics.shared, "uk.mash.v1.SharedInformation", shared, key)
    common = {
        "case_id": response["case_id"],
        "source_agency": response["agency"],
        "request_id": response["request_id"],
        "response_id": response["response_id"],
        "lawful_basis": shared["lawful_basis"],
        "consent_status": shared["consent_status"],
        "consent_overridden": shared["consent_overridden"],
    }
    ctx.audit(AGENT, "RESPONSE_RECEIVED", people=request["subjects"], **common)
    # With whom: the team the case is routed to, which is sent what is shared
    # (Wigan thresholds, Consent and Confidentiality: what was shared, and why).
    team = {"team_key": case["team_key"], "agency": None}
    for decision in result.decisions:
        people = [s for s in request["subjects"] if s["person_id"] == decision["person_id"]]
        ctx.audit(
            AGENT,
            ACTIONS.get(decision["outcome"], "OTHER"),
            people=people,
            categories=[decision["category"]] if decision["category"] else [],
            rule_id=decision["rule_id"],
            rule_version=decision["rule_version"],
            recipient=team,
            reason=decision["reason"],
            distinct=f"{decision['item_type']}:{decision['person_id']}:{decision['finding_id']}",
            **common,
        )
    if result.consent_overridden:
        override = request["consent"]["override"] or {}
        ctx.audit(
            AGENT,
            "CONSENT_OVERRIDE",
            people=request["subjects"],
            rule_id="safeguarding-without-consent",
            rule_version=policy.load_rules().version,
            reason=override_reason(override, ctx.auditors[AGENT].key),
            **common,
        )
    await outbox.settle()
    ctx.save_case(key, case)  # after the outputs: a crash repeats, never loses


def override_reason(override: Mapping[str, Any], key: bytes) -> str:
    """The CONSENT_OVERRIDE record's reason: ground, reason and approver, no name in clear.

    The approver is given by role and by a keyed reference to their name
    (:func:`agents.audit.approver_ref`), so an officer holding the pseudonym key
    can confirm who approved, and nobody else can read it (Oldham 4.1, 4.4; Wigan
    thresholds, Consent and Confidentiality: the reason and the approval recorded).
    The gateways relied on are the record's ``lawful_basis``.
    """
    approver = override.get("approved_by")
    if approver is None:
        approval = "no approver recorded"
    else:
        role = " ".join(str(approver.get("role") or "").split()) or "role not recorded"
        approval = f"approved by {role}, approver ref {approver_ref(key, approver['name']).hex()}"
    return f"{override.get('reason_code')}: {override.get('reason')} ({approval})"


def _request_answered(
    case: dict[str, Any] | None, response: dict[str, Any], sender: str
) -> dict[str, Any]:
    """The request this response answers, if it was sent to the agency that answered.

    Raises:
        RejectedMessage: UNEXPECTED_RESPONSE for an unknown case or request, or an
            agency answering a request sent to another.
    """
    if case is None:
        raise RejectedMessage("UNEXPECTED_RESPONSE", f"no case {response['case_id']}")
    for request in case["requests"]:
        if request["request_id"] == response["request_id"]:
            if request["agency"] != response["agency"] or sender != request["agency"].lower():
                raise RejectedMessage(
                    "UNEXPECTED_RESPONSE",
                    f"{sender} answered a request sent to {request['agency'].lower()}",
                )
            answered: dict[str, Any] = request
            return answered
    raise RejectedMessage(
        "UNEXPECTED_RESPONSE", f"case {response['case_id']} has no request {response['request_id']}"
    )
