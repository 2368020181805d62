"""``mash audit``: the audit writer, and the compliance officer's tools."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import click

from agents.audit_writer import SUBMITTERS, AuditWriter
from broker.audit_export import EXPORTER, ExportError, write_export
from broker.audit_verify import Checkpointed
from broker.catalogue import topic_name
from broker.envelope import Keyring
from broker.keystore import Keystore
from broker.settings import MashSettings
from mash.audit_log import AuditLog, load_witness, read_file, read_topic, save_witness
from mash.exchange_commands import keystore_for
from mash.options import bootstrap_option, settings_for, stop_on_signals

keys_option = click.option(
    "--keys",
    "keys",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of trusted public keys (*.pub) to verify with, e.g. on a machine that "
    "holds no private key. Default: the keystore (MASH_KEYSTORE).",
)


@click.group()
def audit() -> None:
    """The sharing audit: write the chain, verify it, export it."""


@audit.command("writer")
@bootstrap_option
@click.option(
    "--checkpoint-every",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Records between signed checkpoints while submissions keep coming "
    "(a pause always checkpoints).",
)
def writer(bootstrap: str | None, checkpoint_every: int) -> None:
    """Run the audit writer: chain, sign and checkpoint mash.audit.pending.v1 into mash.audit.v1.

    Only the writer writes the audit topic. Each partition it is given is read
    through and verified first; it will not extend a broken chain. Runs until
    Ctrl-C or SIGTERM, then checkpoints what it has chained.
    """
    settings = settings_for(bootstrap)
    stop_on_signals()
    writer = AuditWriter(settings, keystore_for(settings), SUBMITTERS,
                         checkpoint_every=checkpoint_every)  # fmt: skip
    stop = asyncio.Event()
    try:
        asyncio.run(_run_writer(writer, stop, settings))
    except KeyboardInterrupt:
        click.echo("audit writer stopped", err=True)


async def _run_writer(writer: AuditWriter, stop: asyncio.Event, settings: MashSettings) -> None:
    ready = asyncio.Event()
    running = asyncio.create_task(writer.run(stop, ready))
    await asyncio.wait([running, asyncio.create_task(ready.wait())], return_when="FIRST_COMPLETED")
    if not running.done():
        click.echo(f"audit writer ready on {settings.bootstrap_servers}; Ctrl-C to stop", err=True)
    try:
        await running
    except asyncio.CancelledError:
        stop.set()
        await running
        raise


@audit.command("verify")
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Verify an export file (from 'mash audit export') instead of the topic.",
)
@keys_option
@click.option(
    "--witness",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File of the checkpoints seen by the last verification: the log must still "
    "hold them (catches a log cut short or rewritten); updated when the log verifies.",
)
@bootstrap_option
def verify(
    file: Path | None, keys: Path | None, witness: Path | None, bootstrap: str | None
) -> None:
    """Check the audit chain, its signatures and its checkpoints.

    Prints each partition's records, checkpoints and head; for a broken
    partition, the first broken place (partition, offset, what is wrong). Exits
    1 when anything does not verify.
    """
    settings = settings_for(bootstrap)
    keyring = _keyring(settings, keys)
    expected = load_witness(witness) if witness else None
    log = _read(settings, keyring, file, expected)
    for number, state in log.verdict.partitions.items():
        head = state.head
        line = (
            f"partition {number}: {head.sequence} records, {state.checkpoints} checkpoints, "
            f"last checkpoint covers {head.checkpointed}"
        )
        if state.duplicates:
            line += f", {len(state.duplicates)} exact duplicate(s) skipped (producer retries)"
        click.echo(line)
    for broken in log.verdict.breaks:
        click.echo(f"BROKEN: {broken}", err=True)
    if not log.verdict.intact:
        raise SystemExit(1)
    if witness:
        save_witness(witness, log.verdict, log.source)
    click.echo(f"{log.source}: {len(log.records)} records verified, chain intact", err=True)


@audit.command("export")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The export file to write (JSON Lines).",
)
@bootstrap_option
def export(out: Path, bootstrap: str | None) -> None:
    """Export the audit topic to a signed file that verifies offline.

    The log is verified first; a broken log is not exported. The file is signed
    with the keystore's 'audit.export' key; 'mash audit verify --file OUT --keys
    DIR' checks it on another machine with only the public keys.
    """
    settings = settings_for(bootstrap)
    keystore = keystore_for(settings)
    log = _read(settings, keystore.keyring(), None, None)
    if not log.verdict.intact:
        for broken in log.verdict.breaks:
            click.echo(f"BROKEN: {broken}", err=True)
        raise click.ClickException("the audit log does not verify; nothing exported")
    with out.open("w", encoding="utf-8") as stream:
        count = write_export(
            stream,
            log.entries,
            lambda: log.verdict,
            topic=topic_name("audit", settings.topic_prefix),
            key=keystore.signing_key(EXPORTER),
            exported_at=datetime.now(UTC),
        )
    click.echo(f"exported {count} entries ({len(log.records)} records) to {out}", err=True)


def _keyring(settings: MashSettings, keys: Path | None) -> Keyring:
    return Keystore(keys).keyring() if keys else keystore_for(settings).keyring()


def _read(
    settings: MashSettings,
    keyring: Keyring,
    file: Path | None,
    witness: dict[int, Checkpointed] | None,
) -> AuditLog:
    if file is None:
        return asyncio.run(read_topic(settings, keyring, witness))
    try:
        return read_file(file, keyring)
    except ExportError as exc:
        click.echo(f"BROKEN: {file}: {exc}", err=True)
        raise SystemExit(1) from exc
