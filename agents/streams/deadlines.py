"""Deadlines: a partial picture when agencies run out of time, an overdue decision.

A timer looks at this worker's cases and, for each with a deadline passed,
sends a tick keyed by the case to an internal topic; the agent on that topic
updates the case. State is so only ever written by the agent that owns the
case's partition, as faust's tables require.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any

from agents import triage
from agents.context import WorkerContext
from agents.streams.picture import agencies_awaited, emit_picture
from broker.case_keys import CaseErased, case_id_of

AGENT = "agent.collation"
#: Rows a tick decodes, learning the times of cases it does not know yet (after
#: a restart, every case), between letting the agents run.
ROWS_BETWEEN_YIELDS = 100


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
        for key in await cases_due(ctx, ctx.clock()):
            await topic.send(key=key, value=b"deadline")

    @ctx.app.agent(topic, name="deadlines")
    async def on_deadline(stream: Any) -> None:
        async for key, _ in stream.items():
            async with ctx.case_lock(key):
                with contextlib.suppress(CaseErased):  # erased meanwhile: nothing is due
                    await handle_deadline(ctx, key)


async def cases_due(ctx: WorkerContext, now: datetime) -> list[bytes]:
    """This worker's cases with a deadline passed by ``now``, and its erased ones.

    An erased case gets a tick too, so that the deadline agent removes its row.
    Decrypting and decoding every case at every tick took most of a worker's
    time with tens of thousands open, so the times come from ``ctx.due_times``:
    a row is decoded once, when saved or, for a row the table got from its
    changelog, here; at each tick every row then costs a look-up and a stat of
    its erasure marker.
    """
    due_times, contacts = ctx.due_times, ctx.topics.contacts
    for key in due_times.known() - ctx.cases.keys():  # removed, or its partition moved
        due_times.forget(key)
    erased, unknown = [], []
    for key, stored in ctx.cases.items():
        if not due_times.knows(key, stored):
            unknown.append(key)
            continue
        try:
            ctx.case_keys.refuse_if_erased(case_id_of(contacts, key))
        except CaseErased:
            erased.append(key)
    for done, key in enumerate(unknown, 1):
        if done % ROWS_BETWEEN_YIELDS == 0:
            await asyncio.sleep(0)
        stored = ctx.cases.get(key)
        if stored is None or due_times.knows(key, stored):  # changed meanwhile
            continue
        try:
            case = ctx.peek_case(key)
        except CaseErased:
            erased.append(key)
            continue
        if case is not None:
            due_times.note(key, stored, case)
    ticks = dict.fromkeys([*erased, *due_times.passed(now)])
    return [key for key in ticks if key in ctx.cases]


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
