"""The PCC's review of "threshold not met" decisions (Crime and Policing Act 2026), with its
timescale kept as versioned data like the threshold policies
(docs/adr/0022-act-2026-tools-pcc-review-published-figures.md)."""

from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partners.models import Organisation, User


class PccReviewPolicy(models.Model):
    """How long the PCC's office has to decide a review, versioned by effective date: the
    version in force when a review is asked for sets its deadline."""

    version = models.PositiveSmallIntegerField(unique=True)
    effective_from = models.DateField()
    decide_working_days = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1)]
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-version"]
        verbose_name_plural = "PCC review policies"

    def __str__(self) -> str:
        return f"PCC review policy v{self.version} from {self.effective_from}"


class PccReview(models.Model):
    """A request that the PCC's office review a decision that the threshold was not met."""

    class Via(models.TextChoices):
        PUBLIC = "public", "By the applicant, online"
        OFFICER = "officer", "By an officer on the victim's behalf"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for the PCC's office"
        UPHELD = "upheld", "Upheld: the lead agency must reconsider"
        NOT_UPHELD = "not_upheld", "Not upheld: the decision stands"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        "community_trigger.Application", on_delete=models.PROTECT, related_name="pcc_reviews"
    )
    policy = models.ForeignKey(PccReviewPolicy, on_delete=models.PROTECT, related_name="+")
    via = models.CharField(max_length=10, choices=Via.choices)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    grounds = models.TextField()
    decide_by = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    applicant_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["decide_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="requested"),
                name="oversight_one_open_pcc_review",
            ),
            models.CheckConstraint(
                condition=Q(status="requested") | Q(decided_at__isnull=False),
                name="oversight_pcc_review_decided_at",
            ),
        ]
        indexes = [
            # The PCC's office's queue, soonest deadline first.
            models.Index(fields=["status", "decide_by"], name="oversight_pcc_queue"),
        ]

    def __str__(self) -> str:
        return f"PCC review of {self.application_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.REQUESTED

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.decide_by < timezone.localdate()


class HousingStock(models.Model):
    """How many homes a housing provider owns or manages in a reporting year (April to March):
    the denominator of the Tenant Satisfaction Measure NM01, kept as data per provider and
    year."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    year_start = models.PositiveSmallIntegerField(help_text="The April the year starts in")
    homes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["organisation", "-year_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year_start"], name="oversight_homes_once_a_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.homes} homes in {self.year_start}"
