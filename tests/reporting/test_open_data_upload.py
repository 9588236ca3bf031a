"""The upload page for analysts: a police.uk file is checked at once (a clear error for a file
that is not one), kept, and loaded by a real Celery worker through the outbox, with its
progress and a summary of what was loaded and skipped."""

from __future__ import annotations

import html
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import AuditEvent, OutboxTask
from reporting import services
from reporting.models import OpenDataImport, OpenDataIncident
from tests.conftest import client_for
from tests.reporting.conftest import FIXTURES

SAMPLE = FIXTURES / "2019-02-durham-street-sample.csv"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def error_summary(response) -> str:
    page = response.content.decode()
    start = page.index('class="govuk-error-summary"')
    return html.unescape(page[start : page.index("</ul>", start)])


@pytest.mark.django_db
class TestTheUploadPage:
    def test_only_analysts_may_load_open_data(self, cast):
        assert client_for(cast.owner.analyst).get("/open-data/").status_code == 200
        for user in (cast.owner.officer, cast.owner.supervisor, cast.champion, cast.owner.admin):
            client = client_for(user)
            assert client.get("/open-data/").status_code == 403
            response = client.post("/open-data/", {"file": upload("x.csv", SAMPLE.read_bytes())})
            assert response.status_code == 403
        assert not OpenDataImport.objects.exists()

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("cases.xlsx", b"PK\x03\x04", "The selected file must be a CSV"),
            ("cases.csv", b"Reference,Opened\nASB-1,2026\n", "not a police.uk street-level CSV"),
            (
                "partial.csv",
                b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
                b"LSOA code,Crime type\n,2019-02,A,B,1,2,C,E01020634,Anti-social behaviour\n",
                "it has no 'LSOA name', 'Last outcome category', 'Context' columns",
            ),
            ("latin.csv", "Crime ID,Month\n\xe9".encode("latin-1"), "saved as UTF-8"),
            ("empty.csv", b"", "The selected file is empty"),
            ("header-only.csv", SAMPLE.read_bytes().splitlines()[0], "has no rows of data"),
        ],
    )
    def test_a_file_that_is_not_a_police_uk_csv_gets_a_clear_error(
        self, cast, name, content, message
    ):
        client = client_for(cast.owner.analyst)
        response = client.post("/open-data/", {"file": upload(name, content)})
        assert response.status_code == 200
        assert response.content.decode().count("<title>Error: ") == 1
        assert message in error_summary(response)
        assert 'href="#id_file"' in error_summary(response)
        assert not OpenDataImport.objects.exists()

    def test_no_file_and_a_file_too_large(self, cast, monkeypatch):
        client = client_for(cast.owner.analyst)
        assert "Select a police.uk CSV file" in error_summary(client.post("/open-data/", {}))
        monkeypatch.setattr("reporting.forms.MAX_UPLOAD_BYTES", 1024)
        response = client.post("/open-data/", {"file": upload("big.csv", SAMPLE.read_bytes())})
        assert "The selected file must be smaller than" in error_summary(response)
        assert not OpenDataImport.objects.exists()

    def test_an_upload_is_kept_and_queued_through_the_outbox(self, cast):
        client = client_for(cast.owner.analyst)
        response = client.post("/open-data/", {"file": upload(SAMPLE.name, SAMPLE.read_bytes())})
        record = OpenDataImport.objects.get()
        assert response.status_code == 302
        assert response.url == f"/open-data/imports/{record.uuid}/"
        assert (record.status, record.rows_total, record.uploaded_by) == (
            "queued",
            17,
            cast.owner.analyst,
        )
        task = OutboxTask.objects.get(task_name="reporting.policeuk_import")
        assert task.kwargs == {"import_id": record.pk}
        assert AuditEvent.objects.filter(action="policeuk_upload", verb="created").exists()
        page = client.get(response.url).content.decode()
        assert "Waiting to start" in page
        assert '<progress class="app-progress" id="import-progress" max="100" value="0"' in page
        assert "Check progress" in page
        assert "reporting-progress.mjs" in page
        listing = client.get("/open-data/").content.decode()
        listing = listing[listing.index("<main") :]
        assert SAMPLE.name in listing and "Test Housing" in listing
        assert cast.owner.analyst.display_name not in listing  # analysts see no names
        progress = client.get(f"/open-data/imports/{record.uuid}/progress.json").json()
        assert progress == {
            "status": "queued",
            "status_label": "Waiting to start",
            "percent": 0,
            "rows_done": 0,
            "rows_total": 17,
            "finished": False,
        }

    def test_loading_twice_is_harmless(self, cast):
        record = services.policeuk_upload(
            actor=cast.owner.analyst, file_name=SAMPLE.name, content=SAMPLE.read_bytes()
        )
        services.policeuk_import_stored(import_id=record.pk)
        services.policeuk_import_stored(import_id=record.pk)  # delivered twice
        record.refresh_from_db()
        assert (record.status, record.loaded, record.content) == ("done", 8, b"")
        assert OpenDataIncident.objects.count() == 8

    def test_an_unknown_import_is_404(self, cast):
        client = client_for(cast.owner.analyst)
        missing = "/open-data/imports/2b0e3d52-7c58-4a0c-9c5e-3b7c9c1f4c11/"
        assert client.get(missing).status_code == 404
        assert client.get(missing + "progress.json").status_code == 404


def wait_for(predicate, timeout=60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_loads_the_upload_and_the_page_shows_what_was_loaded(
    cast, private_celery_worker
):
    client = client_for(cast.partner.analyst)
    response = client.post(
        "/open-data/", {"file": upload(SAMPLE.name, SAMPLE.read_bytes())}, follow=True
    )
    record = OpenDataImport.objects.get()
    assert wait_for(lambda: OpenDataImport.objects.get().status == "done")
    page = client.get(f"/open-data/imports/{record.uuid}/").content.decode()
    assert 'value="100"' in page
    assert "Check progress" not in page
    assert "8 anti-social behaviour incidents in County Durham and Darlington" in page
    for reason, rows in (
        ("Not anti-social behaviour (crimes are not loaded)", 5),
        ("Outside County Durham and Darlington", 2),
        ("No location: the row has no LSOA code", 2),
    ):
        cell = 'class="govuk-table__cell govuk-table__cell--numeric" data-label="Rows"'
        assert f"{reason}</th><td {cell}>{rows}" in page
    assert "Contains public sector information licensed under the Open Government Licence" in page
    assert response.status_code == 200
    assert OpenDataIncident.objects.count() == 8
    assert client.get(f"/open-data/imports/{record.uuid}/progress.json").json()["finished"]
