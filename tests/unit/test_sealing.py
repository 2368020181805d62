"""Sealed family pictures: only the receiving team opens them, and nothing can be changed."""

from __future__ import annotations

import struct
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from broker.codec import AvroCodec
from broker.errors import ConfigurationError, SealError
from broker.keystore import Keystore
from broker.sealing import ALGORITHM, open_sealed, seal, team_key_id_for
from tests.examples import FAMILY_PICTURE, PICTURE_SEALED_AT, TEAM_KEY

CODEC = AvroCodec()
TEAM = X25519PrivateKey.from_private_bytes(bytes(range(0x40, 0x60)))
OTHER_TEAM = X25519PrivateKey.from_private_bytes(bytes(range(0x60, 0x80)))


def _seal(picture: dict[str, Any] = FAMILY_PICTURE, key: X25519PrivateKey = TEAM) -> dict[str, Any]:
    public = key.public_key()
    return seal(
        picture,
        team_key=TEAM_KEY,
        recipient=public,
        key_id=team_key_id_for(public),
        codec=CODEC,
        now=PICTURE_SEALED_AT,
    )


SEALED = _seal()
#: FAMILY_PICTURE as the codec reads it back: with any fields a newer schema adds, defaulted.
OPENED = CODEC.decode(CODEC.encode("uk.mash.v1.FamilyPicture", FAMILY_PICTURE)).value

# Known answer: sealed once to TEAM by this implementation and checked against the module
# docstring by hand (test_the_format_is_as_documented). If it stops opening, the format changed.
KNOWN_CASE = uuid.UUID("5b0f3c1e-8a2d-4e6f-9c47-1d3e5a7b9f02")
KNOWN_PICTURE: dict[str, Any] = {
    "case_id": KNOWN_CASE,
    "revision": 2,
    "revision_reason": "LATE_RESPONSE",
    "generated_at": datetime(2026, 3, 3, 15, 0, tzinfo=UTC),
    "completeness": "COMPLETE",
}
KNOWN_SEALED: dict[str, Any] = {
    "case_id": KNOWN_CASE,
    "team_key": "area-north",
    "revision": 2,
    "key_id": "x25519:67ca2ffd6fe9efab",
    "ephemeral_public_key": bytes.fromhex(
        "d65363ae42cfcb3f2f27025974c6eadcfbeceb504a3aaeab1543a09e46e44c6e"
    ),
    "nonce": bytes.fromhex("fc4b4fa2eb85f18d8c1e420d"),
    "ciphertext": bytes.fromhex(
        "f5a79c9c9dc91bab4146e0e210928c11f877f652470a1432e4c7785665f0414a"
        "9c0c8c48689974809e44b435e8093b3a7fe3f25c09a559d4d5ceb812ef0c4216"
        "515c771f70a31e9bb03c14eed6feb3c9873f7cffd9d35a36"
    ),
    "algorithm": "X25519-HKDF-SHA256-AES-256-GCM",
    "sealed_at": datetime(2026, 3, 3, 15, 0, 1, 250_000, tzinfo=UTC),
}


def _flip(data: bytes, index: int = 0, bit: int = 0) -> bytes:
    out = bytearray(data)
    out[index] ^= 1 << bit
    return bytes(out)


def test_the_team_opens_what_was_sealed_for_it() -> None:
    assert open_sealed(SEALED, TEAM, CODEC) == OPENED


def test_the_header_says_what_was_sealed_and_for_whom() -> None:
    assert SEALED["case_id"] == OPENED["case_id"]
    assert SEALED["revision"] == OPENED["revision"]
    assert SEALED["team_key"] == TEAM_KEY
    assert SEALED["key_id"] == team_key_id_for(TEAM.public_key())
    assert SEALED["algorithm"] == ALGORITHM == "X25519-HKDF-SHA256-AES-256-GCM"
    assert SEALED["sealed_at"] == PICTURE_SEALED_AT
    assert len(SEALED["ephemeral_public_key"]) == 32
    assert len(SEALED["nonce"]) == 12


