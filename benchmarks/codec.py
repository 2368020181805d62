"""Codec, case-key and envelope throughput on a ~1 KB InformationResponse.

Prints, from one run on this machine: bare fastavro schemaless write and read,
the codec's encode and decode (framing, schema lookup, checks) with their
overhead over bare fastavro, encryption and decryption under a case's key (the
key read from its file each time, as services do), Ed25519 envelope signing and
verification, and the whole send path (encode + encrypt + sign) and receive
path (verify + decrypt + decode).

    .venv/bin/python -m benchmarks.codec [--seconds S] [--out results.json]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from fastavro import schemaless_reader, schemaless_writer

from broker.case_keys import CaseKeys
from broker.codec import SOE_HEADER_BYTES, AvroCodec
from broker.envelope import Keyring, Signer, SigningKey, Verifier
from tests.examples import INFORMATION_RESPONSE

SCHEMA = "uk.mash.v1.InformationResponse"
TOPIC = "mash.responses.v1"
KEY = str(uuid.UUID("6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b")).encode()


def one_kilobyte(codec: AvroCodec) -> dict[str, Any]:
    """The example response, trimmed below 1 KiB, then a finding's detail padded to 1 KiB."""
    record = copy.deepcopy(INFORMATION_RESPONSE)
    for subject in record["subjects"]:
        subject["recorded_person"] = None
    while len(codec.encode(SCHEMA, record)) > 1024:
        subject = max(record["subjects"], key=lambda s: len(s["findings"]))
        if len(subject["findings"]) > 1:
            subject["findings"].pop()
        elif len(record["subjects"]) > 1:
            record["subjects"].pop()
        else:
            raise SystemExit("the example cannot be trimmed to 1 KiB with a finding left")
    finding = next(f for s in record["subjects"] for f in s["findings"])
    while (short := 1024 - len(codec.encode(SCHEMA, record))) > 0:
        finding["detail"] = (finding["detail"] or "") + "." * short
    return record


def rate(operation: Callable[[], object], seconds: float) -> float:
    """Operations per second: the median of five timed rounds after a warm-up."""
    batch = 200
    for _ in range(batch):
        operation()
    rounds = []
    for _ in range(5):
        count, started = 0, time.perf_counter()
        deadline = started + seconds / 5
        while time.perf_counter() < deadline:
            for _ in range(batch):
                operation()
            count += batch
        rounds.append(count / (time.perf_counter() - started))
    return statistics.median(rounds)


def measure(seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        return _measure(seconds, CaseKeys(Path(folder)))


def _measure(seconds: float, case_keys: CaseKeys) -> dict[str, Any]:
    codec = AvroCodec()
    record = one_kilobyte(codec)
    parsed = codec.store.schema(SCHEMA)
    encoded = codec.encode(SCHEMA, record)
    body = encoded[SOE_HEADER_BYTES:]
    fingerprint = codec.store.fingerprint_bytes(SCHEMA)
    police = SigningKey.generate("police")
    signer = Signer(police)
    verifier = Verifier(Keyring([police.trusted()]))
    sealed = case_keys.encrypt(TOPIC, KEY, encoded)
    headers = signer.sign(TOPIC, KEY, sealed, fingerprint)

    def bare_write() -> bytes:
        out = BytesIO()
        schemaless_writer(out, parsed, record)
        return out.getvalue()

    def bare_read() -> object:
        return schemaless_reader(BytesIO(body), parsed, None)

    def send() -> object:
        value = case_keys.encrypt(TOPIC, KEY, codec.encode(SCHEMA, record))
        return signer.sign(TOPIC, KEY, value, fingerprint)

    def receive() -> object:
        verifier.verify(TOPIC, 0, 1, KEY, sealed, headers)
        return codec.decode(case_keys.decrypt(TOPIC, KEY, sealed), SCHEMA)

    figures = {
        "record_bytes": len(encoded),
        "bare_fastavro_writes_per_s": rate(bare_write, seconds),
        "codec_encodes_per_s": rate(lambda: codec.encode(SCHEMA, record), seconds),
        "bare_fastavro_reads_per_s": rate(bare_read, seconds),
        "codec_decodes_per_s": rate(lambda: codec.decode(encoded, SCHEMA), seconds),
        "case_key_encrypts_per_s": rate(lambda: case_keys.encrypt(TOPIC, KEY, encoded), seconds),
        "case_key_decrypts_per_s": rate(lambda: case_keys.decrypt(TOPIC, KEY, sealed), seconds),
        "envelope_signs_per_s": rate(
            lambda: signer.sign(TOPIC, KEY, encoded, fingerprint), seconds
        ),
        "envelope_verifies_per_s": rate(
            lambda: verifier.verify(TOPIC, 0, 1, KEY, sealed, headers), seconds
        ),
        "send_path_per_s": rate(send, seconds),
        "receive_path_per_s": rate(receive, seconds),
    }
    figures["encode_overhead_pct"] = overhead(
        figures["bare_fastavro_writes_per_s"], figures["codec_encodes_per_s"]
    )
    figures["decode_overhead_pct"] = overhead(
        figures["bare_fastavro_reads_per_s"], figures["codec_decodes_per_s"]
    )
    return figures


def overhead(bare: float, ours: float) -> float:
    """Extra time per operation, in percent of the bare time."""
    return round((bare / ours - 1) * 100, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time per figure")
    parser.add_argument("--out", help="also write the figures to this JSON file")
    args = parser.parse_args()
    figures = measure(args.seconds)
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        shown = f"{value:,.0f}" if isinstance(value, float) and "pct" not in name else value
        print(f"{name:<{width}}  {shown}")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
