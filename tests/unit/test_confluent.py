"""The Confluent wire format and the schema registry client.

No Confluent-compatible registry installs from this project's package sources,
so the registry here is a small HTTP server with the documented behaviour of
the two endpoints the client uses (POST /subjects/{subject}/versions returns
the same id for the same schema; GET /schemas/ids/{id} answers 404 with error
code 40403 for an unknown id). It stands in for the registry only: the framing
is checked byte by byte and the body with the Apache Avro reference reader.
"""

from __future__ import annotations

import io
import json
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import avro.io
import avro.schema
import pytest

from broker.confluent import ConfluentCodec, RegistryUnavailable, SchemaRegistryClient
from broker.errors import DecodeError
from broker.settings import MashSettings
from broker.wire import codec_for

FINDING = {
    "finding_id": "3b0c4ad0-5b8e-4d0f-9a57-0c9e2f6c1a11",
    "category": "education.persistent_absence",
    "concern_categories": ["NEGLECT"],
    "event_date": None,
    "summary": "Attendance 71% this term",
    "detail": None,
    "severity": "MODERATE",
    "source_reference": "SIMS-88231",
}


class Registry(BaseHTTPRequestHandler):
    schemas: ClassVar[list[str]] = []
    requests: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append(f"POST {self.path} {self.headers['Content-Type']}")
        if body["schema"] not in self.schemas:
            self.schemas.append(body["schema"])
        self._answer(200, {"id": self.schemas.index(body["schema"]) + 1})

    def do_GET(self) -> None:
        self.requests.append(f"GET {self.path}")
        schema_id = int(self.path.rsplit("/", 1)[1])
        if 1 <= schema_id <= len(self.schemas):
            self._answer(200, {"schema": self.schemas[schema_id - 1]})
        else:
            self._answer(404, {"error_code": 40403, "message": "Schema not found"})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def registry_url() -> Iterator[str]:
    Registry.schemas, Registry.requests = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_confluent_framing_and_reference_decoding(registry_url: str) -> None:
    codec = ConfluentCodec(SchemaRegistryClient(registry_url))
    data = codec.encode("uk.mash.v1.Finding", FINDING)
    assert data[0] == 0
    (schema_id,) = struct.unpack(">I", data[1:5])
    assert schema_id == 1
    assert Registry.requests == [
        "POST /subjects/uk.mash.v1.Finding/versions application/vnd.schemaregistry.v1+json"
    ]
    reference = avro.schema.parse(Registry.schemas[0])
    read = avro.io.DatumReader(reference).read(avro.io.BinaryDecoder(io.BytesIO(data[5:])))
    assert read["summary"] == FINDING["summary"]
    assert read["severity"] == "MODERATE"


def test_a_new_reader_fetches_the_schema_once(registry_url: str) -> None:
    data = ConfluentCodec(SchemaRegistryClient(registry_url)).encode("uk.mash.v1.Finding", FINDING)
    reader = ConfluentCodec(SchemaRegistryClient(registry_url))
    for _ in range(3):
        decoded = reader.decode(data, "uk.mash.v1.Finding")
    assert decoded.value["source_reference"] == "SIMS-88231"
    assert Registry.requests[-1] == "GET /schemas/ids/1"
    assert sum(r.startswith("GET") for r in Registry.requests) == 1


def test_unknown_ids_and_bad_frames_are_dead_letter_reasons(registry_url: str) -> None:
    codec = ConfluentCodec(SchemaRegistryClient(registry_url))
    for data, reason in [
        (b"\x00\x00\x00\x00\x07\x02", "UNKNOWN_SCHEMA"),
        (b"\xc3\x01\x00", "MALFORMED"),
        (b"\x00\x00", "TRUNCATED"),
    ]:
        with pytest.raises(DecodeError) as caught:
            codec.decode(data)
        assert caught.value.reason == reason
    good = codec.encode("uk.mash.v1.Finding", FINDING)
    with pytest.raises(DecodeError) as caught:
        codec.decode(good, "uk.mash.v1.Contact")
    assert caught.value.reason == "WRONG_SCHEMA"


def test_an_unreachable_registry_is_retriable_not_a_dead_letter() -> None:
    codec = ConfluentCodec(SchemaRegistryClient("http://127.0.0.1:9", timeout=1))
    with pytest.raises(RegistryUnavailable, match="unreachable") as caught:
        codec.decode(b"\x00\x00\x00\x00\x01\x02")
    assert caught.value.retriable


def test_settings_choose_the_wire_format(registry_url: str) -> None:
    assert type(codec_for(MashSettings())).__name__ == "AvroCodec"
    confluent = codec_for(MashSettings(schema_registry_url=registry_url))
    assert isinstance(confluent, ConfluentCodec)
