"""A secured Apache Kafka for tests: SASL_SSL/SCRAM users, the catalogue's topics and ACLs.

Used by tests/integration/test_kafka_security.py (what Kafka refuses) and
test_secured_pipeline.py (what the real services need).
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from broker.acls import AclReport, apply_acls, derive_acls
from broker.authority import load_authority
from broker.catalogue import catalogue
from broker.engines.apache_kafka import ApacheKafka
from broker.engines.kafka_config import KafkaSecurity
from broker.engines.process import free_port
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue
from tests.conftest import require_java_and_maven

PREFIX = "sec."
TEAMS = load_authority().team_keys()


@dataclass(frozen=True)
class Secured:
    """A running secured broker, the passwords of its users and what applying the ACLs did."""

    broker: ApacheKafka
    passwords: dict[str, SecretStr]
    start_seconds: float
    acls: AclReport

    def settings(self, name: str, **changes: Any) -> MashSettings:
        """Settings that authenticate as ``name``, as every service builds them."""
        values: dict[str, Any] = {
            "bootstrap_servers": self.broker.bootstrap,
            "topic_prefix": PREFIX,
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": name,
            "sasl_password": self.passwords[name],
            "ssl_cafile": self.broker.ca_file,
        }
        values.update(changes)
        return MashSettings(**values)


@contextmanager
def secured_kafka(users: Iterable[str]) -> Iterator[Secured]:
    """Kafka with ``users`` (and ``admin``, a super user), the catalogue's topics and ACLs."""
    require_java_and_maven("Secured Apache Kafka tests")
    passwords = {name: SecretStr(secrets.token_urlsafe(24)) for name in {"admin", *users}}
    data_dir = Path(tempfile.mkdtemp(prefix="mash-kafka-secured-"))
    security = KafkaSecurity(users=passwords, super_users=("admin",))
    began = time.monotonic()
    try:
        with ApacheKafka(port=free_port(), data_dir=data_dir, security=security) as broker:
            started = time.monotonic() - began
            admin = Secured(broker, passwords, started, AclReport((), (), ())).settings("admin")
            specs = catalogue(TEAMS, PREFIX)
            asyncio.run(apply_catalogue(admin, specs))
            report = asyncio.run(apply_acls(admin, derive_acls(specs, TEAMS, PREFIX)))
            yield Secured(broker, passwords, started, report)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
