"""Single sign-on with each organisation's own OpenID Connect provider.

The protocol is mozilla-django-oidc's (authorization code flow with PKCE and a nonce; the
token, JWKS and userinfo calls; the ID token's signature checked with PyJWT). This module
only chooses *which* provider — the one of the organisation whose button was pressed — and
decides who may come in:

- the ID token must name the provider as issuer and this service's client as audience (so
  one organisation's provider can never vouch for another's staff);
- the e-mail address must be in one of the organisation's allowed domains;
- where the organisation maps groups to roles, the person must be in a mapped group, and
  gets that role;
- the person is the one already linked to that provider's `sub`, or a member of that same
  organisation with that e-mail address (invited, or signing in with a password until now),
  or — if the organisation allows it — a new member.

A single sign-on session is checked with the provider again (prompt=none) every
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS: someone removed there, or from the group, is signed out.
Providers that are down, slow, misconfigured or refuse this service's credentials give the
person a clear page and the partner admin the reason (IdentityProvider.last_error), never a
500; each call gives up after OIDC_TIMEOUT.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from partners import selectors, two_factor
from partners.audit import SystemActor, audit_record
from partners.backends import MemberBackend
from partners.models import (
    AuditEvent,
    ExternalIdentity,
    IdentityProvider,
    Membership,
    Organisation,
    User,
)

logger = logging.getLogger(__name__)
Verb = AuditEvent.Verb

SSO_ACTOR = SystemActor("single-sign-on")
SSO_PROVIDER_SESSION_KEY = "sso_provider"
SSO_STATES_SESSION_KEY = "sso_states"
# mozilla-django-oidc's own key: when the session must be checked with the provider again.
RECHECK_AT_SESSION_KEY = "oidc_id_token_expiration"
# Signatures we accept on ID tokens: asymmetric only (never the client secret as an HMAC key).
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
MAX_STATES = 20


class ProviderError(Exception):
    """The provider could not be used: the message says why, for the admin and the person."""


class SignInRefused(Exception):
    """The provider vouched for the person, but they may not use this service."""


# Discovery -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Discovery:
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    signing_algorithms: list[str]


def _get_json(url: str, what: str) -> dict:
    try:
        response = requests.get(
            url,
            timeout=settings.OIDC_TIMEOUT,
            verify=settings.OIDC_VERIFY_SSL,
            headers={"Accept": "application/json"},
        )
    except requests.Timeout:
        raise ProviderError(
            f"The provider did not answer in time when we asked for its {what} ({url})."
        ) from None
    except requests.ConnectionError:
        raise ProviderError(
            f"We could not connect to the provider for its {what} ({url}). Check the address."
        ) from None
    except requests.RequestException as exc:
        raise ProviderError(f"We could not fetch the provider's {what}: {exc}") from None
    if response.status_code != 200:
        raise ProviderError(
            f"The provider answered {response.status_code} when we asked for its {what} ({url}). "
            "Check the issuer address."
        )
    try:
        data = response.json()
    except ValueError:
        raise ProviderError(f"The provider's {what} at {url} is not JSON.") from None
    if not isinstance(data, dict):
        raise ProviderError(f"The provider's {what} at {url} is not a JSON object.")
    return data


def provider_discover(issuer: str) -> Discovery:
    """Read the provider's OpenID Connect discovery document and check it names `issuer`."""
    issuer = issuer.rstrip("/")
    url = f"{issuer}/.well-known/openid-configuration"
    document = _get_json(url, "discovery document")
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderError(
            f"The provider says its issuer is {document.get('issuer')!r}, not {issuer!r}. "
            "Copy the issuer exactly as the provider shows it."
        )
    missing = [
        key
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
        if not isinstance(document.get(key), str) or not document.get(key)
    ]
    if missing:
        raise ProviderError(f"The provider's discovery document has no {', '.join(missing)}.")
    algorithms = [
        alg
        for alg in document.get("id_token_signing_alg_values_supported") or ["RS256"]
        if alg in SIGNING_ALGORITHMS
    ]
    if not algorithms:
        raise ProviderError(
            "The provider signs ID tokens only with algorithms this service does not accept "
            f"(it accepts {', '.join(SIGNING_ALGORITHMS)})."
        )
    return Discovery(
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        userinfo_endpoint=document["userinfo_endpoint"],
        jwks_uri=document["jwks_uri"],
        end_session_endpoint=str(document.get("end_session_endpoint") or ""),
        signing_algorithms=algorithms,
    )


