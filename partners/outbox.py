"""Background work that must not be lost: recorded in the database, then published to Celery.

`outbox_enqueue` writes the work in the caller's transaction and publishes it after the commit.
Publishing has short timeouts and never raises into the request: if the broker is away the row
stays pending and `outbox_relay` (a beat job, and the worker at start-up) publishes it later.
Delivery is at least once, so every task published this way must be idempotent.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from partners.models import OutboxTask

logger = logging.getLogger(__name__)

# Rows younger than this are left to their own on-commit publish, so the relay does not race it.
RELAY_GRACE = timedelta(seconds=10)
RELAY_BATCH = 500


def outbox_enqueue(*, task_name: str, kwargs: dict[str, Any]) -> OutboxTask:
    """Record work for `task_name` in the current transaction; publish it once committed."""
    return outbox_enqueue_many(task_name=task_name, kwargs_list=[kwargs])[0]


def outbox_enqueue_many(*, task_name: str, kwargs_list: list[dict[str, Any]]) -> list[OutboxTask]:
    """`outbox_enqueue` for a batch: one insert, published together once committed."""
    tasks = OutboxTask.objects.bulk_create(
        [OutboxTask(task_name=task_name, kwargs=kwargs) for kwargs in kwargs_list]
    )
    task_ids = [task.pk for task in tasks]
    transaction.on_commit(lambda: outbox_publish(task_ids=task_ids))
    return tasks


def outbox_publish(*, task_ids: list[int]) -> int:
    """Publish the given pending rows over one broker connection, then mark them dispatched
    together; returns how many reached the broker. Never raises: at the first broker failure
    the rest stay pending for the relay."""
    from config.celery import app

    tasks = list(
        OutboxTask.objects.filter(pk__in=task_ids, dispatched_at__isnull=True).order_by("pk")
    )
    if not tasks:
        return 0
    sent: list[int] = []
    try:
        with app.producer_or_acquire() as producer:
            for task in tasks:
                app.send_task(task.task_name, kwargs=task.kwargs, retry=False, producer=producer)
                sent.append(task.pk)
    except Exception as exc:  # any broker failure leaves the rows for the relay
        if len(sent) < len(tasks):
            failed = tasks[len(sent)]
            OutboxTask.objects.filter(pk=failed.pk).update(
                attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            logger.warning("Broker unavailable; %s kept in the outbox: %s", failed.task_name, exc)
    if sent:
        OutboxTask.objects.filter(pk__in=sent).update(
            dispatched_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
    return len(sent)


def outbox_relay(*, grace: timedelta = RELAY_GRACE) -> int:
    """Publish pending work older than `grace`; returns how many were published."""
    cutoff = timezone.now() - grace
    pending = list(
        OutboxTask.objects.filter(dispatched_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:RELAY_BATCH]
    )
    return outbox_publish(task_ids=pending) if pending else 0


def outbox_pending_count() -> int:
    return OutboxTask.objects.filter(dispatched_at__isnull=True).count()
