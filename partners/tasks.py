"""Celery tasks: thin, taking ids, calling a service."""

from celery import shared_task
from django.core.management import call_command

from partners import outbox, services


@shared_task(name="partners.invitation_send")
def invitation_send(user_id: int) -> bool:
    return services.invitation_send(user_id=user_id)


@shared_task(name="partners.outbox_relay", time_limit=120, soft_time_limit=100)
def outbox_relay() -> int:
    return outbox.outbox_relay()


@shared_task(name="partners.outbox_prune")
def outbox_prune() -> int:
    return outbox.outbox_prune()


@shared_task(name="partners.idempotency_keys_prune")
def idempotency_keys_prune() -> int:
    from partners.api.base import idempotency_keys_prune

    return idempotency_keys_prune()


@shared_task(name="partners.sessions_clear_expired")
def sessions_clear_expired() -> None:
    call_command("clearsessions")


@shared_task(name="partners.ping", ignore_result=False)
def ping(value: str) -> str:
    """A round trip through the broker, a worker and the result backend (operations checks)."""
    return value
