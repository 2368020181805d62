"""The codec: single-object encoding, round trips, and every failure a DecodeError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broker.codec import SOE_HEADER_BYTES, SOE_MARKER, AvroCodec
from broker.errors import DecodeError, EncodeError
from tests.avro_strategies import values_for

CODEC = AvroCodec()
RECORDS = [n for n in CODEC.store.names() if CODEC.store.definition(n)["type"] == "record"]
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", RECORDS)
def test_every_record_type_round_trips(name: str) -> None:
    """Hypothesis round trip for every record schema: decode(encode(x)) == x."""

    @PROPERTY
    @given(values_for(CODEC.store.definition(name)))
    def round_trip(value: dict[str, object]) -> None:
        data = CODEC.encode(name, value)
        assert data[:2] == SOE_MARKER
        assert data[2:SOE_HEADER_BYTES] == CODEC.store.fingerprint_bytes(name)
        decoded = CODEC.decode(data, name)
        assert decoded.schema == name
        assert decoded.value == value

    round_trip()


REASONS = {"MALFORMED", "TRUNCATED", "UNKNOWN_SCHEMA", "OVERSIZED"}


def outcome(data: bytes) -> str:
    """'decoded', or the reason of the DecodeError; any other exception fails the test."""
    try:
        CODEC.decode(data)
    except DecodeError as error:
        return error.reason
    return "decoded"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=256))
def test_random_bytes_only_raise_decode_error(data: bytes) -> None:
    assert outcome(data) in REASONS


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_messages_only_raise_decode_error(data: st.DataObject) -> None:
    """Flip, drop, insert and cut bytes of valid messages of every record type."""
    name = data.draw(st.sampled_from(RECORDS))
    encoded = bytearray(CODEC.encode(name, data.draw(values_for(CODEC.store.definition(name)))))
    for _ in range(data.draw(st.integers(1, 4))):
        if not encoded:
            break
        at = data.draw(st.integers(0, len(encoded) - 1))
        match data.draw(st.sampled_from(["flip", "drop", "insert", "cut"])):
            case "flip":
                encoded[at] ^= 1 << data.draw(st.integers(0, 7))
            case "drop":
                del encoded[at]
            case "insert":
                encoded.insert(at, data.draw(st.integers(0, 255)))
            case "cut":
                del encoded[at:]
    assert outcome(bytes(encoded)) in {"decoded", *REASONS}


def test_oversized_values_are_refused_before_parsing() -> None:
    small = AvroCodec(max_bytes=16)
    with pytest.raises(DecodeError, match="17 bytes is over the 16-byte limit") as caught:
        small.decode(SOE_MARKER + bytes(15))
    assert caught.value.reason == "OVERSIZED"


def test_encoding_a_wrong_value_names_the_field() -> None:
    with pytest.raises(EncodeError, match=r"uk\.mash\.v1\.Finding\.severity"):
        CODEC.encode(
            "uk.mash.v1.Finding",
            {
                "finding_id": "3b0c4ad0-5b8e-4d0f-9a57-0c9e2f6c1a11",
                "category": "police.domestic_abuse_incident",
                "concern_categories": [],
                "event_date": None,
                "summary": "incident",
                "detail": None,
                "severity": "CATASTROPHIC",
                "source_reference": None,
            },
        )
