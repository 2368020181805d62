"""``mash demo`` as a new user runs it: from nothing to pictures, exit 0, within a minute."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def test_the_demo_runs_end_to_end_and_exits_cleanly(tmp_path: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mash", "demo", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "NOT ARRIVED" not in out
    assert "early-help-needs-consent" in out
    assert "out-of-hours received picture" in out
    assert "complex-safeguarding received picture" in out
    assert "notification POLICE_NOTIFICATION to the police" in out
    assert "cannot open mash-duty's picture" in out
    assert "SHARED           by rule safeguarding-without-consent" in out
    assert "6 CONTACT_RECEIVED" in out, "every contact's receipt is chained before the demo ends"
    assert elapsed < 60, f"the demo took {elapsed:.0f} s"
    assert "audit chain intact" in out

    # After the demo, its audit export verifies with the public keys alone.
    public = tmp_path / "public"
    public.mkdir()
    for key in (tmp_path / "mash-demo" / "keys").glob("*.pub"):
        (public / key.name).write_bytes(key.read_bytes())
    export = str(tmp_path / "mash-demo" / "audit.jsonl")
    verified = mash(tmp_path, "audit", "verify", "--file", export, "--keys", str(public))
    assert verified.returncode == 0, verified.stderr
    assert "chain intact" in verified.stderr


def mash(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mash", *args],
        capture_output=True, text=True, timeout=120, check=False, cwd=cwd,
    )  # fmt: skip
