"""The ``mash`` command as an operator runs it: broker start, topics create, list, describe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from broker.authority import load_authority
from broker.catalogue import catalogue
from broker.engines.process import BrokerProcess, answers_kafka, free_port

MASH = [sys.executable, "-m", "mash"]
CATALOGUE_SIZE = len(catalogue(load_authority().team_keys()))


def run_mash(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MASH, *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_broker_start_then_topics_create_then_list(broker: BrokerProcess, tmp_path: Path) -> None:
    """As an operator runs it; ``broker`` (the session's) only selects the engine."""
    engine = broker.engine
    port = free_port()
    started = subprocess.Popen(
        [
            *MASH,
            "broker",
            "start",
            "--engine",
            engine,
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert started.stdout is not None
        line = started.stdout.readline()  # blocks until the broker is ready
        assert line.strip() == f"bootstrap: 127.0.0.1:{port}", started.stderr
        assert answers_kafka("127.0.0.1", port)

        created = run_mash("topics", "create", "--bootstrap", f"127.0.0.1:{port}")
        assert created.returncode == 0, created.stderr
        assert f"{CATALOGUE_SIZE} created, 0 unchanged, 0 differ" in created.stdout

        listed = run_mash("topics", "list", "--json", "--bootstrap", f"127.0.0.1:{port}")
        assert listed.returncode == 0, listed.stderr
        rows = json.loads(listed.stdout)
        assert {row["status"] for row in rows} == {"present"}
        assert "mash.audit.v1" in {row["topic"] for row in rows}
    finally:
        started.send_signal(signal.SIGINT)
        _, stderr = started.communicate(timeout=60)
    assert started.returncode == 0, stderr
    assert f"{engine} broker stopped" in stderr
    time.sleep(0.2)
    assert not answers_kafka("127.0.0.1", port), "the broker process outlived the command"


def test_topics_commands_read_the_bootstrap_setting(
    embedded_broker: BrokerProcess, unique: str
) -> None:
    env = {
        **os.environ,
        "MASH_BOOTSTRAP_SERVERS": embedded_broker.bootstrap,
        "MASH_TOPIC_PREFIX": f"{unique}.",
    }
    created = run_mash("topics", "create", env=env)
    assert created.returncode == 0, created.stderr
    described = run_mash("topics", "describe", f"{unique}.mash.contacts.v1", "--json", env=env)
    assert described.returncode == 0, described.stderr
    (entry,) = json.loads(described.stdout)
    assert entry["broker"]["partitions"] == 6
    assert entry["broker"]["differences"] == []


def test_unreachable_broker_is_one_clear_line() -> None:
    port = free_port()
    result = run_mash("topics", "list", "--bootstrap", f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"mash: error: no Kafka broker answered at 127.0.0.1:{port} "
        "(start one with 'mash broker start', or pass --bootstrap HOST:PORT; "
        "on a secured broker, check the MASH_SECURITY_PROTOCOL and SASL settings)"
    ]


def test_a_taken_port_is_refused_before_starting(embedded_broker: BrokerProcess) -> None:
    result = run_mash("broker", "start", "--port", str(embedded_broker.port))
    assert result.returncode == 1
    assert "is already in use" in result.stderr
    assert "Traceback" not in result.stderr
