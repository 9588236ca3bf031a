"""API clients for the shared cast, and a small JSON client that sends their tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client

from partners import services
from partners.models import APIClient, Membership
from tests.factories import TEST_ACTOR

Role = Membership.Role


@dataclass
class Api:
    """A test client that calls the API as one API client."""

    client: APIClient
    token: str

    def __post_init__(self):
        self.http = Client(HTTP_AUTHORIZATION=f"Token {self.token}")

    def get(self, path: str, params=None, **extra):
        return self.http.get(path, params or {}, **extra)

    def post(self, path: str, data=None, **extra):
        body = data if isinstance(data, str | bytes) else json.dumps(data)
        return self.http.post(path, body, content_type="application/json", **extra)


def make_api(organisation, role: str = Role.CASE_OFFICER, name: str = "Test system") -> Api:
    new = services.api_client_create(
        actor=TEST_ACTOR, organisation=organisation, name=name, role=role
    )
    return Api(client=new.client, token=new.token)


@pytest.fixture
def api_for():
    return make_api


@pytest.fixture
def owner_api(cast) -> Api:
    return make_api(cast.owner.organisation)


@pytest.fixture
def partner_api(cast) -> Api:
    return make_api(cast.partner.organisation)


@pytest.fixture
def unrelated_api(cast) -> Api:
    return make_api(cast.unrelated.organisation)


def incident_body(ref: str = "CRM-1", **overrides) -> dict:
    body = {
        "external_ref": ref,
        "occurred_at": "2026-01-10T21:30:00Z",
        "reported_at": "2026-01-11T09:00:00Z",
        "category": "personal",
        "incident_type": "noise",
        "description": "Loud music until 2am.",
        "location": {
            "address": "14 Elm Court",
            "postcode": "DL1 4QT",
            "latitude": "54.518100",
            "longitude": "-1.548900",
        },
        "reporter": {
            "given_name": "Robin",
            "family_name": "Fictional",
            "date_of_birth": "1981-02-03",
            "postcode": "DL1 4QT",
        },
        "victim": "reporter",
    }
    body.update(overrides)
    return body
