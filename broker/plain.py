"""Plain JSON values (as people write them in files) to Avro values and back.

People write ``"2026-11-23T09:30:00Z"`` and ``"6f1c..."``; Avro wants datetimes,
dates and UUIDs. :func:`from_plain` converts by walking the schema and collects
every problem with its field path, so a bad file is answered with one line per
problem rather than the first one only. :func:`to_plain` is the reverse, for
printing values as JSON.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from broker.codec import millis
from broker.errors import MashError
from broker.schema_store import full_name

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a value: where, and why."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InvalidValue(MashError):
    """A value does not fit its schema; ``problems`` lists every reason."""

    def __init__(self, what: str, problems: list[Problem]) -> None:
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{what} has {len(problems)} problem(s):\n{lines}")
        self.problems = problems


class _Walker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.named: dict[str, Any] = {}

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def convert(self, schema: Any, value: Any, path: str) -> Any:
        if isinstance(schema, str) and schema not in PRIMITIVES:
            return self.convert(self.named[schema], value, path)
        if isinstance(schema, list):
            return self.union(schema, value, path)
        kind = schema if isinstance(schema, str) else schema["type"]
        logical = schema.get("logicalType") if isinstance(schema, dict) else None
        if logical == "uuid":
            return self.parse(path, value, "a UUID", lambda v: uuid.UUID(str(v)))
        if logical == "timestamp-millis":
            return self.parse(path, value, "an ISO 8601 time with a zone", _timestamp)
        if logical == "date":
            return self.parse(path, value, "an ISO 8601 date (YYYY-MM-DD)", _date)
        if kind == "record":
            return self.record(schema, value, path)
        if kind == "enum":
            if value not in schema["symbols"]:
                self.fail(path, f"{value!r} is not one of {', '.join(schema['symbols'])}")
            return value
        if kind == "array":
            if not isinstance(value, list):
                self.fail(path, "expected a list")
                return value
            return [
                self.convert(schema["items"], item, f"{path}[{i}]") for i, item in enumerate(value)
            ]
        if kind == "map":
            if not isinstance(value, dict):
                self.fail(path, "expected a mapping")
                return value
            return {k: self.convert(schema["values"], v, f"{path}.{k}") for k, v in value.items()}
        return self.primitive(kind, value, path)

    def record(self, schema: dict[str, Any], value: Any, path: str) -> Any:
        if not isinstance(value, Mapping):
            self.fail(path or schema["name"], "expected a mapping of fields")
            return value
        known = {field["name"] for field in schema["fields"]}
        for extra in sorted(set(value) - known):
            self.fail(_join(path, extra), "is not a field of " + schema["name"])
        converted = {}
        for field in schema["fields"]:
            name, where = field["name"], _join(path, field["name"])
            if name in value:
                converted[name] = self.convert(field["type"], value[name], where)
            elif "default" in field:
                converted[name] = self.convert(field["type"], field["default"], where)
            else:
                self.fail(where, "is required")
        return converted

    def union(self, branches: list[Any], value: Any, path: str) -> Any:
        if value is None and "null" in branches:
            return None
        for branch in branches:
            if branch == "null":
                continue
            trial = _Walker()
            trial.named = self.named
            converted = trial.convert(branch, value, path)
            if not trial.problems:
                return converted
        candidates = [b for b in branches if b != "null"]
        if len(candidates) == 1:
            return self.convert(candidates[0], value, path)
        self.fail(path, "fits none of the allowed types")
        return value

    def primitive(self, kind: str, value: Any, path: str) -> Any:
        checks: dict[str, tuple[type | tuple[type, ...], str]] = {
            "null": (type(None), "null"),
            "boolean": (bool, "true or false"),
            "int": (int, "a whole number"),
            "long": (int, "a whole number"),
            "float": ((int, float), "a number"),
            "double": ((int, float), "a number"),
            "string": (str, "text"),
        }
        if kind == "bytes":
            return self.parse(
                path, value, "base64 text", lambda v: base64.b64decode(v, validate=True)
            )
        expected, words = checks[kind]
        if not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool)):
            self.fail(path, f"expected {words}, got {value!r}")
        elif kind in ("float", "double"):
            return float(value)  # type: ignore[arg-type]  # an int or float, checked above
        return value

    def parse(self, path: str, value: Any, words: str, parser: Any) -> Any:
        try:
            return parser(value)
        except (ValueError, TypeError, AttributeError):
            self.fail(path, f"expected {words}, got {value!r}")
            return value


def _named_types(schema: Any, found: dict[str, Any]) -> dict[str, Any]:
    """Every named type defined anywhere in ``schema``, by full name."""
    if isinstance(schema, list):
        for branch in schema:
            _named_types(branch, found)
    elif isinstance(schema, dict):
        if schema.get("type") in ("record", "enum", "fixed"):
            found[full_name(schema)] = schema
        for field in schema.get("fields", []):
            _named_types(field["type"], found)
        for key in ("items", "values"):
            if key in schema:
                _named_types(schema[key], found)
    return found


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    moment = moment.astimezone(UTC)
    return millis(moment)


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise TypeError(value)
    return date.fromisoformat(value)


def from_plain(definition: Mapping[str, Any], value: Any, what: str) -> dict[str, Any]:
    """The Avro value for a plain JSON value of the record ``definition``.

    Raises:
        InvalidValue: listing every problem with its field path.
    """
    walker = _Walker()
    walker.named = _named_types(dict(definition), {})
    converted = walker.convert(dict(definition), value, "")
    if walker.problems:
        raise InvalidValue(what, walker.problems)
    assert isinstance(converted, dict)  # noqa: S101 - a record converts to a dict
    return converted


def to_plain(value: Any) -> Any:
    """A JSON-ready copy: UUIDs and dates as text, bytes as base64."""
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value
