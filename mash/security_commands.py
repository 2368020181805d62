"""``mash security``: the ACLs that enforce who may read and write each topic."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from pydantic import SecretStr

from broker.acls import Acl, acl_table, apply_acls, derive_acls
from broker.credentials import principals
from broker.errors import ConfigurationError
from broker.kafka_deploy import hand_over, write_deployment
from broker.scram_users import upsert_users
from broker.settings import MashSettings, read_secret_file
from mash.options import authority_for, bootstrap_option, catalogue_for, settings_for, table

HEADERS = ("principal", "resource", "name", "pattern", "operation", "permission")


@click.group()
def security() -> None:
    """Broker-side security: SCRAM users and ACLs derived from the topic catalogue."""


def derived_for(settings: MashSettings) -> tuple[Acl, ...]:
    """The ACLs for the configured authority's catalogue and topic prefix."""
    teams = authority_for(settings).team_keys()
    return derive_acls(catalogue_for(settings), teams, settings.topic_prefix)


@security.command("apply")
@bootstrap_option
@click.option("--dry-run", is_flag=True, help="Print the ACLs without connecting to a broker.")
@click.option(
    "--credentials",
    "credentials_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also create (or set the password of) the SCRAM-SHA-512 user of every principal "
    "the ACLs name, from its USER.password file in this folder (as 'mash security "
    "deploy' writes them).",
)
def apply(bootstrap: str | None, dry_run: bool, credentials_dir: Path | None) -> None:
    """Create the ACLs the exchange needs; print them.

    Idempotent: ACLs already on the broker are left as they are, and ACLs the
    catalogue does not call for are reported, never deleted. Run it as a super
    user (MASH_SASL_USERNAME) against a broker with an authorizer.
    """
    settings = settings_for(bootstrap)
    acls = derived_for(settings)
    if dry_run:
        click.echo(table(acl_table(acls), HEADERS))
        click.echo(f"{len(acls)} ACLs (dry run: nothing sent)")
        return
    if credentials_dir is not None:
        users = _passwords(credentials_dir, authority_for(settings).team_keys(), settings)
        asyncio.run(upsert_users(settings, users))
        click.echo(f"{len(users)} SCRAM users set: {', '.join(sorted(users))}")
    report = asyncio.run(apply_acls(settings, acls))
    created = set(report.created)
    rows = [(*acl.row(), "created" if acl in created else "present") for acl in acls]
    click.echo(table(rows, (*HEADERS, "outcome")))
    for acl in report.extra:
        click.echo("not derived (left as is): " + " ".join(acl.row()))
    click.echo(
        f"{len(report.created)} created, {len(report.present)} present, "
        f"{len(report.extra)} not derived, on {settings.bootstrap_servers}"
    )


def _passwords(folder: Path, teams: list[str], settings: MashSettings) -> dict[str, SecretStr]:
    """Each principal's password from its file, but the user applying (it exists already)."""
    users = [name for name in principals(teams) if name != settings.sasl_username]
    found: dict[str, SecretStr] = {}
    missing = [name for name in users if not (folder / f"{name}.password").exists()]
    if missing:
        raise ConfigurationError(
            f"{folder} has no password file for {', '.join(missing)} "
            "(run 'mash security deploy' to make them)"
        )
    for name in users:
        try:
            found[name] = SecretStr(read_secret_file(folder / f"{name}.password"))
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from exc
    return found


@security.command("deploy")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write into (docker-compose.yml: the volume at /var/lib/mash/security).",
)
@click.option(
    "--host",
    default="kafka",
    show_default=True,
    help="The name clients and the broker reach the broker by; its certificate names it.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=9092, show_default=True)
@click.option("--controller-port", type=click.IntRange(1, 65535), default=9093, show_default=True)
@click.option(
    "--log-dirs",
    default="/var/lib/kafka/data",
    show_default=True,
    help="The broker's data folder, as the broker sees it.",
)
@click.option(
    "--kafka-uid",
    type=click.IntRange(0),
    help="Give OUT/kafka to this user (apache/kafka runs as 1000); needs root.",
)
@click.option(
    "--services-uid",
    type=click.IntRange(0),
    help="Give OUT/credentials to this user (the exchange's image runs as 10001); needs root.",
)
def deploy(
    out: Path,
    host: str,
    port: int,
    controller_port: int,
    log_dirs: str,
    kafka_uid: int | None,
    services_uid: int | None,
) -> None:
    """Write what a secured Apache Kafka and every service need to run.

    OUT/kafka: the broker's CA, certificate, own password, server.properties
    (SASL_SSL with SCRAM-SHA-512, mutual TLS to the controller, ACLs enforced)
    and its first users (itself and admin), for deploy/kafka-start.sh.
    OUT/ca.pem: the CA clients trust. OUT/credentials: USER.password and
    USER.env for each principal the ACLs name. Passwords are never printed.

    Safe to run again: keys, passwords and the cluster id are kept; a new
    principal (a new team) gets its credentials. Then, as admin, run
    'mash topics create' and 'mash security apply --credentials OUT/credentials'.
    """
    teams = authority_for(settings_for(None)).team_keys()
    deployment = write_deployment(
        out, teams, host=host, port=port, controller_port=controller_port, log_dirs=log_dirs
    )
    hand_over(deployment, kafka_uid, services_uid)
    click.echo(f"broker files: {deployment.kafka}")
    click.echo(f"clients trust: {deployment.ca_file}")
    click.echo(f"credentials of {len(deployment.users)} users: {deployment.credentials}")
    click.echo(f"bootstrap: {deployment.bootstrap}")
