"""Recording notifications and e-mailing them, as each person chooses.

`notify` records in the caller's transaction and, for those who want e-mail at once, queues
the sending through the outbox: a request never waits on a mail server. The daily digest is a
beat job. Sending is idempotent: a notification is stamped `emailed_at` in the transaction that
sends it, so a task delivered twice e-mails nobody twice (the outbox delivers at least once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.models import Notification, Preference
from partners.models import User
from partners.outbox import outbox_enqueue

Email = Preference.Email
SEND_TASK = "notifications.email_send"


def notify(
    *,
    users: Iterable[User | None],
    kind: str,
    key: str,
    subject: str,
    case_reference: str = "",
    link: str = "",
) -> int:
    """Tell each user (once per `key`); returns how many were told for the first time."""
    users = {user.pk: user for user in users if user is not None and user.is_active}
    if not users:
        return 0
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                kind=kind,
                key=key[:120],
                case_reference=case_reference,
                subject=subject[:200],
                link=link,
            )
            for user_id in users
        ],
        ignore_conflicts=True,
    )
    # Those who want it at once, with an address, and not told before: queued for e-mail.
    wanting = set(
        Notification.objects.filter(
            user_id__in=users, key=key[:120], emailed_at__isnull=True, read_at__isnull=True
        )
        .exclude(user__email="")
        .exclude(user__notification_preference__email__in=[Email.DAILY, Email.NONE])
        .values_list("pk", flat=True)
    )
    if wanting:
        outbox_enqueue(task_name=SEND_TASK, kwargs={"notification_ids": sorted(wanting)})
    return len(users)


def _message(user: User, notifications: list[Notification], connection) -> EmailMessage:
    context = {
        "user": user,
        "notifications": notifications,
        "site_url": settings.SITE_URL,
        "service_name": settings.SERVICE_NAME,
    }
    subject = (
        notifications[0].subject
        if len(notifications) == 1
        else f"{len(notifications)} updates from {settings.SERVICE_NAME}"
    )
    return EmailMessage(
        subject=subject,
        body=render_to_string("notifications/email/notifications.txt", context),
        to=[user.email],
        connection=connection,
    )


def _send(rows: Q) -> int:
    """E-mail each person what `rows` selects of their notifications that has not gone out,
    one e-mail each; returns how many e-mails were sent. Rows are locked while they are sent
    so two runs at once send each once."""
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(rows, emailed_at__isnull=True)
            .select_related("user")
            .order_by("user_id", "created_at", "id")
        )
        if not pending:
            return 0
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for notification in pending:
            by_user[notification.user_id].append(notification)
        connection = get_connection()
        messages = [
            _message(theirs[0].user, theirs, connection)
            for theirs in by_user.values()
            if theirs[0].user.email and theirs[0].user.is_active
        ]
        sent = connection.send_messages(messages) if messages else 0
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now()
        )
    return sent or 0


def email_send(*, notification_ids: list[int]) -> int:
    """E-mail these notifications to those who still want them at once (the outbox task)."""
    return _send(
        Q(pk__in=notification_ids)
        & ~Q(user__notification_preference__email__in=[Email.DAILY, Email.NONE])
    )


def digest_send() -> int:
    """The daily digest: one e-mail to each person who chose it, with what came since their
    last. Those who chose no e-mail are stamped too, so nothing piles up for them."""
    now = timezone.now()
    Notification.objects.filter(
        emailed_at__isnull=True, user__notification_preference__email=Email.NONE
    ).update(emailed_at=now)
    return _send(Q(user__notification_preference__email=Email.DAILY, created_at__lte=now))


def notifications_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=notification_ids)
    return rows.update(read_at=timezone.now())


def preference_set(*, user: User, email: str) -> Preference:
    if email not in Email.values:
        raise ValueError(f"Unknown e-mail frequency {email!r}")
    preference, _ = Preference.objects.update_or_create(user=user, defaults={"email": email})
    return preference
