"""Sealed family pictures: a picture only the receiving team's key can open.

A ``uk.mash.v1.FamilyPicture`` forwarded on ``mash.team.<team>.v1`` travels as a
``uk.mash.v1.SealedPicture`` (DESIGN.md, Encryption). The scheme, named in the
``algorithm`` field as ``X25519-HKDF-SHA256-AES-256-GCM``, is:

1. **Key agreement.** Every seal makes a fresh ephemeral X25519 key pair and agrees
   a shared secret with the team's public key. The ephemeral public key (32 bytes)
   travels in ``ephemeral_public_key``.
2. **Key derivation.** HKDF-SHA256 turns the shared secret into a 256-bit AES key,
   with salt ``uk.mash.sealed-picture.v1`` and, as info, the framed parts
   ``algorithm, team_key, case_id, ephemeral public key, team public key``: a key
   agreed for one team and case is useless for any other.
3. **Encryption.** The plaintext is the codec's single-object encoding of the
   FamilyPicture. AES-256-GCM encrypts it under a random 96-bit ``nonce``;
   ``ciphertext`` is the encrypted bytes followed by the 16-byte tag.
4. **Associated data.** The framed parts ``uk.mash.sealed-picture.v1, algorithm,
   case_id, team_key, revision, key_id, ephemeral public key, sealed_at`` are
   authenticated with the ciphertext, so it cannot be moved to another team, case
   or revision, relabelled with another key, or re-dated.

Framing: each part is its 4-byte big-endian length and then its bytes; text is
UTF-8, ``case_id`` is the canonical lower-case UUID, ``revision`` and ``sealed_at``
(milliseconds since the Unix epoch) are decimal digits.

Team key ids are ``x25519:`` and the first 16 hex digits of the SHA-256 of the raw
public key. Opening checks the algorithm, that the picture was sealed to this key,
the tag, and that the picture inside names the case and revision of the header;
any failure raises :class:`~broker.errors.SealError` and returns nothing.
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from broker.codec import AvroCodec
from broker.errors import DecodeError, SealError

ALGORITHM = "X25519-HKDF-SHA256-AES-256-GCM"
SEALED_PICTURE = "uk.mash.v1.SealedPicture"
FAMILY_PICTURE = "uk.mash.v1.FamilyPicture"
KEY_ID_PREFIX = "x25519:"

DOMAIN = b"uk.mash.sealed-picture.v1"
PUBLIC_KEY_BYTES = 32
NONCE_BYTES = 12
AES_KEY_BYTES = 32
TAG_BYTES = 16
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)


def team_key_id_for(public_key: X25519PublicKey) -> str:
    """A team key's id, derived from the key itself: ``x25519:`` and 16 hex digits."""
    raw = public_key.public_bytes_raw()
    return KEY_ID_PREFIX + hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class _Header:
    """The authenticated, unencrypted fields of a sealed picture."""

    case_id: uuid.UUID
    team_key: str
    revision: int
    key_id: str
    ephemeral_public_key: bytes
    sealed_at: datetime

    def associated_data(self) -> bytes:
        return _framed(
            DOMAIN,
            ALGORITHM.encode(),
            str(self.case_id).encode(),
            self.team_key.encode(),
            str(self.revision).encode(),
            self.key_id.encode(),
            self.ephemeral_public_key,
            str(_millis(self.sealed_at)).encode(),
        )


def seal(
    picture: Mapping[str, Any],
    *,
    team_key: str,
    recipient: X25519PublicKey,
    key_id: str,
    codec: AvroCodec,
    now: datetime,
) -> dict[str, Any]:
    """Encrypt a family picture for one team.

    Args:
        picture: a ``uk.mash.v1.FamilyPicture`` value.
        team_key: the receiving team, as in the authority file (``mash-duty``).
        recipient: the team's X25519 public key.
        key_id: that key's id (see :func:`team_key_id_for`).
        codec: encodes the picture.
        now: the sealing time (timezone-aware), kept to the millisecond.

    Returns:
        A ``uk.mash.v1.SealedPicture`` value.

    Raises:
        SealError: ``key_id`` is not the recipient key's id, the picture has no
            usable case_id or revision, or ``now`` has no timezone.
        EncodeError: the picture does not fit its schema.
    """
    if key_id != team_key_id_for(recipient):
        raise SealError(
            f"key id {key_id} is not the id of the key given ({team_key_id_for(recipient)})"
        )
    if now.tzinfo is None:
        raise SealError("the sealing time must be timezone-aware")
    plaintext = codec.encode(FAMILY_PICTURE, picture)
    ephemeral = X25519PrivateKey.generate()
    header = _Header(
        case_id=_case_id(picture.get("case_id")),
        team_key=team_key,
        revision=_revision(picture.get("revision")),
        key_id=key_id,
        ephemeral_public_key=ephemeral.public_key().public_bytes_raw(),
        sealed_at=EPOCH + _millis(now) * MILLISECOND,
    )
    content_key = _content_key(_agree(ephemeral, recipient), header, recipient)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(content_key).encrypt(nonce, plaintext, header.associated_data())
    return {
        "case_id": header.case_id,
        "team_key": header.team_key,
        "revision": header.revision,
        "key_id": header.key_id,
        "ephemeral_public_key": header.ephemeral_public_key,
        "nonce": nonce,
        "ciphertext": ciphertext,
        "algorithm": ALGORITHM,
        "sealed_at": header.sealed_at,
    }


