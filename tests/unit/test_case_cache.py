"""The worker's decoded case states and deadline times (agents.context, agents.streams.deadlines).

A state this worker saved is loaded again without decrypting and decoding its
row while the row is the one it wrote; the deadline timer decodes a row once,
not at every tick. Cases start as the real triage agent saves them
(``tests/unit/test_agents.py``); the tests then call the context directly, so
the case table's changelog writes, which faust allows only inside an agent,
are left out.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agents import case_state, context
from agents.case_state import CASE_STATE
from agents.context import DueTimes, next_due
from agents.streams import deadlines
from agents.streams.deadlines import cases_due, due
from broker.case_keys import CaseErased
from broker.codec import Decoded
from broker.keystore import Keystore
from tests.unit.test_agents import TUESDAY_10AM, Worker, a_worker, triaged

HOUR = timedelta(hours=1)


@pytest.fixture
def worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Worker]:
    yield from a_worker(tmp_path, monkeypatch, changelog=False)


@pytest.fixture
def decodes(worker: Worker, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The case states decoded from here on (their Avro bytes)."""
    codec = worker.ctx.codec
    decode = codec.decode
    seen: list[bytes] = []

    def counting(data: bytes, expected: str | None = None) -> Decoded:
        if expected == CASE_STATE:
            seen.append(data)
        return decode(data, expected)

    monkeypatch.setattr(codec, "decode", counting)
    return seen


async def a_case(worker: Worker) -> tuple[bytes, dict[str, Any]]:
    """A case as triage saved it: its key and its state, decoded from the table."""
    value = await triaged(worker)
    key = str(value["case_id"]).encode()
    return key, decoded(worker, key)


async def a_template(worker: Worker) -> dict[str, Any]:
    """A state as triage saves it, its case's row removed: the table is empty."""
    key, case = await a_case(worker)
    del worker.ctx.cases[key]
    return case


def decoded(worker: Worker, key: bytes) -> dict[str, Any]:
    """The state in the case's row, decrypted and decoded here, not by the worker."""
    return case_state.unpack(worker.ctx.codec, row_plaintext(worker, key))


def row_plaintext(worker: Worker, key: bytes) -> bytes:
    """What the case's row in the table decrypts to."""
    case_id = uuid.UUID(key.decode())
    return worker.ctx.case_keys.open(case_id, worker.ctx.cases.get(key), "case-state")


def recovered(worker: Worker, key: bytes, case: dict[str, Any], plain: bytes | None = None) -> None:
    """Put a row in the table as recovery from the changelog does: not through save_case.

    Args:
        plain: what the row decrypts to; by default ``case`` as this worker packs it.
    """
    ctx = worker.ctx
    if plain is None:
        plain = case_state.pack(ctx.codec, case)
    ctx.cases.data[key] = ctx.case_keys.seal(case["case_id"], plain, "case-state")


def another(case: dict[str, Any], **changes: Any) -> tuple[bytes, dict[str, Any]]:
    """A case like ``case`` under a new id, with ``changes``."""
    case_id = uuid.uuid4()
    return str(case_id).encode(), case | {"case_id": case_id} | changes


# The decoded states


async def test_a_case_saved_by_the_worker_loads_again_without_decoding(
    worker: Worker, decodes: list[bytes]
) -> None:
    key, saved = await a_case(worker)
    decodes.clear()
    assert worker.ctx.load_case(key) == saved
    assert worker.ctx.peek_case(key) == saved
    assert decodes == []


async def test_changing_a_loaded_state_without_saving_it_changes_no_later_load(
    worker: Worker, decodes: list[bytes]
) -> None:
    key, saved = await a_case(worker)
    decodes.clear()
    ctx = worker.ctx
    loaded = ctx.load_case(key)
    assert loaded is not None
    loaded["picture_revision"] = 7
    loaded["requests"].clear()
    loaded["contact"]["subjects"][0]["names"][0]["family_name"] = "Changed"
    again = ctx.load_case(key)
    assert again == saved
    assert again is not loaded
    # Changing a state after saving it does not change what was saved either.
    ctx.save_case(key, again)
    again["responses_seen"].append("changed after the save")
    again["contact"]["subjects"].clear()
    assert ctx.load_case(key) == saved
    assert decodes == []
    assert decoded(worker, key) == saved