# Configuration (services) -----------------------------------------------------------------------


def may_configure(actor: User, organisation: Organisation) -> bool:
    """An organisation's partner admin configures its provider; the partnership's admin may
    set one up for an organisation that has none yet."""
    from partners.roles import is_partnership_admin

    membership = getattr(actor, "membership", None)
    if (
        membership is not None
        and membership.organisation_id == organisation.pk
        and actor.has_perm("partners.manage_organisation_users")
    ):
        return True
    has_provider = IdentityProvider.objects.filter(organisation=organisation).exists()
    return is_partnership_admin(actor) and not has_provider


@transaction.atomic
def identity_provider_configure(
    *,
    actor: User,
    organisation: Organisation,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    allowed_domains: list[str],
    groups_claim: str = "groups",
    scopes: str = "openid email profile",
    role_mappings: list[dict[str, str]] | None = None,
    create_members: bool = False,
    require_sso: bool = False,
    enabled: bool = True,
) -> IdentityProvider:
    """Set up or change an organisation's provider. Its discovery document is read first, so
    a wrong issuer or an unreachable provider is refused with the reason (ProviderError)."""
    if not may_configure(actor, organisation):
        raise PermissionError("Only this organisation's partner admin can configure its sign-in.")
    provider = IdentityProvider.objects.filter(organisation=organisation).first()
    if provider is None and not client_secret:
        raise ValidationError({"client_secret": "Enter the client secret"})
    allowed = dict(Membership.roles_for(organisation))
    for mapping in role_mappings or []:
        if mapping.get("role") not in allowed:
            raise ValidationError(
                {
                    "role_mappings": f"{organisation.name} members cannot hold the role "
                    f"{mapping.get('role')!r}"
                }
            )
    discovery = provider_discover(issuer)
    before = _provider_summary(provider) if provider else {}
    provider = provider or IdentityProvider(organisation=organisation)
    provider.issuer = issuer.rstrip("/")
    provider.client_id = client_id
    if client_secret:
        provider.client_secret = client_secret
    provider.allowed_domains = sorted({domain.lower() for domain in allowed_domains})
    provider.groups_claim = groups_claim or "groups"
    provider.scopes = " ".join(dict.fromkeys(["openid", *scopes.split()]))
    provider.role_mappings = list(role_mappings or [])
    provider.create_members = create_members
    provider.require_sso = require_sso
    provider.enabled = enabled
    for field, value in discovery.__dict__.items():
        setattr(provider, field, value)
    provider.discovered_at = timezone.now()
    provider.last_error = ""
    provider.last_error_at = None
    provider.full_clean()
    provider.save()
    detail = {"changes": _changes(before, _provider_summary(provider))}
    if client_secret:
        detail["client_secret"] = "replaced" if before else "set"
    audit_record(
        actor=actor,
        verb=Verb.CHANGED if before else Verb.CREATED,
        action="identity_provider_configure",
        target=provider,
        organisation=organisation,
        detail=detail,
    )
    return provider


def _provider_summary(provider: IdentityProvider) -> dict:
    return {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "allowed_domains": provider.allowed_domains,
        "groups_claim": provider.groups_claim,
        "scopes": provider.scopes,
        "role_mappings": provider.role_mappings,
        "create_members": provider.create_members,
        "require_sso": provider.require_sso,
        "enabled": provider.enabled,
    }


def _changes(before: dict, after: dict) -> dict:
    return {
        key: {"before": before.get(key), "after": after[key]}
        for key in after
        if before.get(key) != after[key]
    }


def identity_provider_record_error(provider: IdentityProvider, message: str) -> None:
    """Keep the last problem met signing someone in, for the partner admin's page."""
    IdentityProvider.objects.filter(pk=provider.pk).update(
        last_error=message[:500], last_error_at=timezone.now()
    )


