from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm

from partners import govuk
from partners.models import LocalAuthority, Membership, Organisation, User


class SignInForm(govuk.Form, AuthenticationForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
        help_text="Usually your work e-mail address",
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been deactivated. Ask your organisation's partner admin.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        membership = getattr(user, "membership", None)
        provider = (
            getattr(membership.organisation, "identity_provider", None) if membership else None
        )
        if provider is not None and provider.enabled and provider.require_sso:
            raise forms.ValidationError(
                f"{membership.organisation.name} staff sign in with their organisation's account: "
                f"use ‘Sign in with {membership.organisation.name}’",
                code="sso_required",
            )


class ChoosePasswordForm(govuk.Form, SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Choose a password"
        self.fields[
            "new_password1"
        ].help_text = "At least 12 characters. A few unrelated words make a strong password."
        self.fields["new_password1"].widget.attrs["autocomplete"] = "new-password"
        self.fields["new_password2"].label = "Type the password again"
        self.fields["new_password2"].help_text = ""
        self.fields["new_password1"].error_messages["required"] = "Enter a password"
        self.fields["new_password2"].error_messages["required"] = "Type the password again"


class MemberInviteForm(govuk.Form):
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter a first name"}
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": "Enter a last name"}
    )
    email = forms.EmailField(
        label="Work e-mail address",
        help_text="They will sign in with this address and we will send the invitation to it",
        error_messages={
            "required": "Enter a work e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    job_title = forms.CharField(label="Job title (optional)", max_length=120, required=False)
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a role"},
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Membership.roles_for(organisation)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(username__iexact=email).exists():
            raise forms.ValidationError("Somebody already has an account with this address")
        return email


class MemberRoleForm(govuk.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a role"},
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Membership.roles_for(organisation)


class MemberDeactivateForm(govuk.Form):
    reason = forms.CharField(
        label="Why are you deactivating this account? (optional)",
        help_text="For example, they have left the organisation",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SecondFactorForm(govuk.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery "
        "codes",
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )


class AuthenticatorSetUpForm(govuk.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        help_text="After adding the account, your app shows a 6-digit code that changes every "
        "30 seconds",
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input--width-10",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError("Enter the 6-digit code, like 123456")
        return code


class ConfirmForm(govuk.Form):
    """A page that asks the person to confirm an action with one button."""


class IdentityProviderForm(govuk.Form):
    """An organisation's OpenID Connect provider, as its partner admin enters it."""

    issuer = forms.URLField(
        label="Issuer",
        max_length=300,
        assume_scheme="https",
        help_text="The provider's issuer address, for Microsoft Entra ID like "
        "https://login.microsoftonline.com/<tenant id>/v2.0",
        error_messages={
            "required": "Enter the issuer address",
            "invalid": "Enter the issuer as a web address, like https://login.example.org",
        },
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )
    client_id = forms.CharField(
        label="Client ID",
        max_length=200,
        help_text="The application (client) ID the provider gave this service",
        error_messages={"required": "Enter the client ID"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    client_secret = forms.CharField(
        label="Client secret",
        max_length=500,
        required=False,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    allowed_domains = forms.CharField(
        label="Allowed e-mail domains",
        max_length=2000,
        help_text="One per line, for example durham.police.uk. Only people with an address in "
        "these domains can sign in",
        error_messages={"required": "Enter at least one e-mail domain"},
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    groups_claim = forms.CharField(
        label="Groups claim",
        max_length=60,
        initial="groups",
        help_text="The claim in which the provider lists the person's groups",
        error_messages={"required": "Enter the name of the groups claim, usually groups"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "class": "govuk-input--width-20"}),
    )
    scopes = forms.CharField(
        label="Scopes",
        max_length=200,
        initial="openid email profile",
        help_text="What to ask the provider for. Add groups if your provider sends groups only "
        "when asked (Okta)",
        error_messages={"required": "Enter the scopes, usually openid email profile"},
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    role_mappings = forms.CharField(
        label="Groups and roles (optional)",
        max_length=4000,
        required=False,
        help_text="One per line: the group, an equals sign, and the role, for example "
        "asb-officers = case officer. The first line that matches one of the person's groups "
        "gives their role. When you list any, people in none of these groups cannot sign in",
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
    )
    create_members = forms.BooleanField(
        label="Give an account to anyone from these domains in one of these groups",
        required=False,
        help_text="Otherwise only people you have added can sign in",
    )
    require_sso = forms.BooleanField(
        label="Staff must sign in with the organisation's account, not a password",
        required=False,
    )
    enabled = forms.BooleanField(label="Single sign-on is on", required=False, initial=True)

    def __init__(self, *args, organisation, has_secret: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.has_secret = has_secret
        self.fields["client_secret"].help_text = (
            "Leave blank to keep the secret already saved. Enter a new one when it expires"
            if has_secret
            else "The secret the provider gave this service"
        )

    def clean_client_secret(self) -> str:
        secret = self.cleaned_data["client_secret"]
        if not secret and not self.has_secret:
            raise forms.ValidationError("Enter the client secret")
        return secret

    def clean_allowed_domains(self) -> list[str]:
        domains = [
            item.strip().lower().lstrip("@")
            for item in self.cleaned_data["allowed_domains"].replace(",", "\n").splitlines()
            if item.strip()
        ]
        if not domains:
            raise forms.ValidationError("Enter at least one e-mail domain")
        for domain in domains:
            labels = domain.split(".")
            if len(labels) < 2 or not all(
                label and label.replace("-", "").isalnum() for label in labels
            ):
                raise forms.ValidationError(
                    f"{domain} is not an e-mail domain: enter it like durham.police.uk"
                )
        return domains

    def clean_role_mappings(self) -> list[dict[str, str]]:
        roles = {}
        for value, label in Membership.roles_for(self.organisation):
            roles[value] = value
            roles[label.lower()] = value
        mappings = []
        for number, line in enumerate(self.cleaned_data["role_mappings"].splitlines(), start=1):
            if not line.strip():
                continue
            group, equals, role = line.partition("=")
            role_value = roles.get(role.strip().lower().replace("_", " ")) or roles.get(
                role.strip().lower()
            )
            if not equals or not group.strip():
                raise forms.ValidationError(
                    f"Line {number}: write the group, an equals sign and the role, like "
                    "asb-officers = case officer"
                )
            if role_value is None:
                choices = ", ".join(
                    label.lower() for _, label in Membership.roles_for(self.organisation)
                )
                raise forms.ValidationError(f"Line {number}: the role must be one of {choices}")
            mappings.append({"group": group.strip(), "role": role_value})
        return mappings

    @staticmethod
    def initial_from(provider) -> dict:
        labels = dict(Membership.Role.choices)
        return {
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "allowed_domains": "\n".join(provider.allowed_domains),
            "groups_claim": provider.groups_claim,
            "scopes": provider.scopes,
            "role_mappings": "\n".join(
                f"{m['group']} = {labels.get(m['role'], m['role']).lower()}"
                for m in provider.role_mappings
            ),
            "create_members": provider.create_members,
            "require_sso": provider.require_sso,
            "enabled": provider.enabled,
        }


class OrganisationOnboardForm(govuk.Form):
    """The partnership's admin brings an organisation in (services.organisation_onboard)."""

    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the organisation's name"}
    )
    slug = forms.SlugField(
        label="Short name",
        max_length=60,
        help_text="Lower-case letters, numbers and hyphens, used in usernames: for example "
        "teesside-homes",
        error_messages={
            "required": "Enter a short name",
            "invalid": "The short name must contain only lower-case letters, numbers and hyphens",
        },
    )
    kind = forms.ChoiceField(
        label="Kind of organisation",
        choices=Organisation.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of organisation"},
    )
    areas = forms.ModelMultipleChoiceField(
        label="Areas served",
        queryset=LocalAuthority.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the areas the organisation serves"},
    )
    lawful_basis = forms.ChoiceField(
        label="Lawful basis for sharing",
        choices=Organisation.LawfulBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the lawful basis for sharing"},
    )
    isa_reference = forms.CharField(
        label="Information sharing agreement reference",
        max_length=100,
        error_messages={"required": "Enter the information sharing agreement reference"},
    )
    isa_starts_on = govuk.GovUKDateField(
        label="Agreement starts",
        help_text="For example, 1 12 2026",
        error_messages={"required": "Enter the date the agreement starts"},
    )
    isa_ends_on = govuk.GovUKDateField(label="Agreement ends (optional)", required=False)
    contact_email = forms.EmailField(
        label="ASB team e-mail address (optional)",
        required=False,
        error_messages={"invalid": "Enter an e-mail address in the correct format"},
    )
    admin_first_name = forms.CharField(
        label="First partner admin: first name",
        max_length=150,
        error_messages={"required": "Enter the partner admin's first name"},
    )
    admin_last_name = forms.CharField(
        label="First partner admin: last name",
        max_length=150,
        error_messages={"required": "Enter the partner admin's last name"},
    )
    admin_email = forms.EmailField(
        label="First partner admin: work e-mail address",
        help_text="We will e-mail them an invitation to choose a password",
        error_messages={
            "required": "Enter the partner admin's work e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.org",
        },
    )


class OrganisationSuspendForm(govuk.Form):
    reason = forms.CharField(
        label="Why is the organisation being suspended?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": "Enter why the organisation is being suspended"},
    )
