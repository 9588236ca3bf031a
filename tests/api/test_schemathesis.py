"""Schemathesis against the schema, through the WSGI app, with the tokens of two organisations.

For every operation it generates requests, valid and invalid, and sends each with both tokens:
no answer may be a 5xx, every answer must conform to the schema (status code, content type,
body), and no answer to one organisation may contain the reference of another's unshared case
or Case Review application. Path ids are sometimes replaced by real ones (each organisation's
cases, shared and unshared, and applications), so the access checks see real records, not only
random ids.
"""

from __future__ import annotations

import itertools
import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import make_api
from tests.community_trigger.conftest import apply_for
from tests.factories import make_case, make_incident, share_case

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
)
schema.app = get_wsgi_application()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation, each sent with both organisations' tokens.
MAX_EXAMPLES = 10


@pytest.fixture
def keep_connection():
    """The WSGI handler closes the database connection after each request, as it should in a
    server; here it would end the test's transaction. Django's test client does the same."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(cast, settings, keep_connection):
    """Two organisations with a case each that the other may not see, and one shared case."""
    settings.API_THROTTLE_RATES = {"api": "100000/minute", "api_bulk": "100000/minute"}
    owner_private = make_case(cast.owner.officer, title="Owner only")
    shared = make_case(cast.owner.officer, title="Shared")
    share_case(shared, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    police_private = make_case(cast.partner.officer, title="Police only")
    police_incident = make_incident(cast.partner.officer)
    owner_application = apply_for(None, actor=cast.owner.officer)
    police_application = apply_for(None, actor=cast.partner.officer)
    owner = make_api(cast.owner.organisation)
    police = make_api(cast.partner.organisation)
    return {
        "callers": [
            (owner, [police_private.reference, police_application.reference]),
            (police, [owner_private.reference, owner_application.reference]),
        ],
        "ids": {
            "case_uuid": [str(c.uuid) for c in (owner_private, shared, police_private)],
            "incident_uuid": [str(police_incident.uuid)],
            "person_uuid": [],
            "transfer_uuid": [],
            "share_uuid": [],
            "application_uuid": [str(a.uuid) for a in (owner_application, police_application)],
        },
        "turn": itertools.count(),
    }


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_and_never_leaks_another_organisations_case(case, world):
    turn = next(world["turn"])
    for name in list(case.path_parameters or {}):
        real = world["ids"].get(name) or []
        if real and turn % 2:  # every other example uses a real id
            case.path_parameters[name] = real[turn // 2 % len(real)]
    for api, foreign_references in world["callers"]:
        response = case.call_and_validate(
            headers={"Authorization": f"Token {api.token}"}, checks=CHECKS
        )
        for reference in foreign_references:
            assert reference not in response.text, (
                f"{case.method} {case.formatted_path} showed {reference} to "
                f"{api.client.organisation.slug}"
            )
