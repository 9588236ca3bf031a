"""Background work that must not be lost: recorded in the database, then published to Celery.

`outbox_enqueue` writes the work in the caller's transaction and publishes it after the commit.
That publish is bounded (REDIS_SOCKET_TIMEOUT, no retries, no result backend) and never raises
into the request; after a failure the process leaves publishing to the relay for
OUTBOX_PUBLISH_PAUSE seconds, so a broker that is stopped or frozen costs one request a short
timeout rather than every request a long one.

`outbox_relay` (a beat job every 30 seconds, and every worker when it starts or reconnects to
the broker) publishes what is waiting: work never published, and work published but not
completed OUTBOX_REDELIVER_AFTER seconds later (lost with a broker that restarted, or with a
worker that died). Each task published from here carries its row in its task id, and the worker
stamps the row completed when the task has run (`outbox_task_completed`, from a Celery signal).
Delivery is therefore at least once, so every task published this way must be idempotent.

Also here: the heartbeats that tell /healthz that beat and the workers are alive.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from partners.models import Heartbeat, OutboxTask

logger = logging.getLogger(__name__)

# Rows younger than this are left to their own on-commit publish, so the relay does not race it.
RELAY_GRACE = timedelta(seconds=10)
RELAY_BATCH = 500
# A relay stops starting new batches after this long (its task's soft limit is 100 s).
RELAY_SECONDS = 60.0
TASK_ID_PREFIX = "outbox-"
# Seconds between heartbeat writes of one process (per name).
HEARTBEAT_EVERY = 5.0


# Recording and publishing ------------------------------------------------------------------


def load() -> None:
    """Import and build now what a process's first publish would: Celery's app, its result
    backend (none is used, but naming it reads every installed package's entry points), the
    broker's transport and the producer pool. A web worker calls this as it starts: the
    first request of a worker that recorded work waited about 130 ms for it. Nothing here
    connects to the broker, so a worker starts whether or not the broker is up."""
    from config.celery import app

    app.backend  # noqa: B018
    app.amqp.producer_pool  # noqa: B018
    with app.connection_for_write() as connection:
        connection.transport  # noqa: B018 (imports the transport's module; connects to nothing)


def outbox_enqueue(*, task_name: str, kwargs: dict[str, Any]) -> OutboxTask:
    """Record work for `task_name` in the current transaction; publish it once committed."""
    return outbox_enqueue_many(task_name=task_name, kwargs_list=[kwargs])[0]


def outbox_enqueue_many(*, task_name: str, kwargs_list: list[dict[str, Any]]) -> list[OutboxTask]:
    """`outbox_enqueue` for a batch: one insert, published together once committed."""
    tasks = OutboxTask.objects.bulk_create(
        [OutboxTask(task_name=task_name, kwargs=kwargs) for kwargs in kwargs_list]
    )
    _publish_after_commit([task.pk for task in tasks])
    return tasks


def _publish_after_commit(task_ids: list[int]) -> None:
    """Publish the rows once the transaction commits, together with every other row this
    thread recorded before that commit: the first of the transaction's on-commit hooks to run
    publishes them all and the others find nothing waiting, so a bulk import that records
    three kinds of work locks, publishes and stamps its rows once, not three times (each a
    transaction of its own, with its commit). Django drops the hooks of a savepoint rolled back,
    not the ids they added; the rows of those ids were rolled back too, and an id never comes
    back (a sequence), so publishing looks for them and finds nothing."""
    _local.__dict__.setdefault("waiting", []).extend(task_ids)
    transaction.on_commit(_publish_waiting)


def _publish_waiting() -> None:
    task_ids = _local.__dict__.pop("waiting", [])
    if task_ids:
        outbox_publish(task_ids=task_ids)


def outbox_publish(*, task_ids: list[int]) -> int:
    """Publish the given rows if they are still unpublished, with the short request-path
    timeouts; returns how many reached the broker. Never raises: whatever is not published
    stays for the relay. Skipped (0) while this process is pausing after a broker failure."""
    from config.celery import app

    url = app.conf.broker_url
    if _publish_paused(url):
        _left_to_the_relay(task_ids)
        return 0
    try:
        connection = _request_connection(app)
        sent, failed = _publish_due(Q(pk__in=task_ids, dispatched_at__isnull=True), connection)
    except Exception as exc:  # the database or the broker: the relay will do it
        sent, failed = 0, exc
    if failed is not None:
        _pause_publishing(url)
        _drop_request_connection()
        # The rows after the one the broker failed on were not tried.
        _left_to_the_relay(task_ids)
    return sent


def _left_to_the_relay(task_ids: list[int]) -> None:
    """Mark the rows the request did not publish, so that the relay takes them at once: it
    leaves unmarked rows younger than RELAY_GRACE to their own transaction's publish, which
    is this one, over."""
    try:
        OutboxTask.objects.filter(
            pk__in=task_ids, dispatched_at__isnull=True, last_error=""
        ).update(last_error="Not published: the broker failed moments ago")
    except Exception:  # the database itself failed: the relay finds them after RELAY_GRACE
        logger.warning("Could not mark work left to the outbox relay", exc_info=True)


def outbox_relay(*, grace: timedelta = RELAY_GRACE) -> int:
    """Publish the work that is waiting; returns how many were published. Rows another relay
    holds are skipped (FOR UPDATE SKIP LOCKED), so relays running at once publish each once."""
    from config.celery import app

    now = timezone.now()
    # Never published: old enough that its own publish is over, or whose publish failed.
    unpublished = Q(dispatched_at__isnull=True) & (
        Q(created_at__lte=now - grace) | ~Q(last_error="")
    )
    due = unpublished | Q(
        dispatched_at__lte=now - timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER),
        completed_at__isnull=True,
        attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
    )
    total = 0
    deadline = time.monotonic() + RELAY_SECONDS
    with app.connection_for_write() as connection:
        while True:  # batch after batch, so a long outage's backlog goes out in one run
            sent, failure = _publish_due(due, connection)
            total += sent
            if failure is not None or sent < RELAY_BATCH or time.monotonic() > deadline:
                return total


def _publish_due(due: Q, connection) -> tuple[int, Exception | None]:
    """Lock the rows matching `due` that nobody else holds, publish them over `connection`
    in order, and mark those that reached the broker. Stops at the first broker failure,
    which is recorded on the row it happened to and returned."""
    from config.celery import app

    with transaction.atomic():
        rows = list(
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("created_at", "pk")[:RELAY_BATCH]
        )
        if not rows:
            return 0, None
        sent: list[int] = []
        failure: Exception | None = None
        try:
            producer = app.amqp.Producer(connection, auto_declare=False)
            for row in rows:
                app.send_task(
                    row.task_name,
                    kwargs=row.kwargs,
                    task_id=f"{TASK_ID_PREFIX}{row.pk}-{row.attempts + 1}",
                    producer=producer,
                    retry=False,
                    # Never wait on the result backend: nobody reads these results.
                    ignore_result=True,
                )
                sent.append(row.pk)
        except Exception as exc:  # any broker failure leaves the rest for the relay
            failure = exc
            failed = rows[len(sent)]
            OutboxTask.objects.filter(pk=failed.pk).update(
                last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            logger.warning("Broker unavailable; %s kept in the outbox: %s", failed.task_name, exc)
        if sent:
            OutboxTask.objects.filter(pk__in=sent).update(
                dispatched_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
            redelivered = [row for row in rows[: len(sent)] if row.dispatched_at is not None]
            if redelivered:
                logger.info("Outbox: %s published again (not completed)", len(redelivered))
    return len(sent), failure


# The request path's connection and its pause after a failure --------------------------------

_local = threading.local()
_paused_until: dict[str, float] = {}


def _request_connection(app):
    """This thread's broker connection for publishing on the request path, with the short
    request timeouts (the workers' own connections wait longer)."""
    url = app.conf.broker_url
    connection = getattr(_local, "connection", None)
    if connection is not None and getattr(_local, "url", None) == url:
        return connection
    _drop_request_connection()
    options = dict(app.conf.broker_transport_options or {})
    if str(url).startswith(("redis", "rediss", "unix")):
        options.update(
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
            max_retries=0,
        )
    connection = app.connection_for_write(url, transport_options=options)
    _local.connection, _local.url = connection, url
    return connection


def _drop_request_connection() -> None:
    connection = getattr(_local, "connection", None)
    _local.connection = _local.url = None
    if connection is not None:
        try:
            connection.release()
        except Exception:  # a broken connection may fail to close; it is gone either way
            logger.debug("Closing a broken broker connection failed", exc_info=True)


def _publish_paused(url: str) -> bool:
    return time.monotonic() < _paused_until.get(url, 0.0)


def _pause_publishing(url: str) -> None:
    _paused_until[url] = time.monotonic() + settings.OUTBOX_PUBLISH_PAUSE


def publishing_resume() -> None:
    """Forget every pause (tests, and a process that knows the broker is back)."""
    _paused_until.clear()
    _drop_request_connection()


# What the worker reports back ------------------------------------------------------------------


def outbox_row_for(task_id: str | None) -> int | None:
    """The outbox row a task id was published for, or None for any other task."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    row, _, _ = task_id[len(TASK_ID_PREFIX) :].partition("-")
    return int(row) if row.isdigit() else None


def outbox_task_completed(*, task_id: str | None) -> bool:
    """Stamp the row of a task that has run; later copies of it change nothing."""
    row = outbox_row_for(task_id)
    if row is None:
        return False
    return bool(
        OutboxTask.objects.filter(pk=row, completed_at__isnull=True).update(
            completed_at=timezone.now(), last_error=""
        )
    )


def outbox_task_failed(*, task_id: str | None, error: BaseException) -> None:
    """Note why a task failed; the relay publishes it again after OUTBOX_REDELIVER_AFTER."""
    row = outbox_row_for(task_id)
    if row is not None:
        OutboxTask.objects.filter(pk=row, completed_at__isnull=True).update(
            last_error=f"{type(error).__name__}: {error}"[:2000]
        )


def outbox_prune(*, keep_days: int | None = None) -> int:
    """Delete work completed more than `keep_days` (OUTBOX_KEEP_DAYS) ago."""
    keep_days = settings.OUTBOX_KEEP_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = OutboxTask.objects.filter(completed_at__lt=cutoff).delete()
    return deleted


def outbox_pending_count() -> int:
    return OutboxTask.objects.filter(dispatched_at__isnull=True).count()


def outbox_state() -> dict[str, Any]:
    """What /healthz says about the outbox: work waiting to be published or completed, the
    oldest's age, and work given up after OUTBOX_MAX_ATTEMPTS. Two queries, each on one of the
    outbox's partial indexes (completed rows, the bulk of the table, are never read)."""
    limit = settings.OUTBOX_MAX_ATTEMPTS
    pending = OutboxTask.objects.filter(dispatched_at__isnull=True).aggregate(
        waiting=Count("pk"), oldest=Min("created_at")
    )
    in_flight = OutboxTask.objects.filter(
        dispatched_at__isnull=False, completed_at__isnull=True
    ).aggregate(
        waiting=Count("pk", filter=Q(attempts__lt=limit)),
        oldest=Min("created_at", filter=Q(attempts__lt=limit)),
        given_up=Count("pk", filter=Q(attempts__gte=limit)),
    )
    oldest = min(filter(None, (pending["oldest"], in_flight["oldest"])), default=None)
    return {
        "waiting": pending["waiting"] + in_flight["waiting"],
        "oldest_s": round((timezone.now() - oldest).total_seconds()) if oldest else None,
        "given_up": in_flight["given_up"],
    }


# Heartbeats ------------------------------------------------------------------------------------

_last_heartbeat: dict[str, float] = {}


def heartbeat_record(*, name: str, detail: str = "", every: float = HEARTBEAT_EVERY) -> bool:
    """Record that `name` (Heartbeat.Name) is alive now, at most once per `every` seconds in
    this process. Never raises: a heartbeat that cannot be written is a heartbeat missed."""
    started = time.monotonic()
    if started - _last_heartbeat.get(name, float("-inf")) < every:
        return False
    _last_heartbeat[name] = started
    values = {"at": timezone.now(), "detail": detail[:200]}
    try:
        if not Heartbeat.objects.filter(name=name).update(**values):
            try:
                with transaction.atomic():
                    Heartbeat.objects.create(name=name, **values)
            except IntegrityError:  # another process wrote it first
                Heartbeat.objects.filter(name=name).update(**values)
    except Exception:
        _last_heartbeat.pop(name, None)
        logger.warning("Could not record the %s heartbeat", name, exc_info=True)
        return False
    return True
