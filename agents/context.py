"""What every stream agent of the worker shares: settings, keys, outboxes, the case table."""

from __future__ import annotations

import asyncio
import heapq
import pickle
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, KeysView, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import faust

from agents import case_state
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

AGENTS = ("agent.triage", "agent.policy", "agent.collation", "agent.routing")
#: The most case states a worker keeps ready to load without decrypting and
#: decoding them (the most recently used). Each is kept pickled, 9 to 18 KB for
#: an Avro state of 12 KB, so they take under 40 MB whatever the number of open
#: cases; at 20 contacts a second a case stays over a minute after its last use.
CACHED_CASES = 2048


def utc_now() -> datetime:
    """The wall clock, to the millisecond."""
    return millis(datetime.now(UTC))


def next_due(case: Mapping[str, Any]) -> datetime | None:
    """When the case's next deadline passes, or None once both have been dealt with.

    A deadline has passed at ``now`` exactly when this is not None and ``now`` is
    at or after it (``agents.streams.deadlines.due``).
    """
    times = []
    if not case["deadline_reached"]:
        times.append(case["answer_by"])
    if not case["overdue_notified"]:
        times.append(case["decision_due"])
    return min(times, default=None)


class DueTimes:
    """When each case in the table next has a deadline, soonest first.

    So that the deadline timer decodes a case when its time has come rather than
    every case on every tick. Each time is worked out from one row of the table
    (the very bytes object the table holds), so a row the table got otherwise,
    recovered from its changelog, is not known here until looked at.
    """

    def __init__(self) -> None:
        self._rows: dict[bytes, tuple[bytes, datetime | None]] = {}
        self._soonest: list[tuple[datetime, bytes]] = []  # a heap; stale entries are skipped

    def note(self, key: bytes, stored: bytes, case: Mapping[str, Any]) -> None:
        """Remember when the case, whose row in the table is ``stored``, is next due."""
        when = next_due(case)
        known = self._rows.get(key)
        self._rows[key] = (stored, when)
        if when is not None and (known is None or known[1] != when):
            heapq.heappush(self._soonest, (when, key))
            if len(self._soonest) > 2 * len(self._rows) + 64:
                self._soonest = [(w, k) for k, (_, w) in self._rows.items() if w is not None]
                heapq.heapify(self._soonest)

    def knows(self, key: bytes, stored: bytes) -> bool:
        """Whether the time of the case was worked out from ``stored``, its row now."""
        known = self._rows.get(key)
        return known is not None and known[0] is stored

    def forget(self, key: bytes) -> None:
        """Drop a case whose row has gone from the table."""
        self._rows.pop(key, None)

    def known(self) -> KeysView[bytes]:
        """The keys of the cases known."""
        return self._rows.keys()

    def passed(self, now: datetime) -> list[bytes]:
        """The cases whose time has come by ``now``.

        Each comes again at every call until its time is noted anew (its case
        saved), as a tick may be lost before the deadline agent handles it.
        """
        found: dict[bytes, datetime] = {}
        while self._soonest and self._soonest[0][0] <= now:
            when, key = heapq.heappop(self._soonest)
            known = self._rows.get(key)
            if known is not None and known[1] == when:
                found[key] = when
        for key, when in found.items():
            heapq.heappush(self._soonest, (when, key))
        return list(found)


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
        # By key: the row save_case wrote to the table, and the state in it pickled.
        self._states: OrderedDict[bytes, tuple[bytes, bytes]] = OrderedDict()
        self.due_times = DueTimes()

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
            self.due_times.forget(key)
            return None

    def peek_case(self, key: bytes) -> dict[str, Any] | None:
        """A case's state from the table, or None; changes nothing in the table.

        Decrypting and decoding a state is most of what an event costs, so the
        state save_case kept is unpickled instead while the row is still the one
        it wrote (faust's in-memory table gives back the very object it was
        given; a row recovered from the changelog is another). Each call returns
        a new object: a caller that changes it and fails before saving changes
        nothing that a later call returns.

        Raises:
            CaseErased: the case was erased (its row is still in the table).
        """
        stored = self.cases.get(key)
        if stored is None:
            return None
        case_id = case_id_of(self.topics.contacts, key)
        saved = self._states.pop(key, None)
        if saved is not None and saved[0] is stored:
            self.case_keys.refuse_if_erased(case_id)  # as opening the row would
            self._states[key] = saved  # now the most recently used
            state: dict[str, Any] = pickle.loads(saved[1])  # noqa: S301  # pickled by save_case
            return state
        plain = self.case_keys.open(case_id, stored, STATE_PURPOSE, "in the case table")
        return case_state.unpack(self.codec, plain)

    def save_case(self, key: bytes, case: dict[str, Any]) -> None:
        """Write a case's state, deflated and encrypted, to the table and its changelog.

        The state is also kept, pickled, for loads to come: a copy, so the
        caller may go on changing its own. Pickling is the cheapest copy that
        costs memory only in bytes, which the garbage collector never walks
        (measured: copying as dicts and lists was faster per call and slower in
        the worker, ``copy.deepcopy`` slower than either). Beyond
        ``CACHED_CASES`` the least recently used is dropped. The case's next
        deadline is noted for the deadline timer.

        Raises:
            CaseErased: the case was erased.
        """
        plain = case_state.pack(self.codec, case)
        stored = self.case_keys.seal(case["case_id"], plain, STATE_PURPOSE)
        self.cases[key] = stored
        self._states.pop(key, None)
        self._states[key] = (stored, pickle.dumps(case, pickle.HIGHEST_PROTOCOL))
        if len(self._states) > CACHED_CASES:
            self._states.popitem(last=False)
        self.due_times.note(key, stored, case)

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
