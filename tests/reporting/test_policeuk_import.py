"""Loading police.uk street-level files: exactly the anti-social behaviour rows in the two
council areas, the others skipped with their reasons, and nothing changed by a second import.
Counts are checked against an independent count of the CSV files made here with the csv
module."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from asb_cases.models import Lsoa
from reporting import policeuk
from reporting.models import OpenDataImport, OpenDataIncident
from tests.reporting.conftest import FIXTURES, POLICEUK

pytestmark = pytest.mark.django_db

FILES = sorted(POLICEUK.glob("*-durham-street.csv"))
ASB = "Anti-social behaviour"
DURHAM = "Durham Constabulary,Durham Constabulary"


def test_the_five_police_uk_files_are_beside_the_project():
    assert [path.name for path in FILES] == [
        "2018-10-durham-street.csv",
        "2018-11-durham-street.csv",
        "2018-12-durham-street.csv",
        "2019-01-durham-street.csv",
        "2019-02-durham-street.csv",
    ], f"expected the police.uk files in {POLICEUK}"


def independent_count(paths, area_codes: set[str]) -> tuple[Counter, Counter]:
    """Per LSOA, the ASB rows in the area; and the rows that are not, by why."""
    loaded, skipped = Counter(), Counter()
    for path in paths:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                if row["Crime type"] != ASB:
                    skipped["not_asb"] += 1
                elif not row["LSOA code"]:
                    skipped["no_location"] += 1
                elif row["LSOA code"] not in area_codes:
                    skipped["outside_area"] += 1
                else:
                    loaded[row["LSOA code"]] += 1
    return loaded, skipped


def test_importing_the_five_files_loads_exactly_the_asb_rows_in_the_two_areas(capsys):
    area_codes = set(Lsoa.objects.values_list("code", flat=True))  # 2011 and 2021 sets
    expected, expected_skipped = independent_count(FILES, area_codes)
    assert sum(expected.values()) > 6000

    call_command("import_policeuk", *map(str, FILES))

    by_lsoa = Counter(dict(Counter(OpenDataIncident.objects.values_list("lsoa_code", flat=True))))
    assert by_lsoa == expected
    assert set(OpenDataIncident.objects.values_list("crime_type", flat=True)) == {ASB}
    assert set(OpenDataIncident.objects.values_list("local_authority__code", flat=True)) == {
        "E06000047",
        "E06000005",
    }
    imports = list(OpenDataImport.objects.order_by("file_name"))
    assert [record.status for record in imports] == ["done"] * 5
    assert sum(record.loaded for record in imports) == sum(expected.values())
    skipped = Counter()
    for record in imports:
        skipped.update(record.skipped_reasons)
        assert record.loaded + record.already_loaded + record.skipped == record.rows_total
    assert skipped == expected_skipped
    assert {"not_asb", "outside_area", "no_location"} <= set(skipped)
    # Months as police.uk gives them, and 2011 LSOA codes for files before 2022.
    months = Counter(f"{m:%Y-%m}" for m in OpenDataIncident.objects.values_list("month", flat=True))
    assert sorted(months) == ["2018-10", "2018-11", "2018-12", "2019-01", "2019-02"]
    assert set(OpenDataIncident.objects.values_list("lsoa_vintage", flat=True)) == {2011}
    assert not OpenDataIncident.objects.filter(ward_code="").exists()
    output = capsys.readouterr().out
    assert "2019-02-durham-street.csv: 6447 rows; loaded" in output
    assert "Outside County Durham and Darlington" in output

    # A second import changes nothing.
    keys = set(OpenDataIncident.objects.values_list("key", flat=True))
    call_command("import_policeuk", *map(str, FILES))
    assert set(OpenDataIncident.objects.values_list("key", flat=True)) == keys
    again = list(OpenDataImport.objects.order_by("-id")[:5])
    assert sum(record.loaded for record in again) == 0
    assert sum(record.already_loaded for record in again) == sum(expected.values())


def test_identical_rows_are_two_incidents_and_stay_two():
    path = FIXTURES / "2019-02-durham-street-sample.csv"
    call_command("import_policeuk", str(path))
    record = OpenDataImport.objects.get()
    assert (record.loaded, record.skipped) == (8, 9)
    assert record.skipped_reasons == {"not_asb": 5, "outside_area": 2, "no_location": 2}
    assert OpenDataIncident.objects.filter(location="On or near Manor Road").count() == 2
    call_command("import_policeuk", str(path))
    assert OpenDataIncident.objects.count() == 8


def test_the_key_is_the_rows_content_and_its_place_among_identical_rows():
    values = ("", "2019-02", "Durham Constabulary", "Durham Constabulary", "-1.8", "54.8")
    assert policeuk.row_key(values, 0) == policeuk.row_key(values, 0)
    assert policeuk.row_key(values, 0) != policeuk.row_key(values, 1)
    assert policeuk.row_key(values, 0) != policeuk.row_key((*values[:-1], "54.9"), 0)


def test_2021_codes_and_rows_without_coordinates_are_loaded(tmp_path):
    header = ",".join(policeuk.COLUMNS)
    code21 = (
        Lsoa.objects.filter(vintage=2021)
        .exclude(code__in=Lsoa.objects.filter(vintage=2011).values("code"))
        .values_list("code", flat=True)[0]
    )
    both = Lsoa.objects.filter(
        vintage=2011, code__in=Lsoa.objects.filter(vintage=2021).values("code")
    ).values_list("code", flat=True)[0]
    path = tmp_path / "2023-05-durham-street.csv"
    path.write_text(
        f"{header}\n"
        f",2023-05,{DURHAM},,,No Location,{code21},X,{ASB},,\n"
        f",2023-05,{DURHAM},-1.5,54.7,On or near X,{both},X,{ASB},,\n"
        f",2023-13,{DURHAM},-1.5,54.7,On or near X,{both},X,{ASB},,\n"
        f",2023-05,{DURHAM},east,54.7,On or near X,{both},X,{ASB},,\n"
        f",2023-05,{DURHAM}\n",
        encoding="utf-8",
    )
    call_command("import_policeuk", str(path))
    record = OpenDataImport.objects.get()
    assert record.loaded == 2
    assert record.skipped_reasons == {"bad_month": 1, "bad_coordinates": 1, "malformed": 1}
    first, second = OpenDataIncident.objects.order_by("id")
    assert (first.lsoa_code, first.lsoa_vintage, first.latitude) == (code21, 2021, None)
    assert (second.lsoa_code, second.lsoa_vintage) == (both, 2021)  # 2022 on: 2021 codes


def test_a_file_that_is_not_from_police_uk_is_refused(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("Reference,Opened\nASB-2026-000001,2026-01-01\n")
    with pytest.raises(CommandError, match="1 of 1 files could not be loaded"):
        call_command("import_policeuk", str(path))
    record = OpenDataImport.objects.get()
    assert record.status == "failed"
    assert "not a police.uk street-level CSV" in record.error
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_policeuk", str(tmp_path / "missing.csv"))
