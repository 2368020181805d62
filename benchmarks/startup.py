"""Starting the exchange as deployed, and timing it until it handles its first contact.

The worker, the connectors and the audit writer are started at once, each a
``mash`` command in its own process. As soon as the worker says it is ready
(its faust app started, its consumer group possibly still joining), a first
contact is submitted; the worker's start-up is timed to the moment triage has
handled it (its CONTACT_RECEIVED audit record is out), and the exchange's to the
moment its picture reaches the team, once every service is ready.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from agents.context import AGENTS
from benchmarks.services import Service
from benchmarks.traffic import Arrivals, Intake, TeamInbox, bench_contacts, case_key
from broker.catalogue import topic_name
from broker.errors import MashError
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from broker.settings import MashSettings
from connectors.synthetic.model import Partnership
from mash.exchange import SENDERS
from mash.options import authority_for

#: The worker's session timeout: the embedded broker holds a group join for half of it.
SESSION_TIMEOUT = "6"
#: How often the worker looks for passed deadlines, as ``mash worker`` does by default.
TICK_SECONDS = "30"
STARTUP_WITHIN = 180.0


def prepare_keystore(settings: MashSettings) -> Keystore:
    """Every key the services use, made before they start so each trusts the others at once."""
    if settings.keystore is None:
        raise MashError("the benchmark's settings name no keystore")
    keystore = Keystore(settings.keystore)
    keystore.ensure([*SENDERS, *AGENTS])
    for team in authority_for(settings).team_keys():
        keystore.team_key(team)
    pseudonym_key(keystore.folder)
    return keystore


def exchange_services(folder: Path) -> dict[str, Service]:
    """The worker, every agency's connector (from ``folder/partnership``) and the audit writer."""
    logs = folder / "logs"
    worker = ["worker", "--session-timeout", SESSION_TIMEOUT, "--tick", TICK_SECONDS]
    connectors = ["connectors", "run", "--data", str(folder / "partnership")]
    return {
        "worker": Service.mash("worker", worker, "worker ready", logs),
        "connectors": Service.mash("connectors", connectors, "connectors ready", logs),
        "audit writer": Service.mash(
            "audit-writer", ["audit", "writer"], "audit writer ready", logs
        ),
    }


def service_env(settings: MashSettings, folder: Path) -> dict[str, str]:
    """The environment that points the services at the run's broker, topics and keys."""
    # The worker keeps faust's data folder under $TMPDIR: keep it in the workspace.
    scratch = folder / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    return {
        "MASH_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "MASH_TOPIC_PREFIX": settings.topic_prefix,
        "MASH_KEYSTORE": str(settings.keystore),
        "TMPDIR": str(scratch),
    }


async def start_exchange(
    services: dict[str, Service],
    settings: MashSettings,
    folder: Path,
    partnership: Partnership,
    run: str,
    *,
    intake: Intake,
    inbox: TeamInbox,
    say: Callable[[str], None],
) -> dict[str, object]:
    """Start the services, intake and the teams' inbox; the start-up figures.

    Raises:
        ServiceFailed: a service stopped or was not ready in time.
        TimeoutError: the first contact was not handled, or its picture did not arrive.
    """
    env = service_env(settings, folder)
    for service in services.values():
        service.start(env, folder)
    # Watched from the start, so each is timed when it says it is ready.
    readies = [asyncio.create_task(s.ready(STARTUP_WITHIN)) for s in services.values()]
    worker = services["worker"]
    try:
        await worker.ready(STARTUP_WITHIN)
        await inbox.start()
        await intake.start()
        key, handled = await _first_contact(settings, partnership, run, intake)
        say(
            f"worker ready in {worker.ready_after:.1f} s; "
            f"first contact handled {handled - worker.started_at:.1f} s after it started"
        )
        await asyncio.gather(*readies)
        if not await inbox.wait_for({key}, STARTUP_WITHIN):
            raise TimeoutError("the first contact's picture never reached its team")
    finally:
        for ready in readies:
            ready.cancel()
    pictured = inbox.first[key]
    say(f"first picture {pictured - worker.started_at:.1f} s after the worker started")
    return {
        "services_ready_s": {n: round(s.ready_after or 0, 2) for n, s in services.items()},
        "worker_ready_after_start_s": round(worker.ready_after or 0, 2),
        "first_event_after_start_s": round(handled - worker.started_at, 2),
        "first_picture_after_start_s": round(pictured - worker.started_at, 2),
        "first_picture_after_submit_s": round(pictured - intake.submitted[key], 3),
    }


async def _first_contact(
    settings: MashSettings, partnership: Partnership, run: str, intake: Intake
) -> tuple[bytes, float]:
    """Submit the first contact; its case key, and when triage had handled it (monotonic)."""
    triaged = Arrivals(settings, [topic_name("audit.pending", settings.topic_prefix)])
    await triaged.start()
    contact = next(bench_contacts(partnership, f"{run}:first"))
    key = case_key(contact)
    try:
        await intake.submit(contact)
        await intake.settled()
        if not await triaged.wait_for({key}, STARTUP_WITHIN):
            raise TimeoutError("the worker did not handle the first contact")
    finally:
        await triaged.stop()
    return key, triaged.first[key]
