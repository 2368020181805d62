"""Reading the audit log, from the topic or an export file, and verifying it as read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka.errors import KafkaError

from broker.audit_chain import Entry
from broker.audit_export import ExportedEntry, read_export
from broker.audit_verify import Checkpointed, LogVerifier, Verdict
from broker.catalogue import topic_name
from broker.envelope import Keyring
from broker.errors import ConfigurationError, MashError
from broker.settings import MashSettings
from broker.topic_reader import partitions_of, read_to_end, started_reader


@dataclass(frozen=True)
class AuditLog:
    """Every entry read, the verdict on them, and the records that verified."""

    source: str
    entries: list[ExportedEntry]
    verdict: Verdict
    records: list[dict[str, Any]]


async def topic_entries(settings: MashSettings) -> list[ExportedEntry]:
    """Every entry of the audit topic, by partition then offset.

    Raises:
        BrokerUnreachable: no broker at the bootstrap address.
        ConfigurationError: the audit topic is not on the broker.
        MashError: the broker failed a request.
    """
    topic = topic_name("audit", settings.topic_prefix)
    consumer = await started_reader(settings, "audit-reader")
    try:
        if topic not in await consumer.topics():
            raise ConfigurationError(
                f"no topic {topic} on {settings.bootstrap_servers}: run 'mash topics create' "
                "(and check MASH_TOPIC_PREFIX)"
            )
        partitions = await partitions_of(consumer, topic)
        entries = [
            ExportedEntry(record.partition, record.offset, record.value or b"")
            async for record in read_to_end(consumer, partitions)
        ]
    except KafkaError as exc:
        raise MashError(f"reading {topic} failed: {exc}") from exc
    finally:
        await consumer.stop()
    return sorted(entries, key=lambda entry: (entry.partition, entry.offset))


def verify(
    source: str,
    entries: list[ExportedEntry],
    keyring: Keyring,
    witness: dict[int, Checkpointed] | None = None,
) -> AuditLog:
    """Verify ``entries`` in order; keep the records of the sound ones."""
    verifier = LogVerifier(keyring, witness=witness)
    records = []
    for exported in entries:
        entry: Entry | None = verifier.add(exported.partition, exported.offset, exported.data)
        if entry is not None and entry.is_record:
            records.append(entry.value)
    return AuditLog(source, entries, verifier.finish(), records)


async def read_topic(
    settings: MashSettings, keyring: Keyring, witness: dict[int, Checkpointed] | None = None
) -> AuditLog:
    """The audit topic, read through and verified."""
    entries = await topic_entries(settings)
    return verify(topic_name("audit", settings.topic_prefix), entries, keyring, witness)


def read_file(path: Path, keyring: Keyring) -> AuditLog:
    """An export file, its trailer checked and its entries verified.

    Raises:
        ExportError: the file as a whole cannot be trusted.
    """
    entries, checkpoints = read_export(path, keyring)
    return verify(str(path), entries, keyring, checkpoints)


def load_witness(path: Path) -> dict[int, Checkpointed]:
    """Checkpoints remembered from an earlier verification ({} when there is no file).

    Raises:
        ConfigurationError: the file is not a witness file.
    """
    if not path.exists():
        return {}
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return {
            int(number): Checkpointed(int(seen["tree_size"]), bytes.fromhex(seen["root_hash"]))
            for number, seen in saved["checkpoints"].items()
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(
            f"{path} is not a witness file written by 'mash audit verify'"
        ) from exc


def save_witness(path: Path, verdict: Verdict, source: str) -> None:
    """Remember each partition's latest checkpoint, to check the next verification against."""
    checkpoints = {
        str(number): {"tree_size": seen.tree_size, "root_hash": seen.root_hash.hex()}
        for number, seen in sorted(verdict.witness().items())
    }
    text = json.dumps({"source": source, "checkpoints": checkpoints}, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
