"""Sign-in, invitations, and the partner admin's pages for their own organisation."""

from __future__ import annotations

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from partners import govuk, selectors, services, sso, two_factor
from partners.forms import (
    AuthenticatorSetUpForm,
    ChoosePasswordForm,
    ConfirmForm,
    IdentityProviderForm,
    MemberDeactivateForm,
    MemberInviteForm,
    MemberRoleForm,
    OrganisationOnboardForm,
    OrganisationSuspendForm,
    SecondFactorForm,
    SignInForm,
)
from partners.models import Membership
from partners.roles import is_partnership_admin

manage_users_required = permission_required(
    "partners.manage_organisation_users", raise_exception=True
)


class SignInView(auth_views.LoginView):
    """The password step. A right password does not sign anyone in: the second factor does
    (partners.two_factor), except for a demo account allowed to skip it."""

    template_name = "partners/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "providers": selectors.identity_providers_for_sign_in()
        }

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.skips_second_factor(user):
            self.request.session[two_factor.SIGN_IN_METHOD] = "demo"
            return super().form_valid(form)
        two_factor.pending_start(self.request, user, next_url=self.get_redirect_url())
        if two_factor.has_authenticator(user):
            return redirect("partners:two_factor")
        return redirect("partners:two_factor_set_up")


def _pending_or_restart(request: HttpRequest):
    user = two_factor.pending_user(request)
    if user is None:
        two_factor.pending_clear(request)
        messages.info(request, "Sign in again: it took too long, or you have not signed in yet.")
    return user


def _after_sign_in(next_url: str) -> HttpResponse:
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
        return redirect(next_url)
    return redirect(settings.LOGIN_REDIRECT_URL)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the person's authenticator app, or a recovery code."""
    user = _pending_or_restart(request)
    if user is None:
        return redirect(settings.LOGIN_URL)
    if not two_factor.has_authenticator(user):
        return redirect("partners:two_factor_set_up")
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if two_factor.is_locked_out(request, user):
            return lockout(request)
        verified = two_factor.second_factor_verify(request, user, form.cleaned_data["code"])
        if verified is not None:
            next_url = two_factor.complete_sign_in(request, user, verified.device)
            if verified.used_recovery_code:
                messages.warning(
                    request,
                    f"You used a recovery code. You have {verified.recovery_codes_left} left: "
                    "ask your partner admin to reset your two-factor authentication if you "
                    "have lost your authenticator app.",
                )
            return _after_sign_in(next_url)
        form.add_error(
            "code",
            "The code is not right. Enter the code your authenticator app shows now, or an "
            "unused recovery code",
        )
    return render(request, "partners/two_factor.html", {"form": form})


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    """First sign-in with a password: add this service to an authenticator app."""
    user = _pending_or_restart(request)
    if user is None:
        return redirect(settings.LOGIN_URL)
    if two_factor.has_authenticator(user):
        return redirect("partners:two_factor")
    device = two_factor.totp_setup_device(request, user)
    form = AuthenticatorSetUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if two_factor.is_locked_out(request, user):
            return lockout(request)
        codes = two_factor.totp_setup_confirm(request, user, device, form.cleaned_data["code"])
        if codes is not None:
            next_url = two_factor.complete_sign_in(request, user, device)
            return render(
                request,
                "partners/recovery_codes.html",
                {"codes": codes, "next_url": next_url or reverse(settings.LOGIN_REDIRECT_URL)},
            )
        form.add_error(
            "code",
            "The code is not right. Check the app shows this service, and enter the code it "
            "shows now",
        )
    uri = device.config_url
    return render(
        request,
        "partners/two_factor_set_up.html",
        {
            "form": form,
            "qr_code": segno.make(uri, error="m").svg_data_uri(scale=4, border=2),
            "secret": two_factor.totp_secret_for_display(device),
            "account": user.get_username(),
            "issuer": settings.OTP_TOTP_ISSUER,
        },
    )


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The link in an invitation: choose a password, then sign in."""

    template_name = "partners/invitation_accept.html"
    form_class = ChoosePasswordForm
    post_reset_login = False
    success_url = reverse_lazy("partners:invitation_done")


def invitation_done(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/invitation_done.html")


def lockout(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """What django-axes shows when a username is locked out from this address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "partners/lockout.html", {"minutes": minutes}, status=429)


@login_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [int(pk) for pk in request.POST.getlist("notification") if pk.isdigit()]
        services.notification_mark_read(user=request.user, notification_ids=ids)
        return redirect("home")
    return render(
        request,
        "home.html",
        {"notifications": selectors.notifications_unread_for(user=request.user)},
    )


@login_required
@manage_users_required
def organisation_detail(request: HttpRequest) -> HttpResponse:
    organisation = selectors.organisation_for_user(user=request.user)
    return render(request, "partners/admin/organisation.html", {"organisation": organisation})


