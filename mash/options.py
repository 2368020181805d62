"""Options and helpers shared by the ``mash`` commands."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any, TypeVar

import click

from broker.authority import Authority, load_authority
from broker.catalogue import TopicSpec, catalogue
from broker.settings import DEFAULT_BOOTSTRAP, MashSettings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def bootstrap_option(command: F) -> F:
    """``--bootstrap HOST:PORT`` for every command that talks to a broker."""
    return click.option(
        "--bootstrap",
        metavar="HOST:PORT",
        help="Kafka bootstrap address. Default: $MASH_BOOTSTRAP_SERVERS, "
        f"else the embedded broker at {DEFAULT_BOOTSTRAP}.",
    )(command)


def json_option(command: F) -> F:
    """``--json`` for commands whose output scripts read."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        command
    )


def settings_for(bootstrap: str | None) -> MashSettings:
    """The environment's settings, with ``--bootstrap`` applied."""
    return load_settings().with_bootstrap(bootstrap)


def authority_for(settings: MashSettings) -> Authority:
    """The configured authority (the bundled Wigan sample by default)."""
    return load_authority(settings.authority_file)


def catalogue_for(settings: MashSettings) -> tuple[TopicSpec, ...]:
    """The topic catalogue for the configured authority and topic prefix."""
    return catalogue(authority_for(settings).team_keys(), settings.topic_prefix)


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """A plain, left-aligned text table."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = [headers, *rows]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def configure_logging(verbose: bool) -> None:
    """Progress to stderr; client libraries only speak up on errors unless verbose."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="mash: %(message)s",
    )
    quiet = logging.INFO if verbose else logging.CRITICAL
    for noisy in ("aiokafka", "kafka", "faust", "mode"):
        logging.getLogger(noisy).setLevel(quiet)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """Make Ctrl-C and SIGTERM stop a foreground command cleanly.

    Installed explicitly: a process started in the background by a shell or a
    supervisor may inherit SIGINT as ignored.
    """
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
