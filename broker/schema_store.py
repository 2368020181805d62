"""The schemas shipped in ``schemas/``, parsed once, with their fingerprints.

Files reference each other's named types by full name (``uk.mash.v1.Person``),
so they are parsed in dependency order against one shared set of named types.
A type's *writer schema* is self-contained: every referenced type is written out
in full where it is first used and named after that, as Avro requires of a
schema sent or fingerprinted alone (single-object encoding, the reference
implementation). Its fingerprint is the CRC-64-AVRO of that schema's parsing
canonical form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from fastavro.schema import (
    SchemaParseException,
    UnknownType,
    fingerprint,
    parse_schema,
    to_parsing_canonical_form,
)

from broker.errors import SchemaNotFound
from schemas import avsc_texts, released_texts

ParsedSchema = dict[str, Any]
NAMED_KINDS = ("record", "error", "enum", "fixed")


@dataclass(frozen=True)
class WriterSchema:
    """A schema some writer may have used, found by its fingerprint."""

    name: str
    parsed: ParsedSchema
    current: bool
    release: str | None


def full_name(definition: dict[str, Any]) -> str:
    """The full name of a named type's definition."""
    name: str = definition["name"]
    namespace = definition.get("namespace")
    return name if "." in name or not namespace else f"{namespace}.{name}"


def version_key(version: str) -> tuple[int, ...]:
    """Order release versions numerically: 0.10.0 comes after 0.9.0."""
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError as exc:
        raise SchemaNotFound(f"release folder {version!r} is not a version like 1.2.3") from exc


class SchemaStore:
    """All packaged schemas, by full name."""

    def __init__(
        self, texts: dict[str, str], released: dict[str, dict[str, str]] | None = None
    ) -> None:
        self._named: dict[str, ParsedSchema] = {}
        self._raw: dict[str, dict[str, Any]] = {}
        self._files: dict[str, str] = {}
        self._writer: dict[str, ParsedSchema] = {}
        self._fingerprints: dict[str, bytes] = {}
        self._parse_in_dependency_order(texts)
        self._by_fingerprint: dict[bytes, WriterSchema] = {}
        self._releases: dict[str, dict[str, WriterSchema]] = {}
        for version, files in sorted(
            (released or {}).items(), key=lambda item: version_key(item[0])
        ):
            self._add_release(version, files)
        for name in self._files:
            self._by_fingerprint[self.fingerprint_bytes(name)] = WriterSchema(
                name, self.schema(name), current=True, release=None
            )

    def _add_release(self, version: str, files: dict[str, str]) -> None:
        for file_name, text in files.items():
            try:
                parsed = parse_schema(json.loads(text), named_schemas={})
            except (ValueError, SchemaParseException, UnknownType) as exc:
                raise SchemaNotFound(
                    f"released schema {version}/{file_name} is invalid: {exc}"
                ) from exc
            assert isinstance(parsed, dict)  # noqa: S101 - release files hold named types
            canonical = to_parsing_canonical_form(parsed)
            digest = bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))
            writer = WriterSchema(parsed["name"], parsed, current=False, release=version)
            self._by_fingerprint[digest] = writer
            self._releases.setdefault(version, {})[writer.name] = writer

    def writer_for(self, digest: bytes) -> WriterSchema | None:
        """The current or released schema with this CRC-64-AVRO fingerprint."""
        return self._by_fingerprint.get(digest)

    def releases(self) -> dict[str, dict[str, WriterSchema]]:
        """Released writer schemas by version (oldest first), then by type name."""
        return self._releases

    def _parse_in_dependency_order(self, texts: dict[str, str]) -> None:
        pending = {name: json.loads(text) for name, text in texts.items()}
        while pending:
            progress = False
            errors: dict[str, str] = {}
            for file_name, raw in list(pending.items()):
                try:
                    parsed = parse_schema(raw, named_schemas=self._named)
                except UnknownType as exc:
                    errors[file_name] = f"unknown type {exc.name}"
                    continue
                except SchemaParseException as exc:
                    raise SchemaNotFound(f"schema file {file_name} is invalid: {exc}") from exc
                if not isinstance(parsed, dict) or parsed.get("type") not in NAMED_KINDS:
                    raise SchemaNotFound(f"{file_name} does not hold one named type")
                name = full_name(raw)
                self._files[name] = file_name
                self._raw[name] = raw
                del pending[file_name]
                progress = True
            if not progress:
                detail = "; ".join(f"{name}: {why}" for name, why in sorted(errors.items()))
                raise SchemaNotFound(f"schema files reference types nobody defines: {detail}")

    def names(self) -> list[str]:
        """Full names of every packaged type, sorted."""
        return sorted(self._files)

    def file_of(self, name: str) -> str:
        """The ``.avsc`` file that defines a type."""
        self._require(name)
        return self._files[name]

    def definition(self, name: str) -> dict[str, Any]:
        """The type's self-contained JSON definition, every reference written out."""
        self._require(name)
        inlined: dict[str, Any] = self._inline(self._raw[name], set())
        return inlined

    def schema(self, name: str) -> ParsedSchema:
        """The type parsed on its own from its self-contained definition (cached)."""
        if name not in self._writer:
            parsed = parse_schema(self.definition(name), named_schemas={})
            assert isinstance(parsed, dict)  # noqa: S101 - a named type parses to a dict
            self._writer[name] = parsed
        return self._writer[name]

    def fingerprint(self, name: str) -> str:
        """CRC-64-AVRO fingerprint (hex, little-endian bytes) of the parsing canonical form."""
        return self.fingerprint_bytes(name).hex()

    def fingerprint_bytes(self, name: str) -> bytes:
        """The 8 fingerprint bytes as single-object encoding writes them (cached)."""
        if name not in self._fingerprints:
            canonical = to_parsing_canonical_form(self.schema(name))
            self._fingerprints[name] = bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))
        return self._fingerprints[name]

    def _inline(self, node: Any, written: set[str]) -> Any:
        """Copy ``node`` with each named type defined at its first use, named after."""
        if isinstance(node, str):
            if node in self._raw and node not in written:
                return self._inline(self._raw[node], written)
            return node
        if isinstance(node, list):
            return [self._inline(branch, written) for branch in node]
        if not isinstance(node, dict):
            return node
        kind = node.get("type")
        if kind in NAMED_KINDS:
            written.add(full_name(node))
        if kind in ("record", "error"):
            fields = [{**f, "type": self._inline(f["type"], written)} for f in node["fields"]]
            return {**node, "fields": fields}
        if kind == "array":
            return {**node, "items": self._inline(node["items"], written)}
        if kind == "map":
            return {**node, "values": self._inline(node["values"], written)}
        if kind in ("enum", "fixed"):
            return dict(node)
        return {**node, "type": self._inline(kind, written)}

    def _require(self, name: str) -> None:
        if name not in self._files:
            raise SchemaNotFound(f"no schema named {name} ships in schemas/")

    def __contains__(self, name: object) -> bool:
        return name in self._files


@cache
def packaged_schemas() -> SchemaStore:
    """The store of every schema shipped with the installed package."""
    return SchemaStore(avsc_texts(), released_texts())
