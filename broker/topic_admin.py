"""Applying the topic catalogue to a broker, and reading back what is there.

``apply`` creates what is missing and reports what differs; it never alters or
deletes an existing topic, because a partition count or a retention change on a
live safeguarding topic is an operator's decision, not a side effect.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaConnectionError, KafkaError
from aiokafka.protocol.api import Request

from broker.catalogue import TopicSpec
from broker.errors import BrokerUnreachable, TopicAdminError
from broker.kafka_client import connection_options
from broker.settings import MashSettings

TOPIC_ALREADY_EXISTS = 36
UNKNOWN_TOPIC = 3
ADMIN_TIMEOUT_MS = 15_000
LISTING_TIMEOUT_S = 15.0


class Outcome(enum.StrEnum):
    """What ``apply`` did with one catalogue topic."""

    CREATED = "created"
    UNCHANGED = "unchanged"
    DIFFERS = "differs"


@dataclass(frozen=True)
class TopicState:
    """A topic as the broker describes it."""

    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str]


@dataclass(frozen=True)
class TopicReport:
    """The result of applying one spec."""

    spec: TopicSpec
    outcome: Outcome
    differences: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def differences(spec: TopicSpec, state: TopicState) -> tuple[str, ...]:
    """How a topic on the broker differs from its (fitted) spec, one line each."""
    found = []
    if state.partitions != spec.partitions:
        found.append(f"partitions {state.partitions}, catalogue {spec.partitions}")
    if state.replication_factor != spec.replication_factor:
        found.append(
            f"replication factor {state.replication_factor}, catalogue {spec.replication_factor}"
        )
    for key, wanted in spec.configs().items():
        actual = state.configs.get(key)
        if actual != wanted:
            shown = "not set" if actual is None else actual
            found.append(f"{key} {shown}, catalogue {wanted}")
    return tuple(found)


T = TypeVar("T")


class AdminConnection:
    """An admin connection to the configured broker, opened and closed with ``async with``.

    Args:
        purpose: what the connection is for, in its client id (``topics``, ``acls``).
    """

    def __init__(self, settings: MashSettings, purpose: str) -> None:
        self._settings = settings
        self._client = AIOKafkaAdminClient(
            client_id=f"{settings.client_id}-{purpose}-admin",
            request_timeout_ms=ADMIN_TIMEOUT_MS,
            **connection_options(settings),
        )

    async def __aenter__(self) -> Self:
        try:
            await self._client.start()
        except KafkaConnectionError as exc:
            await self._client.close()
            raise BrokerUnreachable(
                f"no Kafka broker answered at {self._settings.bootstrap_servers} "
                "(start one with 'mash broker start', or pass --bootstrap HOST:PORT; "
                "on a secured broker, check the MASH_SECURITY_PROTOCOL and SASL settings)"
            ) from exc
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._client.close()

    async def _admin_call(self, request: Awaitable[T], what: str) -> T:
        """Await an admin request, a lost broker or a Kafka error said as ours.

        Raises:
            BrokerUnreachable: the connection to the broker was lost.
            TopicAdminError: ``what`` failed, retriable when Kafka says so.
        """
        try:
            return await request
        except KafkaConnectionError as exc:
            raise BrokerUnreachable(
                f"lost the broker at {self._settings.bootstrap_servers}: {exc}"
            ) from exc
        except KafkaError as exc:
            raise TopicAdminError(f"{what} failed: {exc}", retriable=bool(exc.retriable)) from exc

    async def _send_raw(self, request: Request[Any], what: str) -> Any:
        """Send a request aiokafka's admin client has no method for (ACLs, SCRAM users)."""
        node = self._client._client.get_random_node()
        return await self._admin_call(self._client._client.send(node, request), what)


