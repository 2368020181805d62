"""Interoperability with Apache Avro for Java, the reference implementation.

Java's BinaryMessageDecoder reads what the codec writes (checking the
single-object fingerprint itself), re-encodes it with BinaryMessageEncoder,
and the bytes must be identical; Java's parsing fingerprint must equal ours.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from broker.codec import AvroCodec
from broker.engines.maven import cache_root, copy_dependencies
from tests.conftest import require_java_and_maven
from tests.examples import EXAMPLES

HERE = Path(__file__).parents[1] / "interop"
AVRO_JAVA = "1.12.2"


@pytest.fixture(scope="module")
def avro_jars() -> Path:
    require_java_and_maven("Java interop tests")
    return copy_dependencies(
        HERE / "pom.xml",
        cache_root() / f"avro-java-{AVRO_JAVA}" / "libs",
        f"Apache Avro for Java {AVRO_JAVA}",
        {"avro.version": AVRO_JAVA},
    )


def test_java_reads_and_rewrites_our_bytes_exactly(avro_jars: Path, tmp_path: Path) -> None:
    codec = AvroCodec()
    for name, value in EXAMPLES.items():
        short = name.rsplit(".", 1)[1]
        (tmp_path / f"{short}.avsc").write_text(json.dumps(codec.store.definition(name)))
        (tmp_path / f"{short}.bin").write_bytes(codec.encode(name, value))
    result = subprocess.run(
        ["java", "-cp", f"{avro_jars}/*", str(HERE / "SingleObjectInterop.java"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in EXAMPLES:
        short = name.rsplit(".", 1)[1]
        assert (tmp_path / f"{short}.fp").read_text() == codec.store.fingerprint(name), name
        assert (tmp_path / f"{short}.java.bin").read_bytes() == (
            tmp_path / f"{short}.bin"
        ).read_bytes(), f"{name}: Java wrote different bytes"
