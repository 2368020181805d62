"""What the console follows on the broker, from the beginning and then as it arrives.

One plain consumer per topic (no consumer group, nothing committed) reads the
sharing audit, the notifications, the MASH decisions and every team's sealed
pictures. Each record's envelope is verified against the keystore's trusted
keys and its sender against those allowed on the topic, and the case's payload
is decrypted with the case's key, through the project's own
:func:`broker.transport.open_record`; a record that cannot be trusted is
logged and skipped, never shown.

Pictures are kept **sealed**: the feed holds ``uk.mash.v1.SealedPicture``
values and never opens one. A page opens a picture with the key of the
signed-in user's team only (:mod:`mash.web.pictures`).

Every value that arrives bumps :attr:`Feed.version` and wakes whoever waits in
:meth:`Feed.changed_since`: the live updates of the case board and the case
page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from agents.context import AGENTS
from agents.streams.pictures import AGENT as ROUTING
from broker.audit_chain import CHECKPOINT, RECORD, WRITER
from broker.catalogue import team_topic, topic_name
from broker.codec import AvroCodec
from broker.decisions import CONSOLE, DECISION_SCHEMA
from broker.envelope import Verifier
from broker.errors import ConfigurationError, RejectedMessage
from broker.kafka_client import connection_options
from broker.keystore import Keystore
from broker.sealing import SEALED_PICTURE
from broker.settings import MashSettings
from broker.transport import open_record, raw_record

log = logging.getLogger(__name__)
NOTIFICATION = "uk.mash.v1.Notification"


@dataclass(frozen=True)
class Followed:
    """A topic the feed follows: what it carries and who may write it."""

    stream: str
    schema: str
    senders: frozenset[str]
    passed_over: frozenset[str] = frozenset()


@dataclass
class FeedValues:
    """Everything read so far, by kind."""

    audit: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    #: Sealed pictures by team key, in arrival order.
    sealed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class Feed:
    """Follows the console's topics and keeps what it reads in memory."""

    def __init__(self, settings: MashSettings, keystore: Keystore, team_keys: list[str]) -> None:
        self.settings = settings
        self.keystore = keystore
        self.team_keys = list(team_keys)
        self.values = FeedValues(sealed={team: [] for team in team_keys})
        self.version = 0
        self._changed = asyncio.Condition()
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        prefix = settings.topic_prefix
        self.followed: dict[str, Followed] = {
            topic_name("audit", prefix): Followed(
                "audit", RECORD, frozenset({WRITER}), frozenset({CHECKPOINT})
            ),
            topic_name("notifications", prefix): Followed(
                "notifications", NOTIFICATION, frozenset(AGENTS)
            ),
            topic_name("decisions", prefix): Followed(
                "decisions", DECISION_SCHEMA, frozenset({CONSOLE})
            ),
            **{
                team_topic(team, prefix): Followed(
                    f"team:{team}", SEALED_PICTURE, frozenset({ROUTING})
                )
                for team in team_keys
            },
        }

    async def start(self) -> None:
        """Check the topics exist, then follow each from its beginning.

        Raises:
            ConfigurationError: a topic is not on the broker.
        """
        probe = AIOKafkaConsumer(**connection_options(self.settings))
        await probe.start()
        try:
            present = await probe.topics()
        finally:
            await probe.stop()
        missing = sorted(topic for topic in self.followed if topic not in present)
        if missing:
            raise ConfigurationError(
                f"no topic {', '.join(missing)} on {self.settings.bootstrap_servers}: run "
                "'mash topics create' (and check MASH_TOPIC_PREFIX)"
            )
        for topic in self.followed:
            self._tasks.append(asyncio.create_task(self._follow(topic)))

    async def stop(self) -> None:
        """Stop following; each reader closes its consumer."""
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._changed:
            self._changed.notify_all()

    async def changed_since(self, version: int, within: float) -> int:
        """The feed's version once it is past ``version``, or after ``within`` seconds."""
        async with self._changed:
            if self.version <= version and not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), within)
        return self.version

    async def wait_for_decision(self, decision_id: object, within: float) -> bool:
        """Wait until the decision with this id has been read back from its topic."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not any(d["decision_id"] == decision_id for d in self.values.decisions):
            left = deadline - loop.time()
            if left <= 0 or self._stop.is_set():
                return False
            await self.changed_since(self.version, min(left, 1.0))
        return True

    async def _follow(self, topic: str) -> None:
        followed = self.followed[topic]
        codec = AvroCodec()
        verifier = Verifier(self.keystore.current_keyring())
        case_keys = self.keystore.case_keys()
        consumer = AIOKafkaConsumer(
            topic,
            auto_offset_reset="earliest",
            client_id=f"{self.settings.client_id}-console",
            **connection_options(self.settings),
        )
        await consumer.start()
        try:
            while not self._stop.is_set():
                try:
                    batches = await consumer.getmany(timeout_ms=300)
                except KafkaError as exc:
                    log.warning("reading %s: %s", topic, exc)
                    await asyncio.sleep(1.0)
                    continue
                arrived = []
                for records in batches.values():
                    for record in records:
                        raw = raw_record(record)
                        verifier.keyring = self.keystore.current_keyring()
                        try:
                            decoded = open_record(
                                raw, codec, verifier, case_keys, None, followed.senders
                            ).decoded
                        except RejectedMessage as refused:
                            log.warning("%s@%d not trusted: %s", topic, raw.offset, refused.reason)
                            continue
                        if decoded.schema in followed.passed_over:
                            continue
                        if decoded.schema != followed.schema:
                            log.warning("%s@%d carries %s", topic, raw.offset, decoded.schema)
                            continue
                        arrived.append(decoded.value)
                if arrived:
                    await self._keep(followed, arrived)
        finally:
            await consumer.stop()

    async def _keep(self, followed: Followed, arrived: list[dict[str, Any]]) -> None:
        kind, _, team = followed.stream.partition(":")
        target: list[dict[str, Any]] = (
            self.values.sealed[team] if kind == "team" else getattr(self.values, kind)
        )
        async with self._changed:
            target.extend(arrived)
            self.version += 1
            self._changed.notify_all()

    def case_ids_of_team(self, team: str) -> set[str]:
        """The cases whose pictures reached ``team``."""
        return {str(sealed["case_id"]) for sealed in self.values.sealed.get(team, [])}


def latest_sealed(
    sealed_pictures: list[dict[str, Any]], case_id: str, revision: int | None = None
) -> dict[str, Any] | None:
    """A case's latest sealed picture (or the one of ``revision``) among a team's."""
    of_case = [s for s in sealed_pictures if str(s["case_id"]) == case_id]
    if revision is not None:
        of_case = [s for s in of_case if s["revision"] == revision]
    if not of_case:
        return None
    return max(of_case, key=lambda s: (s["revision"], s["sealed_at"]))


def by_case(values: list[dict[str, Any]], case_id: str) -> list[Mapping[str, Any]]:
    """The values about one case, in arrival order."""
    return [value for value in values if str(value.get("case_id")) == case_id]
