"""Recording notifications and e-mailing them, as each person chooses.

`notify` records in the caller's transaction and, for those who want e-mail at once, queues
the sending through the outbox: a request never waits on a mail server. The daily digest is a
beat job. Sending is idempotent: a notification is stamped `emailed_at` in the transaction that
sends it, so a task delivered twice e-mails nobody twice (the outbox delivers at least once).

ASB Case Review alerts and notices (`partners.Notification`, which partners announces with
`partners.signals.notices_recorded`) go the same way: the same preference, the same outbox
task, the same digest and the same e-mail, which carries each notice's subject (the
application's reference, never a name or a place) and its link, not its body
(docs/adr/0018-notifications-and-my-work.md, addendum).
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
from partners.models import Notification as Notice
from partners.models import User
from partners.outbox import outbox_enqueue, outbox_enqueue_many

Email = Preference.Email
SEND_TASK = "notifications.email_send"
# Ids per queued e-mail task (a nightly sweep may tell thousands of people at once).
SEND_BATCH = 500
NOT_AT_ONCE = [Email.DAILY, Email.NONE]


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


def notices_queue(*, keys: list[str], user_ids: list[int]) -> int:
    """Queue the e-mail of Case Review notices just recorded (`partners.notify`, the sweep)
    for those who want e-mail at once; the digest takes the others. Returns how many."""
    wanting = sorted(
        Notice.objects.filter(
            user_id__in=user_ids,
            key__in=keys,
            emailed_at__isnull=True,
            read_at__isnull=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .exclude(user__notification_preference__email__in=NOT_AT_ONCE)
        .values_list("pk", flat=True)
    )
    if wanting:
        outbox_enqueue_many(
            task_name=SEND_TASK,
            kwargs_list=[
                {"notification_ids": [], "notice_ids": wanting[start : start + SEND_BATCH]}
                for start in range(0, len(wanting), SEND_BATCH)
            ],
        )
    return len(wanting)


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


def _unsent(model, rows: Q | None) -> list:
    if rows is None:
        return []
    return list(
        model.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(rows, emailed_at__isnull=True)
        .select_related("user")
        .order_by("user_id", "created_at", "id")
    )


def _send(rows: Q | None, notices: Q | None = None) -> int:
    """E-mail each person what `rows` selects of their notifications, and `notices` of their
    Case Review notices, that has not gone out, one e-mail each; returns how many e-mails
    were sent. Rows are locked while they are sent so two runs at once send each once."""
    with transaction.atomic():
        pending = _unsent(Notification, rows)
        case_review = _unsent(Notice, notices)
        if not pending and not case_review:
            return 0
        by_user: dict[int, list] = defaultdict(list)
        for notification in sorted(pending + case_review, key=lambda n: (n.user_id, n.created_at)):
            by_user[notification.user_id].append(notification)
        connection = get_connection()
        messages = [
            _message(theirs[0].user, theirs, connection)
            for theirs in by_user.values()
            if theirs[0].user.email and theirs[0].user.is_active
        ]
        sent = connection.send_messages(messages) if messages else 0
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
        Notice.objects.filter(pk__in=[n.pk for n in case_review]).update(emailed_at=now)
    return sent or 0


def email_send(*, notification_ids: list[int], notice_ids: list[int] | None = None) -> int:
    """E-mail these notifications (and Case Review notices) to those who still want them at
    once (the outbox task)."""
    at_once = ~Q(user__notification_preference__email__in=NOT_AT_ONCE)
    return _send(
        Q(pk__in=notification_ids) & at_once if notification_ids else None,
        Q(pk__in=notice_ids) & at_once if notice_ids else None,
    )


def digest_send() -> int:
    """The daily digest: one e-mail to each person who chose it, with what came since their
    last (notifications and Case Review notices together). Those who chose no e-mail are
    stamped too, so nothing piles up for them."""
    now = timezone.now()
    for model in (Notification, Notice):
        model.objects.filter(
            emailed_at__isnull=True, user__notification_preference__email=Email.NONE
        ).update(emailed_at=now)
    daily = Q(user__notification_preference__email=Email.DAILY, created_at__lte=now)
    return _send(daily, daily)


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
