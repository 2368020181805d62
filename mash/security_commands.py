"""``mash security``: the ACLs that enforce who may read and write each topic."""

from __future__ import annotations

import asyncio

import click

from broker.acls import Acl, acl_table, apply_acls, derive_acls
from broker.settings import MashSettings
from mash.options import authority_for, bootstrap_option, catalogue_for, settings_for, table

HEADERS = ("principal", "resource", "name", "pattern", "operation", "permission")


@click.group()
def security() -> None:
    """Broker-side access control (ACLs) derived from the topic catalogue."""


def derived_for(settings: MashSettings) -> tuple[Acl, ...]:
    """The ACLs for the configured authority's catalogue and topic prefix."""
    teams = authority_for(settings).team_keys()
    return derive_acls(catalogue_for(settings), teams, settings.topic_prefix)


@security.command("apply")
@bootstrap_option
@click.option("--dry-run", is_flag=True, help="Print the ACLs without connecting to a broker.")
def apply(bootstrap: str | None, dry_run: bool) -> None:
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
