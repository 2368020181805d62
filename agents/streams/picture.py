"""Emitting a family picture revision for a case."""

from __future__ import annotations

from typing import Any

from agents.collation import CaseView, build_picture
from agents.context import WorkerContext

FAMILY_PICTURE = "uk.mash.v1.FamilyPicture"


async def emit_picture(ctx: WorkerContext, key: bytes, case: dict[str, Any], reason: str) -> None:
    """Collate the case's next picture revision and publish it (the case is updated)."""
    case["picture_revision"] += 1
    view = CaseView(
        contact=case["contact"],
        rag_rating=case["rag_rating"],
        decision_due_at=case["decision_due"],
        requests={request["agency"].lower(): request for request in case["requests"]},
        shared=list(case["shared"]),
        deadline_passed=case["deadline_reached"],
    )
    picture = build_picture(view, revision=case["picture_revision"], reason=reason, now=ctx.clock())
    await ctx.outboxes["agent.collation"].send(ctx.topics.pictures, FAMILY_PICTURE, picture, key)


def agencies_awaited(case: dict[str, Any]) -> set[str]:
    """Agencies asked that have not answered yet."""
    asked = {request["agency"] for request in case["requests"]}
    return asked - {shared["agency"] for shared in case["shared"]}
