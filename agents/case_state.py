"""A case's state as the worker's case table stores it: Avro, deflated.

The state (``uk.mash.v1.CaseState``) repeats the contact's subjects in every
request it keeps, and the findings of every answer, so its Avro encoding
deflates to about a fifth (10.0 KB to 1.8 KB for a case just triaged, 13.8 KB
to 2.4 KB once six agencies have answered, in 30 to 40 us). The table holds a
row for every case in memory, so this is most of the worker's memory per case,
and of the bytes its changelog carries.

The deflated state is then encrypted under the case's key (agents.context), so
it is compressed before encryption. Its length could tell something of how
much it repeats to whoever reads the changelog topic; only the worker may
(docs/security.md).

A row written before states were deflated holds the Avro encoding itself, and
is still read.
"""

from __future__ import annotations

import zlib
from typing import Any

from broker.codec import SOE_MARKER, AvroCodec
from broker.errors import DecodeError

CASE_STATE = "uk.mash.v1.CaseState"
#: What a deflated state starts with; an Avro state starts with ``SOE_MARKER``.
DEFLATED = b"MCS\x01"
#: zlib's fastest level: within 3% of the default's size, at half its time.
LEVEL = 1


def pack(codec: AvroCodec, case: dict[str, Any]) -> bytes:
    """The state's Avro encoding, deflated, marked as such."""
    return DEFLATED + zlib.compress(codec.encode(CASE_STATE, case), LEVEL)


def unpack(codec: AvroCodec, packed: bytes) -> dict[str, Any]:
    """The state ``pack`` made, or an earlier worker's plain Avro state.

    Inflating stops past the codec's size limit, which then refuses the state.

    Raises:
        DecodeError: MALFORMED for neither kind, or what the codec raises.
    """
    if packed.startswith(DEFLATED):
        inflate = zlib.decompressobj()
        try:
            plain = inflate.decompress(packed[len(DEFLATED) :], codec.max_bytes + 1)
        except zlib.error as exc:
            raise DecodeError(
                "MALFORMED", f"a deflated case state that does not inflate: {exc}"
            ) from exc
        if not inflate.eof and len(plain) <= codec.max_bytes:
            raise DecodeError("TRUNCATED", "a deflated case state cut short")
    elif packed.startswith(SOE_MARKER):
        plain = packed
    else:
        raise DecodeError("MALFORMED", f"not a case state: starts {packed[:4].hex(' ')}")
    return codec.decode(plain, CASE_STATE).value
