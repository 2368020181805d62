"""Who may read and write which topic, derived from the catalogue and enforced by Kafka.

Every catalogue topic has an explicit entry in :func:`topic_access`; a topic the
catalogue gains without one makes :func:`derive_acls` raise, so nobody adds a
topic without deciding who may touch it. The principals:

* ``User:<agency>`` (one per connector): reads its own request topic only; writes
  responses, audit submissions and dead letters; children's social care also
  writes allocations.
* ``User:intake``: writes contacts and audit submissions.
* ``User:worker`` (the faust app with every agent): reads contacts, responses,
  shared information, pictures and allocations; writes requests, shared
  information, pictures, team topics, notifications, audit submissions and dead
  letters; owns faust's internal topics (``<prefix>mash-exchange-*``: the case
  table's changelog, the deadline ticks, the assignor's topic), which it creates.
* ``User:audit-writer``: reads audit submissions, reads and writes the audit
  (it reads the chain back to recover), writes dead letters. Nobody else writes
  the audit.
* ``User:compliance``: reads the audit, nothing else.
* ``User:console`` (the web console, ``mash web``): writes contacts (signed as
  intake), MASH decisions and audit submissions; reads the audit, the
  notifications, the decisions and every team's pictures, sealed: it opens a
  picture only with the key of the signed-in user's team.
* ``User:team-<team>``: reads its own team's pictures, nothing else.

Consumer groups: each connector, the worker and the audit writer commit offsets
in their own group, so each is given READ on its group alone.

Kafka's WRITE, READ, ALTER and DELETE imply DESCRIBE, and WRITE on a topic
implies IDEMPOTENT_WRITE (Kafka 3.2+), so neither is granted separately. No
client uses transactions.

:class:`AclAdmin` applies the ACLs: it describes what the broker holds, creates
only what is missing and reports ACLs it did not derive (never deleting them).
aiokafka has no ACL API, so it sends CreateAcls and DescribeAcls v1 (Kafka 4
removed v0) through the admin client's connection.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka.protocol.admin import CreateAclsRequest_v1, DescribeAclsRequest_v1
from aiokafka.protocol.api import Request

from broker.catalogue import Agency, TopicSpec, request_topic, team_topic, topic_name
from broker.errors import ConfigurationError, TopicAdminError
from broker.settings import MashSettings
from broker.topic_admin import AdminConnection

LISTING_TIMEOUT_S = 30.0
WORKER = "worker"
INTAKE = "intake"
AUDIT_WRITER = "audit-writer"
COMPLIANCE = "compliance"
CONSOLE = "console"
#: Kafka error codes with a clearer message than its own.
CLUSTER_AUTHORIZATION_FAILED = 31
SECURITY_DISABLED = 54


class ResourceType(enum.IntEnum):
    """Kafka's resource types (the wire values)."""

    ANY = 1
    TOPIC = 2
    GROUP = 3
    CLUSTER = 4
    TRANSACTIONAL_ID = 5


class PatternType(enum.IntEnum):
    """How a resource name matches (the wire values)."""

    ANY = 1
    MATCH = 2
    LITERAL = 3
    PREFIXED = 4


class Operation(enum.IntEnum):
    """Kafka's ACL operations (the wire values)."""

    ANY = 1
    ALL = 2
    READ = 3
    WRITE = 4
    CREATE = 5
    DELETE = 6
    ALTER = 7
    DESCRIBE = 8
    CLUSTER_ACTION = 9
    DESCRIBE_CONFIGS = 10
    ALTER_CONFIGS = 11
    IDEMPOTENT_WRITE = 12


class Permission(enum.IntEnum):
    """Allow or deny (the wire values)."""

    ANY = 1
    DENY = 2
    ALLOW = 3


@dataclass(frozen=True, order=True)
class Acl:
    """One ACL binding: ``principal`` may (or may not) do ``operation`` on a resource."""

    principal: str
    resource_type: ResourceType
    resource_name: str
    pattern_type: PatternType
    operation: Operation
    permission: Permission = Permission.ALLOW
    host: str = "*"

    def row(self) -> tuple[str, str, str, str, str, str]:
        """The ACL as table cells."""
        return (
            self.principal,
            self.resource_type.name,
            self.resource_name,
            self.pattern_type.name,
            self.operation.name,
            self.permission.name,
        )


def user(name: str) -> str:
    """A SCRAM user's principal."""
    return f"User:{name}"


def agency_principal(agency: Agency) -> str:
    """The principal a connector authenticates as."""
    return user(agency.value)


def team_principal(team_key: str) -> str:
    """The principal a team's staff authenticate as to read their pictures."""
    return user(f"team-{team_key}")


def worker_app_id(prefix: str = "") -> str:
    """The worker's faust app id: its consumer group and its internal topics' prefix."""
    return f"{prefix}mash-exchange"


