"""API clients: tokens, revocation taking effect at once, per-client throttling with
Retry-After, every call audited against the client, and the command that creates them."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from partners import services
from partners.models import APIClient, AuditEvent
from tests.api.conftest import Api, incident_body
from tests.factories import TEST_ACTOR

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


@pytest.mark.parametrize(
    "header",
    [None, "Token", "Token not-a-real-token", "Bearer abc", "Token a b", "Token \u00e9t\u00e9"],
)
def test_requests_without_a_valid_token_are_refused(cast, header):
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    response = client.get(CASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert response.json()["code"] in {"not_authenticated", "authentication_failed"}


def test_a_signed_in_person_cannot_use_the_api_with_their_session(cast):
    from tests.conftest import client_for

    assert client_for(cast.owner.officer).get(CASES).status_code == 401


def test_the_token_is_stored_only_as_its_hash(cast, owner_api):
    stored = APIClient.objects.get(pk=owner_api.client.pk)
    assert owner_api.token not in (stored.token_hash, stored.token_prefix)
    assert stored.token_hash == services.api_token_hash(owner_api.token)
    assert stored.token_prefix == owner_api.token[:8]
    assert len(owner_api.token) >= 40


def test_revoking_a_client_takes_effect_at_once(cast, owner_api):
    assert owner_api.get(CASES).status_code == 200
    services.api_client_revoke(actor=cast.owner.admin, client=owner_api.client)
    assert owner_api.get(CASES).status_code == 401
    assert not APIClient.objects.get(pk=owner_api.client.pk).user.is_active


def test_a_deactivated_organisation_stops_its_clients(cast, owner_api):
    type(cast.owner.organisation).objects.filter(pk=cast.owner.organisation.pk).update(active=False)
    assert owner_api.get(CASES).status_code == 401


def test_only_an_admin_of_the_organisation_can_revoke(cast, owner_api):
    with pytest.raises(PermissionError):
        services.api_client_revoke(actor=cast.unrelated.admin, client=owner_api.client)
    with pytest.raises(PermissionError):
        services.api_client_revoke(actor=cast.owner.officer, client=owner_api.client)


def test_the_service_user_cannot_sign_in_or_be_invited(cast, owner_api):
    user = owner_api.client.user
    assert not user.has_usable_password() and user.email == ""
    response = Client().post("/sign-in/", {"username": user.username, "password": ""})
    assert response.status_code == 200  # the form again, not a redirect


def test_every_call_is_audited_once_against_the_client(cast, owner_api):
    label = f"api-client:{owner_api.client.pk}"
    before = AuditEvent.objects.filter(actor_label=label).count()
    owner_api.get(CASES)
    owner_api.get(CASES, {"status": "open"})
    owner_api.get(f"{CASES}00000000-0000-0000-0000-000000000000/")
    events = list(AuditEvent.objects.filter(actor_label=label).order_by("id"))[before:]
    assert [(e.verb, e.action, e.detail["status"]) for e in events] == [
        ("viewed", "api:case-list", 200),
        ("searched", "api:case-list", 200),
        ("permission_denied", "api:case-detail", 404),  # a refusal, audited as one
    ]
    assert all(e.organisation_id == cast.owner.organisation.pk for e in events)
    assert events[1].detail["query"] == {"status": ["open"]}
    assert events[0].detail["method"] == "GET" and events[0].detail["path"] == CASES


def test_a_write_is_audited_by_its_service_and_the_call(cast, owner_api):
    owner_api.post("/api/v1/incidents/", incident_body())
    label = f"api-client:{owner_api.client.pk}"
    actions = list(AuditEvent.objects.filter(actor_label=label).values_list("verb", "action"))
    assert ("created", "incident_record") in actions
    assert ("created", "person_create") in actions
    assert ("created", "api:incident-list") in actions
    assert not AuditEvent.objects.filter(actor_label=cast.owner.officer.username).exists()


def test_last_used_is_recorded_at_most_once_a_minute(cast, owner_api):
    assert owner_api.client.last_used_at is None
    owner_api.get(CASES)
    first = APIClient.objects.get(pk=owner_api.client.pk).last_used_at
    assert first is not None
    owner_api.get(CASES)
    assert APIClient.objects.get(pk=owner_api.client.pk).last_used_at == first
    APIClient.objects.filter(pk=owner_api.client.pk).update(
        last_used_at=timezone.now() - dt.timedelta(minutes=2)
    )
    owner_api.get(CASES)
    assert APIClient.objects.get(pk=owner_api.client.pk).last_used_at > first


def test_a_client_over_its_rate_gets_429_with_retry_after(cast, owner_api, partner_api, settings):
    settings.API_THROTTLE_RATES = {"api": "3/minute", "api_bulk": "1/minute"}
    statuses = [owner_api.get(CASES).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = owner_api.get(CASES)
    assert throttled.json()["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert partner_api.get(CASES).status_code == 200, "the limit is per client"


def test_bulk_has_its_own_budget(cast, owner_api, settings):
    settings.API_THROTTLE_RATES = {"api": "100/minute", "api_bulk": "1/minute"}
    bulk = {"incidents": [incident_body()]}
    assert owner_api.post("/api/v1/incidents/bulk/", bulk).status_code == 200
    assert owner_api.post("/api/v1/incidents/bulk/", bulk).status_code == 429
    assert owner_api.get(CASES).status_code == 200


def test_the_organisations_are_listed_read_only(cast, owner_api):
    body = owner_api.get("/api/v1/organisations/").json()
    assert {"test-housing", "test-police", "test-borough"} <= {o["slug"] for o in body}
    police = owner_api.get("/api/v1/organisations/test-police/").json()
    assert police["kind"] == "police"
    assert {a["code"] for a in police["areas"]} == {"E06000047", "E06000005"}
    assert owner_api.get("/api/v1/organisations/nowhere/").status_code == 404
    assert owner_api.post("/api/v1/organisations/", {}).status_code == 403


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing/here/", "/api/v1/organisations/a%0Ab/", "/api/v1/%0A/"]
)
def test_an_unknown_api_address_is_a_json_404(cast, owner_api, path):
    response = owner_api.get(path)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert response["Content-Type"] == "application/json"
    assert Client().get(path).status_code == 401


# The command -----------------------------------------------------------------------------------


def test_the_command_creates_a_client_and_prints_its_token(cast):
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_client",
        "test-police",
        "Police records",
        "--role",
        "supervisor",
        stdout=out,
        stderr=err,
    )
    token = out.getvalue().strip()
    client = APIClient.objects.get(token_hash=services.api_token_hash(token))
    assert client.name == "Police records" and client.role == "supervisor"
    assert client.organisation == cast.partner.organisation
    assert "not kept" in err.getvalue()
    assert Api(client=client, token=token).get(CASES).status_code == 200
    assert AuditEvent.objects.filter(
        action="api_client_create", actor_label="system:create_api_client"
    ).exists()


def test_the_command_refuses_an_unknown_organisation_or_role(cast):
    with pytest.raises(CommandError):
        call_command("create_api_client", "nowhere", "X", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "create_api_client",
            "test-police",
            "X",
            "--role",
            "asb_champion",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    with pytest.raises(CommandError):
        call_command(
            "create_api_client",
            "test-police",
            "X",
            "--role",
            "emperor",
            stdout=StringIO(),
            stderr=StringIO(),
        )


def test_a_client_name_is_required(cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.api_client_create(actor=TEST_ACTOR, organisation=cast.owner.organisation, name=" ")
