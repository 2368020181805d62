"""Options and helpers shared by the ``mash`` commands."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator, Sequence
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


@contextlib.contextmanager
def signals_set(stop: asyncio.Event) -> Iterator[None]:
    """While inside, the first Ctrl-C or SIGTERM sets ``stop`` instead of interrupting.

    For a service that runs Kafka clients on the running event loop and stops
    them itself once ``stop`` is set (``Connector.run``, ``AuditWriter.run``).
    A KeyboardInterrupt raised into ``asyncio.run`` instead makes it cancel
    every task left, aiokafka's own among them (each connection's reader, the
    group coordinator, the producer's sender, the fetcher), and the service's
    ``finally`` then stops clients that no longer work: either
    ``AIOKafkaConsumer.stop()`` re-raises the coordinator task's cancellation
    at once, so the consumer never leaves its group, the audit writer never
    checkpoints and the producer is never closed; or, when that task had
    already ended, it sends LeaveGroup on a connection whose reader is gone and
    waits ``request_timeout_ms`` (40 s) for an answer nobody reads. Which of
    the two happens depends on the order the cancelled tasks run in. With
    ``stop`` set, the service finishes the batch in hand, commits it and
    closes its clients while they still work: well within a second.

    A second signal interrupts as before (the handlers in place on entry are
    put back), for a stop that hangs. Where the loop cannot take signal
    handlers (not the main thread, or not Unix) nothing changes.
    """
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    added: list[signal.Signals] = []

    def put_back() -> None:
        while added:
            sig = added.pop()
            loop.remove_signal_handler(sig)
            handler = previous[sig]
            if handler is not None:
                signal.signal(sig, handler)

    def first_signal() -> None:
        stop.set()
        put_back()

    try:
        for sig in previous:
            loop.add_signal_handler(sig, first_signal)
            added.append(sig)
    except (NotImplementedError, RuntimeError):
        put_back()
    try:
        yield
    finally:
        put_back()
