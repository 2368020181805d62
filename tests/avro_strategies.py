"""Hypothesis strategies that generate values for any Avro schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st

from broker.schema_store import full_name

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
PRIMITIVES: dict[str, st.SearchStrategy[Any]] = {
    "null": st.none(),
    "boolean": st.booleans(),
    "int": st.integers(*INT32),
    "long": st.integers(*INT64),
    "float": st.floats(width=32, allow_nan=False),
    "double": st.floats(allow_nan=False),
    "bytes": st.binary(max_size=64),
    "string": st.text(max_size=24),
}
TIMESTAMPS = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


def values_for(schema: Any, named: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Values that fit ``schema`` (a self-contained JSON definition)."""
    named = {} if named is None else named
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return PRIMITIVES[schema]
        return values_for(named[schema], named)
    if isinstance(schema, list):
        return st.one_of([values_for(branch, named) for branch in schema])
    kind = schema["type"]
    logical = schema.get("logicalType")
    if logical == "uuid":
        return st.uuids()
    if logical == "timestamp-millis":
        return TIMESTAMPS
    if logical == "date":
        return DATES
    if kind == "record":
        named[full_name(schema)] = schema
        fields = {field["name"]: values_for(field["type"], named) for field in schema["fields"]}
        return st.fixed_dictionaries(fields)
    if kind == "enum":
        named[full_name(schema)] = schema
        return st.sampled_from(schema["symbols"])
    if kind == "array":
        return st.lists(values_for(schema["items"], named), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(max_size=8), values_for(schema["values"], named), max_size=3)
    if kind == "fixed":
        named[full_name(schema)] = schema
        return st.binary(min_size=schema["size"], max_size=schema["size"])
    return values_for(kind, named)
