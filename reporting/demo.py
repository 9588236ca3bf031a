"""Demo data for the dashboards: the police.uk files beside the project, if they are there, so
the hotspot map has its open-data layer in `make run`; then the summaries, so the dashboards
have figures before the first beat run. Idempotent: a file already loaded is not read again."""

from __future__ import annotations

from django.conf import settings

from reporting import services
from reporting.models import OpenDataImport


def policeuk_folder():
    return settings.BASE_DIR.parent / "shared" / "data" / "policeuk"


def seed(stdout=None) -> None:
    folder = policeuk_folder()
    files = sorted(folder.glob("*-street.csv")) if folder.is_dir() else []
    loaded = set(
        OpenDataImport.objects.filter(status=OpenDataImport.Status.DONE).values_list(
            "file_name", flat=True
        )
    )
    new = 0
    for path in files:
        if path.name in loaded:
            continue
        record = services.policeuk_import_file(path=path)
        new += record.loaded
    services.summaries_refresh()
    services.households_refresh()
    if stdout is not None:
        if files:
            stdout.write(f"Demo dashboards: police.uk open data, {new} incidents newly loaded.")
        else:
            stdout.write("Demo dashboards: summaries worked out (no police.uk files found).")
