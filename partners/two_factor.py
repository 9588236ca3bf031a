"""Two-factor authentication for password sign-in (django-otp): an authenticator app (TOTP)
and single-use recovery codes.

Signing in with a password does not sign anyone in: it makes the session *pending* for that
user, and only a correct second factor (or, the first time, setting one up) calls Django's
`login`. So a stolen password alone never yields a signed-in session, and django-axes' reset
on success happens only after both factors. A wrong code is a failed sign-in to django-axes
(it counts towards the same lock-out as a wrong password) and to the audit log.

People who arrive by single sign-on skip this: their organisation's provider applies its own
second factor (docs/adr/0003-authentication-and-sessions.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from base64 import b32encode
from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.audit import audit_record
from partners.demo import is_demo_account
from partners.models import AuditEvent, Membership, User, UserSession

Verb = AuditEvent.Verb

# How the session was signed in: "password" (and a second factor), "sso", or "demo" (a demo
# account under settings.DEMO_ACCOUNTS_SKIP_TWO_FACTOR).
SIGN_IN_METHOD = "sign_in_method"
PENDING_USER = "two_factor_pending_user"
PENDING_BACKEND = "two_factor_pending_backend"
PENDING_SINCE = "two_factor_pending_since"
PENDING_DEVICE = "two_factor_setup_device"
PENDING_NEXT = "two_factor_next"
# The second step must follow the first within this time.
PENDING_SECONDS = 10 * 60

TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


# Session state -------------------------------------------------------------------------------


def skips_second_factor(user: User) -> bool:
    return settings.DEMO_ACCOUNTS_SKIP_TWO_FACTOR and is_demo_account(user.get_username())


def pending_start(request, user: User, *, next_url: str = "") -> None:
    """The password was right: remember who is half-way through signing in."""
    request.session.cycle_key()
    request.session[PENDING_USER] = user.pk
    request.session[PENDING_BACKEND] = user.backend
    request.session[PENDING_SINCE] = time.time()
    request.session[PENDING_NEXT] = next_url
    request.session.pop(PENDING_DEVICE, None)


def pending_user(request) -> User | None:
    """The user whose password was right in this session, if that was recent enough and they
    may still sign in."""
    user_id = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE) or 0
    if user_id is None or time.time() - since > PENDING_SECONDS:
        return None
    user = User.objects.select_related("membership__organisation").filter(pk=user_id).first()
    membership = getattr(user, "membership", None) if user else None
    if user is None or not user.is_active or membership is None:
        return None
    if not membership.organisation.active:
        return None
    return user


def pending_clear(request) -> str:
    for key in (PENDING_USER, PENDING_BACKEND, PENDING_SINCE, PENDING_DEVICE):
        request.session.pop(key, None)
    return request.session.pop(PENDING_NEXT, "") or ""


def sign_in_complete(request) -> bool:
    """Whether the signed-in session has both factors (or single sign-on, or is a demo
    account allowed to skip)."""
    user = request.user
    if not user.is_authenticated:
        return False
    method = request.session.get(SIGN_IN_METHOD)
    if method == "sso":
        return True
    if method == "demo":
        return skips_second_factor(user)
    return bool(getattr(user, "is_verified", lambda: False)())


def has_authenticator(user: User) -> bool:
    return user_has_device(user, confirmed=True)


# Lock-out ------------------------------------------------------------------------------------


def _credentials(user: User) -> dict:
    return {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}


def is_locked_out(request, user: User) -> bool:
    return not AxesProxyHandler.is_allowed(request, _credentials(user))


def _failed(request, user: User, *, stage: str) -> None:
    """A wrong code: a failed sign-in for django-axes' lock-out and the audit log."""
    user_login_failed.send(
        sender=__name__,
        credentials={**_credentials(user), "second_factor": stage},
        request=request,
    )


# Codes ---------------------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _recovery_code_digest(code: str) -> str:
    """Recovery codes are stored as keyed hashes (django-otp's 16-character token field)."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, _normalise(code).encode(), hashlib.sha256).hexdigest()[:16]


def _new_recovery_code() -> str:
    raw = b32encode(secrets.token_bytes(10)).decode().lower()  # 16 characters, 80 bits
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def looks_like_totp(code: str) -> bool:
    code = _normalise(code)
    return len(code) == 6 and code.isdigit()


@dataclass(frozen=True)
class Verified:
    device: TOTPDevice | StaticDevice
    used_recovery_code: bool
    recovery_codes_left: int


def second_factor_verify(request, user: User, code: str) -> Verified | None:
    """Check a code from the user's authenticator, or one of their recovery codes (used up by
    this). A wrong code counts towards the lock-out."""
    code = code.strip()
    if looks_like_totp(code):
        for device in devices_for_user(user, confirmed=True):
            if isinstance(device, TOTPDevice) and device.verify_token(_normalise(code)):
                return Verified(device, False, 0)
    else:
        for device in devices_for_user(user, confirmed=True):
            if isinstance(device, StaticDevice) and device.verify_token(
                _recovery_code_digest(code)
            ):
                return Verified(device, True, device.token_set.count())
    _failed(request, user, stage="verify")
    return None


def totp_setup_device(request, user: User) -> TOTPDevice:
    """The authenticator being set up in this session (made once, kept until confirmed)."""
    device_id = request.session.get(PENDING_DEVICE)
    device = None
    if device_id is not None:
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        request.session[PENDING_DEVICE] = device.pk
    return device


def totp_secret_for_display(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def totp_setup_confirm(request, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a code from it; returns new recovery codes (shown once),
    or None if the code was wrong (a failed sign-in)."""
    if not looks_like_totp(code) or not device.verify_token(_normalise(code)):
        _failed(request, user, stage="set_up")
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_replace(user)
    audit_record(
        actor=user,
        verb=Verb.CREATED,
        action="second_factor_set_up",
        target=user,
        detail={"device": "totp", "recovery_codes": len(codes)},
    )
    return codes


def recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [_new_recovery_code() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=_recovery_code_digest(code)) for code in codes]
    )
    return codes


def complete_sign_in(request, user: User, device, *, method: str = "password") -> str:
    """Both factors are in: sign the user in for real. Returns where they were going."""
    backend = request.session.get(PENDING_BACKEND) or settings.AUTHENTICATION_BACKENDS[1]
    next_url = pending_clear(request)
    request.session[SIGN_IN_METHOD] = method
    if device is not None:
        user.otp_device = device  # django-otp records it in the session on login
    login(request, user, backend=backend)
    return next_url


@transaction.atomic
def member_second_factor_reset(*, actor: User, membership: Membership) -> int:
    """A partner admin clears a member's authenticator and recovery codes (say, a lost phone):
    they set up a new one at their next sign-in. Their sessions end now."""
    from partners.services import _require_admin_of

    _require_admin_of(actor, membership.organisation)
    user = membership.user
    removed = TOTPDevice.objects.filter(user=user).count()
    removed += StaticDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    ended = UserSession.objects.filter(user=user).delete()[0]
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="member_second_factor_reset",
        target=user,
        organisation=membership.organisation,
        detail={"devices_removed": removed, "sessions_ended": ended},
    )
    return removed
