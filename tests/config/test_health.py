import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_and_the_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["engine"] == "postgresql"
    assert body["broker"] == {"ok": True, "ms": body["broker"]["ms"], "transport": "redis"}


def test_healthz_is_503_and_says_why_when_the_broker_is_down(client, unused_tcp_port):
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{unused_tcp_port}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert "Connection" in body["broker"]["error"]


def test_healthz_answers_when_the_broker_does_not(client, silent_tcp_server):
    """A broker that accepts the connection but never answers must not hang the request."""
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{silent_tcp_server}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "Timeout" in response.json()["broker"]["error"]
