"""The schemas shipped in ``schemas/``, parsed once, with their fingerprints.

Files reference each other's named types by full name (``uk.mash.v1.Person``),
so they are parsed in dependency order against one shared set of named types.
A type's fingerprint is the CRC-64-AVRO of the parsing canonical form of the
type with every referenced type expanded in place, as the Avro single-object
encoding requires.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from fastavro.schema import (
    SchemaParseException,
    UnknownType,
    expand_schema,
    fingerprint,
    parse_schema,
    to_parsing_canonical_form,
)

from broker.errors import SchemaNotFound
from schemas import avsc_texts

ParsedSchema = dict[str, Any]


class SchemaStore:
    """All packaged schemas, by full name."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._named: dict[str, ParsedSchema] = {}
        self._files: dict[str, str] = {}
        self._parse_in_dependency_order(texts)

    def _parse_in_dependency_order(self, texts: dict[str, str]) -> None:
        pending = {name: json.loads(text) for name, text in texts.items()}
        while pending:
            progress = False
            errors: dict[str, str] = {}
            for file_name, raw in list(pending.items()):
                try:
                    parsed = parse_schema(raw, named_schemas=self._named)
                    if not isinstance(parsed, dict) or "name" not in parsed:
                        raise SchemaNotFound(f"{file_name} does not hold one named type")
                except UnknownType as exc:
                    errors[file_name] = f"unknown type {exc.name}"
                    continue
                except SchemaParseException as exc:
                    raise SchemaNotFound(f"schema file {file_name} is invalid: {exc}") from exc
                self._files[parsed["name"]] = file_name
                del pending[file_name]
                progress = True
            if not progress:
                detail = "; ".join(f"{name}: {why}" for name, why in sorted(errors.items()))
                raise SchemaNotFound(f"schema files reference types nobody defines: {detail}")

    def names(self) -> list[str]:
        """Full names of every packaged type, sorted."""
        return sorted(self._files)

    def file_of(self, full_name: str) -> str:
        """The ``.avsc`` file that defines a type."""
        self._require(full_name)
        return self._files[full_name]

    def schema(self, full_name: str) -> ParsedSchema:
        """The parsed type, with every referenced type expanded in place."""
        self._require(full_name)
        expanded = expand_schema(self._named[full_name])
        assert isinstance(expanded, dict)  # noqa: S101 - a named type expands to a dict
        return expanded

    def fingerprint(self, full_name: str) -> str:
        """CRC-64-AVRO fingerprint (hex) of the type's parsing canonical form."""
        canonical = to_parsing_canonical_form(self.schema(full_name))
        digest: str = fingerprint(canonical, "CRC-64-AVRO")
        return digest

    def _require(self, full_name: str) -> None:
        if full_name not in self._files:
            raise SchemaNotFound(f"no schema named {full_name} ships in schemas/")

    def __contains__(self, full_name: object) -> bool:
        return full_name in self._files


@cache
def packaged_schemas() -> SchemaStore:
    """The store of every schema shipped with the installed package."""
    return SchemaStore(avsc_texts())
