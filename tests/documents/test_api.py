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
from tests.documents.conftest import png_bytes

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
