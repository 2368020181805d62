"""``mash audit prove`` and ``check-proof`` as a compliance officer runs them, on both brokers.

The writer chains a few records on a real broker; the log is exported; a proof of
one record is made from the export file and checked in another process that has
only the public keys (``*.pub``), as whoever the proof is handed to would. A proof
changed on the way fails, exit 1. Helpers come from ``test_audit_chain``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agents.audit_writer import SUBMITTERS
from broker import audit_chain
from broker.audit_export import EXPORTER
from broker.catalogue import catalogue
from broker.codec import AvroCodec
from broker.keystore import Keystore
from broker.settings import MashSettings
from broker.topic_admin import apply_catalogue
from mash.audit_log import AuditLog
from tests.integration.test_audit_chain import (
    _busiest,
    _export,
    _public_only,
    _records_of,
    chained,
    running_writer,
    submissions,
    submit,
)


@pytest.fixture
async def keystore(tmp_path: Path) -> Keystore:
    keys = Keystore(tmp_path / "keys")
    keys.ensure([*SUBMITTERS, audit_chain.WRITER, EXPORTER])
    return keys


@pytest.fixture
async def written(settings: MashSettings, keystore: Keystore) -> AuditLog:
    """Twenty records chained by a writer (checkpointing every 7), every partition checkpointed."""
    await apply_catalogue(settings, catalogue([], settings.topic_prefix))
    async with running_writer(settings, keystore):
        await submit(settings, keystore, submissions(keystore, 20))
        return await chained(settings, keystore, 20)


def audit_cli(no_keystore: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``mash audit ARGS`` in a new process whose keystore does not exist."""
    return subprocess.run(
        [sys.executable, "-m", "mash", "audit", *args], capture_output=True, text=True,
        timeout=120, check=False, env={**os.environ, "MASH_KEYSTORE": str(no_keystore)},
    )  # fmt: skip


async def test_a_record_is_proven_from_an_export_and_checked_with_only_public_keys(
    written: AuditLog, keystore: Keystore, tmp_path: Path
) -> None:
    exported = _export(written, keystore, tmp_path / "audit.jsonl")
    keys = _public_only(keystore, tmp_path / "public")
    partition = _busiest(written)
    chain = _records_of(written, partition)
    record = audit_chain.read(AvroCodec(), written.entries[chain[len(chain) // 2]].data).value
    proof, no_keystore = tmp_path / "proof.json", tmp_path / "no-keystore"

    made = await asyncio.to_thread(
        audit_cli, no_keystore, "prove", str(record["record_id"]),
        "--file", str(exported), "--keys", str(keys), "--out", str(proof),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    checked = await asyncio.to_thread(
        audit_cli, no_keystore, "check-proof", str(proof), "--keys", str(keys)
    )
    assert checked.returncode == 0, checked.stderr
    shown = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in checked.stdout.splitlines())
    assert shown["record"] == str(record["record_id"])
    assert (shown["action"], shown["case"]) == ("SHARED", str(record["case_id"]))
    assert shown["rule"] == "share-permitted@2026.11.1"
    assert (shown["partition"], shown["index"]) == (str(partition), str(record["sequence"]))
    assert int(shown["checkpoint"].split()[0]) > record["sequence"]
    assert not no_keystore.exists()  # nothing private was needed, or made

    document = json.loads(proof.read_text(encoding="utf-8"))
    first = document["audit_path"][0]
    document["audit_path"][0] = f"{int(first[0], 16) ^ 1:x}{first[1:]}"
    proof.write_text(json.dumps(document), encoding="utf-8")
    tampered = await asyncio.to_thread(
        audit_cli, no_keystore, "check-proof", str(proof), "--keys", str(keys)
    )
    assert tampered.returncode == 1
    assert tampered.stdout == ""
    assert f"NOT PROVEN: {proof}: the audit path does not lead" in tampered.stderr
