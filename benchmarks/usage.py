"""Resident memory and CPU time of the benchmark's processes, read from ``/proc``.

``VmRSS`` is what a process holds now and ``VmHWM`` the most it has held (its
peak resident set), both kept by the kernel, so a peak between two samples is
not missed. CPU time is user plus system time. They can only be read while the
process runs: read them before it is stopped. Without ``/proc`` (not Linux)
only the benchmark's own peak memory is known, from ``resource.getrusage``.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

KIB_PER_MB = 1024


def _status_kib(pid: int, field: str) -> int | None:
    """A ``kB`` field of ``/proc/<pid>/status``, or None (no such process, not Linux)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return None


def resident_mb(pid: int) -> float | None:
    """The resident memory of a running process now, in MB (MiB)."""
    kib = _status_kib(pid, "VmRSS")
    return None if kib is None else round(kib / KIB_PER_MB, 1)


def peak_mb(pid: int) -> float | None:
    """The peak resident memory of a running process so far, in MB (MiB)."""
    kib = _status_kib(pid, "VmHWM")
    return None if kib is None else round(kib / KIB_PER_MB, 1)


def own_peak_mb() -> float:
    """This process's peak resident memory, in MB (MiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return round(peak / (KIB_PER_MB * (1024 if sys.platform == "darwin" else 1)), 1)


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a running process has used so far, in seconds."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # Fields after the command name (which may hold spaces) start at the state, field 3.
    fields = text.rpartition(")")[2].split()
    user, system = int(fields[11]), int(fields[12])
    return (user + system) / os.sysconf("SC_CLK_TCK")


class CpuClock:
    """CPU time used by named processes from now on, per second and per contact."""

    def __init__(self, processes: dict[str, int]) -> None:
        self.processes = processes
        self.started = {name: cpu_seconds(pid) for name, pid in processes.items()}

    def used(self, seconds: float, contacts: int) -> dict[str, dict[str, float] | None]:
        """Each process's CPU since the clock started: cores kept busy and ms per contact."""
        used: dict[str, dict[str, float] | None] = {}
        for name, pid in self.processes.items():
            before, now = self.started[name], cpu_seconds(pid)
            if before is None or now is None:
                used[name] = None
                continue
            spent = now - before
            used[name] = {
                "cpu_s": round(spent, 2),
                "cores": round(spent / seconds, 2),
                "ms_per_contact": round(1000 * spent / max(contacts, 1), 1),
            }
        return used
