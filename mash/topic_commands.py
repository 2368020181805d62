"""``mash topics``: apply the catalogue to a broker and see what is there."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click

from broker.catalogue import TopicSpec
from broker.errors import MashError
from broker.schema_store import packaged_schemas
from broker.settings import MashSettings
from broker.topic_admin import Outcome, TopicAdmin, TopicState, apply_catalogue, differences
from mash.options import bootstrap_option, catalogue_for, json_option, settings_for, table


@click.group()
def topics() -> None:
    """Create, list and describe the topics of the catalogue."""


@topics.command("create")
@bootstrap_option
def create(bootstrap: str | None) -> None:
    """Create the catalogue's missing topics; report any that differ.

    Idempotent: run it as often as you like. A topic that exists with other
    partitions or configs is reported and left as it is (exit code 1), because
    changing a live topic is an operator's decision.
    """
    settings = settings_for(bootstrap)
    specs = catalogue_for(settings)
    reports = asyncio.run(apply_catalogue(settings, specs))
    for note in dict.fromkeys(note for report in reports for note in report.notes):
        click.echo(f"note: {note}")
    for report in reports:
        spec = report.spec
        line = f"{report.outcome.value:<9}  {spec.name}  ({spec.partitions} partitions)"
        click.echo(line)
        for difference in report.differences:
            click.echo(f"           - {difference}")
    counts = {outcome: sum(r.outcome is outcome for r in reports) for outcome in Outcome}
    click.echo(
        f"{counts[Outcome.CREATED]} created, {counts[Outcome.UNCHANGED]} unchanged, "
        f"{counts[Outcome.DIFFERS]} differ, on {settings.bootstrap_servers}"
    )
    if counts[Outcome.DIFFERS]:
        raise MashError(
            f"{counts[Outcome.DIFFERS]} topic(s) differ from the catalogue and were left unchanged"
        )


@topics.command("list")
@bootstrap_option
@json_option
@click.option("--all", "show_all", is_flag=True, help="Also list topics outside the catalogue.")
def list_topics(bootstrap: str | None, as_json: bool, show_all: bool) -> None:
    """List the catalogue's topics with their partitions and whether they exist."""
    settings = settings_for(bootstrap)
    specs = catalogue_for(settings)
    names, states, _ = asyncio.run(_snapshot(settings, [spec.name for spec in specs]))
    rows: list[dict[str, Any]] = []
    for spec in specs:
        state = states.get(spec.name)
        rows.append(
            {
                "topic": spec.name,
                "partitions": state.partitions if state else None,
                "status": "present" if state else "missing",
            }
        )
    if show_all:
        in_catalogue = {spec.name for spec in specs}
        rows += [
            {"topic": name, "partitions": None, "status": "not in catalogue"}
            for name in sorted(names - in_catalogue)
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(
        table(
            [[r["topic"], str(r["partitions"] or "-"), r["status"]] for r in rows],
            ["TOPIC", "PARTITIONS", "STATUS"],
        )
    )


async def _snapshot(
    settings: MashSettings, wanted: list[str]
) -> tuple[set[str], dict[str, TopicState], int]:
    """Every topic name, the state of the wanted ones, and the broker count."""
    async with TopicAdmin(settings) as admin:
        names = await admin.topic_names()
        return names, await admin.describe(wanted), await admin.broker_count()


@topics.command("describe")
@click.argument("names", nargs=-1, metavar="[TOPIC]...")
@bootstrap_option
@json_option
def describe(names: tuple[str, ...], bootstrap: str | None, as_json: bool) -> None:
    """Describe catalogue topics: purpose, key, value schema, partitions and configs.

    Shows what the catalogue wants beside what the broker has. With no TOPIC,
    describes every catalogue topic.
    """
    settings = settings_for(bootstrap)
    specs = catalogue_for(settings)
    if names:
        by_name = {spec.name: spec for spec in specs}
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise click.BadParameter(
                f"not in the catalogue: {', '.join(unknown)} (see 'mash topics list')",
                param_hint="TOPIC",
            )
        specs = tuple(by_name[name] for name in names)
    _, states, brokers = asyncio.run(_snapshot(settings, [spec.name for spec in specs]))
    described = [_describe_one(spec, states.get(spec.name), brokers) for spec in specs]
    if as_json:
        click.echo(json.dumps(described, indent=2))
        return
    for entry in described:
        click.echo(_render(entry))


def _describe_one(spec: TopicSpec, state: TopicState | None, brokers: int) -> dict[str, Any]:
    store = packaged_schemas()
    schema: dict[str, Any] = {"name": spec.value_schema}
    if spec.value_schema in store:
        schema["file"] = f"schemas/{store.file_of(spec.value_schema)}"
        schema["fingerprint"] = store.fingerprint(spec.value_schema)
    else:
        schema["file"] = None
    entry: dict[str, Any] = {
        "topic": spec.name,
        "description": spec.description,
        "key": spec.key,
        "value_schema": schema,
        "catalogue": {
            "partitions": spec.partitions,
            "replication_factor": spec.replication_factor,
            "configs": spec.configs(),
        },
        "broker": None,
    }
    if state is not None:
        fitted = spec.fitted_to(brokers)
        entry["broker"] = {
            "partitions": state.partitions,
            "replication_factor": state.replication_factor,
            "configs": {key: state.configs.get(key) for key in spec.configs()},
            "differences": list(differences(fitted, state)),
        }
    return entry


def _render(entry: dict[str, Any]) -> str:
    schema = entry["value_schema"]
    where = (
        f"{schema['file']}, fingerprint {schema['fingerprint']}"
        if schema["file"]
        else "NOT FOUND in the installed schemas"
    )
    wanted = entry["catalogue"]
    lines = [
        entry["topic"],
        f"  {entry['description']}",
        f"  key:          {entry['key']}",
        f"  value schema: {schema['name']} ({where})",
        f"  catalogue:    {wanted['partitions']} partitions, replication "
        f"{wanted['replication_factor']}, "
        + ", ".join(f"{k}={v}" for k, v in wanted["configs"].items()),
    ]
    actual = entry["broker"]
    if actual is None:
        lines.append("  broker:       missing (run 'mash topics create')")
    else:
        lines.append(
            f"  broker:       {actual['partitions']} partitions, replication "
            f"{actual['replication_factor']}, "
            + ", ".join(f"{k}={v}" for k, v in actual["configs"].items())
        )
        for difference in actual["differences"]:
            lines.append(f"  differs:      {difference}")
    return "\n".join(lines) + "\n"
