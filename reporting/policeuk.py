"""Reading police.uk street-level CSV files (data.police.uk), row by row.

What the files do that an importer must cope with (see ../shared/data/README.md):

- ASB rows have an empty `Crime ID`: a row has no key of its own. `row_key` makes one from the
  row's whole content and its position among identical rows of the file, so the same file
  imported twice gives the same keys (and a second import loads nothing), while two identical
  rows in one file (the same snap point, the same month) stay two incidents.
- Locations are anonymised snap points ("On or near ..."): kept as they are.
- Files before 2022 use 2011 LSOA codes, later ones 2021 codes. Membership of the partnership's
  area is decided by the LSOA code against the project's LSOA table of both vintages; where a
  code is in both (LSOAs that did not change in 2021), the file's month decides the vintage.
- Some rows fall outside the two council areas, and a few have no coordinates or no LSOA.

This module only reads; `reporting.services` writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models

COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
ASB = "Anti-social behaviour"
# police.uk began publishing 2021 LSOA codes with the data for January 2022.
LSOA21_FROM = dt.date(2022, 1, 1)
SIX_PLACES = Decimal("0.000001")


class NotPoliceUkFile(ValueError):
    """The file is not a police.uk street-level CSV."""


class Skip(models.TextChoices):
    """Why a row was not loaded."""

    NOT_ASB = "not_asb", "Not anti-social behaviour (crimes are not loaded)"
    NO_LOCATION = "no_location", "No location: the row has no LSOA code"
    OUTSIDE_AREA = "outside_area", "Outside County Durham and Darlington"
    BAD_MONTH = "bad_month", "The month is not a month like 2019-02"
    BAD_COORDINATES = "bad_coordinates", "The longitude or latitude is not a number on the map"
    MALFORMED = "malformed", "The row does not have the file's columns"


@dataclass(frozen=True)
class AreaOf:
    """What the project knows about one LSOA of one vintage."""

    ward_code: str
    ward_year: int | None
    local_authority_id: int
    local_authority_code: str


Lsoas = dict[str, dict[int, AreaOf]]  # code -> {vintage: area}


@dataclass(frozen=True)
class Row:
    """A row to load."""

    key: str
    month: dt.date
    crime_type: str
    reported_by: str
    falls_within: str
    location: str
    longitude: Decimal | None
    latitude: Decimal | None
    lsoa_code: str
    lsoa_vintage: int
    area: AreaOf


def check_header(fieldnames: Iterable[str] | None) -> None:
    """Raise NotPoliceUkFile unless the header has every police.uk street-level column."""
    found = {name.strip() for name in (fieldnames or []) if name}
    missing = [name for name in COLUMNS if name not in found]
    if len(missing) == len(COLUMNS):
        raise NotPoliceUkFile(
            "The file is not a police.uk street-level CSV: its first line does not have the "
            "police.uk column names"
        )
    if missing:
        raise NotPoliceUkFile(
            "The file is not a police.uk street-level CSV: it has no "
            + ", ".join(f"'{name}'" for name in missing)
            + " column"
            + ("s" if len(missing) > 1 else "")
        )


def row_key(values: tuple[str, ...], occurrence: int) -> str:
    """A deterministic key for a row with no identifier: its content and how many identical
    rows came before it in the file."""
    text = "\x1f".join((*values, str(occurrence)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _month(text: str) -> dt.date | None:
    try:
        year, month = text.strip().split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None


def _coordinate(text: str, limit: int) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    value = Decimal(text).quantize(SIX_PLACES)  # InvalidOperation for text that is not a number
    if not value.is_finite() or abs(value) > limit:
        raise InvalidOperation(text)
    return value


def _vintage(code: str, month: dt.date, lsoas: Lsoas) -> int | None:
    vintages = lsoas.get(code)
    if not vintages:
        return None
    if len(vintages) == 1:
        return next(iter(vintages))
    return 2021 if month >= LSOA21_FROM else 2011


def read(lines: Iterable[str], lsoas: Lsoas) -> Iterator[Row | Skip]:
    """Each data row of a police.uk file, in order: a Row to load or the reason it is skipped.
    Raises NotPoliceUkFile before the first row if the header is not police.uk's."""
    reader = csv.DictReader(lines)
    check_header(reader.fieldnames)
    seen: Counter[tuple[str, ...]] = Counter()
    for raw in reader:
        if None in raw or any(raw.get(name) is None for name in COLUMNS):
            yield Skip.MALFORMED
            continue
        values = tuple(raw[name].strip() for name in COLUMNS)
        occurrence = seen[values]
        seen[values] += 1
        record = dict(zip(COLUMNS, values, strict=True))
        if record["Crime type"] != ASB:
            yield Skip.NOT_ASB
            continue
        month = _month(record["Month"])
        if month is None:
            yield Skip.BAD_MONTH
            continue
        try:
            longitude = _coordinate(record["Longitude"], 180)
            latitude = _coordinate(record["Latitude"], 90)
        except InvalidOperation:
            yield Skip.BAD_COORDINATES
            continue
        code = record["LSOA code"]
        if not code:
            yield Skip.NO_LOCATION
            continue
        vintage = _vintage(code, month, lsoas)
        if vintage is None:
            yield Skip.OUTSIDE_AREA
            continue
        yield Row(
            key=row_key(values, occurrence),
            month=month,
            crime_type=record["Crime type"],
            reported_by=record["Reported by"],
            falls_within=record["Falls within"],
            location=record["Location"][:200],
            longitude=longitude,
            latitude=latitude,
            lsoa_code=code,
            lsoa_vintage=vintage,
            area=lsoas[code][vintage],
        )


def data_rows(content: bytes) -> int:
    """How many data rows a file has (lines after the header; a last line without a newline
    counts)."""
    lines = content.count(b"\n")
    if content and not content.endswith(b"\n"):
        lines += 1
    return max(0, lines - 1)