def connector_group(agency: Agency, prefix: str = "") -> str:
    """The consumer group of an agency's connector."""
    return f"{prefix}mash.connector.{agency.value}"


def audit_writer_group(prefix: str = "") -> str:
    """The consumer group of the audit writer."""
    return f"{prefix}mash-audit-writer"


@dataclass(frozen=True)
class TopicAccess:
    """The principals that may read and write one topic."""

    readers: frozenset[str]
    writers: frozenset[str]


def topic_access(name: str, team_keys: Sequence[str], prefix: str = "") -> TopicAccess:
    """Who may read and who may write the catalogue topic ``name``.

    Raises:
        ConfigurationError: the topic has no access decided here.
    """
    agencies = frozenset(agency_principal(a) for a in Agency)
    worker, audit_writer, console = user(WORKER), user(AUDIT_WRITER), user(CONSOLE)
    every_sender = agencies | {worker, user(INTAKE)}
    fixed: dict[str, tuple[frozenset[str], frozenset[str]]] = {
        topic_name("contacts", prefix): (frozenset({worker}), frozenset({user(INTAKE), console})),
        topic_name("allocations", prefix): (
            frozenset({worker}),
            frozenset({agency_principal(Agency.SOCIAL_CARE)}),
        ),
        topic_name("responses", prefix): (frozenset({worker}), agencies),
        topic_name("shared", prefix): (frozenset({worker}), frozenset({worker})),
        topic_name("pictures", prefix): (frozenset({worker}), frozenset({worker})),
        topic_name("notifications", prefix): (frozenset({console}), frozenset({worker})),
        topic_name("decisions", prefix): (frozenset({console}), frozenset({console})),
        topic_name("audit.pending", prefix): (frozenset({audit_writer}), every_sender | {console}),
        topic_name("audit", prefix): (
            frozenset({audit_writer, user(COMPLIANCE), console}),
            frozenset({audit_writer}),
        ),
        topic_name("deadletter", prefix): (frozenset(), every_sender | {audit_writer}),
    }
    for agency in Agency:
        fixed[request_topic(agency, prefix)] = (
            frozenset({agency_principal(agency)}),
            frozenset({worker}),
        )
    for key in team_keys:
        fixed[team_topic(key, prefix)] = (
            frozenset({team_principal(key), console}),
            frozenset({worker}),
        )
    if name not in fixed:
        raise ConfigurationError(
            f"topic {name} has no access rules: decide who may read and write it in "
            "broker/acls.py before adding it to the catalogue"
        )
    readers, writers = fixed[name]
    return TopicAccess(readers, writers)


def derive_acls(
    specs: Iterable[TopicSpec], team_keys: Sequence[str], prefix: str = ""
) -> tuple[Acl, ...]:
    """Every ACL the exchange needs for these catalogue topics, sorted.

    Raises:
        ConfigurationError: a topic in ``specs`` has no access rules.
    """
    acls: set[Acl] = set()

    def grant(
        principal: str,
        kind: ResourceType,
        name: str,
        operation: Operation,
        pattern: PatternType = PatternType.LITERAL,
    ) -> None:
        acls.add(Acl(principal, kind, name, pattern, operation))

    for spec in specs:
        access = topic_access(spec.name, team_keys, prefix)
        for reader in access.readers:
            grant(reader, ResourceType.TOPIC, spec.name, Operation.READ)
        for writer in access.writers:
            grant(writer, ResourceType.TOPIC, spec.name, Operation.WRITE)
    for agency in Agency:
        group = connector_group(agency, prefix)
        grant(agency_principal(agency), ResourceType.GROUP, group, Operation.READ)
    grant(user(AUDIT_WRITER), ResourceType.GROUP, audit_writer_group(prefix), Operation.READ)
    app_id = worker_app_id(prefix)
    grant(user(WORKER), ResourceType.GROUP, app_id, Operation.READ)
    # faust's own topics: <app id>-cases-changelog, <app id>-deadlines, the
    # assignor's <app id>-__assignor-__leader; it creates them on start.
    internal = f"{app_id}-"
    for operation in (
        Operation.CREATE,
        Operation.READ,
        Operation.WRITE,
        Operation.DESCRIBE_CONFIGS,
    ):
        grant(user(WORKER), ResourceType.TOPIC, internal, operation, PatternType.PREFIXED)
    return tuple(sorted(acls))


def acl_table(acls: Iterable[Acl]) -> list[tuple[str, str, str, str, str, str]]:
    """Rows for printing."""
    return [acl.row() for acl in acls]


class _DescribeAll(Request[DescribeAclsRequest_v1]):  # type: ignore[misc]
    """DescribeAcls v1 with a filter that matches every ACL."""

    API_KEY = 29

    def build(self, request_struct_class: type[DescribeAclsRequest_v1]) -> Any:
        return request_struct_class(
            ResourceType.ANY, None, PatternType.ANY, None, None, Operation.ANY, Permission.ANY
        )


