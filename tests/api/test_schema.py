"""The OpenAPI schema builds cleanly, documents every endpoint with examples, and it and the
docs page are served (to a client or a signed-in person, never to anyone)."""

from __future__ import annotations

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_schema_builds_without_warnings_or_errors(recwarn):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS, f"schema warnings or errors: {GENERATOR_STATS}"
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 20
    for path, method, operation in operations:
        assert path.startswith("/api/v1/"), path
        assert operation.get("security") == [{"TokenAuth": []}], (path, method)
        success = [code for code in operation["responses"] if code.startswith("2")]
        contents = [operation["responses"][code].get("content", {}) for code in success]
        examples = [
            content["application/json"].get("examples")
            for content in contents
            if "application/json" in content
        ]
        # A file download (documents) answers bytes, not JSON: nothing to give an example of.
        files_only = contents and all(
            content and "application/json" not in content for content in contents
        )
        assert files_only or any(examples), f"no example for {method.upper()} {path}"
        for code in ("401", "403", "404", "429"):
            assert code in operation["responses"], (path, method, code)


def test_the_schema_is_served_to_a_client_and_a_signed_in_person_only(cast, owner_api):
    assert Client().get("/api/schema/").status_code == 401
    assert (
        owner_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").status_code
        == 200
    )
    assert client_for(cast.owner.officer).get("/api/schema/").status_code == 200


def test_the_docs_page_is_served_from_our_own_static_files(cast):
    assert Client().get("/api/docs/").status_code in (401, 403)
    page = client_for(cast.owner.admin).get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html
    script = client_for(cast.owner.admin).get("/api/docs/?script=")
    assert script.status_code == 200 and b"/api/schema/" in script.content


def test_the_schema_is_a_valid_openapi_document_for_client_generators():
    """A standard validator (openapi-spec-validator), as client generators apply, finds no
    error: e.g. no default that its own schema forbids."""
    import json

    from openapi_spec_validator import OpenAPIV30SpecValidator

    schema = json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)
    )
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in OpenAPIV30SpecValidator(schema).iter_errors()
    ]
    assert errors == []


def test_every_post_documents_the_idempotency_key_and_its_422():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    posts = [(path, item["post"]) for path, item in schema["paths"].items() if "post" in item]
    assert len(posts) >= 8
    for path, operation in posts:
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert headers == ["Idempotency-Key"], path
        assert "422" in operation["responses"], path
