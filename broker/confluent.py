"""The Confluent wire format, for deployments that run a schema registry.

A value is the magic byte ``0``, the registry's 4-byte big-endian schema id,
then the Avro binary body. Schemas are registered under the record's full name
(Confluent's RecordNameStrategy, so one subject serves every topic that carries
the type) through the registry's REST API. Ids and schemas are cached: the
registry is asked once per schema, not once per message.

An unknown id is the message's fault (dead-lettered as UNKNOWN_SCHEMA); a
registry that cannot be reached is not, and raises the retriable
:class:`RegistryUnavailable` so the consumer stops instead of discarding.
"""

from __future__ import annotations

import base64
import json
import struct
import urllib.error
import urllib.request
from collections.abc import Mapping
from io import BytesIO
from typing import Any

from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form

from broker.codec import Decoded, check_size, read_body, write_body
from broker.errors import DecodeError, MashError
from broker.schema_store import SchemaStore, packaged_schemas

MAGIC = b"\x00"
HEADER_BYTES = 5
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
NOT_FOUND = 404


class RegistryUnavailable(MashError):
    """The schema registry did not answer, or answered with an error."""

    retriable = True
    user_error = False


class SchemaRegistryClient:
    """The subset of the Confluent Schema Registry REST API the codec needs."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._auth = None
        if username is not None:
            token = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
            self._auth = f"Basic {token}"
        self._ids: dict[str, int] = {}
        self._schemas: dict[int, str] = {}

    def register(self, subject: str, schema: Mapping[str, Any]) -> int:
        """The id of ``schema`` under ``subject``, registering it if new."""
        text = json.dumps(schema, separators=(",", ":"))
        key = f"{subject}\0{text}"
        if key not in self._ids:
            answer = self._call("POST", f"/subjects/{subject}/versions", {"schema": text})
            self._ids[key] = int(answer["id"])
            self._schemas[self._ids[key]] = text
        return self._ids[key]

    def schema(self, schema_id: int) -> str | None:
        """The schema text with this id, or None if the registry has no such id."""
        if schema_id not in self._schemas:
            try:
                answer = self._call("GET", f"/schemas/ids/{schema_id}", None)
            except _NotFound:
                return None
            self._schemas[schema_id] = str(answer["schema"])
        return self._schemas[schema_id]

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the operator's configured URL
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE},
        )
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as exc:
            if exc.code == NOT_FOUND and method == "GET":
                raise _NotFound from exc
            detail = exc.read().decode(errors="replace")[:200]
            raise RegistryUnavailable(
                f"schema registry {self.url} refused {method} {path}: {exc.code} {detail}"
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise RegistryUnavailable(f"schema registry {self.url} unreachable: {exc}") from exc


class _NotFound(Exception):
    pass


class ConfluentCodec:
    """Encodes and decodes the packaged schemas in the Confluent wire format."""

    def __init__(
        self,
        registry: SchemaRegistryClient,
        store: SchemaStore | None = None,
        *,
        max_bytes: int = 1_048_576,
    ) -> None:
        self.registry = registry
        self.store = store or packaged_schemas()
        self.max_bytes = max_bytes
        self._writers: dict[int, tuple[str, dict[str, Any], bytes]] = {}

    def encode(self, schema: str, value: Mapping[str, Any]) -> bytes:
        """Magic byte, schema id, Avro body.

        Raises:
            EncodeError: the value does not fit; RegistryUnavailable.
        """
        schema_id = self.registry.register(schema, self.store.definition(schema))
        out = BytesIO()
        out.write(MAGIC + struct.pack(">I", schema_id))
        write_body(out, schema, self.store.schema(schema), value)
        return out.getvalue()

    def check_size(self, data: bytes) -> None:
        """Refuse a value over the size limit before any work is spent on it."""
        check_size(data, self.max_bytes)

    def decode(self, data: bytes, expected: str | None = None) -> Decoded:
        """Read a Confluent-framed value, resolved to the current schema.

        Raises:
            DecodeError: OVERSIZED, TRUNCATED, MALFORMED, UNKNOWN_SCHEMA, WRONG_SCHEMA.
            RegistryUnavailable: the registry could not be asked.
        """
        self.check_size(data)
        if data[:1] != MAGIC[: len(data)]:
            raise DecodeError("MALFORMED", f"not Confluent framing: starts {data[:1].hex()}")
        if len(data) < HEADER_BYTES:
            raise DecodeError("TRUNCATED", f"{len(data)} bytes is shorter than the header")
        (schema_id,) = struct.unpack(">I", data[1:HEADER_BYTES])
        name, writer, writer_fingerprint = self._writer(schema_id)
        if expected is not None and name != expected:
            raise DecodeError("WRONG_SCHEMA", f"expected {expected}, got {name}")
        current = writer_fingerprint == self.store.fingerprint_bytes(name)
        reader = None if current else self.store.schema(name)
        value = read_body(data, HEADER_BYTES, name, writer, reader)
        return Decoded(name, value, writer_fingerprint)

    def _writer(self, schema_id: int) -> tuple[str, dict[str, Any], bytes]:
        if schema_id not in self._writers:
            text = self.registry.schema(schema_id)
            if text is None:
                raise DecodeError("UNKNOWN_SCHEMA", f"the registry has no schema id {schema_id}")
            try:
                parsed = parse_schema(json.loads(text), named_schemas={})
            except Exception as exc:  # any unparseable registry schema is unusable
                raise DecodeError("UNKNOWN_SCHEMA", f"schema id {schema_id}: {exc}") from exc
            if not isinstance(parsed, dict) or parsed.get("name") not in self.store:
                raise DecodeError("UNKNOWN_SCHEMA", f"schema id {schema_id} is not a MASH type")
            digest = bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"))
            self._writers[schema_id] = (str(parsed["name"]), parsed, digest)
        return self._writers[schema_id]
