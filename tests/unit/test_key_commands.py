"""``mash keys``: init, list, rotate, revoke and export-public on a temporary keystore."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography import x509

from broker.authority import load_authority
from broker.settings import load_settings
from mash.cli import mash
from mash.key_commands import deployment_senders

OLDHAM = Path(__file__).parents[2] / "broker" / "authorities" / "oldham.toml"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    keys = tmp_path / "keys"
    monkeypatch.setenv("MASH_KEYSTORE", str(keys))
    monkeypatch.delenv("MASH_AUTHORITY_FILE", raising=False)
    load_settings.cache_clear()
    yield keys
    load_settings.cache_clear()


def run(*args: str) -> Result:
    return CliRunner().invoke(mash, ["keys", *args])


def private_files(folder: Path) -> list[Path]:
    return [path for path in folder.iterdir() if path.suffix != ".pub" and path.is_file()]


def test_init_creates_every_key_private_and_is_idempotent(folder: Path) -> None:
    first = run("init")
    assert first.exit_code == 0, first.output
    teams = load_authority().team_keys()
    expected = len(deployment_senders()) + len(teams) + 1
    assert f"created {expected} keys, kept 0" in first.output
    for sender in ("police", "agent.triage", "intake", "audit.writer", "case.eraser"):
        assert (folder / f"{sender}.key").exists()
        assert (folder / f"{sender}.pub").exists()
    for team in teams:
        assert (folder / f"team.{team}.x25519").exists()
    assert (folder / "audit.hmac").exists()
    for private in private_files(folder):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    again = run("init")
    assert again.exit_code == 0, again.output
    assert f"created 0 keys, kept {expected}" in again.output
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_init_makes_a_tls_ca_and_a_broker_certificate_once(folder: Path) -> None:
    made = run("init", "--tls-host", "localhost", "--tls-host", "127.0.0.1")
    assert made.exit_code == 0, made.output
    tls = folder / "tls"
    ca = x509.load_pem_x509_certificate((tls / "ca.pem").read_bytes())
    chain = x509.load_pem_x509_certificates((tls / "broker.pem").read_bytes())
    leaf = chain[0]
    leaf.verify_directly_issued_by(ca)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert b"PRIVATE KEY" in (tls / "broker.pem").read_bytes()
    for private in ("ca.key", "broker.pem"):
        assert stat.S_IMODE((tls / private).stat().st_mode) == 0o600, private
    before = (tls / "broker.pem").read_bytes()
    again = run("init", "--tls-host", "localhost")
    assert again.exit_code == 0, again.output
    assert re.search(r"^kept\s+tls CA\s+x509\s+sha256:", again.output, re.MULTILINE)
    assert (tls / "broker.pem").read_bytes() == before


def test_init_takes_the_teams_of_another_authority(folder: Path) -> None:
    result = run("init", "--authority", str(OLDHAM))
    assert result.exit_code == 0, result.output
    for team in load_authority(OLDHAM).team_keys():
        assert (folder / f"team.{team}.x25519.pub").exists()


@pytest.mark.parametrize("name", ["health.key", "audit.hmac"])
def test_a_key_file_others_can_read_is_refused_with_the_fix(folder: Path, name: str) -> None:
    assert run("init").exit_code == 0
    (folder / name).chmod(0o640)
    result = run("init")
    assert result.exit_code == 1
    assert "readable by others" in result.output
    assert f"chmod 600 {folder / name}" in result.output


def test_list_shows_ids_and_status_but_no_private_bytes(folder: Path) -> None:
    assert run("init").exit_code == 0
    listed = run("list")
    assert listed.exit_code == 0, listed.output
    police = json.loads((folder / "police.pub").read_text())
    assert police["key_id"] in listed.output
    assert "x25519:" in listed.output
    assert "hmac:" in listed.output
    assert "0 case keys" in listed.output
    as_json = run("list", "--json")
    document = json.loads(as_json.output)
    owners = {(key["owner"], key["kind"], key["status"]) for key in document["keys"]}
    assert ("police", "ed25519", "active") in owners
    assert ("audit", "hmac", "active") in owners
    for private in private_files(folder):
        raw = private.read_bytes()
        secret = raw.decode() if private.name.endswith((".key", ".x25519")) else raw.hex()
        body = "".join(line for line in secret.splitlines() if "-----" not in line)
        for output in (listed.output, as_json.output):
            assert body[-20:] not in output
            assert "PRIVATE KEY" not in output


def test_list_of_an_empty_keystore_says_how_to_start(folder: Path) -> None:
    result = run("list")
    assert result.exit_code == 0
    assert "mash keys init" in result.output


def test_rotate_changes_the_active_id_and_keeps_the_old_public_key(folder: Path) -> None:
    assert run("init").exit_code == 0
    old = json.loads((folder / "police.pub").read_text())["key_id"]
    rotated = run("rotate", "police")
    assert rotated.exit_code == 0, rotated.output
    new = json.loads((folder / "police.pub").read_text())["key_id"]
    assert new != old
    assert old in rotated.output
    assert new in rotated.output
    assert "copy police.pub" in rotated.output
    retired = folder / f"police.{old.split(':')[1]}.pub"
    assert json.loads(retired.read_text())["status"] == "retired"
    assert stat.S_IMODE((folder / "police.key").stat().st_mode) == 0o600
    assert not [path for path in folder.iterdir() if path.name.startswith(".")]
    document = json.loads(run("list", "--json").output)
    police = {key["key_id"]: key["status"] for key in document["keys"] if key["owner"] == "police"}
    assert police == {new: "active", old: "retired"}


def test_rotate_refuses_senders_and_teams_without_a_key(folder: Path) -> None:
    assert run("init").exit_code == 0
    for nobody in ("nobody", "team.nobody"):
        missing = run("rotate", nobody)
        assert missing.exit_code == 1
        assert "mash keys init" in missing.output


def test_rotating_a_team_key_keeps_the_old_private_key_to_open_older_pictures(
    folder: Path,
) -> None:
    assert run("init").exit_code == 0
    old = json.loads((folder / "team.mash-duty.x25519.pub").read_text())["key_id"]
    rotated = run("rotate", "team.mash-duty")
    assert rotated.exit_code == 0, rotated.output
    new = json.loads((folder / "team.mash-duty.x25519.pub").read_text())["key_id"]
    assert new != old
    assert f"old key {old} (retired, kept to open older pictures)" in rotated.output
    assert f"new key {new}" in rotated.output
    hex_id = old.split(":")[1]
    assert stat.S_IMODE((folder / f"team.mash-duty.{hex_id}.x25519").stat().st_mode) == 0o600
    document = json.loads(run("list", "--json").output)
    duty = {
        key["key_id"]: (key["status"], key["private"])
        for key in document["keys"]
        if key["owner"] == "team.mash-duty"
    }
    assert duty == {new: ("active", True), old: ("retired", True)}


def test_revoke_marks_a_retired_key_and_refuses_the_active_one(folder: Path) -> None:
    assert run("init").exit_code == 0
    old = json.loads((folder / "health.pub").read_text())["key_id"]
    active_refused = run("revoke", "health", old)
    assert active_refused.exit_code == 1
    assert "rotate first" in active_refused.output
    assert run("rotate", "health").exit_code == 0
    revoked = run("revoke", "health", old)
    assert revoked.exit_code == 0, revoked.output
    document = json.loads(run("list", "--json").output)
    statuses = {key["key_id"]: key["status"] for key in document["keys"]}
    assert statuses[old] == "revoked"
    unknown = run("revoke", "health", "ed25519:0000000000000000")
    assert unknown.exit_code == 1
    assert "no retired key" in unknown.output


def test_export_public_copies_only_public_files(folder: Path, tmp_path: Path) -> None:
    assert run("init").exit_code == 0
    assert run("rotate", "agent.triage").exit_code == 0
    out = tmp_path / "public"
    result = run("export-public", "--out", str(out))
    assert result.exit_code == 0, result.output
    exported = sorted(path.name for path in out.iterdir())
    assert exported == sorted(path.name for path in folder.glob("*.pub"))
    assert all(name.endswith(".pub") for name in exported)
    for path in out.iterdir():
        assert "PRIVATE" not in path.read_text()
    refused = run("export-public", "--out", str(folder))
    assert refused.exit_code == 1
    assert "is the keystore" in refused.output
