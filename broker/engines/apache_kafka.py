"""Apache Kafka in KRaft mode (one broker that is also its own controller).

The jars are resolved from Maven Central by ``mvn dependency:copy-dependencies``
on the ``pom.xml`` shipped beside this module, once, into a cache folder
(``~/.cache/mash-exchange/kafka-<version>``; ``MASH_KAFKA_CACHE`` moves it);
``~/.m2`` keeps the downloads. Storage is formatted on first start; a data
directory given by the caller survives restarts, with the same ports.

Kafka 4.4.0 is listed on Maven Central but its ``kafka-tools-api`` jar is not
published there, so 4.3.1, the newest 4.x that resolves, is used.

Given a :class:`~broker.engines.kafka_config.KafkaSecurity`, the broker is
secured instead (broker/engines/kafka_config.py says how). The CA, certificates
and the broker's own password are made on first start under ``<data_dir>/security``.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import subprocess
from importlib import resources
from pathlib import Path

from broker.engines.kafka_config import (
    BrokerTls,
    KafkaSecurity,
    cluster_id,
    kraft_properties,
    properties_text,
    scram_arguments,
    secured_properties,
)
from broker.engines.maven import cache_root, copy_dependencies, require_tool
from broker.engines.process import API_VERSIONS_KEY, BrokerProcess, _read_exactly, free_port
from broker.errors import BrokerStartError

KAFKA_VERSION = "4.3.1"
PORTS_FILE = "mash-kafka.json"
SECURITY_DIR = "security"


def jar_cache() -> Path:
    """The folder that holds the resolved Kafka jars."""
    return cache_root() / f"kafka-{KAFKA_VERSION}"


def resolve_jars() -> Path:
    """Make sure the Kafka jars are in the cache and return their folder.

    The first call runs Maven (seconds with a warm ``~/.m2``); later calls
    return at once.

    Raises:
        MissingTool: Maven is not installed.
        BrokerStartError: Maven failed, with its output.
    """
    with resources.as_file(resources.files("broker.engines") / "pom.xml") as pom:
        return copy_dependencies(
            pom,
            jar_cache() / "libs",
            f"Apache Kafka {KAFKA_VERSION}",
            {"kafka.version": KAFKA_VERSION},
        )


def _answers_kafka_tls(host: str, port: int, cafile: Path, timeout: float = 1.0) -> bool:
    """Whether a TLS listener at ``host:port`` answers ApiVersions (allowed before SASL)."""
    correlation_id = 0x4D415348  # "MASH"
    client_id = b"mash-probe"
    body = struct.pack(">hhih", API_VERSIONS_KEY, 0, correlation_id, len(client_id)) + client_id
    context = ssl.create_default_context(cafile=str(cafile))
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as sock,
        ):
            sock.sendall(struct.pack(">i", len(body)) + body)
            (size,) = struct.unpack(">i", _read_exactly(sock, 4))
            answer = _read_exactly(sock, min(size, 6))
    except (OSError, struct.error):
        return False
    if len(answer) < 6:
        return False
    got_id, error_code = struct.unpack(">ih", answer)
    return bool(got_id == correlation_id and error_code == 0)


class ApacheKafka(BrokerProcess):
    """A single-node Apache Kafka (broker and controller) on loopback."""

    engine = "kafka"

    def __init__(
        self,
        *,
        port: int,
        data_dir: Path | None = None,
        host: str = "127.0.0.1",
        ready_timeout: float = 90.0,
        heap: str = "1g",
        security: KafkaSecurity | None = None,
    ) -> None:
        super().__init__(port=port, data_dir=data_dir, host=host, ready_timeout=ready_timeout)
        self.heap = heap
        self.controller_port = 0
        self.security = security
        self._libs: Path | None = None

    @property
    def security_dir(self) -> Path:
        """Where a secured broker keeps its CA, keystore and own password."""
        return self.data_dir / SECURITY_DIR

    @property
    def tls(self) -> BrokerTls:
        """A secured broker's CA, keystore and own password."""
        return BrokerTls(self.security_dir)

    @property
    def ca_file(self) -> Path:
        """The CA certificate (PEM) clients of a secured broker trust."""
        return self.tls.ca_file

    @property
    def config_dir(self) -> Path:
        """Where server.properties and the log4j2 config are written."""
        return self.data_dir / "config"

    @property
    def server_log(self) -> Path:
        """Kafka's own log file."""
        return self.data_dir / "logs" / "server.log"

    def prepare(self) -> None:
        self._java = require_tool("java", "to run Apache Kafka (Java 17 or newer)")
        self._libs = resolve_jars()
        self.controller_port = self._remember_ports()
        self.config_dir.mkdir(parents=True, exist_ok=True)
        if self.security is not None:
            self.tls.make([self.host, "localhost", "127.0.0.1"])
        self._write_config()
        if not (self.data_dir / "kraft" / "meta.properties").exists():
            self._format_storage()

    def _remember_ports(self) -> int:
        """Pick the controller port, reusing the one a previous start recorded.

        A formatted KRaft log remembers its controller's address, so a restart
        on the same data directory must listen on the same ports.
        """
        ports_file = self.data_dir / PORTS_FILE
        if ports_file.exists():
            recorded = json.loads(ports_file.read_text(encoding="utf-8"))
            if recorded["port"] != self.port:
                raise BrokerStartError(
                    f"{self.data_dir} was formatted for port {recorded['port']}; "
                    f"start it with --port {recorded['port']} or use another --data-dir"
                )
            return int(recorded["controller_port"])
        controller = free_port(self.host)
        ports_file.write_text(
            json.dumps({"port": self.port, "controller_port": controller}), encoding="utf-8"
        )
        return controller

    def _write_config(self) -> None:
        controller = f"{self.host}:{self.controller_port}"
        where = {"listen": self.bootstrap, "advertise": self.bootstrap, "controller": controller}
        properties = kraft_properties(**where, log_dirs=str(self.data_dir / "kraft"))
        if self.security is not None:
            properties.update(secured_properties(self.tls, self.security, **where))
        server_properties = self.config_dir / "server.properties"
        server_properties.write_text(properties_text(properties), encoding="utf-8")
        if self.security is not None:
            server_properties.chmod(0o600)  # it holds the broker's SCRAM password
        template = (resources.files("broker.engines") / "log4j2.yaml").read_text(encoding="utf-8")
        (self.config_dir / "log4j2.yaml").write_text(
            template.replace("@LOG_FILE@", str(self.server_log)), encoding="utf-8"
        )

    def _java_command(self, main_class: str, *args: str) -> list[str]:
        assert self._libs is not None  # noqa: S101 - prepare() sets it
        return [
            self._java,
            "-Xms256m",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.config_dir / 'log4j2.yaml'}",
            "-cp",
            f"{self._libs}/*",
            main_class,
            *args,
        ]

    def _format_storage(self) -> None:
        users = {} if self.security is None else self.tls.scram_users(self.security)
        scram = [arg for value in scram_arguments(users) for arg in ("--add-scram", value)]
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            self._java_command(
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id()}",
                "--config",
                str(self.config_dir / "server.properties"),
                "--standalone",
                *scram,
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            for password in users.values():
                output = output.replace(password, "********")
            raise BrokerStartError(f"formatting Kafka storage in {self.data_dir} failed:\n{output}")

    def _answers(self) -> bool:
        if self.security is None:
            return super()._answers()
        # The client listener speaks TLS: probe it through TLS with the broker's CA.
        return _answers_kafka_tls(self.host, self.port, self.ca_file)

    def command(self) -> list[str]:
        return self._java_command("kafka.Kafka", str(self.config_dir / "server.properties"))
