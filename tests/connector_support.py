"""Helpers the agency connector tests share (``tests/unit/test_connector_<agency>.py``).

Reading an export into records, the expected ids and findings a connector builds, the check
that every person and finding fits the schemas, copies of an agency's fixtures with one thing
changed, and the views of a small hand-made synthetic partnership.
"""

from __future__ import annotations

import csv
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from broker.codec import AvroCodec
from connectors.native import InvalidExport
from connectors.records import AgencyBackend, AgencyRecord
from connectors.synthetic.model import Address, AgencyView, Partnership, SyntheticPerson

# The story's addresses as an agency without the UPRN records them (``uk.mash.v1.Address``).
LARKFIELD_CLOSE: dict[str, Any] = {
    "lines": ["14 Larkfield Close", "Brookfold"],
    "town": "Wigan",
    "postcode": "WN1 9ZZ",
    "uprn": None,
    "from_date": date(2025, 8, 1),
    "to_date": None,
}
KESTREL_HOUSE: dict[str, Any] = {
    "lines": ["Flat 3, Kestrel House", "29 Canal Walk"],
    "town": "Wigan",
    "postcode": "WN3 9ZY",
    "uprn": None,
    "from_date": date(2019, 2, 1),
    "to_date": date(2025, 7, 31),
}
CINDER_LANE: dict[str, Any] = {
    "lines": ["22 Cinder Lane"],
    "town": "Leigh",
    "postcode": "WN7 9ZX",
    "uprn": None,
    "from_date": date(2017, 4, 1),
    "to_date": date(2025, 7, 31),
}


# Records and what is expected of them ---------------------------------------------------------


def load_records(backend: AgencyBackend, folder: Path) -> dict[str, AgencyRecord]:
    """Every record ``backend`` reads from ``folder``, by record id, in the order read."""
    return {record.record_id: record for record in backend.load(folder)}


def digest(record: AgencyRecord) -> list[tuple[Any, ...]]:
    """Each finding as (category, severity, source reference, event date, concerns)."""
    return [
        (
            finding["category"],
            finding["severity"],
            finding["source_reference"],
            finding["event_date"],
            finding["concern_categories"],
        )
        for finding in record.findings
    ]


def categories_of(record: AgencyRecord) -> set[str]:
    """The categories of the record's findings."""
    return {finding["category"] for finding in record.findings}


def person_id(agency: str, record_id: str) -> uuid.UUID:
    """The ``person_id`` a connector gives the person with ``record_id``."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"mash:{agency}:person:{record_id}")


def finding_id(agency: str, reference: str, category: str, record_id: str) -> uuid.UUID:
    """The ``finding_id`` of a finding (``category`` in full, e.g. ``health.injury``)."""
    return uuid.uuid5(
        uuid.NAMESPACE_URL, f"mash:{agency}:finding:{reference}:{category}:{record_id}"
    )


def finding(
    agency: str,
    record_id: str,
    reference: str,
    category: str,
    concerns: list[str],
    event_date: date | None,
    summary: str,
    detail: str | None,
    severity: str,
) -> dict[str, Any]:
    """The ``uk.mash.v1.Finding`` expected of ``agency`` (``category`` without its prefix)."""
    code = f"{agency}.{category}"
    return {
        "finding_id": finding_id(agency, reference, code, record_id),
        "category": code,
        "concern_categories": concerns,
        "event_date": event_date,
        "summary": summary,
        "detail": detail,
        "severity": severity,
        "source_reference": reference,
    }


def assert_fits_schemas(records: Iterable[AgencyRecord]) -> None:
    """Every person and finding of ``records`` encodes as ``uk.mash.v1.Person`` and ``Finding``.

    Raises ``EncodeError`` (naming the field) for a value that does not fit.
    """
    codec = AvroCodec()
    for record in records:
        codec.encode("uk.mash.v1.Person", record.person)
        for each in record.findings:
            codec.encode("uk.mash.v1.Finding", each)


def refusal(
    load: Callable[[Path], Iterable[object]], folder: Path, problem: str | None = None
) -> InvalidExport:
    """The ``InvalidExport`` raised by reading all of ``folder`` with ``load``.

    With ``problem``, its message must hold that text (as ``pytest.raises(match=...)``).
    """
    match = None if problem is None else re.escape(problem)
    with pytest.raises(InvalidExport, match=match) as raised:
        list(load(folder))
    return raised.value


# Fixtures with one thing changed --------------------------------------------------------------


def copy_fixtures(fixtures: Path, tmp_path: Path) -> Path:
    """A copy of the ``fixtures`` folder in ``tmp_path``, under the same name."""
    folder = tmp_path / fixtures.name
    shutil.copytree(fixtures, folder)
    return folder


def with_text_replaced(fixtures: Path, tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the fixtures with the first ``old`` in ``file`` (it must be there) made ``new``."""
    folder = copy_fixtures(fixtures, tmp_path)
    text = (folder / file).read_text()
    assert old in text
    (folder / file).write_text(text.replace(old, new, 1))
    return folder


def with_csv_cell(
    fixtures: Path,
    tmp_path: Path,
    file: str,
    line: int,
    column: str,
    value: str,
    *,
    encoding: str = "utf-8",
) -> Path:
    """A copy of the fixtures with one cell of a CSV file changed (``line`` 1 is the header).

    ``encoding`` is how the file is read (``utf-8-sig`` for an export that may start with a
    byte order mark); it is written back as plain UTF-8.
    """
    folder = copy_fixtures(fixtures, tmp_path)
    path = folder / file
    with path.open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return folder


# Synthetic partnerships -----------------------------------------------------------------------


def members(partnership: Partnership) -> list[SyntheticPerson]:
    """Everyone in the partnership, family by family."""
    return [person for family in partnership.families for person in family.members]


def view_of(
    person: SyntheticPerson,
    record_id: str,
    identifiers: Mapping[str, str],
    addresses: tuple[Address, ...] | None = None,
) -> AgencyView:
    """An agency's record of ``person`` as they really are (all their addresses by default).

    Use ``dataclasses.replace`` on the result for a record that differs from the truth.
    """
    return AgencyView(
        person_key=person.key,
        record_id=record_id,
        given_names=person.given_names,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        gender=person.gender,
        identifiers=dict(identifiers),
        addresses=person.addresses if addresses is None else addresses,
    )


def assert_same_files(first: Path, second: Path, names: Iterable[str] | None = None) -> None:
    """Each named file (by default each file in ``first``) has the same bytes in ``second``."""
    for name in sorted(path.name for path in first.iterdir()) if names is None else names:
        assert (first / name).read_bytes() == (second / name).read_bytes()
