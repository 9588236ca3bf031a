"""Where an address is: LSOA, ward and local authority from coordinates or a known postcode.

Coordinates are placed in the 2021 LSOA boundaries (ONS, in geodata/) by a point-in-polygon test;
the ward is the LSOA's best-fit 2025 ward. A postcode on its own is placed only if the service has
already placed another address with that postcode. Nothing here needs a network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

GEODATA = Path(__file__).resolve().parent / "geodata"
LSOA_VINTAGE = 2021
WARD_YEAR = 2025


@dataclass(frozen=True)
class Area:
    lsoa_code: str
    lsoa_vintage: int
    ward_code: str
    ward_year: int
    local_authority_code: str


@dataclass(frozen=True)
class _Polygon:
    code: str
    local_authority_code: str
    bbox: tuple[float, float, float, float]
    rings: tuple[tuple[tuple[float, float], ...], ...]  # outer ring first, then holes


def _rings_of(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


@cache
def _lsoa_polygons() -> tuple[_Polygon, ...]:
    polygons = []
    for path in sorted((GEODATA / "boundaries" / "lsoa21").glob("*.geojson")):
        for feature in json.loads(path.read_text())["features"]:
            props = feature["properties"]
            for polygon in _rings_of(feature["geometry"]):
                rings = tuple(tuple((x, y) for x, y, *_ in ring) for ring in polygon)
                xs = [x for x, _ in rings[0]]
                ys = [y for _, y in rings[0]]
                polygons.append(
                    _Polygon(
                        code=props["LSOA21CD"],
                        local_authority_code=props.get("LADCD_ACTIVE") or path.stem,
                        bbox=(min(xs), min(ys), max(xs), max(ys)),
                        rings=rings,
                    )
                )
    return tuple(polygons)


@cache
def _lsoa21_wards() -> dict[str, str]:
    import csv

    path = GEODATA / "derived_LSOA21_to_WD25_LAD25_county_durham_darlington.csv"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {row["LSOA21CD"]: row["WD25CD"] for row in csv.DictReader(handle)}


def load() -> None:
    """Read the boundaries and the ward lookup now rather than on the first address placed (a
    web worker calls this as it starts: about 150 ms of reading GeoJSON that a partner's first
    incident with coordinates, sent to that worker, waited for)."""
    _lsoa_polygons()
    _lsoa21_wards()


def _inside(x: float, y: float, ring: tuple[tuple[float, float], ...]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def area_for_point(latitude: float | Decimal, longitude: float | Decimal) -> Area | None:
    """The 2021 LSOA (and its ward and local authority) containing a point, if any."""
    x, y = float(longitude), float(latitude)
    for polygon in _lsoa_polygons():
        min_x, min_y, max_x, max_y = polygon.bbox
        if not (min_x <= x <= max_x and min_y <= y <= max_y):
            continue
        outer, *holes = polygon.rings
        if _inside(x, y, outer) and not any(_inside(x, y, hole) for hole in holes):
            return Area(
                lsoa_code=polygon.code,
                lsoa_vintage=LSOA_VINTAGE,
                ward_code=_lsoa21_wards().get(polygon.code, ""),
                ward_year=WARD_YEAR,
                local_authority_code=polygon.local_authority_code,
            )
    return None
