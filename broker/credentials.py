"""The SCRAM users of a secured broker, and each one's settings as an env file.

``mash broker start --engine kafka --secure`` makes one user per principal of
the ACL model (broker/acls.py): ``admin`` (a super user, to create topics and
apply ACLs), each agency's connector, ``intake``, ``worker``, ``audit-writer``,
``compliance`` and ``team-<team>`` for each team of the authority. Each gets a
random password, kept in ``<data dir>/security/credentials/<user>.env`` (mode
0600, in a 0700 folder) as the ``MASH_*`` settings a service loads:

    set -a; . <data dir>/security/credentials/police.env; set +a
    mash connector run police --data partnership

The files are made once, with the broker's storage, and read again on every
later start of the same data directory; passwords are never printed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import SecretStr

from broker.acls import derive_acls
from broker.catalogue import catalogue
from broker.errors import ConfigurationError

ADMIN = "admin"
PASSWORD_SETTING = "MASH_SASL_PASSWORD"  # noqa: S105 - the setting's name


def principals(team_keys: Sequence[str]) -> list[str]:
    """Every user a secured exchange needs: ``admin``, then each principal the ACLs name."""
    named = {acl.principal for acl in derive_acls(catalogue(team_keys), team_keys)}
    return [ADMIN, *sorted(principal.removeprefix("User:") for principal in named)]


def credentials(
    folder: Path, users: Iterable[str], bootstrap: str, ca_file: Path
) -> dict[str, SecretStr]:
    """Each user's password: read from its env file, or made and written there.

    Raises:
        ConfigurationError: an env file without a password.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    found: dict[str, SecretStr] = {}
    for name in users:
        path = folder / f"{name}.env"
        if path.exists():
            found[name] = _password_in(path)
            continue
        password = SecretStr(secrets.token_urlsafe(24).replace("-", "_"))
        _write_env(path, name, password, bootstrap, ca_file)
        found[name] = password
    return found


def _password_in(path: Path) -> SecretStr:
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key == PASSWORD_SETTING and value:
            return SecretStr(value)
    raise ConfigurationError(f"{path} holds no {PASSWORD_SETTING}: remove it to make a new one")


def _write_env(path: Path, name: str, password: SecretStr, bootstrap: str, ca_file: Path) -> None:
    lines = {
        "MASH_BOOTSTRAP_SERVERS": bootstrap,
        "MASH_SECURITY_PROTOCOL": "SASL_SSL",
        "MASH_SASL_MECHANISM": "SCRAM-SHA-512",
        "MASH_SASL_USERNAME": name,
        PASSWORD_SETTING: password.get_secret_value(),
        "MASH_SSL_CAFILE": str(ca_file),
    }
    text = "".join(f"{key}={value}\n" for key, value in lines.items())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
