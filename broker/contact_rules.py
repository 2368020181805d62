"""The rules the guidance sets for a contact, beyond its schema.

Checked by intake before a contact is published and by triage when it arrives:

- it is about at least one child (the MASH is the front door for worries about
  a child: Wigan MASH information for professionals);
- consent given says when it was obtained ("a record made of what they have
  consented to": Wigan thresholds, Consent and Confidentiality);
- consent refused or not sought carries the reason and the legal gateway relied
  on to proceed without it (Oldham 4.1, 4.4; Wigan, Consent and Confidentiality);
- subjects have distinct person ids; it was not received in the future.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from broker.plain import Problem

CLOCK_SKEW = timedelta(minutes=5)


def rule_problems(contact: dict[str, Any]) -> list[Problem]:
    """What breaks the guidance's rules for a contact (the schema already holds)."""
    problems = []
    roles = [subject["role"] for subject in contact["subjects"]]
    if "CHILD" not in roles:
        problems.append(Problem("subjects", "no subject has the role CHILD"))
    ids = [str(subject["person_id"]) for subject in contact["subjects"]]
    for repeated in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(Problem("subjects", f"person_id {repeated} appears more than once"))
    consent = contact["consent"]
    if consent["status"] == "GIVEN" and consent["obtained_at"] is None:
        problems.append(Problem("consent.obtained_at", "consent GIVEN must say when"))
    if consent["status"] in ("REFUSED", "NOT_SOUGHT"):
        override = consent["override"]
        if override is None:
            problems.append(
                Problem(
                    "consent.override",
                    f"consent {consent['status']}: record why, and the legal gateway relied on",
                )
            )
        else:
            if not override["reason"].strip():
                problems.append(Problem("consent.override.reason", "must not be empty"))
            if not override["legal_gateway"]:
                problems.append(Problem("consent.override.legal_gateway", "name at least one"))
    if contact["received_at"] > datetime.now(UTC) + CLOCK_SKEW:
        problems.append(Problem("received_at", "is in the future"))
    return problems
