"""The whole pipeline measured end to end on a real broker, against the broker's ceiling.

Runs as ``mash bench`` (see ``mash bench --help``):

    mash bench --engine embedded --contacts 500 --out bench-embedded.json
    mash bench --engine kafka --rate 50 --seconds 30 --out latency-kafka.json

One run starts a broker of the chosen engine (or uses a running one), generates
a synthetic partnership, creates the run's topics (under a prefix of its own)
and starts the exchange as it is deployed: the worker, every agency's connector
and the audit writer, each in a process of its own, with signatures, policy,
collation, encryption and audit on. Then, from this process, as intake and the
teams:

1. a first contact, to time the worker's start-up (``benchmarks.startup``);
2. ``contacts`` contacts, as fast as possible or at ``rate`` a second, each
   complete when its first picture reaches its team and opens with the team's
   key, with agencies answering at once (``benchmarks.load``);
3. the messages of every topic of the run within that window, read afterwards
   (``benchmarks.counting``);
4. the peak resident memory of each process, and optionally the worker's memory
   as open cases accumulate (``benchmarks.open_cases``);
5. the ceiling: a plain aiokafka relay over the same hops on the same broker, at
   the same offered rate, once the exchange is stopped (``benchmarks.relay``);
   with ``faust_relay``, the same relay again with the worker's hops as faust
   agents, which is what faust allows agents that do no work.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.counting import TopicCounts, count_records
from benchmarks.load import offer_contacts
from benchmarks.open_cases import grow_open_cases
from benchmarks.relay import measure_ceiling
from benchmarks.report import machine, ratio
from benchmarks.services import stop_all
from benchmarks.startup import exchange_services, prepare_keystore, start_exchange
from benchmarks.traffic import Intake, TeamInbox, accepted_contacts
from benchmarks.usage import CpuClock, own_peak_mb
from benchmarks.verdicts import targets
from broker.catalogue import Agency, catalogue, team_topic
from broker.engines.apache_kafka import ApacheKafka
from broker.engines.embedded import EmbeddedBroker
from broker.engines.process import BrokerProcess, free_port
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue
from connectors.synthetic.families import generate
from connectors.synthetic.model import Partnership
from mash.options import authority_for, settings_for

ENGINES: dict[str, type[BrokerProcess]] = {"embedded": EmbeddedBroker, "kafka": ApacheKafka}
AGENCIES = [agency.value for agency in Agency]
#: The partnership's size, the same whatever the number of contacts, so that runs
#: compare: triage compares each contact with every allocation, and connectors
#: search every agency's records, so a bigger partnership is slower per contact.
FAMILIES = 2000
#: How long the relay runs at a fixed rate, at most: its latency is steady long before.
RELAY_SECONDS = 30
#: The topics a contact passes through on its way to its team.
HOP_STREAMS = ("contacts", "requests", "responses", "shared", "pictures", "team")


@dataclass(frozen=True)
class BenchOptions:
    """What to measure, how hard, and where."""

    engine: str = "embedded"
    bootstrap: str | None = None
    contacts: int = 500
    rate: float = 0.0
    families: int = FAMILIES
    open_cases: tuple[int, ...] = ()
    relay_events: int | None = None
    faust_relay: bool = False
    wait: float = 300.0
    seed: int = 7
    workspace: Path | None = None

    def relay_event_count(self) -> int:
        """Flat out: enough events to last a while. At a rate: up to 30 s of it (100 at least)."""
        if self.relay_events is not None:
            return self.relay_events
        if self.rate > 0:
            return min(self.contacts, max(round(self.rate * RELAY_SECONDS), 100))
        return max(20 * self.contacts, 5000)


def run_bench(options: BenchOptions, say: Callable[[str], None]) -> dict[str, Any]:
    """Start the broker (unless given one), measure, stop everything; the figures."""
    with ExitStack() as stack:
        folder = options.workspace or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="mash-bench-"))
        )
        folder.mkdir(parents=True, exist_ok=True)
        bootstrap, broker_ready, broker_pid = options.bootstrap, None, None
        if bootstrap is None:
            started = time.monotonic()
            broker = stack.enter_context(ENGINES[options.engine](port=free_port()))
            bootstrap, broker_ready = broker.bootstrap, round(time.monotonic() - started, 2)
            broker_pid = broker.pid
            say(f"{options.engine} broker ready at {bootstrap} in {broker_ready:.1f} s")
        figures = asyncio.run(_measure(options, bootstrap, broker_pid, folder, say))
        figures["run"]["broker_ready_s"] = broker_ready
        return figures


async def _measure(
    options: BenchOptions,
    bootstrap: str,
    broker_pid: int | None,
    folder: Path,
    say: Callable[[str], None],
) -> dict[str, Any]:
    run = uuid.uuid4().hex[:10]
    settings = settings_for(bootstrap).model_copy(
        update={"topic_prefix": f"bench{run}.", "keystore": folder / "keys"}
    )
    partnership = _partnership(options, folder / "partnership", say)
    keystore = prepare_keystore(settings)
    teams = authority_for(settings).team_keys()
    await apply_catalogue(settings, catalogue(teams, settings.topic_prefix))
    services = exchange_services(folder)
    inbox = TeamInbox(settings, [team_topic(t, settings.topic_prefix) for t in teams], keystore)
    intake = Intake(settings, keystore)
    try:
        startup = await start_exchange(
            services, settings, folder, partnership, run, intake=intake, inbox=inbox, say=say
        )
        processes = {name: service.pid for name, service in services.items()}
        processes["benchmark (intake, teams)"] = os.getpid()
        if broker_pid is not None:
            processes[f"broker ({options.engine})"] = broker_pid
        cpu = CpuClock(processes)
        pipeline = await offer_contacts(
            partnership,
            run,
            contacts=options.contacts,
            rate=options.rate,
            within=options.wait,
            intake=intake,
            inbox=inbox,
            say=say,
        )
        pipeline["cpu"] = cpu.used(pipeline["seconds"], pipeline["completed"])
        peaks = {name: service.measure_peak() for name, service in services.items()}
        counts = await count_records(settings, pipeline.pop("window_ms"))
        pipeline.update(_messages(counts, pipeline, settings))
        say(f"{pipeline['messages_in_window']:,} messages counted on {len(counts.total)} topics")
        open_cases: list[dict[str, Any]] = []
        if options.open_cases:
            services["connectors"].stop()
            open_cases = await grow_open_cases(
                settings,
                partnership,
                run,
                list(options.open_cases),
                worker=services["worker"],
                intake=intake,
                inbox=inbox,
                cases_before=options.contacts + 1,
                within=options.wait,
                say=say,
            )
    finally:
        await intake.stop()
        await inbox.stop()
        stop_all(list(services.values()))
    say("exchange stopped; measuring the ceiling (a plain aiokafka relay)")
    hop_topics = [t for t in counts.total if _on_the_way(t, settings.topic_prefix)]
    ceiling = await measure_ceiling(
        settings,
        folder,
        events=options.relay_event_count(),
        rate=options.rate,
        record_bytes=counts.mean_record_bytes(hop_topics),
        within=options.wait,
    )
    say(f"ceiling: {ceiling['events_per_s']:,} relay events/s over {ceiling['hops']} hops")
    faust_ceiling = None
    if options.faust_relay:
        say("measuring the same relay with the worker's hops as faust agents")
        faust_ceiling = await measure_ceiling(
            settings,
            folder,
            events=options.relay_event_count(),
            rate=options.rate,
            record_bytes=ceiling["record_bytes"],
            within=options.wait,
            framework="faust",
        )
        say(f"faust relay: {faust_ceiling['events_per_s']:,} relay events/s")
    figures: dict[str, Any] = {
        "run": {
            "engine": options.engine,
            "contacts": options.contacts,
            "rate": options.rate,
            "families": options.families,
            "seed": options.seed,
            "topic_prefix": settings.topic_prefix,
            **startup,
            "services_stopped_cleanly": {n: s.stopped_cleanly for n, s in services.items()},
        },
        "machine": machine(),
        "pipeline": pipeline,
        "memory_mb": {
            "peak": {**peaks, "benchmark (intake, teams, counting)": own_peak_mb()},
            "open_cases": open_cases,
            "worker_peak_with_open_cases": services["worker"].peak_mb if open_cases else None,
        },
        "ceiling": ceiling,
        "ratios_to_ceiling": _ratios(pipeline, ceiling),
        "faust_ceiling": faust_ceiling,
        "faust_relay_to_relay": (_relay_ratios(faust_ceiling, ceiling) if faust_ceiling else None),
    }
    figures["targets"] = targets(figures)
    return figures


def _partnership(options: BenchOptions, data: Path, say: Callable[[str], None]) -> Partnership:
    """Generate the partnership and write every agency's records for its connector."""
    started = time.monotonic()
    partnership = generate(options.families, options.seed)
    for agency in AGENCIES:
        importlib.import_module(f"connectors.{agency}.synthetic").write(partnership, data / agency)
    say(
        f"{options.families:,} synthetic families ({len(partnership.contacts):,} contacts, "
        f"{len(accepted_contacts(partnership)):,} that intake accepts) "
        f"written in {time.monotonic() - started:.1f} s"
    )
    return partnership


