"""The partner admin's pages for API clients: list, add (token shown once), revoke."""

from __future__ import annotations

import re

import pytest

from partners import services
from partners.models import APIClient
from tests.api.conftest import Api, make_api
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LIST = "/organisation/api-clients/"
ADD = "/organisation/api-clients/add/"


def test_an_admin_adds_a_client_and_sees_its_token_once(cast):
    admin = client_for(cast.owner.admin)
    form = admin.get(ADD)
    assert form.status_code == 200
    assert b"Add an API client" in form.content
    response = admin.post(ADD, {"name": "Housing CRM", "role": "case_officer"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = re.search(rb'id="api-token">([^<]+)<', response.content).group(1).decode()
    client = APIClient.objects.get(token_hash=services.api_token_hash(token))
    assert client.organisation == cast.owner.organisation and client.created_by == cast.owner.admin
    assert Api(client=client, token=token).get("/api/v1/cases/").status_code == 200
    listing = admin.get(LIST)
    assert b"Housing CRM" in listing.content
    assert client.token_prefix.encode() in listing.content
    assert token.encode() not in listing.content, "the token is shown only once"


def test_a_bad_form_shows_its_errors(cast):
    admin = client_for(cast.owner.admin)
    response = admin.post(ADD, {"name": "", "role": "emperor"})
    assert response.status_code == 200
    assert b"Error: " in response.content
    assert not APIClient.objects.exists()
    champion = admin.post(ADD, {"name": "X", "role": "asb_champion"})
    assert not APIClient.objects.exists(), champion.content


def test_an_admin_revokes_a_client_after_confirming(cast):
    api = make_api(cast.owner.organisation)
    admin = client_for(cast.owner.admin)
    url = f"/organisation/api-clients/{api.client.pk}/revoke/"
    confirm = admin.get(url)
    assert confirm.status_code == 200 and b"Revoke API client" in confirm.content
    assert api.get("/api/v1/cases/").status_code == 200
    assert admin.post(url).status_code == 302
    assert api.get("/api/v1/cases/").status_code == 401
    assert b"Revoked" in admin.get(LIST).content


def test_another_organisations_client_is_404(cast):
    theirs = make_api(cast.partner.organisation)
    admin = client_for(cast.owner.admin)
    url = f"/organisation/api-clients/{theirs.client.pk}/revoke/"
    assert admin.get(url).status_code == 404
    assert admin.post(url).status_code == 404
    assert theirs.get("/api/v1/cases/").status_code == 200
    assert theirs.client.token_prefix.encode() not in admin.get(LIST).content


def test_people_who_are_not_partner_admins_cannot_manage_clients(cast):
    officer = client_for(cast.owner.officer)
    assert officer.get(LIST).status_code == 403
    assert officer.post(ADD, {"name": "X", "role": "case_officer"}).status_code == 403
    assert not APIClient.objects.exists()


def test_the_sub_navigation_links_to_api_clients(cast):
    page = client_for(cast.owner.admin).get("/organisation/users/")
    assert b'href="/organisation/api-clients/"' in page.content
