"""Running the console: uvicorn in the current event loop, alone or beside a whole exchange.

:func:`serve` runs the app until told to stop. :func:`demo_exchange` starts what
``mash demo`` runs (the synthetic partnership, every agency's connector, the
stream worker and the audit writer, the demo's scenario contacts) so the
console has a live exchange to show on the embedded broker; the browser tests
run the console the same way against a real broker. The access log is off: a
request line can carry a case id, and nothing personal goes to the logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from broker.catalogue import Agency
from broker.keystore import Keystore
from broker.settings import MashSettings
from connectors.synthetic.families import generate
from mash.demo_scenarios import Scenario, scenarios
from mash.exchange import Exchange
from mash.options import authority_for
from mash.web.app import create_app
from mash.web.console import Console

AGENCIES = [agency.value for agency in Agency]


async def serve(
    console: Console,
    host: str,
    port: int,
    stop: asyncio.Event,
    started: asyncio.Event | None = None,
) -> None:
    """Serve the console on ``host:port`` until ``stop`` is set."""
    config = uvicorn.Config(
        create_app(console),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    # The caller owns the signals, so that Ctrl-C stops the exchange too.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    running = asyncio.create_task(server.serve())
    while not server.started and not running.done():  # noqa: ASYNC110 - uvicorn has no event
        await asyncio.sleep(0.05)
    if started is not None:
        started.set()
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([running, stopping], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopping.cancel()
    await running


@contextlib.asynccontextmanager
async def demo_exchange(
    settings: MashSettings,
    workspace: Path,
    *,
    families: int = 40,
    seed: int = 7,
    submit_scenarios: bool = True,
) -> AsyncIterator[tuple[Exchange, list[Scenario]]]:
    """The demo's exchange on ``settings``' broker: partnership, services and scenarios."""
    authority = authority_for(settings)
    partnership = generate(families, seed)
    data = workspace / "partnership"
    for agency in AGENCIES:
        importlib.import_module(f"connectors.{agency}.synthetic").write(partnership, data / agency)
    exchange = Exchange(settings, authority, Keystore(workspace / "keys"), data)
    await exchange.start(AGENCIES)
    try:
        chosen = scenarios(partnership, datetime.now(UTC)) if submit_scenarios else []
        for scenario in chosen:
            await exchange.submit(scenario.contact)
        yield exchange, chosen
    finally:
        await exchange.stop()
