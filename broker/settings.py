"""Settings: one frozen object read from the environment (prefix ``MASH_``).

Secrets are :class:`~pydantic.SecretStr`, so they never appear in a repr, a log
line or ``--help``. Per-authority rules (office hours, teams) live in the
authority file named by ``MASH_AUTHORITY_FILE``, not here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from broker.errors import ConfigurationError

#: Where ``mash broker start --engine embedded`` listens unless told otherwise,
#: and so where every other command looks for a broker by default.
EMBEDDED_HOST = "127.0.0.1"
EMBEDDED_PORT = 9092
DEFAULT_BOOTSTRAP = f"{EMBEDDED_HOST}:{EMBEDDED_PORT}"

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class MashSettings(BaseSettings):
    """How MASH Exchange reaches its broker and which authority it serves."""

    model_config = SettingsConfigDict(env_prefix="MASH_", frozen=True, extra="forbid")

    bootstrap_servers: str = Field(
        default=DEFAULT_BOOTSTRAP,
        description="Comma-separated HOST:PORT list of Kafka brokers.",
    )
    client_id: str = Field(default="mash-exchange", description="Kafka client id prefix.")
    topic_prefix: str = Field(
        default="",
        description="Prefix for every catalogue topic, so several authorities or "
        "environments can share one cluster (for example 'wigan.').",
        pattern=r"^[A-Za-z0-9._-]*$",
    )
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_password_file: Path | None = Field(
        default=None,
        description="File holding the SASL password (mode 0600), read at start "
        "instead of MASH_SASL_PASSWORD, so the password is not in the environment.",
    )
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_key_password: SecretStr | None = None
    schema_registry_url: str | None = Field(
        default=None,
        description="Confluent-compatible schema registry; when set, values use the "
        "Confluent wire format instead of Avro single-object encoding.",
        pattern=r"^https?://",
    )
    schema_registry_username: str | None = None
    schema_registry_password: SecretStr | None = None
    keystore: Path | None = Field(
        default=None,
        description="Folder of signing keys and trusted public keys; "
        "~/.local/share/mash-exchange/keys when unset.",
    )
    authority_file: Path | None = Field(
        default=None,
        description="TOML file with the local authority's office hours, bank "
        "holidays and teams; the bundled Wigan sample when unset.",
    )

    @model_validator(mode="before")
    @classmethod
    def _read_password_file(cls, data: object) -> object:
        if not isinstance(data, dict) or not data.get("sasl_password_file"):
            return data
        if data.get("sasl_password"):
            raise ValueError("set MASH_SASL_PASSWORD or MASH_SASL_PASSWORD_FILE, not both")
        return {**data, "sasl_password": read_secret_file(Path(data["sasl_password_file"]))}

    @model_validator(mode="after")
    def _security_is_complete(self) -> MashSettings:
        if self.security_protocol.startswith("SASL_"):
            missing = [
                name
                for name, value in (
                    ("MASH_SASL_MECHANISM", self.sasl_mechanism),
                    ("MASH_SASL_USERNAME", self.sasl_username),
                    ("MASH_SASL_PASSWORD", self.sasl_password),
                )
                if value is None
            ]
            if missing:
                raise ValueError(
                    f"security protocol {self.security_protocol} needs " + ", ".join(missing)
                )
        if self.ssl_certfile is not None and self.ssl_keyfile is None:
            raise ValueError("MASH_SSL_CERTFILE is set but MASH_SSL_KEYFILE is not")
        return self

    def with_bootstrap(self, bootstrap: str | None) -> MashSettings:
        """Return these settings with another bootstrap address (``--bootstrap``)."""
        if not bootstrap:
            return self
        return self.model_copy(update={"bootstrap_servers": parse_bootstrap(bootstrap)})


def read_secret_file(path: Path) -> str:
    """A secret kept in a file of its own: its one line, if only its owner may read it.

    Raises:
        ValueError: the file is missing, empty, or readable by group or others.
    """
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read the secret file {path}: {exc.strerror}") from exc
    if mode & 0o077:
        raise ValueError(f"{path} may be read by others (mode {mode & 0o777:o}): chmod 600 it")
    if not text or "\n" in text:
        raise ValueError(f"{path} must hold the secret on one line")
    return text


def parse_bootstrap(value: str) -> str:
    """Check a ``HOST:PORT[,HOST:PORT...]`` list and return it normalised.

    Raises:
        ConfigurationError: when an entry has no host or no valid port.
    """
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if not entries:
        raise ConfigurationError("bootstrap address is empty: expected HOST:PORT")
    for entry in entries:
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigurationError(
                f"bootstrap address {entry!r} is not HOST:PORT with a port from 1 to 65535"
            )
    return ",".join(entries)


@lru_cache(maxsize=1)
def load_settings() -> MashSettings:
    """Read the settings from the environment once.

    Raises:
        ConfigurationError: naming each invalid variable and why.
    """
    try:
        settings = MashSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"MASH_{'_'.join(str(p) for p in err['loc']).upper() or 'SETTINGS'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc
    parse_bootstrap(settings.bootstrap_servers)
    return settings
