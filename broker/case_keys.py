"""Per-case payload keys: what makes one case's messages erasable (crypto-shredding).

Every message about a case on a payload topic (contacts, information requests and
responses, shared information, pictures, team pictures, notifications, MASH
decisions) is
encrypted under that case's own 256-bit key before it is signed, and so is the
worker's saved state of the case. ``mash case erase CASE`` destroys the key: the
case's messages stay on the broker until their retention ends, but can never be
read again, while the sharing audit, which holds no personal data and is not
encrypted, still verifies. docs/retention-and-erasure.md has the whole story.

The vault is the ``cases`` folder of the keystore, shared by the services that
read cases as the rest of the keystore is:

- ``<case-uuid>.key``: the 32 random key bytes, mode 0600, made by whoever first
  writes about the case and never replaced;
- ``<case-uuid>.erased``: written when the case is erased, before the key file is
  overwritten and removed, so that no key is ever made for the case again.

An encrypted value is ``MAGIC`` (4 bytes), a random 96-bit nonce, then the
AES-256-GCM ciphertext and tag of the Avro bytes. The associated data are the
framed parts ``uk.mash.case-payload.v1, case id, purpose`` (``message`` or
``case-state``): a value cannot be moved to another case or from state to topic.
The envelope signature covers the encrypted value, so it still verifies after
the key is gone.
"""

from __future__ import annotations

import json
import os
import re
import struct
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from broker.errors import ConfigurationError, RejectedMessage

MAGIC = b"MCE\x01"
DOMAIN = b"uk.mash.case-payload.v1"
KEY_BYTES = 32
NONCE_BYTES = 12
PRIVATE_MODE = 0o600
MESSAGE = "message"
CASE_STATE = "case-state"
#: The sender that signs the audit record of an erasure (``mash case erase``).
ERASER = "case.eraser"

#: The streams whose messages are about one case, keyed by its id (broker.catalogue).
CASE_TOPIC = re.compile(
    r"mash\.(contacts|responses|shared|pictures|notifications|decisions|requests\.[a-z_]+"
    r"|team\.[a-z0-9-]+)\.v[0-9]+$"
)


def carries_case_payloads(topic: str) -> bool:
    """Whether ``topic`` carries case messages, encrypted under the case's key."""
    return CASE_TOPIC.search(topic) is not None


class CaseErased(RejectedMessage):
    """The case was erased: its key is gone and its messages cannot be read or written."""

    def __init__(self, case_id: uuid.UUID, erased_at: str) -> None:
        super().__init__("CASE_ERASED", f"case {case_id} was erased at {erased_at}")
        self.case_id = case_id


