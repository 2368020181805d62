"""``mash cases list`` and ``mash picture show``: what MASH staff read from the broker.

Both read their topics from the beginning with a plain consumer (no consumer
group, nothing committed), verify every record's envelope against the keystore's
trusted keys and its sender against the agents allowed on the topic, decrypt a
case's messages with its key, and stop once caught up (broker.topic_reader).
Neither needs the worker to be running. A record that cannot be trusted is
skipped and counted on stderr, never shown.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import click
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from agents.context import AGENTS
from agents.streams.pictures import AGENT as ROUTING
from broker.audit_chain import CHECKPOINT, WRITER
from broker.case_keys import CaseKeys
from broker.catalogue import team_topic, topic_name
from broker.codec import AvroCodec
from broker.envelope import Verifier
from broker.errors import ConfigurationError, MashError, RejectedMessage, SealError
from broker.keystore import Keystore
from broker.plain import to_plain
from broker.sealing import SEALED_PICTURE, open_sealed
from broker.settings import MashSettings
from broker.topic_reader import partitions_of, read_to_end, started_reader
from broker.transport import open_record, raw_record
from mash.case_board import by_urgency, case_plain, case_table, gather
from mash.exchange_commands import keystore_for
from mash.options import authority_for, bootstrap_option, json_option, settings_for
from mash.picture_view import render_picture

AUDIT_RECORD = "uk.mash.v1.AuditRecord"
NOTIFICATION = "uk.mash.v1.Notification"


@dataclass(frozen=True)
class Stream:
    """What a topic carries and who may write it."""

    schema: str
    senders: frozenset[str]
    #: Other schemas the topic carries that this reader passes over (audit checkpoints).
    passed_over: frozenset[str] = frozenset()


@dataclass
class Reading:
    """The trusted values read from each topic, and what was refused."""

    values: dict[str, list[dict[str, Any]]]
    #: Each skipped record's place (``topic[partition]@offset``) and why it was refused.
    refused: list[tuple[str, RejectedMessage]] = field(default_factory=list)

    def warn_refused(self) -> None:
        """Say on stderr how many records were skipped, and why the first was."""
        if not self.refused:
            return
        place, first = self.refused[0]
        hint = ""
        if any(refused.reason == "UNKNOWN_KEY" for _, refused in self.refused):
            hint = "; keys unknown here: is MASH_KEYSTORE the exchange's keystore?"
        click.echo(
            f"mash: warning: {len(self.refused)} record(s) not trusted and skipped "
            f"(first: {place}: {first.reason}: {first}){hint}",
            err=True,
        )


async def read_topics(
    settings: MashSettings, keystore: Keystore, streams: Mapping[str, Stream]
) -> Reading:
    """Every trusted value on ``streams``' topics, from the beginning until caught up.

    Raises:
        BrokerUnreachable: no broker at the bootstrap address.
        ConfigurationError: a topic is not on the broker.
        MashError: the broker failed a request.
    """
    consumer = await started_reader(settings, "reader")
    try:
        return await _read(
            consumer, settings, Verifier(keystore.keyring()), keystore.case_keys(), streams
        )
    except KafkaError as exc:
        raise MashError(f"reading {', '.join(streams)} failed: {exc}") from exc
    finally:
        await consumer.stop()


async def _read(
    consumer: AIOKafkaConsumer,
    settings: MashSettings,
    verifier: Verifier,
    case_keys: CaseKeys,
    streams: Mapping[str, Stream],
) -> Reading:
    # Asking for all topics, not these by name: a broker that auto-creates topics
    # would create a missing one with default settings.
    present = await consumer.topics()
    missing = [topic for topic in streams if topic not in present]
    if missing:
        raise ConfigurationError(
            f"no topic {', '.join(missing)} on {settings.bootstrap_servers}: run "
            "'mash topics create' (and check MASH_TOPIC_PREFIX)"
        )
    partitions = [tp for topic in streams for tp in await partitions_of(consumer, topic)]
    codec = AvroCodec()
    reading = Reading({topic: [] for topic in streams})
    async for record in read_to_end(consumer, partitions):
        raw = raw_record(record)
        stream = streams[raw.topic]
        try:
            decoded = open_record(raw, codec, verifier, case_keys, None, stream.senders).decoded
            if decoded.schema in stream.passed_over:
                continue
            if decoded.schema != stream.schema:
                raise RejectedMessage(
                    "WRONG_SCHEMA", f"expected {stream.schema}, got {decoded.schema}"
                )
            value = decoded.value
        except RejectedMessage as refused:
            reading.refused.append((f"{raw.topic}[{raw.partition}]@{raw.offset}", refused))
            continue
        reading.values[raw.topic].append(value)
    return reading


@click.group()
def cases() -> None:
    """See the cases at the MASH, from the broker's audit and notifications."""


