"""``mash bench`` on a tiny run: it works end to end and its figures hang together.

Not a test of speed: only that every contact's picture arrived, that the
figures are there, positive and consistent, and that the ceiling was measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from broker.engines.process import BrokerProcess

CONTACTS = 5
RELAY_EVENTS = 500


def test_bench_measures_a_tiny_run(broker: BrokerProcess, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "mash", "bench", "--engine", broker.engine,
         "--bootstrap", broker.bootstrap, "--contacts", str(CONTACTS), "--families", "40",
         "--relay-events", str(RELAY_EVENTS), "--faust-relay", "--wait", "60",
         "--workspace", str(tmp_path / "workspace"), "--out", str(out)],
        capture_output=True, text=True, timeout=180, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "throughput" in result.stdout
    assert "pictures 5/5" in result.stderr, "progress is shown while it runs"
    figures = json.loads(out.read_text(encoding="utf-8"))

    run, pipeline = figures["run"], figures["pipeline"]
    assert run["engine"] == broker.engine
    assert run["first_event_after_start_s"] > 0
    assert run["first_picture_after_start_s"] >= run["first_event_after_start_s"]
    assert figures["machine"]["cpus"] >= 1
    assert pipeline["completed"] == pipeline["contacts"] == CONTACTS
    assert pipeline["contacts_per_s"] > 0
    assert pipeline["messages_per_s"] > pipeline["contacts_per_s"]
    assert pipeline["messages_per_contact"] > 5, "at least one message on each of five hops"
    assert sum(pipeline["picture_reasons"].values()) == CONTACTS + 1  # and the start-up one
    assert pipeline["unreadable_pictures"] == []
    latency = pipeline["latency_s"]
    assert latency["count"] == CONTACTS
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]

    for process in ("worker", "connectors", "audit writer"):
        assert figures["memory_mb"]["peak"][process] > 0, process

    ceiling = figures["ceiling"]
    assert ceiling["arrived"] == ceiling["events"] == RELAY_EVENTS
    assert ceiling["hops"] == 5
    assert ceiling["events_per_s"] > 0
    assert figures["ratios_to_ceiling"]["messages_per_s"] > 0  # both ran flat out
    assert figures["ratios_to_ceiling"]["latency_p50"] > 0
    assert set(figures["targets"]) == {"throughput", "latency", "hops", "memory"}
    assert figures["targets"]["hops"]["measured"] == figures["ratios_to_ceiling"]["messages_per_s"]

    faust = figures["faust_ceiling"]
    assert faust["framework"] == "faust"
    assert faust["arrived"] == faust["events"] == RELAY_EVENTS
    assert faust["record_bytes"] == ceiling["record_bytes"]
    assert figures["faust_relay_to_relay"]["messages_per_s"] > 0
    assert "faust relay (no work)" in result.stdout


def test_bench_says_what_is_wrong_with_its_options(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mash", "bench", "--seconds", "10"],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode != 0
    assert "--seconds needs --rate" in result.stderr
    assert "Traceback" not in result.stderr
