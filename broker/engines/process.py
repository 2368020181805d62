"""A broker running as a child process: start, wait until it answers, stop cleanly.

Both engines (the embedded tansu broker and Apache Kafka) share this life cycle.
The child runs in its own session so that Ctrl-C in a terminal reaches MASH
Exchange first, which then stops the broker in order and leaves no process behind.
"""

from __future__ import annotations

import abc
import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import IO, ClassVar, Self

from broker.errors import BrokerStartError

API_VERSIONS_KEY = 18
LOG_TAIL_LINES = 20


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_in_use(host: str, port: int) -> bool:
    """Whether something already accepts connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def answers_kafka(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether a Kafka broker at ``host:port`` answers an ApiVersions (v0) request.

    A bare TCP connect is not enough: a starting broker may accept connections
    before it can serve requests.
    """
    correlation_id = 0x4D415348  # "MASH"
    client_id = b"mash-probe"
    body = struct.pack(">hhih", API_VERSIONS_KEY, 0, correlation_id, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            header = _read_exactly(sock, 4)
            (size,) = struct.unpack(">i", header)
            answer = _read_exactly(sock, min(size, 6))
    except OSError:
        return False
    if len(answer) < 6:
        return False
    got_id, error_code = struct.unpack(">ih", answer)
    return bool(got_id == correlation_id and error_code == 0)


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    chunks = b""
    while len(chunks) < count:
        chunk = sock.recv(count - len(chunks))
        if not chunk:
            break
        chunks += chunk
    return chunks


class BrokerProcess(abc.ABC):
    """A broker started as a child process, reachable on a loopback port."""

    engine: ClassVar[str]

    def __init__(
        self,
        *,
        port: int,
        data_dir: Path | None = None,
        host: str = "127.0.0.1",
        ready_timeout: float = 90.0,
    ) -> None:
        self.host = host
        self.port = port
        self._owns_data_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix=f"mash-{self.engine}-"))
        self.ready_timeout = ready_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """The address clients connect to."""
        return f"{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        """Where the broker's own output goes."""
        return self.data_dir / "logs" / f"{self.engine}.out"

    @property
    def pid(self) -> int | None:
        """The broker process id while it runs."""
        return self._process.pid if self._process else None

    @abc.abstractmethod
    def command(self) -> list[str]:
        """The command line that runs the broker in the foreground."""

    def prepare(self) -> None:  # noqa: B027 - an optional hook, empty by default
        """Work before the first start (fetching jars, formatting storage)."""

    def start(self) -> Self:
        """Start the broker and return once it answers Kafka requests.

        Raises:
            BrokerStartError: the port is taken, the process exits early, or it
                does not answer within ``ready_timeout`` seconds.
        """
        if port_in_use(self.host, self.port):
            raise BrokerStartError(
                f"port {self.port} on {self.host} is already in use: is a broker already "
                "running? Choose another with --port"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.prepare()
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir,
            start_new_session=True,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        assert self._process is not None  # noqa: S101 - start() sets it
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise BrokerStartError(
                    f"the {self.engine} broker exited with code {code} before it was ready; "
                    f"last lines of {self.log_path}:\n{self.log_tail()}"
                )
            if self._answers():
                return
            time.sleep(0.2)
        raise BrokerStartError(
            f"the {self.engine} broker did not answer on {self.bootstrap} within "
            f"{self.ready_timeout:.0f} s; last lines of {self.log_path}:\n{self.log_tail()}"
        )

    def _answers(self) -> bool:
        """Whether the broker answers a Kafka request on its client port."""
        return answers_kafka(self.host, self.port)

    def exit_code(self) -> int | None:
        """The exit code if the broker has stopped, else None."""
        return self._process.poll() if self._process else None

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the broker (SIGTERM, then SIGKILL after ``timeout`` s); idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            self._signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(process, signal.SIGKILL)
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of the broker's output, for error messages."""
        try:
            with self.log_path.open("r", encoding="utf-8", errors="replace") as log:
                return "".join(deque(log, maxlen=lines)).rstrip()
        except OSError:
            return "(no output)"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
