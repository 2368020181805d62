"""``mash bench``: the whole pipeline's throughput, latency and memory, against its ceiling.

The measuring lives in ``benchmarks/`` of the source tree (not in the installed
package), imported only when the command runs.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click

from broker.errors import ConfigurationError, MashError, MissingTool
from broker.settings import parse_bootstrap
from mash.options import stop_on_signals


def _source_tree_on_path() -> None:
    """Make ``benchmarks/`` importable from the source tree this package runs from.

    It sits beside ``mash/`` in a checkout (an editable install runs from there),
    but is not installed with the package.

    Raises:
        ConfigurationError: there is no source tree beside the package.
    """
    source = Path(__file__).resolve().parents[1]
    if not (source / "benchmarks" / "pipeline.py").is_file():
        raise ConfigurationError(
            "mash bench runs from a source checkout (pip install -e .): the benchmarks/ "
            "folder is not part of the installed package"
        )
    if str(source) not in sys.path:
        sys.path.insert(0, str(source))


def _levels(value: str | None) -> tuple[int, ...]:
    if not value:
        return ()
    try:
        levels = tuple(int(part.replace("_", "")) for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of numbers") from exc
    if any(level <= 0 for level in levels):
        raise click.BadParameter("every level must be a positive number of cases")
    return levels


@click.command()
@click.option(
    "--engine",
    type=click.Choice(["embedded", "kafka"]),
    default="embedded",
    show_default=True,
    help="embedded: the memory-only broker (no Java). kafka: Apache Kafka in KRaft mode "
    "(needs Java; its jars are fetched by Maven on first use, or 'mash broker fetch').",
)
@click.option(
    "--bootstrap",
    metavar="HOST:PORT",
    help="Measure on a broker already running there instead of starting one "
    "(--engine then says which kind it is, for the report). Each run uses topics "
    "of its own.",
)
@click.option(
    "--contacts",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Contacts to submit, each a new case whose picture the team must receive.",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Contacts a second offered (a fixed schedule), for latency; 0: as fast as "
    "possible, for throughput.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=1),
    help="With --rate: offer the rate this long (sets --contacts to RATE x SECONDS).",
)
@click.option(
    "--open-cases",
    metavar="N[,N...]",
    help="Afterwards, stop the connectors and fill the worker with open cases up to each "
    "level (e.g. 10000,100000), reading its memory at each. Slow: the worker triages "
    "every one.",
)
@click.option(
    "--families",
    type=click.IntRange(min=10),
    default=2000,
    show_default=True,
    help="Synthetic families in the partnership (about 3 in 10 have a contact; contacts "
    "beyond the partnership's own are new referrals of its families). Bigger is slower "
    "per contact: keep it the same between runs you compare.",
)
@click.option(
    "--relay-events",
    type=click.IntRange(min=1),
    help="Events for the ceiling's relay. Default: 20 per contact (at least 5,000) "
    "as fast as possible; at --rate, as many as contacts, up to 30 s worth.",
)
@click.option(
    "--faust-relay",
    is_flag=True,
    help="Also run the relay with the worker's four hops as faust agents that do no "
    "work (each event's output acknowledged before the next, as the worker's agents "
    "do): what faust itself allows, against the plain relay.",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=5),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the last pictures after the last submission.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same families.")
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the keys, partnership and service logs here. Default: a temporary folder.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write every figure, with the engine, options and machine, to this JSON file.",
)
def bench(
    engine: str,
    bootstrap: str | None,
    contacts: int,
    rate: float,
    seconds: float | None,
    open_cases: str | None,
    families: int,
    relay_events: int | None,
    faust_relay: bool,
    wait: float,
    seed: int,
    workspace: Path | None,
    out: Path | None,
) -> None:
    """Measure the whole pipeline on a real broker and print a table of figures.

    Starts a broker (--engine), a synthetic partnership, and the exchange as it is
    deployed: the worker, every connector and the audit writer in processes of
    their own, with signatures, policy, collation, encryption and audit on. It
    submits CONTACTS contacts (as fast as possible, or at --rate) and counts each
    complete when its picture reaches its team. It reports throughput (contacts/s,
    and messages/s over every topic), latency from submission to the team's
    picture (p50, p95, p99, max), the time from the worker's start to its first
    picture, and each process's CPU time per contact and peak memory. Then, on
    the same broker, a plain aiokafka relay over the same five hops gives the
    ceiling each figure is compared with. docs/performance.md explains the method.

    Examples: 'mash bench --contacts 500' (throughput);
    'mash bench --engine kafka --rate 50 --seconds 30' (latency).

    A benchmark, not a test: figures vary from run to run and machine to machine.
    Exits 1 when some pictures did not arrive.
    """
    if seconds is not None:
        if rate <= 0:
            raise click.UsageError(
                "--seconds needs --rate: a duration only means something at a rate"
            )
        contacts = max(round(rate * seconds), 1)
    if bootstrap is not None:
        bootstrap = parse_bootstrap(bootstrap)
    elif engine == "kafka" and shutil.which("java") is None:
        raise MissingTool(
            "--engine kafka runs Apache Kafka, which needs Java 17 or newer on PATH; "
            "install it, or use --engine embedded"
        )
    _source_tree_on_path()
    from benchmarks.pipeline import BenchOptions, run_bench
    from benchmarks.report import table, write_json

    options = BenchOptions(
        engine=engine,
        bootstrap=bootstrap,
        contacts=contacts,
        rate=rate,
        families=families,
        open_cases=_levels(open_cases),
        relay_events=relay_events,
        faust_relay=faust_relay,
        wait=wait,
        seed=seed,
        workspace=workspace,
    )
    stop_on_signals()
    started = time.monotonic()

    def say(text: str) -> None:
        click.echo(f"[{time.monotonic() - started:6.1f}s] {text}", err=True)

    figures = run_bench(options, say)
    click.echo(table(figures))
    if out is not None:
        write_json(figures, out)
        say(f"figures written to {out}")
    pipeline = figures["pipeline"]
    if pipeline["completed"] < pipeline["contacts"]:
        missing = pipeline["contacts"] - pipeline["completed"]
        raise MashError(f"{missing} of {pipeline['contacts']} pictures did not reach their team")
