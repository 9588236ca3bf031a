"""A notification to one person, and how often each person wants them e-mailed.

Notification text names the case by its reference and nothing else about it: no names,
addresses or descriptions, which are read in the service behind its access checks.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from partners.models import User


class Notification(models.Model):
    class Kind(models.TextChoices):
        CASE_SHARED = "case_shared", "A case was shared with your organisation"
        TRANSFER_PROPOSED = "transfer_proposed", "A transfer was proposed to your organisation"
        CASE_ASSIGNED = "case_assigned", "A case was assigned to you"
        TASK_ASSIGNED = "task_assigned", "A task was assigned to you"
        PARTNER_NOTE = "partner_note", "A partner added a note to a case you lead"

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Makes each event notify a person once, however often it is reported.
    key = models.CharField(max_length=120)
    case_reference = models.CharField(max_length=20, blank=True)
    subject = models.CharField(max_length=200)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once it has gone out by e-mail (at once or in a digest), or was decided not to.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notifications_once_per_user"),
        ]
        indexes = [
            # A person's unread notifications, newest first (My work, the list).
            models.Index(
                fields=["user", "-created_at"],
                name="notifications_unread",
                condition=Q(read_at__isnull=True),
            ),
            # What is still to be e-mailed (the digest).
            models.Index(
                fields=["user", "created_at"],
                name="notifications_to_email",
                condition=Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} for {self.user_id}"


class Preference(models.Model):
    """How often a person wants their notifications by e-mail. No row: at once."""

    class Email(models.TextChoices):
        AT_ONCE = "at_once", "As each one happens"
        DAILY = "daily", "In one e-mail a day"
        NONE = "none", "Never (I will read them in the service)"

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="notification_preference"
    )
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.AT_ONCE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email}"
