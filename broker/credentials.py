"""The SCRAM users of a secured broker, and each one's settings as an env file.

``mash broker start --engine kafka --secure`` makes one user per principal of
the ACL model (broker/acls.py): ``admin`` (a super user, to create topics and
apply ACLs), each agency's connector, ``intake``, ``worker``, ``audit-writer``,
``compliance`` and ``team-<team>`` for each team of the authority. Each gets a
random password, kept in ``<data dir>/security/credentials/<user>.password``
(mode 0600, in a 0700 folder), and the ``MASH_*`` settings a service loads in
``<user>.env`` beside it, which names the password file rather than holding the
password, so the password is never in a process's environment:

    set -a; . <data dir>/security/credentials/police.env; set +a
    mash connector run police --data partnership

The files are made once, with the broker's storage, and read again on every
later start of the same data directory; passwords are never printed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import SecretStr

from broker.acls import derive_acls
from broker.catalogue import catalogue
from broker.errors import ConfigurationError
from broker.settings import read_secret_file
from broker.tls import write_new_file

ADMIN = "admin"
PASSWORD_FILE_SETTING = "MASH_SASL_PASSWORD_FILE"  # noqa: S105 - the setting's name


def principals(team_keys: Sequence[str]) -> list[str]:
    """Every user a secured exchange needs: ``admin``, then each principal the ACLs name."""
    named = {acl.principal for acl in derive_acls(catalogue(team_keys), team_keys)}
    return [ADMIN, *sorted(principal.removeprefix("User:") for principal in named)]


def credentials(
    folder: Path, users: Iterable[str], bootstrap: str, ca_file: Path
) -> dict[str, SecretStr]:
    """Each user's password: read from its env file, or made and written there.

    Raises:
        ConfigurationError: a password file that is not private or not one line.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    found: dict[str, SecretStr] = {}
    for name in users:
        password_file = folder / f"{name}.password"
        if password_file.exists():
            try:
                found[name] = SecretStr(read_secret_file(password_file))
            except ValueError as exc:
                raise ConfigurationError(f"{exc}; or remove it to make a new one") from exc
        else:
            found[name] = SecretStr(secrets.token_urlsafe(24).replace("-", "_"))
            secret = found[name].get_secret_value()
            write_new_file(password_file, f"{secret}\n".encode(), 0o600)
        env = folder / f"{name}.env"
        if not env.exists():
            text = service_env(name, password_file, bootstrap, ca_file)
            write_new_file(env, text.encode(), 0o600)
    return found


def service_env(name: str, password_file: Path, bootstrap: str, ca_file: Path) -> str:
    """The ``MASH_*`` settings, one per line, that authenticate a service as ``name``."""
    lines = {
        "MASH_BOOTSTRAP_SERVERS": bootstrap,
        "MASH_SECURITY_PROTOCOL": "SASL_SSL",
        "MASH_SASL_MECHANISM": "SCRAM-SHA-512",
        "MASH_SASL_USERNAME": name,
        PASSWORD_FILE_SETTING: str(password_file),
        "MASH_SSL_CAFILE": str(ca_file),
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())
