"""End to end with a real Celery worker on real Redis and PostgreSQL, and with Redis stopped."""

import datetime as dt
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from asb_cases.models import IncidentType
from community_trigger.models import Application, Stage, ThresholdDecision
from partners.models import AuditEvent, LocalAuthority, OutboxTask
from partners.outbox import outbox_relay
from partners.working_days import add_working_days
from tests.community_trigger.conftest import report
from tests.conftest import client_for
from tests.factories import make_person

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def apply_online(client=None):
    client = client or Client()
    return client.post(
        "/case-review/apply/",
        {
            "relationship": "self",
            "applicant_name": "Mabel Thornbury",
            "applicant_email": "mabel@example.org",
            "victim_given_name": "Mabel",
            "victim_family_name": "Thornbury",
            "victim_date_of_birth-day": "2",
            "victim_date_of_birth-month": "6",
            "victim_date_of_birth-year": "1948",
            "problem_type": IncidentType.objects.get(code="noise").pk,
            "problem_postcode": "DL1 4QT",
            "local_authority": LocalAuthority.objects.get(code="E06000005").pk,
            "description": "Every night",
            "hate_motivated": "no",
        },
    )


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
    assert not OutboxTask.objects.filter(dispatched_at__isnull=True).exists()
