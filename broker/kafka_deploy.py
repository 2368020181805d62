"""The files a secured Apache Kafka and the exchange's services need, for a deployment.

``mash security deploy`` writes them into one folder (in docker-compose.yml, a
volume every container mounts at the same path, so the paths inside the files
hold everywhere):

* ``kafka/``: what the broker reads, and only it (mode 0700): ``ca.pem``,
  ``ca.key``, ``broker.pem`` and ``broker-password`` (broker/engines/kafka_config.py),
  ``server.properties``, ``cluster-id``, ``scram-users`` (StorageTool's
  ``--add-scram`` values for the broker's own user and ``admin``, one per line)
  and ``admin-client.properties`` (for the container's health check).
  ``deploy/kafka-start.sh`` formats the storage from them once and starts Kafka.
* ``ca.pem``: the CA every client trusts (MASH_SSL_CAFILE).
* ``credentials/``: ``<user>.password`` and ``<user>.env`` for every principal
  (broker/credentials.py). Only ``admin`` is created with the storage; every
  other user is set by ``mash security apply --credentials`` on the running broker.

Running it again keeps every key, password and the cluster id, rewrites the
properties, and adds credentials for principals that are new (a new team).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from broker.credentials import ADMIN, credentials, principals
from broker.engines.kafka_config import (
    SCRAM_MECHANISM,
    BrokerTls,
    KafkaSecurity,
    cluster_id,
    kraft_properties,
    properties_text,
    scram_arguments,
    scram_jaas,
    secured_properties,
)
from broker.tls import write_new_file


@dataclass(frozen=True)
class Deployment:
    """Where a deployment's files are, once written."""

    folder: Path
    bootstrap: str
    users: tuple[str, ...]

    @property
    def kafka(self) -> Path:
        """The broker's own folder."""
        return self.folder / "kafka"

    @property
    def credentials(self) -> Path:
        """The services' password and env files."""
        return self.folder / "credentials"

    @property
    def ca_file(self) -> Path:
        """The CA clients trust."""
        return self.folder / "ca.pem"


def write_deployment(
    folder: Path,
    teams: Sequence[str],
    *,
    host: str,
    port: int,
    controller_port: int,
    log_dirs: str,
) -> Deployment:
    """Write (or bring up to date) a secured single-node Kafka's files and the services'.

    Args:
        host: the name clients and the broker itself reach the broker by; its
            certificate is issued for it.
        log_dirs: the broker's data folder, as the broker sees it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    deployment = Deployment(folder, f"{host}:{port}", tuple(principals(teams)))
    tls = BrokerTls(deployment.kafka)
    tls.make([host])
    if not deployment.ca_file.exists():
        shutil.copyfile(tls.ca_file, deployment.ca_file)
        deployment.ca_file.chmod(0o644)
    users = credentials(
        deployment.credentials, deployment.users, deployment.bootstrap, deployment.ca_file
    )
    security = KafkaSecurity(users={ADMIN: users[ADMIN]}, super_users=(ADMIN,))
    where = {"listen": deployment.bootstrap, "advertise": deployment.bootstrap}
    controller = f"{host}:{controller_port}"
    properties = kraft_properties(**where, controller=controller, log_dirs=log_dirs)
    properties.update(secured_properties(tls, security, **where, controller=controller))
    kafka = deployment.kafka
    _write_secret(kafka / "server.properties", properties_text(properties))
    _write_secret(
        kafka / "scram-users", "".join(f"{a}\n" for a in scram_arguments(tls.scram_users(security)))
    )
    _write_secret(
        kafka / "admin-client.properties", _client_properties(tls, users[ADMIN].get_secret_value())
    )
    if not (kafka / "cluster-id").exists():
        write_new_file(kafka / "cluster-id", f"{cluster_id()}\n".encode(), 0o644)
    return deployment


def _client_properties(tls: BrokerTls, admin_password: str) -> str:
    return properties_text(
        {
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": SCRAM_MECHANISM,
            "sasl.jaas.config": scram_jaas(ADMIN, admin_password),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(tls.ca_file),
        }
    )


def _write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, only its owner able to read it, replacing what was there."""
    staged = path.with_name(f".{path.name}.new")
    staged.unlink(missing_ok=True)
    write_new_file(staged, text.encode("utf-8"), 0o600)
    os.replace(staged, path)


def hand_over(deployment: Deployment, kafka_uid: int | None, services_uid: int | None) -> None:
    """Give the broker's folder and the services' credentials to the users that run them.

    For a container run as root: the broker and the services each run as their
    own user (apache/kafka's is 1000, the exchange's image's 10001).
    """
    for top, uid in ((deployment.kafka, kafka_uid), (deployment.credentials, services_uid)):
        if uid is None:
            continue
        for path in (top, *top.rglob("*")):
            os.chown(path, uid, uid)