def test_the_sealed_value_travels_as_a_sealed_picture() -> None:
    wire = CODEC.encode("uk.mash.v1.SealedPicture", SEALED)
    decoded = CODEC.decode(wire, "uk.mash.v1.SealedPicture")
    assert decoded.value == SEALED
    assert open_sealed(decoded.value, TEAM, CODEC) == OPENED


def test_another_teams_key_does_not_open_it() -> None:
    with pytest.raises(SealError, match="sealed for key x25519:"):
        open_sealed(SEALED, OTHER_TEAM, CODEC)


def test_another_teams_key_fails_even_when_the_key_id_is_relabelled() -> None:
    relabelled = {**SEALED, "key_id": team_key_id_for(OTHER_TEAM.public_key())}
    with pytest.raises(SealError, match="does not open"):
        open_sealed(relabelled, OTHER_TEAM, CODEC)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("ciphertext", _flip(SEALED["ciphertext"]), id="ciphertext-first-bit"),
        pytest.param("ciphertext", _flip(SEALED["ciphertext"], -1, 7), id="tag-last-bit"),
        pytest.param("ciphertext", SEALED["ciphertext"][:-1], id="ciphertext-truncated"),
        pytest.param("ciphertext", SEALED["ciphertext"] + b"\x00", id="ciphertext-extended"),
        pytest.param("ciphertext", b"", id="ciphertext-empty"),
        pytest.param("nonce", _flip(SEALED["nonce"]), id="nonce"),
        pytest.param("nonce", SEALED["nonce"][:8], id="nonce-short"),
        pytest.param("ephemeral_public_key", _flip(SEALED["ephemeral_public_key"], 5), id="eph"),
        pytest.param("ephemeral_public_key", bytes(32), id="ephemeral-low-order"),
        pytest.param("case_id", uuid.UUID("00000000-0000-4000-8000-000000000000"), id="case_id"),
        pytest.param("case_id", "not-a-uuid", id="case_id-malformed"),
        pytest.param("team_key", "area-north", id="team_key"),
        pytest.param("revision", 2, id="revision"),
        pytest.param("key_id", "x25519:0000000000000000", id="key_id"),
        pytest.param("sealed_at", PICTURE_SEALED_AT + timedelta(milliseconds=1), id="sealed_at"),
        pytest.param("sealed_at", None, id="sealed_at-missing"),
    ],
)
def test_any_change_fails(field: str, value: object) -> None:
    with pytest.raises(SealError):
        open_sealed({**SEALED, field: value}, TEAM, CODEC)


def test_a_ciphertext_moved_to_another_case_does_not_open() -> None:
    other_case = _seal({**FAMILY_PICTURE, "case_id": uuid.uuid4()})
    moved = {**other_case, **{k: SEALED[k] for k in ("ciphertext", "nonce")}}
    with pytest.raises(SealError, match="does not open"):
        open_sealed(moved, TEAM, CODEC)


@pytest.mark.parametrize("algorithm", ["X25519-HKDF-SHA256-AES-128-GCM", "", None])
def test_an_unknown_algorithm_is_refused(algorithm: str | None) -> None:
    with pytest.raises(SealError, match="unknown sealing algorithm"):
        open_sealed({**SEALED, "algorithm": algorithm}, TEAM, CODEC)


@given(st.data())
def test_every_single_bit_flip_of_the_ciphertext_fails(data: st.DataObject) -> None:
    ciphertext = SEALED["ciphertext"]
    index = data.draw(st.integers(0, len(ciphertext) - 1))
    bit = data.draw(st.integers(0, 7))
    with pytest.raises(SealError, match="does not open"):
        open_sealed({**SEALED, "ciphertext": _flip(ciphertext, index, bit)}, TEAM, CODEC)


def test_each_seal_uses_a_fresh_ephemeral_key_and_nonce() -> None:
    seals = [_seal() for _ in range(5)]
    assert len({sealed["ephemeral_public_key"] for sealed in seals}) == 5
    assert len({sealed["nonce"] for sealed in seals}) == 5
    assert len({sealed["ciphertext"] for sealed in seals}) == 5
    assert all(open_sealed(sealed, TEAM, CODEC) == OPENED for sealed in seals)