# Who may come in ------------------------------------------------------------------------------


def _groups(claims: dict, claim: str) -> list[str]:
    value = claims.get(claim) or []
    if isinstance(value, str):
        value = [value]
    return [str(item) for item in value if isinstance(item, str | int)]


def mapped_role(provider: IdentityProvider, claims: dict) -> str | None:
    groups = set(_groups(claims, provider.groups_claim))
    for mapping in provider.role_mappings:
        if mapping.get("group") in groups:
            return mapping.get("role")
    return None


def _email(claims: dict) -> str:
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        raise SignInRefused("Your organisation's sign-in did not tell us your e-mail address.")
    if claims.get("email_verified") is False:
        raise SignInRefused("Your organisation's sign-in has not verified your e-mail address.")
    return email


def check_claims(provider: IdentityProvider, claims: dict) -> tuple[str, str | None]:
    """The person's e-mail address and mapped role, or SignInRefused with the reason."""
    email = _email(claims)
    domain = email.rsplit("@", 1)[1]
    if domain not in provider.allowed_domains:
        raise SignInRefused(
            f"{email} is not an address {provider.organisation.name} allows to use this service."
        )
    role = mapped_role(provider, claims)
    if provider.role_mappings and role is None:
        raise SignInRefused(
            f"Your account at {provider.organisation.name} is not in a group allowed to use "
            "this service."
        )
    return email, role


@transaction.atomic
def member_for_claims(provider: IdentityProvider, claims: dict) -> User:
    """The member these claims are, linking or creating them as the organisation allows."""
    email, role = check_claims(provider, claims)
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused("Your organisation's sign-in did not say who you are.")
    organisation = provider.organisation
    identity = (
        ExternalIdentity.objects.select_related("user__membership")
        .filter(provider=provider, subject=subject)
        .first()
    )
    if identity is not None:
        user = identity.user
    else:
        candidates = list(
            User.objects.select_related("membership__organisation").filter(
                Q(username__iexact=email) | Q(email__iexact=email)
            )
        )
        ours = [
            user
            for user in candidates
            if getattr(user, "membership", None) is not None
            and user.membership.organisation_id == organisation.pk
        ]
        if candidates and not ours:
            raise SignInRefused(
                f"{email} has an account with another organisation in this service."
            )
        user = ours[0] if ours else None
        if user is not None:
            if ExternalIdentity.objects.filter(user=user).exists():
                raise SignInRefused("This account is already linked to another sign-in.")
            ExternalIdentity.objects.create(provider=provider, subject=subject, user=user)
            audit_record(
                actor=SSO_ACTOR,
                verb=Verb.CHANGED,
                action="sso_link",
                target=user,
                organisation=organisation,
                detail={"provider": organisation.slug, "subject": subject},
            )
        elif provider.create_members and role is not None:
            user = _member_create(provider, claims, email=email, role=role, subject=subject)
        else:
            raise SignInRefused(
                f"You do not have an account yet. Ask {organisation.name}'s partner admin to "
                "add you."
            )
    if not user.is_active:
        raise SignInRefused("This account has been deactivated. Ask your partner admin.")
    membership = user.membership
    if role is not None and membership.role != role:
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        from partners.services import _set_groups

        _set_groups(user, membership)
        audit_record(
            actor=SSO_ACTOR,
            verb=Verb.CHANGED,
            action="sso_role_from_groups",
            target=user,
            organisation=organisation,
            detail={"role": {"before": before, "after": role}},
        )
    ExternalIdentity.objects.filter(provider=provider, subject=subject).update(
        last_signed_in_at=timezone.now()
    )
    return user


def _member_create(provider, claims, *, email, role, subject) -> User:
    from partners.services import member_create

    membership = member_create(
        actor=SSO_ACTOR,
        organisation=provider.organisation,
        username=email,
        email=email,
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or claims.get("name") or "")[:150],
        role=role,
        send_invitation=False,
    )
    ExternalIdentity.objects.create(provider=provider, subject=subject, user=membership.user)
    return membership.user


