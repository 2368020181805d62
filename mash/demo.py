"""``mash demo``: the whole exchange on the embedded broker, from nothing, in under a minute."""

from __future__ import annotations

import asyncio
import importlib
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from broker.audit_export import EXPORTER, write_export
from broker.catalogue import Agency, team_topic, topic_name
from broker.engines.embedded import EmbeddedBroker
from broker.engines.process import free_port, port_in_use
from broker.errors import MashError, SealError
from broker.keystore import Keystore
from broker.sealing import open_sealed
from broker.settings import EMBEDDED_HOST, EMBEDDED_PORT, MashSettings
from connectors.synthetic.families import generate
from mash.audit_log import read_topic
from mash.demo_scenarios import Scenario, scenarios
from mash.exchange import Exchange
from mash.options import authority_for, settings_for, stop_on_signals
from mash.picture_view import render_picture

AGENCIES = [agency.value for agency in Agency]


class Progress:
    """Lines with the time since the demo started."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        click.echo(f"[{time.monotonic() - self.started:5.1f}s] {text}")


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=EMBEDDED_PORT,
    show_default=True,
    help="Port for the embedded broker; 0 (or a taken port) picks a free one.",
)
@click.option("--families", type=click.IntRange(min=10), default=40, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same families.")
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("mash-demo"),
    show_default=True,
    help="Folder for the keys, the synthetic partnership and the audit export "
    "(audit.jsonl), kept after the demo so the audit can be checked.",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=5),
    default=45.0,
    show_default=True,
    help="Seconds to wait for every scenario's outcome.",
)
def demo(port: int, families: int, seed: int, workspace: Path, wait: float) -> None:
    """Run the whole exchange on the embedded broker, show what it does, and stop.

    Starts the embedded broker, creates the topics, generates a synthetic
    partnership, runs every agency's connector and the stream worker, and
    submits contacts that exercise the guidance's rules: early help without
    consent, significant harm with an approved override, urgent out of hours,
    suspected crime, exploitation and an already allocated child. It prints the
    pictures as the teams receive and decrypt them; then it stops the exchange,
    verifies the audit chain, exports it to WORKSPACE/audit.jsonl and stops the
    broker. Exit code 0 when every outcome arrived and the audit verified.
    """
    if port == 0 or port_in_use(EMBEDDED_HOST, port):
        port = free_port(EMBEDDED_HOST)
    workspace.mkdir(parents=True, exist_ok=True)
    stop_on_signals()
    progress = Progress()
    with EmbeddedBroker(port=port) as broker:
        progress.say(f"embedded broker ready at {broker.bootstrap}")
        missing = asyncio.run(_run(broker.bootstrap, families, seed, workspace, wait, progress))
    progress.say("broker stopped")
    if missing:
        raise MashError(f"{len(missing)} outcome(s) did not arrive: {', '.join(missing)}")


async def _run(
    bootstrap: str, families: int, seed: int, workspace: Path, wait: float, progress: Progress
) -> list[str]:
    settings = settings_for(bootstrap).model_copy(update={"keystore": workspace / "keys"})
    authority = authority_for(settings)
    partnership = generate(families, seed)
    data = workspace / "partnership"
    for agency in AGENCIES:
        importlib.import_module(f"connectors.{agency}.synthetic").write(partnership, data / agency)
    progress.say(f"{families} synthetic families written for {len(AGENCIES)} agencies in {data}")
    exchange = Exchange(settings, authority, Keystore(workspace / "keys"), data)
    await exchange.start(AGENCIES)
    progress.say("topics created; connectors and the stream worker running")
    try:
        chosen = scenarios(partnership, datetime.now(UTC))
        for scenario in chosen:
            await exchange.submit(scenario.contact)
            progress.say(f"contact submitted: {scenario.title}")
        missing = await _outcomes(exchange, chosen, wait, progress)
        await asyncio.sleep(1.0)  # let late revisions land
        _show_one_picture(exchange, chosen, progress)
        _show_teams_are_apart(exchange, chosen, progress)
        progress.say(f"dead letters: {len(exchange.values('deadletter'))}")
    finally:
        await exchange.stop()
        progress.say("connectors, worker and audit writer stopped")
    missing.extend(await _show_audit(settings, workspace, len(chosen), progress))
    return missing


async def _outcomes(
    exchange: Exchange, chosen: list[Scenario], wait: float, progress: Progress
) -> list[str]:
    prefix = exchange.settings.topic_prefix
    missing = []
    deadline = time.monotonic() + wait
    for scenario in chosen:
        case_id = scenario.contact["case_id"]
        topic = team_topic(scenario.team, prefix)
        try:
            sealed = await exchange.wait_for(
                topic, _for_case(case_id), within=max(deadline - time.monotonic(), 1)
            )
        except TimeoutError:
            missing.append(scenario.title)
            progress.say(f"NOT ARRIVED: {scenario.title} (expected at {scenario.team})")
            continue
        picture = sealed["_picture"]
        findings = len(picture["chronology"])
        progress.say(
            f"{scenario.team} received picture revision {picture['revision']} "
            f"({picture['revision_reason']}, {picture['completeness']}): {findings} finding(s), "
            f"suggested {picture['suggested_level_of_need']} - {scenario.title} [{scenario.rule}]"
        )
    crime = next((s for s in chosen if "crime" in s.title.lower()), None)
    if crime is not None:
        try:
            note = await exchange.wait_for(
                topic_name("notifications", prefix),
                lambda v: (
                    v["case_id"] == crime.contact["case_id"] and v["kind"] == "POLICE_NOTIFICATION"
                ),
                within=max(deadline - time.monotonic(), 1),
            )
            progress.say(f"notification {note['kind']} to the police: {note['reason']}")
        except TimeoutError:
            missing.append("police notification")
    return missing


def _for_case(case_id: Any) -> Callable[[dict[str, Any]], bool]:
    def matches(value: dict[str, Any]) -> bool:
        return bool(value["case_id"] == case_id)

    return matches


def _show_one_picture(exchange: Exchange, chosen: list[Scenario], progress: Progress) -> None:
    scenario = next((s for s in chosen if "s47" in s.title), chosen[0])
    pictures = exchange.team_pictures(scenario.team, scenario.contact["case_id"])
    if pictures:
        progress.say(f"the {scenario.team} team's latest picture for '{scenario.title}':")
        click.echo(render_picture(pictures[-1]))


def _show_teams_are_apart(exchange: Exchange, chosen: list[Scenario], progress: Progress) -> None:
    scenario = chosen[0]
    sealed: list[dict[str, Any]] = [
        v
        for v in exchange.seen[team_topic(scenario.team, exchange.settings.topic_prefix)].values
        if v["case_id"] == scenario.contact["case_id"]
    ]
    other = next(t for t in exchange.authority.team_keys() if t != scenario.team)
    if sealed:
        try:
            open_sealed(sealed[-1], exchange.keystore.team_key(other), exchange.codec)
            progress.say(f"WARNING: {other} opened a picture sealed for {scenario.team}")
        except SealError as refused:
            progress.say(f"{other} cannot open {scenario.team}'s picture: {refused}")


async def _show_audit(
    settings: MashSettings, workspace: Path, contacts: int, progress: Progress
) -> list[str]:
    """Verify the audit topic, summarise it and export it; what it lacks."""
    keystore = Keystore(workspace / "keys")
    log = await read_topic(settings, keystore.keyring())
    actions = Counter(record["action"] for record in log.records)
    progress.say(
        f"sharing audit: {len(log.records)} records: "
        + ", ".join(f"{count} {action}" for action, count in actions.most_common())
    )
    rules = Counter(
        (record["action"], record["rule_id"])
        for record in log.records
        if record["action"] in ("SHARED", "REDACTED", "WITHHELD", "CONSENT_OVERRIDE")
    )
    for (action, rule), count in sorted(rules.items()):
        click.echo(f"         {count:4d} {action:<16} by rule {rule}")
    for broken in log.verdict.breaks:
        progress.say(f"AUDIT BROKEN: {broken}")
    if not log.verdict.intact:
        return ["an intact audit chain"]
    if actions["CONTACT_RECEIVED"] != contacts:
        progress.say(f"AUDIT INCOMPLETE: {actions['CONTACT_RECEIVED']} of {contacts} contacts")
        return ["the audit of every contact"]
    checkpoints = sum(state.checkpoints for state in log.verdict.partitions.values())
    export = workspace / "audit.jsonl"
    with export.open("w", encoding="utf-8") as out:
        write_export(out, log.entries, lambda: log.verdict, topic=log.source,
                     key=keystore.signing_key(EXPORTER), exported_at=datetime.now(UTC))  # fmt: skip
    progress.say(
        f"audit chain intact ({checkpoints} signed checkpoints); exported to {export}. "
        "Check it with:"
    )
    click.echo(f"    mash audit verify --file {export} --keys {keystore.folder}")
    click.echo(f"    mash audit query --file {export} --keys {keystore.folder} --decision withheld")
    return []
