"""Golden bytes: the exact single-object encoding of each example record.

A change to a schema, to the framing or to the Avro library's output changes
these bytes, and the golden test fails until they are regenerated on purpose:

    .venv/bin/python -m tests.golden
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from broker.codec import AvroCodec
from tests.examples import EXAMPLES

FOLDER = Path(__file__).parent / "golden_bytes"


def golden_path(schema: str) -> Path:
    """Where the golden hex of a schema's example is kept."""
    return FOLDER / f"{schema.rsplit('.', 1)[1]}.hex"


def read_golden(schema: str) -> bytes:
    """The committed golden bytes of a schema's example."""
    return bytes.fromhex(golden_path(schema).read_text(encoding="ascii"))


def write_all() -> None:
    """Regenerate every golden file from the current codec."""
    codec = AvroCodec()
    for schema, value in EXAMPLES.items():
        text = "\n".join(textwrap.wrap(codec.encode(schema, value).hex(), 64)) + "\n"
        golden_path(schema).write_text(text, encoding="ascii")
        print(golden_path(schema))


if __name__ == "__main__":
    write_all()
