"""Dashboards' summaries and the police.uk open-data layer.

The reporting app reads every other app and nothing imports it. It owns two kinds of table:

- summaries of the case records, rebuilt by Celery (`reporting.services.summaries_refresh` and
  `households_refresh`), one set of rows per viewing organisation (whose visibility they
  follow: what it owns or was shared with it) and one for the whole partnership (`viewer` is
  NULL). Dashboards read them instead of counting a million incidents on every request; each
  page says when they were last refreshed (docs/adr/0011-reporting.md). They are derived data,
  rebuilt whole: their foreign keys have no database constraint (a million deferred checks at
  every commit) and no index of their own (each table has the one index its dashboard reads
  by), and deleting an organisation still deletes its rows (Django's cascade);
- the police.uk street-level ASB rows (`OpenDataIncident`), a context layer kept apart from the
  partnership's own case records, loaded by `import_policeuk` or the upload page.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from partners.models import LocalAuthority, Organisation, User


class ReportingAccess(models.Model):
    """Carries the app's permissions, which roles are given in `ReportingConfig`. No table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboards", "Can see dashboards for their organisation"),
            ("view_partnership_totals", "Can see dashboard totals for the whole partnership"),
            ("import_open_data", "Can import police.uk open data"),
        ]

    def __str__(self) -> str:
        return "Reporting permissions"


class SummaryState(models.Model):
    """When each kind of summary was last rebuilt. One row per kind; the refresh locks its row
    (`select_for_update(skip_locked=True)`), so two refreshes never run at once."""

    class Kind(models.TextChoices):
        CASES = "cases", "Cases, incidents and actions"
        HOUSEHOLDS = "households", "High Impact Households"

    kind = models.CharField(max_length=20, choices=Kind.choices, unique=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    rows = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} refreshed at {self.refreshed_at}"


class AgeBand(models.TextChoices):
    """How long an open case has been open (case drift)."""

    UNDER_3 = "under_3", "Under 3 months"
    FROM_3 = "3_to_6", "3 to 6 months"
    FROM_6 = "6_to_12", "6 to 12 months"
    OVER_12 = "over_12", "Over 12 months"


