"""The family's chronology: every shared finding once, oldest first, across agencies.

Oldham 5.4 asks for a chronology and 5.6 for "consideration of any existing records
(family history)"; each agency knows a part of it, and the MASH reads it as one.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date
from typing import Any

from agents.collation.evidence import SharedFinding


def chronology_key(finding: SharedFinding) -> tuple[bool, date, str, str, str]:
    """Event date first, undated last; ties by agency, category and finding id.

    The ties are broken on the finding itself, not on arrival, so a revision lists the
    same findings in the same order however the answers came in.
    """
    when = finding.event_date
    return (
        when is None,
        when or date.min,
        finding.agency,
        finding.category,
        str(finding.finding_id),
    )


def chronology(findings: Sequence[SharedFinding]) -> list[dict[str, Any]]:
    """One ``uk.mash.v1.ChronologyEntry`` value per distinct finding, oldest first."""
    return [
        {
            "agency": finding.agency,
            "response_id": finding.response_id,
            "person_ids": list(finding.person_ids),
            "finding": copy.deepcopy(dict(finding.finding)),
        }
        for finding in sorted(findings, key=chronology_key)
    ]
