"""``mash connector run``, ``mash connectors run`` and ``mash data generate``."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import time
from importlib.metadata import entry_points
from pathlib import Path

import click

from broker.catalogue import Agency
from broker.errors import ConfigurationError
from broker.plain import to_plain
from broker.settings import MashSettings
from connectors.answer import RecordIndex
from connectors.records import AgencyBackend
from connectors.service import TRIAGE, Connector, publish_allocations
from mash.exchange_commands import keystore_for
from mash.options import bootstrap_option, settings_for, signals_set, stop_on_signals

AGENCIES = [agency.value for agency in Agency]
ENTRY_POINTS = "mash.connectors"
SENDERS = [*AGENCIES, TRIAGE, "intake"]

log = logging.getLogger(__name__)


def backend_for(agency: str) -> AgencyBackend:
    """The installed backend for an agency, found through the entry-point group.

    Raises:
        ConfigurationError: no installed package provides one.
    """
    found = {point.name: point for point in entry_points(group=ENTRY_POINTS)}
    if agency not in found:
        raise ConfigurationError(
            f"no connector for {agency} is installed (entry-point group {ENTRY_POINTS})"
        )
    backend: AgencyBackend = found[agency].load()()
    return backend


def load_records(agency: str, data: Path) -> RecordIndex:
    """An agency's records from its folder under ``data``, indexed for matching."""
    folder = data / agency
    if not folder.is_dir():
        raise ConfigurationError(f"no {agency} data in {folder}")
    started = time.perf_counter()
    records = list(backend_for(agency).load(folder))
    index = RecordIndex(records)
    log.info("%s: %d people loaded in %.1f s", agency, len(records), time.perf_counter() - started)
    return index


def agency_folders(data: Path) -> list[str]:
    """The agencies with a folder under ``data``."""
    found = [agency for agency in AGENCIES if (data / agency).is_dir()]
    if not found:
        raise ConfigurationError(
            f"{data} holds no agency folder ({', '.join(AGENCIES)}); "
            "create them with 'mash data generate --out DIR'"
        )
    return found


async def run_connectors(agencies: list[str], data: Path, settings: MashSettings) -> None:
    """Run connectors for ``agencies`` until Ctrl-C or SIGTERM, then stop them cleanly.

    The signal only sets ``stop`` (``signals_set``): each connector answers and
    commits the batch in hand, then leaves its group and closes its clients
    itself, within a second. A signal that interrupted the event loop instead
    also cancelled aiokafka's own tasks, and the connectors' shutdown then
    hung 40 s on Apache Kafka, or skipped leaving the group.
    """
    stop = asyncio.Event()
    with signals_set(stop):
        keystore = keystore_for(settings)
        keystore.ensure([*agencies, TRIAGE])
        connectors = [
            Connector(Agency(agency), load_records(agency, data), settings, keystore)
            for agency in agencies
        ]
        if "social_care" in agencies:
            allocations = backend_social_care_allocations(data)
            sent = await publish_allocations(allocations, settings, keystore)
            log.info("social_care: %d allocation(s) published", sent)
        if stop.is_set():  # stopped while loading
            return
        readies = [asyncio.Event() for _ in connectors]
        tasks = [
            asyncio.create_task(connector.run(stop, ready))
            for connector, ready in zip(connectors, readies, strict=True)
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), 120)
            click.echo(
                f"connectors ready for {', '.join(agencies)} on {settings.bootstrap_servers}; "
                "Ctrl-C to stop",
                err=True,
            )
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            pass
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)


def backend_social_care_allocations(data: Path) -> list[dict[str, object]]:
    """The allocations in the social care export (published to the compacted topic)."""
    backend = backend_for("social_care")
    allocations = getattr(backend, "allocations", None)
    if allocations is None:
        return []
    found: list[dict[str, object]] = allocations(data / "social_care")
    return found


def _run(agencies: list[str], data: Path, bootstrap: str | None) -> None:
    settings = settings_for(bootstrap)
    stop_on_signals()
    # Interrupted only by a signal before the connectors ran, or by a second one.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_connectors(agencies, data, settings))
    click.echo("connectors stopped", err=True)


@click.group()
def connector() -> None:
    """Run one agency's connector."""


@connector.command("run")
@click.argument("agency", type=click.Choice(AGENCIES))
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="Folder holding the agency's export in a subfolder named after it.",
)
@bootstrap_option
def run_one(agency: str, data: Path, bootstrap: str | None) -> None:
    """Answer AGENCY's information requests from its records in DATA/AGENCY."""
    _run([agency], data, bootstrap)


@click.group()
def connectors() -> None:
    """Run every agency's connector at once."""


@connectors.command("run")
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="Folder with one subfolder per agency (as 'mash data generate' writes).",
)
@bootstrap_option
def run_all(data: Path, bootstrap: str | None) -> None:
    """Answer every agency's requests, for each agency with a folder in DATA."""
    _run(agency_folders(data), data, bootstrap)


@click.group()
def data() -> None:
    """Synthetic partnership data for trying, testing and benchmarking."""


@data.command("generate")
@click.option("--families", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write: one subfolder per agency, plus contacts/.",
)
def generate(families: int, seed: int, out: Path) -> None:
    """Write every agency's native records for FAMILIES synthetic families.

    People are consistent across agencies, with realistic noise (name variants,
    missing identifiers, house moves, people known to one agency only); contacts
    across levels of need, consent states and office hours go to OUT/contacts.
    Nothing in it is real personal data.
    """
    # Imported here: the name pools load only when data is generated.
    from connectors.synthetic.families import generate as generate_partnership

    started = time.perf_counter()
    with click.progressbar(
        length=families, label="families", file=click.get_text_stream("stderr")
    ) as bar:
        partnership = generate_partnership(
            families, seed, progress=lambda done, total: bar.update(done - bar.pos)
        )
        bar.update(families - bar.pos)
    out.mkdir(parents=True, exist_ok=True)
    for agency in AGENCIES:
        writer = importlib.import_module(f"connectors.{agency}.synthetic")
        count = writer.write(partnership, out / agency)
        click.echo(f"{agency}: {count} people", err=True)
    contacts = out / "contacts"
    contacts.mkdir(exist_ok=True)
    for value in partnership.contacts:
        path = contacts / f"{value['contact_id']}.json"
        path.write_text(json.dumps(to_plain(value), indent=2) + "\n", encoding="utf-8")
    click.echo(f"contacts: {len(partnership.contacts)} in {contacts}", err=True)
    keystore_for(settings_for(None)).ensure(SENDERS)
    elapsed = time.perf_counter() - started
    click.echo(f"{families} families (seed {seed}) written to {out} in {elapsed:.1f} s")
