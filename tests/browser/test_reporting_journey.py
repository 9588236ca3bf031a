"""An analyst opens the hotspot map, filters it by type and period (and gets a clear error for
a period that ends before it starts), lays the police.uk open data beside it, and downloads
the table as CSV. axe checks every page on the way."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from partners.models import AuditEvent
from tests.reporting.conftest import ELM_LSOA, FIXTURES, QUARRY_LSOA, build_world


def fill_month(person, prefix: str, month: int, year: int) -> None:
    person.page.locator(f"#id_{prefix}-month").fill(str(month))
    person.page.locator(f"#id_{prefix}-year").fill(str(year))


@pytest.fixture
def partnership(cast):
    """Noise at Elm Court (a housing case shared with the police), vandalism on Quarry Heads
    Lane (the borough council's case), and February 2019's police.uk sample."""
    world = build_world(cast)
    call_command("import_policeuk", str(FIXTURES / "2019-02-durham-street-sample.csv"))
    return world


def test_an_analyst_maps_hotspots_filters_them_and_downloads_the_table(journey, partnership):
    analyst = journey()
    analyst.sign_in("analyst@test-police")
    analyst.follow("Dashboards")
    analyst.follow("Hotspots: High Impact Localities")
    page = analyst.page
    assert page.locator("svg[role=img]").count() == 1
    assert page.get_by_role("img", name=re.compile("Map of ASB incidents by LSOA")).is_visible()
    table = page.locator("#areas table")
    assert ELM_LSOA in table.inner_text() and QUARRY_LSOA in table.inner_text()
    assert "Zebedee" not in analyst.text()

    # A period that ends before it starts: explained, and what was typed is kept.
    today = timezone.localdate()
    fill_month(analyst, "date_from", today.month, today.year)
    fill_month(analyst, "date_to", 1, today.year - 1)
    analyst.submit("Show hotspots")
    assert page.title().startswith("Error:")
    assert (
        "To must be the same as or after From" in page.locator(".govuk-error-summary").inner_text()
    )
    assert page.locator("#id_date_to-year").input_value() == str(today.year - 1)

    # Noise in the last four months: from the first of the month three months back, at least
    # 89 days, so the noise 70 days ago is inside on every day of the year (three months
    # left it out on the first days of a month).
    page.get_by_label("Type of incident").select_option(label="Noise")
    start = today.replace(day=1)
    for _ in range(3):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    fill_month(analyst, "date_from", start.month, start.year)
    fill_month(analyst, "date_to", today.month, today.year)
    analyst.submit("Show hotspots")
    assert not page.title().startswith("Error:")
    heading = page.get_by_role("img", name=re.compile("Map of noise incidents by LSOA"))
    assert heading.is_visible()
    rows = page.locator("#areas tbody tr")
    assert rows.count() == 1
    assert ELM_LSOA in rows.first.inner_text()
    assert page.get_by_test_id("hotspot-total").inner_text() == "3"

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("^Download as CSV")).click()
    download = download_info.value
    assert re.fullmatch(r"hotspots-areas-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as handle:
        exported = list(csv.DictReader(io.StringIO(handle.read())))
    assert [(row["Code"], row["Incidents"]) for row in exported] == [(ELM_LSOA, "3")]
    event = AuditEvent.objects.get(verb="exported")
    assert event.detail["terms"]["type"] == "noise"
    assert event.actor_label == "analyst@test-police"

    # The police.uk layer for February 2019, beside the partnership's (empty) map, by ward.
    page.get_by_label("Type of incident").select_option(label="All types")
    fill_month(analyst, "date_from", 2, 2019)
    fill_month(analyst, "date_to", 2, 2019)
    analyst.choose("Ward")
    page.get_by_label("Show police.uk open data beside the partnership's incidents").check()
    analyst.submit("Show hotspots")
    assert page.locator("svg[role=img]").count() == 2
    assert "Contains public sector information licensed under the Open Government Licence" in (
        analyst.text()
    )
    open_data = [
        int(cell) for cell in page.locator("#areas tbody tr td:nth-child(8)").all_inner_texts()
    ]
    assert sum(open_data) == 8


def test_every_dashboard_and_the_upload_pass_axe(journey, partnership, cast):
    supervisor = journey()
    supervisor.sign_in("supervisor@test-housing")
    supervisor.follow("Dashboards")
    seen = {}
    for title in (
        "Ownership and case drift",
        "Repeat and vulnerable victims",
        "ASB Case Reviews",
        "High Impact Households",
        "Tools, powers and costs",
        "Trends",
    ):
        supervisor.follow(title)
        assert supervisor.page.get_by_role("heading", level=1).inner_text() == title
        seen[title] = supervisor.text()
    assert "Zebedee Quillfeather" in seen["High Impact Households"]
    assert "Zebedee Quillfeather" in seen["Repeat and vulnerable victims"]
    supervisor.page.get_by_text("Show the figures as a table").first.click()
    supervisor.check_accessibility()

    analyst = journey()
    analyst.sign_in("analyst@test-borough")
    analyst.visit("/open-data/")
    analyst.submit("Upload and load")  # no file: the error summary
    assert analyst.page.title().startswith("Error:")
    analyst.page.get_by_label("Upload a police.uk street-level CSV file").set_input_files(
        str(FIXTURES / "2019-02-durham-street-sample.csv")
    )
    analyst.submit("Upload and load")
    assert "2019-02-durham-street-sample.csv" in analyst.page.title()
    assert analyst.page.locator("progress").count() == 1
