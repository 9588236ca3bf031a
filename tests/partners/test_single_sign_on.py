"""Single sign-on with an organisation's own OpenID Connect provider, against a real one
(the `oidc-provider` package run by node: tests/oidc_provider/provider.mjs)."""

from urllib.parse import urljoin, urlparse

import pytest
import requests
from django.test import Client

from partners import sso
from partners.models import AuditEvent, ExternalIdentity, IdentityProvider, Membership, User
from tests.conftest import TestIdentityProvider, client_for

pytestmark = pytest.mark.django_db

Verb = AuditEvent.Verb


def configure(organisation, idp, *, admin, **overrides):
    values = {
        "issuer": idp.issuer,
        "client_id": TestIdentityProvider.CLIENT_ID,
        "client_secret": TestIdentityProvider.CLIENT_SECRET,
        "allowed_domains": ["example.org"],
        "scopes": "openid email profile groups",
        "role_mappings": [],
        "create_members": False,
    } | overrides
    return sso.identity_provider_configure(actor=admin, organisation=organisation, **values)


class Browser:
    """A person's browser: Django's test client for this service, `requests` for the
    provider (keeping its session cookie, as a browser would)."""

    def __init__(self):
        self.client = Client()
        self.idp = requests.Session()

    def _to_service(self, url: str):
        while True:
            response = self.idp.get(url, allow_redirects=False, timeout=10)
            location = response.headers.get("Location")
            if response.status_code in (302, 303) and location:
                if location.startswith("http://testserver/"):
                    return None, location.removeprefix("http://testserver")
                url = urljoin(url, location)
                continue
            return response, None

    def sign_in(self, slug: str, login: str | None = None, password="idp-password", path=None):
        """Press "Sign in with ..." (or follow `path`), sign in at the provider if it asks,
        and come back. Returns the service's answer."""
        start = self.client.get(path or f"/sign-in/sso/{slug}/")
        assert start.status_code == 302, start
        page, back = self._to_service(start.url)
        if back is None:
            assert login is not None, "the provider asked for a login"
            action = page.text.split('action="', 1)[1].split('"', 1)[0]
            response = self.idp.post(
                urljoin(page.url, action),
                data={"login": login, "password": password},
                allow_redirects=False,
                timeout=10,
            )
            _, back = self._to_service(urljoin(page.url, response.headers["Location"]))
        return self.client.get(back)


@pytest.fixture
def housing_sso(cast, oidc_provider):
    return configure(cast.owner.organisation, oidc_provider, admin=cast.owner.admin)


def test_partner_admin_configures_the_provider_from_its_discovery_document(cast, oidc_provider):
    admin = client_for(cast.owner.admin)
    response = admin.post(
        "/organisation/sign-in/",
        {
            "issuer": oidc_provider.issuer,
            "client_id": TestIdentityProvider.CLIENT_ID,
            "client_secret": TestIdentityProvider.CLIENT_SECRET,
            "allowed_domains": "example.org",
            "groups_claim": "groups",
            "scopes": "openid email profile groups",
            "role_mappings": "asb-officers = case officer\nasb-leads = supervisor",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organisation=cast.owner.organisation)
    assert provider.token_endpoint == f"{oidc_provider.issuer}/token"
    assert provider.role_mappings == [
        {"group": "asb-officers", "role": "case_officer"},
        {"group": "asb-leads", "role": "supervisor"},
    ]
    event = AuditEvent.objects.get(action="identity_provider_configure")
    assert event.actor == cast.owner.admin
    assert TestIdentityProvider.CLIENT_SECRET not in str(event.detail)
    assert b"Sign in with Test Housing" in Client().get("/sign-in/").content


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("wrong-issuer", "says its issuer is"),
        ("closed-port", "could not connect"),
        ("silent", "did not answer in time"),
        ("not-found", "answered 404"),
    ],
)
def test_a_misconfigured_provider_is_a_clear_error_for_the_admin(
    cast, oidc_provider, settings, unused_tcp_port, silent_tcp_server, issuer, message
):
    settings.OIDC_TIMEOUT = (1, 1)
    address = {
        "wrong-issuer": oidc_provider.issuer.replace("127.0.0.1", "localhost"),
        "closed-port": f"http://127.0.0.1:{unused_tcp_port}",
        "silent": f"http://127.0.0.1:{silent_tcp_server}",
        "not-found": f"{oidc_provider.issuer}/no-such-tenant",
    }[issuer]
    admin = client_for(cast.owner.admin)
    response = admin.post(
        "/organisation/sign-in/",
        {
            "issuer": address,
            "client_id": "x",
            "client_secret": "y",
            "allowed_domains": "example.org",
            "groups_claim": "groups",
            "scopes": "openid email",
        },
    )
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert message in response.content.decode()
    assert not IdentityProvider.objects.exists()


