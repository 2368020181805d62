"""SCRAM users on a running broker: create a user, or set its password again.

A secured broker's storage is formatted with only its own user and ``admin``
(broker/engines/kafka_config.py); every service's user is then set by
``mash security apply --credentials DIR``, as admin, from its password file. So
a user added later (a new team, say) needs no reformatting, and services'
passwords never pass through a command line.

aiokafka has no SCRAM API, so :class:`ScramAdmin` sends AlterUserScramCredentials
v0 (KIP-554) through the admin client's connection. The client salts and hashes
the password (PBKDF2-HMAC-SHA-512, RFC 5802's ``Hi``); the password itself never
goes to the broker.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any, ClassVar

from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import (
    CompactArray,
    CompactBytes,
    CompactString,
    Int8,
    Int16,
    Int32,
    Schema,
    TaggedFields,
)
from pydantic import SecretStr

from broker.errors import TopicAdminError
from broker.settings import MashSettings
from broker.topic_admin import AdminConnection

#: Kafka's code for SCRAM-SHA-512 in the ScramMechanism enum.
SCRAM_SHA_512 = 2
#: Kafka's default, and the least it accepts for SHA-512.
ITERATIONS = 4096
SALT_BYTES = 32
CLUSTER_AUTHORIZATION_FAILED = 31


def salted_password(password: str, salt: bytes, iterations: int = ITERATIONS) -> bytes:
    """RFC 5802's ``Hi(password, salt, i)`` with HMAC-SHA-512, which is PBKDF2."""
    return hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)


class _AlterUserScramCredentialsResponse(Response):  # type: ignore[misc]
    API_KEY = 51
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "results",
            CompactArray(
                ("user", CompactString("utf-8")),
                ("error_code", Int16),
                ("error_message", CompactString("utf-8")),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _AlterUserScramCredentialsRequest(RequestStruct):  # type: ignore[misc]
    FLEXIBLE_VERSION: ClassVar[bool] = True
    API_KEY = 51
    API_VERSION = 0
    RESPONSE_TYPE = _AlterUserScramCredentialsResponse
    SCHEMA = Schema(
        (
            "deletions",
            CompactArray(
                ("name", CompactString("utf-8")),
                ("mechanism", Int8),
                ("tags", TaggedFields),
            ),
        ),
        (
            "upsertions",
            CompactArray(
                ("name", CompactString("utf-8")),
                ("mechanism", Int8),
                ("iterations", Int32),
                ("salt", CompactBytes),
                ("salted_password", CompactBytes),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _Upsert(Request[_AlterUserScramCredentialsRequest]):  # type: ignore[misc]
    API_KEY = 51

    def __init__(self, users: Mapping[str, SecretStr]) -> None:
        self._users = users

    def build(self, request_struct_class: type[_AlterUserScramCredentialsRequest]) -> Any:
        upsertions: list[tuple[str, int, int, bytes, bytes, dict[int, bytes]]] = []
        for name, password in self._users.items():
            salt = secrets.token_bytes(SALT_BYTES)
            hashed = salted_password(password.get_secret_value(), salt)
            upsertions.append((name, SCRAM_SHA_512, ITERATIONS, salt, hashed, {}))
        return request_struct_class([], upsertions, {})


class ScramAdmin(AdminConnection):
    """An admin connection that sets SCRAM users: ``async with ScramAdmin(settings) as admin``.

    The settings must authenticate as a principal allowed to alter the cluster.
    """

    def __init__(self, settings: MashSettings) -> None:
        super().__init__(settings, "users")

    async def upsert(self, users: Mapping[str, SecretStr]) -> None:
        """Create each user, or set its password again, as SCRAM-SHA-512.

        Raises:
            TopicAdminError: naming each user the broker refused, and why.
        """
        if not users:
            return
        response = (await self._send_raw(_Upsert(users), "setting SCRAM users")).to_object()
        refused = [r for r in response["results"] if r["error_code"] != 0]
        if any(r["error_code"] == CLUSTER_AUTHORIZATION_FAILED for r in refused):
            raise TopicAdminError(
                f"the broker refused to set SCRAM users for "
                f"{self._settings.sasl_username or 'this user'}: only a super user "
                "(or one with ALTER on the cluster) may"
            )
        if refused:
            raise TopicAdminError(
                "the broker refused SCRAM users: "
                + "; ".join(
                    f"{r['user']}: {r['error_message'] or r['error_code']}" for r in refused
                )
            )


async def upsert_users(settings: MashSettings, users: Mapping[str, SecretStr]) -> None:
    """Connect, set ``users`` (see :meth:`ScramAdmin.upsert`) and disconnect."""
    async with ScramAdmin(settings) as admin:
        await admin.upsert(users)
