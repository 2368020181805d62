"""``mash contact submit``, ``mash request send`` and ``mash responses watch``.

The last two let an agency's IT team exercise a connector before the MASH's
own agents are live: ``request send`` asks an agency about a contact's subjects,
signed with the triage agent's key from the local keystore, and ``responses
watch`` shows what comes back.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from aiokafka import AIOKafkaConsumer

from broker.catalogue import Agency, request_topic, topic_name
from broker.codec import AvroCodec, millis
from broker.envelope import Verifier
from broker.errors import RejectedMessage
from broker.kafka_client import connection_options
from broker.keystore import Keystore, default_keystore
from broker.plain import to_plain
from broker.settings import MashSettings
from broker.transport import open_record, publish_signed, raw_record
from broker.vocabulary import categories_of
from connectors.intake import read_contact, submit_contact
from mash.options import bootstrap_option, json_option, settings_for

REQUEST = "uk.mash.v1.InformationRequest"
RESPONSE = "uk.mash.v1.InformationResponse"
TRIAGE = "agent.triage"
AGENCIES = [agency.value for agency in Agency]


def keystore_for(settings: MashSettings) -> Keystore:
    """The configured keystore."""
    return Keystore(settings.keystore or default_keystore())


@click.group()
def contact() -> None:
    """Submit contacts (referrals) to the MASH."""


@contact.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@bootstrap_option
def submit(file: Path, bootstrap: str | None) -> None:
    """Check a contact in a JSON or YAML FILE and publish it to mash.contacts.v1.

    Nothing is published unless the whole contact is valid; every problem is
    listed with its field path. See examples/contact.yaml.
    """
    settings = settings_for(bootstrap)
    value = read_contact(file)
    sent = asyncio.run(submit_contact(value, settings, keystore_for(settings)))
    click.echo(
        f"contact {value['contact_id']} (case {value['case_id']}) published to "
        f"{sent.topic}[{sent.partition}]@{sent.offset}"
    )


@click.group()
def request() -> None:
    """Send information requests to an agency's connector (for testing connectors)."""


def request_from_contact(
    value: dict[str, Any],
    agency: Agency,
    categories: tuple[str, ...],
    since: date | None,
    now: datetime,
) -> dict[str, Any]:
    """An InformationRequest to ``agency`` about every subject of a contact."""
    return {
        "request_id": uuid.uuid4(),
        "case_id": value["case_id"],
        "contact_id": value["contact_id"],
        "agency": agency.name,
        "subjects": value["subjects"],
        "purpose": "MASH_SCREENING",
        "purpose_detail": None,
        "concern_categories": value["concern_categories"],
        "level_of_need": value["referrer_level_of_need"],
        "rag_rating": "AMBER",
        "deadline": (now + timedelta(hours=24)).replace(microsecond=0),
        "categories_permitted": list(categories),
        "history_since": since,
        "lawful_basis": value["lawful_basis"],
        "consent": value["consent"],
        "issued_at": millis(now),
    }


@request.command("send")
@click.argument("contact_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--agency", type=click.Choice(AGENCIES), required=True, help="The agency to ask.")
@click.option(
    "--categories",
    help="Comma-separated category codes the agency may return (default: all of its "
    "vocabulary), e.g. police.domestic_abuse_incident,police.missing_episode.",
)
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Only events from this date (YYYY-MM-DD)."
)
@bootstrap_option
def send(
    contact_file: Path,
    agency: str,
    categories: str | None,
    since: datetime | None,
    bootstrap: str | None,
) -> None:
    """Ask AGENCY about the subjects of the contact in CONTACT_FILE.

    Signed as the triage agent with the key in the local keystore.
    """
    settings = settings_for(bootstrap)
    asked = Agency(agency)
    vocabulary = categories_of(asked.value)
    chosen = tuple(c.strip() for c in categories.split(",")) if categories else vocabulary
    unknown = [code for code in chosen if code not in vocabulary]
    if unknown:
        raise click.BadParameter(
            f"not {agency} categories: {', '.join(unknown)}", param_hint="--categories"
        )
    value = request_from_contact(
        read_contact(contact_file),
        asked,
        chosen,
        since.date() if since else None,
        datetime.now(UTC),
    )
    keystore = keystore_for(settings)
    asyncio.run(
        publish_signed(
            settings,
            keystore.signing_key(TRIAGE),
            keystore.case_keys(),
            request_topic(asked, settings.topic_prefix),
            REQUEST,
            [(str(value["case_id"]).encode(), value)],
        )
    )
    click.echo(
        f"request {value['request_id']} to {agency} for case {value['case_id']}: "
        f"{len(value['subjects'])} subject(s), {len(chosen)} categories permitted"
    )


