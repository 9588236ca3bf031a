"""Forms for people: an organisation's own details of a person, consent, searching and merging,
the risk questionnaire and the partnership's definitions (GOV.UK rendering, partners.govuk)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from partners import govuk
from partners.postcodes import is_valid_postcode, normalise_postcode
from victims import matching
from victims.models import PersonDetails, RiskQuestionnaire, VulnerabilityFactor

YES_NO = [("yes", "Yes"), ("no", "No")]


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class PostcodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "govuk-input--width-10"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        if value and not is_valid_postcode(value):
            raise forms.ValidationError("Enter a real postcode, like DL1 5QT")
        return normalise_postcode(value) if value else ""


class PastDateField(govuk.GovUKDateField):
    def __init__(self, *, future_message: str, **kwargs):
        self.future_message = future_message
        super().__init__(**kwargs)

    def clean(self, value):
        day = super().clean(value)
        if day and day > timezone.localdate():
            raise forms.ValidationError(self.future_message)
        return day


class PersonForm(govuk.ModelForm):
    """The organisation's own details of a person (victims.services.person_details_update)."""

    date_of_birth = PastDateField(
        label="Date of birth (optional)",
        required=False,
        help_text="For example, 27 3 1985",
        future_message="The date of birth must be in the past",
    )
    postcode = PostcodeField(label="Postcode (optional)", required=False)
    vulnerability_factors = forms.ModelMultipleChoiceField(
        label="Vulnerability",
        queryset=VulnerabilityFactor.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )
    preferred_contact_method = forms.ChoiceField(
        label="How do they prefer to be contacted?",
        choices=[("", "No preference"), *PersonDetails.ContactMethod.choices],
        required=False,
    )

    class Meta:
        model = PersonDetails
        fields = [
            "given_name",
            "family_name",
            "date_of_birth",
            "address",
            "postcode",
            "uprn",
            "phone",
            "email",
            "preferred_contact_method",
            "preferred_contact_times",
            "safe_to_leave_messages",
            "interpreter_needed",
            "language",
            "large_print",
            "other_access_needs",
            "vulnerability_factors",
        ]
        labels = {
            "given_name": "First name",
            "family_name": "Last name",
            "address": "Home address (optional)",
            "uprn": "UPRN (optional)",
            "phone": "Phone number (optional)",
            "email": "E-mail address (optional)",
            "preferred_contact_times": "Best times to contact them (optional)",
            "safe_to_leave_messages": "It is safe to leave messages",
            "interpreter_needed": "They need an interpreter",
            "language": "Language (optional)",
            "large_print": "They need letters in large print",
            "other_access_needs": "Other access needs (optional)",
        }
        help_texts = {"preferred_contact_times": "For example, weekday mornings, not after 6pm"}
        error_messages = {
            "given_name": _required("Enter their first name"),
            "family_name": _required("Enter their last name"),
            "email": {"invalid": "Enter an e-mail address like name@example.org"},
        }
        widgets = {
            "other_access_needs": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
        }


class ConsentForm(govuk.Form):
    given_on = PastDateField(
        label="When did they give consent?",
        future_message="The date must be in the past",
        error_messages=_required("Enter the date they gave consent"),
    )
    scope = forms.ChoiceField(
        label="What did they agree to?",
        choices=PersonDetails.ConsentScope.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select what they agreed to"),
    )


class ConsentWithdrawForm(govuk.Form):
    withdrawn_on = PastDateField(
        label="When did they withdraw consent?",
        future_message="The date must be in the past",
        error_messages=_required("Enter the date they withdrew consent"),
    )


class PersonSearchForm(govuk.Form):
    """A name and at least one more identifier: searches are for finding someone, not
    browsing the partnership's people."""

    given_name = forms.CharField(
        label="First name", max_length=100, error_messages=_required("Enter a first name")
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages=_required("Enter a last name")
    )
    date_of_birth = PastDateField(
        label="Date of birth",
        required=False,
        future_message="The date of birth must be in the past",
    )
    postcode = PostcodeField(label="Postcode", required=False)
    uprn = forms.CharField(label="UPRN", max_length=12, required=False)

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("date_of_birth", "postcode", "uprn")) and not any(
            self.errors.get(f) for f in ("date_of_birth", "postcode", "uprn")
        ):
            self.add_error(
                "date_of_birth",
                "Enter a date of birth, postcode or UPRN as well as the name",
            )
        return data

    def query(self) -> matching.Query:
        data = self.cleaned_data
        return matching.Query(
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data.get("date_of_birth"),
            postcode=data.get("postcode", ""),
            uprn=data.get("uprn", "").strip(),
        )


class MergeForm(govuk.Form):
    duplicate = forms.ChoiceField(
        label="Which record is the same person?",
        widget=forms.RadioSelect,
        error_messages=_required("Select the record that is the same person"),
    )
    reason = forms.CharField(
        label="How do you know they are the same person?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("Enter how you know they are the same person"),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].choices = [
            (str(c.person.uuid), describe(c.view.own)) for c in candidates
        ]


def describe(details: PersonDetails) -> str:
    """One line about a record the viewer's organisation holds: name, birth date, postcode."""
    born = f"born {details.date_of_birth:%-d %B %Y}" if details.date_of_birth else "age not known"
    return ", ".join(part for part in (details.full_name, born, details.postcode) if part)


class RiskAssessmentForm(govuk.Form):
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, questionnaire: RiskQuestionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questionnaire.questions.all())
        fields = {}
        for question in self.questions:
            fields[f"question_{question.pk}"] = forms.ChoiceField(
                label=f"{question.order}. {question.text}",
                help_text=question.hint,
                choices=YES_NO,
                widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
                error_messages=_required("Answer yes or no"),
            )
        fields["notes"] = self.fields.pop("notes")
        self.fields.update(fields)

    def answers(self) -> dict[int, bool]:
        return {q.pk: self.cleaned_data[f"question_{q.pk}"] == "yes" for q in self.questions}


class StatusDefinitionForm(govuk.Form):
    repeat_incident_count = forms.IntegerField(
        label="A repeat victim has at least this many incidents",
        min_value=2,
        max_value=20,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
    )
    repeat_window_months = forms.IntegerField(
        label="Within this many months",
        min_value=1,
        max_value=36,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
    )
    second_report_window_months = forms.IntegerField(
        label="Flag a second report within this many months",
        min_value=1,
        max_value=24,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
    )
    vulnerable_risk_bands = forms.MultipleChoiceField(
        label="Risk bands that make a victim vulnerable",
        choices=[("medium", "Medium"), ("high", "High")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
