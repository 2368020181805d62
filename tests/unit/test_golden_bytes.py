"""Golden bytes per schema: a fixed record encodes to exactly the committed bytes."""

from __future__ import annotations

import pytest

from broker.codec import AvroCodec
from tests.examples import EXAMPLES
from tests.golden import golden_path, read_golden

CODEC = AvroCodec()


@pytest.mark.parametrize("schema", sorted(EXAMPLES))
def test_example_encodes_to_golden_bytes(schema: str) -> None:
    expected = read_golden(schema)
    actual = CODEC.encode(schema, EXAMPLES[schema])
    assert actual == expected, (
        f"{schema} no longer encodes to {golden_path(schema).name}; if the schema change "
        "is intended (and the evolution guard passes), run: python -m tests.golden"
    )


@pytest.mark.parametrize("schema", sorted(EXAMPLES))
def test_golden_bytes_decode_to_the_example(schema: str) -> None:
    decoded = CODEC.decode(read_golden(schema), schema)
    assert decoded.value == EXAMPLES[schema]
    assert decoded.fingerprint == CODEC.store.fingerprint_bytes(schema)
