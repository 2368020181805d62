"""What every agency backend hands the connector: people, and what is known of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from broker.identity import Identity


@dataclass(frozen=True)
class AgencyRecord:
    """One person in an agency's system, mapped to the exchange's schemas.

    Attributes:
        record_id: the agency's own id for the person (police person id, NHS
            number, UPN, tenancy person reference, CRN, social-care id).
        identity: what matching compares.
        person: the person as the agency records them, a ``uk.mash.v1.Person``
            value (sent back as ``recorded_person`` so the MASH sees the match).
        findings: what the agency holds about them, ``uk.mash.v1.Finding``
            values whose ``category`` is a code of this agency's vocabulary.
    """

    record_id: str
    identity: Identity
    person: Mapping[str, Any]
    findings: tuple[Mapping[str, Any], ...]


class AgencyBackend(Protocol):
    """An agency's records, read from its native export format."""

    agency: str

    def load(self, folder: Path) -> Iterable[AgencyRecord]:
        """Every person in the agency's export under ``folder`` (its own subfolder)."""
        ...
