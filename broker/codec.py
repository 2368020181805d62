"""Avro on the wire: single-object encoding, writer schemas found by fingerprint.

Every value is written as the Avro specification's single-object encoding: the
two-byte marker ``C3 01``, the 8-byte little-endian CRC-64-AVRO fingerprint of
the writer schema, then the Avro binary body. A reader looks the fingerprint up
among the current and every released schema and resolves the writer's data to
its own (current) schema, so old messages stay readable after a schema evolves.

Anything that cannot be read raises :class:`~broker.errors.DecodeError` with the
dead-letter reason; nothing else escapes ``decode``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.validation import validate

from broker.errors import DecodeError, EncodeError
from broker.schema_store import SchemaStore, packaged_schemas

SOE_MARKER = b"\xc3\x01"
SOE_HEADER_BYTES = len(SOE_MARKER) + 8
#: Kafka's default largest message; a bigger value is refused before parsing.
DEFAULT_MAX_BYTES = 1_048_576


def millis(moment: datetime) -> datetime:
    """``moment`` cut to whole milliseconds, as ``timestamp-millis`` carries it."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class AvroValue:
    """A value with the name of its schema: what agents send and receive."""

    schema: str
    value: dict[str, Any]


@dataclass(frozen=True)
class Decoded(AvroValue):
    """A value read from the wire, resolved to the current schema.

    ``fingerprint`` is the writer's, which may be an earlier release's.
    """

    fingerprint: bytes


class AvroCodec:
    """Encodes and decodes the packaged schemas in single-object encoding."""

    def __init__(
        self, store: SchemaStore | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.store = store or packaged_schemas()
        self.max_bytes = max_bytes

    def encode(self, schema: str, value: Mapping[str, Any]) -> bytes:
        """The single-object encoding of ``value`` with the current ``schema``.

        Raises:
            EncodeError: naming the field that does not fit the schema.
        """
        parsed = self.store.schema(schema)
        out = BytesIO()
        out.write(SOE_MARKER)
        out.write(self.store.fingerprint_bytes(schema))
        write_body(out, schema, parsed, value)
        return out.getvalue()

    def check_size(self, data: bytes) -> None:
        """Refuse a value over the size limit before any work is spent on it.

        Raises:
            DecodeError: OVERSIZED.
        """
        check_size(data, self.max_bytes)

    def decode(self, data: bytes, expected: str | None = None) -> Decoded:
        """Read a single-object-encoded value, resolved to the current schema.

        Args:
            data: the bytes from the wire.
            expected: the schema the topic carries; another known schema is refused.

        Raises:
            DecodeError: with reason OVERSIZED, TRUNCATED, MALFORMED, UNKNOWN_SCHEMA
                or WRONG_SCHEMA.
        """
        self.check_size(data)
        if data[: len(SOE_MARKER)] != SOE_MARKER[: len(data)]:
            raise DecodeError(
                "MALFORMED", f"not Avro single-object encoding: starts {data[:2].hex(' ')}"
            )
        if len(data) < SOE_HEADER_BYTES:
            raise DecodeError("TRUNCATED", f"{len(data)} bytes is shorter than the header")
        fingerprint = data[len(SOE_MARKER) : SOE_HEADER_BYTES]
        writer = self.store.writer_for(fingerprint)
        if writer is None:
            raise DecodeError(
                "UNKNOWN_SCHEMA", f"no known schema has fingerprint {fingerprint.hex()}"
            )
        if expected is not None and writer.name != expected:
            raise DecodeError("WRONG_SCHEMA", f"expected {expected}, got {writer.name}")
        reader = None if writer.current else self.store.schema(writer.name)
        value = read_body(data, SOE_HEADER_BYTES, writer.name, writer.parsed, reader)
        return Decoded(writer.name, value, fingerprint)


def check_size(data: bytes, max_bytes: int) -> None:
    """Raise DecodeError(OVERSIZED) when ``data`` is over ``max_bytes``."""
    if len(data) > max_bytes:
        raise DecodeError("OVERSIZED", f"{len(data)} bytes is over the {max_bytes}-byte limit")


def write_body(out: BytesIO, name: str, parsed: dict[str, Any], value: Mapping[str, Any]) -> None:
    """Append the Avro binary body of ``value``.

    Raises:
        EncodeError: naming the field that does not fit the schema.
    """
    try:
        schemaless_writer(out, parsed, value)
    except Exception as exc:  # fastavro raises many types; say which field is wrong
        raise EncodeError(f"value does not fit {name}: {_explain(parsed, value, exc)}") from exc


def read_body(
    data: bytes,
    start: int,
    name: str,
    writer: dict[str, Any],
    reader: dict[str, Any] | None,
) -> dict[str, Any]:
    """Read the Avro body that starts at ``start`` and must fill the rest of ``data``.

    Raises:
        DecodeError: TRUNCATED or MALFORMED.
    """
    body = BytesIO(data)
    body.seek(start)
    try:
        value = schemaless_reader(body, writer, reader)
    # Untrusted bytes make fastavro fail in many ways (bad union or enum
    # index, UTF-8, UUID, lengths); all are this one error, with its reason.
    except Exception as exc:
        reason = "TRUNCATED" if _ran_past_the_end(exc) else "MALFORMED"
        raise DecodeError(reason, f"{name} does not decode: {exc!r}") from exc
    trailing = len(data) - body.tell()
    if trailing:
        raise DecodeError("MALFORMED", f"{trailing} bytes after the end of {name}")
    if not isinstance(value, dict):
        raise DecodeError("MALFORMED", f"{name} did not decode to a record")
    return value


def _ran_past_the_end(exc: Exception) -> bool:
    """Whether fastavro failed because the data ended before the record did.

    Its pure-Python reader raises EOFError; its compiled reader raises
    IndexError("string index out of range") when a number runs off the buffer
    (a bad enum or union index is "list index out of range" instead). A negative
    length is malformed, not short.
    """
    if isinstance(exc, EOFError):
        return "Expected -" not in str(exc)
    return isinstance(exc, IndexError) and str(exc) == "string index out of range"


def _explain(parsed: dict[str, Any], value: Mapping[str, Any], exc: Exception) -> str:
    try:
        validate(value, parsed, raise_errors=True)
    except Exception as invalid:  # the validator's message is the explanation
        return str(invalid)
    return repr(exc)
