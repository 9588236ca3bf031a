"""The server-drawn map and charts: every area drawn, simplified, accessible, and coloured by
class (the Content-Security-Policy allows no style attributes)."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from decimal import Decimal

from reporting import charts, maps
from reporting.tables import Column, Table, csv_value, write_csv


def test_each_boundary_set_has_every_area_of_both_councils():
    assert len(maps.boundaries("lsoa21").shapes) == 330 + 66
    assert len(maps.boundaries("lsoa11").shapes) == 324 + 65
    assert len(maps.boundaries("ward25").shapes) == 51 + 20
    assert all(shape.path.startswith("M") for shape in maps.boundaries("lsoa21").shapes)


def test_each_web_worker_reads_every_boundary_set_as_it_starts():
    import config.wsgi

    maps.boundaries.cache_clear()
    importlib.reload(config.wsgi)
    assert maps.boundaries.cache_info().currsize == len(maps.SETS)


def test_each_web_worker_loads_every_route_as_it_starts():
    """A worker's first request does not wait for the URLconf and the views it imports (0.6 to
    1 s), nor its first incident with coordinates for the LSOA boundaries (about 150 ms), nor
    its first work recorded for what publishing to Celery imports (about 130 ms): in a fresh
    interpreter, the WSGI module alone has loaded them, without connecting to the broker
    (here an address where none listens)."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, config.wsgi; "
            "from asb_cases import geography; "
            "print(all(name in sys.modules for name in "
            "('config.urls', 'config.api_urls', 'asb_cases.api.incidents', 'victims.views')), "
            "geography._lsoa_polygons.cache_info().currsize, "
            "geography._lsoa21_wards.cache_info().currsize, "
            "'kombu.transport.redis' in sys.modules, 'celery.backends.base' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "REDIS_URL": "redis://127.0.0.1:9/0",
        },
        check=True,
    )
    assert loaded.stdout.split() == ["True", "1", "1", "True", "True"]


def test_simplifying_keeps_the_ends_and_drops_points_on_a_line():
    line = [(0.0, 0.0), (1.0, 0.01), (2.0, 0.0), (2.0, 2.0), (0.0, 0.0)]
    assert maps.simplify(line, 0.5) == [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 0.0)]


def test_bands_split_the_counts_and_zero_has_its_own():
    breaks = maps.class_breaks([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert breaks == [2, 4, 6, 8, 10]
    assert [maps.band_of(value, breaks) for value in (0, 1, 3, 10, 99)] == [0, 1, 2, 5, 5]
    assert maps.class_breaks([0, 0]) == []
    assert [(item.band, item.label) for item in maps.legend([1, 5])] == [
        (0, "No incidents"),
        (3, "1 incident"),
        (5, "2 to 5 incidents"),
    ]


def test_the_map_is_an_image_with_a_title_a_description_and_no_style_attributes():
    shape = maps.boundaries("ward25").shapes[0]
    drawn = maps.choropleth(
        key="ward25",
        values={shape.code: 7, "E05999999": 3},
        title="Map of <noise>",
        description="Darker areas had more",
        element_id="map-test",
    )
    svg = str(drawn.svg)
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="map-test-title map-test-desc"' in svg
    assert '<title id="map-test-title">Map of &lt;noise&gt;</title>' in svg
    assert "style=" not in svg
    assert svg.count("<path") == 71
    assert f"<title>{shape.name}: 7</title>" in svg.replace("&#x27;", "'").replace("&amp;", "&")
    assert drawn.drawn == 1  # the code with no boundary is not on the map
    assert len(svg) < 90_000  # simplified: the ward map stays small
    assert set(re.findall(r"app-map__band--(\d)", svg)) == {"0", "5"}  # the top is darkest


def test_charts_are_images_with_their_values_and_no_style_attributes():
    bars = str(
        charts.bar_chart(
            element_id="c",
            title="By type",
            description="Bars",
            points=[charts.Point("Noise", 30), charts.Point("A very long name " * 4, 3)],
        )
    )
    assert 'role="img"' in bars and "style=" not in bars
    assert ">30</text>" in bars and "…" in bars
    columns = str(
        charts.column_chart(
            element_id="m",
            title="By month",
            description="Columns",
            points=[charts.Point(f"Month {i}", i, f"M{i}") for i in range(24)],
            money=True,
        )
    )
    assert columns.count("<rect") == 24 and "£25" in columns
    assert charts.bar_chart(element_id="x", title="t", description="d", points=[]) is None


def test_csv_cells_cannot_become_spreadsheet_formulas():
    assert csv_value("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_value("-12") == "-12"
    assert csv_value(Decimal("3.5")) == "3.50"
    table = Table("t", "T", [Column("a", "A"), Column("b", "B", "int")], rows=[["@x", 1]])
    out = []

    class Sink:
        def write(self, text):
            out.append(text)

    assert write_csv(table, Sink()) == 1
    assert "".join(out) == "A,B\r\n'@x,1\r\n"
