"""The triage agent: ``mash.contacts.v1`` in, requests and notifications out."""

from __future__ import annotations

from typing import Any

from agents import triage
from agents.context import WorkerContext
from agents.streams.picture import emit_picture
from agents.wire import raw_of
from broker.contact_rules import rule_problems
from broker.errors import RejectedMessage

CONTACT = "uk.mash.v1.Contact"
AGENT = "agent.triage"


def register(ctx: WorkerContext) -> None:
    """Declare the triage agent on the worker's app."""
    topic = ctx.app.topic(ctx.topics.contacts, key_serializer="raw", value_serializer="raw")

    @ctx.app.agent(topic, name="triage")
    async def triage_contacts(stream: Any) -> None:
        async for event in stream.events():
            await ctx.handle(AGENT, event, handle_contact)


async def handle_contact(ctx: WorkerContext, event: Any) -> None:
    """Triage one contact: state, requests, notifications, audit; or a dead letter."""
    outbox = ctx.outboxes[AGENT]
    record = raw_of(event)
    try:
        contact = ctx.open(record, CONTACT, frozenset({"intake"})).value
        problems = rule_problems(contact)
        if problems:
            raise RejectedMessage("POLICY_REJECTED", "; ".join(map(str, problems)))
    except RejectedMessage as refused:
        await ctx.refuse(AGENT, record, refused)
        return
    key = str(contact["case_id"]).encode()
    existing = ctx.load_case(key)
    if existing is not None and existing["contact"]["contact_id"] == contact["contact_id"]:
        return  # a redelivery: everything it caused was sent before its offset was committed
    now = ctx.clock()
    plan = triage.plan(contact, ctx.authority, ctx.allocations, now)
    case = {
        "case_id": contact["case_id"],
        "contact": contact,
        "rag_rating": plan.rag_rating,
        "answer_by": plan.answer_by,
        "decision_due": plan.decision_due,
        "team_key": plan.team_key,
        "route_rule": plan.decisions[1].rule_id,
        "out_of_hours": plan.out_of_hours,
        "allocated": plan.allocation is not None,
        "requests": list(plan.requests),
        "responses_seen": [],
        "shared": [],
        "picture_revision": 0,
        "deadline_reached": False,
        "overdue_notified": False,
    }
    case_id, subjects, consent = contact["case_id"], contact["subjects"], contact["consent"]
    ctx.audit(
        AGENT,
        "CONTACT_RECEIVED",
        case_id=case_id,
        people=subjects,
        rule_id=plan.decisions[0].rule_id,
        rule_version=triage.TRIAGE_VERSION,
        lawful_basis=contact["lawful_basis"],
        consent_status=consent["status"],
        recipient={"team_key": plan.team_key, "agency": None},
        reason="; ".join(f"{d.rule_id}: {d.outcome}" for d in plan.decisions),
    )
    for request in plan.requests:
        await outbox.send(
            ctx.topics.request(request["agency"]), "uk.mash.v1.InformationRequest", request, key
        )
        ctx.audit(
            AGENT,
            "REQUEST_ISSUED",
            case_id=case_id,
            people=subjects,
            source_agency=request["agency"],
            categories=request["categories_permitted"],
            rule_id="agencies-by-concern",
            rule_version=triage.TRIAGE_VERSION,
            lawful_basis=request["lawful_basis"],
            consent_status=consent["status"],
            request_id=request["request_id"],
        )
    # Triage lists the decision raising each notification last, in the notifications' order.
    raised_by = plan.decisions[len(plan.decisions) - len(plan.notifications) :]
    for notification, decision in zip(plan.notifications, raised_by, strict=True):
        await outbox.send(ctx.topics.notifications, "uk.mash.v1.Notification", notification, key)
        ctx.audit(
            AGENT,
            "NOTIFICATION_RAISED",
            case_id=case_id,
            people=subjects,  # so a subject-access report lists it
            rule_id=decision.rule_id,
            rule_version=triage.TRIAGE_VERSION,
            recipient=notification["recipient"],
            reason=notification["reason"],
            distinct=notification["kind"],
        )
    if plan.allocation is not None:
        await emit_picture(ctx, key, case, "ALREADY_ALLOCATED")
    # Outputs first, state last: a crash in between repeats outputs (dropped
    # downstream by their derived ids) rather than losing them.
    await outbox.settle()
    await ctx.outboxes["agent.collation"].settle()
    ctx.save_case(key, case)
