"""Apache Kafka in KRaft mode (one broker that is also its own controller).

The jars are resolved from Maven Central by ``mvn dependency:copy-dependencies``
on the ``pom.xml`` shipped beside this module, once, into a cache folder
(``~/.cache/mash-exchange/kafka-<version>``; ``MASH_KAFKA_CACHE`` moves it);
``~/.m2`` keeps the downloads. Storage is formatted on first start; a data
directory given by the caller survives restarts, with the same ports.

Kafka 4.4.0 is listed on Maven Central but its ``kafka-tools-api`` jar is not
published there, so 4.3.1, the newest 4.x that resolves, is used.
"""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from importlib import resources
from pathlib import Path

from broker.engines.maven import cache_root, copy_dependencies, require_tool
from broker.engines.process import BrokerProcess, free_port
from broker.errors import BrokerStartError

KAFKA_VERSION = "4.3.1"
PORTS_FILE = "mash-kafka.json"


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


def _cluster_id() -> str:
    """A KRaft cluster id: a random UUID in URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")


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
    ) -> None:
        super().__init__(port=port, data_dir=data_dir, host=host, ready_timeout=ready_timeout)
        self.heap = heap
        self.controller_port = 0
        self._libs: Path | None = None

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
        properties = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": controller,
            "listeners": f"PLAINTEXT://{self.bootstrap},CONTROLLER://{controller}",
            "advertised.listeners": f"PLAINTEXT://{self.bootstrap}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.data_dir / "kraft"),
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
        text = "".join(f"{key}={value}\n" for key, value in properties.items())
        (self.config_dir / "server.properties").write_text(text, encoding="utf-8")
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
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            self._java_command(
                "kafka.tools.StorageTool",
                "format",
                "--cluster-id",
                _cluster_id(),
                "--config",
                str(self.config_dir / "server.properties"),
                "--standalone",
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BrokerStartError(
                f"formatting Kafka storage in {self.data_dir} failed:\n"
                f"{(result.stdout + result.stderr).strip()}"
            )

    def command(self) -> list[str]:
        return self._java_command("kafka.Kafka", str(self.config_dir / "server.properties"))
