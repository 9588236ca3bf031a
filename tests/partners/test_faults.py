"""Workers that die or lose Redis: real worker processes on a Redis server of the test's own.

A task killed mid-run is run again, once more, within the configured time; a worker outlives
Redis restarts and relays the work that waited meanwhile.
"""

import os
import signal
import time

import pytest
from django.db import transaction

from community_trigger.models import Application, ThresholdDecision
from partners.models import OutboxTask
from partners.outbox import outbox_enqueue, publishing_resume
from tests.community_trigger.conftest import apply_for
from tests.faults import CeleryWorker, RedisServer, locks_waited_on, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

# How long an unacknowledged task waits before another worker is given it, in these tests
# (production: 600 s for short tasks, 3,600 s for long ones).
VISIBILITY_TIMEOUT = 3


@pytest.mark.parametrize(
    "pool",
    [
        # The whole worker dies: the task waits in Redis's unacknowledged set until the
        # visibility timeout, then another worker runs it.
        "solo",
        # A pool process dies (the main process lives): the task is put back at once
        # (task_reject_on_worker_lost) rather than dropped with WorkerLostError.
        "prefork",
    ],
)
def test_a_task_killed_mid_run_runs_again_once_within_the_configured_time(
    cast, tmp_path, celery_broker, pool
):
    # The prefork worker keeps the production visibility timeout (600 s): the task can only
    # come back in time because the dead pool process's task is rejected back to the queue.
    env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)} if pool == "solo" else {}
    with RedisServer(tmp_path, aof=True) as redis, celery_broker(redis.url):
        application = apply_for(None, actor=cast.owner.officer)  # its evaluation is queued
        evaluation = OutboxTask.objects.get(task_name="community_trigger.application_evaluate")
        assert evaluation.dispatched_at is not None

        # Hold the application's row so the evaluation blocks mid-run, then kill its worker.
        worker = CeleryWorker(redis.url, tmp_path, pool=pool, env=env)
        with transaction.atomic():
            Application.objects.select_for_update().get(pk=application.pk)
            worker.start()
            assert wait_for(lambda: locks_waited_on() > 0), worker.output()[-3000:]
            if pool == "solo":
                worker.kill()
            else:
                [child] = worker.pool_processes()
                os.kill(child, signal.SIGKILL)
            killed_at = time.monotonic()
        try:
            if pool == "solo":
                assert not ThresholdDecision.objects.exists()
                worker = CeleryWorker(redis.url, tmp_path, pool=pool, env=env)
                worker.start()
            assert wait_for(lambda: ThresholdDecision.objects.exists(), timeout=60), (
                worker.output()[-3000:]
            )
            rerun_after = time.monotonic() - killed_at
            assert wait_for(
                lambda: OutboxTask.objects.get(pk=evaluation.pk).completed_at is not None
            )
        finally:
            worker.stop()
    # Generous for a busy machine: the mechanism takes the visibility timeout (solo) or
    # nothing (prefork), plus a worker start and a restore sweep (every second here).
    assert rerun_after < 45
    assert ThresholdDecision.objects.filter(application=application).count() == 1
    assert OutboxTask.objects.get(pk=evaluation.pk).attempts == 1  # Redis did it, not a relay


def test_a_worker_outlives_redis_restarts_and_relays_what_waited_meanwhile(tmp_path, celery_broker):
    with (
        RedisServer(tmp_path, aof=True) as redis,
        celery_broker(redis.url),
        CeleryWorker(redis.url, tmp_path, pool="prefork") as worker,
    ):
        for round_ in range(3):
            redis.stop()
            task = outbox_enqueue(task_name="partners.ping", kwargs={"value": f"r{round_}"})
            task.refresh_from_db()
            assert task.dispatched_at is None and task.last_error  # the publish failed
            redis.start()
            # Nobody relays but the worker itself, when it reconnects.
            assert wait_for(
                lambda t=task: OutboxTask.objects.get(pk=t.pk).completed_at is not None,
                timeout=90,
            ), worker.output()[-3000:]
            assert worker.alive()
            publishing_resume()
    assert "Unrecoverable error" not in worker.output()
