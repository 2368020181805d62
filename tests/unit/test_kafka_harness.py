"""The Apache Kafka harness: one version everywhere, clear errors without tools."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from broker.engines import apache_kafka, maven
from broker.engines.apache_kafka import KAFKA_VERSION, ApacheKafka
from broker.engines.process import answers_kafka, free_port
from broker.errors import BrokerStartError, MissingTool


def test_pom_and_module_name_the_same_kafka_version() -> None:
    pom = (resources.files("broker.engines") / "pom.xml").read_text(encoding="utf-8")
    (declared,) = re.findall(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert declared == KAFKA_VERSION
    assert KAFKA_VERSION.startswith("4.")


def test_missing_maven_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MASH_KAFKA_CACHE", str(tmp_path))
    monkeypatch.setattr(maven.shutil, "which", lambda name: None)
    with pytest.raises(MissingTool, match="'mvn' is not installed"):
        apache_kafka.resolve_jars()


def test_restart_on_another_port_is_refused(tmp_path: Path) -> None:
    (tmp_path / apache_kafka.PORTS_FILE).write_text('{"port": 1234, "controller_port": 1235}')
    broker = ApacheKafka(port=4321, data_dir=tmp_path)
    with pytest.raises(BrokerStartError, match="formatted for port 1234"):
        broker._remember_ports()


def test_nothing_listening_is_not_kafka() -> None:
    assert not answers_kafka("127.0.0.1", free_port())
