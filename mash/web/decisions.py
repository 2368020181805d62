"""Recording the MASH decision: onto ``mash.decisions.v1`` and into the sharing audit.

A team manager records how the case will be progressed (Oldham 5.10: no
further action, information, advice or signposting, Early Help, a child in need
assessment under s17, or a strategy discussion under s47) with the level of
need decided and a rationale. :func:`decision_value` builds the
``uk.mash.v1.MashDecision``; :func:`decision_audit` the DECISION_RECORDED audit
record, which names the outcome, level and team but never the rationale (the
audit holds no personal data); :func:`record_decision` publishes both, signed
as the console, keyed by the case so they meet the case's other messages.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from agents.audit import SUBMISSION_SCHEMA, Auditor, submissions
from broker.catalogue import topic_name
from broker.codec import millis
from broker.decisions import (
    CONSOLE,
    DECISION_RULE,
    DECISION_RULE_VERSION,
    DECISION_SCHEMA,
    LAWFUL_BASIS,
    OUTCOMES,
)
from broker.keystore import Keystore
from broker.pseudonyms import pseudonym_key
from broker.settings import MashSettings
from broker.transport import publish_signed
from mash.text_layout import items
from mash.web.users import StaffMember

NAMESPACE = uuid.UUID("0b5e7c1a-4d2f-5a8e-9b3c-6d1e2f4a5c70")
LEVELS = ("LEVEL_1", "LEVEL_2", "LEVEL_3", "LEVEL_4")
MAX_RATIONALE = 4000


def decision_problems(outcome: str, level: str, rationale: str) -> dict[str, str]:
    """What is wrong with a decision form, by field; empty when it can be recorded."""
    problems = {}
    if outcome not in OUTCOMES:
        problems["outcome"] = "Select how the case will be progressed"
    if level not in LEVELS:
        problems["level_of_need"] = "Select the level of need"
    if not rationale.strip():
        problems["rationale"] = "Enter the rationale for the decision"
    elif len(rationale) > MAX_RATIONALE:
        problems["rationale"] = f"Rationale must be {MAX_RATIONALE} characters or fewer"
    return problems


def decision_value(
    case_id: str,
    outcome: str,
    level: str,
    rationale: str,
    member: StaffMember,
    team_name: str,
    organisation: str,
    picture: Mapping[str, Any] | None,
    now: datetime,
) -> dict[str, Any]:
    """The ``uk.mash.v1.MashDecision`` value of a recorded decision."""
    case = uuid.UUID(case_id)
    decided_at = millis(now)
    return {
        "decision_id": uuid.uuid5(NAMESPACE, f"{case}:{member.username}:{decided_at.isoformat()}"),
        "case_id": case,
        "contact_id": picture.get("contact_id") if picture else None,
        "outcome": outcome,
        "level_of_need": level,
        "rationale": rationale.strip(),
        "team_key": member.team or "",
        "decided_by": {
            "name": member.display_name,
            "role": "Team Manager",
            "agency": "SOCIAL_CARE",
            "organisation": organisation,
            "team": team_name,
            "contact_details": None,
        },
        "decided_at": decided_at,
        "picture_revision": picture.get("revision") if picture else None,
    }


def decision_audit(
    decision: Mapping[str, Any], picture: Mapping[str, Any] | None, keystore: Keystore
) -> dict[str, Any]:
    """The DECISION_RECORDED audit record of a decision: outcome, level, team; no rationale."""
    key_id, key = pseudonym_key(keystore.folder)
    consent = (picture or {}).get("consent") or {}
    revision = decision["picture_revision"]
    on = f"picture revision {revision}" if revision is not None else "no picture received"
    return Auditor(CONSOLE, key, key_id).record(
        "DECISION_RECORDED",
        case_id=decision["case_id"],
        now=decision["decided_at"],
        people=items((picture or {}).get("persons")),
        rule_id=DECISION_RULE,
        rule_version=DECISION_RULE_VERSION,
        lawful_basis=LAWFUL_BASIS.get(str(decision["outcome"]), ()),
        consent_status=str(consent.get("status") or "UNKNOWN"),
        consent_overridden=consent.get("override") is not None,
        recipient={"team_key": decision["team_key"], "agency": None},
        reason=f"{decision['outcome']}; level of need {decision['level_of_need']}; "
        f"decided by the team manager on {on}",
        distinct=str(decision["decision_id"]),
    )


async def record_decision(
    decision: Mapping[str, Any],
    audit_record: Mapping[str, Any],
    settings: MashSettings,
    keystore: Keystore,
) -> None:
    """Publish the decision to ``mash.decisions.v1`` and its audit record for the writer."""
    key = str(decision["case_id"]).encode()
    signing = keystore.signing_key(CONSOLE)
    await publish_signed(
        settings,
        signing,
        keystore.case_keys(),
        topic_name("decisions", settings.topic_prefix),
        DECISION_SCHEMA,
        [(key, decision)],
    )
    await publish_signed(
        settings,
        signing,
        keystore.case_keys(),
        topic_name("audit.pending", settings.topic_prefix),
        SUBMISSION_SCHEMA,
        [(key, submission) for submission in submissions([audit_record])],
    )
