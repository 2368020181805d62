"""Deadlines: a partial picture when agencies run out of time, an overdue decision.

A timer looks at this worker's cases and, for each with a deadline passed,
sends a tick keyed by the case to an internal topic; the agent on that topic
updates the case. State is so only ever written by the agent that owns the
case's partition, as faust's tables require.
"""

from __future__ import annotations

import contextlib
from typing import Any

from agents import triage
from agents.context import WorkerContext
from agents.streams.picture import agencies_awaited, emit_picture
from broker.case_keys import CaseErased

AGENT = "agent.collation"


def register(ctx: WorkerContext, tick_seconds: float) -> None:
    """Declare the deadline timer and agent on the worker's app."""
    topic = ctx.app.topic(
        f"{ctx.settings.topic_prefix}mash-exchange-deadlines",
        key_serializer="raw",
        value_serializer="raw",
        partitions=6,
        internal=True,
    )

    @ctx.app.timer(interval=tick_seconds)  # type: ignore[untyped-decorator]  # faust is untyped
    async def look_for_deadlines() -> None:
        now = ctx.clock()
        for key in list(ctx.cases.keys()):
            try:
                case = ctx.peek_case(key)
            except CaseErased:  # the deadline agent removes its row
                case = None
            if case is None or due(case, now):
                await topic.send(key=key, value=b"deadline")

    @ctx.app.agent(topic, name="deadlines")
    async def on_deadline(stream: Any) -> None:
        async for key, _ in stream.items():
            async with ctx.case_lock(key):
                with contextlib.suppress(CaseErased):  # erased meanwhile: nothing is due
                    await handle_deadline(ctx, key)


def due(case: dict[str, Any], now: Any) -> bool:
    """Whether a deadline of the case has passed with nothing done about it yet."""
    late_answers = not case["deadline_reached"] and now >= case["answer_by"]
    late_decision = not case["overdue_notified"] and now >= case["decision_due"]
    return bool(late_answers or late_decision)


async def handle_deadline(ctx: WorkerContext, key: bytes) -> None:
    """Send the partial picture or the overdue notification that is due."""
    case = ctx.load_case(key)
    now = ctx.clock()
    if case is None or not due(case, now):
        return
    if not case["deadline_reached"] and now >= case["answer_by"]:
        case["deadline_reached"] = True
        if case["picture_revision"] == 0 and agencies_awaited(case):
            await emit_picture(ctx, key, case, "DEADLINE_REACHED")
    if not case["overdue_notified"] and now >= case["decision_due"]:
        case["overdue_notified"] = True
        contact = case["contact"]
        notification = triage.overdue_notification(
            case["case_id"], contact["contact_id"], case["team_key"], case["decision_due"], now
        )
        await ctx.outboxes[AGENT].send(
            ctx.topics.notifications, "uk.mash.v1.Notification", notification, key
        )
        ctx.audit(
            AGENT,
            "OVERDUE",
            case_id=case["case_id"],
            people=contact["subjects"],  # so a subject-access report lists it
            recipient=notification["recipient"],
            reason=notification["reason"],
        )
    await ctx.outboxes[AGENT].settle()
    ctx.save_case(key, case)  # after the outputs: a crash repeats, never loses
