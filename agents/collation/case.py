"""What the collation agent holds about one case when it builds a picture revision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CaseView:
    """One case as the collation agent's tables hold it (DESIGN.md, flow 5).

    Attributes:
        contact: the ``uk.mash.v1.Contact`` value the case started with.
        rag_rating: the ``uk.mash.v1.RagRating`` symbol triage gave the contact.
        decision_due_at: when the management decision is due (Oldham 5.10: 24 hours).
        requests: the ``uk.mash.v1.InformationRequest`` sent to each agency, keyed by the
            agency in lower case (``"police"``), as its request topic names it.
        shared: the ``uk.mash.v1.SharedInformation`` values that passed the policy, in
            arrival order. At-least-once delivery may repeat one: a ``shared_id`` seen
            again is counted once.
        deadline_passed: the request deadline has passed.
    """

    contact: Mapping[str, Any]
    rag_rating: str
    decision_due_at: datetime
    requests: Mapping[str, Mapping[str, Any]]
    shared: Sequence[Mapping[str, Any]]
    deadline_passed: bool

    def distinct_shared(self) -> list[Mapping[str, Any]]:
        """The shared informations in arrival order, each ``shared_id`` once (the first)."""
        seen: set[Any] = set()
        distinct: list[Mapping[str, Any]] = []
        for shared in self.shared:
            if shared["shared_id"] not in seen:
                seen.add(shared["shared_id"])
                distinct.append(shared)
        return distinct

    def agencies_asked(self) -> list[str]:
        """The ``uk.mash.v1.Agency`` symbols of every agency asked, sorted."""
        return sorted(
            {str(request.get("agency") or key.upper()) for key, request in self.requests.items()}
        )

    def agencies_answered(self) -> list[str]:
        """The agencies that answered, sorted; an answer of NO_TRACE is an answer."""
        return sorted({str(shared["agency"]) for shared in self.distinct_shared()})

    def agencies_awaited(self) -> list[str]:
        """The agencies asked that have not answered yet, sorted."""
        answered = set(self.agencies_answered())
        return [agency for agency in self.agencies_asked() if agency not in answered]