def _messages(
    counts: TopicCounts, pipeline: dict[str, Any], settings: MashSettings
) -> dict[str, Any]:
    """Messages in the window, a second, and per contact (every topic but the allocations)."""
    in_window = sum(counts.in_window.values())
    allocations = f"{settings.topic_prefix}mash.allocations.v1"
    about_contacts = sum(n for topic, n in counts.total.items() if topic != allocations)
    return {
        "messages_in_window": in_window,
        "messages_per_s": round(in_window / pipeline["seconds"], 1),
        # The start-up contact is on the topics too: it is counted.
        "messages_per_contact": round(about_contacts / (pipeline["contacts"] + 1), 1),
        "messages_by_topic": dict(sorted(counts.total.items())),
    }


def _on_the_way(topic: str, prefix: str) -> bool:
    """Whether a contact passes through ``topic`` on its way to its team."""
    return any(topic.startswith(f"{prefix}mash.{stream}.") for stream in HOP_STREAMS)


def _ratios(pipeline: dict[str, Any], ceiling: dict[str, Any]) -> dict[str, float | None]:
    """The pipeline's figures over the relay's (throughput only when both ran flat out)."""
    flat_out = ceiling["offered_rate"] <= 0
    return {
        "contacts_per_relay_event": (
            ratio(pipeline["contacts_per_s"], ceiling["events_per_s"]) if flat_out else None
        ),
        **_relay_ratios(pipeline, ceiling),
    }


def _relay_ratios(measured: dict[str, Any], ceiling: dict[str, Any]) -> dict[str, float | None]:
    """Messages a second (flat out only) and latency of ``measured`` over the relay's."""
    latency, relay = measured["latency_s"], ceiling["latency_s"]
    flat_out = ceiling["offered_rate"] <= 0
    return {
        "messages_per_s": (
            ratio(measured["messages_per_s"], ceiling["messages_per_s"]) if flat_out else None
        ),
        "latency_p50": ratio(latency["p50"], relay["p50"]),
        "latency_p99": ratio(latency["p99"], relay["p99"]),
    }
