"""Settings: the MASH_ environment, secrets kept secret, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from broker.errors import ConfigurationError
from broker.kafka_client import connection_options
from broker.settings import DEFAULT_BOOTSTRAP, MashSettings, load_settings, parse_bootstrap


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("MASH_"):
            monkeypatch.delenv(name)
    load_settings.cache_clear()


def test_defaults_point_at_the_embedded_broker() -> None:
    assert load_settings().bootstrap_servers == DEFAULT_BOOTSTRAP


def test_environment_prefix_is_mash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASH_BOOTSTRAP_SERVERS", "kafka-1:9093,kafka-2:9093")
    monkeypatch.setenv("MASH_TOPIC_PREFIX", "wigan.")
    settings = load_settings()
    assert settings.bootstrap_servers == "kafka-1:9093,kafka-2:9093"
    assert settings.topic_prefix == "wigan."


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.bootstrap_servers = "elsewhere:9092"  # type: ignore[misc]


def test_secrets_never_appear_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASH_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("MASH_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("MASH_SASL_USERNAME", "police-connector")
    monkeypatch.setenv("MASH_SASL_PASSWORD", "correct horse battery staple")
    settings = load_settings()
    assert "correct horse" not in repr(settings)
    assert "correct horse" not in str(settings.model_dump())
    options = connection_options(settings)
    assert options["sasl_plain_password"] == "correct horse battery staple"  # noqa: S105
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"


def _sasl_from_file(monkeypatch: pytest.MonkeyPatch, password_file: Path) -> None:
    monkeypatch.setenv("MASH_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("MASH_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("MASH_SASL_USERNAME", "police")
    monkeypatch.setenv("MASH_SASL_PASSWORD_FILE", str(password_file))


def test_the_password_can_come_from_a_private_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "police.password"
    secret.write_text("s3cret_from_file\n", encoding="utf-8")
    secret.chmod(0o600)
    _sasl_from_file(monkeypatch, secret)
    settings = load_settings()
    assert settings.sasl_password is not None
    assert settings.sasl_password.get_secret_value() == "s3cret_from_file"
    assert "s3cret" not in repr(settings)


def test_a_password_file_others_may_read_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "police.password"
    secret.write_text("s3cret\n", encoding="utf-8")
    secret.chmod(0o640)
    _sasl_from_file(monkeypatch, secret)
    with pytest.raises(ConfigurationError, match=r"may be read by others .mode 640.: chmod 600"):
        load_settings()


def test_a_missing_password_file_or_two_passwords_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _sasl_from_file(monkeypatch, tmp_path / "absent")
    with pytest.raises(ConfigurationError, match=r"cannot read the secret file .*absent"):
        load_settings()
    secret = tmp_path / "police.password"
    secret.write_text("s3cret\n", encoding="utf-8")
    secret.chmod(0o600)
    monkeypatch.setenv("MASH_SASL_PASSWORD_FILE", str(secret))
    monkeypatch.setenv("MASH_SASL_PASSWORD", "another")
    load_settings.cache_clear()
    with pytest.raises(ConfigurationError, match="not both"):
        load_settings()


def test_incomplete_sasl_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASH_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("MASH_SASL_USERNAME", "health-connector")
    with pytest.raises(ConfigurationError, match="MASH_SASL_MECHANISM, MASH_SASL_PASSWORD"):
        load_settings()


def test_unknown_protocol_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASH_SECURITY_PROTOCOL", "CARRIER_PIGEON")
    with pytest.raises(ConfigurationError, match="MASH_SECURITY_PROTOCOL"):
        load_settings()


@pytest.mark.parametrize("bad", ["", "kafka", "kafka:", ":9092", "kafka:port", "kafka:70000"])
def test_bad_bootstrap_addresses_are_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="HOST:PORT"):
        parse_bootstrap(bad)


def test_bootstrap_override_is_normalised() -> None:
    settings = MashSettings().with_bootstrap(" a:1 , b:2 ")
    assert settings.bootstrap_servers == "a:1,b:2"


def test_plaintext_options_carry_no_credentials() -> None:
    options = connection_options(MashSettings(bootstrap_servers="a:1"))
    assert options == {"bootstrap_servers": "a:1", "security_protocol": "PLAINTEXT"}
