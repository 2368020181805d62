"""Ctrl-C stops ``mash connectors run`` and ``mash audit writer`` within seconds, cleanly.

Each service runs as an operator runs it, in a process of its own: it joins its
consumer group and handles a message, then gets SIGINT. It must exit within
``STOP_WITHIN`` seconds with code 0, having closed its Kafka clients itself
(its stop line in the output), with the offset of what it handled committed;
restarted, it handles the next message and not the first one again. The signal
once interrupted the event loop, which also cancelled aiokafka's own tasks: on
Apache Kafka the services then waited 40 s to leave their groups, or stopped at
once without leaving them, closing their producers or writing the checkpoint.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from agents.audit import Auditor
from agents.audit_writer import SUBMITTERS
from broker.audit_chain import WRITER
from broker.catalogue import Agency, catalogue, request_topic, topic_name
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue
from broker.topic_reader import partitions_of
from broker.transport import publish_signed
from mash.audit_log import read_topic
from tests.integration.test_cli_on_broker import MASH, run_mash

#: Seconds from Ctrl-C to exit; a stop that waits on a dead connection takes 40.
STOP_WITHIN = 15.0
#: Seconds to start, join and handle a message.
WAIT = 90.0
AGENCIES = [agency.value for agency in Agency]


class Service:
    """A ``mash`` service in its own process, its output read line by line as it comes."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [*MASH, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.ended = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.ended = True
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:  # re-entrant: wait_for reads it holding the lock
            return "\n".join(self.lines)

    def wait_for(self, text: str, within: float = WAIT) -> None:
        """Wait until the service prints a line holding ``text``."""
        deadline = time.monotonic() + within
        with self._changed:
            while not any(text in line for line in self.lines):
                left = deadline - time.monotonic()
                if self.ended or left <= 0:
                    code = self.process.poll()
                    raise AssertionError(
                        f"{self.name} did not print {text!r} within {within:.0f} s "
                        f"({'exited with code ' + str(code) if code is not None else 'running'}):"
                        f"\n{self.output}"
                    )
                self._changed.wait(left)

    def interrupt(self) -> float:
        """Send SIGINT as Ctrl-C does; the seconds until the process exited.

        Fails the test if it has not exited ``STOP_WITHIN`` seconds later (it is
        then killed).
        """
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(STOP_WITHIN)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self._finish()
            pytest.fail(
                f"{self.name} had not stopped {STOP_WITHIN:.0f} s after Ctrl-C (killed); "
                f"its output:\n{self.output}"
            )
        elapsed = time.monotonic() - started
        self._finish()
        return elapsed

    def _finish(self) -> None:
        self._reader.join(10)
        if self.process.stderr is not None:
            self.process.stderr.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._finish()


@contextmanager
def running(name: str, args: list[str], env: dict[str, str]) -> Iterator[Service]:
    service = Service(name, args, env)
    try:
        yield service
    finally:
        service.close()


def stop_cleanly(service: Service, stopped_line: str) -> None:
    """Ctrl-C the service; it must exit in time, with code 0, having stopped its clients."""
    elapsed = service.interrupt()
    code = service.process.returncode
    assert code == 0, f"{service.name} exited with code {code} after Ctrl-C:\n{service.output}"
    assert stopped_line in service.output, (
        f"{service.name} exited {elapsed:.1f} s after Ctrl-C without {stopped_line!r}: "
        "its shutdown was cut short before its Kafka clients were stopped (consumer group "
        f"not left, last commit or checkpoint not made):\n{service.output}"
    )


def mash(env: dict[str, str], *args: str) -> str:
    """Run a one-off ``mash`` command; its standard output."""
    result = run_mash(*args, env=env)
    assert result.returncode == 0, f"mash {' '.join(args)}:\n{result.stderr}"
    return result.stdout


async def offsets(settings: MashSettings, group: str, topic: str) -> dict[int, tuple[int, int]]:
    """Each partition of ``topic``: (the group's committed offset, 0 if none; the end offset)."""
    consumer = AIOKafkaConsumer(
        group_id=group, enable_auto_commit=False, **connection_options(settings)
    )
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, topic)
        ends = await consumer.end_offsets(partitions)
        return {tp.partition: ((await consumer.committed(tp)) or 0, ends[tp]) for tp in partitions}
    finally:
        await consumer.stop()


def assert_all_committed(settings: MashSettings, group: str, topic: str, handled: int) -> None:
    """The group has committed exactly through the ``handled`` messages on ``topic``."""
    found = asyncio.run(offsets(settings, group, topic))
    behind = {p: (done, end) for p, (done, end) in found.items() if done != end}
    assert not behind, (
        f"group {group} on {topic}: committed != end offset on partitions {behind} "
        "(partition: (committed, end))"
    )
    assert sum(end for _, end in found.values()) == handled, found


