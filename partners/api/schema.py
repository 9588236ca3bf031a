"""The OpenAPI schema's additions: the token scheme, and the errors every endpoint can answer.

Named in settings.REST_FRAMEWORK (DEFAULT_SCHEMA_CLASS), so it imports no view.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for a person to read")
    code = serializers.CharField(help_text="What went wrong, for a program: e.g. invalid")
    errors = serializers.DictField(
        required=False,
        help_text='Bad input only: the messages for each field, e.g. {"occurred_at": [...]}; '
        "nested objects and bulk items have their own objects of the same shape",
    )


ERROR_DESCRIPTIONS = {
    "400": "Bad input: see errors",
    "401": "No token, or a token that is not valid (revoked, or unknown)",
    "403": "The client's role, or the organisation's access to the record, does not allow this",
    "404": "No such record, or not one the client's organisation may see",
    "409": "The record changed since it was read: read it again",
    "413": "The request body is too large",
    "415": "The request body is not JSON",
    "429": "Too many requests: wait for the seconds in the Retry-After header",
}


def error_response(code: str | int) -> OpenApiResponse:
    code = str(code)
    return OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])


# The schema and its docs page -----------------------------------------------------------------


class APIClientAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "partners.api.auth.APIClientAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`: the token shown once when the API client was "
            "created by your partner admin (or by `manage.py create_api_client`).",
        }


class APIAutoSchema(AutoSchema):
    """Documents the errors every endpoint can answer, so clients and Schemathesis know them."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["413", "415"]
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(error_response(code), code)
        return dict(sorted(responses.items()))
