"""Shared fixtures: real brokers, one of each engine per test session.

Integration tests take ``broker``, parametrized over both engines; a test that
needs what the embedded broker lacks (idempotent producer, transactions,
durability) takes ``kafka_broker`` and carries the ``kafka_only`` marker.
Every test gets fresh topic names and group ids through ``unique``.

Apache Kafka needs Java and Maven. Without them the Kafka tests are skipped on a
developer's machine, but fail under CI (``CI=true``): CI must prove both engines.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections import Counter
from collections.abc import Generator, Iterator

import pytest
from _pytest.terminal import TerminalReporter

from broker.engines.apache_kafka import ApacheKafka
from broker.engines.embedded import EmbeddedBroker
from broker.engines.process import BrokerProcess, free_port
from broker.settings import MashSettings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def embedded_broker() -> Iterator[BrokerProcess]:
    """The embedded (tansu) broker, started once for the session."""
    with EmbeddedBroker(port=free_port()) as broker:
        yield broker


def require_java_and_maven(what: str) -> None:
    """Skip ``what`` without Java or Maven on a developer's machine; fail it in CI."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        message = f"{what} need {' and '.join(missing)} on PATH"
        if IN_CI:
            pytest.fail(f"{message}; CI must run them, not skip them")
        pytest.skip(message)


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[BrokerProcess]:
    """Apache Kafka in KRaft mode, started once for the session."""
    require_java_and_maven("Apache Kafka tests")
    with ApacheKafka(port=free_port()) as broker:
        yield broker


@pytest.fixture(params=["embedded", "kafka"])
def broker(request: pytest.FixtureRequest) -> BrokerProcess:
    """Each engine in turn."""
    running: BrokerProcess = request.getfixturevalue(f"{request.param}_broker")
    return running


@pytest.fixture
def unique() -> str:
    """A fresh name fragment for this test's topics and groups."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def settings(broker: BrokerProcess, unique: str) -> MashSettings:
    """Settings pointing at ``broker``, with a topic prefix of this test's own."""
    return MashSettings(bootstrap_servers=broker.bootstrap, topic_prefix=f"{unique}.")


# Count, per engine, the tests that passed against a real broker, print it at
# the end of the run, and fail a CI run in which Apache Kafka proved nothing.
PASSED_ON: Counter[str] = Counter()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call" and report.passed:
        funcargs = getattr(item, "funcargs", {})
        for engine in {v.engine for v in funcargs.values() if isinstance(v, BrokerProcess)}:
            PASSED_ON[engine] += 1
    return report


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if PASSED_ON:
        counts = ", ".join(f"{engine} {PASSED_ON[engine]}" for engine in ("embedded", "kafka"))
        terminalreporter.write_line(f"tests passed on a real broker: {counts}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if IN_CI and PASSED_ON["embedded"] and not PASSED_ON["kafka"]:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
