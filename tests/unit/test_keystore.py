"""The local keystore: keys created once, private files private, public keys trusted.

Rotation: old and new messages verify; a revoked or removed key's messages are refused.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from broker.envelope import Signer, Verifier
from broker.errors import ConfigurationError, EnvelopeError
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


VALUE = b"\xc3\x01" + bytes(8)


def signed(store: Keystore, sender: str) -> list[tuple[str, bytes]]:
    return Signer(store.signing_key(sender)).sign("t", b"k", VALUE, bytes(8))


def test_messages_signed_before_and_after_rotation_both_verify(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    before = signed(store, "police")
    old_id, new_id = store.rotate("police")
    after = signed(store, "police")
    assert old_id != new_id
    assert store.signing_key("police").key_id == new_id
    verifier = Verifier(store.keyring())
    assert verifier.verify("t", 0, 0, b"k", VALUE, before).key_id == old_id
    assert verifier.verify("t", 0, 1, b"k", VALUE, after).key_id == new_id


def test_the_old_private_key_is_destroyed(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.signing_key("police")
    old_pem = (tmp_path / "police.key").read_bytes()
    store.rotate("police")
    for path in tmp_path.iterdir():
        assert path.read_bytes() != old_pem, path
    assert sorted(p.name for p in tmp_path.glob("police*.key")) == ["police.key"]
    assert stat.S_IMODE((tmp_path / "police.key").stat().st_mode) == 0o600


def test_a_revoked_key_is_refused_and_the_new_one_still_verifies(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    before = signed(store, "agent.triage")
    old_id, _ = store.rotate("agent.triage")
    after = signed(store, "agent.triage")
    store.revoke("agent.triage", old_id)
    verifier = Verifier(store.keyring())
    with pytest.raises(EnvelopeError, match="revoked") as refused:
        verifier.verify("t", 0, 0, b"k", VALUE, before)
    assert refused.value.reason == "UNKNOWN_KEY"
    assert verifier.verify("t", 0, 1, b"k", VALUE, after).sender == "agent.triage"


def test_a_removed_key_is_unknown(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    before = signed(store, "health")
    old_id, _ = store.rotate("health")
    (tmp_path / f"health.{old_id.split(':')[1]}.pub").unlink()
    with pytest.raises(EnvelopeError, match="not trusted") as refused:
        Verifier(store.keyring()).verify("t", 0, 0, b"k", VALUE, before)
    assert refused.value.reason == "UNKNOWN_KEY"


def test_a_revocation_wins_over_a_stale_copy_of_the_key(tmp_path: Path) -> None:
    store = Keystore(tmp_path / "hub")
    before = signed(store, "police")
    stale = (tmp_path / "hub" / "police.pub").read_text()
    old_id, _ = store.rotate("police")
    revoked = store.revoke("police", old_id)
    # Another service still has the old key as police's active key, and gets the revocation.
    other = tmp_path / "other"
    other.mkdir()
    (other / "police.pub").write_text(stale)
    (other / revoked.name).write_bytes(revoked.read_bytes())
    with pytest.raises(EnvelopeError, match="revoked"):
        Verifier(Keystore(other).keyring()).verify("t", 0, 0, b"k", VALUE, before)


def test_only_a_retired_key_can_be_revoked(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    active = store.signing_key("police").key_id
    with pytest.raises(ConfigurationError, match="rotate first"):
        store.revoke("police", active)
    with pytest.raises(ConfigurationError, match="no retired key"):
        store.revoke("police", "ed25519:0123456789abcdef")
    with pytest.raises(ConfigurationError, match="not a signing key id"):
        store.revoke("police", "police")
    with pytest.raises(ConfigurationError, match="no signing key"):
        store.rotate("housing")


def test_sender_names_that_look_like_retired_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="retired keys"):
        Keystore(tmp_path).signing_key("police.0123456789abcdef")


def test_a_running_service_sees_a_rotation_and_a_revocation_without_a_restart(
    tmp_path: Path,
) -> None:
    """``current_keyring`` reads the folder again only when it has changed."""
    running, operator = Keystore(tmp_path), Keystore(tmp_path)  # two processes' views
    before = signed(operator, "agent.triage")
    os.utime(tmp_path, ns=(0, 1_000_000_000))  # changed long ago
    first = running.current_keyring()
    assert running.current_keyring() is first, "unchanged folder: nothing read again"
    old_id, new_id = operator.rotate("agent.triage")
    after = signed(operator, "agent.triage")
    rotated = running.current_keyring()
    assert rotated.get(new_id) is not None
    assert Verifier(rotated).verify("t", 0, 1, b"k", VALUE, after).key_id == new_id
    operator.revoke("agent.triage", old_id)
    with pytest.raises(EnvelopeError, match="revoked"):
        Verifier(running.current_keyring()).verify("t", 0, 0, b"k", VALUE, before)
