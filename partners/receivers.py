"""Authentication events into the audit log.

Sign-in, sign-out and failed sign-in happen inside django.contrib.auth and django-axes, so
their signals are the one place to hear them; each receiver only writes the audit event.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.utils import timezone

from partners.audit import audit_record
from partners.models import AuditEvent

Verb = AuditEvent.Verb
SIGNED_IN_AT = "signed_in_at"


def _on_logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = timezone.now().isoformat()
    method = request.session.get("sign_in_method", "") if request is not None else ""
    with transaction.atomic():
        audit_record(
            actor=user,
            verb=Verb.LOGGED_IN,
            action="login",
            target=user,
            detail={"method": method} if method else None,
        )


def _on_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    with transaction.atomic():
        audit_record(actor=user, verb=Verb.LOGGED_OUT, action="logout", target=user)


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    if "username" not in credentials:
        return  # a single sign-on refused: partners.sso records it, with the reason
    username = str(credentials.get("username", ""))[:150]
    # A wrong code from an authenticator or a recovery code (partners.two_factor) is a failure
    # of the same sign-in, told apart by its verb and stage.
    stage = credentials.get("second_factor")
    detail = {"username": username}
    with transaction.atomic():
        audit_record(
            actor=None,
            actor_label=username or "anonymous",
            verb=Verb.SECOND_FACTOR_FAILED if stage else Verb.LOGIN_FAILED,
            action="login",
            target_type="partners.user",
            detail={**detail, "stage": str(stage)} if stage else detail,
        )


def _on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    with transaction.atomic():
        audit_record(
            actor=None,
            actor_label=str(username or "anonymous")[:150],
            verb=Verb.LOCKED_OUT,
            action="login",
            target_type="partners.user",
            detail={"username": username},
        )


def connect() -> None:
    user_logged_in.connect(_on_logged_in, dispatch_uid="partners.audit_login")
    user_logged_out.connect(_on_logged_out, dispatch_uid="partners.audit_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="partners.audit_login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="partners.audit_locked_out")
