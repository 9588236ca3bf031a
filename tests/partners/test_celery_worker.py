"""The Celery wiring, end to end: a real worker process on real Redis and PostgreSQL."""

import time

import pytest

from config.celery import app
from partners.models import AuditEvent, Membership
from tests.conftest import client_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_task_makes_the_round_trip_through_redis_and_a_worker(celery_worker_process):
    assert app.send_task("partners.ping", args=["round trip"]).get(timeout=20) == "round trip"


def test_an_invitation_is_sent_by_the_worker_from_the_outbox(cast, celery_worker_process):
    admin = client_for(cast.owner.admin)
    response = admin.post(
        "/organisation/users/add/",
        {
            "first_name": "Wren",
            "last_name": "Worker",
            "email": "wren@example.org",
            "role": "case_officer",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="wren@example.org")
    assert wait_for(
        lambda: AuditEvent.objects.filter(
            action="invitation_send", target_id=str(membership.user_id)
        ).exists()
    )
    membership.refresh_from_db()
    assert membership.invitation_sent_at is not None
    event = AuditEvent.objects.get(action="invitation_send")
    assert event.actor_label == "system:invitations"
