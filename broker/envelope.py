"""Signed envelopes: who wrote a message, with which key, and proof it is unchanged.

Kafka headers carry the message id, the sender (an agency connector or an
agent), the key id, the writer schema's fingerprint, the signing time and an
Ed25519 signature. The signature covers the topic, the key, the value and those
headers, each length-prefixed so that no two different messages sign the same
bytes, so moving a message to another topic or editing any part breaks it.

Replays: a message id seen before at *another* place in the log (topic,
partition, offset) is a replay and is refused. The same id at the same place is
an at-least-once redelivery, which consumers must tolerate, so it passes with
``redelivered`` set.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from broker.errors import EnvelopeError

MESSAGE_ID = "mash-message-id"
SENDER = "mash-sender"
KEY_ID = "mash-key-id"
SCHEMA = "mash-schema"
SIGNED_AT = "mash-signed-at"
SIGNATURE = "mash-signature"
SIGNED_HEADERS = (MESSAGE_ID, SENDER, KEY_ID, SCHEMA, SIGNED_AT)
ENVELOPE_HEADERS = (*SIGNED_HEADERS, SIGNATURE)

DOMAIN = b"uk.mash.envelope.v1"
ABSENT = 0xFFFFFFFF
DEFAULT_REPLAY_MEMORY = 1_000_000

Headers = Sequence[tuple[str, bytes]]


def key_id_for(public_key: Ed25519PublicKey) -> str:
    """A key id derived from the public key itself: ``ed25519:`` and 16 hex digits."""
    raw = public_key.public_bytes_raw()
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def signing_payload(
    topic: str, key: bytes | None, value: bytes, signed: Mapping[str, bytes]
) -> bytes:
    """The exact bytes the signature covers."""
    parts: list[bytes | None] = [DOMAIN, topic.encode(), key, value]
    parts += [signed[name] for name in SIGNED_HEADERS]
    out = bytearray()
    for part in parts:
        if part is None:
            out += struct.pack(">I", ABSENT)
        else:
            out += struct.pack(">I", len(part)) + part
    return bytes(out)


@dataclass(frozen=True)
class TrustedKey:
    """A public key the receiver trusts, and the sender who owns it."""

    key_id: str
    sender: str
    public_key: Ed25519PublicKey
    revoked: bool = False


@dataclass(frozen=True)
class SigningKey:
    """A sender's private key, with its id."""

    sender: str
    private_key: Ed25519PrivateKey
    key_id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.key_id:
            object.__setattr__(self, "key_id", key_id_for(self.private_key.public_key()))

    @classmethod
    def generate(cls, sender: str) -> SigningKey:
        """A fresh key for ``sender``."""
        return cls(sender, Ed25519PrivateKey.generate())

    def trusted(self) -> TrustedKey:
        """The public half, as a receiver's keyring holds it."""
        return TrustedKey(self.key_id, self.sender, self.private_key.public_key())


class Keyring:
    """The public keys a receiver trusts, by key id."""

    def __init__(self, keys: Iterable[TrustedKey] = ()) -> None:
        self._keys = {key.key_id: key for key in keys}

    def add(self, key: TrustedKey) -> None:
        """Trust ``key`` (replacing any key with its id)."""
        self._keys[key.key_id] = key

    def revoke(self, key_id: str) -> None:
        """Stop trusting a key; messages it signed are refused from now on."""
        key = self._keys[key_id]
        self._keys[key_id] = TrustedKey(key.key_id, key.sender, key.public_key, revoked=True)

    def get(self, key_id: str) -> TrustedKey | None:
        """The key with this id, if known."""
        return self._keys.get(key_id)

    def senders(self) -> set[str]:
        """Every sender with a key, revoked or not."""
        return {key.sender for key in self._keys.values()}


@dataclass(frozen=True)
class Envelope:
    """What a verified message's headers say about it."""

    message_id: str
    sender: str
    key_id: str
    schema_fingerprint: bytes
    signed_at: datetime
    redelivered: bool = False


class Signer:
    """Signs outgoing messages with one sender's key."""

    def __init__(self, key: SigningKey) -> None:
        self.key = key

    def sign(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        schema_fingerprint: bytes,
        *,
        message_id: str | None = None,
        signed_at: datetime | None = None,
    ) -> list[tuple[str, bytes]]:
        """The envelope headers for a message.

        Args:
            message_id: a stable id makes a resend of the same message the same
                message (idempotent producers of responses use this); default random.
            signed_at: the signing time; default now.
        """
        moment = signed_at or datetime.now(UTC)
        signed = {
            MESSAGE_ID: (message_id or str(uuid.uuid4())).encode(),
            SENDER: self.key.sender.encode(),
            KEY_ID: self.key.key_id.encode(),
            SCHEMA: schema_fingerprint.hex().encode(),
            SIGNED_AT: str(int(moment.timestamp() * 1000)).encode(),
        }
        signature = self.key.private_key.sign(signing_payload(topic, key, value, signed))
        return [*signed.items(), (SIGNATURE, signature)]


