"""Audit export files: the audit log, signed as a whole, to check offline.

A JSON Lines file: a header line; one line per entry, in partition and offset
order, holding the entry's bytes exactly as on the topic (base64); then a
trailer with the count of entries, each partition's last checkpointed tree size
and root, and the SHA-256 of every line before it, signed with the exporter's
Ed25519 key. Each entry still carries the audit writer's own signature, so a
file verifies with the public keys alone: the writer's for the entries, the
exporter's for the whole. The trailer is what makes a file cut short, or with
entries taken out, fail. ``docs/audit-chain.md`` describes the format.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature

from broker.audit_verify import Checkpointed, Verdict
from broker.envelope import Keyring, SigningKey

FORMAT = "mash-audit-export"
VERSION = 1
#: The sender name of the key that signs exports.
EXPORTER = "audit.export"
SIGNING_CONTEXT = b"mash-audit-export-v1\x00"


class ExportError(ValueError):
    """An export file that cannot be trusted: what is wrong and on which line."""


@dataclass(frozen=True)
class ExportedEntry:
    """One entry of an export, where it was on the topic."""

    partition: int
    offset: int
    data: bytes


def write_export(
    out: IO[str],
    entries: Iterable[ExportedEntry],
    verdict_of: Any,
    *,
    topic: str,
    key: SigningKey,
    exported_at: datetime,
) -> int:
    """Write an export of ``entries``; returns how many were written.

    Args:
        verdict_of: called once all entries are written, returns the
            :class:`Verdict` of the same entries (its checkpoints go in the trailer).
    """
    digest = hashlib.sha256()
    count = 0

    def line(value: dict[str, Any]) -> None:
        text = json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n"
        digest.update(text.encode())
        out.write(text)

    line({"format": FORMAT, "version": VERSION, "topic": topic,
          "exported_at": exported_at.isoformat(), "exporter": key.sender})  # fmt: skip
    for entry in entries:
        line({"partition": entry.partition, "offset": entry.offset,
              "entry": base64.b64encode(entry.data).decode()})  # fmt: skip
        count += 1
    verdict: Verdict = verdict_of()
    trailer = {
        "entries": count,
        "checkpoints": {
            str(number): {"tree_size": seen.tree_size, "root_hash": seen.root_hash.hex()}
            for number, seen in sorted(verdict.witness().items())
        },
        "digest": digest.hexdigest(),
        "key_id": key.key_id,
    }
    signature = key.private_key.sign(SIGNING_CONTEXT + _canonical(trailer))
    out.write(json.dumps({"trailer": trailer, "signature": base64.b64encode(signature).decode()})
              + "\n")  # fmt: skip
    return count


def read_export(
    path: Path, keyring: Keyring
) -> tuple[list[ExportedEntry], dict[int, Checkpointed]]:
    """The entries of an export file and the checkpoints its trailer vouches for.

    Raises:
        ExportError: not an export, a line that does not parse, no trailer (cut
            short), a count or digest that does not match, or a trailer not
            signed by a trusted exporter key.
    """
    digest = hashlib.sha256()
    entries: list[ExportedEntry] = []
    trailer: dict[str, Any] | None = None
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(_lines(lines), start=1):
            if trailer is not None:
                raise ExportError(f"line {number}: data after the trailer")
            value = _parse(text, number)
            if number == 1:
                if value.get("format") != FORMAT or value.get("version") != VERSION:
                    raise ExportError(f"{path} is not a {FORMAT} file of version {VERSION}")
            elif "trailer" in value:
                trailer = value
                continue
            else:
                entries.append(_entry(value, number))
            digest.update(text.encode())
    if trailer is None:
        raise ExportError(f"{path} has no trailer: the file was cut short")
    checkpoints = _check_trailer(trailer, digest.hexdigest(), len(entries), keyring)
    return entries, checkpoints


def _lines(lines: IO[str]) -> Iterator[str]:
    for text in lines:
        if not text.endswith("\n"):
            raise ExportError("the last line is incomplete: the file was cut short")
        yield text


def _parse(text: str, number: int) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportError(f"line {number}: not JSON ({exc.msg})") from exc
    if not isinstance(value, dict):
        raise ExportError(f"line {number}: not a JSON object")
    return value


def _entry(value: dict[str, Any], number: int) -> ExportedEntry:
    try:
        return ExportedEntry(
            int(value["partition"]),
            int(value["offset"]),
            base64.b64decode(value["entry"], validate=True),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportError(f"line {number}: not an exported entry ({exc})") from exc


def _check_trailer(
    signed: dict[str, Any], digest: str, count: int, keyring: Keyring
) -> dict[int, Checkpointed]:
    trailer = signed["trailer"]
    key_id = trailer.get("key_id", "")
    trusted = keyring.get(key_id)
    if trusted is None or trusted.sender != EXPORTER or trusted.revoked:
        raise ExportError(f"the trailer is signed with key {key_id!r}, not a trusted exporter key")
    try:
        signature = base64.b64decode(signed["signature"], validate=True)
        trusted.public_key.verify(signature, SIGNING_CONTEXT + _canonical(trailer))
    except (InvalidSignature, ValueError, KeyError) as exc:
        raise ExportError(f"the trailer's signature does not verify with key {key_id}") from exc
    if trailer["entries"] != count:
        raise ExportError(
            f"the trailer counts {trailer['entries']} entries, the file holds {count}"
        )
    if trailer["digest"] != digest:
        raise ExportError("the entries are not the ones the trailer was signed over")
    return {
        int(number): Checkpointed(int(seen["tree_size"]), bytes.fromhex(seen["root_hash"]))
        for number, seen in trailer["checkpoints"].items()
    }


def _canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
