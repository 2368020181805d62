"""``mash worker``: run the stream agents."""

from __future__ import annotations

import asyncio

import click

from agents.app import create_worker
from broker.settings import MashSettings
from mash.exchange_commands import keystore_for
from mash.options import authority_for, bootstrap_option, settings_for, stop_on_signals


async def run_worker(settings: MashSettings, session_timeout: float, tick_seconds: float) -> None:
    """Run the worker until cancelled, then stop it cleanly."""
    ctx = create_worker(
        settings,
        authority_for(settings),
        keystore_for(settings),
        session_timeout=session_timeout,
        tick_seconds=tick_seconds,
    )
    await ctx.app.start()
    click.echo(
        f"worker ready on {settings.bootstrap_servers} for {ctx.authority.name}; Ctrl-C to stop",
        err=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await ctx.app.stop()


@click.command()
@bootstrap_option
@click.option(
    "--session-timeout",
    type=click.FloatRange(min=1),
    default=10.0,
    show_default=True,
    help="Consumer session timeout (s): how long a stalled worker keeps its partitions. "
    "The embedded broker holds a group join for half of it.",
)
@click.option(
    "--tick",
    "tick_seconds",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="How often to look for passed deadlines (s).",
)
def worker(bootstrap: str | None, session_timeout: float, tick_seconds: float) -> None:
    """Run the stream agents: triage, policy, collation, routing and deadlines.

    Keeps each case's state in a table whose changelog lets a restarted worker
    carry on where it stopped. Runs until Ctrl-C or SIGTERM.
    """
    settings = settings_for(bootstrap)
    stop_on_signals()
    try:
        asyncio.run(run_worker(settings, session_timeout, tick_seconds))
    except KeyboardInterrupt:
        click.echo("worker stopped", err=True)
