"""End to end with a real Celery worker on real Redis and PostgreSQL, and with Redis stopped."""

import datetime as dt
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from community_trigger import services
from community_trigger.models import Application, Stage, ThresholdDecision
from partners.models import AuditEvent, OutboxTask
from partners.outbox import outbox_relay, publishing_resume
from partners.working_days import add_working_days
from tests.community_trigger.conftest import report
from tests.conftest import client_for
from tests.factories import make_person
from tests.faults import CeleryWorker, RedisServer, worker_idle
from tests.faults import wait_for as wait_until

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _worker_done_before_teardown(request):
    """A test with the session's worker ends once the worker has finished its work, so the
    flush that ends a transactional test does not race it (a deadlock)."""
    yield
    if "celery_worker_process" in request.fixturenames:
        worker_idle()


def wait_for(predicate, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def apply_online(client=None):
    """Answer the public question pages as Mabel Thornbury, then send the application: the
    answer to the last request (the one that records it)."""
    from tests.community_trigger.test_apply_pages import pages, walk

    client = client or Client()
    walk(client, pages(details={"description": "Every night"}))
    return client.post("/case-review/apply/check/", {})


def verify(cast, person) -> None:
    """The ASB Champion verifies the online applicant as `person`, on the page."""
    application = Application.objects.get()
    response = client_for(cast.champion).post(
        f"/case-reviews/{application.uuid}/verify/",
        {"confirmed": "on", "person": str(person.uuid)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def mabel(cast):
    return make_person(
        cast.owner.officer,
        given_name="Mabel",
        family_name="Thornbury",
        date_of_birth=dt.date(1948, 6, 2),
        postcode="DL1 4QT",
    )


def test_three_agencies_an_application_a_decision_and_a_review_with_its_clocks(
    cast, mabel, celery_worker_process
):
    now = timezone.now()
    for days, officer in (
        (50, cast.owner.officer),
        (30, cast.partner.officer),
        (10, cast.unrelated.officer),
    ):
        report(officer, mabel, occurred=now - timedelta(days=days))
    assert apply_online().status_code == 302
    application = Application.objects.get()
    verify(cast, mabel)
    assert wait_for(lambda: ThresholdDecision.objects.filter(application=application).exists())
    decision = ThresholdDecision.objects.get(application=application)
    assert decision.outcome == "met" and decision.automatic
    assert decision.evidence.filter(finding="counted").count() == 3
    application.refresh_from_db()
    assert application.stage == Stage.REVIEW
    assert application.check_due == add_working_days(timezone.localdate(), 5)
    assert application.meeting_due == add_working_days(timezone.localdate(), 10)
    assert wait_for(lambda: AuditEvent.objects.filter(action="application_acknowledge").exists())
    assert wait_for(lambda: AuditEvent.objects.filter(action="applicant_tell_decision").exists())
    assert AuditEvent.objects.get(action="threshold_decide").actor_label == (
        "system:case-review-engine"
    )


def test_a_new_incident_brings_a_pending_application_over_the_threshold(
    cast, mabel, celery_worker_process
):
    now = timezone.now()
    report(cast.owner.officer, mabel, occurred=now - timedelta(days=40))
    report(cast.partner.officer, mabel, occurred=now - timedelta(days=20))
    apply_online()
    application = Application.objects.get()
    verify(cast, mabel)
    assert wait_for(lambda: Application.objects.get().stage == Stage.AWAITING_DISCRETION)
    report(cast.unrelated.officer, mabel, occurred=now - timedelta(days=2))
    assert wait_for(lambda: Application.objects.get().stage == Stage.REVIEW)
    outcomes = list(application.decisions.order_by("decided_at").values_list("outcome", flat=True))
    assert outcomes == ["not_met", "met"]


def test_work_survives_redis_being_down_and_is_done_when_it_is_back(
    cast, mabel, celery_worker_process, private_redis, celery_broker
):
    now = timezone.now()
    private_redis.stop()
    with celery_broker(private_redis.url):
        started = time.monotonic()
        for days, officer in (
            (50, cast.owner.officer),
            (30, cast.partner.officer),
            (10, cast.unrelated.officer),
        ):
            report(officer, mabel, occurred=now - timedelta(days=days))
        response = apply_online()
        verify(cast, mabel)
        elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 30  # four saves, each failing to publish fast: nobody waits on Redis
    application = Application.objects.get()
    pending = OutboxTask.objects.filter(dispatched_at__isnull=True)
    assert "community_trigger.application_evaluate" in set(
        pending.values_list("task_name", flat=True)
    )
    assert not application.decisions.exists()
    # The broker is back: the relay (a beat job) publishes what was kept, the worker does it.
    assert outbox_relay(grace=timedelta(0)) >= 1
    assert wait_for(lambda: Application.objects.get().stage == Stage.REVIEW)
    # What the worker queued itself (telling the applicant) is published as it commits.
    assert wait_for(lambda: not OutboxTask.objects.filter(dispatched_at__isnull=True).exists())


# Faults injected: a Redis of the test's own, stopped, frozen and restarted under real workers.


@pytest.fixture
def fresh_publisher():
    publishing_resume()
    yield
    publishing_resume()


@pytest.mark.parametrize(
    "aof",
    [
        # The compose file's broker: what was queued is still queued after the restart.
        True,
        # A broker that loses its queue on restart: the outbox publishes again what was
        # published but never completed (the relay, as beat runs it, every few seconds here).
        False,
    ],
    ids=["redis-with-aof", "redis-without-persistence"],
)
def test_evaluations_queued_when_redis_restarts_are_done_when_the_worker_resumes(
    cast, mabel, tmp_path, celery_broker, settings, fresh_publisher, aof
):
    settings.OUTBOX_REDELIVER_AFTER = 2
    now = timezone.now()
    report(cast.owner.officer, mabel, occurred=now - timedelta(days=50))
    report(cast.partner.officer, mabel, occurred=now - timedelta(days=30))
    with (
        RedisServer(tmp_path, aof=aof) as redis,
        celery_broker(redis.url),
        CeleryWorker(redis.url, tmp_path) as worker,
    ):
        worker.pause()
        for _ in range(3):
            assert apply_online().status_code == 302
        for application in Application.objects.all():  # verified: each is evaluated now
            services.application_verify(actor=cast.champion, application=application, person=mabel)
        report(cast.unrelated.officer, mabel, occurred=now - timedelta(days=10))  # a third
        assert not OutboxTask.objects.filter(dispatched_at__isnull=True).exists()
        # Seven tasks (an evaluation and an acknowledgement per application, and the report's
        # re-evaluation) are queued; the paused worker may have taken one off the queue.
        assert redis.queue_length(settings.CELERY_TASK_DEFAULT_QUEUE) >= 6

        redis.restart()
        worker.resume()

        def done():
            if not aof:
                outbox_relay()
            return not OutboxTask.objects.filter(completed_at__isnull=True).exists()

        assert wait_until(done, timeout=120, every=1.0), worker.output()[-3000:]
    assert not Application.objects.filter(stage=Stage.RECEIVED).exists()
    assert set(Application.objects.values_list("stage", flat=True)) == {Stage.REVIEW}
    for application in Application.objects.all():  # evaluated once, however often it ran
        assert application.decisions.count() == 1
    assert worker.alive() is False  # stopped with its context, not crashed before


def timed(request) -> float:
    started = time.monotonic()
    assert request().status_code == 302
    return time.monotonic() - started


def test_applying_answers_promptly_while_redis_is_stopped_or_frozen_and_the_work_follows(
    cast, tmp_path, celery_broker, settings, fresh_publisher
):
    with RedisServer(tmp_path, aof=True) as redis, celery_broker(redis.url):
        # The cache (public-form throttling) and the broker are both this Redis.
        settings.REDIS_URL = redis.url
        settings.CACHES = {
            "default": {**settings.CACHES["default"], "LOCATION": redis.url},
        }
        normal = min(timed(apply_online) for _ in range(3))

        redis.stop()
        stopped = [timed(apply_online) for _ in range(2)]
        redis.start()
        publishing_resume()

        redis.freeze()
        try:
            frozen = [timed(apply_online) for _ in range(2)]
        finally:
            redis.thaw()

        # Functional bounds, generous for a busy machine: the mechanism adds nothing while
        # Redis is stopped and at most about half a second (one cache and one publish
        # timeout, once per process) while it is frozen; benchmarks/faults.py measures it.
        assert max(stopped) < normal + 1.5, (normal, stopped)
        assert max(frozen) < normal + 1.5, (normal, frozen)

        assert Application.objects.count() == 7  # no record lost
        waiting = OutboxTask.objects.filter(dispatched_at__isnull=True)
        # An acknowledgement each, kept (the threshold check waits for the applicant to be
        # verified by the ASB Champion), and the Champion's e-mail about each new application.
        assert (
            sorted(waiting.values_list("task_name", flat=True))
            == ["community_trigger.application_acknowledge"] * 4 + ["notifications.email_send"] * 4
        )
        with CeleryWorker(redis.url, tmp_path) as worker:
            assert wait_until(  # the worker relays what waited as it starts
                lambda: not OutboxTask.objects.filter(completed_at__isnull=True).exists(),
                timeout=120,
            ), worker.output()[-3000:]
    assert AuditEvent.objects.filter(action="application_acknowledge").count() == 7


def test_an_application_left_at_received_is_evaluated_by_the_recovery_job(
    cast, mabel, celery_broker, unused_tcp_port, fresh_publisher
):
    from community_trigger.recovery import stuck_applications_evaluate

    apply_online()
    application = Application.objects.get()
    with celery_broker(f"redis://127.0.0.1:{unused_tcp_port}/0"):  # its evaluation is lost
        services.application_verify(actor=cast.champion, application=application, person=mabel)
    application.refresh_from_db()
    assert application.stage == Stage.RECEIVED  # no worker ran its evaluation
    assert stuck_applications_evaluate() == 0  # not yet: it may just be queued

    Application.objects.filter(pk=application.pk).update(
        received_at=timezone.now() - timedelta(minutes=16),
        verified_at=timezone.now() - timedelta(minutes=16),
    )
    assert stuck_applications_evaluate() == 1
    application.refresh_from_db()
    assert application.stage == Stage.AWAITING_DISCRETION
    assert stuck_applications_evaluate() == 0  # idempotent: it has moved on
    assert application.decisions.count() == 1
