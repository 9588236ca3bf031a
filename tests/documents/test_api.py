"""The documents API: a client sees the files its organisation may see, downloads them as
attachments, and gets 404 for anyone else's (ADR 0019)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents import services
from documents.models import Document
from documents.uploads import CheckedFile
from partners.models import AuditEvent
from tests.api.conftest import make_api
from tests.documents.conftest import PDF_BYTES, png_bytes

pytestmark = pytest.mark.django_db


def _add(cast, case, visibility: str, title: str) -> Document:
    content = png_bytes()
    upload = SimpleUploadedFile("door.png", content)
    return services.document_upload(
        actor=cast.owner.officer,
        record=case,
        upload=CheckedFile(
            file=upload, name="door.png", content_type="image/png", size=len(content)
        ),
        title=title,
        visibility=visibility,
    )


def test_partner_client_lists_and_downloads_what_its_organisation_may_see(cast, shared_case):
    shared = _add(cast, shared_case.case, "all_agencies", "Photo of the door")
    _add(cast, shared_case.case, "my_organisation", "Soft intelligence")
    partner = make_api(cast.partner.organisation)

    listed = partner.get(f"/api/v1/cases/{shared_case.case.uuid}/documents/")

    assert listed.status_code == 200
    assert [row["title"] for row in listed.json()] == ["Photo of the door"]
    assert listed.json()[0]["content_type"] == "image/png"
    content = partner.get(f"/api/v1/documents/{shared.uuid}/content/")
    assert content.status_code == 200
    assert b"".join(content.streaming_content) == png_bytes()
    assert content["Content-Disposition"] == 'attachment; filename="door.png"'
    assert content["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="document_download").count() == 1


def test_client_of_another_organisation_gets_404(cast, shared_case):
    own = _add(cast, shared_case.case, "my_organisation", "Soft intelligence")
    shared = _add(cast, shared_case.case, "all_agencies", "Photo of the door")
    unrelated = make_api(cast.unrelated.organisation)
    partner = make_api(cast.partner.organisation)

    assert unrelated.get(f"/api/v1/cases/{shared_case.case.uuid}/documents/").status_code == 404
    assert unrelated.get(f"/api/v1/documents/{shared.uuid}/content/").status_code == 404
    assert partner.get(f"/api/v1/documents/{own.uuid}/content/").status_code == 404
    assert partner.get("/api/v1/documents/not-a-uuid/content/").status_code == 404


def test_a_file_being_scanned_is_409(cast, shared_case, settings):
    settings.DOCUMENT_SCANNER = "clamd"
    held = _add(cast, shared_case.case, "all_agencies", "Photo of the door")
    partner = make_api(cast.partner.organisation)

    response = partner.get(f"/api/v1/documents/{held.uuid}/content/")

    assert response.status_code == 409
    assert (
        response.json()["code"] == "still_scanning" or "still_scanning" in response.content.decode()
    )


# Uploads through the API (POST, multipart/form-data) -----------------------------------------


def post_file(api, path: str, content: bytes, name: str = "door.png", headers=None, **fields):
    data = {
        "title": "Photo of the door",
        "visibility": "all_agencies",
        **fields,
        "file": SimpleUploadedFile(name, content, content_type="image/png"),
    }
    return api.http.post(path, data, **(headers or {}))


def test_client_uploads_evidence_to_a_case_and_gets_its_representation(cast, shared_case):
    owner = make_api(cast.owner.organisation)
    content = png_bytes()

    response = post_file(
        owner, f"/api/v1/cases/{shared_case.case.uuid}/documents/", content, description="Front"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    document = Document.objects.get()
    assert body["uuid"] == str(document.uuid)
    assert body["content_type"] == "image/png"
    assert body["file_name"] == "door.png"
    assert body["description"] == "Front"
    assert body["scan_status"] == "not_scanned" and body["downloadable"] is True
    assert document.case == shared_case.case
    assert document.uploaded_by == owner.client.user
    assert document.file.read() == content
    assert AuditEvent.objects.filter(action="document_upload", target_id=str(document.pk)).exists()


def test_with_a_scanner_the_upload_is_pending(cast, shared_case, settings):
    settings.DOCUMENT_SCANNER = "clamd"
    owner = make_api(cast.owner.organisation)

    response = post_file(owner, f"/api/v1/cases/{shared_case.case.uuid}/documents/", png_bytes())

    assert response.status_code == 201
    assert response.json()["scan_status"] == "pending"
    assert response.json()["downloadable"] is False


def test_client_uploads_to_an_incident_and_an_application(cast, shared_case):
    from tests.community_trigger.conftest import apply_for

    owner = make_api(cast.owner.organisation)
    application = apply_for(None, actor=cast.owner.officer)

    on_incident = post_file(
        owner, f"/api/v1/incidents/{shared_case.incident.uuid}/documents/", PDF_BYTES, "a.pdf"
    )
    on_application = post_file(
        owner, f"/api/v1/case-reviews/{application.uuid}/documents/", PDF_BYTES, "b.pdf"
    )

    assert on_incident.status_code == 201, on_incident.content
    assert on_application.status_code == 201, on_application.content
    assert Document.objects.get(incident=shared_case.incident).content_type == "application/pdf"
    assert Document.objects.get(application=application).file_name == "b.pdf"
    listed = owner.get(f"/api/v1/incidents/{shared_case.incident.uuid}/documents/")
    assert [row["file_name"] for row in listed.json()] == ["a.pdf"]
    listed = owner.get(f"/api/v1/case-reviews/{application.uuid}/documents/")
    assert [row["file_name"] for row in listed.json()] == ["b.pdf"]


@pytest.mark.parametrize(
    ("content", "name", "fields", "field", "message"),
    [
        (b"", "door.png", {}, "file", "The selected file is empty"),
        (b"MZ\x90\x00" + b"\x00" * 200, "door.png", {}, "file", "The selected file must be"),
        (b"<html><script>alert(1)</script></html>", "x.png", {}, "file", "must be"),
        (png_bytes(), "door\u202egnp.exe", {}, "file", "control characters"),
        (png_bytes(), ".htaccess", {}, "file", "must not start with a full stop"),
        (png_bytes(), "door.png", {"title": ""}, "title", "Enter a title for the file"),
        (png_bytes(), "door.png", {"visibility": "everyone"}, "visibility", "Select a valid"),
        (png_bytes(), "door.png", {"colour": "red"}, "colour", "not part of the API"),
    ],
)
def test_bad_uploads_are_400_with_the_pages_messages_and_nothing_kept(
    cast, shared_case, media_root, content, name, fields, field, message
):
    owner = make_api(cast.owner.organisation)

    response = post_file(
        owner, f"/api/v1/cases/{shared_case.case.uuid}/documents/", content, name, **fields
    )

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert message in " ".join(response.json()["errors"][field])
    assert not Document.objects.exists()
    assert not list(media_root.rglob("*")) or not any(p.is_file() for p in media_root.rglob("*"))


@pytest.mark.parametrize("file_name", ["../../etc/passwd.png", "C:\\Users\\photo.png"])
def test_a_name_with_path_separators_is_refused_not_changed(cast, shared_case, file_name):
    """A multipart body written by hand: the test client would send only the name's last part."""
    owner = make_api(cast.owner.organisation)
    boundary = "BoUnDaRy"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nDoor\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\n'
            "all_agencies\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"'
            "\r\nContent-Type: image/png\r\n\r\n"
        ).encode()
        + png_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )

    response = owner.http.generic(
        "POST",
        f"/api/v1/cases/{shared_case.case.uuid}/documents/",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["The file name must not contain / or \\"]
    assert not Document.objects.exists()


def test_missing_fields_and_a_json_body_are_refused(cast, shared_case):
    owner = make_api(cast.owner.organisation)
    path = f"/api/v1/cases/{shared_case.case.uuid}/documents/"

    missing = owner.http.post(path, {"title": "x"})
    as_json = owner.post(path, {"title": "x", "visibility": "all_agencies"})

    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"file", "visibility"}
    assert as_json.status_code == 415
    assert not Document.objects.exists()


