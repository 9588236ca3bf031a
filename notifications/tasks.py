"""Celery tasks: thin, taking ids, calling a service."""

from celery import shared_task

from notifications import services


@shared_task(name="notifications.email_send", acks_late=True)
def email_send(notification_ids: list[int], notice_ids: list[int] | None = None) -> int:
    return services.email_send(notification_ids=notification_ids, notice_ids=notice_ids)


@shared_task(name="notifications.digest_send", acks_late=True)
def digest_send() -> int:
    return services.digest_send()
