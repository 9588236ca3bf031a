"""Background work is recorded with the change, reaches the broker when it can, and is
published again until a worker reports it done."""

import json
import threading
import time
from datetime import timedelta

import pytest
import redis
from django.db import connection, transaction
from django.utils import timezone

from config.celery import relay_when_the_worker_starts
from partners import outbox
from partners.models import OutboxTask
from partners.outbox import (
    outbox_enqueue,
    outbox_prune,
    outbox_relay,
    outbox_state,
    outbox_task_completed,
    outbox_task_failed,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def enqueue(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return outbox_enqueue(task_name="partners.ping", kwargs={"value": "hello"})


def test_work_is_published_once_the_transaction_commits(
    private_redis, celery_broker, django_capture_on_commit_callbacks, settings
):
    with celery_broker(private_redis.url):
        task = enqueue(django_capture_on_commit_callbacks)
    task.refresh_from_db()
    assert task.dispatched_at is not None
    assert private_redis.queue_length(settings.CELERY_TASK_DEFAULT_QUEUE) == 1


def test_rolled_back_work_is_neither_kept_nor_published(private_redis, celery_broker, settings):
    with celery_broker(private_redis.url), pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(task_name="partners.ping", kwargs={"value": "never"})
        raise RuntimeError("the change failed")
    assert not OutboxTask.objects.exists()
    assert private_redis.queue_length(settings.CELERY_TASK_DEFAULT_QUEUE) == 0


def test_work_survives_a_stopped_broker_and_is_relayed_when_it_returns(
    private_redis, celery_broker, django_capture_on_commit_callbacks, settings
):
    with celery_broker(private_redis.url):
        private_redis.stop()
        started = time.monotonic()
        task = enqueue(django_capture_on_commit_callbacks)
        assert time.monotonic() - started < 5  # the caller is not held up by the dead broker
        task.refresh_from_db()
        assert task.dispatched_at is None
        assert "Connection" in task.last_error

        private_redis.start()
        assert outbox_relay(grace=timedelta(0)) == 1
    task.refresh_from_db()
    assert task.dispatched_at is not None
    assert private_redis.queue_length(settings.CELERY_TASK_DEFAULT_QUEUE) == 1


def test_the_work_of_one_transaction_is_published_together(
    private_redis, celery_broker, django_capture_on_commit_callbacks, settings, monkeypatch
):
    """Three kinds of work recorded in one transaction (as a bulk import records them) reach
    the broker in one publish: one lock, one stamp, one commit, not three."""
    publishes = []
    publish = outbox.outbox_publish
    monkeypatch.setattr(
        outbox,
        "outbox_publish",
        lambda *, task_ids: publishes.append(task_ids) or publish(task_ids=task_ids),
    )
    with (
        celery_broker(private_redis.url),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        tasks = [
            outbox_enqueue(task_name="partners.ping", kwargs={"value": value})
            for value in ("one", "two", "three")
        ]
    assert publishes == [[task.pk for task in tasks]]
    assert OutboxTask.objects.filter(dispatched_at__isnull=False).count() == 3
    assert private_redis.queue_length(settings.CELERY_TASK_DEFAULT_QUEUE) == 3


def test_work_after_a_savepoint_rolled_back_is_still_published_at_once(
    private_redis, celery_broker, django_capture_on_commit_callbacks, settings
):
    """The first hook of the transaction was dropped with its savepoint; the work recorded
    after it is published by its own hook, and the rolled-back row is nowhere."""
    with (
        celery_broker(private_redis.url),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox_enqueue(task_name="partners.ping", kwargs={"value": "undone"})
            raise RuntimeError("this part failed")
        kept = outbox_enqueue(task_name="partners.ping", kwargs={"value": "kept"})
    kept.refresh_from_db()
    assert kept.dispatched_at is not None
    assert list(OutboxTask.objects.values_list("pk", flat=True)) == [kept.pk]
    assert private_redis.queue_length(settings.CELERY_TASK_DEFAULT_QUEUE) == 1


def test_work_a_failed_publish_did_not_reach_is_left_to_the_relay_at_once(
    private_redis, celery_broker, django_capture_on_commit_callbacks
):
    """The broker fails on the first of a transaction's rows: the others, never tried, are
    marked too, so the relay takes them all now instead of leaving them to a publish that is
    over."""
    with celery_broker(private_redis.url):
        private_redis.stop()
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            tasks = [
                outbox_enqueue(task_name="partners.ping", kwargs={"value": value})
                for value in ("one", "two", "three")
            ]
        assert OutboxTask.objects.filter(last_error="").count() == 0
        private_redis.start()
        assert outbox_relay() == 3  # with the default grace: the rows are seconds old
    assert all(
        task.dispatched_at for task in OutboxTask.objects.filter(pk__in=[task.pk for task in tasks])
    )


def test_a_hung_broker_does_not_hold_the_caller(
    silent_tcp_server, celery_broker, django_capture_on_commit_callbacks
):
    with celery_broker(f"redis://127.0.0.1:{silent_tcp_server}/0"):
        started = time.monotonic()
        task = enqueue(django_capture_on_commit_callbacks)
        assert time.monotonic() - started < 5
    task.refresh_from_db()
    assert task.dispatched_at is None
    assert "Timeout" in task.last_error


def test_the_relay_leaves_fresh_work_to_its_own_publish():
    OutboxTask.objects.create(task_name="partners.ping", kwargs={"value": "new"})
    assert outbox_relay() == 0


def test_adding_a_user_while_the_broker_is_down_still_saves_the_user(
    cast, private_redis, celery_broker, django_capture_on_commit_callbacks
):
    admin = client_for(cast.owner.admin)
    private_redis.stop()
    with (
        celery_broker(private_redis.url),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = admin.post(
            "/organisation/users/add/",
            {
                "first_name": "Sam",
                "last_name": "Outbox",
                "email": "sam@example.org",
                "role": "analyst",
            },
        )
    assert response.status_code == 302
    assert callbacks  # the publish was attempted, and failed quietly
    task = OutboxTask.objects.get(task_name="partners.invitation_send")
    assert task.dispatched_at is None
    assert task.attempts == 0  # attempts counts what reached the broker
    assert "Connection" in task.last_error


def queued(private_redis, queue) -> list[dict]:
    """The messages waiting on `queue`, oldest first (kombu pushes on the left)."""
    raw = redis.Redis.from_url(private_redis.url).lrange(queue, 0, -1)
    return [json.loads(message) for message in reversed(raw)]


def test_a_published_task_names_its_row_and_the_worker_stamps_it_done(
    private_redis, celery_broker, django_capture_on_commit_callbacks, settings
):
    with celery_broker(private_redis.url):
        task = enqueue(django_capture_on_commit_callbacks)
    [message] = queued(private_redis, settings.CELERY_TASK_DEFAULT_QUEUE)
    task_id = message["headers"]["id"]
    assert task_id == f"outbox-{task.pk}-1"
    assert outbox_task_completed(task_id=task_id)
    task.refresh_from_db()
    assert task.completed_at is not None
    assert not outbox_task_completed(task_id=task_id)  # a second copy changes nothing
    assert not outbox_task_completed(task_id="a1b2c3")  # not outbox work


def test_work_published_but_not_completed_is_published_again_after_the_redelivery_time(
    private_redis, celery_broker, django_capture_on_commit_callbacks, settings
):
    settings.OUTBOX_REDELIVER_AFTER = 600
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with celery_broker(private_redis.url):
        task = enqueue(django_capture_on_commit_callbacks)
        assert outbox_relay(grace=timedelta(0)) == 0  # it may still be queued or running
        OutboxTask.objects.filter(pk=task.pk).update(
            dispatched_at=timezone.now() - timedelta(seconds=601)
        )
        outbox_task_failed(task_id=f"outbox-{task.pk}-1", error=RuntimeError("worker lost"))
        assert outbox_relay(grace=timedelta(0)) == 1
        assert [m["headers"]["id"] for m in queued(private_redis, queue)] == [
            f"outbox-{task.pk}-1",
            f"outbox-{task.pk}-2",
        ]
        outbox_task_completed(task_id=f"outbox-{task.pk}-2")
        OutboxTask.objects.filter(pk=task.pk).update(
            dispatched_at=timezone.now() - timedelta(days=1)
        )
        assert outbox_relay(grace=timedelta(0)) == 0  # done: never again
    task.refresh_from_db()
    assert task.attempts == 2 and task.last_error == ""


def test_the_relay_gives_up_after_the_last_attempt_and_health_says_so(
    private_redis, celery_broker, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    long_ago = timezone.now() - timedelta(days=1)
    OutboxTask.objects.create(
        task_name="partners.ping", kwargs={"value": "x"}, dispatched_at=long_ago, attempts=3
    )
    OutboxTask.objects.create(task_name="partners.ping", kwargs={"value": "y"})
    with celery_broker(private_redis.url):
        assert outbox_relay() == 0
    state = outbox_state()
    assert (state["waiting"], state["given_up"]) == (1, 1)
    assert state["oldest_s"] < 60


def test_after_a_broker_failure_requests_leave_publishing_to_the_relay_for_a_while(
    private_redis, celery_broker, django_capture_on_commit_callbacks, settings
):
    with celery_broker(private_redis.url):
        private_redis.stop()
        first = enqueue(django_capture_on_commit_callbacks)
        started = time.monotonic()
        second = enqueue(django_capture_on_commit_callbacks)
        assert time.monotonic() - started < 0.5  # not even tried
        second.refresh_from_db()
        assert second.dispatched_at is None and "failed moments ago" in second.last_error

        private_redis.start()
        assert outbox_relay() == 2  # failed publishes are relayed at once, not after the grace
    assert OutboxTask.objects.filter(pk__in=[first.pk, second.pk], attempts=1).count() == 2
    assert private_redis.queue_length(settings.CELERY_TASK_DEFAULT_QUEUE) == 2


@pytest.mark.django_db(transaction=True)
def test_a_relay_skips_the_rows_another_relay_holds(private_redis, celery_broker, settings):
    held = OutboxTask.objects.create(task_name="partners.ping", kwargs={"value": "held"})
    free = OutboxTask.objects.create(task_name="partners.ping", kwargs={"value": "free"})
    locked, release = threading.Event(), threading.Event()

    def other_relay():
        try:
            with transaction.atomic():
                OutboxTask.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_relay)
    thread.start()
    try:
        assert locked.wait(30)
        with celery_broker(private_redis.url):
            assert outbox_relay(grace=timedelta(0)) == 1  # without waiting for the lock
    finally:
        release.set()
        thread.join(30)
    assert OutboxTask.objects.get(pk=free.pk).dispatched_at is not None
    assert OutboxTask.objects.get(pk=held.pk).dispatched_at is None


def test_completed_work_is_pruned_after_the_days_it_is_kept(settings):
    settings.OUTBOX_KEEP_DAYS = 14
    now = timezone.now()
    old = OutboxTask.objects.create(task_name="partners.ping", completed_at=now - timedelta(15))
    recent = OutboxTask.objects.create(task_name="partners.ping", completed_at=now - timedelta(1))
    unfinished = OutboxTask.objects.create(
        task_name="partners.ping", dispatched_at=now - timedelta(30)
    )
    assert outbox_prune() == 1
    assert set(OutboxTask.objects.values_list("pk", flat=True)) == {recent.pk, unfinished.pk}
    assert not OutboxTask.objects.filter(pk=old.pk).exists()


def test_a_worker_asks_for_a_relay_as_it_starts(private_redis, celery_broker, settings):
    with celery_broker(private_redis.url):
        relay_when_the_worker_starts()
    [message] = queued(private_redis, settings.CELERY_TASK_DEFAULT_QUEUE)
    assert message["headers"]["task"] == "partners.outbox_relay"