def open_sealed(
    sealed: Mapping[str, Any], private_key: X25519PrivateKey, codec: AvroCodec
) -> dict[str, Any]:
    """Decrypt a sealed picture with the team's private key.

    Args:
        sealed: a ``uk.mash.v1.SealedPicture`` value.
        private_key: the receiving team's X25519 private key.
        codec: decodes the picture inside.

    Returns:
        The ``uk.mash.v1.FamilyPicture`` value.

    Raises:
        SealError: an unknown algorithm, a picture sealed to another key, a changed
            header field, ciphertext or nonce, or a picture inside that is not the
            header's case and revision.
    """
    algorithm = sealed.get("algorithm")
    if algorithm != ALGORITHM:
        raise SealError(f"unknown sealing algorithm {algorithm!r}; this reader knows {ALGORITHM}")
    header = _read_header(sealed)
    own_key_id = team_key_id_for(private_key.public_key())
    if header.key_id != own_key_id:
        raise SealError(
            f"case {header.case_id} revision {header.revision} was sealed for key"
            f" {header.key_id} ({header.team_key}); this key is {own_key_id}"
        )
    nonce = sealed.get("nonce")
    ciphertext = sealed.get("ciphertext")
    if not isinstance(nonce, bytes) or len(nonce) != NONCE_BYTES:
        raise SealError(f"the nonce must be {NONCE_BYTES} bytes")
    if not isinstance(ciphertext, bytes) or len(ciphertext) < TAG_BYTES:
        raise SealError(f"the ciphertext must hold at least the {TAG_BYTES}-byte tag")
    ephemeral = X25519PublicKey.from_public_bytes(header.ephemeral_public_key)
    shared = _agree(private_key, ephemeral)
    content_key = _content_key(shared, header, private_key.public_key())
    try:
        plaintext = AESGCM(content_key).decrypt(nonce, ciphertext, header.associated_data())
    except InvalidTag as exc:
        raise SealError(
            f"case {header.case_id} revision {header.revision} for {header.team_key} does not"
            " open with this key: its ciphertext, nonce or a header field was changed, or it"
            " was sealed to another key"
        ) from exc
    try:
        picture = codec.decode(plaintext, FAMILY_PICTURE).value
    except DecodeError as exc:
        raise SealError(f"the sealed picture is not a readable FamilyPicture: {exc}") from exc
    inside = (_case_id(picture.get("case_id")), picture.get("revision"))
    if inside != (header.case_id, header.revision):
        raise SealError("the picture inside is not the case and revision its header names")
    return picture


def _agree(own: X25519PrivateKey, other: X25519PublicKey) -> bytes:
    try:
        return own.exchange(other)
    except ValueError as exc:
        # A low-order public key gives an all-zero secret, which cryptography refuses.
        raise SealError(f"no key agreement with that public key: {exc}") from exc


def _content_key(shared: bytes, header: _Header, team_public_key: X25519PublicKey) -> bytes:
    """The AES key both sides derive from the shared secret."""
    info = _framed(
        ALGORITHM.encode(),
        header.team_key.encode(),
        str(header.case_id).encode(),
        header.ephemeral_public_key,
        team_public_key.public_bytes_raw(),
    )
    return HKDF(hashes.SHA256(), AES_KEY_BYTES, salt=DOMAIN, info=info).derive(shared)


def _read_header(sealed: Mapping[str, Any]) -> _Header:
    team_key = sealed.get("team_key")
    key_id = sealed.get("key_id")
    ephemeral = sealed.get("ephemeral_public_key")
    sealed_at = sealed.get("sealed_at")
    if not isinstance(team_key, str) or not isinstance(key_id, str):
        raise SealError("a sealed picture needs a team_key and a key_id")
    if not isinstance(ephemeral, bytes) or len(ephemeral) != PUBLIC_KEY_BYTES:
        raise SealError(f"the ephemeral public key must be {PUBLIC_KEY_BYTES} bytes")
    if not isinstance(sealed_at, datetime) or sealed_at.tzinfo is None:
        raise SealError("sealed_at must be a timezone-aware time")
    return _Header(
        case_id=_case_id(sealed.get("case_id")),
        team_key=team_key,
        revision=_revision(sealed.get("revision")),
        key_id=key_id,
        ephemeral_public_key=ephemeral,
        sealed_at=sealed_at,
    )


def _case_id(value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise SealError(f"case_id {value!r} is not a UUID") from exc


def _revision(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SealError(f"revision {value!r} is not a number")
    return value


def _millis(moment: datetime) -> int:
    """Whole milliseconds since the epoch, as timestamp-millis stores them."""
    return (moment - EPOCH) // MILLISECOND


def _framed(*parts: bytes) -> bytes:
    """Length-prefixed parts, so no two different lists of parts give the same bytes."""
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)
