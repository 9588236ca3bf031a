"""Sign-in, invitations, and the partner admin's pages for their own organisation."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from partners import govuk, selectors, services
from partners.forms import (
    ChoosePasswordForm,
    MemberDeactivateForm,
    MemberInviteForm,
    MemberRoleForm,
    SignInForm,
)
from partners.models import Membership

manage_users_required = permission_required(
    "partners.manage_organisation_users", raise_exception=True
)


class SignInView(auth_views.LoginView):
    template_name = "partners/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True


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
        {"member": membership, "form": form, "is_self": membership.user_id == request.user.pk},
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


def _add_errors(form, exc: ValidationError) -> None:
    """Show a service's validation error on the form, against its field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
