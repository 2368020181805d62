"""``mash security deploy``: the secured stack's files (broker/kafka_deploy.py), made once and kept.

tests/integration/test_secured_deployment.py starts Apache Kafka from them.
"""

from __future__ import annotations

import stat
import subprocess
from base64 import urlsafe_b64decode
from pathlib import Path

from click.testing import CliRunner

from broker.authority import load_authority
from broker.credentials import principals
from broker.engines.kafka_config import cluster_id
from mash.cli import mash

ROOT = Path(__file__).parents[2]
START_SCRIPT = ROOT / "deploy" / "kafka-start.sh"


def deploy(out: Path, *extra: str) -> str:
    result = CliRunner().invoke(mash, ["security", "deploy", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def properties(path: Path) -> dict[str, str]:
    pairs = (line.partition("=") for line in path.read_text(encoding="utf-8").splitlines())
    return {key: value for key, _, value in pairs}


def test_the_broker_listens_secured_where_the_compose_file_says(tmp_path: Path) -> None:
    output = deploy(tmp_path)
    assert "bootstrap: kafka:9092" in output
    server = properties(tmp_path / "kafka" / "server.properties")
    assert server["listeners"] == "CLIENT://kafka:9092,CONTROLLER://kafka:9093"
    assert server["listener.security.protocol.map"] == "CLIENT:SASL_SSL,CONTROLLER:SSL"
    assert server["log.dirs"] == "/var/lib/kafka/data"
    assert server["allow.everyone.if.no.acl.found"] == "false"
    assert server["ssl.keystore.location"] == str(tmp_path / "kafka" / "broker.pem")
    assert server["super.users"].endswith(";User:admin")


def test_only_the_broker_and_admin_are_made_with_the_storage(tmp_path: Path) -> None:
    deploy(tmp_path)
    lines = (tmp_path / "kafka" / "scram-users").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "SCRAM-SHA-512=[name=broker",
        "SCRAM-SHA-512=[name=admin",
    ]
    teams = load_authority().team_keys()
    made = sorted(p.stem for p in (tmp_path / "credentials").glob("*.password"))
    assert made == sorted(principals(teams))


def test_secrets_are_private_and_the_ca_is_public(tmp_path: Path) -> None:
    deploy(tmp_path)
    kafka = tmp_path / "kafka"
    assert stat.S_IMODE(kafka.stat().st_mode) == 0o700
    for secret in ("server.properties", "scram-users", "admin-client.properties", "ca.key"):
        assert stat.S_IMODE((kafka / secret).stat().st_mode) == 0o600, secret
    assert stat.S_IMODE((tmp_path / "ca.pem").stat().st_mode) == 0o644
    for password in (tmp_path / "credentials").glob("*.password"):
        assert stat.S_IMODE(password.stat().st_mode) == 0o600


def test_deploying_again_keeps_every_secret(tmp_path: Path) -> None:
    deploy(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    deploy(tmp_path, "--controller-port", "9094")
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    changed = {p.relative_to(tmp_path).as_posix() for p in before if before[p] != after[p]}
    assert changed == {"kafka/server.properties"}
    assert "CONTROLLER://kafka:9094" in after[tmp_path / "kafka" / "server.properties"].decode()


def test_no_password_is_printed(tmp_path: Path) -> None:
    output = deploy(tmp_path)
    for password in (tmp_path / "credentials").glob("*.password"):
        assert password.read_text().strip() not in output


def test_the_start_script_says_what_is_missing(tmp_path: Path) -> None:
    ran = subprocess.run(
        ["bash", str(START_SCRIPT)],
        env={"PATH": "/usr/bin:/bin", "MASH_KAFKA_CONFIG": str(tmp_path / "nothing-here")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 1
    assert "run 'mash security deploy' first" in ran.stderr


def test_a_cluster_id_never_starts_with_a_dash_the_storage_tool_would_take_for_an_option() -> None:
    """One random id in 64 did, and formatting failed: "--cluster-id: expected one argument"."""
    ids = [cluster_id() for _ in range(5000)]
    assert not [made for made in ids if made.startswith("-")]
    assert {len(made) for made in ids} == {22}
    assert {len(urlsafe_b64decode(made + "==")) for made in ids} == {16}
    assert len(set(ids)) == len(ids)
