"""How Apache Kafka is configured: a single-node KRaft broker, and how it is secured.

Secured, clients reach a secured broker only over SASL_SSL with SCRAM-SHA-512 (users are
created when storage is formatted), its controller listener takes only mutual
TLS from the broker's own certificate, and ``StandardAuthorizer`` refuses
whatever no ACL allows.

The same pieces serve the test harness (:class:`~broker.engines.apache_kafka.ApacheKafka`
on loopback) and a deployment (``mash security deploy``, which docker-compose.yml
runs), so what the tests prove is what the stack runs.
"""

from __future__ import annotations

import re
import secrets
import uuid
from base64 import urlsafe_b64encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from pydantic import SecretStr

from broker.errors import ConfigurationError
from broker.tls import (
    CertificateAuthority,
    write_certificates,
    write_keystore,
    write_new_file,
    write_private_key,
)

SCRAM_MECHANISM = "SCRAM-SHA-512"
AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
BROKER_USER = "broker"
BROKER_CERT_NAME = "mash-kafka-broker"
#: SCRAM user names and passwords go into StorageTool's --add-scram argument and
#: a JAAS line; keeping them to this alphabet needs no quoting in either.
SAFE_CREDENTIAL = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


@dataclass(frozen=True)
class KafkaSecurity:
    """How a secured broker authenticates and authorises its clients.

    Attributes:
        users: SCRAM-SHA-512 users (name to password), created when the storage
            is formatted, so only on the first start of a data directory.
        super_users: user names that bypass ACLs (an operator who applies them).
    """

    users: Mapping[str, SecretStr] = field(default_factory=dict)
    super_users: tuple[str, ...] = ("admin",)

    def __post_init__(self) -> None:
        for name, password in self.users.items():
            if name == BROKER_USER:
                raise ConfigurationError(f"the user name {BROKER_USER!r} is the broker's own")
            if not SAFE_CREDENTIAL.match(name) or not SAFE_CREDENTIAL.match(
                password.get_secret_value()
            ):
                raise ConfigurationError(
                    f"SCRAM user {name!r}: names and passwords may use only letters, digits, "
                    "'-' and '_' (1 to 128 of them)"
                )
        for name in self.super_users:
            if name not in self.users:
                raise ConfigurationError(f"super user {name!r} is not among the SCRAM users")

    def __repr__(self) -> str:
        return f"KafkaSecurity(users={sorted(self.users)}, super_users={self.super_users})"


@dataclass(frozen=True)
class BrokerTls:
    """A broker's TLS files in one folder, and its own SCRAM password.

    ``ca.pem`` (the CA clients trust: MASH_SSL_CAFILE), ``ca.key`` (to issue more
    certificates), ``broker.pem`` (the broker's key and chain: a PEM keystore for
    Kafka's ``ssl.keystore.location``) and ``broker-password``.
    """

    folder: Path

    @property
    def ca_file(self) -> Path:
        """The CA certificate (PEM) that clients trust."""
        return self.folder / "ca.pem"

    @property
    def keystore(self) -> Path:
        """The broker's PEM keystore: its key, then its chain."""
        return self.folder / "broker.pem"

    @property
    def principal(self) -> str:
        """The broker certificate's subject, as Kafka names the broker's principal."""
        pem = self.keystore.read_bytes()
        leaf = x509.load_pem_x509_certificate(pem[pem.index(b"-----BEGIN CERTIFICATE-----") :])
        return leaf.subject.rfc4514_string()

    @property
    def password(self) -> str:
        """The broker's own SCRAM password (for its inter-broker login)."""
        return (self.folder / "broker-password").read_text(encoding="ascii").strip()

    def make_certificates(self, hosts: Sequence[str]) -> tuple[x509.Certificate, ...]:
        """Make a CA and a broker certificate for ``hosts``, unless the CA exists.

        Returns:
            The new CA and broker certificates; nothing when they were kept.
        """
        if self.ca_file.exists():
            return ()
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        ca = CertificateAuthority.create(f"MASH Exchange Kafka CA {uuid.uuid4().hex[:8]}")
        issued = ca.issue_server(BROKER_CERT_NAME, list(dict.fromkeys(hosts)))
        write_private_key(self.folder / "ca.key", ca.key)
        write_keystore(self.keystore, issued, ca)
        write_certificates(self.ca_file, ca.certificate)  # last: its presence means done
        return ca.certificate, issued.certificate

    def make(self, hosts: Sequence[str]) -> None:
        """The certificates (see :meth:`make_certificates`) and the broker's password, once."""
        self.make_certificates(hosts)
        if not (self.folder / "broker-password").exists():
            password = secrets.token_urlsafe(32).encode()
            write_new_file(self.folder / "broker-password", password, 0o600)

    def scram_users(self, security: KafkaSecurity) -> dict[str, str]:
        """Every SCRAM user to create at format time: the broker's own, then the clients."""
        users = {BROKER_USER: self.password}
        users.update((n, p.get_secret_value()) for n, p in security.users.items())
        return users


