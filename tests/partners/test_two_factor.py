"""Two-factor authentication for password sign-in: setting up an authenticator app, recovery
codes, wrong codes counting towards the lock-out, and the partner admin's reset."""

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.models import AuditEvent
from tests.conftest import authenticator_code, authenticator_for, client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

Verb = AuditEvent.Verb


def password_step(client, user, ip="10.0.0.1"):
    return client.post(
        "/sign-in/", {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ip
    )


def test_first_sign_in_sets_up_an_authenticator_and_shows_recovery_codes_once(cast):
    officer = cast.owner.officer
    client = Client()
    response = password_step(client, officer)
    assert response.url == "/sign-in/two-factor/set-up/"
    page = client.get(response.url)
    assert b"Set up two-factor authentication" in page.content
    assert b'src="data:image/svg+xml' in page.content  # the QR code, allowed by the CSP
    assert client.get("/").status_code == 302  # not signed in yet

    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    wrong = client.post(response.url, {"code": "000000"}, REMOTE_ADDR="10.0.0.1")
    assert b"The code is not right" in wrong.content
    device.refresh_from_db()
    device.throttle_reset()  # django-otp's back-off after a wrong code (a second here)
    code = f"{TOTP(device.bin_key).token():06d}"
    done = client.post(response.url, {"code": code}, REMOTE_ADDR="10.0.0.1")
    assert done.status_code == 200
    assert b"Save your recovery codes" in done.content
    assert "no-store" in done["Cache-Control"]
    codes = done.context["codes"]
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="second_factor_set_up", actor=officer).exists()
    # Recovery codes are stored only as keyed hashes.
    from django_otp.plugins.otp_static.models import StaticToken

    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)


def test_a_recovery_code_signs_in_once(cast):
    officer = cast.owner.officer
    client = client_for(officer)  # sets up an authenticator
    from partners.two_factor import recovery_codes_replace

    codes = recovery_codes_replace(officer)
    for attempt in range(2):
        fresh = Client()
        password_step(fresh, officer)
        response = fresh.post("/sign-in/two-factor/", {"code": codes[0].upper()})
        if attempt == 0:
            assert response.status_code == 302
            assert fresh.get("/").status_code == 200
        else:
            assert b"The code is not right" in response.content
    assert client.get("/").status_code == 200


def test_wrong_codes_count_towards_the_lock_out(cast):
    officer = cast.owner.officer
    device = authenticator_for(officer)
    client = Client()
    password_step(client, officer)
    for _ in range(5):
        response = client.post("/sign-in/two-factor/", {"code": "123456"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert AuditEvent.objects.filter(verb=Verb.SECOND_FACTOR_FAILED).count() == 5
    assert AuditEvent.objects.filter(verb=Verb.LOCKED_OUT).exists()
    # Locked: even the right code, and the password step, are refused from that address.
    right = client.post(
        "/sign-in/two-factor/", {"code": authenticator_code(device)}, REMOTE_ADDR="10.0.0.1"
    )
    assert right.status_code == 429
    assert password_step(Client(), officer).status_code == 429


def test_a_session_signed_in_without_the_second_factor_is_signed_out(cast):
    client = Client()
    client.force_login(cast.owner.officer)
    assert client.get("/").status_code == 302
    assert client.get("/").url.startswith("/sign-in/")


def test_partner_admin_resets_a_members_second_factor_and_it_is_audited(cast):
    officer = cast.owner.officer
    officer_client = client_for(officer)
    admin = client_for(cast.owner.admin)
    url = f"/organisation/users/{officer.membership.pk}/reset-two-factor/"
    assert b"Reset" in admin.get(url).content
    assert admin.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert officer_client.get("/").status_code == 302  # signed out
    event = AuditEvent.objects.get(action="member_second_factor_reset")
    assert event.actor == cast.owner.admin and event.detail["sessions_ended"] == 1
    assert password_step(Client(), officer).url == "/sign-in/two-factor/set-up/"
    # Another organisation's admin cannot even see the page.
    assert client_for(cast.unrelated.admin).post(url).status_code == 404


def test_demo_accounts_can_skip_the_second_factor_only_when_the_setting_says_so(settings):
    from django.core.management import call_command

    from partners.demo import DEMO_PASSWORD

    call_command("seed_demo")
    credentials = {"username": "officer@livin", "password": DEMO_PASSWORD}
    settings.DEMO_ACCOUNTS_SKIP_TWO_FACTOR = True
    client = Client()
    assert client.post("/sign-in/", credentials).url == "/"
    assert client.get("/").status_code == 200
    settings.DEMO_ACCOUNTS_SKIP_TWO_FACTOR = False
    assert client.get("/").status_code == 302  # the session no longer counts
    assert Client().post("/sign-in/", credentials).url == "/sign-in/two-factor/set-up/"
