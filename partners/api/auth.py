"""Who is calling, whether they may, how often, and what body they may send.

Named in settings.REST_FRAMEWORK, so this module imports nothing from rest_framework.views: DRF
loads these classes while it defines its own views.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import SimpleRateThrottle

from partners import selectors, services
from partners.audit import set_api_client_label
from partners.models import APIClient

logger = logging.getLogger(__name__)

KEYWORD = "Token"


def api_client_label(client: APIClient) -> str:
    """How the audit log names a client (partners.audit.set_api_client_label)."""
    return f"api-client:{client.pk}"


class APIClientAuthentication(BaseAuthentication):
    """`Authorization: Token <token>`: the client whose token hashes to it, if it has not been
    revoked and its service user and organisation are active. Every audit event written while
    the request runs names the client."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as: Authorization: Token <token>"
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        client = selectors.api_client_for_token_hash(services.api_token_hash(token))
        if client is None or not _usable(client):
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        services.api_client_mark_used(client=client)
        set_api_client_label(api_client_label(client))
        return client.user, client

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'


def _usable(client: APIClient) -> bool:
    user = client.user
    membership = getattr(user, "membership", None)
    return (
        client.revoked_at is None
        and user.is_active
        and membership is not None
        and membership.organisation_id == client.organisation_id
        and client.organisation.active
    )


class IsAPIClient(BasePermission):
    """The caller is an API client, and its role holds the model permissions the view names
    for this method. A method the view does not name is refused: permissions fail closed."""

    message = "Your API client's role does not allow this."

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, APIClient) or not request.user.is_active:
            return False
        required = getattr(view, "required_permissions", None)
        if required is None:
            return False
        method = "GET" if request.method == "HEAD" else request.method
        if method not in required:
            return False
        return request.user.has_perms(required[method])


class ClientRateThrottle(SimpleRateThrottle):
    """Requests per API client, at the rate settings.API_THROTTLE_RATES gives the view's
    `throttle_scope` ("api" unless it says otherwise). Read per request, so a change of
    settings applies at once. If the cache cannot be reached the request is let through."""

    cache_format = "api-throttle:%(scope)s:%(ident)s"

    def __init__(self):  # the rate depends on the view: set in allow_request
        pass

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, "throttle_scope", "api")
        self.rate = settings.API_THROTTLE_RATES.get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache is away: never fail a request because of throttling
            logger.warning("API throttling skipped: the cache did not answer", exc_info=True)
            return True

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, APIClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class LimitedJSONParser(BaseParser):
    """JSON bodies up to settings.API_MAX_REQUEST_BYTES, strictly UTF-8, without NaN or
    Infinity, and with no unpaired surrogate escapes (which the database cannot store)."""

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_REQUEST_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.ParseError("The request body is not valid UTF-8.") from None
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"The request body is not valid JSON: {exc}") from None
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, RecursionError):
            raise exceptions.ParseError(
                "The request body contains characters that are not valid Unicode."
            ) from None
        return data
