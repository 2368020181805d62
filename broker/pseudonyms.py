"""The authority's pseudonym key: the HMAC key behind people's references in the audit.

Kept in the keystore folder as ``audit.hmac`` (32 random bytes, mode 0600,
refused if others can read it). Whoever holds it can turn an identifier into
the reference the audit uses; nobody else can.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from pathlib import Path

from broker.errors import ConfigurationError

FILE_NAME = "audit.hmac"
KEY_BYTES = 32


def pseudonym_key(folder: Path) -> tuple[str, bytes]:
    """The key id and key, created on first use.

    Raises:
        ConfigurationError: the key file is readable by others or malformed.
    """
    path = folder / FILE_NAME
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"{path} is readable by others (mode {mode:o}); run: chmod 600 {path}"
        )
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise ConfigurationError(f"{path} must hold {KEY_BYTES} bytes, not {len(key)}")
    return "hmac:" + hashlib.sha256(key).hexdigest()[:16], key
