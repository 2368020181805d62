"""CSV files of an export: the rows read with their lines, the tables written."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from connectors.native.errors import InvalidExport
from connectors.native.fields import CsvRow

_Row = TypeVar("_Row", bound=CsvRow)


def csv_rows(path: Path, columns: Sequence[str], row: type[_Row]) -> Iterator[_Row]:
    """The rows of a CSV file whose header has at least ``columns``; blank rows skipped.

    A row's line is the one it starts on; the header's columns are read stripped.
    """
    if not path.is_file():
        raise InvalidExport(path, None, None, "the file is missing from the export")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [column.strip() for column in next(reader, [])]
            missing = [column for column in columns if column not in header]
            if missing:
                raise InvalidExport(path, 1, missing[0], "the column is missing from the header")
            start = reader.line_num + 1
            for values in reader:
                line, start = start, reader.line_num + 1
                if not any(value.strip() for value in values):
                    continue
                if len(values) != len(header):
                    raise InvalidExport(
                        path, line, None, f"expected {len(header)} fields, found {len(values)}"
                    )
                yield row(dict(zip(header, values, strict=True)), path, line)
        except csv.Error as exc:
            raise InvalidExport(path, reader.line_num, None, f"not valid CSV: {exc}") from exc


def write_csv_files(
    folder: Path, columns: Mapping[str, Sequence[str]], rows: Mapping[str, list[list[str]]]
) -> None:
    """Write each file ``columns`` names under ``folder``: its header, then its ``rows``."""
    for name, header in columns.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows[name])
