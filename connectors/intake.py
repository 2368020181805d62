"""Contact intake: a contact from a file (JSON or YAML) onto ``mash.contacts.v1``.

Everything is checked before anything is published, and a bad file is answered
with one line per problem (field path and why): the schema, then the rules the
guidance sets for a contact:

- it is about at least one child (the MASH is the front door for worries about
  a child: Wigan MASH information for professionals);
- consent given says when it was obtained ("a record made of what they have
  consented to": Wigan thresholds, Consent and Confidentiality);
- consent refused or not sought carries the reason and the legal gateway relied
  on to proceed without it (Oldham 4.1, 4.4; Wigan, Consent and Confidentiality);
- subjects have distinct person ids; it was not received in the future.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata

from broker.catalogue import topic_name
from broker.codec import AvroCodec
from broker.envelope import Signer
from broker.errors import ConfigurationError
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.plain import InvalidValue, Problem, from_plain
from broker.schema_store import packaged_schemas
from broker.settings import MashSettings
from broker.transport import Publisher

CONTACT = "uk.mash.v1.Contact"
INTAKE = "intake"
CLOCK_SKEW = timedelta(minutes=5)


def read_contact(path: Path) -> dict[str, Any]:
    """The contact in a JSON or YAML file, checked.

    Raises:
        ConfigurationError: the file cannot be read or parsed.
        InvalidValue: listing every problem with the contact.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        plain = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigurationError(
            f"{path} is not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}"
        ) from exc
    return check_contact(plain, str(path))


def check_contact(plain: Any, what: str = "contact") -> dict[str, Any]:
    """The Avro value of a plain contact, after every check.

    Raises:
        InvalidValue: listing every problem.
    """
    contact = from_plain(packaged_schemas().definition(CONTACT), plain, what)
    problems = rule_problems(contact)
    if problems:
        raise InvalidValue(what, problems)
    return contact


def rule_problems(contact: dict[str, Any]) -> list[Problem]:
    """What breaks the guidance's rules for a contact (the schema already holds)."""
    problems = []
    roles = [subject["role"] for subject in contact["subjects"]]
    if "CHILD" not in roles:
        problems.append(Problem("subjects", "no subject has the role CHILD"))
    ids = [str(subject["person_id"]) for subject in contact["subjects"]]
    for repeated in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(Problem("subjects", f"person_id {repeated} appears more than once"))
    consent = contact["consent"]
    if consent["status"] == "GIVEN" and consent["obtained_at"] is None:
        problems.append(Problem("consent.obtained_at", "consent GIVEN must say when"))
    if consent["status"] in ("REFUSED", "NOT_SOUGHT"):
        override = consent["override"]
        if override is None:
            problems.append(
                Problem(
                    "consent.override",
                    f"consent {consent['status']}: record why, and the legal gateway relied on",
                )
            )
        else:
            if not override["reason"].strip():
                problems.append(Problem("consent.override.reason", "must not be empty"))
            if not override["legal_gateway"]:
                problems.append(Problem("consent.override.legal_gateway", "name at least one"))
    if contact["received_at"] > datetime.now(UTC) + CLOCK_SKEW:
        problems.append(Problem("received_at", "is in the future"))
    return problems


async def submit_contact(
    contact: dict[str, Any], settings: MashSettings, keystore: Keystore
) -> RecordMetadata:
    """Publish a checked contact, signed by intake, keyed by its case id."""
    producer = AIOKafkaProducer(acks="all", **connection_options(settings))
    await producer.start()
    try:
        publisher = Publisher(producer, AvroCodec(), Signer(keystore.signing_key(INTAKE)))
        return await publisher.publish(
            topic_name("contacts", settings.topic_prefix),
            CONTACT,
            contact,
            key=str(contact["case_id"]).encode(),
        )
    finally:
        await producer.stop()


__all__ = ["InvalidValue", "check_contact", "read_contact", "submit_contact"]
