from __future__ import annotations

from django import forms

from asb_cases.models import CaseShare, Category, IncidentType
from governance.models import LegalHold
from partners import govuk
from partners.models import AuditEvent, Organisation


class SubjectAccessSearchForm(govuk.Form):
    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter their first name"}
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter their last name"}
    )
    date_of_birth = govuk.GovUKDateField(
        label="Date of birth (optional)",
        required=False,
        help_text="For example, 27 3 1985",
    )


class LegalHoldForm(govuk.Form):
    scope = forms.ChoiceField(
        label="What must be kept",
        choices=LegalHold.Scope.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what must be kept"},
    )
    reference = forms.CharField(
        label="Reference",
        max_length=64,
        help_text="The case reference (ASB-2026-000123), the incident number, or the person's "
        "record id",
        error_messages={"required": "Enter the reference of the record to keep"},
    )
    reason = forms.CharField(
        label="Why it must be kept",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why the records must be kept"},
    )


class TrailFilterForm(govuk.Form):
    verb = forms.ChoiceField(
        label="What they did",
        required=False,
        choices=[("", "Anything")]
        + [
            (value, label)
            for value, label in AuditEvent.Verb.choices
            if value in {"viewed", "searched", "exported", "changed", "created", "shared"}
        ],
    )
    username = forms.CharField(label="Staff member (username)", required=False, max_length=150)
    date_from = govuk.GovUKDateField(label="From", required=False)
    date_to = govuk.GovUKDateField(label="To", required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data


class CaseFindForm(govuk.Form):
    reference = forms.CharField(
        label="Case reference",
        max_length=20,
        help_text="For example, ASB-2026-000123",
        error_messages={"required": "Enter a case reference"},
    )


class SharingRuleForm(govuk.Form):
    """The partnership's admin adds a default sharing rule (governance.sharing)."""

    to_organisation = forms.ModelChoiceField(
        label="Which organisation sees the cases",
        queryset=Organisation.objects.filter(active=True).order_by("name"),
        empty_label="Select an organisation",
        error_messages={"required": "Select the organisation that sees the cases"},
    )
    from_kind = forms.ChoiceField(
        label="Cases led by any organisation of this kind",
        choices=[("", "Select a kind of organisation"), *Organisation.Kind.choices],
        required=False,
        help_text="Or choose one organisation below",
    )
    from_organisation = forms.ModelChoiceField(
        label="Or cases led by this organisation",
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label="Select an organisation",
    )
    hate_only = forms.BooleanField(label="Only cases with a hate incident", required=False)
    category = forms.ChoiceField(
        label="Incident category (optional)",
        choices=[("", "Any category"), *Category.choices],
        required=False,
    )
    incident_type = forms.ModelChoiceField(
        label="Type of incident (optional)",
        queryset=IncidentType.objects.order_by("name"),
        required=False,
        empty_label="Any type",
    )
    access_level = forms.ChoiceField(
        label="What the organisation can do",
        choices=CaseShare.AccessLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the organisation can do"},
    )
    include_people = forms.BooleanField(
        label="Include the records of the people on the case (as each of them agreed)",
        required=False,
    )
