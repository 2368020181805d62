"""What every agency connector reads and builds the same way.

An agency's export is read one JSON object (:class:`JsonFields`) or CSV row
(:class:`CsvRow`) at a time, its days as its :class:`DayFormat` writes them; a value that
breaks the agency's ``FORMAT.md`` is an :class:`InvalidExport` naming the file, line and
field. :func:`person` and :func:`finding` build the ``uk.mash.v1`` values with ids that
stay the same from one export to the next, and :func:`spoken` and its neighbours word
dates and lists for the findings' sentences.
"""

from connectors.native.days import (
    ISO_DAY,
    ISO_DAY_LOOSE,
    UK_DAY,
    UK_DAY_LOOSE,
    DayFormat,
    age_on,
)
from connectors.native.errors import InvalidExport
from connectors.native.fields import CsvRow, Fields, JsonFields
from connectors.native.tables import csv_rows, write_csv_files
from connectors.native.values import (
    address,
    address_objects,
    current_first,
    date_of_birth,
    finding,
    json_addresses,
    normal_postcode,
    person,
    person_name,
)
from connectors.native.wording import MONTHS, listed, month, spoken, upper_first

__all__ = [
    "ISO_DAY",
    "ISO_DAY_LOOSE",
    "MONTHS",
    "UK_DAY",
    "UK_DAY_LOOSE",
    "CsvRow",
    "DayFormat",
    "Fields",
    "InvalidExport",
    "JsonFields",
    "address",
    "address_objects",
    "age_on",
    "csv_rows",
    "current_first",
    "date_of_birth",
    "finding",
    "json_addresses",
    "listed",
    "month",
    "normal_postcode",
    "person",
    "person_name",
    "spoken",
    "upper_first",
    "write_csv_files",
]
