"""Choropleth maps drawn in the page, as SVG, from the ONS boundaries in asb_cases/geodata.

The service has no internet (no tile server), and a plain boundary map is what a hotspot map
needs. Each boundary set is read once per process, projected (equirectangular, scaled by the
cosine of the middle latitude, which is accurate to a fraction of a pixel over an area this
size), simplified (Douglas-Peucker, three quarters of a pixel), and kept in memory as SVG path
data. A request only chooses each area's class. Colours come from CSS classes
(static/scss/app.scss): the Content-Security-Policy allows no `style` attributes. The SVG is an
image with a title and a description; the ranked table beside it is its accessible alternative.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from asb_cases.geography import GEODATA

WIDTH = 640.0
TOLERANCE = 0.75  # pixels
BANDS = 5

# boundary set -> (folder, code property, name property)
SETS = {
    "lsoa21": ("lsoa21", "LSOA21CD", "LSOA21NM"),
    "lsoa11": ("lsoa11", "LSOA11CD", "LSOA11NM"),
    "ward25": ("ward25", "WD25CD", "WD25NM"),
}


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str


@dataclass(frozen=True)
class BoundarySet:
    key: str
    width: float
    height: float
    shapes: tuple[Shape, ...]


def _polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def simplify(points: Sequence[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker on a ring (first point kept, iterative so deep rings cannot recurse)."""
    if len(points) < 4:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                distance = math.hypot(px - x1, py - y1)
            else:
                distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            if distance > worst:
                worst, index = distance, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [point for point, kept in zip(points, keep, strict=True) if kept]


@cache
def boundaries(key: str) -> BoundarySet:
    """The boundary set `key` (lsoa21, lsoa11 or ward25) of both council areas, projected."""
    folder, code_field, name_field = SETS[key]
    features = []
    for path in sorted((GEODATA / "boundaries" / folder).glob("*.geojson")):
        features += json.loads(path.read_text())["features"]
    lons, lats = [], []
    for feature in features:
        for polygon in _polygons(feature["geometry"]):
            for lon, lat, *_ in polygon[0]:
                lons.append(lon)
                lats.append(lat)
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    shrink = math.cos(math.radians((north + south) / 2))
    scale = WIDTH / ((east - west) * shrink)
    height = round((north - south) * scale, 1)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * shrink * scale, (north - lat) * scale

    shapes = []
    for feature in features:
        parts = []
        for polygon in _polygons(feature["geometry"]):
            for ring in polygon:
                points = simplify([project(lon, lat) for lon, lat, *_ in ring], TOLERANCE)
                if len(points) < 4:
                    continue
                parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points[:-1]) + "Z")
        props = feature["properties"]
        shapes.append(Shape(code=props[code_field], name=props[name_field], path="".join(parts)))
    return BoundarySet(key=key, width=WIDTH, height=height, shapes=tuple(shapes))


def load_boundaries() -> None:
    """Read every boundary set now rather than on the first map that needs it. The web server
    calls this as each worker starts (config/wsgi.py): reading, projecting and simplifying the
    LSOA set takes about 0.4 s, which fell on whichever visitor's hotspot map came first to
    each worker (at 1M, the 95th percentile of a 100 ms page was over 400 ms)."""
    for key in SETS:
        boundaries(key)


@dataclass(frozen=True)
class LegendItem:
    band: int
    label: str


def class_breaks(values: Sequence[int]) -> list[int]:
    """Upper bounds of up to five bands of the non-zero values (quantiles, without repeats)."""
    positive = sorted(value for value in values if value > 0)
    if not positive:
        return []
    breaks = []
    for band in range(1, BANDS + 1):
        bound = positive[min(len(positive) - 1, math.ceil(band * len(positive) / BANDS) - 1)]
        if not breaks or bound > breaks[-1]:
            breaks.append(bound)
    return breaks


def band_of(value: int, breaks: Sequence[int]) -> int:
    if value <= 0:
        return 0
    for index, bound in enumerate(breaks, start=1):
        if value <= bound:
            return index
    return len(breaks)


def shade(band: int, breaks: Sequence[int]) -> int:
    """The colour (0 to 5) of a band: with fewer than five bands the top one is still the
    darkest, and they are spread over the scale."""
    if band == 0 or not breaks:
        return 0
    return math.ceil(band * BANDS / len(breaks))


def legend(breaks: Sequence[int]) -> list[LegendItem]:
    items = [LegendItem(0, "No incidents")]
    lower = 1
    for index, bound in enumerate(breaks, start=1):
        label = f"{lower:,}" if lower == bound else f"{lower:,} to {bound:,}"
        unit = "incident" if bound == 1 else "incidents"
        items.append(LegendItem(shade(index, breaks), f"{label} {unit}"))
        lower = bound + 1
    return items


@dataclass(frozen=True)
class Map:
    svg: SafeString
    legend: list[LegendItem]
    drawn: int  # areas with a value that are on the map


def choropleth(
    *, key: str, values: dict[str, int], title: str, description: str, element_id: str
) -> Map:
    """An SVG map of `values` (area code -> count) over the boundary set `key`."""
    boundary = boundaries(key)
    breaks = class_breaks(list(values.values()))
    paths = []
    drawn = 0
    for shape in boundary.shapes:
        value = values.get(shape.code, 0)
        drawn += value > 0
        paths.append(
            f'<path class="app-map__area app-map__band--{shade(band_of(value, breaks), breaks)}" '
            f'd="{shape.path}"><title>{escape(shape.name)}: {value:,}</title></path>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-map__svg" '
        f'viewBox="0 0 {boundary.width:.0f} {boundary.height:.0f}" role="img" '
        f'focusable="false" aria-labelledby="{element_id}-title {element_id}-desc">'
        f'<title id="{element_id}-title">{escape(title)}</title>'
        f'<desc id="{element_id}-desc">{escape(description)}</desc>' + "".join(paths) + "</svg>"
    )
    return Map(svg=mark_safe(svg), legend=legend(breaks), drawn=drawn)  # noqa: S308 (escaped)