class CaseOwnershipCount(models.Model):
    """Open cases a viewer can see, by lead organisation, status and age. Officer-level
    rows only where the viewer leads the cases (its own team); elsewhere `lead_officer` is
    NULL and the rows are totals."""

    viewer = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    lead_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    lead_officer = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=20)
    age_band = models.CharField(max_length=10, choices=AgeBand.choices)
    cases = models.PositiveIntegerField()
    unowned = models.PositiveIntegerField(help_text="Of which have no lead officer")

    class Meta:
        indexes = [
            # The ownership dashboard: one viewer's rows.
            models.Index(fields=["viewer", "lead_organisation"], name="reporting_own_viewer"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id}: {self.lead_organisation_id} {self.status} {self.cases}"


class IncidentAreaMonth(models.Model):
    """Incidents a viewer can see, per month and area, by type; `incident_type` NULL rows are
    the total of all types. An incident recorded by several agencies (`duplicate_of`) counts
    once where the viewer sees the original."""

    viewer = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    month = models.DateField(help_text="The first day of the month (UK time)")
    incident_type = models.ForeignKey(
        "asb_cases.IncidentType",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    lsoa_code = models.CharField(max_length=9, blank=True)
    lsoa_vintage = models.PositiveSmallIntegerField(null=True, blank=True)
    ward_code = models.CharField(max_length=9, blank=True)
    ward_year = models.PositiveSmallIntegerField(null=True, blank=True)
    local_authority = models.ForeignKey(
        LocalAuthority,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    incidents = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # Hotspots: one viewer, one type (or all), a range of months.
            models.Index(
                fields=["viewer", "incident_type", "month"], name="reporting_area_viewer_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} {self.month} {self.lsoa_code}: {self.incidents}"


class IncidentAgencyMonth(models.Model):
    """Incidents a viewer can see, per month, agency reported to and type (trend charts)."""

    viewer = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    month = models.DateField()
    reported_to = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    incident_type = models.ForeignKey(
        "asb_cases.IncidentType",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    incidents = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # Trends: one viewer, a range of months.
            models.Index(fields=["viewer", "month"], name="reporting_agency_viewer_month"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} {self.month} {self.reported_to_id}: {self.incidents}"


class ActionMonth(models.Model):
    """Tools and powers used on cases a viewer can see, and what they cost, per month, type,
    acting organisation and the case's local authority."""

    viewer = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    month = models.DateField()
    action_type = models.ForeignKey(
        "asb_cases.ActionType",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    local_authority = models.ForeignKey(
        LocalAuthority,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actions = models.PositiveIntegerField()
    cost_pounds = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        indexes = [
            # Tools, powers and costs: one viewer, a range of months.
            models.Index(fields=["viewer", "month"], name="reporting_action_viewer_month"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} {self.month} {self.action_type_id}: {self.actions}"


class CaseCostMonth(models.Model):
    """What tools and powers cost on each case a viewer can see, per month (only actions with
    a cost): the "cases that cost most" table, without grouping every action on a request."""

    viewer = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    month = models.DateField()
    case = models.ForeignKey(
        "asb_cases.Case",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    actions = models.PositiveIntegerField()
    cost_pounds = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        indexes = [
            # Costs: one viewer, a range of months, then the cases that cost most.
            models.Index(fields=["viewer", "month"], name="reporting_casecost_viewer"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} {self.month} case {self.case_id}: {self.cost_pounds}"


class HouseholdRank(models.Model):
    """The addresses and people with most incidents in the last N months, as a viewer sees
    them (High Impact Households): the top of each list only. Read only by those entitled to
    see people (reporting.selectors.households_dashboard)."""

    class Kind(models.TextChoices):
        ADDRESS = "address", "Address"
        PERSON = "person", "Person"

    viewer = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    months = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    rank = models.PositiveSmallIntegerField()
    person = models.ForeignKey(
        "victims.Person",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    uprn = models.CharField(max_length=12, blank=True)
    local_authority = models.ForeignKey(
        LocalAuthority,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    incidents = models.PositiveIntegerField()
    as_victim = models.PositiveIntegerField(default=0)
    as_perpetrator = models.PositiveIntegerField(default=0)
    agencies = models.PositiveIntegerField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        ordering = ["rank"]
        indexes = [
            models.Index(fields=["viewer", "months", "kind", "rank"], name="reporting_hih_viewer"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_id} {self.kind} #{self.rank}: {self.incidents}"


# police.uk open data --------------------------------------------------------------------------


class OpenDataImport(models.Model):
    """One police.uk file loaded (from the upload page or `import_policeuk`): its progress,
    and a summary of what was loaded, what was already there and what was skipped, and why."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded"
        COMMAND = "command", "Command line"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Loading"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=10, choices=Source.choices)
    file_name = models.CharField(max_length=200)
    # The uploaded file, kept in the database so the web and worker need share no disk; emptied
    # once it has been loaded.
    content = models.BinaryField(blank=True, default=b"")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    loaded = models.PositiveIntegerField(default=0)
    already_loaded = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # {"reason code": rows}, {"YYYY-MM": rows loaded}, {"local authority code": rows loaded}
    skipped_reasons = models.JSONField(default=dict, blank=True)
    months = models.JSONField(default=dict, blank=True)
    areas = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "open data import"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def percent_done(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(100 * self.rows_done / self.rows_total))

    @property
    def in_progress(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}


class OpenDataIncident(models.Model):
    """One anti-social behaviour row of a police.uk street-level file, in the partnership's
    area. Never linked to case records: context only.

    police.uk ASB rows have no identifier, so `key` is a SHA-256 of the row's whole content
    and its position among identical rows of the same file (reporting.policeuk.row_key):
    importing the same file again finds every key already there."""

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=64, unique=True)
    month = models.DateField(help_text="The first day of the month police.uk gives")
    crime_type = models.CharField(max_length=60)
    reported_by = models.CharField(max_length=100)
    falls_within = models.CharField(max_length=100)
    # The anonymised snap point ("On or near ..."), shared by many rows.
    location = models.CharField(max_length=200, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lsoa_code = models.CharField("LSOA code", max_length=9)
    lsoa_vintage = models.PositiveSmallIntegerField(help_text="2011 or 2021")
    ward_code = models.CharField(max_length=9, blank=True)
    ward_year = models.PositiveSmallIntegerField(null=True, blank=True)
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="+")
    loaded_by = models.ForeignKey(
        OpenDataImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["month", "id"]
        verbose_name = "police.uk open data incident"
        indexes = [
            # The hotspot map's open-data layer: a range of months, by LSOA or ward.
            models.Index(fields=["month", "lsoa_code"], name="reporting_od_month_lsoa"),
            models.Index(fields=["month", "ward_code"], name="reporting_od_month_ward"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lsoa_vintage__in=[2011, 2021]), name="reporting_od_lsoa_vintage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.crime_type} {self.month:%Y-%m} {self.lsoa_code}"