def test_an_oversized_file_is_400_and_never_written_whole(cast, shared_case, settings, media_root):
    settings.DOCUMENT_MAX_BYTES = 10_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000
    owner = make_api(cast.owner.organisation)

    response = post_file(
        owner, f"/api/v1/cases/{shared_case.case.uuid}/documents/", PDF_BYTES + b"0" * 50_000
    )

    assert response.status_code == 400
    assert "must be smaller than" in response.json()["errors"]["file"][0]
    assert not Document.objects.exists()


def test_out_of_scope_is_404_and_a_role_or_share_that_may_not_upload_is_403(cast, shared_case):
    from partners.models import Membership

    path = f"/api/v1/cases/{shared_case.case.uuid}/documents/"
    unrelated = make_api(cast.unrelated.organisation)
    viewing_partner = make_api(cast.partner.organisation)  # the share lets it view, not add
    analyst = make_api(cast.owner.organisation, role=Membership.Role.ANALYST)
    contributor = make_api(cast.contributor.organisation)

    assert post_file(unrelated, path, png_bytes()).status_code == 404
    assert post_file(viewing_partner, path, png_bytes()).status_code == 403
    assert post_file(analyst, path, png_bytes()).status_code == 403
    assert not Document.objects.exists()
    assert post_file(contributor, path, png_bytes()).status_code == 201
    unrelated_incident = f"/api/v1/incidents/{shared_case.incident.uuid}/documents/"
    assert post_file(unrelated, unrelated_incident, png_bytes()).status_code == 404


def test_an_idempotency_key_replays_the_same_upload_and_refuses_another_file(cast, shared_case):
    owner = make_api(cast.owner.organisation)
    path = f"/api/v1/cases/{shared_case.case.uuid}/documents/"
    key = {"HTTP_IDEMPOTENCY_KEY": "upload-1"}

    first = post_file(owner, path, png_bytes("red"), headers=key)
    again = post_file(owner, path, png_bytes("red"), headers=key)
    other_file = post_file(owner, path, png_bytes("blue"), headers=key)
    other_name = post_file(owner, path, png_bytes("red"), "door2.png", headers=key)
    other_title = post_file(owner, path, png_bytes("red"), headers=key, title="Another")

    assert first.status_code == 201
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert [other_file.status_code, other_name.status_code, other_title.status_code] == [422] * 3
    assert Document.objects.count() == 1


def test_a_failed_upload_frees_its_idempotency_key(cast, shared_case):
    owner = make_api(cast.owner.organisation)
    path = f"/api/v1/cases/{shared_case.case.uuid}/documents/"
    key = {"HTTP_IDEMPOTENCY_KEY": "upload-2"}

    assert post_file(owner, path, b"", headers=key).status_code == 400
    assert post_file(owner, path, png_bytes(), headers=key).status_code == 201
