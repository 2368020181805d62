"""The local keystore: keys created once, private files private, public keys trusted."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from broker.envelope import Signer, Verifier
from broker.errors import ConfigurationError
from broker.keystore import Keystore


def test_a_key_is_created_once_with_private_permissions(tmp_path: Path) -> None:
    store = Keystore(tmp_path / "keys")
    first = store.signing_key("police")
    again = store.signing_key("police")
    assert first.key_id == again.key_id
    mode = stat.S_IMODE((tmp_path / "keys" / "police.key").stat().st_mode)
    assert mode == 0o600


def test_the_keyring_verifies_what_the_keys_sign(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.ensure(["police", "agent.triage"])
    headers = Signer(store.signing_key("agent.triage")).sign(
        "t", b"k", b"\xc3\x01" + bytes(8), bytes(8)
    )
    envelope = Verifier(store.keyring()).verify("t", 0, 0, b"k", b"\xc3\x01" + bytes(8), headers)
    assert envelope.sender == "agent.triage"
    assert store.keyring().senders() == {"police", "agent.triage"}


def test_a_private_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.signing_key("health")
    (tmp_path / "health.key").chmod(0o644)
    with pytest.raises(ConfigurationError, match=r"readable by others.*chmod 600"):
        store.signing_key("health")


def test_sender_names_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="must be lower-case"):
        Keystore(tmp_path).signing_key("../police")
