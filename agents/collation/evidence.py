"""The findings agencies shared about a case, each once, with where it came from.

An agency may share one finding under several subjects (a domestic abuse incident
is about the suspect, the victim and the child present), and at-least-once delivery
may bring the same answer twice: the picture counts each ``finding_id`` once, about
every person it was shared under.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class SharedFinding:
    """One distinct finding, as first shared.

    Attributes:
        agency: the ``uk.mash.v1.Agency`` symbol of the agency that shared it.
        response_id: the response it first came in.
        person_ids: the picture's person ids it is about, in the order first shared.
        finding: the ``uk.mash.v1.Finding`` value as shared (possibly redacted).
        confirmed: every subject it was shared under was a MATCHED record; False when
            some came from a possible match only.
    """

    agency: str
    response_id: uuid.UUID
    person_ids: tuple[uuid.UUID, ...]
    finding: Mapping[str, Any]
    confirmed: bool

    @property
    def finding_id(self) -> uuid.UUID:
        """The agency connector's id of the finding."""
        found: uuid.UUID = self.finding["finding_id"]
        return found

    @property
    def category(self) -> str:
        """The category code, ``<agency>.<category>``."""
        return str(self.finding["category"])

    @property
    def event_date(self) -> date | None:
        """When it happened, if known."""
        when: date | None = self.finding.get("event_date")
        return when

    @property
    def severity(self) -> str:
        """The ``uk.mash.v1.Severity`` symbol the agency gave it."""
        return str(self.finding.get("severity") or "UNKNOWN")

    @property
    def concern_categories(self) -> tuple[str, ...]:
        """The ``uk.mash.v1.ConcernCategory`` symbols it bears on, each once."""
        return tuple(dict.fromkeys(self.finding.get("concern_categories", [])))

    def describe(self) -> str:
        """A short reference a reader can find in the chronology."""
        when = self.event_date.isoformat() if self.event_date else "undated"
        possible = "" if self.confirmed else ", from a possible match"
        return (
            f"{self.agency} finding {self.finding_id} "
            f"({self.category}, {when}, {self.severity}{possible})"
        )


def distinct_findings(
    shared: Sequence[Mapping[str, Any]], picture_id: Callable[[uuid.UUID], uuid.UUID]
) -> list[SharedFinding]:
    """Every finding in ``shared`` once, by ``finding_id``, in the order first shared.

    Args:
        shared: distinct ``uk.mash.v1.SharedInformation`` values in arrival order.
        picture_id: maps the person id an agency answered about to the picture's person
            (two of the case's people may have been merged into one).

    Returns:
        The findings; a finding shared again (under another subject or in a repeated
        answer) adds its subjects to the first and is otherwise ignored.
    """
    first: dict[uuid.UUID, tuple[str, uuid.UUID, Mapping[str, Any]]] = {}
    persons: dict[uuid.UUID, dict[uuid.UUID, None]] = {}
    confirmed: dict[uuid.UUID, bool] = {}
    for information in shared:
        for result in information.get("subjects", []):
            person = picture_id(result["person_id"])
            matched = result.get("match_outcome") == "MATCHED"
            for finding in result.get("findings", []):
                finding_id = finding["finding_id"]
                if finding_id not in first:
                    first[finding_id] = (
                        str(information["agency"]),
                        information["response_id"],
                        finding,
                    )
                persons.setdefault(finding_id, {})[person] = None
                confirmed[finding_id] = confirmed.get(finding_id, True) and matched
    return [
        SharedFinding(
            agency, response_id, tuple(persons[finding_id]), finding, confirmed[finding_id]
        )
        for finding_id, (agency, response_id, finding) in first.items()
    ]
