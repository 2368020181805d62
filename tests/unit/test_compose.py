"""docker-compose.yml refers to real CLI commands, settings and the tested Kafka version.

No Docker engine runs here, so the file is checked by reading it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml

from broker.engines.apache_kafka import KAFKA_VERSION
from broker.settings import MashSettings
from mash.cli import mash

ROOT = Path(__file__).parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
MASH_SERVICES = {name: svc for name, svc in SERVICES.items() if name != "kafka"}


def resolve(argv: list[str]) -> click.Command:
    """The click command an argv names, failing on anything unknown."""
    assert argv[0] == "mash", argv
    command: click.Command = mash
    for word in argv[1:]:
        if word.startswith("-") or not isinstance(command, click.Group):
            break
        assert word in command.commands, f"'mash {' '.join(argv[1:])}': no command {word!r}"
        command = command.commands[word]
    assert not isinstance(command, click.Group), f"{argv} names a group, not a command"
    return command


def test_kafka_runs_the_tested_version_in_kraft_mode() -> None:
    kafka = SERVICES["kafka"]
    assert kafka["image"] == f"apache/kafka:{KAFKA_VERSION}"
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "9092:9092" in kafka["ports"]


def test_every_mash_service_runs_a_real_command() -> None:
    assert MASH_SERVICES, "the stack has no mash services"
    for name, service in MASH_SERVICES.items():
        command = resolve(service["command"])
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for word in service["command"]:
            if word.startswith("--"):
                assert word.split("=")[0] in options, f"{name}: unknown option {word}"


def test_mash_services_use_real_settings_and_reach_kafka() -> None:
    fields = {f"MASH_{field.upper()}" for field in MashSettings.model_fields}
    for name, service in MASH_SERVICES.items():
        env = service["environment"]
        unknown = sorted(set(env) - fields)
        assert unknown == [], f"{name} sets unknown settings {unknown}"
        host, port = env["MASH_BOOTSTRAP_SERVERS"].split(":")
        assert host == "kafka"
        assert any(
            listener.endswith(f":{port}")
            for listener in SERVICES["kafka"]["environment"]["KAFKA_LISTENERS"].split(",")
        )
        assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
        authority = env.get("MASH_AUTHORITY_FILE")
        if authority:
            shipped = authority.removeprefix("/opt/mash/")
            assert (ROOT / shipped).is_file(), f"{name}: {authority} is not in the image"


def test_dockerfile_copies_every_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("mash", "broker", "agents", "connectors", "schemas"):
        assert f"COPY {package} {package}" in dockerfile
    assert "requirements/constraints.txt" in dockerfile


def test_the_worker_runs_after_the_topics_and_shares_the_connectors_keys() -> None:
    worker, connectors = SERVICES["worker"], SERVICES["connectors"]
    assert resolve(worker["command"]).name == "worker"
    assert worker["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    keys = MASH_SERVICES["worker"]["environment"]["MASH_KEYSTORE"]
    mounted = {volume.split(":")[0] for volume in worker["volumes"] if volume.endswith(keys)}
    assert mounted
    assert mounted <= {volume.split(":")[0] for volume in connectors["volumes"]}


def test_the_audit_writer_runs_with_the_shared_keys() -> None:
    writer = SERVICES["audit-writer"]
    assert writer["command"] == ["mash", "audit", "writer"]
    assert set(writer["volumes"]) & set(SERVICES["worker"]["volumes"])
