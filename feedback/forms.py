from __future__ import annotations

from django import forms

from feedback.models import SurveyResponse
from partners import govuk


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class SurveyForm(govuk.Form):
    satisfaction = forms.ChoiceField(
        label="How satisfied are you with how your report of anti-social behaviour was handled?",
        choices=SurveyResponse.Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select how satisfied you are with how your report was handled"),
    )
    listened_to = forms.ChoiceField(
        label="Did you feel listened to?",
        choices=SurveyResponse.Answer.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select whether you felt listened to"),
    )
    would_report_again = forms.ChoiceField(
        label="Would you report anti-social behaviour again?",
        choices=SurveyResponse.Again.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select whether you would report anti-social behaviour again"),
    )
    comments = forms.CharField(
        label="Is there anything else you would like to tell us? (optional)",
        help_text="Only the organisation that dealt with your report will read this. "
        "Do not include other people's personal details.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class PeriodForm(govuk.Form):
    year = forms.TypedChoiceField(label="Year", coerce=int, required=False)

    def __init__(self, *args, years: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = years
