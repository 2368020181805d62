"""Interoperability with Apache Avro's reference implementation (the ``avro`` package).

Both ways, for every record type: what the codec writes, the reference reads;
what the reference writes, framed as single-object encoding, the codec reads.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import avro.io
import avro.schema
import pytest
from fastavro.schema import to_parsing_canonical_form
from hypothesis import HealthCheck, given, settings

from broker.codec import SOE_HEADER_BYTES, SOE_MARKER, AvroCodec
from tests.avro_strategies import values_for
from tests.examples import EXAMPLES

CODEC = AvroCodec()
STORE = CODEC.store
RECORDS = [n for n in STORE.names() if STORE.definition(n)["type"] == "record"]
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PRIMITIVE_NAMES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def reference(name: str) -> avro.schema.Schema:
    return avro.schema.parse(json.dumps(STORE.definition(name)))


def plain(value: Any) -> Any:
    """The reference package represents UUIDs as text; compare on that."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def reference_reads(name: str, data: bytes) -> Any:
    body = io.BytesIO(data[SOE_HEADER_BYTES:])
    return avro.io.DatumReader(reference(name)).read(avro.io.BinaryDecoder(body))


def reference_writes(name: str, value: Any) -> bytes:
    out = io.BytesIO()
    avro.io.DatumWriter(reference(name)).write(plain(value), avro.io.BinaryEncoder(out))
    return SOE_MARKER + STORE.fingerprint_bytes(name) + out.getvalue()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_interoperate_both_ways(name: str) -> None:
    ours = CODEC.encode(name, EXAMPLES[name])
    assert reference_reads(name, ours) == plain(EXAMPLES[name])
    theirs = reference_writes(name, EXAMPLES[name])
    assert theirs == ours, "the reference writes the same bytes"
    assert CODEC.decode(theirs, name).value == EXAMPLES[name]


@pytest.mark.parametrize("name", RECORDS)
def test_every_record_type_interoperates_both_ways(name: str) -> None:
    @PROPERTY
    @given(values_for(STORE.definition(name)))
    def both_ways(value: dict[str, Any]) -> None:
        ours = CODEC.encode(name, value)
        assert plain(reference_reads(name, ours)) == plain(value)
        assert CODEC.decode(reference_writes(name, value), name).value == value

    both_ways()


def spec_canonical(node: Any) -> Any:
    """Undo the reference package's one deviation from Parsing Canonical Form.

    The specification writes a primitive as its bare name; avro-python keeps a
    logical-typed primitive as {"type": "string"}. fastavro (and Avro for Java)
    follow the specification, so single-object fingerprints use that form.
    """
    if isinstance(node, dict):
        if set(node) == {"type"} and node["type"] in PRIMITIVE_NAMES:
            return node["type"]
        return {key: spec_canonical(item) for key, item in node.items()}
    if isinstance(node, list):
        return [spec_canonical(item) for item in node]
    return node


@pytest.mark.parametrize("name", STORE.names())
def test_fingerprints_agree_with_the_reference_up_to_its_known_deviation(name: str) -> None:
    theirs = reference(name)

    ours = json.loads(to_parsing_canonical_form(STORE.schema(name)))
    assert spec_canonical(json.loads(theirs.canonical_form)) == ours
    if theirs.canonical_form == json.dumps(ours, separators=(",", ":")):
        assert theirs.fingerprint("CRC-64-AVRO") == STORE.fingerprint_bytes(name)