class _CreateMany(Request[CreateAclsRequest_v1]):  # type: ignore[misc]
    """CreateAcls v1 with several bindings in one request."""

    API_KEY = 30

    def __init__(self, acls: Sequence[Acl]) -> None:
        self._acls = acls

    def build(self, request_struct_class: type[CreateAclsRequest_v1]) -> Any:
        return request_struct_class(
            [
                (
                    int(acl.resource_type),
                    acl.resource_name,
                    int(acl.pattern_type),
                    acl.principal,
                    acl.host,
                    int(acl.operation),
                    int(acl.permission),
                )
                for acl in self._acls
            ]
        )


@dataclass(frozen=True)
class AclReport:
    """What applying the derived ACLs did."""

    created: tuple[Acl, ...]
    present: tuple[Acl, ...]
    extra: tuple[Acl, ...]


class AclAdmin(AdminConnection):
    """An admin connection that reads and creates ACLs.

    Use as ``async with AclAdmin(settings) as admin: ...``; the settings must
    authenticate as a principal allowed to alter the cluster (a super user).
    """

    def __init__(self, settings: MashSettings) -> None:
        super().__init__(settings, "acls")

    async def describe(self) -> set[Acl]:
        """Every ACL the broker holds."""
        response = (await self._send(_DescribeAll())).to_object()
        self._check(response["error_code"], response.get("error_message"), "describe ACLs")
        found = set()
        for resource in response["resources"]:
            for entry in resource["acls"]:
                found.add(
                    Acl(
                        entry["principal"],
                        ResourceType(resource["resource_type"]),
                        resource["resource_name"],
                        PatternType(resource["resource_pattern_type"]),
                        Operation(entry["operation"]),
                        Permission(entry["permission_type"]),
                        entry["host"],
                    )
                )
        return found

    async def create(self, acls: Sequence[Acl]) -> None:
        """Create ``acls`` (Kafka ignores one that exists already)."""
        if not acls:
            return
        response = (await self._send(_CreateMany(acls))).to_object()
        refused = [
            f"{acl.principal} {acl.operation.name} {acl.resource_type.name} "
            f"{acl.resource_name}: {result['error_message'] or result['error_code']}"
            for acl, result in zip(acls, response["creation_responses"], strict=True)
            if result["error_code"] != 0
        ]
        if refused:
            codes = {r["error_code"] for r in response["creation_responses"]}
            self._check(next(iter(codes - {0})), None, "create ACLs")
            raise TopicAdminError("the broker refused ACLs:\n" + "\n".join(refused))

    async def apply(self, acls: Sequence[Acl]) -> AclReport:
        """Create the missing ``acls``; report what was created, present and extra."""
        existing = await self.describe()
        wanted = set(acls)
        missing = tuple(sorted(wanted - existing))
        await self.create(missing)
        await self._wait_until_described(wanted)
        return AclReport(
            created=missing,
            present=tuple(sorted(wanted & existing)),
            extra=tuple(sorted(existing - wanted)),
        )

    async def _wait_until_described(self, wanted: set[Acl]) -> None:
        """Wait until the broker holds ``wanted``.

        The controller accepts ACLs before the broker applies them (measured: two
        seconds behind while it creates the logs of freshly created topics), and
        until then the broker neither lists nor enforces them.
        """
        deadline = time.monotonic() + LISTING_TIMEOUT_S
        while missing := wanted - await self.describe():
            if time.monotonic() > deadline:
                raise TopicAdminError(
                    f"the broker accepted {len(missing)} ACL(s) but does not list them after "
                    f"{LISTING_TIMEOUT_S:.0f} s",
                    retriable=True,
                )
            await asyncio.sleep(0.1)

    def _check(self, code: int, message: str | None, what: str) -> None:
        if code == 0:
            return
        if code == CLUSTER_AUTHORIZATION_FAILED:
            raise TopicAdminError(
                f"the broker refused to {what} for {self._settings.sasl_username or 'this user'}: "
                "only a super user (or one with ALTER on the cluster) may manage ACLs"
            )
        if code == SECURITY_DISABLED:
            raise TopicAdminError(
                f"cannot {what}: the broker at {self._settings.bootstrap_servers} has no "
                "authorizer (start it secured)"
            )
        raise TopicAdminError(f"cannot {what}: {message or f'Kafka error code {code}'}")

    async def _send(self, request: Request) -> Any:
        return await self._send_raw(request, "ACL request")


async def apply_acls(settings: MashSettings, acls: Sequence[Acl]) -> AclReport:
    """Connect, apply ``acls`` (see :meth:`AclAdmin.apply`) and disconnect."""
    async with AclAdmin(settings) as admin:
        return await admin.apply(acls)
