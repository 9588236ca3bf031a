"""Reads of organisations and their people, scoped to the user asking."""

from __future__ import annotations

from uuid import UUID

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from partners.models import (
    APIClient,
    ExternalIdentity,
    IdentityProvider,
    Membership,
    Notification,
    Organisation,
    User,
)


def organisation_for_user(*, user: User) -> Organisation:
    return user.membership.organisation


def member_list_for_admin(*, user: User, role: str | None = None) -> QuerySet[Membership]:
    """The members of the admin's own organisation, with whether each is locked out."""
    locked = AccessAttempt.objects.filter(
        username=OuterRef("user__username"),
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    )
    members = (
        Membership.objects.filter(organisation_id=user.membership.organisation_id)
        .select_related("user")
        .annotate(is_locked_out=Exists(locked))
    )
    if role:
        members = members.filter(role=role)
    return members


def member_get_for_admin(*, user: User, membership_id: UUID | str) -> Membership:
    """One member of the admin's own organisation; anyone else's member is 404."""
    try:
        return member_list_for_admin(user=user).get(pk=membership_id)
    except (Membership.DoesNotExist, ValueError) as exc:
        raise Http404("No such member in your organisation.") from exc


# API clients -----------------------------------------------------------------------------------


def api_client_list_for_admin(*, user: User) -> QuerySet[APIClient]:
    """The API clients of the admin's own organisation, newest first."""
    return APIClient.objects.filter(organisation_id=user.membership.organisation_id).select_related(
        "created_by", "revoked_by"
    )


def api_client_get_for_admin(*, user: User, client_id: UUID | str) -> APIClient:
    """One API client of the admin's own organisation; anyone else's is 404."""
    try:
        return api_client_list_for_admin(user=user).select_related("organisation").get(pk=client_id)
    except (APIClient.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such API client in your organisation.") from exc


def api_client_for_token_hash(token_hash: str) -> APIClient | None:
    """The client a token belongs to, with its service user, membership and organisation (the
    API authentication decides whether it may still be used)."""
    return (
        APIClient.objects.filter(token_hash=token_hash)
        .select_related("user__membership__organisation", "organisation")
        .first()
    )


# The partnership's organisations (no personal data) --------------------------------------------


def organisations_active() -> QuerySet[Organisation]:
    """Every active organisation of the partnership, with the areas it serves."""
    return Organisation.objects.filter(active=True).prefetch_related("areas").order_by("name")


def notifications_unread_for(*, user: User, limit: int = 10):
    return Notification.objects.filter(user=user, read_at__isnull=True).order_by(
        "-created_at", "-id"
    )[:limit]


# Sign-in ---------------------------------------------------------------------------------------


def identity_providers_for_sign_in() -> QuerySet[IdentityProvider]:
    """The organisations whose staff can sign in with their own provider, for the sign-in
    page's buttons."""
    return (
        IdentityProvider.objects.filter(enabled=True, organisation__active=True)
        .exclude(token_endpoint="")
        .select_related("organisation")
        .order_by("organisation__name")
    )


def identity_provider_for_sign_in(*, slug: str) -> IdentityProvider:
    try:
        return identity_providers_for_sign_in().get(organisation__slug=slug)
    except IdentityProvider.DoesNotExist as exc:
        raise Http404("That organisation has no single sign-on.") from exc


def member_sign_in_description(*, membership: Membership) -> str:
    """How a member signs in, for their partner admin."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = membership.user
    parts = []
    identity = ExternalIdentity.objects.filter(user=user).select_related("provider").first()
    if identity is not None:
        parts.append(f"{membership.organisation.name} single sign-on")
    if user.has_usable_password():
        has_app = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        parts.append(
            "Password and authenticator app"
            if has_app
            else "Password (sets up an authenticator app at the next sign-in)"
        )
    return "; ".join(parts) or "Not set up yet"


def identity_provider_for_admin(*, user: User) -> IdentityProvider | None:
    """The admin's own organisation's provider, if it has one."""
    return (
        IdentityProvider.objects.filter(organisation_id=user.membership.organisation_id)
        .select_related("organisation")
        .first()
    )


def organisations_for_partnership_admin() -> QuerySet[Organisation]:
    """Every organisation, with its provider, for the partnership's admin."""
    return Organisation.objects.select_related("identity_provider").order_by("name")


def identity_provider_of(*, organisation: Organisation) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(organisation=organisation).first()


def organisation_without_provider_for_partnership_admin(*, user: User, slug: str) -> Organisation:
    """An organisation whose sign-in the partnership's admin may set up: one with no provider
    yet (or their own). Anything else is 404."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404("No such organisation.")
    own = organisation.pk == user.membership.organisation_id
    if not own and IdentityProvider.objects.filter(organisation=organisation).exists():
        raise Http404("That organisation's own partner admin looks after its sign-in.")
    return organisation
