"""As the README has a new user do it: generate data, run the connectors, ask, read answers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from broker.engines.process import BrokerProcess

MASH = [sys.executable, "-m", "mash"]


def test_generate_run_ask_and_read_the_answer(
    embedded_broker: BrokerProcess, unique: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "MASH_BOOTSTRAP_SERVERS": embedded_broker.bootstrap,
        "MASH_TOPIC_PREFIX": f"{unique}.",
        "MASH_KEYSTORE": str(tmp_path / "keys"),
    }

    def mash(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*MASH, *args], env=env, capture_output=True, text=True, timeout=180, check=False
        )
        assert result.returncode == 0, f"mash {' '.join(args)}:\n{result.stderr}"
        return result

    data = tmp_path / "partnership"
    generated = mash("data", "generate", "--families", "40", "--seed", "3", "--out", str(data))
    assert "40 families (seed 3) written to" in generated.stdout
    mash("topics", "create")
    contacts = sorted((data / "contacts").glob("*.json"))
    assert contacts, "the generator wrote no contacts"

    running = subprocess.Popen(
        [*MASH, "connectors", "run", "--data", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert running.stderr is not None
        for line in running.stderr:
            if "connectors ready" in line:
                break
        else:
            raise AssertionError("the connectors never became ready")
        sent = mash(
            "request", "send", str(contacts[0]), "--agency", "health",
            "--categories", "health.gp_registration",
        )  # fmt: skip
        request_id = sent.stdout.split()[1]
        watched = mash("responses", "watch", "--from-beginning", "--count", "1", "--timeout", "60",
                       "--json")  # fmt: skip
    finally:
        running.send_signal(signal.SIGINT)
        _, rest = running.communicate(timeout=60)
    assert running.returncode == 0, rest
    response = json.loads(watched.stdout.splitlines()[0])
    assert response["sender"] == "health"
    assert response["request_id"] == request_id
    contact = json.loads(contacts[0].read_text())
    assert len(response["subjects"]) == len(contact["subjects"])
    shared = {f["category"] for s in response["subjects"] for f in s["findings"]}
    assert shared <= {"health.gp_registration"}, "only the permitted category may come back"
    assert any(s["match_outcome"] == "MATCHED" for s in response["subjects"])
