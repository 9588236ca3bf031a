"""Organisations of the partnership, the people who work for them, and the audit log."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser, Group
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from partners.secrets import EncryptedTextField


class LocalAuthority(models.Model):
    """A local authority area (ONS code), the unit policies and published figures use."""

    code = models.CharField(max_length=9, unique=True, help_text="ONS code, e.g. E06000047")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        POLICE = "police", "Police"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        HOUSING_PROVIDER = "housing_provider", "Housing provider"
        FIRE_RESCUE = "fire_rescue", "Fire and rescue"
        HEALTH = "health", "Health"
        PROBATION = "probation", "Probation"
        PCC_OFFICE = "pcc_office", "Office of the Police and Crime Commissioner"
        EDUCATION = "education", "Education"
        VOLUNTARY = "voluntary", "Voluntary sector"

    class LawfulBasis(models.TextChoices):
        PUBLIC_TASK = "uk_gdpr_6_1_e", "UK GDPR Article 6(1)(e): public task"
        LAW_ENFORCEMENT = "dpa_2018_part_3", "Data Protection Act 2018 Part 3: law enforcement"
        LEGAL_OBLIGATION = "uk_gdpr_6_1_c", "UK GDPR Article 6(1)(c): legal obligation"
        LEGITIMATE_INTERESTS = "uk_gdpr_6_1_f", "UK GDPR Article 6(1)(f): legitimate interests"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    areas = models.ManyToManyField(
        LocalAuthority,
        related_name="organisations",
        blank=True,
        help_text="Local authority areas the organisation serves.",
    )
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    isa_reference = models.CharField(
        "information sharing agreement reference", max_length=100, blank=True
    )
    # When the organisation's information sharing agreement runs (onboarding, issue 12).
    isa_starts_on = models.DateField("information sharing agreement starts", null=True, blank=True)
    isa_ends_on = models.DateField("information sharing agreement ends", null=True, blank=True)
    contact_email = models.EmailField(blank=True)
    # False while suspended: its users and API clients stop at once; its records stay.
    active = models.BooleanField(default=True)
    # Object permissions are granted to this group, never to individual users.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organisation")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("manage_organisation_users", "Can manage the users of their own organisation"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Usernames are e-mail-like (officer@durham-constabulary)."""

    id = models.BigAutoField(primary_key=True)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Membership(models.Model):
    """A user's place in one organisation, with one role."""

    class Role(models.TextChoices):
        CASE_OFFICER = "case_officer", "Case officer"
        SUPERVISOR = "supervisor", "Supervisor"
        ASB_CHAMPION = "asb_champion", "ASB Champion"
        PARTNER_ADMIN = "partner_admin", "Partner admin"
        ANALYST = "analyst", "Analyst"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when the invitation e-mail goes out; cleared to send it again.
    invitation_sent_at = models.DateTimeField(null=True, blank=True)
    # The partnership's own admin (in County Durham and Darlington, the PCC's office): changes
    # partnership-wide definitions and sets up new organisations' sign-in. Not a role: any
    # member may hold it alongside their role (partners.roles.is_partnership_admin).
    is_partnership_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__username"]
        indexes = [
            # The partner admin's user list: one organisation's members by role.
            models.Index(fields=["organisation", "role"], name="partners_member_org_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"

    @classmethod
    def roles_for(cls, organisation: Organisation) -> list[tuple[str, str]]:
        """The roles an organisation's members may hold: the ASB Champion sits in the office of
        the Police and Crime Commissioner, which runs the partnership's Case Reviews."""
        return [
            (value, label)
            for value, label in cls.Role.choices
            if value != cls.Role.ASB_CHAMPION or organisation.kind == Organisation.Kind.PCC_OFFICE
        ]


class UserSession(AbstractBaseSession):
    """A database session that knows its user, so all of a user's sessions can be ended."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, db_index=True)

    @classmethod
    def get_session_store_class(cls):
        from partners.sessions import SessionStore

        return SessionStore


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only: audit events cannot be updated.")

    def delete(self):
        raise TypeError("The audit log is append-only: audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One thing someone (or the system) did: append-only, written by services.

    Separate from the timeline users see: this is the compliance record of who viewed,
    searched, changed, shared and exported what, from where.
    """

    class Verb(models.TextChoices):
        VIEWED = "viewed", "Viewed"
        SEARCHED = "searched", "Searched"
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        SHARED = "shared", "Shared"
        REVOKED = "revoked", "Revoked"
        EXPORTED = "exported", "Exported"
        SENT = "sent", "Sent"
        LOGGED_IN = "logged_in", "Logged in"
        LOGGED_OUT = "logged_out", "Logged out"
        LOGIN_FAILED = "login_failed", "Failed login"
        LOCKED_OUT = "locked_out", "Locked out"
        PERMISSION_DENIED = "permission_denied", "Permission denied"
        SECOND_FACTOR_FAILED = "second_factor_failed", "Failed second factor"

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    # actor and organisation: indexed by partners_audit_actor and partners_audit_org, which
    # lead with them.
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # Who acted, as text: a username, "system:<name>" or "api-client:<id>", kept even if the
    # actor row changes later.
    actor_label = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    verb = models.CharField(max_length=30, choices=Verb.choices)
    # The service (or event) that wrote this, e.g. "membership_change_role".
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Search terms, before/after values of a change, reasons; never passwords or tokens.
    detail = models.JSONField(default=dict, blank=True)
    # The hash chain (docs/adr/0012-audit-hash-chain.md), filled in by the database as the row
    # is inserted: which chain, its place in it, the previous row's hash and this row's.
    chain = models.IntegerField(null=True, blank=True, editable=False)
    chain_seq = models.BigIntegerField(null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    row_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # One row per place in a chain; `manage.py audit_verify` walks each chain by it.
            models.UniqueConstraint(
                fields=["chain", "chain_seq"],
                name="partners_audit_chain_place",
                condition=Q(chain__isnull=False),
            ),
        ]
        indexes = [
            # "Everything that happened to this record", newest first.
            models.Index(
                fields=["target_type", "target_id", "-occurred_at"], name="partners_audit_target"
            ),
            # A supervisor reviewing one person's trail.
            models.Index(fields=["actor", "-occurred_at"], name="partners_audit_actor"),
            # An organisation's own trail.
            models.Index(fields=["organisation", "-occurred_at"], name="partners_audit_org"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The audit log is append-only: audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only: audit events cannot be deleted.")


class AuditChain(models.Model):
    """The head of one audit hash chain: the last row's place and hash.

    Written only by the database trigger that chains audit events (it runs as the table's
    owner); the application's runtime role may read it, never change it."""

    chain = models.IntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["chain"]

    def __str__(self) -> str:
        return f"audit chain {self.chain} at {self.seq}"


class IdentityProvider(models.Model):
    """An organisation's own OpenID Connect provider (Microsoft Entra ID, Google Workspace,
    Okta...): its staff sign in there, and come back here with who they are.

    The endpoints are read from the provider's discovery document when the configuration is
    saved (partners.sso.provider_discover)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="identity_provider"
    )
    issuer = models.URLField(max_length=300)
    client_id = models.CharField(max_length=200)
    # Never shown again once saved; only replaced.
    client_secret = EncryptedTextField()  # encrypted at rest (partners.secrets)
    # E-mail domains the organisation's staff have, e.g. ["durham.police.uk"].
    allowed_domains = models.JSONField(default=list)
    # The claim that lists the person's groups, and which group gives which role, in order:
    # [{"group": "asb-officers", "role": "case_officer"}, ...]. The first group matched wins.
    groups_claim = models.CharField(max_length=60, default="groups")
    # What to ask for: some providers (Okta) send groups only for a "groups" scope.
    scopes = models.CharField(max_length=200, default="openid email profile")
    role_mappings = models.JSONField(default=list, blank=True)
    # Give an account to someone not yet invited, when their domain and a group allow it.
    create_members = models.BooleanField(default=False)
    # The organisation's members must use single sign-on: password sign-in is refused.
    require_sso = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)

    authorization_endpoint = models.URLField(max_length=500, blank=True)
    token_endpoint = models.URLField(max_length=500, blank=True)
    userinfo_endpoint = models.URLField(max_length=500, blank=True)
    jwks_uri = models.URLField(max_length=500, blank=True)
    end_session_endpoint = models.URLField(max_length=500, blank=True)
    signing_algorithms = models.JSONField(default=list, blank=True)
    discovered_at = models.DateTimeField(null=True, blank=True)

    # The last problem met signing someone in, for the partner admin.
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.issuer})"

    @property
    def is_usable(self) -> bool:
        return self.enabled and self.organisation.active and bool(self.token_endpoint)


class ExternalIdentity(models.Model):
    """A person's account at their organisation's identity provider (its stable `sub`),
    linked to their account here at their first single sign-on."""

    id = models.BigAutoField(primary_key=True)
    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="identities"
    )
    subject = models.CharField(max_length=255)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="external_identity")
    linked_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="partners_external_identity_once"
            ),
        ]
        verbose_name_plural = "external identities"

    def __str__(self) -> str:
        return f"{self.subject} at {self.provider_id}"


class OutboxTask(models.Model):
    """Background work recorded in the same transaction as the change that needs it.

    It is published to Celery after the commit; if the broker is away it stays here and the
    relay publishes it when the broker is back. The worker stamps `completed_at` when the task
    has run, so work published but lost before it ran (a broker restarted with it queued, a
    worker killed) is published again by the relay. Tasks are idempotent, so publishing twice
    is harmless; losing one is not (docs/adr/0005-background-work.md).
    """

    id = models.BigAutoField(primary_key=True)
    task_name = models.CharField(max_length=120)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was last handed to the broker (each publish moves it on).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # When a worker finished it; completed rows are pruned after OUTBOX_KEEP_DAYS.
    completed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The relay's scan for work not yet published, oldest first.
            models.Index(
                fields=["created_at"],
                name="partners_outbox_pending",
                condition=Q(dispatched_at__isnull=True),
            ),
            # The relay's scan for work published but not done after OUTBOX_REDELIVER_AFTER.
            models.Index(
                fields=["dispatched_at"],
                name="partners_outbox_in_flight",
                condition=Q(dispatched_at__isnull=False, completed_at__isnull=True),
            ),
            # Pruning completed work.
            models.Index(
                fields=["completed_at"],
                name="partners_outbox_completed",
                condition=Q(completed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        if self.completed_at:
            state = "completed"
        else:
            state = "published" if self.dispatched_at else "pending"
        return f"{self.task_name} {self.kwargs} ({state})"


class Heartbeat(models.Model):
    """The last sign of life of a kind of background process, for /healthz: beat records
    `beat` as it ticks, workers record `task` when a task completes (at most every few
    seconds per process). One row per name, overwritten."""

    class Name(models.TextChoices):
        BEAT = "beat", "Celery beat ticked"
        TASK = "task", "A worker completed a task"

    name = models.CharField(max_length=20, primary_key=True, choices=Name.choices)
    at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class Notification(models.Model):
    """Something a person should act on (a deadline, an alert), shown on their home page and
    e-mailed. `key` makes each notification idempotent: the same key is never sent twice."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=120)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once it has gone out by e-mail (at once or in a digest), or was decided not to: the
    # notifications app sends these as it sends its own. The subject is e-mailed, never the
    # body (which may name a place or a person).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="partners_notification_once"),
        ]
        indexes = [
            # A person's unread notifications, newest first.
            models.Index(
                fields=["user", "-created_at"],
                name="partners_notification_unread",
                condition=Q(read_at__isnull=True),
            ),
            # What is still to be e-mailed (the digest).
            models.Index(
                fields=["user", "created_at"],
                name="partners_notification_to_email",
                condition=Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} for {self.user_id}"


class APIClient(models.Model):
    """A partner system (a housing CRM, the police records system) calling the API for one
    organisation. It acts through its own service user, a member of that organisation with the
    role chosen at creation, so every selector and service applies to it unchanged. The token
    is shown once and only its SHA-256 is kept (docs/adr/0009-api-clients.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(max_length=100, help_text="What the system is, e.g. Housing CRM")
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_client")
    # The first characters of the token, so people can tell their tokens apart.
    token_prefix = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Updated at most once a minute by the API authentication.
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API client"
        indexes = [
            # The partner admin's list of their organisation's clients, newest first.
            models.Index(fields=["organisation", "-created_at"], name="partners_apiclient_org"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """An API client's `Idempotency-Key` and the answer given to the request that carried it:
    the same key with the same request gets the same answer again rather than a second
    record (docs/adr/0015-idempotency-keys.md). Kept IDEMPOTENCY_KEY_HOURS, then pruned."""

    id = models.BigAutoField(primary_key=True)
    client = models.ForeignKey(APIClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the parsed request body.
    fingerprint = models.CharField(max_length=64)
    path = models.CharField(max_length=300)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One answer per key and client: a second request racing the first waits for it.
            models.UniqueConstraint(fields=["client", "key"], name="partners_idempotency_key_once")
        ]
        indexes = [
            # Pruning keys older than IDEMPOTENCY_KEY_HOURS.
            models.Index(fields=["created_at"], name="partners_idempotency_age"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
