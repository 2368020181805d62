"""The codec faust agents use: ``value_serializer="mash-avro"``.

Agents receive :class:`~broker.codec.Decoded` values (schema name, value,
writer fingerprint) and send :class:`~broker.codec.AvroValue`. Importing this
module registers the codec with faust.
"""

from __future__ import annotations

from typing import Any

from faust.serializers import codecs

from broker.codec import AvroCodec, AvroValue, Decoded

CODEC_NAME = "mash-avro"


class FaustAvroCodec(codecs.Codec):
    """Avro single-object encoding for faust topics."""

    def __init__(self, avro: AvroCodec | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.avro = avro or AvroCodec()

    def _dumps(self, obj: Any) -> bytes:
        if not isinstance(obj, AvroValue):
            raise TypeError(f"{CODEC_NAME} sends AvroValue, not {type(obj).__name__}")
        return self.avro.encode(obj.schema, obj.value)

    def _loads(self, s: bytes) -> Decoded:
        return self.avro.decode(s)


codecs.register(CODEC_NAME, FaustAvroCodec())
