"""Evidence and letters kept on a case, an incident or a Case Review application.

A document's bytes live in Django's storage (the file system by default, S3-compatible object
storage in production) under a name made from its UUID, never from what the uploader called
it; the row says what the file is (its type as sniffed from its content), who may read it
(like notes: every agency that can see what it is attached to, or the uploader's organisation
only), and whether the virus scan has cleared it. docs/adr/0019-evidence-storage-and-scanning.md.

Letters are made from versioned templates kept per organisation (the partnership's defaults
where an organisation has none of its own); each letter produced is a document on its case and
a `Letter` row naming the template version and the wording it was given.
docs/adr/0020-letters.md.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from asb_cases.models import Case, Incident
from community_trigger.models import Application
from partners.models import Organisation, User
from victims.models import Person


def _storage_name(instance: Document, filename: str) -> str:
    """Where the bytes go: by UUID, so nothing the uploader typed reaches a path."""
    return f"documents/{instance.uuid.hex[:2]}/{instance.uuid.hex}"


class Document(models.Model):
    class Kind(models.TextChoices):
        EVIDENCE = "evidence", "Evidence"
        LETTER = "letter", "Letter"

    class Visibility(models.TextChoices):
        ALL_AGENCIES = "all_agencies", "All agencies on the case"
        MY_ORGANISATION = "my_organisation", "My organisation only"

    class ScanStatus(models.TextChoices):
        PENDING = "pending", "Being checked for viruses"
        CLEAN = "clean", "Checked: no virus found"
        NOT_SCANNED = "not_scanned", "Not checked (no virus scanner is configured)"
        INFECTED = "infected", "A virus was found: the file was removed"
        FAILED = "failed", "The virus check could not be completed"

    # Statuses whose file may be downloaded.
    RELEASED = (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED)

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EVIDENCE)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # The name given on download: checked on upload (no path separator or control character).
    file_name = models.CharField(max_length=200)
    file = models.FileField(upload_to=_storage_name, max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    visibility = models.CharField(max_length=20, choices=Visibility.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    scan_status = models.CharField(max_length=20, choices=ScanStatus.choices)
    scanned_at = models.DateTimeField(null=True, blank=True)
    scan_detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="doc_on_exactly_one_record",
                condition=(
                    Q(case__isnull=False, incident__isnull=True, application__isnull=True)
                    | Q(case__isnull=True, incident__isnull=False, application__isnull=True)
                    | Q(case__isnull=True, incident__isnull=True, application__isnull=False)
                ),
            ),
        ]
        indexes = [
            # The documents of one case, incident or application, newest first.
            models.Index(fields=["case", "-created_at"], name="doc_case"),
            models.Index(fields=["incident", "-created_at"], name="doc_incident"),
            models.Index(fields=["application", "-created_at"], name="doc_application"),
            # The scans still waiting (the recovery sweep).
            models.Index(
                fields=["created_at"], name="doc_scan_pending", condition=Q(scan_status="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.file_name})"

    @property
    def released(self) -> bool:
        return self.scan_status in self.RELEASED

    @property
    def attached_to(self) -> Case | Incident | Application:
        return self.case or self.incident or self.application


class LetterKind(models.TextChoices):
    WARNING = "warning", "Warning letter"
    ABC = "abc", "Acceptable behaviour agreement"
    CPW = "cpw", "Community protection warning"
    CPN = "cpn", "Community protection notice"
    CLOSURE = "closure", "Closure notice"
    VICTIM_CONTACT = "victim_contact", "Letter to the victim naming their single point of contact"


class LetterTemplate(models.Model):
    """One version of one kind of letter, for one organisation (or, with no organisation, the
    partnership's default). Versions are appended, never changed: a letter names the version
    it was made from."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=LetterKind.choices)
    version = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    # Plain text with {{ placeholders }} (documents.letters.PLACEHOLDERS); paragraphs split on
    # blank lines. No template language: a template cannot reach anything it is not given.
    body = models.TextField()
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "version"],
                condition=Q(organisation__isnull=False),
                name="letter_template_version_unique",
            ),
            models.UniqueConstraint(
                fields=["kind", "version"],
                condition=Q(organisation__isnull=True),
                name="letter_default_version_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class Letter(models.Model):
    """A letter produced on a case: the PDF is its document."""

    id = models.BigAutoField(primary_key=True)
    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="letter")
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The statutory wording and other fields the officer filled in, as given.
    fields = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Letter {self.document_id}"
