"""Live updates: server-sent events that say the broker brought something new.

``GET /events`` streams an ``event: changed`` each time the console's feed reads
new values (an agency's answer in the audit, a picture revision, a decision),
and a comment every few seconds to keep the connection open. The pages fetch
their live regions again when told (``static/console.js``); the events carry no
case data, so they need no filtering by team.

Nothing that arrives between a page being rendered and its event stream
opening is missed: every page carries the feed version it was rendered from
(``<meta name="mash-feed-version">``), the stream starts from that version
(``?since=``), and each event names its version as the SSE ``id``, so a browser
that reconnects (``Last-Event-ID``) is told at once of what came meanwhile.
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
    """A stream of ``changed`` events for as long as the page stays open.

    Args:
        since: the feed version the page was rendered from; an event is sent at
            once if the feed has moved on since. Without it, from now.
    """
    console: Console = request.app.state.console
    seen = starting_version(
        request.headers.get("last-event-id") or request.query_params.get("since"),
        console.feed.version,
    )

    async def stream() -> AsyncIterator[str]:
        nonlocal seen
        yield "retry: 2000\n\n"
        while not await request.is_disconnected():
            version = await console.feed.changed_since(seen, KEEP_ALIVE_SECONDS)
            if version > seen:
                seen = version
                yield f"id: {version}\nevent: changed\ndata: {version}\n\n"
            else:
                yield ": still here\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def starting_version(given: str | None, current: int) -> int:
    """The version a stream starts from: the one the page was rendered from, if sane.

    A version ahead of the feed's comes from a console since restarted, whose feed
    is read again from the beginning: the page is told to refresh at once.
    """
    if given is None or not given.isdigit():
        return current
    since = int(given)
    return since if since <= current else -1