def test_a_key_id_that_is_not_the_recipients_is_refused_when_sealing() -> None:
    with pytest.raises(SealError, match="is not the id of the key given"):
        seal(
            FAMILY_PICTURE,
            team_key=TEAM_KEY,
            recipient=TEAM.public_key(),
            key_id=team_key_id_for(OTHER_TEAM.public_key()),
            codec=CODEC,
            now=PICTURE_SEALED_AT,
        )


def test_the_sealing_time_needs_a_timezone_and_keeps_whole_milliseconds() -> None:
    public = TEAM.public_key()
    common: dict[str, Any] = {
        "team_key": TEAM_KEY,
        "recipient": public,
        "key_id": team_key_id_for(public),
        "codec": CODEC,
    }
    with pytest.raises(SealError, match="timezone-aware"):
        seal(FAMILY_PICTURE, **common, now=datetime(2026, 3, 3, 14, 16))
    sealed = seal(FAMILY_PICTURE, **common, now=PICTURE_SEALED_AT + timedelta(microseconds=999))
    assert sealed["sealed_at"] == PICTURE_SEALED_AT
    assert open_sealed(sealed, TEAM, CODEC) == OPENED


def test_the_known_answer_opens() -> None:
    opened = open_sealed(KNOWN_SEALED, TEAM, CODEC)
    assert {name: opened[name] for name in KNOWN_PICTURE} == KNOWN_PICTURE
    assert opened["persons"] == []


DOMAIN = b"uk.mash.sealed-picture.v1"


def _framed(*parts: bytes) -> bytes:
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)


def _recipe_key(shared: bytes, team: str, case: uuid.UUID, ephemeral: bytes) -> AESGCM:
    """The content key exactly as the module docstring describes it."""
    info = _framed(
        ALGORITHM.encode(),
        team.encode(),
        str(case).encode(),
        ephemeral,
        TEAM.public_key().public_bytes_raw(),
    )
    return AESGCM(HKDF(hashes.SHA256(), 32, salt=DOMAIN, info=info).derive(shared))


