"""Jars from Maven Central, resolved once into a cache folder."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from broker.errors import BrokerStartError, MissingTool

COMPLETE_MARKER = ".complete"

log = logging.getLogger(__name__)


def cache_root() -> Path:
    """Where resolved jars are kept (``MASH_KAFKA_CACHE`` moves it)."""
    root = os.environ.get("MASH_KAFKA_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "mash-exchange"


def require_tool(name: str, why: str) -> str:
    """The path of an external program.

    Raises:
        MissingTool: when it is not on PATH.
    """
    path = shutil.which(name)
    if path is None:
        raise MissingTool(f"'{name}' is not installed or not on PATH; it is needed {why}")
    return path


def copy_dependencies(pom: Path, libs: Path, what: str, properties: dict[str, str]) -> Path:
    """Run ``mvn dependency:copy-dependencies`` on ``pom`` into ``libs``, once.

    The jars land in a staging folder that is renamed into place only when Maven
    succeeded, so an interrupted fetch is never mistaken for a complete one.

    Raises:
        MissingTool: Maven is not installed.
        BrokerStartError: Maven failed, with the end of its output.
    """
    if (libs / COMPLETE_MARKER).exists():
        return libs
    mvn = require_tool("mvn", f"to fetch {what} from Maven Central")
    libs.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="libs-", dir=libs.parent))
    log.info("fetching %s from Maven Central into %s", what, libs)
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            mvn,
            "-B",
            "-q",
            "-f",
            str(pom),
            *(f"-D{key}={value}" for key, value in properties.items()),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not any(staging.glob("*.jar")):
        shutil.rmtree(staging, ignore_errors=True)
        output = (result.stdout + result.stderr).strip().splitlines()[-15:]
        raise BrokerStartError(
            f"Maven could not fetch {what} (exit {result.returncode}):\n" + "\n".join(output)
        )
    (staging / COMPLETE_MARKER).write_text(what, encoding="utf-8")
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)
    return libs
