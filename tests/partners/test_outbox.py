"""Background work is recorded with the change and reaches the broker when it can."""

import time
from datetime import timedelta

import pytest
from django.db import transaction

from partners.models import OutboxTask
from partners.outbox import outbox_enqueue, outbox_relay
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
    assert task.attempts == 1