def test_an_invited_member_signs_in_and_is_linked_without_a_second_factor(
    cast, oidc_provider, housing_sso
):
    officer = cast.owner.officer
    oidc_provider.add("morgan", email=officer.email)
    browser = Browser()
    response = browser.sign_in("test-housing", "morgan")
    assert response.status_code == 302, response.content
    home = browser.client.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user == officer
    assert ExternalIdentity.objects.get(user=officer).subject == "morgan"
    login = AuditEvent.objects.get(verb=Verb.LOGGED_IN, actor=officer)
    assert login.detail == {"method": "sso"}
    assert home["Cache-Control"].count("no-store") == 1


def test_someone_outside_the_allowed_domains_is_refused_and_it_is_audited(
    cast, oidc_provider, housing_sso
):
    oidc_provider.add("mallory", email="mallory@elsewhere.example.com")
    response = Browser().sign_in("test-housing", "mallory")
    assert response.status_code == 403
    assert b"not an address Test Housing allows" in response.content
    event = AuditEvent.objects.get(verb=Verb.LOGIN_FAILED, action="sso_login")
    assert event.organisation == cast.owner.organisation
    assert event.actor_label == "mallory@elsewhere.example.com"


def test_a_member_of_another_organisation_cannot_sign_in_through_this_one(
    cast, oidc_provider, housing_sso
):
    oidc_provider.add(
        "eve", email=cast.unrelated.officer.username.replace("@", ".") + "@example.org"
    )
    response = Browser().sign_in("test-housing", "eve")
    assert response.status_code == 403
    assert b"another organisation" in response.content


def test_groups_give_roles_and_new_staff_accounts_when_the_organisation_allows(cast, oidc_provider):
    configure(
        cast.owner.organisation,
        oidc_provider,
        admin=cast.owner.admin,
        role_mappings=[{"group": "asb-leads", "role": "supervisor"}],
        create_members=True,
    )
    oidc_provider.add("sam", email="sam.new@example.org", groups=["asb-leads"], given_name="Sam")
    assert Browser().sign_in("test-housing", "sam").status_code == 302
    membership = Membership.objects.get(user__username="sam.new@example.org")
    assert membership.role == "supervisor"
    assert membership.organisation == cast.owner.organisation
    assert not membership.user.has_usable_password()

    oidc_provider.add("pat", email="pat.new@example.org", groups=["other-team"])
    refused = Browser().sign_in("test-housing", "pat")
    assert refused.status_code == 403
    assert b"not in a group allowed" in refused.content
    assert not User.objects.filter(username="pat.new@example.org").exists()


def test_someone_removed_at_the_provider_is_signed_out_at_the_next_check(
    cast, oidc_provider, housing_sso
):
    officer = cast.owner.officer
    oidc_provider.add("morgan", email=officer.email)
    browser = Browser()
    browser.sign_in("test-housing", "morgan")
    assert browser.client.get("/").status_code == 200

    oidc_provider.change("morgan", removed=True)
    session = browser.client.session
    session[sso.RECHECK_AT_SESSION_KEY] = 0  # the check is due
    session.save()
    recheck = browser.client.get("/cases/")
    assert recheck.status_code == 302
    assert recheck.url.startswith("/sign-in/sso/test-housing/?recheck=1")
    response = browser.sign_in("test-housing", path=recheck.url)
    assert response.status_code == 403
    assert b"You have been signed out" in response.content
    assert browser.client.get("/").status_code == 302  # no longer signed in
    # Nor can they sign in again: the provider no longer knows them.
    page, _ = Browser()._to_service(Browser().client.get("/sign-in/sso/test-housing/").url)
    assert page is not None and page.status_code == 200


def test_someone_taken_out_of_the_group_is_signed_out_at_the_next_check(cast, oidc_provider):
    configure(
        cast.owner.organisation,
        oidc_provider,
        admin=cast.owner.admin,
        role_mappings=[{"group": "asb-officers", "role": "case_officer"}],
    )
    officer = cast.owner.officer
    oidc_provider.add("morgan", email=officer.email, groups=["asb-officers"])
    browser = Browser()
    assert browser.sign_in("test-housing", "morgan").status_code == 302
    oidc_provider.change("morgan", groups=[])
    session = browser.client.session
    session[sso.RECHECK_AT_SESSION_KEY] = 0
    session.save()
    recheck = browser.client.get("/")
    response = browser.sign_in("test-housing", path=recheck.url)
    assert response.status_code == 403
    assert b"not in a group allowed" in response.content
    assert browser.client.get("/").status_code == 302


