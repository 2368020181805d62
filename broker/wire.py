"""Choosing the wire format from the settings."""

from __future__ import annotations

from broker.codec import AvroCodec
from broker.confluent import ConfluentCodec, SchemaRegistryClient
from broker.settings import MashSettings
from broker.types import Codec


def codec_for(settings: MashSettings) -> Codec:
    """Single-object encoding by default; the Confluent format when a registry is set."""
    if settings.schema_registry_url is None:
        return AvroCodec()
    password = settings.schema_registry_password
    return ConfluentCodec(
        SchemaRegistryClient(
            settings.schema_registry_url,
            username=settings.schema_registry_username,
            password=password.get_secret_value() if password else None,
        )
    )
