"""The collation agent: ``mash.shared.v1`` in, family picture revisions out.

A revision goes out when every agency asked has answered, and again for each
answer that arrives after a picture was sent (a late answer, or any answer after
the deadline's partial picture). Deadlines themselves are handled in
``agents.streams.deadlines``.
"""

from __future__ import annotations

from typing import Any

from agents.context import WorkerContext
from agents.streams.picture import agencies_awaited, emit_picture
from agents.wire import raw_of
from broker.errors import RejectedMessage

SHARED = "uk.mash.v1.SharedInformation"
AGENT = "agent.collation"


def register(ctx: WorkerContext) -> None:
    """Declare the collation agent on the worker's app."""
    topic = ctx.app.topic(ctx.topics.shared, key_serializer="raw", value_serializer="raw")

    @ctx.app.agent(topic, name="collation")
    async def collate(stream: Any) -> None:
        async for event in stream.events():
            await ctx.handle(AGENT, event, handle_shared)


async def handle_shared(ctx: WorkerContext, event: Any) -> None:
    """Add what the policy let through to the case; send a revision when due."""
    outbox = ctx.outboxes[AGENT]
    record = raw_of(event)
    try:
        shared = ctx.open(record, SHARED, frozenset({"agent.policy"})).value
        key = str(shared["case_id"]).encode()
        case = ctx.load_case(key)
        if case is None:
            raise RejectedMessage("UNEXPECTED_RESPONSE", f"no case {shared['case_id']}")
    except RejectedMessage as refused:
        await ctx.refuse(AGENT, record, refused)
        return
    if any(seen["shared_id"] == shared["shared_id"] for seen in case["shared"]):
        return
    case["shared"].append(shared)
    if case["picture_revision"] > 0:
        await emit_picture(ctx, key, case, "LATE_RESPONSE")
    elif not agencies_awaited(case):
        await emit_picture(ctx, key, case, "ALL_AGENCIES_ANSWERED")
    await outbox.settle()
    ctx.save_case(key, case)  # after the outputs: a crash repeats, never loses
