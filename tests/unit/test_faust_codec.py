"""Faust agents read and write Avro through the registered ``mash-avro`` codec."""

from __future__ import annotations

import pytest
from faust.serializers import Registry, codecs

from broker.codec import AvroValue, Decoded
from broker.errors import DecodeError
from broker.faust_codec import CODEC_NAME

SEVERITY_NOTE = {
    "finding_id": "3b0c4ad0-5b8e-4d0f-9a57-0c9e2f6c1a11",
    "category": "health.missed_appointment",
    "concern_categories": ["NEGLECT"],
    "event_date": None,
    "summary": "Missed three health visitor appointments",
    "detail": None,
    "severity": "MODERATE",
    "source_reference": "HV-2041",
}


def test_codec_round_trips_typed_values() -> None:
    data = codecs.dumps(CODEC_NAME, AvroValue("uk.mash.v1.Finding", SEVERITY_NOTE))
    decoded = codecs.loads(CODEC_NAME, data)
    assert isinstance(decoded, Decoded)
    assert decoded.schema == "uk.mash.v1.Finding"
    assert decoded.value["severity"] == "MODERATE"
    assert str(decoded.value["finding_id"]) == SEVERITY_NOTE["finding_id"]


def test_codec_refuses_untyped_values_and_bad_bytes() -> None:
    with pytest.raises(TypeError, match="sends AvroValue"):
        codecs.dumps(CODEC_NAME, {"summary": "no schema"})
    with pytest.raises(DecodeError):
        codecs.loads(CODEC_NAME, b"\xc3\x01" + bytes(8))


def test_faust_serializers_hand_agents_decoded_values() -> None:
    """The registry behind ``app.serializers`` decodes a topic's values with the codec."""
    message = codecs.dumps(CODEC_NAME, AvroValue("uk.mash.v1.Finding", SEVERITY_NOTE))
    decoded = Registry().loads_value(None, message, serializer=CODEC_NAME)
    assert isinstance(decoded, Decoded)
    assert decoded.value["source_reference"] == "HV-2041"
    assert Registry().dumps_value(None, decoded, serializer=CODEC_NAME) == message