class ReplayGuard:
    """Remembers where each message id was first seen, within a bounded memory."""

    def __init__(self, capacity: int = DEFAULT_REPLAY_MEMORY) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, tuple[str, int, int]] = OrderedDict()

    def check(self, message_id: str, topic: str, partition: int, offset: int) -> bool:
        """Record a message; return whether it is a redelivery.

        Raises:
            EnvelopeError: REPLAY, when the id was seen at another place.
        """
        place = (topic, partition, offset)
        first = self._seen.get(message_id)
        if first is None:
            self._seen[message_id] = place
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return False
        if first != place:
            raise EnvelopeError(
                "REPLAY",
                f"message id {message_id} was first seen at {first[0]}[{first[1]}]@{first[2]}",
            )
        self._seen.move_to_end(message_id)
        return True


class Verifier:
    """Checks envelopes against a keyring, and replays against a guard."""

    def __init__(self, keyring: Keyring, replay_guard: ReplayGuard | None = None) -> None:
        self.keyring = keyring
        self.replay_guard = replay_guard

    def verify(
        self,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
        headers: Headers,
    ) -> Envelope:
        """The verified envelope of a message read at ``topic[partition]@offset``.

        Raises:
            EnvelopeError: MISSING_SIGNATURE, UNKNOWN_KEY, UNKNOWN_SENDER,
                BAD_SIGNATURE, MALFORMED or REPLAY.
        """
        found = _envelope_headers(headers)
        key_id = found[KEY_ID].decode(errors="replace")
        sender = found[SENDER].decode(errors="replace")
        trusted = self.keyring.get(key_id)
        if trusted is None:
            raise EnvelopeError("UNKNOWN_KEY", f"key {key_id} is not trusted")
        if trusted.revoked:
            raise EnvelopeError("UNKNOWN_KEY", f"key {key_id} of {trusted.sender} is revoked")
        if trusted.sender != sender:
            raise EnvelopeError(
                "UNKNOWN_SENDER",
                f"{sender!r} signed with key {key_id}, which is {trusted.sender}'s",
            )
        try:
            trusted.public_key.verify(found[SIGNATURE], signing_payload(topic, key, value, found))
        except InvalidSignature as exc:
            raise EnvelopeError(
                "BAD_SIGNATURE", f"signature of {sender} (key {key_id}) does not verify"
            ) from exc
        envelope = _parse_signed(found)
        if self.replay_guard is not None:
            redelivered = self.replay_guard.check(envelope.message_id, topic, partition, offset)
            if redelivered:
                envelope = replace(envelope, redelivered=True)
        return envelope


def _envelope_headers(headers: Headers) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name, raw in headers:
        if name in ENVELOPE_HEADERS:
            if name in found:
                raise EnvelopeError("BAD_SIGNATURE", f"header {name} appears twice")
            found[name] = raw if raw is not None else b""
    missing = [name for name in ENVELOPE_HEADERS if name not in found]
    if missing:
        raise EnvelopeError("MISSING_SIGNATURE", f"no {', '.join(missing)} header")
    return found


def check_schema(envelope: Envelope, plain: bytes) -> None:
    """Check the signed schema header against the fingerprint in the (decrypted) value.

    Raises:
        EnvelopeError: MALFORMED, when they differ.
    """
    if plain[2:10] != envelope.schema_fingerprint:
        raise EnvelopeError(
            "MALFORMED", "the schema header does not match the fingerprint in the value"
        )


def _parse_signed(found: Mapping[str, bytes]) -> Envelope:
    """Read the signed headers; a signer that wrote nonsense is malformed, not forged."""
    try:
        fingerprint = bytes.fromhex(found[SCHEMA].decode())
        signed_ms = int(found[SIGNED_AT].decode())
        message_id = found[MESSAGE_ID].decode()
    except ValueError as exc:
        raise EnvelopeError("MALFORMED", f"unreadable envelope header: {exc}") from exc
    return Envelope(
        message_id=message_id,
        sender=found[SENDER].decode(),
        key_id=found[KEY_ID].decode(),
        schema_fingerprint=fingerprint,
        signed_at=datetime.fromtimestamp(signed_ms / 1000, UTC),
    )
