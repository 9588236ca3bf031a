"""Signing in and out, brute-force lockout, session expiry, and their audit events."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from partners.models import AuditEvent, UserSession
from partners.receivers import SIGNED_IN_AT
from tests.conftest import authenticator_code, authenticator_for, client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

Verb = AuditEvent.Verb


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post("/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_sign_in_page_is_govuk_styled_and_open_to_anyone(client):
    response = client.get("/sign-in/")
    assert response.status_code == 200
    assert b"govuk-template__body" in response.content
    assert b'id="main-content"' in response.content


def test_member_signs_in_sees_their_organisation_and_is_audited(cast):
    device = authenticator_for(cast.owner.officer)
    client = Client()
    response = sign_in(client, "officer@test-housing", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # not signed in until the second factor
    assert not AuditEvent.objects.filter(verb=Verb.LOGGED_IN).exists()
    client.post(
        "/sign-in/two-factor/", {"code": authenticator_code(device)}, REMOTE_ADDR="10.0.0.1"
    )
    home = client.get("/")
    assert home.status_code == 200
    assert b"Test Housing" in home.content
    event = AuditEvent.objects.get(verb=Verb.LOGGED_IN)
    assert event.actor == cast.owner.officer
    assert event.organisation == cast.owner.organisation
    assert event.ip_address == "10.0.0.1"


def test_wrong_password_shows_error_summary_keeps_username_and_is_audited(cast):
    client = Client()
    response = sign_in(client, "officer@test-housing", "not-the-password")
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "<title>Error: Sign in" in content
    assert 'value="officer@test-housing"' in content
    event = AuditEvent.objects.get(verb=Verb.LOGIN_FAILED)
    assert event.detail == {"username": "officer@test-housing"}
    assert event.ip_address == "10.0.0.1"
    assert "not-the-password" not in str(event.detail)


def test_empty_form_names_each_missing_field(client):
    response = client.post("/sign-in/", {"username": "", "password": ""})
    content = response.content.decode()
    assert 'href="#id_username">Enter your username' in content
    assert 'href="#id_password">Enter your password' in content


def test_five_failures_lock_that_username_from_that_address_with_a_clear_message(cast):
    client = Client()
    for _ in range(5):
        sign_in(client, "officer@test-housing", "wrong")
    locked = sign_in(client, "officer@test-housing", PASSWORD)
    assert locked.status_code == 429
    assert b"too many failed attempts" in locked.content
    assert b"15 minutes" in locked.content
    assert AuditEvent.objects.filter(verb=Verb.LOCKED_OUT).exists()
    # The lock is on the combination: the same person elsewhere, and a colleague at the same
    # address, can still sign in.
    assert sign_in(Client(), "officer@test-housing", PASSWORD, ip="10.9.9.9").status_code == 302
    assert sign_in(Client(), "supervisor@test-housing", PASSWORD).status_code == 302


def test_sessions_expire_after_thirty_idle_minutes(cast):
    client = client_for(cast.owner.officer)
    client.get("/")
    assert client.session.get_expiry_age() == 30 * 60
    session = UserSession.objects.get(user=cast.owner.officer)
    assert session.expire_date <= timezone.now() + timedelta(minutes=30, seconds=5)


def test_a_session_older_than_twelve_hours_is_ended_even_if_active(cast):
    client = client_for(cast.owner.officer)
    session = client.session
    session[SIGNED_IN_AT] = (timezone.now() - timedelta(hours=12, minutes=1)).isoformat()
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/sign-in/")
    assert client.get("/").status_code == 302


def test_sign_out_ends_the_session_and_is_audited(cast):
    client = client_for(cast.owner.officer)
    response = client.post("/sign-out/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(verb=Verb.LOGGED_OUT, actor=cast.owner.officer).exists()


def test_sign_out_needs_post(cast):
    client = client_for(cast.owner.officer)
    assert client.get("/sign-out/").status_code == 405


def test_member_of_an_inactive_organisation_cannot_sign_in(cast):
    cast.unrelated.organisation.active = False
    cast.unrelated.organisation.save()
    response = sign_in(Client(), "officer@test-borough", PASSWORD)
    assert response.status_code == 200
    assert b"There is a problem" in response.content
