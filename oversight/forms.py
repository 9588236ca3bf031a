from __future__ import annotations

from django import forms

from community_trigger.forms import LookupForm
from partners import govuk

GROUNDS_LABEL = "Why should the decision be reviewed?"


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class PublicPccReviewForm(LookupForm):
    grounds = forms.CharField(
        label=GROUNDS_LABEL,
        help_text="For example, something that was not taken into account",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=_required("Tell us why the decision should be reviewed"),
    )


class OfficerPccReviewForm(govuk.Form):
    grounds = forms.CharField(
        label=GROUNDS_LABEL + " (the victim's words, asked on their behalf)",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=_required("Tell us why the decision should be reviewed"),
    )


class PccReviewDecideForm(govuk.Form):
    upheld = forms.TypedChoiceField(
        label="What is the PCC's office's decision?",
        choices=[
            ("yes", "Upheld: the lead agency must reconsider"),
            ("no", "Not upheld: the decision stands"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages=_required("Select the decision"),
    )
    reasons = forms.CharField(
        label="Reasons (sent to the applicant)",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=_required("Enter the reasons for the decision"),
    )


class YearForm(govuk.Form):
    year = forms.TypedChoiceField(label="Year", coerce=int, required=False)

    def __init__(self, *args, years: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = years


class HousingStockForm(govuk.Form):
    homes = forms.IntegerField(
        label="How many homes do you own or manage this year?",
        min_value=1,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter the number of homes",
            "invalid": "Enter the number of homes as a whole number, like 12500",
            "min_value": "Enter the number of homes, 1 or more",
        },
    )
