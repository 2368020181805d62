"""Answering one information request from an agency's records.

For each subject of the request the agency searches its records and says what it
found: MATCHED (one record, confidently the same person), POSSIBLE_MATCH,
MULTIPLE_POSSIBLE_MATCHES, or an explicit NO_TRACE. Agencies minimise before
they share (Oldham 5.6: necessary, proportionate, relevant): findings go back
only for a MATCHED subject, only in the categories the request permits and no
older than its ``history_since``. A possible match returns the record's
identifying details, so the MASH can confirm it, but none of its findings.

The response id is derived from the request id and the agency, so answering the
same request twice (a redelivery after a crash) gives the same response id and
downstream consumers drop the duplicate.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from broker.codec import millis
from broker.identity import Identity
from broker.matching import MATCHED_AT, MatchResult, PersonIndex
from connectors.records import AgencyRecord

RESPONSES = uuid.UUID("1c6b4f0e-3d0b-5a53-9b1e-6d2c8a5e7f10")


def response_id_for(request_id: uuid.UUID, agency: str) -> uuid.UUID:
    """The one response id an agency gives a request."""
    return uuid.uuid5(RESPONSES, f"{request_id}:{agency}")


@dataclass(frozen=True)
class Withheld:
    """A finding of a matched subject kept back as outside the request's scope.

    ``scope`` says which limit it is outside: ``category`` (not among the
    categories the request permits) or ``history`` (dated before its
    ``history_since``).
    """

    person_id: uuid.UUID
    finding_id: uuid.UUID
    category: str
    scope: str


@dataclass(frozen=True)
class Outcome:
    """What answering did, for the connector's log line and its audit records."""

    matched: int
    possible: int
    no_trace: int
    shared: int
    withheld_findings: tuple[Withheld, ...] = ()

    @property
    def withheld(self) -> int:
        """How many findings were withheld by the request's scope."""
        return len(self.withheld_findings)


class RecordIndex:
    """An agency's records, searchable by identity."""

    def __init__(self, records: Sequence[AgencyRecord]) -> None:
        self.records = {record.record_id: record for record in records}
        self.index: PersonIndex[str] = PersonIndex()
        for record in records:
            self.index.add(record.record_id, record.identity)

    def search(self, subject: Mapping[str, Any]) -> list[tuple[AgencyRecord, MatchResult]]:
        """Records that may be this subject, best first."""
        return [
            (self.records[key], result)
            for key, result in self.index.search(Identity.from_person(subject))
        ]


def answer(
    request: Mapping[str, Any],
    agency: str,
    records: RecordIndex,
    *,
    responder: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[dict[str, Any], Outcome]:
    """The InformationResponse an agency gives a request, and a summary of it."""
    permitted = set(request["categories_permitted"])
    since = request.get("history_since")
    subjects, counts = [], {"matched": 0, "possible": 0, "no_trace": 0, "shared": 0}
    withheld: list[Withheld] = []
    for subject in request["subjects"]:
        hits = records.search(subject)
        outcome = _outcome(hits)
        shared: list[Mapping[str, Any]] = []
        if outcome == "MATCHED":
            record, _ = hits[0]
            for finding in record.findings:
                if finding["category"] not in permitted:
                    scope: str | None = "category"
                elif since is not None and finding["event_date"] is not None:
                    scope = "history" if finding["event_date"] < since else None
                else:
                    scope = None
                if scope is None:
                    shared.append(finding)
                    counts["shared"] += 1
                else:
                    withheld.append(
                        Withheld(
                            subject["person_id"], finding["finding_id"], finding["category"], scope
                        )
                    )
        counts[{"MATCHED": "matched", "NO_TRACE": "no_trace"}.get(outcome, "possible")] += 1
        subjects.append(_subject_result(subject, outcome, hits, shared))
    response = {
        "response_id": response_id_for(request["request_id"], agency),
        "request_id": request["request_id"],
        "case_id": request["case_id"],
        "agency": agency.upper(),
        "responder": dict(responder) if responder else None,
        "responded_at": millis(now or datetime.now(UTC)),
        "subjects": subjects,
    }
    return response, Outcome(**counts, withheld_findings=tuple(withheld))


def _outcome(hits: list[tuple[AgencyRecord, MatchResult]]) -> str:
    if not hits:
        return "NO_TRACE"
    confident = [hit for hit in hits if hit[1].confidence >= MATCHED_AT]
    if len(confident) == 1:
        return "MATCHED"
    return "POSSIBLE_MATCH" if len(hits) == 1 else "MULTIPLE_POSSIBLE_MATCHES"


def _subject_result(
    subject: Mapping[str, Any],
    outcome: str,
    hits: list[tuple[AgencyRecord, MatchResult]],
    findings: list[Mapping[str, Any]],
) -> dict[str, Any]:
    best = hits[0] if hits else None
    recorded = best[0].person if best and outcome in ("MATCHED", "POSSIBLE_MATCH") else None
    asked = {(i["scheme"], i["value"]) for i in subject.get("identifiers", [])}
    return {
        "person_id": subject["person_id"],
        "match_outcome": outcome,
        "match_confidence": round(best[1].confidence, 3) if best else None,
        "matched_fields": list(best[1].matched_fields) if best and recorded else [],
        "matched_identifiers": [
            identifier
            for identifier in (recorded or {}).get("identifiers", [])
            if (identifier["scheme"], identifier["value"]) in asked
        ],
        "recorded_person": dict(recorded) if recorded else None,
        "findings": [dict(finding) for finding in findings],
    }
