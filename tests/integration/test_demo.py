"""``mash demo`` as a new user runs it: from nothing to pictures, exit 0, within a minute."""

from __future__ import annotations

import subprocess
import sys
import time


def test_the_demo_runs_end_to_end_and_exits_cleanly() -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mash", "demo", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
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
    assert elapsed < 60, f"the demo took {elapsed:.0f} s"
