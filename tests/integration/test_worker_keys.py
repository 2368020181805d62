"""Every stream of the worker trusts keys added to the keystore after it started."""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, datetime
from pathlib import Path

from broker.authority import load_authority
from broker.catalogue import topic_name
from broker.codec import millis
from broker.engines.process import BrokerProcess
from broker.keystore import Keystore
from broker.settings import MashSettings
from connectors.synthetic.families import generate
from mash.exchange import Exchange, running_exchange


async def test_a_contact_signed_with_a_newer_intake_key_is_triaged(
    embedded_broker: BrokerProcess, unique: str, tmp_path: Path
) -> None:
    partnership = generate(20, seed=3)
    importlib.import_module("connectors.health.synthetic").write(partnership, tmp_path / "health")
    settings = MashSettings(bootstrap_servers=embedded_broker.bootstrap, topic_prefix=f"{unique}.")
    keystore = Keystore(tmp_path / "keys")
    exchange = Exchange(settings, load_authority(), keystore, tmp_path)
    async with running_exchange(exchange, ["health"]):
        # intake's key is replaced after the worker started, as after a rotation
        (keystore.folder / "intake.key").unlink()
        (keystore.folder / "intake.pub").unlink()
        contact = dict(partnership.contacts[0])
        contact.update(case_id=uuid.uuid4(), received_at=millis(datetime.now(UTC)))
        await exchange.submit(contact)
        received = await exchange.wait_for(
            topic_name("audit", settings.topic_prefix),
            lambda record: (
                record["action"] == "CONTACT_RECEIVED" and record["case_id"] == contact["case_id"]
            ),
            within=30,
        )
    assert received["actor"]["agent"] == "agent.triage"
    assert exchange.values("deadletter") == []
