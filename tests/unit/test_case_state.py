"""A case's state as the case table stores it, deflated (agents.case_state).

States start as the real triage agent saves them (``tests/unit/test_agents.py``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents import case_state
from agents.case_state import CASE_STATE, DEFLATED
from broker.errors import DecodeError
from tests.unit.test_agents import Worker, a_worker
from tests.unit.test_case_cache import a_case, a_template, another, recovered, row_plaintext


@pytest.fixture
def worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Worker]:
    yield from a_worker(tmp_path, monkeypatch, changelog=False)


async def test_the_table_holds_a_state_deflated_to_under_a_third_of_its_avro(
    worker: Worker,
) -> None:
    key, case = await a_case(worker)
    plain = row_plaintext(worker, key)
    avro = worker.ctx.codec.encode(CASE_STATE, case)
    assert plain.startswith(DEFLATED)
    assert len(plain) * 3 < len(avro), f"{len(plain)} bytes stored for {len(avro)} of Avro"
    assert case_state.unpack(worker.ctx.codec, plain) == case


async def test_a_row_an_earlier_worker_wrote_as_plain_avro_is_still_read(worker: Worker) -> None:
    ctx = worker.ctx
    key, case = another(await a_template(worker))
    recovered(worker, key, case, plain=ctx.codec.encode(CASE_STATE, case))
    assert ctx.load_case(key) == case
    # Saved again, it is deflated from then on.
    ctx.save_case(key, case)
    assert row_plaintext(worker, key).startswith(DEFLATED)


async def test_a_state_cut_short_is_refused_as_truncated(worker: Worker) -> None:
    packed = case_state.pack(worker.ctx.codec, await a_template(worker))
    with pytest.raises(DecodeError) as refused:
        case_state.unpack(worker.ctx.codec, packed[:-40])
    assert refused.value.reason == "TRUNCATED"


@pytest.mark.parametrize(
    ("packed", "reason"),
    [
        (b"", "MALFORMED"),
        (b'{"case_id": 1}', "MALFORMED"),
        (DEFLATED + b"not deflated at all", "MALFORMED"),
    ],
)
def test_what_is_not_a_case_state_is_refused(worker: Worker, packed: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as refused:
        case_state.unpack(worker.ctx.codec, packed)
    assert refused.value.reason == reason


def test_a_state_inflating_past_the_size_limit_is_refused_without_inflating_it_all(
    worker: Worker,
) -> None:
    codec = worker.ctx.codec
    bomb = DEFLATED + zlib.compress(b"\0" * (64 * codec.max_bytes), 9)
    assert len(bomb) < 100_000
    with pytest.raises(DecodeError) as refused:
        case_state.unpack(codec, bomb)
    assert refused.value.reason == "OVERSIZED"
