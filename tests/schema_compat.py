"""Schema compatibility by the Apache Avro reference implementation's own checker."""

from __future__ import annotations

import json
from typing import Any

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType


def field_path(reader: dict[str, Any], location: str) -> str:
    """Turn a checker location such as ``/fields/3/type/items/fields/1`` into field names."""
    names = [reader["name"]]
    node: Any = reader
    steps = [step for step in location.split("/") if step]
    for step in steps:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit():
            node = node[int(step)]
            if isinstance(node, dict) and "name" in node and "type" in node:
                names.append(node["name"])
        else:
            break
    return ".".join(names)


def incompatibilities(reader: dict[str, Any], writer: dict[str, Any]) -> list[str]:
    """Why data written with ``writer`` cannot be read with ``reader``; empty if it can."""
    result = ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer))
    )
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    kinds = ", ".join(sorted(kind.value for kind in result.incompatibilities))
    where = ", ".join(sorted(field_path(reader, location) for location in result.locations))
    detail = ", ".join(sorted(str(message) for message in result.messages))
    return [f"{kinds} at {where} ({detail})"]
