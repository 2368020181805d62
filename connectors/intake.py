"""Contact intake: a contact from a file (JSON or YAML) onto ``mash.contacts.v1``.

Everything is checked before anything is published, and a bad file is answered
with one line per problem (field path and why): first the schema, then the
rules the guidance sets for a contact (``broker.contact_rules``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from aiokafka.structs import RecordMetadata

from broker.catalogue import topic_name
from broker.contact_rules import rule_problems
from broker.errors import ConfigurationError
from broker.keystore import Keystore
from broker.plain import InvalidValue, from_plain
from broker.schema_store import packaged_schemas
from broker.settings import MashSettings
from broker.transport import publish_signed

CONTACT = "uk.mash.v1.Contact"
INTAKE = "intake"


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


async def submit_contact(
    contact: dict[str, Any], settings: MashSettings, keystore: Keystore
) -> RecordMetadata:
    """Publish a checked contact, signed by intake, keyed by its case id."""
    (sent,) = await publish_signed(
        settings,
        keystore.signing_key(INTAKE),
        keystore.case_keys(),
        topic_name("contacts", settings.topic_prefix),
        CONTACT,
        [(str(contact["case_id"]).encode(), contact)],
    )
    return sent


__all__ = ["InvalidValue", "check_contact", "read_contact", "submit_contact"]