def wait_committed(settings: MashSettings, group: str, topic: str, handled: int) -> None:
    """Wait until the group has committed through ``handled`` messages on ``topic``."""
    deadline = time.monotonic() + WAIT
    while True:
        found = asyncio.run(offsets(settings, group, topic))
        if sum(done for done, _ in found.values()) >= handled:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"group {group} never committed {handled} on {topic}: {found}")
        time.sleep(0.3)


@pytest.fixture
def env(settings: MashSettings, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MASH_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "MASH_TOPIC_PREFIX": settings.topic_prefix,
        "MASH_KEYSTORE": str(tmp_path / "keys"),
    }


def test_connectors_stop_on_ctrl_c_within_seconds_and_resume_where_they_stopped(
    settings: MashSettings, env: dict[str, str], tmp_path: Path
) -> None:
    data = tmp_path / "partnership"
    mash(env, "data", "generate", "--families", "10", "--seed", "3", "--out", str(data))
    mash(env, "topics", "create")
    contacts = sorted((data / "contacts").glob("*.json"))
    group = f"{settings.topic_prefix}mash.connector.health"
    requests = request_topic(Agency.HEALTH, settings.topic_prefix)
    connectors = ["connectors", "run", "--data", str(data)]
    stopped = [f"{agency} connector stopped after" for agency in AGENCIES]

    def ask(contact: Path) -> str:
        sent = mash(env, "request", "send", str(contact), "--agency", "health")
        return sent.split()[1]

    with running("mash connectors run", connectors, env) as first:
        first.wait_for("connectors ready")
        asked = ask(contacts[0])
        first.wait_for(f"health answered request {asked}")
        stop_cleanly(first, "health connector stopped after 1 answers")
    for line in stopped:
        assert line in first.output, f"no {line!r}:\n{first.output}"
    assert_all_committed(settings, group, requests, handled=1)

    with running("mash connectors run (restarted)", connectors, env) as second:
        second.wait_for("connectors ready")
        again = ask(contacts[1])
        second.wait_for(f"health answered request {again}")
        stop_cleanly(second, "health connector stopped after 1 answers")
    assert f"answered request {asked}" not in second.output, (
        f"request {asked}, answered and committed before the restart, was answered again:"
        f"\n{second.output}"
    )
    assert_all_committed(settings, group, requests, handled=2)


def submit_one(settings: MashSettings, keystore: Keystore) -> uuid.UUID:
    """One audit record submitted to the pending topic as the policy agent; its id."""
    key_id, key = pseudonym_key(keystore.folder)
    record = Auditor("agent.policy", key, key_id).record(
        "SHARED",
        case_id=uuid.uuid4(),
        now=datetime.now(UTC),
        source_agency="POLICE",
        categories=["police.domestic_abuse"],
        rule_id="share-permitted",
        rule_version="2026.11.1",
        distinct=uuid.uuid4().hex,
    )
    asyncio.run(
        publish_signed(
            settings,
            keystore.signing_key("agent.policy"),
            keystore.case_keys(),
            topic_name("audit.pending", settings.topic_prefix),
            "uk.mash.v1.AuditRecord",
            [(str(record["case_id"]).encode(), record)],
        )
    )
    record_id: uuid.UUID = record["record_id"]
    return record_id


def test_audit_writer_stops_on_ctrl_c_within_seconds_checkpointed_and_resumes(
    settings: MashSettings, env: dict[str, str], tmp_path: Path
) -> None:
    keystore = Keystore(tmp_path / "keys")
    keystore.ensure([*SUBMITTERS, WRITER])
    asyncio.run(apply_catalogue(settings, catalogue([], settings.topic_prefix)))
    group = f"{settings.topic_prefix}mash-audit-writer"
    pending = topic_name("audit.pending", settings.topic_prefix)
    writer = ["audit", "writer"]
    stopped = "audit writer stopped after chaining 1 record(s), all checkpointed"

    submitted = []
    for run in (1, 2):
        with running(f"mash audit writer (run {run})", writer, env) as service:
            service.wait_for("audit writer ready")
            submitted.append(submit_one(settings, keystore))
            wait_committed(settings, group, pending, handled=run)
            stop_cleanly(service, stopped)
        assert_all_committed(settings, group, pending, handled=run)
        log = asyncio.run(read_topic(settings, keystore.keyring()))
        assert log.verdict.intact, log.verdict.breaks
        chained = [r["record_id"] for r in log.records]
        assert sorted(map(str, chained)) == sorted(map(str, submitted)), (
            f"after run {run}: chained {chained}, submitted {submitted} (each exactly once)"
        )
        uncovered = {
            n: s.head.uncovered for n, s in log.verdict.partitions.items() if s.head.uncovered
        }
        assert not uncovered, f"after run {run}: records not covered by a checkpoint: {uncovered}"
