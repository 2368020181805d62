"""The ``mash`` command line: help everywhere, one-line errors, no tracebacks."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from mash.cli import mash


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", all_commands(mash), ids=lambda p: " ".join(p) or "mash")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(mash, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: mash" in result.output
    command = mash
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]  # type: ignore[assignment]
    assert command.help, f"'mash {' '.join(path)}' has no help text"


def test_commands_that_talk_to_a_broker_take_bootstrap() -> None:
    for path in (("topics", "create"), ("topics", "list"), ("topics", "describe")):
        result = CliRunner().invoke(mash, [*path, "--help"])
        assert "--bootstrap HOST:PORT" in result.output
        assert "MASH_BOOTSTRAP_SERVERS" in result.output


def test_version_names_the_distribution() -> None:
    result = CliRunner().invoke(mash, ["version"])
    assert result.exit_code == 0
    assert result.output.startswith("mash-exchange ")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mash", *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("topics", "list", "--bootstrap", "no-port"), "is not HOST:PORT"),
        (("broker", "start", "--engine", "zookeeper"), "Invalid value for '--engine'"),
        (("broker", "start", "--port", "0"), "Invalid value for '--port'"),
        (("nonsense",), "No such command 'nonsense'"),
        (("topics", "describe", "mash.nothing.v1", "--bootstrap", "a:1"), "not in the catalogue"),
    ],
)
def test_user_mistakes_are_one_clear_message(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASH_SECURITY_PROTOCOL", "SASL_SSL")
    result = run("topics", "list")
    assert result.returncode == 1
    assert "MASH_SASL_MECHANISM" in result.stderr
    assert "Traceback" not in result.stderr
