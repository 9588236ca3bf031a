"""Writes for organisations and their people. Each is one transaction with its audit event."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from partners import signals
from partners.audit import SystemActor, audit_record
from partners.models import (
    APIClient,
    AuditEvent,
    LocalAuthority,
    Membership,
    Notification,
    Organisation,
    User,
    UserSession,
)
from partners.outbox import outbox_enqueue
from partners.roles import is_partnership_admin, organisation_group_name, role_group_name

Verb = AuditEvent.Verb


@transaction.atomic
def organisation_create(
    *,
    actor: User | SystemActor,
    slug: str,
    name: str,
    kind: str,
    lawful_basis: str,
    areas: Iterable[LocalAuthority] = (),
    isa_reference: str = "",
    contact_email: str = "",
) -> Organisation:
    """Create an organisation and the group its object permissions are granted to."""
    group = Group.objects.create(name=organisation_group_name(slug))
    organisation = Organisation(
        slug=slug,
        name=name,
        kind=kind,
        lawful_basis=lawful_basis,
        isa_reference=isa_reference,
        contact_email=contact_email,
        group=group,
    )
    organisation.full_clean()
    organisation.save()
    organisation.areas.set(areas)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="organisation_create",
        target=organisation,
        organisation=organisation,
        detail={"slug": slug, "name": name, "kind": kind},
    )
    return organisation


def _set_groups(user: User, membership: Membership) -> None:
    """A member belongs to exactly two groups: their organisation's and their role's."""
    role_group, _ = Group.objects.get_or_create(name=role_group_name(membership.role))
    user.groups.set([membership.organisation.group, role_group])


def _require_role_allowed(organisation: Organisation, role: str) -> None:
    if role not in dict(Membership.roles_for(organisation)):
        raise ValidationError(
            {"role": f"{organisation.name} members cannot hold the role {role!r}."}
        )


def _require_admin_of(actor: User, organisation: Organisation) -> None:
    membership = getattr(actor, "membership", None)
    if (
        membership is None
        or membership.organisation_id != organisation.pk
        or not actor.has_perm("partners.manage_organisation_users")
    ):
        raise PermissionError("Only a partner admin of this organisation can manage its users.")


def _first_admin_by_partnership(actor: User, organisation: Organisation, role: str) -> bool:
    """The partnership's admin invites a new organisation's first partner admin."""
    return (
        role == Membership.Role.PARTNER_ADMIN
        and is_partnership_admin(actor)
        and not organisation.memberships.exists()
    )


@transaction.atomic
def member_create(
    *,
    actor: User | SystemActor,
    organisation: Organisation,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    job_title: str = "",
    phone: str = "",
    password: str | None = None,
    send_invitation: bool = True,
) -> Membership:
    """Create a user in `organisation` with `role`.

    Without a password the account cannot sign in until the person follows the invitation
    e-mailed to them (sent in the background) and chooses one.
    """
    if isinstance(actor, User) and not _first_admin_by_partnership(actor, organisation, role):
        _require_admin_of(actor, organisation)
    _require_role_allowed(organisation, role)
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    membership = Membership.objects.create(
        user=user,
        organisation=organisation,
        role=role,
        job_title=job_title,
        phone=phone,
        invited_by=actor if isinstance(actor, User) else None,
    )
    _set_groups(user, membership)
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="member_create",
        target=user,
        organisation=organisation,
        detail={"username": username, "role": role},
    )
    if send_invitation:
        outbox_enqueue(task_name="partners.invitation_send", kwargs={"user_id": user.pk})
    return membership


@transaction.atomic
def member_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    _require_admin_of(actor, membership.organisation)
    _require_role_allowed(membership.organisation, role)
    if membership.user_id == actor.pk and role != Membership.Role.PARTNER_ADMIN:
        raise ValidationError(
            {"role": "You cannot remove your own partner admin role; ask another partner admin."}
        )
    before = membership.role
    if before == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    _set_groups(membership.user, membership)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="member_change_role",
        target=membership.user,
        organisation=membership.organisation,
        detail={"role": {"before": before, "after": role}},
    )
    return membership


@transaction.atomic
def member_deactivate(*, actor: User, membership: Membership, reason: str = "") -> Membership:
    """End a member's access at once: no new sign-in, and every open session is ended."""
    _require_admin_of(actor, membership.organisation)
    user = membership.user
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate your own account.")
    if not user.is_active:
        return membership
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = UserSession.objects.filter(user=user).delete()[0]
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="member_deactivate",
        target=user,
        organisation=membership.organisation,
        detail={
            "is_active": {"before": True, "after": False},
            "sessions_ended": ended,
            "reason": reason,
        },
    )
    return membership


@transaction.atomic
def member_reactivate(*, actor: User, membership: Membership) -> Membership:
    _require_admin_of(actor, membership.organisation)
    user = membership.user
    if user.is_active:
        return membership
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="member_reactivate",
        target=user,
        organisation=membership.organisation,
        detail={"is_active": {"before": False, "after": True}},
    )
    return membership


