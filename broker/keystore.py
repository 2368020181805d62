"""The local keystore: one Ed25519 signing key per sender, and the public keyring.

A folder holds ``<sender>.key`` (PKCS#8 PEM, mode 0600) and ``<sender>.pub``
(JSON: sender, key id, raw public key in hex). Senders are agencies (``police``)
and agents (``agent.triage``, ``intake``). A private key file that others can
read is refused, not used. Rotation, export and per-team encryption keys come
with ``mash keys``; this is the part every service needs to start.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from broker.envelope import Keyring, SigningKey, TrustedKey, key_id_for
from broker.errors import ConfigurationError

SENDER = re.compile(r"^[a-z][a-z0-9_.-]*$")
PRIVATE_MODE = 0o600


def default_keystore() -> Path:
    """``~/.local/share/mash-exchange/keys`` (``MASH_KEYSTORE`` moves it)."""
    return Path.home() / ".local" / "share" / "mash-exchange" / "keys"


class Keystore:
    """Signing keys and trusted public keys in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def signing_key(self, sender: str) -> SigningKey:
        """The sender's signing key, created on first use.

        Raises:
            ConfigurationError: a bad sender name, or a key file others can read.
        """
        if not SENDER.match(sender):
            raise ConfigurationError(f"sender {sender!r} must be lower-case letters, digits, '._-'")
        private = self.folder / f"{sender}.key"
        if not private.exists():
            return self._create(sender)
        mode = stat.S_IMODE(private.stat().st_mode)
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigurationError(
                f"{private} is readable by others (mode {mode:o}); run: chmod 600 {private}"
            )
        key = serialization.load_pem_private_key(private.read_bytes(), password=None)
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
            entry = json.loads(public.read_text(encoding="utf-8"))
            raw = Ed25519PublicKey.from_public_bytes(bytes.fromhex(entry["public_key"]))
            keys.append(TrustedKey(entry["key_id"], entry["sender"], raw))
        return Keyring(keys)

    def _create(self, sender: str) -> SigningKey:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        private = self.folder / f"{sender}.key"
        descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
        with os.fdopen(descriptor, "wb") as out:
            out.write(pem)
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