def _recipe_associated_data(header: dict[str, Any]) -> bytes:
    millis = (header["sealed_at"] - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    return _framed(
        DOMAIN,
        ALGORITHM.encode(),
        str(header["case_id"]).encode(),
        header["team_key"].encode(),
        str(header["revision"]).encode(),
        header["key_id"].encode(),
        header["ephemeral_public_key"],
        str(millis).encode(),
    )


def _seal_by_recipe(plaintext: bytes, case: uuid.UUID, revision: int) -> dict[str, Any]:
    """Seal any bytes under any header, following the docstring rather than the module."""
    ephemeral = X25519PrivateKey.generate()
    header: dict[str, Any] = {
        "case_id": case,
        "team_key": TEAM_KEY,
        "revision": revision,
        "key_id": team_key_id_for(TEAM.public_key()),
        "ephemeral_public_key": ephemeral.public_key().public_bytes_raw(),
        "nonce": bytes(12),
        "algorithm": ALGORITHM,
        "sealed_at": PICTURE_SEALED_AT,
    }
    aead = _recipe_key(
        ephemeral.exchange(TEAM.public_key()), TEAM_KEY, case, header["ephemeral_public_key"]
    )
    ciphertext = aead.encrypt(header["nonce"], plaintext, _recipe_associated_data(header))
    return {**header, "ciphertext": ciphertext}


def test_the_format_is_as_documented() -> None:
    """Open the known answer with nothing but the module docstring's recipe."""
    ephemeral = KNOWN_SEALED["ephemeral_public_key"]
    shared = TEAM.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    aead = _recipe_key(shared, KNOWN_SEALED["team_key"], KNOWN_CASE, ephemeral)
    plaintext = aead.decrypt(
        KNOWN_SEALED["nonce"], KNOWN_SEALED["ciphertext"], _recipe_associated_data(KNOWN_SEALED)
    )
    decoded = CODEC.decode(plaintext, "uk.mash.v1.FamilyPicture")
    assert decoded.value["case_id"] == KNOWN_CASE


def test_what_the_recipe_seals_opens() -> None:
    plaintext = CODEC.encode("uk.mash.v1.FamilyPicture", FAMILY_PICTURE)
    sealed = _seal_by_recipe(plaintext, FAMILY_PICTURE["case_id"], FAMILY_PICTURE["revision"])
    assert open_sealed(sealed, TEAM, CODEC) == OPENED


@pytest.mark.parametrize(
    ("case", "revision"),
    [(uuid.UUID("00000000-0000-4000-8000-000000000001"), 1), (FAMILY_PICTURE["case_id"], 7)],
)
def test_the_picture_inside_must_be_the_case_and_revision_of_the_header(
    case: uuid.UUID, revision: int
) -> None:
    """A sealer that mislabels a picture is caught even though the tag verifies."""
    plaintext = CODEC.encode("uk.mash.v1.FamilyPicture", FAMILY_PICTURE)
    with pytest.raises(SealError, match="not the case and revision"):
        open_sealed(_seal_by_recipe(plaintext, case, revision), TEAM, CODEC)


def test_a_plaintext_that_is_not_a_family_picture_is_refused() -> None:
    plaintext = CODEC.encode("uk.mash.v1.SealedPicture", SEALED)
    with pytest.raises(SealError, match="not a readable FamilyPicture"):
        open_sealed(_seal_by_recipe(plaintext, SEALED["case_id"], 1), TEAM, CODEC)


def test_a_team_seals_and_opens_with_its_keystore(tmp_path: Path) -> None:
    team_store = Keystore(tmp_path / "team")
    team_store.team_key(TEAM_KEY)
    private = tmp_path / "team" / f"team.{TEAM_KEY}.x25519"
    assert private.stat().st_mode & 0o777 == 0o600
    # The routing agent holds only the public file.
    router = tmp_path / "router"
    router.mkdir()
    (router / f"team.{TEAM_KEY}.x25519.pub").write_bytes(
        (tmp_path / "team" / f"team.{TEAM_KEY}.x25519.pub").read_bytes()
    )
    sealed = _seal_for(Keystore(router))
    assert not (router / f"team.{TEAM_KEY}.x25519").exists()
    assert open_sealed(sealed, team_store.team_key(TEAM_KEY), CODEC) == OPENED
    with pytest.raises(SealError):
        open_sealed(sealed, Keystore(tmp_path / "other").team_key(TEAM_KEY), CODEC)
    private.chmod(0o644)
    with pytest.raises(ConfigurationError, match="readable by others"):
        team_store.team_key(TEAM_KEY)


def _seal_for(store: Keystore) -> dict[str, Any]:
    key_id, public = store.team_public_key(TEAM_KEY)
    return seal(
        FAMILY_PICTURE,
        team_key=TEAM_KEY,
        recipient=public,
        key_id=key_id,
        codec=CODEC,
        now=PICTURE_SEALED_AT,
    )


def test_after_a_team_key_rotation_old_and_new_pictures_both_open(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.team_key(TEAM_KEY)
    before = _seal_for(store)
    old_id, new_id = store.rotate_team(TEAM_KEY)
    after = _seal_for(store)
    assert (before["key_id"], after["key_id"]) == (old_id, new_id)
    assert open_sealed(before, store.team_key_for(TEAM_KEY, before["key_id"]), CODEC) == OPENED
    assert open_sealed(after, store.team_key_for(TEAM_KEY, after["key_id"]), CODEC) == OPENED
    # The current key opens only what was sealed to it.
    with pytest.raises(SealError, match="sealed for key"):
        open_sealed(before, store.team_key(TEAM_KEY), CODEC)


def test_a_picture_sealed_to_a_key_the_keystore_lacks_says_so(tmp_path: Path) -> None:
    store = Keystore(tmp_path)
    store.team_key(TEAM_KEY)
    old_id, _ = store.rotate_team(TEAM_KEY)
    (tmp_path / f"team.{TEAM_KEY}.{old_id.split(':')[1]}.x25519").unlink()
    with pytest.raises(ConfigurationError, match=f"no private key {old_id} of team {TEAM_KEY}"):
        store.team_key_for(TEAM_KEY, old_id)
    with pytest.raises(ConfigurationError, match="no private key x25519:nonsense"):
        store.team_key_for(TEAM_KEY, "x25519:nonsense")
