from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification, Preference
from partners.models import User


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """A person's own notifications: nobody reads anyone else's."""
    rows = Notification.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def preference_for(*, user: User) -> str:
    preference = Preference.objects.filter(user=user).first()
    return preference.email if preference else Preference.Email.AT_ONCE
