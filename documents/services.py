"""Writes for evidence and letters: each checks who may act (access.rules), writes its audit
event in its own transaction, and leaves the virus scan to a Celery task through the outbox."""

from __future__ import annotations

import hashlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from access import rules
from access.viewer import viewer_for
from asb_cases.models import Case, Incident
from community_trigger.models import Application
from documents import scanning
from documents.models import Document
from documents.uploads import CheckedFile, check_name
from partners.audit import SystemActor, audit_record, audit_viewed
from partners.models import AuditEvent, User
from partners.outbox import outbox_enqueue

logger = logging.getLogger(__name__)
Verb = AuditEvent.Verb
SCANNER = SystemActor("virus-scan")
HASH_CHUNK = 1024 * 1024


def _attach(record: Case | Incident | Application) -> dict:
    if isinstance(record, Case):
        return {"case": record}
    if isinstance(record, Incident):
        return {"incident": record}
    if isinstance(record, Application):
        return {"application": record}
    raise TypeError(f"Documents cannot be attached to {type(record).__name__}")


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(HASH_CHUNK), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _save(
    *,
    actor: User,
    record,
    kind: str,
    title: str,
    description: str,
    visibility: str,
    name: str,
    content: File,
    content_type: str,
    size: int,
    scan_status: str,
) -> Document:
    document = Document(
        **_attach(record),
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        file_name=name,
        content_type=content_type,
        size=size,
        sha256=_sha256(content),
        visibility=visibility,
        organisation=actor.membership.organisation,
        uploaded_by=actor,
        scan_status=scan_status,
        created_at=timezone.now(),
    )
    # The storage API streams the file in chunks (a temporary upload is moved, not read in).
    document.file.save(name, content, save=False)
    try:
        document.save()
    except Exception:
        document.file.storage.delete(document.file.name)
        raise
    if isinstance(record, Case):
        Case.objects.filter(pk=record.pk).update(updated_at=document.created_at)
    return document


@transaction.atomic
def document_upload(
    *,
    actor: User,
    record: Case | Incident | Application,
    upload: CheckedFile,
    title: str,
    description: str = "",
    visibility: str,
) -> Document:
    """Keep an uploaded file (already checked by documents.uploads) on a record the actor may
    add evidence to. With a scanner configured it is held until the scan clears it."""
    viewer = viewer_for(actor)
    if not rules.may_add_document(viewer, record):
        raise PermissionDenied(f"{actor} may not add documents to {record}")
    if not title.strip():
        raise ValidationError({"title": "Enter a title for the file"})
    if visibility not in Document.Visibility.values:
        raise ValidationError({"visibility": "Select who can see the file"})
    held = scanning.scanning_enabled()
    document = _save(
        actor=actor,
        record=record,
        kind=Document.Kind.EVIDENCE,
        title=title,
        description=description,
        visibility=visibility,
        name=check_name(upload.name),
        content=upload.file,
        content_type=upload.content_type,
        size=upload.size,
        scan_status=Document.ScanStatus.PENDING if held else Document.ScanStatus.NOT_SCANNED,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="document_upload",
        target=document,
        detail={
            "on": record._meta.label_lower,
            "on_id": str(record.pk),
            "name": document.file_name,
            "type": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
            "visibility": visibility,
        },
    )
    if held:
        outbox_enqueue(task_name="documents.scan", kwargs={"document_id": document.pk})
    return document


@transaction.atomic
def document_save_generated(
    *,
    actor: User,
    case: Case,
    title: str,
    name: str,
    content: bytes,
    content_type: str,
    visibility: str,
) -> Document:
    """Keep a file the service made itself (a letter's PDF) on a case: nothing to scan."""
    return _save(
        actor=actor,
        record=case,
        kind=Document.Kind.LETTER,
        title=title,
        description="",
        visibility=visibility,
        name=check_name(name),
        content=ContentFile(content),
        content_type=content_type,
        size=len(content),
        scan_status=Document.ScanStatus.CLEAN,
    )


def document_scan(*, document_id: int) -> str:
    """Scan a held document (the `documents.scan` task): release it, or remove an infected
    file and keep the row to say so. Idempotent: a document already decided is left alone.
    Raises ScanUnavailable when the daemon cannot say, so the task is tried again."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.scan_status != Document.ScanStatus.PENDING:
        return "skipped"
    with document.file.open("rb") as stream:
        verdict = scanning.scan(stream)
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document_id)
        if locked.scan_status != Document.ScanStatus.PENDING:
            return "skipped"
        locked.scanned_at = timezone.now()
        if verdict.infected:
            locked.scan_status = Document.ScanStatus.INFECTED
            locked.scan_detail = verdict.signature[:200]
            name = locked.file.name
            transaction.on_commit(lambda: locked.file.storage.delete(name))
        else:
            locked.scan_status = Document.ScanStatus.CLEAN
        locked.save(update_fields=["scan_status", "scanned_at", "scan_detail"])
        audit_record(
            actor=SCANNER,
            verb=Verb.CHANGED,
            action="document_scanned",
            target=locked,
            organisation=locked.organisation,
            detail={"status": locked.scan_status, "signature": locked.scan_detail},
        )
    return locked.scan_status


def document_downloaded(*, actor: User, document: Document) -> None:
    """Audit a download (the view streams the file after this)."""
    audit_viewed(
        actor=actor,
        action="document_download",
        verb=Verb.EXPORTED,
        target=document,
        detail={"name": document.file_name, "sha256": document.sha256},
    )
