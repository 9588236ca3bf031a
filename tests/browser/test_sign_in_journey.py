"""Signing in as police, council and housing staff do: a password and an authenticator app,
or their organisation's own account through single sign-on (a real OpenID Connect provider,
tests/oidc_provider). axe checks every page of this service at desktop width and at 375 px."""

from base64 import b32decode

from django.contrib.sessions.backends.base import SessionBase
from django_otp.oath import TOTP

from partners import sso
from partners.models import ExternalIdentity
from partners.sessions import SessionStore
from tests.conftest import TestIdentityProvider, authenticator_code, authenticator_for
from tests.factories import PASSWORD


def narrow(person) -> None:
    """Check the page again as a phone shows it."""
    person.page.set_viewport_size({"width": 375, "height": 800})
    person.check_accessibility()
    person.page.set_viewport_size({"width": 1280, "height": 900})


def test_first_sign_in_sets_up_an_authenticator_then_signs_in_with_it(journey, cast):
    officer = cast.owner.officer
    person = journey()
    person.visit("/sign-in/")
    person.fill("Username", officer.username)
    person.fill("Password", PASSWORD)
    person.submit("Sign in")
    assert "Set up two-factor authentication" in person.text()
    narrow(person)
    person.fill("Code from your authenticator app", "12345")
    person.submit("Continue")
    assert person.page.title().startswith("Error:")
    assert "Enter the 6-digit code" in person.page.locator(".govuk-error-summary").inner_text()

    secret = person.page.locator("#totp-secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    person.fill("Code from your authenticator app", f"{TOTP(key).token():06d}")
    person.submit("Continue")
    assert "Save your recovery codes" in person.text()
    assert len(person.page.locator("#recovery-codes li").all()) == 10
    narrow(person)
    person.submit("I have saved my recovery codes")
    assert f"Signed in as {officer.display_name}" in person.text()

    # The next time: password, then the code the app shows.
    again = journey()
    again.visit("/sign-in/")
    again.fill("Username", officer.username)
    again.fill("Password", PASSWORD)
    again.submit("Sign in")
    assert "Enter the code from your authenticator app" in again.text()
    narrow(again)
    again.page.get_by_label("Code", exact=True).fill(authenticator_code(authenticator_for(officer)))
    again.submit("Continue")
    assert f"Signed in as {officer.display_name}" in again.text()


def _sso_sign_in(person, login: str, password: str = "idp-password") -> None:
    person.visit("/sign-in/")
    narrow(person)
    with person.page.expect_navigation():
        person.page.get_by_role("link", name="Sign in with Test Housing").click()
    # The organisation's provider (another site: axe checks only this service's pages).
    person.page.get_by_label("Login").fill(login)
    person.page.get_by_label("Password").fill(password)
    with person.page.expect_navigation(url=f"{person.base_url}/**"):
        person.page.get_by_role("button", name="Sign in").click()
    person.check_accessibility()


def test_staff_sign_in_with_their_organisations_account_and_are_refused_when_they_should_be(
    journey, cast, oidc_provider
):
    sso.identity_provider_configure(
        actor=cast.owner.admin,
        organisation=cast.owner.organisation,
        issuer=oidc_provider.issuer,
        client_id=TestIdentityProvider.CLIENT_ID,
        client_secret=TestIdentityProvider.CLIENT_SECRET,
        allowed_domains=["example.org"],
        scopes="openid email profile groups",
    )
    officer = cast.owner.officer
    oidc_provider.add("morgan", email=officer.email)
    oidc_provider.add("mallory", email="mallory@elsewhere.example.com")

    morgan = journey()
    _sso_sign_in(morgan, "morgan")
    assert f"Signed in as {officer.display_name}" in morgan.text()
    assert ExternalIdentity.objects.filter(user=officer, subject="morgan").exists()

    mallory = journey()
    _sso_sign_in(mallory, "mallory")
    assert "You could not be signed in" in mallory.text()
    assert "not an address Test Housing allows" in mallory.text()
    narrow(mallory)

    # Morgan is removed at the provider; at the next check they are signed out.
    oidc_provider.change("morgan", removed=True)
    cookie = next(c for c in morgan.page.context.cookies() if c["name"] == "sessionid")
    session: SessionBase = SessionStore(cookie["value"])
    session[sso.RECHECK_AT_SESSION_KEY] = 0
    session.save()
    morgan.page.goto(morgan.base_url + "/")
    morgan.check_accessibility()
    assert "You have been signed out" in morgan.text()
    morgan.visit("/")
    assert morgan.page.url.startswith(morgan.base_url + "/sign-in/")