class TopicAdmin(AdminConnection):
    """Topic administration: ``async with TopicAdmin(settings) as admin: ...``."""

    def __init__(self, settings: MashSettings) -> None:
        super().__init__(settings, "topics")

    async def broker_count(self) -> int:
        """How many brokers the cluster has."""
        cluster = await self._call(self._client.describe_cluster())
        return len(cluster["brokers"])

    async def topic_names(self) -> set[str]:
        """Every topic on the broker, internal ones included."""
        return set(await self._call(self._client.list_topics()))

    async def describe(self, names: Sequence[str]) -> dict[str, TopicState]:
        """The state of each named topic that exists; missing names are left out.

        Only topics the cluster already lists are asked about by name: a Metadata
        request naming an unknown topic makes brokers with auto-creation on (the
        embedded one, and Kafka's default) create it with default settings.
        """
        known = await self.topic_names()
        names = [name for name in names if name in known]
        if not names:
            return {}
        metadata = await self._call(self._client.describe_topics(names))
        present = {
            entry["topic"]: entry["partitions"]
            for entry in metadata
            if entry["error_code"] == 0 and entry["partitions"]
        }
        if not present:
            return {}
        responses = await self._call(
            self._client.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name) for name in present]
            )
        )
        configs: dict[str, dict[str, str]] = {}
        for response in responses:
            for resource in response.to_object()["resources"]:
                configs[resource["resource_name"]] = {
                    entry["config_names"]: entry["config_value"]
                    for entry in resource["config_entries"]
                    if entry["config_value"] is not None
                }
        return {
            name: TopicState(
                name=name,
                partitions=len(partitions),
                replication_factor=max(len(p["replicas"]) for p in partitions),
                configs=configs.get(name, {}),
            )
            for name, partitions in present.items()
        }

    async def apply(self, specs: Sequence[TopicSpec]) -> list[TopicReport]:
        """Create the missing topics of ``specs`` and report the ones that differ.

        Replication is capped to the cluster's broker count, with a note saying so.
        """
        brokers = await self.broker_count()
        fitted = [spec.fitted_to(brokers) for spec in specs]
        existing = await self.describe([spec.name for spec in fitted])
        missing = [spec for spec in fitted if spec.name not in existing]
        raced = await self._create(missing)
        # Metadata lags creation: wait until the broker lists what was just
        # created, so callers can use it at once and raced topics can be compared.
        await self._wait_until_listed([spec.name for spec in missing])
        if raced:
            existing.update(await self.describe(raced))
        reports = []
        for original, spec in zip(specs, fitted, strict=True):
            notes: tuple[str, ...] = ()
            if spec.replication_factor != original.replication_factor:
                notes = (
                    f"replication factor {original.replication_factor} capped to "
                    f"{spec.replication_factor}: the cluster has {brokers} broker(s)",
                )
            state = existing.get(spec.name)
            if state is None:
                reports.append(TopicReport(spec, Outcome.CREATED, notes=notes))
                continue
            found = differences(spec, state)
            outcome = Outcome.DIFFERS if found else Outcome.UNCHANGED
            reports.append(TopicReport(spec, outcome, found, notes))
        return reports

    async def _wait_until_listed(self, names: Sequence[str]) -> None:
        deadline = time.monotonic() + LISTING_TIMEOUT_S
        while missing := set(names) - await self.topic_names():
            if time.monotonic() > deadline:
                raise TopicAdminError(
                    f"the broker accepted {', '.join(sorted(missing))} but does not list "
                    f"them after {LISTING_TIMEOUT_S:.0f} s",
                    retriable=True,
                )
            await asyncio.sleep(0.1)

    async def _create(self, specs: Sequence[TopicSpec]) -> list[str]:
        """Create topics; return those another client created first."""
        if not specs:
            return []
        response = await self._call(
            self._client.create_topics(
                [
                    NewTopic(
                        spec.name,
                        spec.partitions,
                        spec.replication_factor,
                        topic_configs=spec.configs(),
                    )
                    for spec in specs
                ],
                timeout_ms=ADMIN_TIMEOUT_MS,
            )
        )
        raced = []
        for error in response.to_object()["topic_errors"]:
            code, topic = error["error_code"], error["topic"]
            if code == TOPIC_ALREADY_EXISTS:
                raced.append(topic)
            elif code != 0:
                message = error.get("error_message") or f"Kafka error code {code}"
                raise TopicAdminError(f"broker refused to create {topic}: {message}")
        return raced

    async def _call(self, request: Any) -> Any:
        return await self._admin_call(request, "topic admin request")


async def apply_catalogue(settings: MashSettings, specs: Sequence[TopicSpec]) -> list[TopicReport]:
    """Connect, apply ``specs`` (see :meth:`TopicAdmin.apply`) and disconnect."""
    async with TopicAdmin(settings) as admin:
        return await admin.apply(specs)
