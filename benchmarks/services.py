"""The exchange's services as separate processes, as they are deployed.

The worker (``mash worker``), the connectors (``mash connectors run``) and the
audit writer (``mash audit writer``) each run in a process of their own, so each
has its own resident memory to measure and the machine's cores are shared as
they would be in production. Each service writes its output to a log file in
the workspace, and says on stderr when it is ready.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from benchmarks.usage import peak_mb, resident_mb
from broker.errors import MashError

#: The source tree the benchmark runs from, so the services run the same code.
SOURCE_ROOT = Path(__file__).resolve().parents[1]
STOP_WITHIN = 10.0
LOG_TAIL_CHARS = 2000


class ServiceFailed(MashError):
    """A service of the benchmark stopped by itself or did not become ready."""


class Service:
    """One child process: started, waited for until ready, measured, stopped."""

    def __init__(self, name: str, argv: list[str], ready_marker: str, log: Path) -> None:
        self.name = name
        self.argv = argv
        self.ready_marker = ready_marker
        self.log = log
        self.started_at = 0.0
        self.ready_after: float | None = None
        self.peak_mb: float | None = None
        self.stopped_cleanly = True
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None

    @classmethod
    def mash(cls, name: str, args: list[str], ready_marker: str, folder: Path) -> Service:
        """A ``mash`` command run by this Python, logging to ``folder/<name>.log``."""
        return cls(
            name, [sys.executable, "-m", "mash", *args], ready_marker, folder / f"{name}.log"
        )

    @property
    def pid(self) -> int:
        """The process id (the service must have been started)."""
        if self._process is None:
            raise ServiceFailed(f"{self.name} was never started")
        return self._process.pid

    def start(self, env: Mapping[str, str], cwd: Path) -> None:
        """Start the process with ``env`` added to this one's environment."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._output = self.log.open("wb")
        path = os.pathsep.join(filter(None, [str(SOURCE_ROOT), os.environ.get("PYTHONPATH")]))
        self.started_at = time.monotonic()
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed argv
            self.argv,
            env={**os.environ, **env, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"},
            cwd=cwd,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )

    async def ready(self, within: float) -> float:
        """Wait until the service says it is ready; the seconds since it was started.

        Raises:
            ServiceFailed: it stopped, or was not ready ``within`` seconds.
        """
        if self.ready_after is not None:
            return self.ready_after
        deadline = self.started_at + within
        while self.ready_marker not in self.log.read_text(encoding="utf-8", errors="replace"):
            self._check_running()
            if time.monotonic() > deadline:
                raise ServiceFailed(
                    f"{self.name} was not ready within {within:.0f} s:\n{self.log_tail()}"
                )
            await asyncio.sleep(0.1)
        self.ready_after = time.monotonic() - self.started_at
        return self.ready_after

    def _check_running(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            raise ServiceFailed(
                f"{self.name} stopped with code {self._process.returncode}:\n{self.log_tail()}"
            )

    def resident_mb(self) -> float | None:
        """Resident memory now, in MB; raises if the service has stopped by itself."""
        self._check_running()
        return resident_mb(self.pid)

    def measure_peak(self) -> float | None:
        """Read and keep the peak resident memory so far (only readable while it runs)."""
        if self._process is not None and self._process.poll() is None:
            self.peak_mb = peak_mb(self.pid) or self.peak_mb
        return self.peak_mb

    def interrupt(self) -> None:
        """Measure the peak, then ask the service to stop, as Ctrl-C does."""
        self.measure_peak()
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)

    def wait_stopped(self, until: float) -> None:
        """Wait until the service has stopped, killing it at ``until`` (a monotonic time)."""
        process = self._process
        if process is None:
            return
        try:
            process.wait(max(until - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            self.stopped_cleanly = False
            process.kill()
            process.wait()
        if self._output is not None:
            self._output.close()
            self._output = None

    def stop(self) -> None:
        """Stop the service (see :func:`stop_all`)."""
        stop_all([self])

    def log_tail(self) -> str:
        """The end of the service's output, for error messages."""
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:]
        except OSError:
            return "(no output)"


async def start_all(
    services: list[Service], env: Mapping[str, str], cwd: Path, within: float
) -> None:
    """Start every service at once and wait until all are ready."""
    for service in services:
        service.start(env, cwd)
    await asyncio.gather(*(service.ready(within) for service in services))


def stop_all(services: list[Service]) -> None:
    """Stop every service that was started, each measured first, all at once.

    One that has not stopped ``STOP_WITHIN`` seconds after Ctrl-C is killed and
    marked as not stopped cleanly: the benchmark reports it rather than wait.
    """
    for service in services:
        service.interrupt()
    until = time.monotonic() + STOP_WITHIN
    for service in services:
        service.wait_stopped(until)