def _refused(request, provider: IdentityProvider, claims: dict | None, reason: str) -> None:
    label = str((claims or {}).get("email") or (claims or {}).get("sub") or "unknown")[:150]
    with transaction.atomic():
        audit_record(
            actor=None,
            actor_label=label,
            verb=Verb.LOGIN_FAILED,
            action="sso_login",
            target_type="partners.user",
            organisation=provider.organisation,
            detail={"provider": provider.organisation.slug, "reason": reason},
        )


# The backend ---------------------------------------------------------------------------------


class OrganisationOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, pointed per request at the provider of the organisation
    whose sign-in started (the callback view puts it on the request)."""

    def __init__(self, *args, **kwargs):  # the provider is chosen per request, not in settings
        self.UserModel = get_user_model()
        self.provider = None
        self.claims = None

    def get_user(self, user_id):
        return MemberBackend().get_user(user_id)

    def authenticate(self, request, **kwargs):
        provider = getattr(request, "sso_provider", None) if request is not None else None
        if provider is None or "nonce" not in kwargs:
            return None
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = provider.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = provider.jwks_uri
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = "RS256"  # any asymmetric algorithm: the key comes from JWKS
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            return super().authenticate(request, **kwargs)
        except SignInRefused as exc:
            request.sso_error = str(exc)
            _refused(request, provider, self.claims, str(exc))
        except Exception as exc:  # the provider's fault: never a 500 for the person
            message = describe_provider_failure(exc)
            logger.warning("Single sign-on with %s failed: %s", provider.issuer, message)
            request.sso_error = message
            request.sso_provider_fault = True
            identity_provider_record_error(provider, message)
        return None

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        alg = header.get("alg")
        allowed = [
            a for a in (self.provider.signing_algorithms or ["RS256"]) if a in SIGNING_ALGORITHMS
        ]
        if alg not in allowed:
            raise SuspiciousOperation(
                f"The ID token is signed with {alg!r}, which we do not accept."
            )
        return jwt.decode(
            payload,
            key,
            algorithms=[alg],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=self.provider.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=60,
        )

    def get_userinfo(self, access_token, id_token, payload):
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub")) != str(payload.get("sub")):
            raise SuspiciousOperation("The userinfo is about someone else than the ID token.")
        # Some providers (Entra ID) put groups in the ID token only.
        self.claims = {**payload, **userinfo}
        return self.claims

    def verify_claims(self, claims):
        check_claims(self.provider, claims)
        return True

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        self.verify_claims(claims)
        return member_for_claims(self.provider, claims)


def not_a_password_attempt(request, credentials: dict | None) -> bool:
    """django-axes: the single sign-on callback's `authenticate()` (an authorisation code and
    its nonce, no username or password) is not a password guess to count or lock out."""
    credentials = credentials or {}
    return "nonce" in credentials and "password" not in credentials


def describe_provider_failure(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return "The organisation's sign-in service did not answer in time."
    if isinstance(exc, requests.ConnectionError):
        return "We could not connect to the organisation's sign-in service."
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        status = exc.response.status_code
        error = ""
        with contextlib.suppress(ValueError, AttributeError):
            error = str(exc.response.json().get("error", ""))[:60]
        if error == "invalid_client" or status == 401:
            return (
                "The organisation's sign-in service refused this service's client credentials "
                "(the client secret may have expired): the partner admin must update them."
            )
        return f"The organisation's sign-in service answered {status} {error}".strip() + "."
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "The organisation's sign-in service sent an expired token."
    if isinstance(exc, jwt.InvalidIssuerError):
        return "The token was issued by a different sign-in service than configured."
    if isinstance(exc, jwt.InvalidAudienceError):
        return "The token was issued for a different client than configured."
    if isinstance(exc, jwt.PyJWTError | SuspiciousOperation):
        return f"The organisation's sign-in service sent a token we cannot accept: {exc}"
    return f"Signing in with the organisation's sign-in service failed ({type(exc).__name__})."


# Views -------------------------------------------------------------------------------------------


class SSOStartView(OIDCAuthenticationRequestView):
    """ "Sign in with <organisation>": off to the organisation's provider."""

    def __init__(self, **kwargs):  # the provider comes from the URL, not from settings
        View.__init__(self, **kwargs)

    def get_settings(self, attr, *args):
        if attr == "OIDC_RP_SCOPES":
            return self.provider.scopes
        return super().get_settings(attr, *args)

    def get(self, request, slug):
        provider = selectors.identity_provider_for_sign_in(slug=slug)
        self.provider = provider
        self.OIDC_OP_AUTH_ENDPOINT = provider.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = provider.client_id
        response = super().get(request)
        state = parse_qs(urlparse(response.url).query)["state"][0]
        states = request.session.get(SSO_STATES_SESSION_KEY) or {}
        states = dict(list(states.items())[-(MAX_STATES - 1) :])
        states[state] = str(provider.pk)
        request.session[SSO_STATES_SESSION_KEY] = states
        return response

    def get_extra_params(self, request):
        # A recheck of a signed-in session must not show the person anything.
        if request.GET.get("recheck") and request.user.is_authenticated:
            return {"prompt": "none"}
        return {}


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: mozilla-django-oidc checks state, nonce and PKCE and calls the
    backend; this view picks the provider and explains any failure."""

    def get(self, request):
        request.sso_was_signed_in = request.user.is_authenticated
        state = request.GET.get("state", "")
        provider_id = (request.session.get(SSO_STATES_SESSION_KEY) or {}).pop(state, None)
        request.session.modified = True
        request.sso_provider = (
            IdentityProvider.objects.select_related("organisation").filter(pk=provider_id).first()
            if provider_id
            else None
        )
        if request.sso_provider is None and "error" not in request.GET:
            return self._failure_page(
                "This sign-in link has expired or was already used. Start again.", status=400
            )
        try:
            return super().get(request)
        except SuspiciousOperation:
            return self._failure_page(
                "This sign-in link has expired or was already used. Start again.", status=400
            )

    def login_success(self):
        provider = self.request.sso_provider
        two_factor.pending_clear(self.request)
        self.request.session[two_factor.SIGN_IN_METHOD] = "sso"
        self.request.session[SSO_PROVIDER_SESSION_KEY] = provider.organisation.slug
        return super().login_success()

    def login_failure(self):
        request = self.request
        was_signed_in = getattr(request, "sso_was_signed_in", False)
        if request.user.is_authenticated:
            auth.logout(request)
        error = request.GET.get("error")
        message = getattr(request, "sso_error", None)
        if message is None and error in {"login_required", "interaction_required"}:
            message = (
                "Your organisation's sign-in service no longer vouches for you, so you have "
                "been signed out. Sign in again."
            )
        elif message is None and error == "access_denied":
            message = "Your organisation's sign-in service did not let you in."
        elif message is None and error:
            message = f"Your organisation's sign-in service reported a problem ({error[:60]})."
        elif message is None:
            message = "We could not sign you in with your organisation's account."
        if (
            error
            and request.sso_provider is not None
            and error
            not in {
                "login_required",
                "interaction_required",
                "access_denied",
            }
        ):
            identity_provider_record_error(request.sso_provider, message)
        return self._failure_page(message, signed_out=was_signed_in)

    def _failure_page(self, message, *, status=403, signed_out=False):
        return render(
            self.request,
            "partners/sso_error.html",
            {"message": message, "signed_out": signed_out},
            status=status,
        )


def recheck_if_due(request):
    """A single sign-on session past its recheck time goes back to the provider (without
    showing the person anything) before the page; a provider since switched off signs the
    person out."""
    if time.time() < request.session.get(RECHECK_AT_SESSION_KEY, 0):
        return None
    if request.method != "GET" or request.headers.get("x-requested-with") == "XMLHttpRequest":
        return None
    if request.path.startswith(("/sign-in/", "/sign-out/", "/api/")):
        return None
    slug = request.session.get(SSO_PROVIDER_SESSION_KEY, "")
    if not selectors.identity_providers_for_sign_in().filter(organisation__slug=slug).exists():
        auth.logout(request)
        return redirect(settings.LOGIN_URL)
    query = urlencode({"recheck": "1", "next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse('partners:sso_start', args=[slug])}?{query}")
