"""Signed envelopes: known answers, and every way a message can fail to be trusted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broker.envelope import (
    KEY_ID,
    MESSAGE_ID,
    SCHEMA,
    SENDER,
    SIGNATURE,
    SIGNED_AT,
    Keyring,
    ReplayGuard,
    Signer,
    SigningKey,
    Verifier,
    check_schema,
    signing_payload,
)
from broker.errors import EnvelopeError

# RFC 8032, section 7.1, TEST 1.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)

POLICE = SigningKey("police", Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET))
HEALTH = SigningKey("health", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
FINGERPRINT = bytes.fromhex("188a5b712dc4c7be")
VALUE = b"\xc3\x01" + FINGERPRINT + b"avro body"
TOPIC = "mash.responses.v1"
SIGNED_AT_FIXED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def signed_headers(key: SigningKey = POLICE, **changes: object) -> list[tuple[str, bytes]]:
    return Signer(key).sign(
        str(changes.get("topic", TOPIC)),
        b"case-1",
        VALUE,
        FINGERPRINT,
        message_id="11111111-2222-3333-4444-555555555555",
        signed_at=SIGNED_AT_FIXED,
    )


def verifier(*keys: SigningKey, guard: ReplayGuard | None = None) -> Verifier:
    return Verifier(Keyring(key.trusted() for key in (keys or (POLICE, HEALTH))), guard)


def reason(call: object) -> str:
    with pytest.raises(EnvelopeError) as caught:
        call()  # type: ignore[operator]
    return caught.value.reason


def test_rfc8032_test_1_known_answer() -> None:
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    assert key.public_key().public_bytes_raw() == RFC8032_PUBLIC
    assert key.sign(b"") == RFC8032_SIGNATURE


def test_envelope_known_answer() -> None:
    """Fixed key, id and time give fixed headers and signature: Ed25519 is deterministic."""
    headers = dict(signed_headers())
    assert headers[KEY_ID] == b"ed25519:21fe31dfa154a261"
    assert headers[SENDER] == b"police"
    assert headers[SCHEMA] == b"188a5b712dc4c7be"
    assert headers[SIGNED_AT] == b"1795426200000"
    payload = signing_payload(TOPIC, b"case-1", VALUE, headers)
    assert payload.startswith(
        b"\x00\x00\x00\x13uk.mash.envelope.v1\x00\x00\x00\x11mash.responses.v1"
    )
    assert headers[SIGNATURE].hex() == (
        "f88ccf8210bebfbe69722879bb65da28e4f6eaf87dd7dc5f65816ef060980d04"
        "b47ec81d4cbbe00025a6b48d92946188fd13eb062ae6acbfb328cc6d5e772206"
    )


def test_a_signed_message_verifies() -> None:
    envelope = verifier().verify(TOPIC, 0, 7, b"case-1", VALUE, signed_headers())
    assert envelope.sender == "police"
    assert envelope.schema_fingerprint == FINGERPRINT
    assert envelope.signed_at == SIGNED_AT_FIXED
    assert not envelope.redelivered


@pytest.mark.parametrize(
    ("topic", "key", "value"),
    [
        ("mash.shared.v1", b"case-1", VALUE),
        (TOPIC, b"case-2", VALUE),
        (TOPIC, None, VALUE),
        (TOPIC, b"case-1", VALUE[:-1] + b"x"),
    ],
    ids=["other-topic", "other-key", "no-key", "changed-value"],
)
def test_any_change_to_topic_key_or_value_breaks_the_signature(
    topic: str, key: bytes | None, value: bytes
) -> None:
    assert reason(lambda: verifier().verify(topic, 0, 7, key, value, signed_headers())) == (
        "BAD_SIGNATURE"
    )


@pytest.mark.parametrize(
    ("header", "forged", "expected"),
    [
        (MESSAGE_ID, b"99999999-2222-3333-4444-555555555555", "BAD_SIGNATURE"),
        (SIGNED_AT, b"1795426200001", "BAD_SIGNATURE"),
        (SCHEMA, b"0000000000000000", "BAD_SIGNATURE"),
        (SIGNATURE, bytes(64), "BAD_SIGNATURE"),
        (SENDER, b"health", "UNKNOWN_SENDER"),
        (KEY_ID, HEALTH.key_id.encode(), "UNKNOWN_SENDER"),
        (KEY_ID, b"ed25519:0000000000000000", "UNKNOWN_KEY"),
    ],
)
def test_any_change_to_a_signed_header_is_refused(
    header: str, forged: bytes, expected: str
) -> None:
    headers = [(name, forged if name == header else raw) for name, raw in signed_headers()]
    assert reason(lambda: verifier().verify(TOPIC, 0, 7, b"case-1", VALUE, headers)) == expected


def test_unknown_and_revoked_keys_are_refused() -> None:
    assert reason(
        lambda: verifier(HEALTH).verify(TOPIC, 0, 7, b"case-1", VALUE, signed_headers())
    ) == ("UNKNOWN_KEY")
    keyring = Keyring([POLICE.trusted()])
    keyring.revoke(POLICE.key_id)
    revoked = Verifier(keyring)
    assert reason(lambda: revoked.verify(TOPIC, 0, 7, b"case-1", VALUE, signed_headers())) == (
        "UNKNOWN_KEY"
    )


def test_missing_or_repeated_headers() -> None:
    headers = signed_headers()
    without = [(name, raw) for name, raw in headers if name != SIGNATURE]
    assert reason(lambda: verifier().verify(TOPIC, 0, 7, b"case-1", VALUE, without)) == (
        "MISSING_SIGNATURE"
    )
    assert reason(lambda: verifier().verify(TOPIC, 0, 7, b"case-1", VALUE, [])) == (
        "MISSING_SIGNATURE"
    )
    twice = [*headers, (SENDER, b"police")]
    assert reason(lambda: verifier().verify(TOPIC, 0, 7, b"case-1", VALUE, twice)) == (
        "BAD_SIGNATURE"
    )


def test_a_replay_elsewhere_is_refused_but_a_redelivery_is_not() -> None:
    check = verifier(guard=ReplayGuard())
    assert not check.verify(TOPIC, 0, 7, b"case-1", VALUE, signed_headers()).redelivered
    again = check.verify(TOPIC, 0, 7, b"case-1", VALUE, signed_headers())
    assert again.redelivered, "the same place is an at-least-once redelivery"
    assert reason(lambda: check.verify(TOPIC, 0, 8, b"case-1", VALUE, signed_headers())) == (
        "REPLAY"
    )


def test_a_forged_message_does_not_poison_the_replay_memory() -> None:
    guard = ReplayGuard()
    check = verifier(guard=guard)
    forged = [(n, bytes(64) if n == SIGNATURE else raw) for n, raw in signed_headers()]
    reason(lambda: check.verify(TOPIC, 0, 3, b"case-1", VALUE, forged))
    assert not check.verify(TOPIC, 0, 7, b"case-1", VALUE, signed_headers()).redelivered


def test_replay_memory_is_bounded() -> None:
    guard = ReplayGuard(capacity=2)
    for offset, message_id in enumerate(["a", "b", "c"]):
        guard.check(message_id, TOPIC, 0, offset)
    assert not guard.check("a", TOPIC, 0, 99), "the oldest id was forgotten"
    with pytest.raises(EnvelopeError, match=r"first seen at mash\.responses\.v1\[0\]@2"):
        guard.check("c", TOPIC, 0, 100)


def test_a_schema_header_that_disagrees_with_the_value_is_malformed() -> None:
    """Checked on the plain value, once a case's message is decrypted (broker.case_keys)."""
    other = b"\xc3\x01" + bytes(8) + b"avro body"
    headers = Signer(POLICE).sign(TOPIC, b"k", other, FINGERPRINT)
    envelope = verifier().verify(TOPIC, 0, 1, b"k", other, headers)
    assert reason(lambda: check_schema(envelope, other)) == "MALFORMED"
    check_schema(envelope, b"\xc3\x01" + FINGERPRINT + b"avro body")