def test_an_expired_client_secret_is_explained_to_the_person_and_the_admin(
    cast, oidc_provider, housing_sso
):
    IdentityProvider.objects.filter(pk=housing_sso.pk).update(client_secret="expired-secret")
    oidc_provider.add("morgan", email=cast.owner.officer.email)
    response = Browser().sign_in("test-housing", "morgan")
    assert response.status_code == 403
    assert b"client secret may have expired" in response.content
    housing_sso.refresh_from_db()
    assert "client secret may have expired" in housing_sso.last_error
    page = client_for(cast.owner.admin).get("/organisation/sign-in/")
    assert b"client secret may have expired" in page.content


def test_a_provider_that_stops_answering_does_not_hang_the_sign_in(
    cast, oidc_provider, housing_sso, settings, silent_tcp_server
):
    settings.OIDC_TIMEOUT = (1, 1)
    IdentityProvider.objects.filter(pk=housing_sso.pk).update(
        token_endpoint=f"http://127.0.0.1:{silent_tcp_server}/token"
    )
    oidc_provider.add("morgan", email=cast.owner.officer.email)
    response = Browser().sign_in("test-housing", "morgan")
    assert response.status_code == 403
    assert b"did not answer in time" in response.content


def test_a_callback_without_a_sign_in_in_progress_is_a_clear_error(client):
    response = client.get("/sign-in/sso/callback/?code=abc&state=forged")
    assert response.status_code == 400
    assert b"expired or was already used" in response.content


def test_when_sso_is_required_the_password_is_refused(cast, oidc_provider):
    configure(cast.owner.organisation, oidc_provider, admin=cast.owner.admin, require_sso=True)
    from tests.factories import PASSWORD

    response = Client().post(
        "/sign-in/", {"username": cast.owner.officer.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert b"sign in with their organisation" in response.content


def test_only_the_organisations_admin_or_the_partnership_admin_configure_it(cast, oidc_provider):
    # Another organisation's admin: the partnership pages do not exist for them.
    outsider = client_for(cast.unrelated.admin)
    url = f"/partnership/organisations/{cast.owner.organisation.slug}/sign-in/"
    assert outsider.get(url).status_code == 404
    assert outsider.get("/partnership/organisations/").status_code == 404
    with pytest.raises(PermissionError):
        configure(cast.owner.organisation, oidc_provider, admin=cast.unrelated.admin)

    # The partnership's admin sets up a new organisation's provider...
    cast.pcc.admin.membership.is_partnership_admin = True
    cast.pcc.admin.membership.save(update_fields=["is_partnership_admin"])
    partnership = client_for(cast.pcc.admin)
    assert partnership.get(url).status_code == 200
    configure(cast.owner.organisation, oidc_provider, admin=cast.pcc.admin)
    assert AuditEvent.objects.get(action="identity_provider_configure").actor == cast.pcc.admin
    # ...and from then on it is the organisation's own admin's: 404 for the partnership's.
    assert partnership.get(url).status_code == 404
    with pytest.raises(PermissionError):
        configure(cast.owner.organisation, oidc_provider, admin=cast.pcc.admin)


def test_the_start_page_of_an_organisation_without_sso_is_not_found(client, cast):
    assert client.get("/sign-in/sso/test-housing/").status_code == 404
    assert urlparse("/sign-in/sso/test-housing/").path  # the route exists for others


def test_refused_sso_sign_ins_never_lock_out_the_next_person_on_the_same_network(
    cast, oidc_provider, housing_sso, settings
):
    """A police or council network reaches the service from one address. Sign-ins the
    provider or the organisation refused are audited, but they are not password guesses:
    they must not count towards the password lock-out, which would otherwise shut everyone
    on that network out of single sign-on."""
    from axes.models import AccessAttempt

    for number in range(settings.AXES_FAILURE_LIMIT + 2):
        oidc_provider.add(f"outsider{number}", email=f"outsider{number}@elsewhere.example.com")
        assert Browser().sign_in("test-housing", f"outsider{number}").status_code == 403
    assert AuditEvent.objects.filter(verb=Verb.LOGIN_FAILED, action="sso_login").count() == (
        settings.AXES_FAILURE_LIMIT + 2
    )
    assert not AccessAttempt.objects.exists()
    oidc_provider.add("morgan", email=cast.owner.officer.email)
    browser = Browser()
    assert browser.sign_in("test-housing", "morgan").status_code == 302
    assert browser.client.get("/").wsgi_request.user == cast.owner.officer
