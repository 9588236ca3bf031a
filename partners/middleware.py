from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from partners import two_factor
from partners.audit import RequestContext, audit_record, request_context
from partners.client_address import client_address
from partners.models import AuditEvent
from partners.receivers import SIGNED_IN_AT


class AuditContextMiddleware:
    """Make the client's address available to audit events written during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(RequestContext(ip_address=client_address(request))):
            return self.get_response(request)


class MembershipMiddleware:
    """Attach the member's organisation, and end sessions older than the absolute limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        request.membership = None
        request.organisation = None
        if user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if signed_in_at and timezone.now() - datetime.fromisoformat(signed_in_at) > (
                settings.SESSION_ABSOLUTE_TIMEOUT
            ):
                logout(request)
                return redirect(settings.LOGIN_URL)
            request.membership = user.membership
            request.organisation = user.membership.organisation
        return self.get_response(request)


class PermissionDeniedAuditMiddleware:
    """Record every refusal in the audit log: a view raising PermissionDenied, and a signed-in
    person asking for something out of their scope (answered 404, so that its existence does
    not leak, but a denial all the same)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        refused = isinstance(exception, PermissionDenied) or (
            isinstance(exception, Http404) and request.user.is_authenticated
        )
        if refused:
            with transaction.atomic():
                audit_record(
                    actor=request.user,
                    verb=AuditEvent.Verb.PERMISSION_DENIED,
                    action=request.resolver_match.view_name if request.resolver_match else "",
                    detail={
                        "path": request.path,
                        "method": request.method,
                        "answered": 403 if isinstance(exception, PermissionDenied) else 404,
                    },
                )
        return None


class SignInCompleteMiddleware:
    """A signed-in session must have both factors (or single sign-on): anything else, such
    as a session signed in by some other path, is signed out. A single sign-on session is
    checked with the organisation's provider again every OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS,
    so someone removed there is signed out here (partners.sso)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            if not two_factor.sign_in_complete(request):
                logout(request)
                return redirect(settings.LOGIN_URL)
            if request.session.get(two_factor.SIGN_IN_METHOD) == "sso":
                from partners import sso

                response = sso.recheck_if_due(request)
                if response is not None:
                    return response
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for a signed-in person (or someone half-way through signing in) and every API
    answer carry personal data: no browser or proxy may keep a copy (ASVS 14.3.2)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.user.is_authenticated
            or request.path.startswith("/api/")
            or two_factor.PENDING_USER in request.session
        ):
            add_never_cache_headers(response)
        return response


class OwnNotFoundPageMiddleware:
    """With DEBUG on (`make run`), Django answers an unknown address with its debug page,
    which lists every URL of the service. This answers with the service's own 404 page
    instead; set DEBUG_404_PAGE=true to see Django's. Pages only: the API's 404s are JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and settings.DEBUG
            and not getattr(settings, "DEBUG_404_PAGE", False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            from django.shortcuts import render

            return render(request, "404.html", status=404)
        return response
