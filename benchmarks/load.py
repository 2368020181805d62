"""The offered load: contacts submitted as fast as possible or on a fixed schedule.

A contact is complete when its first picture reaches its team. Throughput is
completed contacts over the window from the first submission to the last
picture. Latency is from submission to the picture; at a fixed rate a contact
counts as submitted at its scheduled time, so a submitter falling behind adds
to the latency instead of hiding it.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

from benchmarks.report import latency_summary
from benchmarks.traffic import Intake, TeamInbox, bench_contacts, case_key
from connectors.synthetic.model import Partnership


async def offer_contacts(
    partnership: Partnership,
    run: str,
    *,
    contacts: int,
    rate: float,
    within: float,
    intake: Intake,
    inbox: TeamInbox,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Submit ``contacts`` contacts at ``rate`` a second (0: at once), wait for their pictures.

    ``within`` is how long to wait for pictures after the last submission.
    """
    keys: dict[bytes, float] = {}
    started, wall = time.monotonic(), time.time()
    shown = started

    def progress(done: int) -> None:
        elapsed = time.monotonic() - started
        say(
            f"submitted {len(keys):,}/{contacts:,}, pictures {done:,}/{contacts:,} "
            f"({done / elapsed:,.1f} contacts/s)"
        )

    for number, contact in enumerate(itertools.islice(bench_contacts(partnership, run), contacts)):
        at = None
        if rate > 0:
            at = started + number / rate
            await asyncio.sleep(max(at - time.monotonic(), 0))
        await intake.submit(contact, at)
        keys[case_key(contact)] = 0.0
        if time.monotonic() - shown >= 1.0:
            progress(inbox.count(keys))
            shown = time.monotonic()
    await intake.settled()
    submitted = time.monotonic() - started
    completed = await inbox.wait_for(keys, within, progress)
    progress(completed)
    arrived = [key for key in keys if key in inbox.first]
    seconds = max(max((inbox.first[k] for k in arrived), default=started) - started, 1e-9)
    return {
        "contacts": contacts,
        "completed": completed,
        "submit_seconds": round(submitted, 3),
        "seconds": round(seconds, 3),
        "contacts_per_s": round(completed / seconds, 1),
        # At a fixed rate: whether pictures came out as fast as contacts went in.
        "kept_up": completed / seconds >= 0.95 * rate if rate > 0 else None,
        "latency_s": latency_summary([inbox.first[k] - intake.submitted[k] for k in arrived]),
        "intake_retries": intake.retries,
        "picture_reasons": dict(inbox.reasons),
        "unreadable_pictures": list(inbox.unreadable),
        "window_ms": (int(wall * 1000), int((wall + seconds) * 1000) + 1),
    }
