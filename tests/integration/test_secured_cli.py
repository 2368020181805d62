"""An operator's secured Kafka: ``mash broker start --engine kafka --secure``, then as admin
``mash topics create`` and ``mash security apply``, each service from its credentials file.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from broker.engines.apache_kafka import ApacheKafka
from broker.engines.process import free_port
from tests.conftest import require_java_and_maven

pytestmark = pytest.mark.kafka_only

MASH = [sys.executable, "-m", "mash"]


def load_env(path: Path) -> dict[str, str]:
    """A credentials file as ``set -a; . FILE`` would export it."""
    pairs = (line.partition("=") for line in path.read_text(encoding="utf-8").splitlines())
    return {key: value for key, _, value in pairs if key}


def run_mash(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MASH, *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


@pytest.fixture
def kafka(tmp_path: Path) -> ApacheKafka:
    """Names the engine for the session summary; the broker itself is the command's."""
    require_java_and_maven("Secured Apache Kafka tests")
    return ApacheKafka(port=free_port(), data_dir=tmp_path / "unused")


def test_a_secured_broker_from_the_command_line(kafka: ApacheKafka, tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "data"
    started = subprocess.Popen(
        [*MASH, "broker", "start", "--engine", "kafka", "--secure", "--port", str(port),
         "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    outputs: list[str] = []
    try:
        assert started.stdout is not None
        assert started.stdout.readline().strip() == f"bootstrap: 127.0.0.1:{port}"
        line = started.stdout.readline().strip()
        assert line.startswith("credentials: "), line
        folder = Path(line.removeprefix("credentials: "))
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for env_file in folder.iterdir():
            assert stat.S_IMODE(env_file.stat().st_mode) == 0o600, env_file
        admin = {**os.environ, **load_env(folder / "admin.env"), "MASH_TOPIC_PREFIX": "ops."}
        police = {**os.environ, **load_env(folder / "police.env"), "MASH_TOPIC_PREFIX": "ops."}
        passwords = [f.read_text().strip() for f in folder.glob("*.password")]
        assert len(passwords) == len(list(folder.glob("*.env"))) > 10

        created = run_mash(admin, "topics", "create")
        assert created.returncode == 0, created.stderr
        applied = run_mash(admin, "security", "apply")
        assert applied.returncode == 0, applied.stderr
        assert " 0 present, 0 not derived" in applied.stdout
        again = run_mash(admin, "security", "apply")
        assert again.returncode == 0, again.stderr
        assert "0 created, " in again.stdout
        refused = run_mash(police, "security", "apply")
        assert refused.returncode == 1
        assert "super user" in refused.stderr
        outputs += [r.stdout + r.stderr for r in (created, applied, again, refused)]
    finally:
        started.send_signal(signal.SIGINT)
        out, err = started.communicate(timeout=60)
    assert started.returncode == 0, err
    outputs.append(out + err)
    for text in outputs:
        assert not any(password in text for password in passwords), "a password was printed"
