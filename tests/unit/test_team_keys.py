"""Team encryption keys in the keystore: private files private, public files enough to seal."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker.errors import ConfigurationError
from broker.keystore import Keystore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_team_key_is_created_once_with_private_permissions(tmp_path: Path) -> None:
    store = Keystore(tmp_path / "keys")
    first = store.team_key("mash-duty")
    again = store.team_key("mash-duty")
    assert first.private_bytes_raw() == again.private_bytes_raw()
    private = tmp_path / "keys" / "team.mash-duty.x25519"
    assert _mode(private) == 0o600
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_the_public_file_names_the_team_and_the_key(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    raw = store.team_key("area-north").public_key().public_bytes_raw()
    entry = json.loads((tmp_path / "team.area-north.x25519.pub").read_text(encoding="utf-8"))
    expected_id = "x25519:" + hashlib.sha256(raw).hexdigest()[:16]
    assert entry.pop("created").endswith("+00:00")
    assert entry == {
        "team": "area-north",
        "algorithm": "X25519",
        "key_id": expected_id,
        "public_key": raw.hex(),
    }
    key_id, public = store.team_public_key("area-north")
    assert key_id == expected_id
    assert public.public_bytes_raw() == raw


def test_each_team_has_its_own_key(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    assert store.team_public_key("edt")[0] != store.team_public_key("mash-duty")[0]


def test_a_team_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.team_key("edt")
    (tmp_path / "team.edt.x25519").chmod(0o640)
    with pytest.raises(ConfigurationError, match=r"readable by others.*chmod 600"):
        store.team_key("edt")


def test_a_publisher_with_only_the_public_file_seals_without_a_private_key(
    tmp_path: Path,
) -> None:
    team_store = Keystore(tmp_path / "team")
    expected = team_store.team_public_key("mash-duty")
    publisher = tmp_path / "publisher"
    publisher.mkdir()
    shutil.copy(tmp_path / "team" / "team.mash-duty.x25519.pub", publisher)
    key_id, public = Keystore(publisher).team_public_key("mash-duty")
    assert key_id == expected[0]
    assert public.public_bytes_raw() == expected[1].public_bytes_raw()
    assert sorted(path.name for path in publisher.iterdir()) == ["team.mash-duty.x25519.pub"]


def test_a_missing_public_file_is_written_again_from_the_private_key(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    key_id, _ = store.team_public_key("edt")
    (tmp_path / "team.edt.x25519.pub").unlink()
    store.team_key("edt")
    assert store.team_public_key("edt")[0] == key_id


def test_a_public_file_of_another_key_is_refused(tmp_path: Path) -> None:
    Keystore(tmp_path / "other").team_key("edt")
    store = Keystore(tmp_path / "keys")
    store.team_key("edt")
    shutil.copy(tmp_path / "other" / "team.edt.x25519.pub", tmp_path / "keys")
    with pytest.raises(ConfigurationError, match="stale"):
        store.team_key("edt")


def test_a_public_file_of_another_team_is_refused(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.team_key("edt")
    shutil.copy(tmp_path / "team.edt.x25519.pub", tmp_path / "team.mash-duty.x25519.pub")
    with pytest.raises(ConfigurationError, match="not of 'mash-duty'"):
        store.team_public_key("mash-duty")


def test_a_public_file_whose_key_id_does_not_match_is_refused(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.team_key("edt")
    public = tmp_path / "team.edt.x25519.pub"
    entry = json.loads(public.read_text(encoding="utf-8"))
    public.write_text(json.dumps({**entry, "key_id": "x25519:0000000000000000"}), "utf-8")
    with pytest.raises(ConfigurationError, match="does not match"):
        Keystore(tmp_path).team_public_key("edt")


def test_an_unreadable_public_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "team.edt.x25519.pub").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not a team public key file"):
        Keystore(tmp_path).team_public_key("edt")


def test_a_team_file_holding_another_kind_of_key_is_refused(tmp_path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private = tmp_path / "team.edt.x25519"
    private.write_bytes(pem)
    private.chmod(0o600)
    with pytest.raises(ConfigurationError, match="does not hold an X25519 key"):
        Keystore(tmp_path).team_key("edt")


@pytest.mark.parametrize("team", ["", "Area-North", "-edt", "../edt", "edt.x25519", "mash duty"])
def test_team_keys_are_checked(tmp_path: Path, team: str) -> None:
    store = Keystore(tmp_path)
    with pytest.raises(ConfigurationError, match="must be lower-case"):
        store.team_key(team)
    with pytest.raises(ConfigurationError, match="must be lower-case"):
        store.team_public_key(team)
    assert not list(tmp_path.iterdir())


def test_the_keyring_holds_signing_keys_only(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.signing_key("police")
    store.team_key("mash-duty")
    assert store.keyring().senders() == {"police"}


def test_sender_names_cannot_take_a_team_key_file_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="team keys"):
        Keystore(tmp_path).signing_key("team.edt.x25519")