class CaseKeys:
    """The vault of per-case keys, and encryption of case payloads under them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def encrypt(self, topic: str, key: bytes | None, value: bytes) -> bytes:
        """``value`` as it goes on ``topic``: encrypted when the topic carries case payloads.

        The case's key is made if the case has none yet.

        Raises:
            CaseErased: the case was erased.
            RejectedMessage: a case topic's message without a case id as its key.
        """
        if not carries_case_payloads(topic):
            return value
        return self.seal(case_id_of(topic, key), value, MESSAGE)

    def decrypt(self, topic: str, key: bytes | None, value: bytes) -> bytes:
        """The Avro bytes of a value read from ``topic`` (unchanged off case topics).

        Raises:
            CaseErased: the case was erased.
            RejectedMessage: no key for the case here (NO_CASE_KEY), or a value
                that is not encrypted under it (MALFORMED).
        """
        if not carries_case_payloads(topic):
            return value
        return self.open(case_id_of(topic, key), value, MESSAGE, f"on {topic}")

    def seal(self, case_id: uuid.UUID, plaintext: bytes, purpose: str) -> bytes:
        """``plaintext`` encrypted under the case's key (made if it has none yet).

        Raises:
            CaseErased: the case was erased.
        """
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.key(case_id, create=True)).encrypt(
            nonce, plaintext, _associated(case_id, purpose)
        )
        return MAGIC + nonce + sealed

    def open(self, case_id: uuid.UUID, value: bytes, purpose: str, where: str = "") -> bytes:
        """The plaintext of a value sealed under the case's key.

        Raises:
            CaseErased: the case was erased.
            RejectedMessage: no key for the case, or not sealed under it.
        """
        if not value.startswith(MAGIC) or len(value) < len(MAGIC) + NONCE_BYTES + 16:
            raise RejectedMessage(
                "MALFORMED", f"a {purpose} of case {case_id} {where} is not encrypted under its key"
            )
        nonce = value[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
        try:
            return AESGCM(self.key(case_id, create=False)).decrypt(
                nonce, value[len(MAGIC) + NONCE_BYTES :], _associated(case_id, purpose)
            )
        except InvalidTag as exc:
            raise RejectedMessage(
                "MALFORMED", f"a {purpose} of case {case_id} {where} does not open under its key"
            ) from exc

    def key(self, case_id: uuid.UUID, *, create: bool) -> bytes:
        """The case's key.

        Raises:
            CaseErased: the case was erased (its key is never made again).
            RejectedMessage: NO_CASE_KEY, when ``create`` is false and there is none.
        """
        self.refuse_if_erased(case_id)
        path = self._key_path(case_id)
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            if not create:
                raise RejectedMessage(
                    "NO_CASE_KEY",
                    f"no key for case {case_id} in {self.folder} (is the keystore shared?)",
                ) from None
            key = self._create(case_id, path)
        if len(key) != KEY_BYTES:
            raise ConfigurationError(f"{path} does not hold a {KEY_BYTES}-byte case key")
        return key

    def erase(self, case_id: uuid.UUID, erased_at: datetime) -> bool:
        """Destroy the case's key; whether there was one to destroy.

        The erasure marker is written first, so no key is made for the case
        from then on; then the key file is overwritten and removed.
        """
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        marker = self._marker_path(case_id)
        if not marker.exists():
            partial = marker.with_name(f".{marker.name}.{os.getpid()}.tmp")
            partial.write_text(
                json.dumps({"case_id": str(case_id), "erased_at": erased_at.isoformat()}),
                encoding="utf-8",
            )
            partial.replace(marker)
        return _destroy(self._key_path(case_id))

    def refuse_if_erased(self, case_id: uuid.UUID) -> None:
        """Raise CaseErased if the case was erased; one stat when it was not.

        Reading the case's key makes this check; a reader that keeps a case's
        plaintext, and so does not read the key every time, makes it itself.

        Raises:
            CaseErased: the case was erased.
        """
        if os.path.exists(self._marker_path(case_id)):
            erasure = self.erasure(case_id)
            if erasure is not None:
                raise CaseErased(case_id, erasure["erased_at"])

    def holds(self, case_id: uuid.UUID) -> bool:
        """Whether the vault holds a key for the case."""
        return self._key_path(case_id).exists()

    def erasure(self, case_id: uuid.UUID) -> dict[str, Any] | None:
        """When the case was erased, or None if it was not."""
        try:
            marker: dict[str, Any] = json.loads(
                self._marker_path(case_id).read_text(encoding="utf-8")
            )
        except FileNotFoundError:
            return None
        return marker

    def _create(self, case_id: uuid.UUID, path: Path) -> bytes:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = os.urandom(KEY_BYTES)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key)
        try:
            os.link(partial, path)  # never replaces a key another process made first
        except FileExistsError:
            key = path.read_bytes()
        finally:
            partial.unlink()
        erasure = self.erasure(case_id)
        if erasure is not None:  # erased while the key was being made
            _destroy(path)
            raise CaseErased(case_id, erasure["erased_at"])
        return key

    def _key_path(self, case_id: uuid.UUID) -> Path:
        return self.folder / f"{case_id}.key"

    def _marker_path(self, case_id: uuid.UUID) -> Path:
        return self.folder / f"{case_id}.erased"


def case_id_of(topic: str, key: bytes | None) -> uuid.UUID:
    """The case id a case topic's message is keyed by.

    Raises:
        RejectedMessage: MALFORMED, when the key is not a case id.
    """
    try:
        return uuid.UUID((key or b"").decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise RejectedMessage(
            "MALFORMED", f"a message on {topic} must be keyed by its case id, not {key!r}"
        ) from None


def _associated(case_id: uuid.UUID, purpose: str) -> bytes:
    parts = (DOMAIN, str(case_id).encode(), purpose.encode())
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)


def _destroy(path: Path) -> bool:
    """Overwrite a key file with zeros, flush it to disk and remove it; whether it existed."""
    try:
        descriptor = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return False
    with os.fdopen(descriptor, "wb") as out:
        out.write(bytes(KEY_BYTES))
        out.flush()
        os.fsync(out.fileno())
    path.unlink()
    return True