async def test_a_row_the_table_got_otherwise_is_decoded(
    worker: Worker, decodes: list[bytes]
) -> None:
    key, saved = await a_case(worker)
    ctx = worker.ctx
    # Recovered from the changelog: the same bytes in another object.
    ctx.cases.data[key] = bytes(bytearray(ctx.cases.get(key)))
    decodes.clear()
    assert ctx.load_case(key) == saved
    assert len(decodes) == 1
    # Written by another worker while this one did not own the partition.
    recovered(worker, key, saved | {"picture_revision": 3})
    loaded = ctx.load_case(key)
    assert loaded is not None
    assert loaded["picture_revision"] == 3
    assert len(decodes) == 2


async def test_an_erased_case_is_refused_though_its_state_is_kept(
    worker: Worker, decodes: list[bytes]
) -> None:
    key, saved = await a_case(worker)
    decodes.clear()
    ctx = worker.ctx
    ctx.save_case(key, saved)  # kept for the next load
    ctx.case_keys.erase(saved["case_id"], TUESDAY_10AM)
    with pytest.raises(CaseErased):
        ctx.peek_case(key)
    with pytest.raises(CaseErased):  # and no longer kept
        ctx.peek_case(key)
    assert ctx.load_case(key) is None
    assert ctx.cases.get(key) is None
    assert key not in ctx.due_times.known()
    assert decodes == []


def test_refusing_an_erased_case_says_when_it_was_erased(tmp_path: Path) -> None:
    vault = Keystore(tmp_path / "keys").case_keys()
    case_id = uuid.uuid4()
    vault.refuse_if_erased(case_id)  # never made: not erased
    vault.key(case_id, create=True)
    vault.refuse_if_erased(case_id)
    vault.erase(case_id, TUESDAY_10AM)
    with pytest.raises(CaseErased, match=f"case {case_id} was erased at 2026-03-03T10:00"):
        vault.refuse_if_erased(case_id)


async def test_the_states_kept_are_the_most_recently_used_only(
    worker: Worker, decodes: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "CACHED_CASES", 3)
    _, template = await a_case(worker)
    ctx = worker.ctx
    cases = [another(template) for _ in range(5)]
    for key, case in cases:
        ctx.save_case(key, case)
    decodes.clear()
    for key, case in cases:
        assert ctx.peek_case(key) == case
    assert len(decodes) == 2  # the first two were dropped

    first, second, third = (another(template) for _ in range(3))
    for key, case in (first, second, third):
        ctx.save_case(key, case)
    ctx.peek_case(first[0])  # loaded: now the most recent
    ctx.save_case(*second)  # saved: now the most recent
    fourth = another(template)
    ctx.save_case(*fourth)  # drops the least recently used, the third
    decodes.clear()
    for key, case in (first, second, fourth):
        assert ctx.peek_case(key) == case
    assert decodes == []
    assert ctx.peek_case(third[0]) == third[1]
    assert len(decodes) == 1


# The deadline times


def test_the_next_due_time_is_when_a_deadline_passes() -> None:
    answer_by, decision_due = TUESDAY_10AM, TUESDAY_10AM + 24 * HOUR
    for reached in (False, True):
        for notified in (False, True):
            case = {
                "answer_by": answer_by,
                "decision_due": decision_due,
                "deadline_reached": reached,
                "overdue_notified": notified,
            }
            when = next_due(case)
            for now in (answer_by - HOUR, answer_by, decision_due - HOUR, decision_due):
                assert due(case, now) == (when is not None and now >= when), (case, now)
    assert next_due(case) is None  # both dealt with


async def test_a_tick_finds_the_cases_due_and_only_them(
    worker: Worker, decodes: list[bytes]
) -> None:
    template = await a_template(worker)
    ctx = worker.ctx
    now = TUESDAY_10AM + 2 * HOUR
    late = another(template, answer_by=now - HOUR, deadline_reached=False)
    overdue = another(
        template, answer_by=now - HOUR, deadline_reached=True, decision_due=now - HOUR
    )
    later = another(template, answer_by=now + HOUR, deadline_reached=False)
    done = another(template, deadline_reached=True, overdue_notified=True, decision_due=now)
    for key, case in (late, overdue, later, done):
        ctx.save_case(key, case)
        assert ctx.due_times.knows(key, ctx.cases.get(key))  # known from the save
    decodes.clear()
    found = await cases_due(ctx, now)
    assert set(found) == {late[0], overdue[0]}
    assert len(found) == 2
    assert decodes == []
    # Until saved again, a case is found at every tick: a tick may be lost.
    assert set(await cases_due(ctx, now)) == {late[0], overdue[0]}


