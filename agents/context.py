"""What every stream agent of the worker shares: settings, keys, outboxes, the case table."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import faust

from agents.audit import Auditor
from agents.triage import Allocations
from agents.wire import Outbox, open_trusting_new_keys, raw_of
from broker.authority import Authority
from broker.case_keys import CASE_STATE as STATE_PURPOSE
from broker.case_keys import CaseErased, case_id_of
from broker.catalogue import Agency, request_topic, team_topic, topic_name
from broker.codec import AvroCodec, millis
from broker.deadletter import RawRecord
from broker.envelope import ReplayGuard, Signer, Verifier
from broker.errors import RejectedMessage
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from broker.settings import MashSettings
from broker.transport import Received

CASE_STATE = "uk.mash.v1.CaseState"
AGENTS = ("agent.triage", "agent.policy", "agent.collation", "agent.routing")


def utc_now() -> datetime:
    """The wall clock, to the millisecond."""
    return millis(datetime.now(UTC))


@dataclass
class Topics:
    """The catalogue's topic names under the configured prefix."""

    prefix: str

    def __getattr__(self, stream: str) -> str:
        return topic_name(stream, self.prefix)

    @property
    def audit_pending(self) -> str:
        """Where audit records wait for the audit writer to chain them."""
        return topic_name("audit.pending", self.prefix)

    def request(self, agency: str) -> str:
        """An agency's request topic."""
        return request_topic(Agency(agency.lower()), self.prefix)

    def team(self, team_key: str) -> str:
        """A team's picture topic."""
        return team_topic(team_key, self.prefix)


@dataclass
class WorkerContext:
    """Shared by the agents of one worker."""

    app: faust.App
    settings: MashSettings
    authority: Authority
    keystore: Keystore
    clock: Callable[[], datetime] = utc_now
    codec: AvroCodec = field(default_factory=AvroCodec)
    allocations: Allocations = field(default_factory=Allocations)
    cases: Any = None

    def __post_init__(self) -> None:
        self.topics = Topics(self.settings.topic_prefix)
        self.keystore.ensure(list(AGENTS))
        self.verifier = Verifier(self.keystore.current_keyring(), ReplayGuard())
        key_id, key = pseudonym_key(self.keystore.folder)
        self.case_keys = self.keystore.case_keys()
        self.outboxes = {
            agent: Outbox(
                self.app, self.codec, Signer(self.keystore.signing_key(agent)), self.case_keys
            )
            for agent in AGENTS
        }
        self.auditors = {agent: Auditor(agent, key, key_id) for agent in AGENTS}
        self._case_locks: weakref.WeakValueDictionary[bytes, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def case_lock(self, key: bytes | None) -> asyncio.Lock:
        """The lock that keeps one case's load-change-save from interleaving.

        Agents of one worker run concurrently in one event loop; every handler
        that changes a case holds its lock from loading the case to saving it,
        so a handler waiting on its outputs cannot have its update overwritten
        by another agent's handler of the same case. A lock lives only while a
        handler holds it or waits for it, so a long-running worker keeps none
        for the cases it has finished with.
        """
        lock = self._case_locks.get(key or b"")
        if lock is None:
            lock = self._case_locks[key or b""] = asyncio.Lock()
        return lock

    async def handle(
        self,
        agent: str,
        event: Any,
        handler: Callable[[WorkerContext, Any], Awaitable[None]],
    ) -> None:
        """Run ``handler`` on an event under its case's lock.

        A case erased while the event was being handled (its key destroyed
        between reading the event and writing its outputs) has the event
        dead-lettered, as any message about an erased case is.
        """
        async with self.case_lock(event.message.key):
            try:
                await handler(self, event)
            except CaseErased as erased:
                await self.refuse(agent, raw_of(event), erased)

    def open(self, record: RawRecord, expected: str, senders: frozenset[str]) -> Received:
        """Verify, then decode, a record of one of ``senders``.

        A key this worker does not know yet (an agency's first key, a rotated
        one) may have been added to the keystore since it started: the keyring
        is read again once before the record is refused.

        Raises:
            RejectedMessage: with the dead-letter reason.
        """
        return open_trusting_new_keys(
            record, self.codec, self.verifier, self.keystore, expected, senders
        )

    def load_case(self, key: bytes) -> dict[str, Any] | None:
        """A case's state from the table, or None (also once the case is erased).

        The state is kept encrypted under the case's key, in the table and its
        changelog, so erasing the case leaves nothing readable there either. An
        erased case's row is removed here: call it only from the agent handling
        the case's partition, as faust's tables require.
        """
        try:
            return self.peek_case(key)
        except CaseErased:
            del self.cases[key]
            return None

    def peek_case(self, key: bytes) -> dict[str, Any] | None:
        """A case's state from the table, or None; changes nothing.

        Raises:
            CaseErased: the case was erased (its row is still in the table).
        """
        stored = self.cases.get(key)
        if stored is None:
            return None
        case_id = case_id_of(self.topics.contacts, key)
        plain = self.case_keys.open(case_id, stored, STATE_PURPOSE, "in the case table")
        return self.codec.decode(plain, CASE_STATE).value

    def save_case(self, key: bytes, case: dict[str, Any]) -> None:
        """Write a case's state, encrypted, to the table and its changelog.

        Raises:
            CaseErased: the case was erased.
        """
        plain = self.codec.encode(CASE_STATE, case)
        self.cases[key] = self.case_keys.seal(case["case_id"], plain, STATE_PURPOSE)

    async def refuse(self, agent: str, record: RawRecord, refused: RejectedMessage) -> None:
        """Dead-letter a record ``agent`` cannot accept, audit that, and wait for both."""
        outbox = self.outboxes[agent]
        await outbox.dead_letter(self.topics.deadletter, record, refused, agent)
        self.audit(
            agent,
            "DEAD_LETTERED",
            case_id=None,
            reason=f"{refused.reason}: {refused}",
            distinct=f"{record.topic}:{record.partition}:{record.offset}",
        )
        await outbox.settle()

    def audit(self, agent: str, action: str, **fields: Any) -> None:
        """Add an audit record of ``agent`` to its outbox: submitted when the event settles."""
        record = self.auditors[agent].record(action, now=self.clock(), **fields)
        key = str(record["case_id"]).encode() if record["case_id"] else None
        self.outboxes[agent].audit(self.topics.audit_pending, record, key)