@login_required
@manage_users_required
def member_list(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role")
    if role not in Membership.Role.values:
        role = None
    members = selectors.member_list_for_admin(user=request.user, role=role)
    return render(
        request,
        "partners/admin/member_list.html",
        {"members": members, "roles": Membership.Role.choices, "selected_role": role},
    )


@login_required
@manage_users_required
@require_http_methods(["GET", "POST"])
def member_invite(request: HttpRequest) -> HttpResponse:
    organisation = selectors.organisation_for_user(user=request.user)
    form = MemberInviteForm(
        request.POST if request.method == "POST" else None, organisation=organisation
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.member_create(
                actor=request.user,
                organisation=organisation,
                username=data["email"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                job_title=data["job_title"],
                role=data["role"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"{membership.user.display_name} has been added. We have e-mailed them an "
                "invitation to choose a password.",
            )
            return redirect("partners:member_detail", membership_id=membership.pk)
    return render(request, "partners/admin/member_invite.html", {"form": form})


@login_required
@manage_users_required
@require_http_methods(["GET", "POST"])
def member_detail(request: HttpRequest, membership_id) -> HttpResponse:
    membership = selectors.member_get_for_admin(user=request.user, membership_id=membership_id)
    form = MemberRoleForm(
        request.POST if request.method == "POST" else None,
        initial={"role": membership.role},
        organisation=membership.organisation,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_change_role(
                actor=request.user, membership=membership, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"{membership.user.display_name} is now a {membership.get_role_display()}.",
            )
            return redirect("partners:member_detail", membership_id=membership.pk)
    return render(
        request,
        "partners/admin/member_detail.html",
        {
            "member": membership,
            "form": form,
            "is_self": membership.user_id == request.user.pk,
            "sign_in_with": selectors.member_sign_in_description(membership=membership),
        },
    )


@login_required
@manage_users_required
@require_http_methods(["GET", "POST"])
def member_deactivate(request: HttpRequest, membership_id) -> HttpResponse:
    membership = selectors.member_get_for_admin(user=request.user, membership_id=membership_id)
    form = MemberDeactivateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_deactivate(
                actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"{membership.user.display_name}'s account has been deactivated and they have "
                "been signed out everywhere.",
            )
            return redirect("partners:member_detail", membership_id=membership.pk)
    return render(
        request, "partners/admin/member_deactivate.html", {"member": membership, "form": form}
    )


@login_required
@manage_users_required
@require_POST
def member_reactivate(request: HttpRequest, membership_id) -> HttpResponse:
    membership = selectors.member_get_for_admin(user=request.user, membership_id=membership_id)
    services.member_reactivate(actor=request.user, membership=membership)
    messages.success(request, f"{membership.user.display_name}'s account has been reactivated.")
    return redirect("partners:member_detail", membership_id=membership.pk)


@login_required
@manage_users_required
@require_POST
def member_unlock(request: HttpRequest, membership_id) -> HttpResponse:
    membership = selectors.member_get_for_admin(user=request.user, membership_id=membership_id)
    services.member_unlock(actor=request.user, membership=membership)
    messages.success(request, f"{membership.user.display_name} can now try to sign in again.")
    return redirect("partners:member_detail", membership_id=membership.pk)


@login_required
@manage_users_required
@require_http_methods(["GET", "POST"])
def member_second_factor_reset(request: HttpRequest, membership_id) -> HttpResponse:
    """A member lost their authenticator: clear it, so they set up a new one next time."""
    membership = selectors.member_get_for_admin(user=request.user, membership_id=membership_id)
    if request.method == "POST":
        try:
            two_factor.member_second_factor_reset(actor=request.user, membership=membership)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        messages.success(
            request,
            f"{membership.user.display_name}'s two-factor authentication has been reset. They "
            "have been signed out, and will set up an authenticator app when they next sign in.",
        )
        return redirect("partners:member_detail", membership_id=membership.pk)
    return render(
        request,
        "partners/admin/member_second_factor_reset.html",
        {"member": membership, "form": ConfirmForm()},
    )


@login_required
@manage_users_required
@require_POST
def member_resend_invitation(request: HttpRequest, membership_id) -> HttpResponse:
    membership = selectors.member_get_for_admin(user=request.user, membership_id=membership_id)
    try:
        services.invitation_resend(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"We have sent the invitation to {membership.user.email} again.")
    return redirect(reverse("partners:member_detail", kwargs={"membership_id": membership.pk}))


# API clients ---------------------------------------------------------------------------------


class APIClientForm(govuk.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="The system that will use it, for example Housing CRM",
        error_messages={"required": "Enter a name for the API client"},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        help_text="It can do what a member of your organisation with this role can do",
        error_messages={"required": "Select a role"},
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Membership.roles_for(organisation)


@login_required
@manage_users_required
def api_client_list(request: HttpRequest) -> HttpResponse:
    clients = selectors.api_client_list_for_admin(user=request.user)
    return render(request, "partners/admin/api_client_list.html", {"clients": clients})


@never_cache
@login_required
@manage_users_required
@require_http_methods(["GET", "POST"])
def api_client_create(request: HttpRequest) -> HttpResponse:
    """Create a client and show its token, this once: only its hash is kept."""
    organisation = selectors.organisation_for_user(user=request.user)
    form = APIClientForm(
        request.POST if request.method == "POST" else None,
        organisation=organisation,
        initial={"role": Membership.Role.CASE_OFFICER},
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = services.api_client_create(
                actor=request.user,
                organisation=organisation,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return render(
                request,
                "partners/admin/api_client_created.html",
                {"client": new.client, "token": new.token},
            )
    return render(request, "partners/admin/api_client_create.html", {"form": form})


@login_required
@manage_users_required
@require_http_methods(["GET", "POST"])
def api_client_revoke(request: HttpRequest, client_id) -> HttpResponse:
    client = selectors.api_client_get_for_admin(user=request.user, client_id=client_id)
    if request.method == "POST":
        services.api_client_revoke(actor=request.user, client=client)
        messages.success(request, f"{client.name}'s token has been revoked: it no longer works.")
        return redirect("partners:api_client_list")
    return render(request, "partners/admin/api_client_revoke.html", {"client": client})


# Single sign-on configuration ------------------------------------------------------------------


def _configure_provider(request, organisation, *, template, success_url):
    provider = selectors.identity_provider_of(organisation=organisation)
    form = IdentityProviderForm(
        request.POST if request.method == "POST" else None,
        organisation=organisation,
        has_secret=provider is not None,
        initial=IdentityProviderForm.initial_from(provider) if provider else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            sso.identity_provider_configure(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except sso.ProviderError as exc:
            form.add_error("issuer", str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            messages.success(request, f"{organisation.name}'s single sign-on has been saved.")
            return redirect(success_url)
    return render(
        request,
        template,
        {
            "form": form,
            "organisation": organisation,
            "provider": provider,
            "redirect_uri": settings.SITE_URL + reverse("partners:sso_callback"),
        },
    )


@never_cache
@login_required
@manage_users_required
@require_http_methods(["GET", "POST"])
def identity_provider(request: HttpRequest) -> HttpResponse:
    """The partner admin's own organisation's single sign-on."""
    organisation = selectors.organisation_for_user(user=request.user)
    return _configure_provider(
        request,
        organisation,
        template="partners/admin/identity_provider.html",
        success_url="partners:identity_provider",
    )


@login_required
def partnership_organisations(request: HttpRequest) -> HttpResponse:
    """The partnership's admin: every organisation and whether its staff can sign in with it."""
    if not is_partnership_admin(request.user):
        raise Http404
    return render(
        request,
        "partners/admin/partnership_organisations.html",
        {"organisations": selectors.organisations_for_partnership_admin()},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def partnership_identity_provider(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's admin sets up single sign-on for an organisation that has none yet;
    after that its own partner admin looks after it (404 here)."""
    if not is_partnership_admin(request.user):
        raise Http404
    organisation = selectors.organisation_without_provider_for_partnership_admin(
        user=request.user, slug=slug
    )
    return _configure_provider(
        request,
        organisation,
        template="partners/admin/identity_provider.html",
        success_url="partners:partnership_organisations",
    )


def _partnership_organisation(request: HttpRequest, slug: str):
    if not is_partnership_admin(request.user):
        raise Http404
    organisation = selectors.organisations_for_partnership_admin().filter(slug=slug).first()
    if organisation is None:
        raise Http404
    return organisation


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def partnership_organisation_add(request: HttpRequest) -> HttpResponse:
    """The partnership's admin brings an organisation in and invites its first partner admin."""
    if not is_partnership_admin(request.user):
        raise Http404
    form = OrganisationOnboardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.organisation_onboard(actor=request.user, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"{organisation.name} has been added. We have e-mailed "
                f"{data['admin_email']} an invitation to be its partner admin.",
            )
            return redirect("partners:partnership_organisations")
    return render(request, "partners/admin/partnership_organisation_add.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def partnership_organisation_suspend(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _partnership_organisation(request, slug)
    form = OrganisationSuspendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_suspend(
                actor=request.user, organisation=organisation, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"{organisation.name} is suspended: its users and API clients can no longer "
                "sign in. Its records are kept.",
            )
            return redirect("partners:partnership_organisations")
    return render(
        request,
        "partners/admin/partnership_organisation_suspend.html",
        {"form": form, "organisation": organisation},
    )


@login_required
@require_POST
def partnership_organisation_reinstate(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _partnership_organisation(request, slug)
    services.organisation_reinstate(actor=request.user, organisation=organisation)
    messages.success(request, f"{organisation.name} is active again")
    return redirect("partners:partnership_organisations")


def _add_errors(form, exc: ValidationError) -> None:
    """Show a service's validation error on the form, against its field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
