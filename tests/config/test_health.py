"""GET /healthz: the database, the broker and background work, quickly, 200 or 503."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from partners.models import Heartbeat
from partners.outbox import outbox_enqueue, publishing_resume
from tests.faults import CeleryWorker, RedisServer, wait_for

pytestmark = pytest.mark.django_db


def beat(name, seconds_ago=0):
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": timezone.now() - timedelta(seconds=seconds_ago)}
    )


@pytest.fixture
def alive():
    """Beat ticked and a worker completed a task moments ago."""
    beat(Heartbeat.Name.BEAT)
    beat(Heartbeat.Name.TASK)


def test_healthz_reports_the_database_the_broker_and_background_work(client, alive):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["engine"] == "postgresql"
    assert body["broker"] == {"ok": True, "ms": body["broker"]["ms"], "transport": "redis"}
    background = body["background"]
    assert background["ok"] is True
    assert background["beat"]["age_s"] < 60 and background["beat"]["max_age_s"] == 120
    assert background["last_task"]["age_s"] < 60 and background["last_task"]["max_age_s"] == 180
    assert background["outbox"] == {"waiting": 0, "oldest_s": None, "given_up": 0}


def test_healthz_is_503_and_says_why_when_the_broker_is_down(client, alive, unused_tcp_port):
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{unused_tcp_port}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert "Connection" in body["broker"]["error"]


def test_healthz_answers_when_the_broker_does_not(client, alive, silent_tcp_server):
    """A broker that accepts the connection but never answers must not hang the request."""
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{silent_tcp_server}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "Timeout" in response.json()["broker"]["error"]


def test_healthz_is_503_when_no_worker_or_beat_has_ever_reported(client):
    Heartbeat.objects.all().delete()  # a worker of another test may have left one
    response = client.get("/healthz")
    assert response.status_code == 503
    background = response.json()["background"]
    assert background["ok"] is False
    assert "beat has not ticked yet" in background["error"]
    assert "no worker has completed a task yet" in background["error"]


@pytest.mark.parametrize(
    ("stale", "reason"),
    [
        (Heartbeat.Name.BEAT, "beat last ticked 121 s ago"),
        (Heartbeat.Name.TASK, "the last task completed 181 s ago"),
    ],
)
def test_healthz_is_503_when_background_work_has_stalled(client, alive, stale, reason):
    beat(stale, seconds_ago=121 if stale == Heartbeat.Name.BEAT else 181)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert reason in response.json()["background"]["error"]


def test_healthz_thresholds_are_settings(client, alive, settings):
    beat(Heartbeat.Name.TASK, seconds_ago=30)
    settings.HEALTHZ_TASK_MAX_AGE = 20
    assert client.get("/healthz").status_code == 503
    settings.HEALTHZ_TASK_MAX_AGE = 40
    assert client.get("/healthz").status_code == 200


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_healthz_is_200_with_a_live_worker_and_503_once_it_is_gone(
    client, tmp_path, celery_broker, settings
):
    publishing_resume()
    beat(Heartbeat.Name.BEAT)  # beat itself is not what this test is about
    with RedisServer(tmp_path, aof=False) as redis, celery_broker(redis.url):
        settings.REDIS_URL = redis.url
        worker = CeleryWorker(redis.url, tmp_path)
        with worker:
            outbox_enqueue(task_name="partners.ping", kwargs={"value": "alive?"})
            assert wait_for(lambda: client.get("/healthz").status_code == 200), (
                client.get("/healthz").json(),
                worker.output()[-2000:],
            )
            worker.kill()
        settings.HEALTHZ_TASK_MAX_AGE = 2
        assert wait_for(lambda: client.get("/healthz").status_code == 503, timeout=30)
        error = client.get("/healthz").json()["background"]["error"]
    assert "the last task completed" in error


def test_livez_is_200_while_the_broker_is_down_and_no_worker_has_reported(client, unused_tcp_port):
    """The web container's health check: pages keep working without Redis or workers (their
    work waits in the outbox), so /livez asks only whether this process and its database
    answer, while /healthz reports the whole service unavailable."""
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{unused_tcp_port}/0"):
        assert client.get("/healthz").status_code == 503
        response = client.get("/livez")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert "broker" not in body and "background" not in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_livez_is_503_when_its_database_does_not_answer(client, monkeypatch):
    from django.db import OperationalError

    from config import health

    def refused():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_database", refused)
    response = client.get("/livez")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
