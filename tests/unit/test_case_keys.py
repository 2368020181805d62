"""Per-case payload keys and crypto-shredding (broker.case_keys)."""

from __future__ import annotations

import stat
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from broker.case_keys import (
    CASE_STATE,
    MAGIC,
    MESSAGE,
    CaseErased,
    CaseKeys,
    carries_case_payloads,
)
from broker.catalogue import catalogue
from broker.errors import RejectedMessage

CASE = uuid.UUID("6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b")
OTHER = uuid.UUID("0e4a6b1c-2d3e-4f50-9a1b-2c3d4e5f6a7b")
KEY = str(CASE).encode()
CONTACTS = "mash.contacts.v1"
PLAIN = b"\xc3\x01" + bytes(8) + b"a contact about a child"
WHEN = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def vault(tmp_path: Path) -> CaseKeys:
    return CaseKeys(tmp_path / "cases")


def reason(action: object) -> str:
    with pytest.raises(RejectedMessage) as refused:
        action()  # type: ignore[operator]
    return refused.value.reason


def test_every_case_keyed_topic_of_the_catalogue_is_encrypted_and_no_other() -> None:
    """The audit stays readable after erasure: it holds no personal data (issue: retention)."""
    specs = catalogue(["mash-duty", "out-of-hours"], "test-")
    encrypted = {spec.name for spec in specs if carries_case_payloads(spec.name)}
    case_keyed = {spec.name for spec in specs if spec.key == "case_id"}
    assert encrypted == case_keyed - {"test-mash.audit.v1", "test-mash.audit.pending.v1"}
    assert "test-mash.team.mash-duty.v1" in encrypted
    assert "test-mash.requests.social_care.v1" in encrypted
    assert not carries_case_payloads("test-mash.allocations.v1")
    assert not carries_case_payloads("test-mash.deadletter.v1")


def test_a_case_message_round_trips_and_hides_its_bytes(vault: CaseKeys) -> None:
    sealed = vault.encrypt(CONTACTS, KEY, PLAIN)
    assert sealed.startswith(MAGIC)
    assert b"a contact about a child" not in sealed
    assert vault.decrypt(CONTACTS, KEY, sealed) == PLAIN
    assert vault.encrypt(CONTACTS, KEY, PLAIN) != sealed, "a fresh nonce every time"


def test_other_topics_pass_through_unchanged(vault: CaseKeys) -> None:
    assert vault.encrypt("mash.audit.pending.v1", KEY, PLAIN) == PLAIN
    assert vault.decrypt("mash.deadletter.v1", None, PLAIN) == PLAIN
    assert not vault.folder.exists(), "no key is made for a message that is not a case's"


def test_the_key_file_is_private_and_made_once(vault: CaseKeys) -> None:
    vault.encrypt(CONTACTS, KEY, PLAIN)
    path = vault.folder / f"{CASE}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_bytes()) == 32
    before = path.read_bytes()
    CaseKeys(vault.folder).encrypt(CONTACTS, KEY, PLAIN)
    assert path.read_bytes() == before, "a second writer uses the key already made"
    assert [p.name for p in vault.folder.iterdir()] == [path.name], "no temporary file is left"


def test_a_value_cannot_move_to_another_case_or_purpose(vault: CaseKeys) -> None:
    sealed = vault.encrypt(CONTACTS, KEY, PLAIN)
    vault.encrypt(CONTACTS, str(OTHER).encode(), PLAIN)  # the other case has a key too
    assert reason(lambda: vault.decrypt(CONTACTS, str(OTHER).encode(), sealed)) == "MALFORMED"
    assert reason(lambda: vault.open(CASE, sealed, CASE_STATE)) == "MALFORMED"
    assert vault.open(CASE, sealed, MESSAGE) == PLAIN


def test_a_changed_byte_does_not_open(vault: CaseKeys) -> None:
    sealed = bytearray(vault.encrypt(CONTACTS, KEY, PLAIN))
    sealed[-1] ^= 1
    assert reason(lambda: vault.decrypt(CONTACTS, KEY, bytes(sealed))) == "MALFORMED"


def test_a_case_message_in_the_clear_is_refused(vault: CaseKeys) -> None:
    vault.encrypt(CONTACTS, KEY, PLAIN)
    assert reason(lambda: vault.decrypt(CONTACTS, KEY, PLAIN)) == "MALFORMED"


def test_a_case_message_must_be_keyed_by_its_case_id(vault: CaseKeys) -> None:
    assert reason(lambda: vault.encrypt(CONTACTS, b"case-1", PLAIN)) == "MALFORMED"
    assert reason(lambda: vault.encrypt(CONTACTS, None, PLAIN)) == "MALFORMED"
    assert reason(lambda: vault.decrypt(CONTACTS, b"../../etc", PLAIN)) == "MALFORMED"


def test_a_reader_without_the_case_key_says_so(vault: CaseKeys, tmp_path: Path) -> None:
    sealed = vault.encrypt(CONTACTS, KEY, PLAIN)
    elsewhere = CaseKeys(tmp_path / "elsewhere")
    assert reason(lambda: elsewhere.decrypt(CONTACTS, KEY, sealed)) == "NO_CASE_KEY"
    assert not elsewhere.holds(CASE), "reading never makes a key"


def test_erasure_makes_every_message_of_the_case_unreadable_for_good(vault: CaseKeys) -> None:
    sealed = vault.encrypt(CONTACTS, KEY, PLAIN)
    state = vault.seal(CASE, PLAIN, CASE_STATE)
    other = vault.encrypt(CONTACTS, str(OTHER).encode(), PLAIN)
    assert vault.erase(CASE, WHEN) is True
    assert not vault.holds(CASE)
    with pytest.raises(CaseErased, match="was erased at 2026-11-22T09:00:00"):
        vault.decrypt(CONTACTS, KEY, sealed)
    assert reason(lambda: vault.open(CASE, state, CASE_STATE)) == "CASE_ERASED"
    assert reason(lambda: vault.encrypt(CONTACTS, KEY, PLAIN)) == "CASE_ERASED"
    assert not vault.holds(CASE), "no key is ever made again for an erased case"
    assert vault.decrypt(CONTACTS, str(OTHER).encode(), other) == PLAIN, "other cases unharmed"
    assert vault.erase(CASE, WHEN) is False, "erasing again finds no key"
    assert vault.erasure(CASE) == {"case_id": str(CASE), "erased_at": WHEN.isoformat()}


def test_a_stray_key_file_of_an_erased_case_is_never_used(vault: CaseKeys) -> None:
    """As a writer racing the eraser could leave one: the marker is read first."""
    vault.encrypt(CONTACTS, KEY, PLAIN)
    vault.erase(CASE, WHEN)
    key_path = vault.folder / f"{CASE}.key"
    key_path.write_bytes(bytes(32))
    with pytest.raises(CaseErased):
        vault.key(CASE, create=True)
    assert vault.erase(CASE, WHEN) is True
    assert not key_path.exists()
