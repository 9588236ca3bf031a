"""Writes for evidence and letters: each checks who may act (access.rules), writes its audit
event in its own transaction, and leaves the virus scan to a Celery task through the outbox."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from access import rules
from access.redaction import PersonView
from access.viewer import viewer_for
from asb_cases.models import Case, Incident
from community_trigger.models import Application
from documents import letters, scanning, selectors
from documents.models import Document, Letter, LetterKind, LetterTemplate
from documents.uploads import CheckedFile, check_name
from partners.audit import SystemActor, audit_record, audit_viewed
from partners.models import AuditEvent, User
from partners.outbox import outbox_enqueue

logger = logging.getLogger(__name__)
Verb = AuditEvent.Verb
SCANNER = SystemActor("virus-scan")
SWEEPER = SystemActor("orphan-files")
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


# Orphan files ---------------------------------------------------------------------------------

STORAGE_ROOT = "documents"


def orphan_files_sweep(*, older_than: dt.timedelta | None = None) -> int:
    """Delete stored files that no document names (an upload whose transaction failed after
    its file was written), once older than DOCUMENT_ORPHAN_HOURS, so no upload still in
    flight loses its file. Through the storage API only (`listdir`, `get_modified_time`,
    `delete`), so object storage is swept as the file system is. Audited as a count; the
    beat job `documents.orphans_sweep` runs it nightly. Returns how many were deleted."""
    if older_than is None:
        older_than = dt.timedelta(hours=settings.DOCUMENT_ORPHAN_HOURS)
    storage = Document._meta.get_field("file").storage
    cutoff = timezone.now() - older_than
    deleted = kept_young = 0
    try:
        folders, _ = storage.listdir(STORAGE_ROOT)
    except FileNotFoundError:  # nothing was ever stored
        folders = []
    for folder in sorted(folders):
        _, files = storage.listdir(f"{STORAGE_ROOT}/{folder}")
        names = [f"{STORAGE_ROOT}/{folder}/{name}" for name in files]
        known = set(Document.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names:
            if name in known:
                continue
            if storage.get_modified_time(name) > cutoff:
                kept_young += 1
                continue
            # Named by a UUID no row has, and older than any upload's transaction.
            storage.delete(name)
            deleted += 1
    audit_record(
        actor=SWEEPER,
        verb=Verb.CHANGED,
        action="document_orphans_swept",
        detail={
            "deleted": deleted,
            "kept_too_recent": kept_young,
            "older_than_hours": older_than.total_seconds() / 3600,
        },
    )
    if deleted:
        logger.info("Deleted %s stored files no document names", deleted)
    return deleted


# Letters --------------------------------------------------------------------------------------


def _contact(name: str, email: str, phone: str) -> str:
    parts = [part for part in (phone, email) if part]
    return f" ({', '.join(parts)})" if parts else ""


def letter_values(
    *, actor: User, case: Case, kind: str, recipient: PersonView | None, fields: dict
) -> dict[str, str]:
    """What the placeholders are filled with: the case, the writer, the single point of
    contact (the case's lead officer), and the recipient only as the writer's organisation may
    see them (access.redaction)."""
    membership = actor.membership
    spoc = case.lead_officer
    spoc_membership = getattr(spoc, "membership", None) if spoc else None
    details = recipient.details if recipient is not None else None
    comply_by = fields.get("comply_by")
    return {
        "organisation": membership.organisation.name,
        "date": f"{timezone.localdate():%-d %B %Y}",
        "case_reference": case.reference,
        "recipient_name": details.full_name if details else "",
        "recipient_address": (
            "\n".join(part for part in (details.address, details.postcode) if part)
            if details
            else ""
        ),
        "officer_name": actor.display_name,
        "officer_contact": _contact(actor.display_name, actor.email, membership.phone),
        "spoc_name": spoc.display_name if spoc else f"the ASB team at {case.lead_organisation}",
        "spoc_organisation": case.lead_organisation.name,
        "spoc_contact": (
            _contact(
                spoc.display_name, spoc.email, spoc_membership.phone if spoc_membership else ""
            )
            if spoc
            else ""
        ),
        "conduct": fields.get("conduct", ""),
        "requirements": fields.get("requirements", ""),
        "comply_by": f"{comply_by:%-d %B %Y}" if comply_by else "",
        "premises": fields.get("premises", ""),
        "hearing": fields.get("hearing", ""),
    }


@transaction.atomic
def letter_create(
    *,
    actor: User,
    case: Case,
    kind: str,
    recipient_id: int | None,
    fields: dict,
    visibility: str,
) -> Letter:
    """Make a letter from the current template of its kind, keep its PDF on the case as a
    document, and record which template version and wording made it."""
    viewer = viewer_for(actor)
    if not rules.CaseAccess.of(viewer, case).allows(rules.CONTRIBUTE):
        raise PermissionDenied(f"{actor} may not write letters on {case.reference}")
    if kind not in LetterKind.values:
        raise ValidationError({"kind": "Select the kind of letter"})
    if visibility not in Document.Visibility.values:
        raise ValidationError({"visibility": "Select who can see the letter"})
    if "recipient" in letters.FIELDS_FOR[kind]:
        # A letter carries its recipient's details as the writer's organisation sees them,
        # which a partner on the case may not: it stays with the writer's organisation.
        visibility = Document.Visibility.MY_ORGANISATION
    recipient = None
    if "recipient" in letters.FIELDS_FOR[kind]:
        recipients = selectors.letter_recipients(viewer=viewer, case=case, kind=kind)
        recipient = recipients.get(recipient_id)
        if recipient is None:
            raise ValidationError({"recipient": "Select who the letter is to"})
    template = selectors.letter_template_current(viewer=viewer, kind=kind)
    values = letter_values(actor=actor, case=case, kind=kind, recipient=recipient, fields=fields)
    rendered = letters.render(
        subject=template.subject,
        body=template.body,
        values=values,
        sender=actor.membership.organisation.name,
    )
    label = LetterKind(kind).label
    document = document_save_generated(
        actor=actor,
        case=case,
        title=label,
        name=f"{case.reference} {label}.pdf".replace("/", "-"),
        content=rendered.pdf,
        content_type="application/pdf",
        visibility=visibility,
    )
    stored_fields = {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name, value in fields.items()
        if name in letters.FIELDS_FOR[kind] and name != "recipient"
    }
    letter = Letter.objects.create(
        document=document,
        template=template,
        recipient=recipient.person if recipient else None,
        fields=stored_fields,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="letter_create",
        target=case,
        detail={
            "letter": letter.pk,
            "document": str(document.uuid),
            "kind": kind,
            "template": template.pk,
            "template_version": template.version,
            "recipient": recipient.person.pk if recipient else None,
        },
    )
    return letter


def may_publish_letter_templates(viewer) -> bool:
    """Supervisors and the organisation's administrators keep its letter templates."""
    return viewer.is_member and (
        viewer.is_supervisor or viewer.may("partners.manage_organisation_users")
    )


@transaction.atomic
def letter_template_publish(*, actor: User, kind: str, subject: str, body: str) -> LetterTemplate:
    """A new version of the actor's organisation's template for `kind` (supervisors and
    partner administrators). Earlier versions stay, named by the letters made from them."""
    viewer = viewer_for(actor)
    if not may_publish_letter_templates(viewer):
        raise PermissionDenied(f"{actor} may not change letter templates")
    if kind not in LetterKind.values:
        raise ValidationError({"kind": "Select the kind of letter"})
    if not subject.strip():
        raise ValidationError({"subject": "Enter the letter's heading"})
    if not body.strip():
        raise ValidationError({"body": "Enter the wording of the letter"})
    try:
        letters.check_template_body(body)
    except letters.UnknownPlaceholder as exc:
        raise ValidationError({"body": f"These placeholders are not known: {exc}"}) from exc
    organisation = actor.membership.organisation
    latest = (
        LetterTemplate.objects.select_for_update()
        .filter(organisation=organisation, kind=kind)
        .order_by("-version")
        .first()
    )
    template = LetterTemplate.objects.create(
        organisation=organisation,
        kind=kind,
        version=(latest.version + 1) if latest else 1,
        subject=subject.strip(),
        body=body.strip().replace("\r\n", "\n"),
        created_by=actor,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="letter_template_publish",
        target=template,
        detail={"kind": kind, "version": template.version},
    )
    return template
