"""Connection options for aiokafka clients, derived from the settings."""

from __future__ import annotations

from typing import Any

from aiokafka.helpers import create_ssl_context

from broker.settings import MashSettings


def connection_options(settings: MashSettings) -> dict[str, Any]:
    """Return the keyword arguments every aiokafka client needs to reach the broker.

    The same options serve producers, consumers and the admin client, so the
    security settings are written once.
    """
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(
            cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None,
            certfile=str(settings.ssl_certfile) if settings.ssl_certfile else None,
            keyfile=str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
            password=(
                settings.ssl_key_password.get_secret_value() if settings.ssl_key_password else None
            ),
        )
    if settings.security_protocol.startswith("SASL_"):
        options["sasl_mechanism"] = settings.sasl_mechanism
        options["sasl_plain_username"] = settings.sasl_username
        options["sasl_plain_password"] = (
            settings.sasl_password.get_secret_value() if settings.sasl_password else None
        )
    return options
