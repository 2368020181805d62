"""The local keystore: signing keys per sender, encryption keys per team, the keyring.

A folder holds ``<sender>.key`` (PKCS#8 PEM, mode 0600) and ``<sender>.pub``
(JSON: sender, key id, raw public key in hex). Senders are agencies (``police``)
and agents (``agent.triage``, ``intake``). A private key file that others can
read is refused, not used.

Each team that receives family pictures has an X25519 key: ``team.<team>.x25519``
(PKCS#8 PEM, mode 0600) and ``team.<team>.x25519.pub`` (JSON: team, algorithm,
key id, raw public key in hex). A publisher that holds only the ``.pub`` file can
seal pictures for the team; only the team can open them (see broker.sealing).
Sender names starting ``team.`` are reserved for these files.

Rotation (``mash keys rotate``, :meth:`Keystore.rotate`) of a sender's signing key:

- the active key stays ``<sender>.key`` + ``<sender>.pub``; rotation writes a new
  key pair there (the ``.pub`` gains ``created``);
- the old public key is kept as ``<sender>.<16 hex digits of its key id>.pub``
  with ``"status": "retired"`` and ``retired_at``: :meth:`Keystore.keyring` still
  trusts it, so messages signed before the rotation still verify;
- the old private key is destroyed: overwritten with random bytes, synced and
  unlinked (best effort on copy-on-write file systems and SSDs), so nothing can
  sign with it again. A service that loaded it before the rotation signs with it
  until restarted; its messages still verify until the key is revoked.

Revocation (``mash keys revoke``, :meth:`Keystore.revoke`) sets the retired file's
status to ``"revoked"`` (and ``revoked_at``). The keyring then holds the key as
revoked, and the verifier refuses its messages as UNKNOWN_KEY, so consumers
dead-letter them. The revoked file is kept, not deleted, so that copying the
public files to another service carries the revocation with it (a key id marked
revoked in any file is revoked); an active key cannot be revoked: rotate first.
Sender names ending in ``.`` and 16 hex digits are reserved for retired keys.

Rotation of a team's encryption key (``mash keys rotate team.<team>``,
:meth:`Keystore.rotate_team`) works the other way round: pictures sealed to the
old key must stay readable by the team, so its private key is kept, as
``team.<team>.<16 hex digits of its key id>.x25519`` beside a ``.x25519.pub``
with ``"status": "retired"``. The new key pair takes the usual names, and the
worker, which reads the team's ``.pub`` for every picture, seals to the new key
from its next picture on. :meth:`Keystore.team_key_for` finds the private key a
sealed picture names, old or new. To stop old pictures opening anywhere, delete
the retired private file (and its copies).

:meth:`Keystore.keys` lists every key by its public file (never private bytes);
:meth:`Keystore.export_public` copies the public files only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from broker.case_keys import CaseKeys
from broker.envelope import Keyring, SigningKey, TrustedKey, key_id_for
from broker.errors import ConfigurationError
from broker.pseudonyms import FILE_NAME as PSEUDONYM_FILE
from broker.pseudonyms import pseudonym_key
from broker.sealing import team_key_id_for

SENDER = re.compile(r"^[a-z][a-z0-9_.-]*$")
TEAM = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: Sender names with this prefix would collide with team key files.
RESERVED_SENDER_PREFIX = "team."
TEAM_PUBLIC_SUFFIX = ".x25519.pub"
TEAM_ALGORITHM = "X25519"
PRIVATE_MODE = 0o600
#: How long after a change to the folder the keyring is read on every call.
SETTLE_NS = 1_000_000_000
SIGNING_KEY_ID = re.compile(r"^ed25519:([0-9a-f]{16})$")
TEAM_KEY_ID = re.compile(r"^x25519:([0-9a-f]{16})$")
#: Sender names with this ending would collide with retired key files.
RETIRED_NAME = re.compile(r"\.[0-9a-f]{16}$")
ACTIVE = "active"
RETIRED = "retired"
REVOKED = "revoked"
SIGNING_KIND = "ed25519"
TEAM_KIND = "x25519"
PSEUDONYM_KIND = "hmac"


@dataclass(frozen=True)
class KeyInfo:
    """One key as ``mash keys list`` shows it: no private material.

    ``owner`` is the sender, the team (``team.<key>``) or ``audit`` for the
    pseudonym key; ``kind`` is ``ed25519``, ``x25519`` or ``hmac``; ``created`` an
    ISO time (from the file when the public file does not say); ``status`` is
    ``active``, ``retired`` or ``revoked``; ``private`` whether this keystore
    holds the private half.
    """

    owner: str
    kind: str
    key_id: str
    created: str
    status: str
    private: bool
    path: Path

    def as_json(self) -> dict[str, Any]:
        """The key as a JSON object."""
        return {
            "owner": self.owner,
            "kind": self.kind,
            "key_id": self.key_id,
            "created": self.created,
            "status": self.status,
            "private": self.private,
            "file": self.path.name,
        }


def default_keystore() -> Path:
    """``~/.local/share/mash-exchange/keys`` (``MASH_KEYSTORE`` moves it)."""
    return Path.home() / ".local" / "share" / "mash-exchange" / "keys"


class Keystore:
    """Signing keys, trusted public keys and team encryption keys in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._keyring: Keyring | None = None
        self._keyring_stamp: int | None = None

    def signing_key(self, sender: str) -> SigningKey:
        """The sender's signing key, created on first use.

        Raises:
            ConfigurationError: a bad sender name, or a key file others can read.
        """
        private = self._sender_private(sender)
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
        """Every public signing key in the folder: active and retired trusted, revoked not.

        A key id marked revoked in any file is revoked, even if another file (a
        stale copy) still has it active.
        """
        keys: dict[str, TrustedKey] = {}
        for public in sorted(self.folder.glob("*.pub")):
            if _is_team_file(public):
                continue
            entry = json.loads(public.read_text(encoding="utf-8"))
            raw = Ed25519PublicKey.from_public_bytes(bytes.fromhex(entry["public_key"]))
            revoked = entry.get("status") == REVOKED
            seen = keys.get(entry["key_id"])
            if seen is not None and seen.revoked:
                continue
            keys[entry["key_id"]] = TrustedKey(entry["key_id"], entry["sender"], raw, revoked)
        return Keyring(keys.values())

    def current_keyring(self) -> Keyring:
        """:meth:`keyring`, read again only when the folder has changed since the last call.

        Adding, rotating or revoking a key adds or renames a file, which changes
        the folder's modification time: a running service so trusts a new key and
        refuses a revoked one from its next message on, without a restart, at the
        cost of one ``stat`` per message. For a second after a change the keyring
        is read every time, so a second change within a coarse file-system clock
        tick is not missed.
        """
        stamp = self.folder.stat().st_mtime_ns if self.folder.exists() else None
        settling = stamp is not None and time.time_ns() - stamp < SETTLE_NS
        if self._keyring is None or stamp != self._keyring_stamp or settling:
            self._keyring, self._keyring_stamp = self.keyring(), stamp
        return self._keyring

    def has_signing_key(self, sender: str) -> bool:
        """Whether the sender's private signing key is in the folder.

        Raises:
            ConfigurationError: a bad sender name.
        """
        return self._sender_private(sender).exists()

    def has_team_key(self, team: str) -> bool:
        """Whether the team's private encryption key is in the folder.

        Raises:
            ConfigurationError: a bad team key.
        """
        return self._team_private(team).exists()

    def rotate(self, sender: str) -> tuple[str, str]:
        """Replace the sender's signing key; the old public key stays trusted as retired.

        Returns:
            The old and the new key id.

        Raises:
            ConfigurationError: a bad sender name, no key to rotate, or a key
                file others can read.
        """
        private = self._sender_private(sender)
        if not private.exists():
            raise ConfigurationError(
                f"{sender} has no signing key in {self.folder}; run: mash keys init"
            )
        old = self.signing_key(sender)
        now = _now()
        retired = self._public_entry(sender, old)
        retired.update(status=RETIRED, retired_at=now)
        _write_json(self._retired_public(sender, old.key_id), retired)

        key = Ed25519PrivateKey.generate()
        staged = private.with_name(f".{private.name}.{os.getpid()}.new")
        doomed = private.with_name(f".{private.name}.{os.getpid()}.old")
        staged.unlink(missing_ok=True)
        _write_private(staged, key)
        new = SigningKey(sender, key)
        # Trusted before it signs anything.
        _write_json(self.folder / f"{sender}.pub", _public_json(sender, new, now))
        # A second name for the old key's file, so that its bytes can be destroyed
        # after the new key takes its place (there is never a moment without one).
        doomed.unlink(missing_ok=True)
        os.link(private, doomed)
        staged.replace(private)
        _destroy(doomed)
        return old.key_id, new.key_id

    def revoke(self, sender: str, key_id: str) -> Path:
        """Mark a retired key of ``sender`` revoked; its messages are refused from now on.

        Returns:
            The public file that now says so.

        Raises:
            ConfigurationError: a bad sender name or key id, the sender's active
                key (rotate first), or no such retired key.
        """
        self._sender_private(sender)
        match = SIGNING_KEY_ID.match(key_id)
        if match is None:
            raise ConfigurationError(f"{key_id!r} is not a signing key id (ed25519:<16 hex>)")
        active = self.folder / f"{sender}.pub"
        if active.exists() and _read_json(active).get("key_id") == key_id:
            raise ConfigurationError(
                f"{key_id} is the active key of {sender}; rotate first: mash keys rotate {sender}"
            )
        path = self._retired_public(sender, key_id)
        if not path.exists():
            raise ConfigurationError(
                f"{sender} has no retired key {key_id} in {self.folder}; see: mash keys list"
            )
        entry = _read_json(path)
        if entry.get("sender") != sender or entry.get("key_id") != key_id:
            raise ConfigurationError(f"{path} is not the key {key_id} of {sender}")
        if entry.get("status") != REVOKED:
            entry.update(status=REVOKED, revoked_at=_now())
            _write_json(path, entry)
        return path

    def keys(self) -> list[KeyInfo]:
        """Every key in the folder, from its public file; the pseudonym key by its id.

        Raises:
            ConfigurationError: an unreadable public file, or a pseudonym key file
                others can read.
        """
        found: list[KeyInfo] = []
        for public in sorted(self.folder.glob("*.pub")):
            entry = _read_json(public)
            if _is_team_file(public):
                team = str(entry.get("team", ""))
                status = str(entry.get("status", ACTIVE))
                private = public.with_name(public.name.removesuffix(".pub")).exists()
                found.append(
                    KeyInfo(
                        f"team.{team}",
                        TEAM_KIND,
                        str(entry.get("key_id", "")),
                        _created(entry, public),
                        status,
                        private,
                        public,
                    )
                )
                continue
            sender = str(entry.get("sender", ""))
            status = str(entry.get("status", ACTIVE))
            private = status == ACTIVE and (self.folder / f"{sender}.key").exists()
            found.append(
                KeyInfo(
                    sender,
                    SIGNING_KIND,
                    str(entry.get("key_id", "")),
                    _created(entry, public),
                    status,
                    private,
                    public,
                )
            )
        hmac = self.folder / PSEUDONYM_FILE
        if hmac.exists():
            key_id, _ = pseudonym_key(self.folder)
            found.append(KeyInfo("audit", PSEUDONYM_KIND, key_id, _mtime(hmac), ACTIVE, True, hmac))
        order = {ACTIVE: 0, RETIRED: 1, REVOKED: 2}
        found.sort(key=lambda key: (key.kind != SIGNING_KIND, key.owner, order.get(key.status, 3)))
        return found

    def export_public(self, out: Path) -> list[Path]:
        """Copy every public key file (signing, retired, revoked, team) to ``out``.

        Private keys, the pseudonym key and case keys are never copied.

        Raises:
            ConfigurationError: ``out`` is the keystore itself.
        """
        if out.resolve() == self.folder.resolve():
            raise ConfigurationError(f"{out} is the keystore; export to another folder")
        out.mkdir(parents=True, exist_ok=True)
        copied = []
        for public in sorted(self.folder.glob("*.pub")):
            target = out / public.name
            shutil.copyfile(public, target)
            copied.append(target)
        return copied

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

    def team_key_for(self, team: str, key_id: str) -> X25519PrivateKey:
        """The team's private key with id ``key_id``: the current one, or a retired one.

        Raises:
            ConfigurationError: a bad team key, or no private key of the team with
                that id in this keystore.
        """
        if self._team_public(team).exists() and self._read_team_public(team)[0] == key_id:
            return self.team_key(team)
        match = TEAM_KEY_ID.match(key_id)
        retired = self._team_retired(team, match.group(1)) if match else None
        if retired is None or not retired.exists():
            raise ConfigurationError(
                f"no private key {key_id} of team {team} in {self.folder}: "
                "the picture was sealed to a key this keystore does not hold"
            )
        key = _load_private(retired)
        if not isinstance(key, X25519PrivateKey) or team_key_id_for(key.public_key()) != key_id:
            raise ConfigurationError(f"{retired} does not hold the X25519 key {key_id}")
        return key

    def rotate_team(self, team: str) -> tuple[str, str]:
        """Give ``team`` a new encryption key; the old private key is kept, as retired.

        Returns:
            The old and the new key id.

        Raises:
            ConfigurationError: a bad team key, no key to rotate, or a key file
                others can read.
        """
        private = self._team_private(team)
        if not private.exists():
            raise ConfigurationError(
                f"team {team} has no key in {self.folder}; run: mash keys init"
            )
        old = self.team_key(team)
        old_id = team_key_id_for(old.public_key())
        hex_id = old_id.split(":")[1]
        retired = self._team_retired(team, hex_id)
        if not retired.exists():
            os.link(private, retired)
        entry = _read_json(self._team_public(team))
        entry.update(status=RETIRED, retired_at=_now())
        _write_json(retired.with_name(retired.name + ".pub"), entry)

        key = X25519PrivateKey.generate()
        staged = private.with_name(f".{private.name}.{os.getpid()}.new")
        staged.unlink(missing_ok=True)
        _write_private(staged, key)
        staged.replace(private)
        self._write_team_public(team, key.public_key())
        return old_id, team_key_id_for(key.public_key())

    def _team_retired(self, team: str, hex_id: str) -> Path:
        return self._team_private(team).with_name(f"team.{team}.{hex_id}.x25519")

    def _sender_private(self, sender: str) -> Path:
        if not SENDER.match(sender):
            raise ConfigurationError(f"sender {sender!r} must be lower-case letters, digits, '._-'")
        if sender.startswith(RESERVED_SENDER_PREFIX):
            raise ConfigurationError(f"sender {sender!r}: names starting 'team.' are team keys")
        if RETIRED_NAME.search(sender):
            raise ConfigurationError(
                f"sender {sender!r}: names ending '.' and 16 hex digits are retired keys"
            )
        return self.folder / f"{sender}.key"

    def _retired_public(self, sender: str, key_id: str) -> Path:
        match = SIGNING_KEY_ID.match(key_id)
        if match is None:
            raise ConfigurationError(f"{key_id!r} is not a signing key id (ed25519:<16 hex>)")
        return self.folder / f"{sender}.{match.group(1)}.pub"

    def _public_entry(self, sender: str, key: SigningKey) -> dict[str, Any]:
        """The active ``.pub`` entry of ``key`` (rebuilt if the file is missing or stale)."""
        path = self.folder / f"{sender}.pub"
        if path.exists():
            entry = _read_json(path)
            if entry.get("key_id") == key.key_id and entry.get("sender") == sender:
                return entry
        return _public_json(sender, key, None)

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
            "created": _now(),
        }
        _write_json(self._team_public(team), entry)

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
        signing = SigningKey(sender, key)
        _write_json(self.folder / f"{sender}.pub", _public_json(sender, signing, _now()))
        return signing


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


def _public_json(sender: str, key: SigningKey, created: str | None) -> dict[str, Any]:
    public = key.private_key.public_key()
    entry: dict[str, Any] = {
        "sender": sender,
        "key_id": key_id_for(public),
        "public_key": public.public_bytes_raw().hex(),
    }
    if created is not None:
        entry["created"] = created
    return entry


def _write_json(path: Path, entry: dict[str, Any]) -> None:
    """Written aside and renamed, so a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(entry), encoding="utf-8")
    partial.replace(path)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{path} is not a public key file: {exc}") from exc
    if not isinstance(entry, dict):
        raise ConfigurationError(f"{path} is not a public key file")
    return entry


def _destroy(path: Path) -> None:
    """Overwrite a private key file with random bytes, sync it, and remove it."""
    size = path.stat().st_size
    with path.open("r+b") as out:
        out.write(os.urandom(max(size, 1)))
        out.flush()
        os.fsync(out.fileno())
    path.unlink()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _mtime(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")


def _created(entry: dict[str, Any], path: Path) -> str:
    created = entry.get("created")
    return str(created) if created else _mtime(path)