@click.group()
def responses() -> None:
    """Read the agencies' responses."""


@responses.command("watch")
@click.option("--case", "case_id", help="Only responses for this case id.")
@click.option("--from-beginning", is_flag=True, help="Start from the oldest response kept.")
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many responses.")
@click.option("--timeout", type=float, help="Stop after this many seconds without a response.")
@bootstrap_option
@json_option
def watch(
    case_id: str | None,
    from_beginning: bool,
    count: int | None,
    timeout: float | None,
    bootstrap: str | None,
    as_json: bool,
) -> None:
    """Print responses as they arrive, each verified and decoded (Ctrl-C to stop)."""
    settings = settings_for(bootstrap)
    shown = asyncio.run(_watch(settings, case_id, from_beginning, count, timeout, as_json))
    click.echo(f"{shown} response(s)", err=True)


async def _watch(
    settings: MashSettings,
    case_id: str | None,
    from_beginning: bool,
    count: int | None,
    idle_limit: float | None,
    as_json: bool,
) -> int:
    keystore = keystore_for(settings)
    codec, verifier, case_keys = AvroCodec(), Verifier(keystore.keyring()), keystore.case_keys()
    consumer = AIOKafkaConsumer(
        topic_name("responses", settings.topic_prefix),
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        **connection_options(settings),
    )
    await consumer.start()
    shown, idle_since = 0, asyncio.get_running_loop().time()
    try:
        while count is None or shown < count:
            batches = await consumer.getmany(timeout_ms=500)
            now = asyncio.get_running_loop().time()
            if not batches and idle_limit is not None and now - idle_since > idle_limit:
                break
            for record in (r for records in batches.values() for r in records):
                idle_since = now
                try:
                    received = open_record(raw_record(record), codec, verifier, case_keys, RESPONSE)
                except RejectedMessage as refused:
                    click.echo(f"offset {record.offset}: not trusted ({refused.reason}: {refused})")
                    continue
                response, envelope = received.value, received.envelope
                if case_id and str(response["case_id"]) != case_id:
                    continue
                shown += 1
                if as_json:
                    click.echo(json.dumps({"sender": envelope.sender, **to_plain(response)}))
                else:
                    click.echo(describe_response(response, envelope.sender))
    finally:
        await consumer.stop()
    return shown


def describe_response(response: dict[str, Any], sender: str) -> str:
    """A response as a social worker would want to read it."""
    lines = [
        f"{response['agency'].lower()} (signed by {sender}) answered request "
        f"{response['request_id']} for case {response['case_id']}:"
    ]
    for subject in response["subjects"]:
        recorded = subject["recorded_person"]
        name = ""
        if recorded and recorded["names"]:
            first = recorded["names"][0]
            name = f" as {first['given_names'] or ''} {first['family_name'] or ''}".rstrip()
        confidence = subject["match_confidence"]
        on = ", ".join(subject["matched_fields"])
        lines.append(
            f"  subject {subject['person_id']}: {subject['match_outcome']}{name}"
            + (f" (confidence {confidence:.2f} on {on})" if confidence is not None else "")
        )
        for finding in subject["findings"]:
            when = finding["event_date"].isoformat() if finding["event_date"] else "undated"
            lines.append(
                f"    - [{finding['category']}] {when} {finding['severity'].lower()}: "
                f"{finding['summary']}"
            )
    return "\n".join(lines)
