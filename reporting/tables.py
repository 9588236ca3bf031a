"""A dashboard table: the same rows for the page and for its CSV export.

Every figure a dashboard shows is in a `Table`, built by a selector from what the user may see.
The page renders it (templates/reporting/_table.html) and the export writes it as CSV, so an
export can never hold more, or other, rows than the page it comes from.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Link:
    """A cell that links somewhere on the page (the CSV has the text only)."""

    text: str
    href: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text, int, money, date, datetime, change (a signed number), percent
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in {"int", "money", "change", "percent"}


@dataclass
class Table:
    key: str
    caption: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    # For long lists: how many rows there are in all (the page shows the first few; the CSV
    # has every row up to the export limit).
    total: int | None = None
    empty: str = "Nothing to show."
    hint: str = ""

    @property
    def truncated(self) -> bool:
        return self.total is not None and self.total > len(self.rows)


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    text = str(value)
    # A cell a spreadsheet would run as a formula is written as text.
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"} and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_csv(table: Table, response) -> int:
    """Write the table to a file-like response; returns the number of data rows."""
    writer = csv.writer(response)
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(value) for value in row])
    return len(table.rows)
