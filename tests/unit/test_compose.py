"""docker-compose.yml refers to real CLI commands, settings, files and principals.

No Docker engine runs here, so the file is checked by reading it; the secured
broker it starts is run without Docker by tests/integration/test_secured_deployment.py
(the same `mash security deploy` files and deploy/kafka-start.sh).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml

from broker.authority import load_authority
from broker.catalogue import Agency
from broker.credentials import ADMIN, principals
from broker.engines.apache_kafka import KAFKA_VERSION
from broker.settings import MashSettings
from mash.cli import mash

ROOT = Path(__file__).parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
MASH_SERVICES = {name: svc for name, svc in SERVICES.items() if name != "kafka"}
#: Services that run before the broker does, so neither authenticate to it.
BEFORE_KAFKA = {"security-init", "keys"}
CLIENTS = {name: svc for name, svc in MASH_SERVICES.items() if name not in BEFORE_KAFKA}
SECURITY = "/var/lib/mash/security"


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


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def mounted(service: dict[str, Any], target: str) -> str:
    """The volume mounted at ``target`` in ``service``."""
    for volume in service.get("volumes", []):
        source, _, rest = volume.partition(":")
        if rest.split(":")[0] == target:
            return str(source)
    raise AssertionError(f"nothing is mounted at {target}")


def test_kafka_runs_the_tested_version_from_the_project_start_script() -> None:
    kafka = SERVICES["kafka"]
    assert kafka["image"] == f"apache/kafka:{KAFKA_VERSION}"
    script = kafka["entrypoint"][-1]
    source = next(v.split(":")[0] for v in kafka["volumes"] if v.split(":")[1] == script)
    assert (ROOT / source).is_file(), f"{source} is not in the repository"
    assert "9092:9092" in kafka["ports"]


def test_kafka_reads_the_files_security_init_writes() -> None:
    init, kafka = SERVICES["security-init"], SERVICES["kafka"]
    assert resolve(init["command"]).name == "deploy"
    out = option(init["command"], "--out")
    assert out == SECURITY
    assert mounted(init, out) == mounted(kafka, SECURITY) == "mash-security"
    assert kafka["environment"]["MASH_KAFKA_CONFIG"] == f"{out}/kafka"
    assert kafka["depends_on"]["security-init"]["condition"] == "service_completed_successfully"
    health = kafka["healthcheck"]["test"]
    assert option(health, "--command-config") == f"{out}/kafka/admin-client.properties"
    assert option(health, "--bootstrap-server") == f"{option(init['command'], '--host')}:9092"


def test_every_mash_service_runs_a_real_command() -> None:
    assert MASH_SERVICES, "the stack has no mash services"
    for name, service in MASH_SERVICES.items():
        command = resolve(service["command"])
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for word in service["command"]:
            if word.startswith("--"):
                assert word.split("=")[0] in options, f"{name}: unknown option {word}"


def test_mash_services_use_real_settings() -> None:
    fields = {f"MASH_{field.upper()}" for field in MashSettings.model_fields}
    for name, service in MASH_SERVICES.items():
        unknown = sorted(set(service["environment"]) - fields)
        assert unknown == [], f"{name} sets unknown settings {unknown}"
        authority = service["environment"].get("MASH_AUTHORITY_FILE")
        if authority:
            shipped = authority.removeprefix("/opt/mash/")
            assert (ROOT / shipped).is_file(), f"{name}: {authority} is not in the image"


def test_every_client_authenticates_over_tls_as_a_principal_of_its_own() -> None:
    known = set(principals(load_authority().team_keys()))
    for name, service in CLIENTS.items():
        env = service["environment"]
        assert env["MASH_BOOTSTRAP_SERVERS"] == "kafka:9092", name
        assert env["MASH_SECURITY_PROTOCOL"] == "SASL_SSL", name
        assert env["MASH_SASL_MECHANISM"] == "SCRAM-SHA-512", name
        assert "MASH_SASL_PASSWORD" not in env, f"{name}: a password in the compose file"
        user = env["MASH_SASL_USERNAME"]
        assert user in known, f"{name}: {user} is not a principal"
        assert env["MASH_SASL_PASSWORD_FILE"] == f"{SECURITY}/credentials/{user}.password"
        assert env["MASH_SSL_CAFILE"] == f"{SECURITY}/ca.pem"
        assert mounted(service, SECURITY) == "mash-security"


def test_only_the_one_shot_set_up_runs_as_admin() -> None:
    admins = {
        name for name, svc in CLIENTS.items() if svc["environment"]["MASH_SASL_USERNAME"] == ADMIN
    }
    assert admins == {"topics", "security"}
    assert (
        SERVICES["security"]["depends_on"]["topics"]["condition"]
        == "service_completed_successfully"
    )
    applied = SERVICES["security"]["command"]
    assert option(applied, "--credentials") == f"{SECURITY}/credentials"


def test_each_agency_has_a_connector_as_itself() -> None:
    connectors = {
        svc["command"][3]: svc["environment"]["MASH_SASL_USERNAME"]
        for svc in CLIENTS.values()
        if svc["command"][1:3] == ["connector", "run"]
    }
    assert connectors == {agency.value: agency.value for agency in Agency}


def test_the_services_start_after_the_users_and_acls_and_share_the_keys() -> None:
    for name in ("worker", "audit-writer", "connector-police"):
        service = SERVICES[name]
        assert service["depends_on"]["security"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["keys"]["condition"] == "service_completed_successfully"
        keys = service["environment"]["MASH_KEYSTORE"]
        assert mounted(service, keys) == mounted(SERVICES["keys"], keys) == "mash-keys"
    assert SERVICES["worker"]["environment"]["MASH_SASL_USERNAME"] == "worker"
    assert SERVICES["audit-writer"]["command"] == ["mash", "audit", "writer"]
    assert SERVICES["audit-writer"]["environment"]["MASH_SASL_USERNAME"] == "audit-writer"


def test_dockerfile_copies_every_package_and_owns_the_keystore_folder() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("mash", "broker", "agents", "connectors", "schemas"):
        assert f"COPY {package} {package}" in dockerfile
    assert "requirements/constraints.txt" in dockerfile
    assert "-o mash -g mash -m 0700 /var/lib/mash/keys" in dockerfile
