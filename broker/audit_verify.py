"""Checking an audit log: chain, signatures and checkpoints, partition by partition.

Feed every entry of the log, in offset order within each partition, to
:class:`LogVerifier`; ``finish`` says whether the log is intact and, if not,
the first broken place of each partition (its offset and what is wrong). Past
a break nothing in that partition can be trusted, so only the first is told.

A log cut short after its last checkpoint looks like a shorter honest log; it
is caught against checkpoints seen before (``witness``: a monitor's memory of
each partition's tree size and root, or an export's signed trailer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from broker import audit_chain
from broker.audit_chain import ChainHead, Entry
from broker.codec import AvroCodec
from broker.envelope import Keyring
from broker.errors import DecodeError


@dataclass(frozen=True)
class Checkpointed:
    """A partition's tree size and root, as a checkpoint once said."""

    tree_size: int
    root_hash: bytes


@dataclass(frozen=True)
class Break:
    """The first place a partition's chain is broken."""

    partition: int
    offset: int | None
    problem: str

    def __str__(self) -> str:
        where = f"offset {self.offset}" if self.offset is not None else "end of log"
        return f"partition {self.partition}, {where}: {self.problem}"


@dataclass
class PartitionState:
    """What was read of one partition."""

    head: ChainHead
    checkpoints: int = 0
    duplicates: list[int] = field(default_factory=list)
    broken: Break | None = None
    last_entry: Entry | None = None
    witnessed_root: bytes | None = None


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying a log."""

    partitions: dict[int, PartitionState]

    @property
    def breaks(self) -> list[Break]:
        """The first break of each broken partition, by partition."""
        return [s.broken for _, s in sorted(self.partitions.items()) if s.broken is not None]

    @property
    def intact(self) -> bool:
        """Whether no partition is broken."""
        return not self.breaks

    def witness(self) -> dict[int, Checkpointed]:
        """Each partition's latest verified checkpoint, to check the next reading against."""
        return {
            number: Checkpointed(state.head.checkpointed, state.witnessed_root)
            for number, state in self.partitions.items()
            if state.witnessed_root is not None
        }


class LogVerifier:
    """Checks the entries of an audit log as they are read."""

    def __init__(
        self,
        keyring: Keyring,
        codec: AvroCodec | None = None,
        witness: Mapping[int, Checkpointed] | None = None,
    ) -> None:
        self.keyring = keyring
        self.codec = codec or AvroCodec()
        self.expected = dict(witness or {})
        self.partitions: dict[int, PartitionState] = {}

    def add(self, partition: int, offset: int, data: bytes) -> Entry | None:
        """Check one entry; returns it when it is sound (None past a break or for a duplicate)."""
        state = self.partitions.setdefault(partition, PartitionState(ChainHead(partition)))
        if state.broken is not None:
            return None
        try:
            entry = audit_chain.read(self.codec, data)
        except DecodeError as exc:
            self._break(state, offset, f"not an audit entry ({exc.reason}): {exc}")
            return None
        if state.last_entry is not None and entry.leaf == state.last_entry.leaf:
            state.duplicates.append(offset)  # a producer retry wrote it twice
            return None
        problem = audit_chain.signature_problem(entry, self.keyring)
        problem = problem or audit_chain.link_problem(state.head, entry)
        if problem:
            self._break(state, offset, f"{_kind(entry)}: {problem}")
            return None
        state.last_entry = entry
        if entry.is_record:
            state.head.add_record(entry)
            self._check_witness(state, offset)
            return entry if state.broken is None else None
        state.head.add_checkpoint(entry)
        state.checkpoints += 1
        state.witnessed_root = entry.value["root_hash"]
        return entry

    def finish(self) -> Verdict:
        """The verdict on everything added."""
        for number, seen in self.expected.items():
            state = self.partitions.setdefault(number, PartitionState(ChainHead(number)))
            if state.broken is None and state.head.sequence < seen.tree_size:
                state.broken = Break(
                    number,
                    None,
                    f"truncated: a checkpoint covered {seen.tree_size} records, "
                    f"only {state.head.sequence} are left",
                )
        return Verdict(dict(sorted(self.partitions.items())))

    def _check_witness(self, state: PartitionState, offset: int) -> None:
        seen = self.expected.get(state.head.partition)
        at_witness = seen is not None and state.head.sequence == seen.tree_size
        if at_witness and seen is not None and state.head.frontier.root() != seen.root_hash:
            self._break(
                state,
                offset,
                f"rewritten: the first {seen.tree_size} records no longer have the root "
                "an earlier checkpoint gave them",
            )

    def _break(self, state: PartitionState, offset: int, problem: str) -> None:
        state.broken = Break(state.head.partition, offset, problem)


def _kind(entry: Entry) -> str:
    if entry.is_record:
        return f"record {entry.value['sequence']}"
    return f"checkpoint of {entry.value['tree_size']} records"