@cases.command("list")
@bootstrap_option
@json_option
def list_cases(bootstrap: str | None, as_json: bool) -> None:
    """List every case the audit knows, the most urgent first.

    One row per case: its RAG rating, when the contact came in (~: as triage
    recorded it, when no notification gives the exact time), the team it is with,
    the agencies that answered of those asked and those awaited, the latest picture
    revision sent to the team, and the time left for the agencies' answers (the
    RAG rating's time) and for the management decision (the authority's
    decision_hours after the contact). Overdue cases (an OVERDUE audit record, an
    OVERDUE_DECISION notification or the decision time passed) come first, then
    RED, AMBER, GREEN, each by its next deadline.

    Reads mash.audit.v1 and mash.notifications.v1 from the beginning, verified
    with the keystore's keys; the worker need not be running.
    """
    settings = settings_for(bootstrap)
    timings = authority_for(settings).timings
    audit = topic_name("audit", settings.topic_prefix)
    notifications = topic_name("notifications", settings.topic_prefix)
    agents = frozenset(AGENTS)
    reading = asyncio.run(
        read_topics(
            settings,
            keystore_for(settings),
            {
                audit: Stream(AUDIT_RECORD, frozenset({WRITER}), frozenset({CHECKPOINT})),
                notifications: Stream(NOTIFICATION, agents),
            },
        )
    )
    reading.warn_refused()
    now = datetime.now(UTC)
    found = by_urgency(gather(reading.values[audit], reading.values[notifications]), timings, now)
    if as_json:
        click.echo(json.dumps([case_plain(case, timings, now) for case in found], indent=2))
        return
    if not found:
        click.echo(f"no cases in {audit}", err=True)
        return
    for line, overdue in case_table(found, timings, now):
        # click drops the colour when the output is not a terminal.
        click.echo(click.style(line, fg="red", bold=True) if overdue else line)
    overdue_count = sum(case.overdue(timings, now) for case in found)
    click.echo(f"{len(found)} case(s), {overdue_count} overdue", err=True)


@click.group()
def picture() -> None:
    """Open the family pictures sent to a team."""


@picture.command("show")
@click.argument("case_id", metavar="CASE")
@click.option(
    "--team",
    metavar="TEAM",
    required=True,
    help="The receiving team's key in the authority file, e.g. mash-duty; its topic is "
    "read and its private key opens the picture.",
)
@click.option(
    "--revision",
    metavar="N",
    type=click.IntRange(min=1),
    help="Show this revision instead of the latest.",
)
@bootstrap_option
@click.option("--json", "as_json", is_flag=True, help="Print the picture as JSON instead of text.")
def show(
    case_id: str, team: str, revision: int | None, bootstrap: str | None, as_json: bool
) -> None:
    """Open and show the family picture of CASE sent to TEAM (the latest revision).

    Reads mash.team.<TEAM>.v1 from the beginning, verifies each sealed picture,
    and opens the chosen one with the team's private key, team.<TEAM>.x25519 in
    the keystore: only a keystore holding that key can open the team's pictures.
    """
    try:
        case = uuid.UUID(case_id)
    except ValueError as exc:
        raise click.BadParameter(
            f"{case_id!r} is not a case id (a UUID)", param_hint="CASE"
        ) from exc
    settings = settings_for(bootstrap)
    authority = authority_for(settings)
    teams = authority.team_keys()
    if team not in teams:
        raise click.BadParameter(
            f"{team!r} is not a team of {authority.name}; teams: {', '.join(teams)}",
            param_hint="--team",
        )
    keystore = keystore_for(settings)
    # Checked first: Keystore.team_key would create a new key, which opens nothing.
    if not (keystore.folder / f"team.{team}.x25519").exists():
        raise ConfigurationError(
            f"no private key of team {team} in {keystore.folder} (team.{team}.x25519): "
            f"{team} pictures open only with that team's keystore (MASH_KEYSTORE)"
        )
    topic = team_topic(team, settings.topic_prefix)
    reading = asyncio.run(
        read_topics(settings, keystore, {topic: Stream(SEALED_PICTURE, frozenset({ROUTING}))})
    )
    reading.warn_refused()
    sealed = _choose(reading.values[topic], case, revision, topic)
    if sealed["team_key"] != team:
        raise SealError(
            f"case {case} revision {sealed['revision']} was sealed for key {sealed['key_id']} "
            f"({sealed['team_key']}), not for {team}"
        )
    opened = open_sealed(sealed, keystore.team_key_for(team, sealed["key_id"]), AvroCodec())
    click.echo(
        f"case {case} revision {sealed['revision']} for {team}, sealed "
        f"{sealed['sealed_at'].astimezone(UTC):%Y-%m-%d %H:%M:%S}Z",
        err=True,
    )
    if as_json:
        click.echo(json.dumps(to_plain(opened), indent=2))
    else:
        click.echo(render_picture(opened), nl=False)


def _choose(
    sealed_pictures: list[dict[str, Any]], case: uuid.UUID, revision: int | None, topic: str
) -> dict[str, Any]:
    """The case's latest sealed picture, or the one of ``revision``.

    Raises:
        MashError: the topic holds no picture of the case, or not that revision.
    """
    of_case = [sealed for sealed in sealed_pictures if str(sealed["case_id"]) == str(case)]
    if not of_case:
        raise MashError(f"no picture of case {case} on {topic}")
    if revision is not None:
        revisions = sorted({sealed["revision"] for sealed in of_case})
        of_case = [sealed for sealed in of_case if sealed["revision"] == revision]
        if not of_case:
            listed = ", ".join(str(number) for number in revisions)
            raise MashError(f"case {case} has no revision {revision} on {topic} (has {listed})")
    # A revision sent twice (a redelivery) is the same picture; the later seal wins.
    return max(of_case, key=lambda sealed: (sealed["revision"], sealed["sealed_at"]))
