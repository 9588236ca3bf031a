"""Files stored by an upload whose transaction then failed are swept away once old enough,
through the storage API, and the sweep is audited as a count (docs/adr/0019)."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from config.celery import app
from documents import services, tasks
from documents.models import Document
from documents.uploads import CheckedFile
from partners.models import AuditEvent
from tests.documents.conftest import png_bytes

pytestmark = pytest.mark.django_db


def _upload(cast, case) -> Document:
    content = png_bytes()
    return services.document_upload(
        actor=cast.owner.officer,
        record=case,
        upload=CheckedFile(
            file=SimpleUploadedFile("door.png", content),
            name="door.png",
            content_type="image/png",
            size=len(content),
        ),
        title="Photo of the door",
        visibility="all_agencies",
    )


def _age(media_root, name: str, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(media_root / name, (then, then))


def test_a_file_left_by_a_failed_upload_is_deleted_once_old_and_kept_files_stay(
    cast, shared_case, media_root
):
    kept = _upload(cast, shared_case.case)
    with pytest.raises(RuntimeError), transaction.atomic():
        failed = _upload(cast, shared_case.case)
        raise RuntimeError("the transaction fails after the file was written")
    orphan = failed.file.name
    young = default_storage.save(f"documents/ff/{uuid.uuid4().hex}", ContentFile(b"in flight"))
    assert not Document.objects.filter(pk=failed.pk).exists()
    for name in (kept.file.name, orphan):
        _age(media_root, name, 25)

    assert services.orphan_files_sweep() == 1

    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept.file.name)  # named by a document, however old
    assert default_storage.exists(young)  # too recent: its upload may still be committing
    event = AuditEvent.objects.get(action="document_orphans_swept")
    assert event.detail == {"deleted": 1, "kept_too_recent": 1, "older_than_hours": 24.0}
    assert "door" not in str(event.detail)


def test_the_safety_age_is_a_setting_and_an_empty_store_is_fine(
    cast, shared_case, media_root, settings
):
    assert services.orphan_files_sweep() == 0  # nothing stored yet: no folder at all
    settings.DOCUMENT_ORPHAN_HOURS = 48
    name = default_storage.save(f"documents/ab/{uuid.uuid4().hex}", ContentFile(b"x"))
    _age(media_root, name, 25)

    assert tasks.orphans_sweep() == 0
    assert services.orphan_files_sweep(older_than=dt.timedelta(hours=24)) == 1
    assert [
        e.detail["deleted"]
        for e in AuditEvent.objects.filter(action="document_orphans_swept").order_by("id")
    ] == [0, 0, 1]


def test_the_sweep_is_on_the_beat_schedule():
    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "documents.orphans_sweep"]
    assert len(entries) == 1
    assert "documents.orphans_sweep" in app.tasks
