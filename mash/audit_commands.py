"""``mash audit``: the audit writer, and the compliance officer's tools."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click

from agents.audit_writer import SUBMITTERS, AuditWriter
from broker.audit_export import EXPORTER, ExportError, write_export
from broker.audit_verify import Checkpointed
from broker.catalogue import topic_name
from broker.envelope import Keyring
from broker.keystore import Keystore
from broker.pseudonyms import FILE_NAME as PSEUDONYM_FILE
from broker.pseudonyms import pseudonym_key
from broker.settings import MashSettings
from mash.audit_log import AuditLog, load_witness, read_file, read_topic, save_witness
from mash.audit_proof import InvalidProof, ProofUnavailable, check, prove, read_proof, write_proof
from mash.audit_query import AuditFilter, as_csv, as_json, as_table, person_refs_for, select
from mash.audit_report import compliance_report, subject_access_report
from mash.exchange_commands import keystore_for
from mash.options import (
    authority_for,
    bootstrap_option,
    settings_for,
    signals_set,
    stop_on_signals,
)

keys_option = click.option(
    "--keys",
    "keys",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of trusted public keys (*.pub) to verify with, e.g. on a machine that "
    "holds no private key. Default: the keystore (MASH_KEYSTORE).",
)


@click.group()
def audit() -> None:
    """The sharing audit: write the chain; verify, export, query, report; prove a record in it."""


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
    # Interrupted only by a signal before the writer ran, or by a second one.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run_writer(writer, stop, settings))
    click.echo("audit writer stopped", err=True)


async def _run_writer(writer: AuditWriter, stop: asyncio.Event, settings: MashSettings) -> None:
    """Run the writer until Ctrl-C or SIGTERM sets ``stop``; it then checkpoints and stops.

    Only ``stop`` is set (``signals_set``), so the writer chains and commits
    the batch in hand, checkpoints, leaves its group and closes its clients
    itself, within a second. A signal that interrupted the event loop instead
    also cancelled aiokafka's own tasks: the writer then stopped without its
    checkpoint, or hung 40 s on Apache Kafka waiting to leave its group.
    """
    with signals_set(stop):
        ready = asyncio.Event()
        running = asyncio.create_task(writer.run(stop, ready))
        await asyncio.wait(
            [running, asyncio.create_task(ready.wait())], return_when="FIRST_COMPLETED"
        )
        if not running.done():
            click.echo(
                f"audit writer ready on {settings.bootstrap_servers}; Ctrl-C to stop", err=True
            )
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
            f"partition {number}: {head.sequence} record(s), {state.checkpoints} checkpoint(s), "
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


def _records(settings: MashSettings, file: Path | None, keys: Path | None) -> AuditLog:
    """The verified records of the topic or an export; a broken log is warned about."""
    log = _read(settings, _keyring(settings, keys), file, None)
    for broken in log.verdict.breaks:
        click.echo(f"mash: warning: {broken}; records after it are left out as untrusted", err=True)
    return log


def _person_refs(settings: MashSettings, people: tuple[str, ...]) -> frozenset[bytes] | None:
    if not people:
        return None
    folder = keystore_for(settings).folder
    if not (folder / PSEUDONYM_FILE).exists():
        raise click.ClickException(
            f"no pseudonym key {folder / PSEUDONYM_FILE}: looking a person up needs the "
            "authority's audit.hmac key (MASH_KEYSTORE)"
        )
    identifiers = []
    for person in people:
        scheme, colon, value = person.partition(":")
        if not colon or not value.strip():
            raise click.BadParameter(f"{person!r} is not SCHEME:VALUE", param_hint="--person")
        identifiers.append((scheme, value))
    return person_refs_for(pseudonym_key(folder)[1], identifiers)


file_option = click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read an export file (from 'mash audit export') instead of the topic.",
)
person_option = click.option(
    "--person",
    "people",
    metavar="SCHEME:VALUE",
    multiple=True,
    help="A person by an identifier, e.g. NHS_NUMBER:9990004129 (repeat for more of "
    "theirs); hashed with the keystore's pseudonym key to find their records.",
)


@audit.command("query")
@file_option
@keys_option
@click.option("--case", "case_id", type=click.UUID, help="One case's records.")
@click.option("--agency", help="Records about, from or to an agency, e.g. police.")
@click.option("--team", help="Records of disclosures to a team, e.g. mash-duty.")
@click.option(
    "--decision",
    "decisions",
    multiple=True,
    help="Records of an action, e.g. withheld, shared, consent-override (repeatable).",
)
@click.option(
    "--lawful-basis", help="Records relying on a lawful basis, e.g. CHILDREN_ACT_1989_S47."
)
@click.option("--overridden", is_flag=True, help="Only records made under a consent override.")
@click.option("--rule", help="Records decided by a rule id, e.g. early-help-needs-consent.")
@click.option("--since", type=click.DateTime(), help="From this UTC date/time (inclusive).")
@click.option("--until", type=click.DateTime(), help="Before this UTC date/time.")
@person_option
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@bootstrap_option
def query(
    file: Path | None,
    keys: Path | None,
    case_id: uuid.UUID | None,
    agency: str | None,
    team: str | None,
    decisions: tuple[str, ...],
    lawful_basis: str | None,
    overridden: bool,
    rule: str | None,
    since: datetime | None,
    until: datetime | None,
    people: tuple[str, ...],
    output: str,
    bootstrap: str | None,
) -> None:
    """Find audit records: by case, agency, team, decision, basis, rule, time or person.

    Only records whose chain verifies are shown. Output is a table, JSON or CSV.
    """
    settings = settings_for(bootstrap)
    chosen = AuditFilter(
        case_id=case_id,
        agency=agency,
        team=team,
        decision=decisions or None,
        lawful_basis=lawful_basis,
        consent_overridden=True if overridden else None,
        rule=rule,
        since=since.replace(tzinfo=UTC) if since else None,
        until=until.replace(tzinfo=UTC) if until else None,
        person_refs=_person_refs(settings, people),
    )
    found = select(_records(settings, file, keys).records, chosen)
    click.echo({"table": as_table, "json": as_json, "csv": as_csv}[output](found), nl=False)
    click.echo(f"{len(found)} record(s)", err=True)


@audit.command("report")
@file_option
@keys_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The HTML file to write (self-contained: open it in any browser, or print it).",
)
@person_option
@click.option(
    "--label",
    default="the person",
    show_default=True,
    help="How the subject-access report names the person (the only personal data it shows).",
)
@bootstrap_option
def report(
    file: Path | None,
    keys: Path | None,
    out: Path,
    people: tuple[str, ...],
    label: str,
    bootstrap: str | None,
) -> None:
    """Write the compliance report, or with --person a subject-access report, as HTML.

    The compliance report: sharing per agency over time, withheld against
    shared, consent overrides and their reasons, agency answers against RAG
    deadlines, contacts decided within the decision standard.
    """
    settings = settings_for(bootstrap)
    log = _records(settings, file, keys)
    now = datetime.now(UTC)
    refs = _person_refs(settings, people)
    if refs is not None:
        html = subject_access_report(
            log.records, person_refs=refs, person_label=label, generated_at=now
        )
    else:
        verification = (
            f"{log.source}: {len(log.records)} records, chain intact"
            if log.verdict.intact
            else f"{log.source}: BROKEN: " + "; ".join(map(str, log.verdict.breaks))
        )
        authority = authority_for(settings)
        html = compliance_report(
            log.records,
            timings=authority.timings,
            title=f"MASH Exchange sharing audit: {authority.name}",
            generated_at=now,
            verification=verification,
        )
    out.write_text(html, encoding="utf-8")
    click.echo(f"wrote {out} ({len(log.records)} records)", err=True)


@audit.command("prove")
@click.argument("record_id", metavar="RECORD_ID", type=click.UUID)
@file_option
@keys_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The proof file to write (JSON), for 'mash audit check-proof'.",
)
@click.option(
    "--latest-checkpoint",
    is_flag=True,
    help="Prove against the partition's latest checkpoint instead of the first that "
    "covers the record, e.g. to match a checkpoint the recipient already holds.",
)
@bootstrap_option
def prove_command(
    record_id: uuid.UUID,
    file: Path | None,
    keys: Path | None,
    out: Path,
    latest_checkpoint: bool,
    bootstrap: str | None,
) -> None:
    """Write a proof that one audit record is in the log, to hand to someone else.

    The proof holds the record, a checkpoint of its partition signed by the
    audit writer, and the Merkle audit path between them (about log2(n)
    hashes). Whoever receives it checks it with 'mash audit check-proof' and the
    writer's public key alone, without the log. The record (find its id with
    'mash audit query --format json') must already be covered by a checkpoint.
    """
    settings = settings_for(bootstrap)
    log = _records(settings, file, keys)
    try:
        proof = prove(log, record_id, latest=latest_checkpoint)
    except ProofUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    write_proof(out, proof)
    click.echo(
        f"wrote {out}: record {record_id}, index {proof.leaf_index} of partition "
        f"{proof.partition}, {len(proof.audit_path)} path hash(es)",
        err=True,
    )


@audit.command("check-proof")
@click.argument(
    "proof_file",
    metavar="PROOF.json",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
)
@keys_option
def check_proof(proof_file: Path, keys: Path | None) -> None:
    """Check a proof from 'mash audit prove', offline, and print what it proves.

    Checks that the record and the checkpoint are each in canonical encoding
    and signed by a trusted audit writer key, that the record is at the place
    the proof gives in the checkpoint's partition, and that the audit path
    leads from the record to the checkpoint's Merkle root. Needs no broker and
    no log: only the public keys (--keys DIR). Exits 1 when the proof does not hold.
    """
    keyring = _keyring(settings_for(None), keys)
    try:
        proven = check(read_proof(proof_file), keyring)
    except InvalidProof as exc:
        click.echo(f"NOT PROVEN: {proof_file}: {exc}", err=True)
        raise SystemExit(1) from exc
    width = max(len(label) for label, _ in proven.summary())
    for label, value in proven.summary():
        click.echo(f"{label:<{width}}  {value}")
    click.echo(f"{proof_file}: proven, the record is in the signed audit log", err=True)
