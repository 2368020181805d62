"""Audit records: every sharing decision, with no personal data in the clear.

People are referred to by keyed hashes (HMAC-SHA256 under the authority's
pseudonym key) of their identifiers, so a compliance officer holding the key can
find everything about one person, and nobody else can. A record's id is derived
from what it records, so a redelivered event yields the same id and the audit
chain keeps it once. Records are submitted to ``mash.audit.pending.v1``, the
records of one event together in one ``uk.mash.v1.AuditSubmission``; the
audit writer (``agents.audit_writer``) sets ``sequence``, ``previous_record_hash``,
``source_offset``, ``key_id`` and ``signature`` as it chains them.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from broker.codec import millis

AUDIT_SCHEMA = "uk.mash.v1.AuditRecord"
SUBMISSION_SCHEMA = "uk.mash.v1.AuditSubmission"
#: Records per submission at most: an answer about a large family can carry
#: hundreds of decisions, and a message must stay under the codec's 1 MiB limit
#: (an AuditRecord is under 2 KB).
RECORDS_PER_SUBMISSION = 256
NAMESPACE = uuid.UUID("a1d17000-0000-5000-8000-6d6173680001")
#: The scheme under which a person's id (uk.mash.v1.Person ``person_id``) is hashed.
PERSON_ID = "person_id"


def submissions(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """AuditSubmission values carrying ``records`` in order, each of a bounded size."""
    return [
        {"records": list(records[start : start + RECORDS_PER_SUBMISSION])}
        for start in range(0, len(records), RECORDS_PER_SUBMISSION)
    ]


def subject_refs(people: Iterable[Mapping[str, Any]], key: bytes) -> list[bytes]:
    """Keyed hashes of every identifier (and the person id) of ``people``, sorted."""
    refs = set()
    for person in people:
        refs.add(identifier_ref(key, PERSON_ID, str(person["person_id"])))
        for identifier in person.get("identifiers", []):
            refs.add(identifier_ref(key, identifier["scheme"], identifier["value"]))
    return sorted(refs)


def identifier_ref(key: bytes, scheme: str, value: str) -> bytes:
    """The keyed hash a compliance officer computes to look one person up.

    ``scheme`` is an IdentifierScheme symbol, whose value is hashed without spaces
    and in upper case, or ``person_id`` (in any case), whose UUID is hashed as
    :func:`subject_refs` hashes it: in its canonical lower-case form.
    """
    if scheme.strip().lower().replace("-", "_") == PERSON_ID:
        return _ref(key, f"{PERSON_ID}:{_person_id(value)}")
    return _ref(key, f"{scheme}:{value.replace(' ', '').upper()}")


def _person_id(value: str) -> str:
    """A person id as the audit hashes it: a UUID in canonical (lower-case) form."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:  # not a UUID (the schema allows none): as given, in lower case
        return value.strip().lower()


def approver_ref(key: bytes, name: str) -> bytes:
    """The keyed reference by which the audit names who approved a consent override.

    The name is hashed in lower case with its spaces collapsed, so an officer
    holding the pseudonym key can confirm who approved ("Team Manager R Okafor"
    as recorded on the contact) and nobody else can read it.
    """
    return _ref(key, f"approver:{' '.join(name.split()).lower()}")


def _ref(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class Auditor:
    """Builds the audit records of one agent (or one agency's connector)."""

    def __init__(
        self,
        agent: str,
        pseudonym_key: bytes,
        pseudonym_key_id: str,
        *,
        agency: str | None = None,
    ) -> None:
        """
        Args:
            agency: the Agency symbol on whose behalf the agent acts (a connector's).
        """
        self.agent = agent
        self.agency = agency
        self.key = pseudonym_key
        self.key_id = pseudonym_key_id

    def record(
        self,
        action: str,
        *,
        case_id: uuid.UUID | None,
        now: datetime,
        people: Sequence[Mapping[str, Any]] = (),
        source_agency: str | None = None,
        categories: Sequence[str] = (),
        rule_id: str | None = None,
        rule_version: str | None = None,
        lawful_basis: Sequence[str] = (),
        consent_status: str = "UNKNOWN",
        consent_overridden: bool = False,
        recipient: Mapping[str, Any] | None = None,
        reason: str | None = None,
        request_id: uuid.UUID | None = None,
        response_id: uuid.UUID | None = None,
        distinct: str = "",
    ) -> dict[str, Any]:
        """One AuditRecord value.

        Args:
            distinct: what tells apart two records of the same action about the
                same request or response (e.g. a finding id), for the record id.
        """
        identity = "|".join(
            str(part)
            for part in (action, self.agent, case_id, request_id, response_id, rule_id, distinct)
        )
        return {
            "record_id": uuid.uuid5(NAMESPACE, identity),
            "sequence": 0,
            "case_id": case_id,
            "recorded_at": millis(now),
            "actor": {"agent": self.agent, "agency": self.agency},
            "action": action,
            "subject_refs": subject_refs(people, self.key),
            "subject_ref_key_id": self.key_id,
            "source_agency": source_agency,
            "categories": list(categories),
            "rule_id": rule_id,
            "rule_version": rule_version,
            "lawful_basis": list(lawful_basis),
            "consent_status": consent_status,
            "consent_overridden": consent_overridden,
            "recipient": dict(recipient) if recipient else None,
            "reason": reason,
            "request_id": request_id,
            "response_id": response_id,
            "previous_record_hash": b"",
            "signature": b"",
            "key_id": "",
            "source_offset": None,
        }
