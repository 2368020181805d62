"""``pip install .`` (not editable) gives a ``mash`` that finds its schemas and catalogue."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

from broker.engines.process import BrokerProcess

ROOT = Path(__file__).parents[2]


def run(*argv: str | Path, cwd: Path) -> str:
    result = subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{argv[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_installed_wheel_describes_topics_from_package_data(
    tmp_path: Path, embedded_broker: BrokerProcess
) -> None:
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, ROOT, cwd=ROOT)
    (wheel,) = wheels.glob("mash_exchange-*.whl")

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--constraint",
        ROOT / "requirements" / "constraints.txt",
        wheel,
        cwd=tmp_path,
    )
    # Run from a folder with no checkout in sight, so only the installed package can answer.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    located = run(python, "-c", "import schemas, broker; print(schemas.__file__)", cwd=outside)
    assert "site-packages" in located
    releases = run(
        python,
        "-c",
        "from broker.schema_store import packaged_schemas; print(*packaged_schemas().releases())",
        cwd=outside,
    )
    assert "0.1.0" in releases.split(), "released writer schemas are missing from the wheel"

    bootstrap = embedded_broker.bootstrap
    run(env_dir / "bin" / "mash", "topics", "create", "--bootstrap", bootstrap, cwd=outside)
    described = json.loads(
        run(
            env_dir / "bin" / "mash",
            "topics",
            "describe",
            "--json",
            "--bootstrap",
            bootstrap,
            cwd=outside,
        )
    )
    assert described, "no topics described"
    for entry in described:
        schema = entry["value_schema"]
        assert schema["file"], f"{entry['topic']}: schema {schema['name']} not found when installed"
        assert len(schema["fingerprint"]) == 16
        assert entry["broker"] is not None