@transaction.atomic
def member_unlock(*, actor: User, membership: Membership) -> int:
    """Clear a sign-in lockout (django-axes) for the member; returns attempts cleared."""
    _require_admin_of(actor, membership.organisation)
    cleared = axes_reset(username=membership.user.get_username())
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="member_unlock",
        target=membership.user,
        organisation=membership.organisation,
        detail={"attempts_cleared": cleared},
    )
    return cleared


INVITATION_ACTOR = SystemActor("invitations")


@transaction.atomic
def invitation_resend(*, actor: User, membership: Membership) -> Membership:
    _require_admin_of(actor, membership.organisation)
    if membership.user.has_usable_password():
        raise ValidationError("This person has already accepted their invitation.")
    membership.invitation_sent_at = None
    membership.save(update_fields=["invitation_sent_at", "updated_at"])
    outbox_enqueue(task_name="partners.invitation_send", kwargs={"user_id": membership.user_id})
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="invitation_resend",
        target=membership.user,
        organisation=membership.organisation,
    )
    return membership


def invitation_path(user: User) -> str:
    """The one-time link to choose a password (valid until used or PASSWORD_RESET_TIMEOUT)."""
    return reverse(
        "partners:invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


@transaction.atomic
def invitation_send(*, user_id: int) -> bool:
    """E-mail a set-password link to a member who has not yet chosen a password.

    Idempotent: the membership row is locked and stamped, so a redelivered task sends nothing;
    nor is anything sent to someone inactive or who has already accepted.
    """
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organisation")
        .filter(user_id=user_id)
        .first()
    )
    if membership is None or membership.invitation_sent_at is not None:
        return False
    user = membership.user
    if not user.is_active or user.has_usable_password() or not user.email:
        return False
    path = invitation_path(user)
    context = {
        "user": user,
        "organisation": membership.organisation,
        "link": f"{settings.SITE_URL}{path}",
        "service_name": settings.SERVICE_NAME,
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    send_mail(
        subject=f"You have been invited to {settings.SERVICE_NAME}",
        message=render_to_string("partners/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    membership.invitation_sent_at = timezone.now()
    membership.save(update_fields=["invitation_sent_at", "updated_at"])
    audit_record(
        actor=INVITATION_ACTOR,
        verb=Verb.SENT,
        action="invitation_send",
        target=user,
        organisation=membership.organisation,
        detail={"to": user.email},
    )
    return True


def notify(*, users, key: str, subject: str, body: str = "", link: str = "") -> int:
    """Tell people about something they should act on. Idempotent per (user, key): a repeated
    or overlapping job never notifies anyone twice. Returns how many were new."""
    users = [user for user in users if user is not None]
    if not users:
        return 0
    created = Notification.objects.bulk_create(
        [
            Notification(user=user, key=key[:120], subject=subject[:200], body=body, link=link)
            for user in {user.pk: user for user in users}.values()
        ],
        ignore_conflicts=True,
    )
    # E-mailed as each person chooses, by the notifications app (partners imports no app).
    signals.notices_recorded.send(
        sender=Notification, keys=[key[:120]], user_ids=sorted({user.pk for user in users})
    )
    return len(created)


@transaction.atomic
def notification_mark_read(*, user: User, notification_ids: list[int]) -> int:
    return Notification.objects.filter(
        user=user, pk__in=notification_ids, read_at__isnull=True
    ).update(read_at=timezone.now())


# API clients -----------------------------------------------------------------------------------
# A partner system acts through a service user of its own: a member of the organisation with the
# role chosen at creation, created without a usable password or an e-mail address, so it can
# never sign in to the pages or be sent an invitation (docs/adr/0009-api-clients.md).

API_TOKEN_BYTES = 32  # 43 URL-safe characters
API_TOKEN_PREFIX_LENGTH = 8
# last_used_at is written at most this often, so busy clients do not write on every call.
API_CLIENT_USED_EVERY = timedelta(minutes=1)


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewAPIClient:
    """A client just created, with the token that is shown this once and never again."""

    client: APIClient
    token: str


@transaction.atomic
def api_client_create(
    *,
    actor: User | SystemActor,
    organisation: Organisation,
    name: str,
    role: str = Membership.Role.CASE_OFFICER,
) -> NewAPIClient:
    """Create an API client for `organisation` acting with `role`; returns it with its token."""
    if isinstance(actor, User):
        _require_admin_of(actor, organisation)
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = "Enter a name for the API client"
    elif len(name) > 100:
        errors["name"] = "The name must be 100 characters or fewer"
    if role not in dict(Membership.roles_for(organisation)):
        errors["role"] = f"{organisation.name} API clients cannot hold the role {role!r}"
    if errors:
        raise ValidationError(errors)
    client_id = uuid.uuid4()
    membership = member_create(
        actor=actor,
        organisation=organisation,
        username=f"api-client.{client_id.hex[:12]}@{organisation.slug}",
        email="",
        first_name=name[:150],
        last_name="(API client)",
        role=role,
        job_title="API client",
        send_invitation=False,
    )
    token = secrets.token_urlsafe(API_TOKEN_BYTES)
    client = APIClient.objects.create(
        id=client_id,
        organisation=organisation,
        name=name,
        role=role,
        user=membership.user,
        token_prefix=token[:API_TOKEN_PREFIX_LENGTH],
        token_hash=api_token_hash(token),
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="api_client_create",
        target=client,
        organisation=organisation,
        detail={"name": name, "role": role, "token_prefix": client.token_prefix},
    )
    return NewAPIClient(client=client, token=token)


@transaction.atomic
def api_client_revoke(*, actor: User | SystemActor, client: APIClient) -> APIClient:
    """Stop a client at once: its token is refused from the next request, and its service user
    is deactivated. Revoking is final; create a new client to start again."""
    if isinstance(actor, User):
        _require_admin_of(actor, client.organisation)
    if client.revoked_at is not None:
        return client
    client.revoked_at = timezone.now()
    client.revoked_by = actor if isinstance(actor, User) else None
    client.save(update_fields=["revoked_at", "revoked_by"])
    User.objects.filter(pk=client.user_id).update(is_active=False)
    audit_record(
        actor=actor,
        verb=Verb.REVOKED,
        action="api_client_revoke",
        target=client,
        organisation=client.organisation,
        detail={"name": client.name, "token_prefix": client.token_prefix},
    )
    return client


def api_client_mark_used(*, client: APIClient) -> None:
    """Record that the client called the API (at most once a minute; not audited: every call
    is audited on its own)."""
    now = timezone.now()
    if client.last_used_at is not None and now - client.last_used_at < API_CLIENT_USED_EVERY:
        return
    APIClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now


# Onboarding and suspending an organisation (the partnership's admin) -------------------------


def _require_partnership_admin(actor: User) -> None:
    if not is_partnership_admin(actor):
        raise PermissionError("Only the partnership's admin can add or suspend organisations.")


@transaction.atomic
def organisation_onboard(
    *,
    actor: User,
    name: str,
    slug: str,
    kind: str,
    lawful_basis: str,
    areas: Iterable[LocalAuthority],
    isa_reference: str,
    isa_starts_on,
    isa_ends_on=None,
    contact_email: str = "",
    admin_first_name: str,
    admin_last_name: str,
    admin_email: str,
) -> Organisation:
    """Bring an organisation into the partnership under its information sharing agreement,
    and invite its first partner admin (who then adds its users)."""
    _require_partnership_admin(actor)
    errors = {}
    if Organisation.objects.filter(slug=slug).exists():
        errors["slug"] = "An organisation already has this short name"
    if isa_ends_on and isa_starts_on and isa_ends_on <= isa_starts_on:
        errors["isa_ends_on"] = "The agreement must end after it starts"
    if User.objects.filter(username__iexact=admin_email).exists():
        errors["admin_email"] = "Someone already signs in with this e-mail address"
    if errors:
        raise ValidationError(errors)
    organisation = organisation_create(
        actor=actor,
        slug=slug,
        name=name,
        kind=kind,
        lawful_basis=lawful_basis,
        areas=areas,
        isa_reference=isa_reference,
        contact_email=contact_email,
    )
    Organisation.objects.filter(pk=organisation.pk).update(
        isa_starts_on=isa_starts_on, isa_ends_on=isa_ends_on
    )
    organisation.refresh_from_db()
    member_create(
        actor=actor,
        organisation=organisation,
        username=admin_email,
        email=admin_email,
        first_name=admin_first_name,
        last_name=admin_last_name,
        role=Membership.Role.PARTNER_ADMIN,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="organisation_onboard",
        target=organisation,
        organisation=organisation,
        detail={
            "isa_reference": isa_reference,
            "isa_starts_on": str(isa_starts_on or ""),
            "isa_ends_on": str(isa_ends_on or ""),
            "areas": sorted(area.code for area in areas),
            "first_admin": admin_email,
        },
    )
    return organisation


@transaction.atomic
def organisation_suspend(*, actor: User, organisation: Organisation, reason: str) -> int:
    """Stop an organisation at once: its members' sessions end and its API clients are
    refused (both check `active` on every request); its records stay. Returns the number of
    sessions ended."""
    _require_partnership_admin(actor)
    if organisation.pk == actor.membership.organisation_id:
        raise ValidationError({"reason": "You cannot suspend your own organisation"})
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the organisation is being suspended"})
    Organisation.objects.filter(pk=organisation.pk).update(active=False, updated_at=timezone.now())
    ended, _ = UserSession.objects.filter(user__membership__organisation=organisation).delete()
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="organisation_suspend",
        target=organisation,
        organisation=organisation,
        detail={"reason": reason.strip(), "sessions_ended": ended},
    )
    organisation.refresh_from_db()
    return ended


@transaction.atomic
def organisation_reinstate(*, actor: User, organisation: Organisation) -> Organisation:
    _require_partnership_admin(actor)
    Organisation.objects.filter(pk=organisation.pk).update(active=True, updated_at=timezone.now())
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="organisation_reinstate",
        target=organisation,
        organisation=organisation,
    )
    organisation.refresh_from_db()
    return organisation
