"""``mash keys init | list | rotate | revoke | export-public``: the keystore, managed.

The keystore folder (``MASH_KEYSTORE``) and its file layout are described in
broker.keystore. These commands create every key a deployment needs, show them
(never their private bytes), rotate a sender's signing key, revoke a retired one
and copy the public files for services and sites that only verify.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from agents.context import AGENTS
from broker.audit_chain import WRITER
from broker.audit_export import EXPORTER
from broker.authority import load_authority
from broker.case_keys import ERASER
from broker.catalogue import Agency
from broker.decisions import CONSOLE
from broker.engines.kafka_config import BrokerTls
from broker.errors import ConfigurationError
from broker.keystore import RESERVED_SENDER_PREFIX, Keystore
from broker.pseudonyms import FILE_NAME as PSEUDONYM_FILE
from broker.pseudonyms import pseudonym_key
from broker.sealing import team_key_id_for
from connectors.intake import INTAKE
from mash.exchange_commands import keystore_for
from mash.options import authority_for, json_option, settings_for, table


def deployment_senders() -> list[str]:
    """Every sender that signs in a deployment: agencies, agents, intake, audit, eraser, console."""
    return [
        *(agency.value for agency in Agency),
        *AGENTS,
        INTAKE,
        WRITER,
        EXPORTER,
        ERASER,
        CONSOLE,
    ]


@click.group()
def keys() -> None:
    """Create and manage the keystore: signing, team and pseudonym keys.

    The keystore is the folder named by $MASH_KEYSTORE (by default under
    ~/.local/share). It holds an Ed25519 signing key per
    agency connector, agent and service (<sender>.key, mode 0600, with its public
    <sender>.pub), an X25519 key per team (team.<team>.x25519 and .x25519.pub)
    and the HMAC key behind the audit's pseudonyms (audit.hmac). Private files
    readable by others are refused: fix them with chmod 600. Every key has an id
    (ed25519:..., x25519:..., hmac:...).

    After `rotate`, the old public key is kept as <sender>.<id>.pub (retired):
    messages signed before still verify, new ones use the new key. `revoke`
    marks a retired key revoked: its messages are refused (dead-lettered as
    UNKNOWN_KEY). Team keys are not rotated.
    """


@keys.command("init")
@click.option(
    "--authority",
    "authority_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The authority file (TOML) whose teams get a key. Default: "
    "$MASH_AUTHORITY_FILE, else the bundled Wigan sample.",
)
@click.option(
    "--tls-host",
    "tls_hosts",
    multiple=True,
    metavar="HOST",
    help="Also make a TLS CA and a broker certificate for HOST (repeat for each name or IP "
    "clients reach the broker by) in KEYSTORE/tls: ca.pem for clients (MASH_SSL_CAFILE), "
    "ca.key, and broker.pem (key and chain: a PEM keystore for Kafka's "
    "ssl.keystore.location). Kept if ca.pem exists.",
)
def init(authority_file: Path | None, tls_hosts: tuple[str, ...]) -> None:
    """Create every key the deployment needs; keys that exist are kept.

    Signing keys for each agency (police, health, education, housing, probation,
    social_care), each agent, intake, audit.writer, audit.export,
    case.eraser and mash.console (the web console); an encryption key for
    each team of the authority; the audit's pseudonym key. Safe to run again:
    it only adds what is missing and says what it created. Exits 1 if a key
    file is refused (readable by others or not a key).
    """
    settings = settings_for(None)
    authority = load_authority(authority_file) if authority_file else authority_for(settings)
    keystore = keystore_for(settings)
    rows: list[list[str]] = []
    refused: list[str] = []
    for sender in deployment_senders():
        existed = keystore.has_signing_key(sender)
        try:
            key_id = keystore.signing_key(sender).key_id
        except ConfigurationError as exc:
            refused.append(str(exc))
            continue
        rows.append(["kept" if existed else "created", sender, "ed25519", key_id])
    for team in authority.team_keys():
        existed = keystore.has_team_key(team)
        try:
            key_id = team_key_id_for(keystore.team_key(team).public_key())
        except ConfigurationError as exc:
            refused.append(str(exc))
            continue
        rows.append(["kept" if existed else "created", f"team.{team}", "x25519", key_id])
    existed = (keystore.folder / PSEUDONYM_FILE).exists()
    try:
        key_id, _ = pseudonym_key(keystore.folder)
        rows.append(["kept" if existed else "created", "audit (pseudonyms)", "hmac", key_id])
    except ConfigurationError as exc:
        refused.append(str(exc))
    if tls_hosts:
        rows += _tls_material(keystore.folder / "tls", tls_hosts)
    click.echo(f"keystore {keystore.folder}")
    click.echo(table(rows, ["", "OWNER", "KIND", "KEY ID"]))
    created = sum(1 for row in rows if row[0] == "created")
    click.echo(f"created {created} keys, kept {len(rows) - created}")
    _warn_if_folder_open(keystore.folder)
    if refused:
        for problem in refused:
            click.echo(f"refused: {problem}", err=True)
        raise click.ClickException(f"{len(refused)} key file(s) refused; the other keys are ready")


def _tls_material(folder: Path, hosts: tuple[str, ...]) -> list[list[str]]:
    """A CA and a broker certificate for ``hosts`` in ``folder``, unless the CA exists."""
    made = BrokerTls(folder).make_certificates(hosts)
    if not made:
        ca = x509.load_pem_x509_certificate(BrokerTls(folder).ca_file.read_bytes())
        return [["kept", "tls CA", "x509", _fingerprint(ca)]]
    ca, broker = made
    return [
        ["created", "tls CA", "x509", _fingerprint(ca)],
        ["created", f"tls broker ({', '.join(hosts)})", "x509", _fingerprint(broker)],
    ]


def _fingerprint(certificate: x509.Certificate) -> str:
    return "sha256:" + certificate.fingerprint(hashes.SHA256()).hex()[:16]


@keys.command("list")
@json_option
def list_keys(as_json: bool) -> None:
    """Show every key in the keystore: owner, kind, key id, status, created.

    Status is active, retired (rotated out, still verifies old messages) or
    revoked (its messages are refused). PRIVATE says whether this keystore holds
    the private half; no private key material is ever printed. The count of
    per-case keys (cases/) is shown too.
    """
    keystore = keystore_for(settings_for(None))
    found = keystore.keys() if keystore.folder.is_dir() else []
    cases = keystore.folder / "cases"
    held = len(list(cases.glob("*.key"))) if cases.is_dir() else 0
    erased = len(list(cases.glob("*.erased"))) if cases.is_dir() else 0
    if as_json:
        document = {
            "keystore": str(keystore.folder),
            "keys": [key.as_json() for key in found],
            "case_keys": held,
            "erased_cases": erased,
        }
        click.echo(json.dumps(document, indent=2))
        return
    if not found:
        click.echo(f"no keys in {keystore.folder}; run: mash keys init")
        return
    rows = [
        [key.owner, key.kind, key.key_id, key.status, key.created, "yes" if key.private else "no"]
        for key in found
    ]
    click.echo(f"keystore {keystore.folder}")
    click.echo(table(rows, ["OWNER", "KIND", "KEY ID", "STATUS", "CREATED", "PRIVATE"]))
    click.echo(f"{held} case keys in cases/, {erased} cases erased")


@keys.command("rotate")
@click.argument("sender")
def rotate(sender: str) -> None:
    """Give SENDER a new key: a signing key, or a team's encryption key.

    SENDER is an agency (police), an agent (agent.triage), intake, audit.writer,
    audit.export or case.eraser: the old private key is destroyed, and its
    public key stays trusted as retired, so messages it signed still verify.
    Copy the new public files to every service that verifies SENDER's messages
    (see export-public), then restart the services that sign as SENDER: until
    restarted they keep signing with the old key.

    Or SENDER is team.TEAM (team.mash-duty): the team gets a new encryption key,
    which the worker seals new pictures to from its next picture on; the old
    private key is kept, as retired, so the team still opens older pictures.
    """
    keystore = keystore_for(settings_for(None))
    if sender.startswith(RESERVED_SENDER_PREFIX):
        _rotate_team(keystore, sender.removeprefix(RESERVED_SENDER_PREFIX))
        return
    try:
        old, new = keystore.rotate(sender)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"rotated {sender}: old key {old} (retired, still verifies), new key {new}")
    click.echo("the old private key was destroyed")
    click.echo(
        f"next: copy {sender}.pub and the retired {sender}.{old.split(':')[1]}.pub from "
        f"{keystore.folder} to every service that verifies {sender}'s messages "
        "(mash keys export-public --out DIR), and restart the services that sign as "
        f"{sender}; to refuse the old key's messages later: mash keys revoke {sender} {old}"
    )


def _rotate_team(keystore: Keystore, team: str) -> None:
    try:
        old, new = keystore.rotate_team(team)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"rotated team.{team}: old key {old} (retired, kept to open older pictures)")
    click.echo(f"new key {new}: the worker seals {team}'s pictures to it from now on")
    click.echo(
        f"next: copy team.{team}.x25519.pub to the worker's keystore if it is another "
        f"one (mash keys export-public --out DIR), and team.{team}.x25519 with the retired "
        f"team.{team}.{old.split(':')[1]}.x25519 to the team's"
    )


@keys.command("revoke")
@click.argument("sender")
@click.argument("key_id")
def revoke(sender: str, key_id: str) -> None:
    """Revoke SENDER's retired key KEY_ID: its messages are refused from now on.

    For a key that is lost or compromised. Messages it signed are dead-lettered
    as UNKNOWN_KEY, and audit records or exports it signed no longer verify. The
    active key cannot be revoked: rotate it first (mash keys rotate SENDER). The
    key's public file is kept, marked revoked, so that copying the public files
    to other services carries the revocation; restart them to apply it.
    """
    keystore = keystore_for(settings_for(None))
    try:
        path = keystore.revoke(sender, key_id)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {sender} key {key_id}: its messages are now refused (UNKNOWN_KEY)")
    click.echo(
        f"next: copy {path.name} to every service that verifies {sender}'s messages "
        "(mash keys export-public --out DIR) and restart them"
    )


@keys.command("export-public")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to copy the public key files into (created if missing).",
)
def export_public(out: Path) -> None:
    """Copy only the public key files (*.pub) of the keystore into --out.

    Active, retired and revoked signing keys and the teams' public keys; never
    a private key, the pseudonym key or a case key. The folder is what
    `mash audit verify --keys DIR` and `mash audit check-proof --keys DIR` need
    offline, or what another service or site needs to verify and seal.
    """
    keystore = keystore_for(settings_for(None))
    if not keystore.folder.is_dir():
        raise click.ClickException(f"no keystore at {keystore.folder}; run: mash keys init")
    try:
        copied = keystore.export_public(out)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in copied:
        click.echo(path.name)
    click.echo(f"copied {len(copied)} public key files to {out}; no private key was copied")


def _warn_if_folder_open(folder: Path) -> None:
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        click.echo(
            f"warning: {folder} is open to others (mode {mode:o}); consider: chmod 700 {folder}",
            err=True,
        )
