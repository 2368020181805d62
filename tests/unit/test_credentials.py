"""The users of a secured broker and their credentials files (broker.credentials)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from broker.acls import derive_acls
from broker.authority import load_authority
from broker.catalogue import catalogue
from broker.credentials import ADMIN, credentials, principals
from broker.errors import ConfigurationError

TEAMS = load_authority().team_keys()


def test_there_is_a_user_for_every_principal_the_acls_name_and_an_admin() -> None:
    named = {acl.principal for acl in derive_acls(catalogue(TEAMS), TEAMS)}
    users = principals(TEAMS)
    assert users[0] == ADMIN
    assert {f"User:{name}" for name in users[1:]} == named


def test_credentials_are_private_and_made_once(tmp_path: Path) -> None:
    folder = tmp_path / "credentials"
    first = credentials(folder, ["admin", "police"], "127.0.0.1:9093", tmp_path / "ca.pem")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    police = (folder / "police.env").read_text(encoding="utf-8")
    for made in ("police.env", "police.password"):
        assert stat.S_IMODE((folder / made).stat().st_mode) == 0o600
    assert "MASH_SASL_USERNAME=police\n" in police
    assert "MASH_SECURITY_PROTOCOL=SASL_SSL\n" in police
    assert f"MASH_SSL_CAFILE={tmp_path / 'ca.pem'}\n" in police
    assert f"MASH_SASL_PASSWORD_FILE={folder / 'police.password'}\n" in police
    assert first["police"].get_secret_value() not in police, "the env file names, not holds, it"
    again = credentials(folder, ["admin", "police"], "127.0.0.1:9093", tmp_path / "ca.pem")
    assert {k: v.get_secret_value() for k, v in again.items()} == {
        k: v.get_secret_value() for k, v in first.items()
    }
    assert first["admin"].get_secret_value() != first["police"].get_secret_value()
    assert first["police"].get_secret_value() not in repr(first)


def test_a_password_file_others_may_read_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "credentials"
    credentials(folder, ["police"], "127.0.0.1:9093", tmp_path / "ca.pem")
    (folder / "police.password").chmod(0o644)
    with pytest.raises(ConfigurationError, match=r"may be read by others.*remove it"):
        credentials(folder, ["police"], "127.0.0.1:9093", tmp_path / "ca.pem")
