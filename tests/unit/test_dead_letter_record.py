"""The DeadLetter record keeps everything needed to investigate and replay."""

from __future__ import annotations

from datetime import UTC, datetime

from broker.codec import AvroCodec
from broker.deadletter import DEAD_LETTER_SCHEMA, MAX_KEPT_VALUE_BYTES, RawRecord, dead_letter_for
from broker.errors import DecodeError

RECORD = RawRecord(
    topic="mash.responses.v1",
    partition=2,
    offset=41,
    key=b"case-1",
    value=b"\xc3\x01garbage",
    headers=(("mash-sender", b"police"),),
    timestamp_ms=1795426200000,
)


def test_a_dead_letter_keeps_where_what_and_why() -> None:
    letter = dead_letter_for(RECORD, DecodeError("MALFORMED", "bad bytes"), "policy")
    assert letter["source_topic"] == "mash.responses.v1"
    assert (letter["partition"], letter["offset"]) == (2, 41)
    assert letter["original_value"] == b"\xc3\x01garbage"
    assert letter["original_headers"] == [{"key": "mash-sender", "value": b"police"}]
    assert letter["original_timestamp"] == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert (letter["reason"], letter["message"], letter["consumer"]) == (
        "MALFORMED",
        "bad bytes",
        "policy",
    )
    AvroCodec().encode(DEAD_LETTER_SCHEMA, letter)


def test_a_huge_value_is_kept_in_part_and_says_so() -> None:
    huge = RawRecord(**{**RECORD.__dict__, "value": bytes(MAX_KEPT_VALUE_BYTES + 10)})
    letter = dead_letter_for(huge, DecodeError("OVERSIZED", "too big"), "policy")
    assert len(letter["original_value"]) == MAX_KEPT_VALUE_BYTES
    assert letter["original_size"] == MAX_KEPT_VALUE_BYTES + 10
    assert letter["value_truncated"] is True
    assert len(AvroCodec().encode(DEAD_LETTER_SCHEMA, letter)) < 1_048_576
