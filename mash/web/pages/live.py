"""Live updates: server-sent events that say the broker brought something new.

``GET /events`` streams an ``event: changed`` each time the console's feed reads
new values (an agency's answer in the audit, a picture revision, a decision),
and a comment every few seconds to keep the connection open. The pages fetch
their live regions again when told (``static/console.js``); the events carry no
case data, so they need no filtering by team.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from mash.web.auth import signed_in
from mash.web.console import Console
from mash.web.users import StaffMember

router = APIRouter()
KEEP_ALIVE_SECONDS = 15.0


@router.get("/events")
async def events(
    request: Request, member: Annotated[StaffMember, Depends(signed_in)]
) -> StreamingResponse:
    """A stream of ``changed`` events for as long as the page stays open."""
    console: Console = request.app.state.console

    async def stream() -> AsyncIterator[str]:
        seen = console.feed.version
        yield "retry: 2000\n\n"
        while not await request.is_disconnected():
            version = await console.feed.changed_since(seen, KEEP_ALIVE_SECONDS)
            if version > seen:
                seen = version
                yield f"event: changed\ndata: {version}\n\n"
            else:
                yield ": still here\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