def cluster_id() -> str:
    """A new KRaft cluster id: a random UUID in URL-safe base64, without padding.

    Never one that starts with "-", as Kafka's own ``Uuid.randomUuid`` never
    gives: the storage tool's argument parser would read it as an option
    ("argument --cluster-id/-t: expected one argument"), about one id in 64.
    """
    while True:
        made = urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not made.startswith("-"):
            return made


def scram_arguments(users: Mapping[str, str]) -> list[str]:
    """StorageTool's ``--add-scram`` value for each user, in order."""
    return [
        f"{SCRAM_MECHANISM}=[name={name},password={password}]" for name, password in users.items()
    ]


def kraft_properties(
    *, listen: str, advertise: str, controller: str, log_dirs: str
) -> dict[str, str]:
    """The server properties of a single-node KRaft broker (broker and controller), plaintext.

    Args:
        listen: HOST:PORT (or :PORT) of the client listener.
        advertise: HOST:PORT clients are told to connect to.
        controller: HOST:PORT of the controller listener.
        log_dirs: where the broker keeps its logs and metadata.
    """
    return {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": controller,
        "listeners": f"PLAINTEXT://{listen},CONTROLLER://{controller}",
        "advertised.listeners": f"PLAINTEXT://{advertise}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": log_dirs,
        # The catalogue is the only source of topics: a typo must not create one.
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }


def secured_properties(
    tls: BrokerTls, security: KafkaSecurity, *, listen: str, advertise: str, controller: str
) -> dict[str, str]:
    """The server properties that secure a single-node KRaft broker.

    Args:
        listen: HOST:PORT (or :PORT) of the SASL_SSL client listener.
        advertise: HOST:PORT clients are told to connect to.
        controller: HOST:PORT of the mutual-TLS controller listener.
    """
    supers = [f"User:{BROKER_USER}", f"User:{tls.principal}"]
    supers += [f"User:{name}" for name in security.super_users]
    jaas = scram_jaas(BROKER_USER, tls.password)
    return {
        "listeners": f"CLIENT://{listen},CONTROLLER://{controller}",
        "advertised.listeners": f"CLIENT://{advertise}",
        "inter.broker.listener.name": "CLIENT",
        "listener.security.protocol.map": "CLIENT:SASL_SSL,CONTROLLER:SSL",
        "sasl.enabled.mechanisms": SCRAM_MECHANISM,
        "sasl.mechanism.inter.broker.protocol": SCRAM_MECHANISM,
        f"listener.name.client.{SCRAM_MECHANISM.lower()}.sasl.jaas.config": jaas,
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(tls.keystore),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(tls.ca_file),
        # Only the broker, with its own certificate, may talk to the controller.
        "listener.name.controller.ssl.client.auth": "required",
        "authorizer.class.name": AUTHORIZER,
        "allow.everyone.if.no.acl.found": "false",
        "super.users": ";".join(supers),
    }


def scram_jaas(user: str, password: str) -> str:
    """The JAAS line with which a Kafka client or the broker logs in as a SCRAM user."""
    return (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{user}" password="{password}";'
    )


def properties_text(properties: Mapping[str, str]) -> str:
    """Java properties, one ``key=value`` per line."""
    return "".join(f"{key}={value}\n" for key, value in properties.items())
