"""A connector's own audit records: what its agency sent the MASH, and what it kept back.

"A record of what has been shared should be kept and why" (Wigan thresholds,
seed 004, Consent and Confidentiality), and agencies minimise before they share
(Oldham, seed 002, 5.6). So for every request it answers a connector submits,
signed as its agency, one RESPONSE_SENT record (the people asked about, the
categories shared, the match counts) and one WITHHELD record per finding of a
matched subject it kept back as outside the request's categories or history.

Records are built by :class:`agents.audit.Auditor` under the authority's
pseudonym key, so they hold no personal data in the clear, and their ids are
derived from the request: answering it again after a crash gives the same
records, which the audit writer chains once. They go to
``mash.audit.pending.v1`` together, one ``uk.mash.v1.AuditSubmission``, keyed
by the case id like the case's other records.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agents.audit import SUBMISSION_SCHEMA, Auditor, submissions
from broker.catalogue import Agency, topic_name
from broker.pseudonyms import pseudonym_key
from broker.transport import Publisher
from connectors.answer import Outcome, Withheld

#: The rule that keeps back what the request does not ask for (connectors.answer).
RULE_ID = "request-scope"
RULE_VERSION = "1"


class ConnectorAudit:
    """Builds and submits the audit records of one agency's connector."""

    def __init__(self, agency: Agency, keystore_folder: Path, topic_prefix: str) -> None:
        key_id, key = pseudonym_key(keystore_folder)
        self.auditor = Auditor(agency.value, key, key_id, agency=agency.name)
        self.agency = agency.name
        self.topic = topic_name("audit.pending", topic_prefix)

    def records(
        self, request: Mapping[str, Any], response: Mapping[str, Any], outcome: Outcome
    ) -> list[dict[str, Any]]:
        """The AuditRecord values of one answered request: RESPONSE_SENT, then WITHHELD ones."""
        common: dict[str, Any] = {
            "case_id": request["case_id"],
            "now": response["responded_at"],
            "source_agency": self.agency,
            "consent_status": request["consent"]["status"],
            "request_id": request["request_id"],
            "response_id": response["response_id"],
        }
        shared = {
            finding["category"]
            for subject in response["subjects"]
            for finding in subject["findings"]
        }
        sent = self.auditor.record(
            "RESPONSE_SENT",
            people=request["subjects"],
            categories=sorted(shared),
            lawful_basis=request["lawful_basis"],
            reason=summary(len(request["subjects"]), outcome),
            **common,
        )
        subjects = {str(subject["person_id"]): subject for subject in request["subjects"]}
        withheld = [
            self.auditor.record(
                "WITHHELD",
                people=[subjects[str(item.person_id)]],
                categories=[item.category],
                rule_id=RULE_ID,
                rule_version=RULE_VERSION,
                reason=why(item, request),
                distinct=f"{item.person_id}:{item.finding_id}",
                **common,
            )
            for item in outcome.withheld_findings
        ]
        return [sent, *withheld]

    async def submit(
        self,
        publisher: Publisher,
        request: Mapping[str, Any],
        response: Mapping[str, Any],
        outcome: Outcome,
    ) -> int:
        """Submit the records of one answered request together and wait for the acknowledgement.

        Returns:
            How many records were submitted.

        Raises:
            Exception: whatever the publisher raised; nothing is swallowed.
        """
        key = str(request["case_id"]).encode()
        records = self.records(request, response, outcome)
        for submission in submissions(records):
            await publisher.publish(self.topic, SUBMISSION_SCHEMA, submission, key=key)
        return len(records)


def summary(subjects: int, outcome: Outcome) -> str:
    """The match counts of a response, for its RESPONSE_SENT reason: numbers only."""
    return (
        f"{subjects} subject(s): {outcome.matched} matched, {outcome.possible} possible, "
        f"{outcome.no_trace} no trace; {outcome.shared} finding(s) shared, "
        f"{outcome.withheld} withheld as outside the request"
    )


def why(item: Withheld, request: Mapping[str, Any]) -> str:
    """Why a finding was kept back, from the request's own limits (Oldham 5.6)."""
    if item.scope == "history":
        return f"dated before the request's history_since {request['history_since']}"
    return "its category is not one the request permits"
