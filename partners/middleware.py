from __future__ import annotations

from datetime import datetime

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone

from partners.audit import RequestContext, audit_record, request_context
from partners.models import AuditEvent
from partners.receivers import SIGNED_IN_AT


class AuditContextMiddleware:
    """Make the client's address available to audit events written during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(RequestContext(ip_address=get_client_ip_address(request))):
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
