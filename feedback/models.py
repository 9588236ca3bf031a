"""The victim's feedback after a case or a Case Review closes: a single-use, expiring link (no
account) to a short survey whose satisfaction answer feeds the Tenant Satisfaction Measure
TP12. Responses hold no person: only the organisation that led and the answers.
(docs/adr/0022-act-2026-tools-pcc-review-published-figures.md)"""

from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from partners.models import Organisation


class SurveyPolicy(models.Model):
    """How long a survey link lasts, versioned by effective date like the threshold policies."""

    version = models.PositiveSmallIntegerField(unique=True)
    effective_from = models.DateField()
    link_valid_days = models.PositiveSmallIntegerField(
        default=28, validators=[MinValueValidator(1)]
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-version"]
        verbose_name_plural = "survey policies"

    def __str__(self) -> str:
        return f"Survey policy v{self.version} from {self.effective_from}"


class Closure(models.TextChoices):
    CASE = "case", "A case closed"
    REVIEW = "review", "A Case Review completed"


class SurveyInvitation(models.Model):
    """One link sent to one victim after one closure. Only the token's hash is kept."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    # What closed, once per victim: a re-run of the sending task finds it and sends nothing.
    closure_key = models.CharField(max_length=120, unique=True)
    closure = models.CharField(max_length=10, choices=Closure.choices)
    case = models.ForeignKey(
        "asb_cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    application = models.ForeignKey(
        "community_trigger.Application",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(SurveyPolicy, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(application__isnull=False),
                name="feedback_invitation_has_a_closure",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey invitation {self.uuid}"


class SurveyResponse(models.Model):
    class Satisfaction(models.TextChoices):
        VERY_SATISFIED = "very_satisfied", "Very satisfied"
        FAIRLY_SATISFIED = "fairly_satisfied", "Fairly satisfied"
        NEITHER = "neither", "Neither satisfied nor dissatisfied"
        FAIRLY_DISSATISFIED = "fairly_dissatisfied", "Fairly dissatisfied"
        VERY_DISSATISFIED = "very_dissatisfied", "Very dissatisfied"

    SATISFIED = {Satisfaction.VERY_SATISFIED, Satisfaction.FAIRLY_SATISFIED}

    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        PARTLY = "partly", "Partly"
        NO = "no", "No"

    class Again(models.TextChoices):
        YES = "yes", "Yes"
        NOT_SURE = "not_sure", "Not sure"
        NO = "no", "No"

    id = models.BigAutoField(primary_key=True)
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.PROTECT, related_name="response"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    closure = models.CharField(max_length=10, choices=Closure.choices)
    satisfaction = models.CharField(max_length=20, choices=Satisfaction.choices)
    listened_to = models.CharField(max_length=10, choices=Answer.choices)
    would_report_again = models.CharField(max_length=10, choices=Again.choices)
    comments = models.TextField(blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # The dashboard and TP12: an organisation's responses over a period.
            models.Index(fields=["organisation", "submitted_at"], name="feedback_org_period"),
        ]

    def __str__(self) -> str:
        return f"Survey response {self.pk}"

    @property
    def satisfied(self) -> bool:
        return self.satisfaction in self.SATISFIED
