"""Interfaces of the core, apart from their implementations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from broker.codec import Decoded
from broker.schema_store import SchemaStore


class Codec(Protocol):
    """Turns values of the packaged schemas into bytes on the wire and back.

    Implemented by :class:`broker.codec.AvroCodec` (single-object encoding) and
    :class:`broker.confluent.ConfluentCodec` (Confluent wire format).
    """

    store: SchemaStore
    max_bytes: int

    def encode(self, schema: str, value: Mapping[str, Any]) -> bytes:
        """The bytes of ``value`` written with the current ``schema``."""

    def decode(self, data: bytes, expected: str | None = None) -> Decoded:
        """The value in ``data``; raises DecodeError with the dead-letter reason."""

    def check_size(self, data: bytes) -> None:
        """Raise DecodeError(OVERSIZED) for a value over ``max_bytes``."""