async def test_a_save_moves_the_case_to_its_next_deadline(worker: Worker) -> None:
    template = await a_template(worker)
    ctx = worker.ctx
    now = TUESDAY_10AM + 2 * HOUR
    key, case = another(
        template, answer_by=now - HOUR, deadline_reached=False, decision_due=now + HOUR
    )
    ctx.save_case(key, case)
    assert await cases_due(ctx, now) == [key]
    ctx.save_case(key, case | {"deadline_reached": True})
    assert await cases_due(ctx, now) == []
    assert await cases_due(ctx, now + HOUR) == [key]
    ctx.save_case(key, case | {"deadline_reached": True, "overdue_notified": True})
    assert await cases_due(ctx, now + 48 * HOUR) == []


async def test_rows_the_times_do_not_know_are_decoded_once(
    worker: Worker, decodes: list[bytes]
) -> None:
    """After a restart the table is filled from its changelog, without save_case."""
    template = await a_template(worker)
    ctx = worker.ctx
    now = TUESDAY_10AM + 2 * HOUR
    rows = [
        another(template, answer_by=now + (HOUR if n % 3 else -HOUR), deadline_reached=False)
        for n in range(7)
    ]
    for key, case in rows:
        recovered(worker, key, case)
    expected = {key for n, (key, _) in enumerate(rows) if n % 3 == 0}
    decodes.clear()
    assert set(await cases_due(ctx, now)) == expected
    assert len(decodes) == len(rows)
    assert set(await cases_due(ctx, now)) == expected
    assert set(await cases_due(ctx, now + 2 * HOUR)) == {key for key, _ in rows}
    assert len(decodes) == len(rows)


async def test_an_erased_case_gets_a_tick_and_a_removed_one_does_not(
    worker: Worker, decodes: list[bytes]
) -> None:
    template = await a_template(worker)
    ctx = worker.ctx
    now = TUESDAY_10AM + 2 * HOUR
    known = another(template, answer_by=now + HOUR, deadline_reached=False)
    unknown = another(template, answer_by=now + HOUR, deadline_reached=False)
    removed = another(template, answer_by=now - HOUR, deadline_reached=False)
    for key, case in (known, removed):
        ctx.save_case(key, case)
    recovered(worker, *unknown)
    assert await cases_due(ctx, now) == [removed[0]]
    del ctx.cases[removed[0]]
    for _, case in (known, unknown):
        ctx.case_keys.erase(case["case_id"], now)
    assert set(await cases_due(ctx, now)) == {known[0], unknown[0]}
    assert removed[0] not in ctx.due_times.known()


async def test_a_row_gone_while_a_tick_decodes_others_gets_no_tick(
    worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its partition moved to another worker while this one let the agents run."""
    monkeypatch.setattr(deadlines, "ROWS_BETWEEN_YIELDS", 1)
    template = await a_template(worker)
    ctx = worker.ctx
    now = TUESDAY_10AM + 2 * HOUR
    gone = another(template, answer_by=now - HOUR, deadline_reached=False)
    ctx.save_case(*gone)
    key, case = another(template, answer_by=now - HOUR, deadline_reached=False)
    recovered(worker, key, case)
    asyncio.get_running_loop().call_soon(ctx.cases.data.pop, gone[0])
    assert await cases_due(ctx, now) == [key]


def test_the_times_skip_what_has_changed_since() -> None:
    times = DueTimes()
    row, newer = b"row", b"newer row"
    case = {
        "answer_by": TUESDAY_10AM,
        "decision_due": TUESDAY_10AM + 24 * HOUR,
        "deadline_reached": False,
        "overdue_notified": False,
    }
    times.note(b"a", row, case)
    times.note(b"b", row, case)
    assert times.knows(b"a", row)
    assert not times.knows(b"a", newer)
    times.note(b"a", newer, case | {"deadline_reached": True})
    times.forget(b"b")
    assert times.passed(TUESDAY_10AM) == []
    assert times.passed(TUESDAY_10AM + 24 * HOUR) == [b"a"]
    times.note(b"b", row, case)  # back in the table: noted once more
    assert sorted(times.passed(TUESDAY_10AM + 24 * HOUR)) == [b"a", b"b"]
    for _ in range(200):  # the superseded times are dropped, not piled up
        times.note(b"a", row, case)
        times.note(b"a", newer, case | {"deadline_reached": True})
    assert len(times._soonest) <= 2 * len(times.known()) + 64
    assert sorted(times.passed(TUESDAY_10AM + 24 * HOUR)) == [b"a", b"b"]
