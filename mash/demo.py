"""``mash demo``: the main job on the embedded broker, from nothing."""

from __future__ import annotations

import asyncio
import time

import click

from broker.engines.embedded import EmbeddedBroker
from broker.engines.process import free_port, port_in_use
from broker.settings import EMBEDDED_HOST, EMBEDDED_PORT
from broker.topic_admin import Outcome, apply_catalogue
from mash.options import catalogue_for, settings_for, stop_on_signals


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=EMBEDDED_PORT,
    show_default=True,
    help="Port for the embedded broker; 0 picks a free one.",
)
@click.option(
    "--keep-running/--no-keep-running",
    default=True,
    show_default=True,
    help="Keep the broker up after the demo, for other mash commands, until Ctrl-C.",
)
def demo(port: int, keep_running: bool) -> None:
    """Start the embedded broker and set up the exchange on it.

    Starts the memory-only embedded broker, applies the topic catalogue for the
    configured authority (the Wigan sample by default) and shows the topics.
    """
    if port == 0 or port_in_use(EMBEDDED_HOST, port):
        chosen = free_port(EMBEDDED_HOST)
        if port:
            click.echo(f"mash: port {port} is taken; using {chosen}", err=True)
        port = chosen
    stop_on_signals()
    with EmbeddedBroker(port=port) as broker:
        click.echo(f"embedded broker ready at {broker.bootstrap}")
        settings = settings_for(broker.bootstrap)
        specs = catalogue_for(settings)
        reports = asyncio.run(apply_catalogue(settings, specs))
        created = sum(report.outcome is Outcome.CREATED for report in reports)
        click.echo(f"topic catalogue applied: {created} of {len(reports)} topics created")
        for report in reports:
            click.echo(f"  {report.spec.name:<36} {report.spec.description}")
        if not keep_running:
            return
        click.echo(
            f"try: mash topics describe --bootstrap {broker.bootstrap}   (Ctrl-C here to stop)"
        )
        try:
            while broker.exit_code() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            click.echo("stopping the embedded broker")
