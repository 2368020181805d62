"""The local keystore: signing keys per sender, encryption keys per team, the keyring.

A folder holds ``<sender>.key`` (PKCS#8 PEM, mode 0600) and ``<sender>.pub``
(JSON: sender, key id, raw public key in hex). Senders are agencies (``police``)
and agents (``agent.triage``, ``intake``). A private key file that others can
read is refused, not used.

Each team that receives family pictures has an X25519 key: ``team.<team>.x25519``
(PKCS#8 PEM, mode 0600) and ``team.<team>.x25519.pub`` (JSON: team, algorithm,
key id, raw public key in hex). A publisher that holds only the ``.pub`` file can
seal pictures for the team; only the team can open them (see broker.sealing).
Sender names starting ``team.`` are reserved for these files. Rotation and export
come with ``mash keys``; this is the part every service needs to start.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from broker.case_keys import CaseKeys
from broker.envelope import Keyring, SigningKey, TrustedKey, key_id_for
from broker.errors import ConfigurationError
from broker.sealing import team_key_id_for

SENDER = re.compile(r"^[a-z][a-z0-9_.-]*$")
TEAM = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: Sender names with this prefix would collide with team key files.
RESERVED_SENDER_PREFIX = "team."
TEAM_PUBLIC_SUFFIX = ".x25519.pub"
TEAM_ALGORITHM = "X25519"
PRIVATE_MODE = 0o600


def default_keystore() -> Path:
    """``~/.local/share/mash-exchange/keys`` (``MASH_KEYSTORE`` moves it)."""
    return Path.home() / ".local" / "share" / "mash-exchange" / "keys"


class Keystore:
    """Signing keys, trusted public keys and team encryption keys in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def signing_key(self, sender: str) -> SigningKey:
        """The sender's signing key, created on first use.

        Raises:
            ConfigurationError: a bad sender name, or a key file others can read.
        """
        if not SENDER.match(sender):
            raise ConfigurationError(f"sender {sender!r} must be lower-case letters, digits, '._-'")
        if sender.startswith(RESERVED_SENDER_PREFIX):
            raise ConfigurationError(f"sender {sender!r}: names starting 'team.' are team keys")
        private = self.folder / f"{sender}.key"
        if not private.exists():
            return self._create(sender)
        key = _load_private(private)
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigurationError(f"{private} does not hold an Ed25519 key")
        return SigningKey(sender, key)

    def ensure(self, senders: list[str]) -> None:
        """Create the keys of any of ``senders`` that have none yet."""
        for sender in senders:
            self.signing_key(sender)

    def keyring(self) -> Keyring:
        """Every public key in the folder, trusted."""
        keys = []
        for public in sorted(self.folder.glob("*.pub")):
            if _is_team_file(public):
                continue
            entry = json.loads(public.read_text(encoding="utf-8"))
            raw = Ed25519PublicKey.from_public_bytes(bytes.fromhex(entry["public_key"]))
            keys.append(TrustedKey(entry["key_id"], entry["sender"], raw))
        return Keyring(keys)

    def case_keys(self) -> CaseKeys:
        """The per-case payload keys, in the ``cases`` folder (broker.case_keys)."""
        return CaseKeys(self.folder / "cases")

    def team_key(self, team: str) -> X25519PrivateKey:
        """The team's private encryption key, created (with its ``.pub``) on first use.

        Raises:
            ConfigurationError: a bad team key, a key file others can read, a file
                that holds no X25519 key, or a ``.pub`` file of another key.
        """
        private = self._team_private(team)
        if not private.exists():
            return self._create_team_key(team)
        key = _load_private(private)
        if not isinstance(key, X25519PrivateKey):
            raise ConfigurationError(f"{private} does not hold an X25519 key")
        public = self._team_public(team)
        if not public.exists():
            self._write_team_public(team, key.public_key())
        else:
            key_id, _ = self._read_team_public(team)
            if key_id != team_key_id_for(key.public_key()):
                raise ConfigurationError(
                    f"{public} holds key {key_id}, not the key of {private}; remove the stale .pub"
                )
        return key

    def team_public_key(self, team: str) -> tuple[str, X25519PublicKey]:
        """The key id and public key to seal pictures for ``team``.

        Read from ``team.<team>.x25519.pub`` when it exists, so a publisher needs no
        private key; otherwise the team's key is created (or read) here.

        Raises:
            ConfigurationError: a bad team key or an unreadable ``.pub`` file, or as
                :meth:`team_key` when the key pair is made here.
        """
        if self._team_public(team).exists():
            return self._read_team_public(team)
        public = self.team_key(team).public_key()
        return team_key_id_for(public), public

    def _team_private(self, team: str) -> Path:
        if not TEAM.match(team):
            raise ConfigurationError(
                f"team key {team!r} must be lower-case letters, digits and '-'"
            )
        return self.folder / f"team.{team}.x25519"

    def _team_public(self, team: str) -> Path:
        return self._team_private(team).with_name(f"team.{team}{TEAM_PUBLIC_SUFFIX}")

    def _read_team_public(self, team: str) -> tuple[str, X25519PublicKey]:
        path = self._team_public(team)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            public = X25519PublicKey.from_public_bytes(bytes.fromhex(entry["public_key"]))
            key_id, owner, algorithm = entry["key_id"], entry["team"], entry["algorithm"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{path} is not a team public key file: {exc}") from exc
        if owner != team or algorithm != TEAM_ALGORITHM:
            raise ConfigurationError(f"{path} is the {algorithm} key of {owner!r}, not of {team!r}")
        if key_id != team_key_id_for(public):
            raise ConfigurationError(f"{path}: key id {key_id} does not match its public key")
        return key_id, public

    def _write_team_public(self, team: str, public: X25519PublicKey) -> None:
        entry = {
            "team": team,
            "algorithm": TEAM_ALGORITHM,
            "key_id": team_key_id_for(public),
            "public_key": public.public_bytes_raw().hex(),
        }
        path = self._team_public(team)
        # Written aside and renamed, so a publisher never reads half a file.
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(entry), encoding="utf-8")
        partial.replace(path)

    def _create_team_key(self, team: str) -> X25519PrivateKey:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = X25519PrivateKey.generate()
        private = self._team_private(team)
        try:
            _write_private(private, key)
        except FileExistsError:
            # Another process created it first: use theirs.
            return self.team_key(team)
        self._write_team_public(team, key.public_key())
        return key

    def _create(self, sender: str) -> SigningKey:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        _write_private(self.folder / f"{sender}.key", key)
        public = key.public_key()
        (self.folder / f"{sender}.pub").write_text(
            json.dumps(
                {
                    "sender": sender,
                    "key_id": key_id_for(public),
                    "public_key": public.public_bytes_raw().hex(),
                }
            ),
            encoding="utf-8",
        )
        return SigningKey(sender, key)


def _load_private(private: Path) -> PrivateKeyTypes:
    """The key in a PEM file that only its owner can read.

    Raises:
        ConfigurationError: the file is readable by others or holds no readable key.
    """
    mode = stat.S_IMODE(private.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"{private} is readable by others (mode {mode:o}); run: chmod 600 {private}"
        )
    try:
        return serialization.load_pem_private_key(private.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{private} is not an unencrypted PEM private key") from exc


def _write_private(private: Path, key: Ed25519PrivateKey | X25519PrivateKey) -> None:
    """Write a new key file, mode 0600 from the start; an existing file is never replaced."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)


def _is_team_file(path: Path) -> bool:
    return path.name.startswith(RESERVED_SENDER_PREFIX) and path.name.endswith(TEAM_PUBLIC_SUFFIX)
