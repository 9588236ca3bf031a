"""Evidence on cases, incidents and Case Review applications: upload, download, who sees it,
and every kind of bad upload (docs/adr/0019-evidence-storage-and-scanning.md)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.models import Document
from partners.models import AuditEvent
from tests.conftest import client_for
from tests.documents.conftest import PDF_BYTES, png_bytes
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def upload(client, case, content: bytes, name: str = "door.png", **fields):
    data = {
        "title": "Photo of the door",
        "description": "Taken on the morning after",
        "visibility": "all_agencies",
        **fields,
        "file": SimpleUploadedFile(name, content, content_type="image/png"),
    }
    return client.post(f"/cases/{case.uuid}/documents/add/", data)


def test_officer_uploads_a_photo_and_it_is_kept_by_uuid_with_its_sniffed_type(
    cast, shared_case, media_root
):
    content = png_bytes()
    response = upload(client_for(cast.owner.officer), shared_case.case, content)

    assert response.status_code == 302
    assert response.url == f"/cases/{shared_case.case.uuid}/#documents"
    document = Document.objects.get()
    assert document.case == shared_case.case
    assert document.content_type == "image/png"
    assert document.file_name == "door.png"
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.scan_status == Document.ScanStatus.NOT_SCANNED
    assert "door" not in document.file.name and document.uuid.hex in document.file.name
    assert (media_root / document.file.name).read_bytes() == content
    event = AuditEvent.objects.get(action="document_upload")
    assert event.actor == cast.owner.officer
    assert event.detail["sha256"] == document.sha256


def test_download_is_an_attachment_with_nosniff_and_is_audited(cast, shared_case):
    content = png_bytes()
    upload(client_for(cast.owner.officer), shared_case.case, content)
    document = Document.objects.get()

    response = client_for(cast.partner.officer).get(f"/documents/{document.uuid}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="door.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    event = AuditEvent.objects.get(action="document_download")
    assert event.actor == cast.partner.officer
    assert event.target_id == str(document.pk)


def test_case_page_lists_the_file_for_a_partner_on_the_case(cast, shared_case):
    upload(client_for(cast.owner.officer), shared_case.case, png_bytes())

    page = client_for(cast.partner.officer).get(f"/cases/{shared_case.case.uuid}/")

    assert b"Photo of the door" in page.content
    assert b"Evidence and letters" in page.content


@pytest.mark.parametrize("who", ["unrelated_officer", "owner_analyst"])
def test_someone_who_cannot_see_the_case_gets_404_for_its_file(cast, shared_case, who):
    upload(client_for(cast.owner.officer), shared_case.case, png_bytes())
    document = Document.objects.get()
    user = {"unrelated_officer": cast.unrelated.officer, "owner_analyst": cast.owner.analyst}[who]

    response = client_for(user).get(f"/documents/{document.uuid}/")

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="document_download").exists()


def test_a_file_kept_to_my_organisation_is_404_to_the_partner(cast, shared_case):
    upload(
        client_for(cast.owner.officer),
        shared_case.case,
        png_bytes(),
        visibility="my_organisation",
        title="Soft intelligence",
    )
    document = Document.objects.get()

    partner = client_for(cast.partner.officer)
    assert partner.get(f"/documents/{document.uuid}/").status_code == 404
    assert b"Soft intelligence" not in partner.get(f"/cases/{shared_case.case.uuid}/").content
    assert client_for(cast.owner.supervisor).get(f"/documents/{document.uuid}/").status_code == 200


def test_partner_who_may_only_view_cannot_upload(cast, shared_case):
    client = client_for(cast.partner.officer)
    assert client.get(f"/cases/{shared_case.case.uuid}/documents/add/").status_code == 403
    assert upload(client, shared_case.case, png_bytes()).status_code == 403
    assert not Document.objects.exists()


def test_contributing_partner_uploads_to_the_case(cast, shared_case):
    response = upload(client_for(cast.contributor.officer), shared_case.case, PDF_BYTES, "a.pdf")
    assert response.status_code == 302
    assert Document.objects.get().content_type == "application/pdf"


def test_unrelated_agency_gets_404_for_the_upload_page(cast, shared_case):
    client = client_for(cast.unrelated.officer)
    assert client.get(f"/cases/{shared_case.case.uuid}/documents/add/").status_code == 404
    assert upload(client, shared_case.case, png_bytes()).status_code == 404


# Bad input ------------------------------------------------------------------------------------


def _assert_refused(response, message: str):
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert message in body
    assert "<title>Error:" in body
    # Nothing typed is lost: the title and description come back in the form.
    assert 'value="Photo of the door"' in body
    assert "Taken on the morning after" in body
    assert not Document.objects.exists()


def test_empty_file_is_refused(cast, shared_case):
    response = upload(client_for(cast.owner.officer), shared_case.case, b"")
    _assert_refused(response, "The selected file is empty")


def test_oversized_file_is_refused_without_keeping_it(cast, shared_case, settings):
    settings.DOCUMENT_MAX_BYTES = 64 * 1024
    content = png_bytes() + b"\0" * (100 * 1024)
    response = upload(client_for(cast.owner.officer), shared_case.case, content)
    _assert_refused(response, "The selected file must be smaller than 64 KB")


def test_wrong_type_by_content_is_refused_whatever_its_name(cast, shared_case):
    script = b"#!/bin/sh\nrm -rf /\n"
    response = upload(client_for(cast.owner.officer), shared_case.case, script, "photo.jpg")
    _assert_refused(response, "The selected file must be a photo")
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    response = upload(client_for(cast.owner.officer), shared_case.case, html, "diary.pdf")
    _assert_refused(response, "The selected file must be a photo")


def test_name_with_control_characters_is_refused(cast, shared_case):
    response = upload(client_for(cast.owner.officer), shared_case.case, png_bytes(), "do\x07or.png")
    _assert_refused(response, "The file name must not contain control characters")


def _raw_upload(client, case, file_name: str):
    """A multipart body written by hand: the test client, like a browser, would send only the
    last part of a path."""
    boundary = "BoUnDaRy"
    parts = []
    for name, value in (
        ("title", "Photo of the door"),
        ("description", "Taken on the morning after"),
        ("visibility", "all_agencies"),
    ):
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + png_bytes()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return client.generic(
        "POST",
        f"/cases/{case.uuid}/documents/add/",
        b"".join(parts),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


@pytest.mark.parametrize("file_name", ["../../etc/passwd.png", "C:\\Users\\photo.png"])
def test_name_with_path_separators_is_refused(cast, shared_case, file_name):
    client = client_for(cast.owner.officer)
    client.get(f"/cases/{shared_case.case.uuid}/documents/add/")  # the CSRF cookie
    response = _raw_upload(client, shared_case.case, file_name)
    _assert_refused(response, "The file name must not contain / or \\")


def test_name_check_refuses_path_separators_and_dot_names():
    from django.core.exceptions import ValidationError

    from documents.uploads import check_name

    for name in ("../../etc/passwd", "evidence\\photo.png", "..", ".htaccess", "a\u202egnp.exe"):
        with pytest.raises(ValidationError):
            check_name(name)
    assert check_name("Noise diary – März.pdf") == "Noise diary – März.pdf"


def test_missing_file_is_refused(cast, shared_case):
    client = client_for(cast.owner.officer)
    response = client.post(
        f"/cases/{shared_case.case.uuid}/documents/add/",
        {"title": "Photo of the door", "description": "Taken on the morning after"},
    )
    assert response.status_code == 400
    assert "Select a file" in response.content.decode()


def test_file_still_being_scanned_cannot_be_downloaded(cast, shared_case, settings):
    settings.DOCUMENT_SCANNER = "clamd"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    upload(client_for(cast.owner.officer), shared_case.case, png_bytes())
    document = Document.objects.get()
    assert document.scan_status == Document.ScanStatus.PENDING

    response = client_for(cast.partner.officer).get(f"/documents/{document.uuid}/")

    assert response.status_code == 409
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "still being checked for viruses" in body
    assert not AuditEvent.objects.filter(action="document_download").exists()


# Incidents and Case Review applications -----------------------------------------------------


def test_evidence_on_an_incident_follows_the_incident(cast, shared_case):
    client = client_for(cast.owner.officer)
    incident = shared_case.incident
    response = client.post(
        f"/incidents/{incident.uuid}/documents/add/",
        {
            "title": "Noise diary",
            "visibility": "all_agencies",
            "file": SimpleUploadedFile("diary.txt", b"Mon 23:10 music\nTue 01:30 shouting\n"),
        },
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.incident == incident and document.content_type == "text/plain"
    # The police see the incident through the shared case; the borough council does not.
    assert client_for(cast.partner.officer).get(f"/documents/{document.uuid}/").status_code == 200
    assert client_for(cast.unrelated.officer).get(f"/documents/{document.uuid}/").status_code == 404
    assert b"Noise diary" in client.get(f"/incidents/{incident.uuid}/").content


def test_the_case_page_query_count_does_not_grow_with_its_documents(cast, shared_case):
    from tests.asb_cases.test_query_counts import queries

    client = client_for(cast.partner.officer)
    owner = client_for(cast.owner.officer)
    upload(owner, shared_case.case, png_bytes())
    client.get(f"/cases/{shared_case.case.uuid}/")
    few = queries(client, f"/cases/{shared_case.case.uuid}/")
    for colour in ("blue", "green", "white", "black"):
        upload(owner, shared_case.case, png_bytes(colour))
    many = queries(client, f"/cases/{shared_case.case.uuid}/")
    assert few == many


def test_evidence_on_a_case_review_application_is_the_champions_and_the_recorders(cast):
    from tests.community_trigger.conftest import apply_for

    victim = make_person(cast.owner.officer, given_name="Mabel", family_name="Thornbury")
    application = apply_for(victim, actor=cast.owner.officer)
    champion = client_for(cast.champion)
    response = champion.post(
        f"/case-reviews/{application.uuid}/documents/add/",
        {
            "title": "Applicant's diary",
            "visibility": "all_agencies",
            "file": SimpleUploadedFile("diary.pdf", PDF_BYTES),
        },
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.application == application
    assert b"Applicant&#x27;s diary" in champion.get(f"/case-reviews/{application.uuid}/").content
    # The organisation that recorded it sees it; an agency with no part in it does not.
    assert client_for(cast.owner.officer).get(f"/documents/{document.uuid}/").status_code == 200
    assert client_for(cast.unrelated.officer).get(f"/documents/{document.uuid}/").status_code == 404
    partner = client_for(cast.partner.officer)
    assert partner.get(f"/case-reviews/{application.uuid}/documents/add/").status_code == 404
