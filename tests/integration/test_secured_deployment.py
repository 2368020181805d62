"""docker-compose.yml's secured Kafka, run here without Docker: the same files and start script.

``mash security deploy`` writes the broker's and the services' files;
``deploy/kafka-start.sh`` (what the compose file's kafka service runs) formats
the storage and starts Apache Kafka from them, with ``KAFKA_HOME`` pointing at
``bin/`` wrappers that run the same Kafka classes the distribution's scripts
run. Then, as the compose file's one-shot services do, admin creates the topics
and applies the users and ACLs; the services authenticate from their files; a
restart keeps the users.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import TopicAuthorizationFailedError

from broker.catalogue import Agency, request_topic
from broker.engines.apache_kafka import ApacheKafka, _answers_kafka_tls, resolve_jars
from broker.engines.process import free_port
from broker.kafka_client import connection_options
from broker.settings import MashSettings
from tests.conftest import require_java_and_maven
from tests.integration.test_secured_cli import load_env, run_mash

pytestmark = pytest.mark.kafka_only

ROOT = Path(__file__).parents[2]
START_SCRIPT = ROOT / "deploy" / "kafka-start.sh"
PREFIX = "dep."


def kafka_home(folder: Path) -> Path:
    """A KAFKA_HOME whose bin/ scripts run Kafka's classes, as the distribution's do."""
    java, libs = shutil.which("java"), resolve_jars()
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True)
    for script, main_class in (
        ("kafka-storage.sh", "kafka.tools.StorageTool"),
        ("kafka-server-start.sh", "kafka.Kafka"),
    ):
        path = bin_dir / script
        path.write_text(
            f'#!/bin/sh\nexec "{java}" -Xmx512m -cp "{libs}/*" {main_class} "$@"\n',
            encoding="utf-8",
        )
        path.chmod(0o755)
    return folder


class StartedKafka:
    """deploy/kafka-start.sh running, its output in a log file."""

    def __init__(self, home: Path, config: Path, log: Path) -> None:
        env = {**os.environ, "KAFKA_HOME": str(home), "MASH_KAFKA_CONFIG": str(config)}
        self.log = log
        with log.open("a", encoding="utf-8") as out:
            self.process = subprocess.Popen(
                ["bash", str(START_SCRIPT)], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_until_ready(self, port: int, ca_file: Path, within: float = 90) -> float:
        began = time.monotonic()
        while not _answers_kafka_tls("127.0.0.1", port, ca_file):
            assert self.process.poll() is None, self.log.read_text(encoding="utf-8")[-3000:]
            assert time.monotonic() - began < within, "Kafka did not answer in time"
            time.sleep(0.25)
        return time.monotonic() - began

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def kafka(tmp_path: Path) -> ApacheKafka:
    """Names the engine for the session summary; the broker itself is the script's."""
    require_java_and_maven("Secured deployment tests")
    return ApacheKafka(port=free_port(), data_dir=tmp_path / "unused")


@pytest.fixture
def deployed(tmp_path: Path, kafka: ApacheKafka) -> tuple[Path, int]:
    port, controller = free_port(), free_port()
    out = tmp_path / "security"
    made = run_mash(
        dict(os.environ),
        *("security", "deploy", "--out", str(out), "--host", "127.0.0.1"),
        *("--port", str(port), "--controller-port", str(controller)),
        *("--log-dirs", str(tmp_path / "kafka-data")),
    )
    assert made.returncode == 0, made.stderr
    assert f"bootstrap: 127.0.0.1:{port}" in made.stdout
    # A cluster id starting with "-", as a deployment made before ids were drawn
    # without one could hold (one in 64): the script must still pass it as a value.
    (cluster,) = out.glob("**/cluster-id")
    cluster.write_text("-" + cluster.read_text(encoding="ascii")[1:], encoding="ascii")
    return out, port


def settings_from(env_file: Path) -> MashSettings:
    values = {key.removeprefix("MASH_").lower(): v for key, v in load_env(env_file).items()}
    return MashSettings(**values, topic_prefix=PREFIX)


async def can_read(settings: MashSettings, topic: str) -> bool:
    consumer = AIOKafkaConsumer(
        topic,
        auto_offset_reset="earliest",
        request_timeout_ms=10_000,
        **connection_options(settings),
    )
    try:
        await asyncio.wait_for(consumer.start(), 30)
        await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 30)
        return True
    except TopicAuthorizationFailedError:
        return False
    finally:
        await consumer.stop()


def test_the_compose_kafka_starts_from_the_deployed_files_and_enforces_the_acls(
    deployed: tuple[Path, int], tmp_path: Path
) -> None:
    out, port = deployed
    home = kafka_home(tmp_path / "kafka-home")
    credentials = out / "credentials"
    kafka = StartedKafka(home, out / "kafka", tmp_path / "kafka.log")
    try:
        seconds = kafka.wait_until_ready(port, out / "ca.pem")
        print(f"secured Kafka from the deployed files ready in {seconds:.1f} s")
        admin = {**os.environ, **load_env(credentials / "admin.env"), "MASH_TOPIC_PREFIX": PREFIX}
        created = run_mash(admin, "topics", "create")
        assert created.returncode == 0, created.stderr
        applied = run_mash(admin, "security", "apply", "--credentials", str(credentials))
        assert applied.returncode == 0, applied.stderr
        users_set = "SCRAM users set: audit-writer, compliance, console, education, health"
        assert users_set in applied.stdout

        police = settings_from(credentials / "police.env")
        assert asyncio.run(can_read(police, request_topic(Agency.POLICE, PREFIX)))
        assert not asyncio.run(can_read(police, request_topic(Agency.HEALTH, PREFIX)))
    finally:
        kafka.stop()

    # The compose service restarts the same way: the storage is kept, and so are the users.
    kafka = StartedKafka(home, out / "kafka", tmp_path / "kafka.log")
    try:
        kafka.wait_until_ready(port, out / "ca.pem")
        assert asyncio.run(can_read(police, request_topic(Agency.POLICE, PREFIX)))
    finally:
        kafka.stop()
    log = (tmp_path / "kafka.log").read_text(encoding="utf-8")
    passwords = [f.read_text().strip() for f in credentials.glob("*.password")]
    assert not any(password in log for password in passwords), "a password is in Kafka's output"
