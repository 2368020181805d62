"""The routing agent: ``mash.pictures.v1`` in, sealed pictures to ``mash.team.<team>.v1``.

Each revision is encrypted for the public key of the team triage chose (the
allocated team, out-of-hours, complex safeguarding or the MASH duty team), so
only that team can read it, and the disclosure is audited.
"""

from __future__ import annotations

from typing import Any

from agents.context import WorkerContext
from agents.wire import raw_of
from broker.errors import RejectedMessage
from broker.sealing import seal

FAMILY_PICTURE = "uk.mash.v1.FamilyPicture"
AGENT = "agent.routing"


def register(ctx: WorkerContext) -> None:
    """Declare the routing agent on the worker's app."""
    topic = ctx.app.topic(ctx.topics.pictures, key_serializer="raw", value_serializer="raw")

    @ctx.app.agent(topic, name="routing")
    async def route(stream: Any) -> None:
        async for event in stream.events():
            await ctx.handle(AGENT, event, handle_picture)


async def handle_picture(ctx: WorkerContext, event: Any) -> None:
    """Seal one picture revision for its case's team and send it there."""
    outbox = ctx.outboxes[AGENT]
    record = raw_of(event)
    try:
        picture = ctx.open(record, FAMILY_PICTURE, frozenset({"agent.collation"})).value
        key = str(picture["case_id"]).encode()
        case = ctx.load_case(key)
        if case is None:
            raise RejectedMessage("UNEXPECTED_RESPONSE", f"no case {picture['case_id']}")
    except RejectedMessage as refused:
        await ctx.refuse(AGENT, record, refused)
        return
    team = case["team_key"]
    key_id, public_key = ctx.keystore.team_public_key(team)
    sealed = seal(
        picture, team_key=team, recipient=public_key, key_id=key_id, codec=ctx.codec,
        now=ctx.clock(),
    )  # fmt: skip
    await outbox.send(ctx.topics.team(team), "uk.mash.v1.SealedPicture", sealed, key)
    contact = case["contact"]
    ctx.audit(
        AGENT,
        "PICTURE_ROUTED",
        case_id=picture["case_id"],
        people=picture["persons"],
        categories=sorted({e["finding"]["category"] for e in picture["chronology"]}),
        rule_id=case["route_rule"],
        lawful_basis=contact["lawful_basis"],
        consent_status=contact["consent"]["status"],
        recipient={"team_key": team, "agency": None},
        reason=f"revision {picture['revision']} ({picture['revision_reason']})",
        distinct=str(picture["revision"]),
    )
    await outbox.settle()
