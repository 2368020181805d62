"""The console's local users: who may sign in, in which role and for which team.

Users are kept in one JSON file (``users.json``, mode 0600, in a 0700 folder)
with scrypt password hashes (stdlib ``hashlib.scrypt``, a fresh 16-byte salt
each). A member of staff belongs to one of the authority's teams (MASH duty,
out-of-hours, the area teams, complex safeguarding, ...) as a practitioner or
as a manager, who also records the MASH decision (Oldham 5.10: "a management
decision is made and recorded"; Wiltshire 4: the MASH manager "has the final
say"); a compliance officer belongs to no team and reads the audit only.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broker.errors import ConfigurationError
from broker.tls import write_new_file

USERS_FILE = "users.json"
#: scrypt work factors (RFC 7914): about 50 ms and 32 MiB per check on the test machine.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
SALT_BYTES, HASH_BYTES = 16, 32
#: Long enough to resist guessing without rules on character classes (NCSC password guidance).
MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


class Role(enum.StrEnum):
    """What a user may do in the console."""

    PRACTITIONER = "practitioner"
    MANAGER = "manager"
    COMPLIANCE = "compliance"


@dataclass(frozen=True)
class StaffMember:
    """A signed-in user as the pages see them; never their password hash."""

    username: str
    display_name: str
    role: Role
    team: str | None

    @property
    def works_cases(self) -> bool:
        """Whether they belong to a team and so see its cases and pictures."""
        return self.role in (Role.PRACTITIONER, Role.MANAGER) and self.team is not None

    @property
    def records_decisions(self) -> bool:
        """Whether they may record the MASH decision on their team's cases."""
        return self.role is Role.MANAGER and self.team is not None

    @property
    def reads_audit(self) -> bool:
        """Whether they may explore and verify the sharing audit."""
        return self.role is Role.COMPLIANCE


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64) of a password."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        ("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest))
    )


def password_matches(password: str, stored: str) -> bool:
    """Whether ``password`` hashes to ``stored``, compared in constant time."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(digest, base64.b64decode(expected))
    except ValueError:
        return False


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=HASH_BYTES
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if password.strip() != password:
        return "must not start or end with a space"
    return None


class UserStore:
    """The users file: adding users and checking a sign-in."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / USERS_FILE
        # Checked against when the user is unknown, so a sign-in takes as long either way.
        self._decoy = hash_password(secrets.token_urlsafe(16))

    def add(
        self,
        username: str,
        password: str,
        role: Role,
        team: str | None,
        display_name: str,
        *,
        replace: bool = False,
    ) -> StaffMember:
        """Add a user (or, with ``replace``, set an existing user's details and password).

        Raises:
            ConfigurationError: a bad user name, password, role or team, or a user
                that exists already.
        """
        if not USERNAME.match(username):
            raise ConfigurationError(
                f"user name {username!r}: use 2 to 63 lower-case letters, digits, '.', '_' or '-'"
            )
        problem = password_problem(password)
        if problem:
            raise ConfigurationError(f"the password {problem}")
        if role is Role.COMPLIANCE and team is not None:
            raise ConfigurationError("a compliance officer belongs to no team: leave out --team")
        if role is not Role.COMPLIANCE and team is None:
            raise ConfigurationError(f"a {role.value} belongs to a team: give --team")
        users = self._read()
        if username in users and not replace:
            raise ConfigurationError(f"user {username} exists already")
        users[username] = {
            "display_name": display_name.strip() or username,
            "role": role.value,
            "team": team,
            "password": hash_password(password),
        }
        self._write(users)
        return _member(username, users[username])

    def members(self) -> list[StaffMember]:
        """Every user, by name."""
        return [_member(name, entry) for name, entry in sorted(self._read().items())]

    def find(self, username: str) -> StaffMember | None:
        """The user called ``username``, if there is one."""
        entry = self._read().get(username)
        return None if entry is None else _member(username, entry)

    def authenticate(self, username: str, password: str) -> StaffMember | None:
        """The user, when ``password`` is theirs; None otherwise (an unknown user included)."""
        name = username.strip().lower()
        entry = self._read().get(name)
        stored = entry["password"] if entry else self._decoy
        matches = password_matches(password, stored)
        if entry is None or not matches:
            return None
        return _member(name, entry)

    def _read(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        mode = self.path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ConfigurationError(
                f"{self.path} may be read by others (mode {mode:o}): chmod 600"
            )
        try:
            users: dict[str, dict[str, Any]] = json.loads(self.path.read_text("utf-8"))["users"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{self.path} is not a users file") from exc
        return users

    def _write(self, users: dict[str, dict[str, Any]]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps({"users": users}, indent=2, sort_keys=True) + "\n"
        staged = self.path.with_name(f".{USERS_FILE}.{secrets.token_hex(4)}")
        write_new_file(staged, text.encode("utf-8"), 0o600)
        os.replace(staged, self.path)


def _member(username: str, entry: dict[str, Any]) -> StaffMember:
    return StaffMember(
        username=username,
        display_name=str(entry.get("display_name") or username),
        role=Role(entry["role"]),
        team=entry.get("team"),
    )
