"""``mash case erase``: make one case's messages unreadable for good (crypto-shredding).

Every message about a case, and the worker's saved state of it, is encrypted
under the case's own key (broker.case_keys). Erasing destroys that key. The
messages stay on the broker until their topics' retention removes them, but
nobody can read them again; the sharing audit, which holds no personal data
and is not encrypted, keeps every decision about the case and still verifies,
and gains a CASE_ERASED record of the erasure itself.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import click
from aiokafka.errors import KafkaError

from agents.audit import SUBMISSION_SCHEMA, Auditor, submissions
from broker.case_keys import ERASER
from broker.catalogue import topic_name
from broker.errors import ConfigurationError, MashError
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from broker.settings import MashSettings
from broker.transport import publish_signed
from mash.exchange_commands import keystore_for
from mash.options import bootstrap_option, settings_for


@click.group()
def case() -> None:
    """Act on one case."""


@case.command("erase")
@click.argument("case_id", type=click.UUID)
@click.option(
    "--reason",
    required=True,
    help="Why the case is erased (the retention rule, or the lawful request), kept in the "
    "sharing audit. Name no person: the audit holds no personal data.",
)
@click.option("--yes", is_flag=True, help="Erase without asking to confirm.")
@bootstrap_option
def erase(case_id: uuid.UUID, reason: str, yes: bool, bootstrap: str | None) -> None:
    """Destroy CASE_ID's key, so its messages can never be read again.

    The contact, requests, responses, shared information, pictures and
    notifications of the case, and the worker's state of it, become unreadable
    on every service sharing this keystore (MASH_KEYSTORE); a message about the
    case that arrives later is dead-lettered as CASE_ERASED. The sharing audit
    keeps every decision and records the erasure. This cannot be undone.

    Running it again for an erased case sends the audit record again (once
    chained, it is kept once), for when the broker could not be reached.
    """
    settings = settings_for(bootstrap)
    keystore = keystore_for(settings)
    vault = keystore.case_keys()
    earlier = vault.erasure(case_id)
    if earlier is None and not vault.holds(case_id):
        raise ConfigurationError(
            f"no key for case {case_id} in {vault.folder}: check the case id and MASH_KEYSTORE"
        )
    if earlier is None and not yes:
        click.confirm(f"Erase case {case_id}? Its messages become unreadable for good.", abort=True)
    now = datetime.now(UTC)
    if earlier is None:
        vault.erase(case_id, now)
        click.echo(f"case {case_id}: key destroyed; its messages can no longer be read", err=True)
    else:
        click.echo(f"case {case_id} was erased at {earlier['erased_at']}", err=True)
    try:
        asyncio.run(_audit(settings, keystore, case_id, reason, now))
    except (KafkaError, MashError) as exc:
        raise MashError(
            f"the key of case {case_id} is destroyed, but its CASE_ERASED audit record was not "
            f"sent ({exc}): run the same command again once the broker can be reached"
        ) from exc
    click.echo(f"case {case_id}: CASE_ERASED audit record sent", err=True)


async def _audit(
    settings: MashSettings, keystore: Keystore, case_id: uuid.UUID, reason: str, now: datetime
) -> None:
    key_id, key = pseudonym_key(keystore.folder)
    record = Auditor(ERASER, key, key_id).record(
        "CASE_ERASED", case_id=case_id, now=now, reason=reason
    )
    await publish_signed(
        settings,
        keystore.signing_key(ERASER),
        keystore.case_keys(),
        topic_name("audit.pending", settings.topic_prefix),
        SUBMISSION_SCHEMA,
        [(str(case_id).encode(), submission) for submission in submissions([record])],
    )
