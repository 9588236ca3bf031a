"""Client addresses behind trusted proxies, no-store on personal pages, limits on free text,
and partnership-wide definitions changed only by the partnership's admin."""

import pytest
from django.test import Client, RequestFactory

from partners.client_address import client_address
from partners.models import AuditEvent
from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BALANCER = "10.20.0.5"


@pytest.mark.parametrize(
    ("count", "networks", "forwarded", "expected"),
    [
        (0, [], "203.0.113.7", BALANCER),  # no proxy: the header is the client's own words
        (1, [], "203.0.113.7", "203.0.113.7"),
        (1, [], "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # a forged entry on the left
        (2, [], "6.6.6.6, 203.0.113.7, 198.51.100.2", "203.0.113.7"),
        (1, ["10.20.0.0/16"], "203.0.113.7", "203.0.113.7"),
        (1, ["192.168.0.0/16"], "203.0.113.7", BALANCER),  # not from our proxy
        (1, [], "not-an-address", BALANCER),
        (1, [], "", BALANCER),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxies_saw(
    settings, count, networks, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    settings.TRUSTED_PROXY_NETWORKS = networks
    request = RequestFactory().get("/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_behind_a_proxy_the_lock_out_is_per_client_not_per_balancer(cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    def attempt(client_ip, password):
        return Client().post(
            "/sign-in/",
            {"username": "officer@test-housing", "password": password},
            REMOTE_ADDR=BALANCER,
            HTTP_X_FORWARDED_FOR=client_ip,
        )

    for _ in range(5):
        attempt("203.0.113.7", "wrong")
    assert attempt("203.0.113.7", PASSWORD).status_code == 429
    # The same person from another address, through the same balancer, is not locked out.
    assert attempt("198.51.100.23", PASSWORD).status_code == 302
    event = AuditEvent.objects.filter(verb=AuditEvent.Verb.LOGIN_FAILED).first()
    assert event.ip_address == "203.0.113.7"


def test_behind_a_proxy_public_form_limits_are_per_client(settings):
    from partners import throttle

    settings.TRUSTED_PROXY_COUNT = 1
    factory = RequestFactory()

    def request(ip):
        return factory.post("/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=ip)

    assert throttle.allow(request("203.0.113.7"), scope="t", limit=1)
    assert not throttle.allow(request("203.0.113.7"), scope="t", limit=1)
    assert throttle.allow(request("198.51.100.23"), scope="t", limit=1)


def test_signed_in_pages_and_api_answers_are_not_stored(cast):
    page = client_for(cast.owner.officer).get("/")
    assert "no-store" in page["Cache-Control"]
    api = Client().get("/api/v1/cases/")
    assert "no-store" in api["Cache-Control"]
    public = Client().get("/case-review/")
    assert "no-store" not in public.get("Cache-Control", "")


def test_public_forms_refuse_very_long_text_with_a_clear_message(client):
    client.post("/case-review/apply/")  # the question pages: one at a time
    client.post("/case-review/apply/victim/", {"relationship": "self"})
    for path, data in (
        ("/case-review/apply/details/", {"description": "x" * 2_000_000}),
        (
            "/case-review/apply/impact/",
            {"tell_impact": ["yes"], "impact_statement": "y" * 20_000, "reading": "by_victim"},
        ),
    ):
        response = client.post(path, data)
        assert response.status_code == 200
        content = response.content.decode()
        assert "There is a problem" in content
        assert "must be 10,000 characters or fewer" in content


def test_only_the_partnership_admin_changes_the_victim_status_definitions(cast):
    from victims import services

    data = {
        "repeat_incident_count": "3",
        "repeat_window_months": "6",
        "second_report_window_months": "6",
        "vulnerable_risk_bands": ["high"],
    }
    supervisor = client_for(cast.owner.supervisor)
    assert supervisor.get("/people/definitions/").status_code == 403
    assert supervisor.post("/people/definitions/", data).status_code == 403
    assert client_for(cast.champion).get("/people/definitions/").status_code == 403
    with pytest.raises(Exception, match="partnership's admin"):
        services.status_definition_update(
            actor=cast.owner.supervisor,
            repeat_incident_count=3,
            repeat_window_months=6,
            second_report_window_months=6,
            vulnerable_risk_bands=["high"],
        )
    admin = cast.pcc.admin
    admin.membership.is_partnership_admin = True
    admin.membership.save(update_fields=["is_partnership_admin"])
    partnership = client_for(admin)
    assert partnership.get("/people/definitions/").status_code == 200
    assert partnership.post("/people/definitions/", data).status_code == 302
    assert AuditEvent.objects.filter(action="status_definition_update", actor=admin).exists()


# Secrets kept for partners are encrypted at rest ------------------------------------------------


def test_an_identity_providers_client_secret_is_encrypted_at_rest_and_keys_rotate(cast, settings):
    from cryptography.fernet import Fernet
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connection

    from partners.models import IdentityProvider

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SECRETS_ENCRYPTION_KEYS = [old_key]
    provider = IdentityProvider.objects.create(
        organisation=cast.owner.organisation,
        issuer="https://login.example.org",
        client_id="asb-service",
        client_secret="s3cret-of-the-county",
    )

    def stored() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT client_secret FROM partners_identityprovider WHERE id = %s", [provider.pk]
            )
            return cursor.fetchone()[0]

    assert "s3cret" not in stored() and stored().startswith("fernet:")
    assert IdentityProvider.objects.get(pk=provider.pk).client_secret == "s3cret-of-the-county"

    # A new key in front: what the old one encrypted still reads; a save re-encrypts with the new.
    settings.SECRETS_ENCRYPTION_KEYS = [new_key, old_key]
    again = IdentityProvider.objects.get(pk=provider.pk)
    assert again.client_secret == "s3cret-of-the-county"
    again.save()
    settings.SECRETS_ENCRYPTION_KEYS = [new_key]
    assert IdentityProvider.objects.get(pk=provider.pk).client_secret == "s3cret-of-the-county"

    # Without the key it was encrypted with, the service says so rather than using garbage.
    settings.SECRETS_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(ImproperlyConfigured):
        IdentityProvider.objects.get(pk=provider.pk)
