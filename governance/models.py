"""Retention as data: how long each kind of record is kept, by whom, and what happens after;
the review queue of what is due; legal holds that stop disposal; and the nightly runs.

docs/adr/0016-retention-and-disposal.md says why disposal anonymises case records (the
statistics keep their counts) and deletes people only when no agency still needs them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from asb_cases.models import CaseShare, Category, IncidentType
from partners.models import Organisation, User


class RecordType(models.TextChoices):
    """The kinds of record a retention policy covers, each with its owner."""

    CLOSED_CASE = "closed_case", "Closed cases (owned by the lead organisation)"
    INCIDENT = "incident", "Incidents on no open case (owned by the agency reported to)"
    APPLICATION = "application", "ASB Case Review applications and decisions, once finished"
    PERSON_DETAILS = (
        "person_details",
        "An organisation's record of a person it holds nothing else about",
    )
    AUDIT_EVENT = "audit_event", "Audit events"
    OUTBOX = "outbox", "Completed background work (outbox)"
    SESSION = "session", "Expired sign-in sessions"
    NOTIFICATION = "notification", "Notifications"


# Record types disposed of without review: operational rows no person reads back.
OPERATIONAL = frozenset({RecordType.OUTBOX, RecordType.SESSION, RecordType.NOTIFICATION})


class RetentionPolicy(models.Model):
    """How long one organisation keeps one kind of record, and what happens after.

    A row with no organisation is the partnership's default; an organisation's own row
    overrides it for the records it owns."""

    class Action(models.TextChoices):
        ANONYMISE = "anonymise", "Anonymise (keep the counts, remove what identifies anyone)"
        DELETE = "delete", "Delete"
        REPORT = "report", "Report only (disposed outside the application)"

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="retention_policies",
    )
    record_type = models.CharField(max_length=30, choices=RecordType.choices)
    keep_days = models.PositiveIntegerField(help_text="Days kept after the record's start date")
    action = models.CharField(max_length=20, choices=Action.choices)
    # Whether the owning organisation's admin approves each disposal first.
    requires_review = models.BooleanField(default=True)
    # Where the period comes from (the organisation's retention schedule, the statute).
    basis = models.CharField(max_length=300, blank=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["record_type", "organisation__name"]
        verbose_name_plural = "retention policies"
        permissions = [
            (
                "manage_information",
                "Can review disposals, place legal holds, answer subject access requests and "
                "read who viewed what, for their own organisation",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "record_type"],
                name="governance_policy_once_per_org",
                condition=Q(organisation__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["record_type"],
                name="governance_policy_one_default",
                condition=Q(organisation__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        owner = self.organisation or "partnership default"
        return f"{self.get_record_type_display()}: {self.keep_days} days, {self.action} ({owner})"


class LegalHold(models.Model):
    """Records an organisation must keep whatever its retention policy says (litigation, a
    complaint, an inquiry): a case, an incident, or everything it holds about a person."""

    class Scope(models.TextChoices):
        CASE = "case", "A case"
        INCIDENT = "incident", "An incident"
        PERSON = "person", "Everything about a person"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="legal_holds"
    )
    scope = models.CharField(max_length=20, choices=Scope.choices)
    # The held record's primary key (a case, an incident or a person).
    target_id = models.BigIntegerField()
    reason = models.TextField()
    placed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            # Disposal's check: is this record held by anyone?
            models.Index(
                fields=["scope", "target_id"],
                name="governance_hold_active",
                condition=Q(released_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Hold on {self.scope} {self.target_id} ({self.organisation_id})"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class DisposalRun(models.Model):
    """One nightly run (or a run started by hand): what it examined, queued and disposed.

    `key` makes the nightly run idempotent: a second run for the same day (a beat restart, a
    redelivered task) continues the first."""

    key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    examined = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    disposed = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    # Per record type: {"outbox": {"deleted": 12}, "audit_event": {"due": 40}, ...}
    stats = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Disposal run {self.key}"


class DisposalItem(models.Model):
    """A record due for disposal on its owning organisation's review queue.

    One row per record, ever: a record anonymised stays anonymised, so finding it due again
    would be a mistake; the row is the proof it was dealt with. Disposal of an item happens in
    one transaction with its status and audit event, so an interrupted run neither disposes a
    record twice nor leaves half of one."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved for disposal"
        HELD = "held", "Kept: under legal hold"
        KEPT = "kept", "Kept: no longer due"
        DISPOSED = "disposed", "Disposed"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="disposal_items"
    )
    record_type = models.CharField(max_length=30, choices=RecordType.choices)
    record_id = models.BigIntegerField()
    # What the admin reads to decide: a reference and dates, never a name.
    label = models.CharField(max_length=200)
    due_on = models.DateField()
    action = models.CharField(max_length=20, choices=RetentionPolicy.Action.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    found_by = models.ForeignKey(
        DisposalRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id"], name="governance_item_once_per_record"
            ),
        ]
        indexes = [
            # The admin's review queue: one organisation's items by status.
            models.Index(fields=["organisation", "status", "due_on"], name="governance_item_queue"),
            # The disposer's scan for approved items.
            models.Index(
                fields=["record_type", "id"],
                name="governance_item_approved",
                condition=Q(status="approved"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id} ({self.status})"


class SharingRule(models.Model):
    """A partnership default: cases led by an organisation (or by any organisation of a kind)
    are shared with another organisation when they get an incident of the rule's kind, e.g.
    "the police see housing providers' cases with hate incidents, at view level".

    Set by the partnership's admin (when onboarding an organisation or later); applied by
    `governance.sharing.rules_apply` through the case sharing service, audited as the
    partnership's rule. A retired rule shares nothing more; shares it made stay until the
    lead revokes them."""

    from_kind = models.CharField(max_length=30, choices=Organisation.Kind.choices, blank=True)
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="sharing_rules_to"
    )
    # The incident's conditions, all of which must hold (blank: any).
    hate_only = models.BooleanField(default=False)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    incident_type = models.ForeignKey(
        IncidentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Levels and "include people" mean what they mean on a case share.
    access_level = models.CharField(max_length=20, choices=CaseShare.AccessLevel.choices)
    include_people = models.BooleanField(default=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    retired_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="governance_rule_from_kind_or_organisation",
                condition=(
                    Q(from_organisation__isnull=False, from_kind="")
                    | Q(from_organisation__isnull=True) & ~Q(from_kind="")
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    @property
    def is_active(self) -> bool:
        return self.retired_at is None

    def describe(self) -> str:
        """'Test Police see cases led by housing providers with hate incidents, at view level'."""
        source = (
            f"{self.from_organisation}"
            if self.from_organisation_id
            else self.get_from_kind_display()
        )
        conditions = []
        if self.hate_only:
            conditions.append("hate")
        if self.category:
            conditions.append(self.get_category_display().lower())
        if self.incident_type_id:
            conditions.append(f"“{self.incident_type.name}”")
        incidents = f"{' '.join(conditions)} incidents" if conditions else "any incident"
        people = ", with the people on them" if self.include_people else ""
        return (
            f"{self.to_organisation} see cases led by {source} with {incidents}, at "
            f"{self.get_access_level_display().split(' (')[0].lower()} level{people}"
        )
