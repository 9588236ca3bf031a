"""An Idempotency-Key makes every API POST safe to retry: the same key and request get the
first answer again and nothing is done twice (docs/adr/0015-idempotency-keys.md)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from community_trigger.models import Application
from partners.api.base import idempotency_keys_prune
from partners.models import AuditEvent, IdempotencyKey
from tests.api.conftest import incident_body, make_api
from tests.api.test_case_reviews import CASE_REVIEWS, body

pytestmark = pytest.mark.django_db

KEY = "5f0c8a4e-0b5e-4c2b-9a57-0d1f6c7e9a11"


def post(api, data, key=KEY):
    return api.post(CASE_REVIEWS, data, HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_post_with_the_same_key_gets_the_first_answer_and_records_nothing_new(
    cast, owner_api
):
    first = post(owner_api, body())
    assert first.status_code == 201
    again = post(owner_api, body())
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1
    replayed = AuditEvent.objects.filter(detail__idempotent_replay=True)
    assert replayed.count() == 1  # the retry is audited, as every call is


def test_the_same_key_with_a_different_request_is_a_422(cast, owner_api):
    assert post(owner_api, body()).status_code == 201
    response = post(owner_api, body(description="Something else entirely"))
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Application.objects.count() == 1


def test_a_key_belongs_to_its_client(cast, owner_api, partner_api):
    assert post(owner_api, body()).status_code == 201
    assert post(partner_api, body(agencies_told=[])).status_code == 201
    assert Application.objects.count() == 2


def test_without_a_key_every_post_is_a_new_request(cast, owner_api):
    assert owner_api.post(CASE_REVIEWS, body()).status_code == 201
    assert owner_api.post(CASE_REVIEWS, body()).status_code == 201
    assert Application.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_failed_request_keeps_nothing_so_its_key_can_be_sent_again_corrected(cast, owner_api):
    assert post(owner_api, body(problem_postcode="not a postcode")).status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert post(owner_api, body()).status_code == 201
    assert AuditEvent.objects.filter(detail__status=400).exists()  # the failure is audited


def test_a_key_that_is_not_one_is_a_400(cast, owner_api):
    response = post(owner_api, body(), key="two words")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Application.objects.exists()


def test_keys_are_kept_a_day_then_pruned(cast, owner_api):
    assert post(owner_api, body()).status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency_keys_prune() == 1
    assert post(owner_api, body()).status_code == 201  # a new request now
    assert Application.objects.count() == 2


def test_an_expired_key_not_yet_pruned_is_a_new_key(cast, owner_api):
    assert post(owner_api, body()).status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert post(owner_api, body(description="A new request")).status_code == 201
    assert Application.objects.count() == 2


def test_every_post_honours_the_key(cast, owner_api):
    incident = incident_body()
    first = owner_api.post("/api/v1/incidents/", incident, HTTP_IDEMPOTENCY_KEY="inc-1")
    assert first.status_code in (200, 201), first.json()
    again = owner_api.post("/api/v1/incidents/", incident, HTTP_IDEMPOTENCY_KEY="inc-1")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_key_record_one_application(cast):
    owner_api = make_api(cast.owner.organisation)
    ready = threading.Barrier(2)
    answers = []

    def send():
        try:
            ready.wait(10)
            answers.append(post(owner_api, body()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answer.status_code for answer in answers) == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Application.objects.count() == 1


def test_an_answer_echoing_a_nul_character_is_kept_and_replayed(cast, owner_api):
    """A bulk item whose reference carries a NUL character is refused in the answer; the
    answer is still kept for the key (PostgreSQL's JSON cannot hold NUL: kept as U+FFFD)."""
    from tests.api.test_incidents import BULK

    items = {"incidents": [incident_body("FINE-1"), incident_body("BAD\u0000REF")]}
    first = owner_api.post(BULK, items, HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code < 500
    again = owner_api.post(BULK, items, HTTP_IDEMPOTENCY_KEY=KEY)
    assert again.status_code == first.status_code
    assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.count() == 1
