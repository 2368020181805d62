"""How the worker's memory grows with the cases it holds.

With the connectors stopped, no agency answers, so every contact submitted
stays an open case: triaged, its requests sent, its state in the worker's case
table awaiting answers. Contacts are submitted until each level is reached, and
once the worker has triaged them all (each case's first request, or its
picture for a child already allocated, has appeared) and a couple of seconds
have passed, the worker's resident memory is read. The table also holds the
cases of the run's earlier phases, which are never removed: they are counted.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

from benchmarks.services import Service
from benchmarks.traffic import Arrivals, Intake, TeamInbox, bench_contacts, case_key
from broker.catalogue import Agency, request_topic
from broker.settings import MashSettings
from connectors.synthetic.model import Partnership

SETTLE_SECONDS = 2.0


async def grow_open_cases(
    settings: MashSettings,
    partnership: Partnership,
    run: str,
    levels: list[int],
    *,
    worker: Service,
    intake: Intake,
    inbox: TeamInbox,
    cases_before: int,
    within: float,
    say: Callable[[str], None],
) -> list[dict[str, Any]]:
    """The worker's resident memory at each level of open cases (connectors already stopped)."""
    # Every authority's default asks include the police, so each triaged case has a police request.
    requests = Arrivals(settings, [request_topic(Agency.POLICE, settings.topic_prefix)])
    await requests.start()
    try:
        measured = [
            {
                "open_cases": 0,
                "cases_in_table": cases_before,
                "worker_mb": worker.resident_mb(),
                "triaged_per_s": None,
            }
        ]
        contacts = bench_contacts(partnership, f"{run}:open", first=0)
        held = 0
        for level in sorted(levels):
            keys = set()
            started = time.monotonic()
            for contact in itertools.islice(contacts, level - held):
                keys.add(case_key(contact))
                await intake.submit(contact)
            await intake.settled()
            say(f"open cases: {level - held:,} contacts submitted, waiting for triage")
            deadline = time.monotonic() + within
            while (done := _triaged(keys, requests, inbox)) < len(keys):
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(1.0)
                say(f"open cases: {held + done:,} / {level:,} triaged")
            seconds = time.monotonic() - started
            held += done
            await asyncio.sleep(SETTLE_SECONDS)
            measured.append(
                {
                    "open_cases": held,
                    "cases_in_table": cases_before + held,
                    "worker_mb": worker.resident_mb(),
                    "triaged_per_s": round(done / seconds, 1),
                }
            )
            say(f"open cases: {held:,} held, worker at {measured[-1]['worker_mb']} MB")
            if done < len(keys):
                say(f"open cases: {len(keys) - done:,} contacts were not triaged in time; stopping")
                break
        return measured
    finally:
        await requests.stop()


def _triaged(keys: set[bytes], requests: Arrivals, inbox: TeamInbox) -> int:
    """How many of the cases have their first request out (or their picture, if allocated)."""
    return sum(1 for key in keys if key in requests.first or key in inbox.first)
