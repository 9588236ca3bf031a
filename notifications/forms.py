from django import forms

from notifications.models import Preference
from partners import govuk


class PreferenceForm(govuk.Form):
    email = forms.ChoiceField(
        label="How often do you want notifications by e-mail?",
        choices=Preference.Email.choices,
        widget=forms.RadioSelect,
        help_text="You will always see them on your notifications page. E-mails name the case "
        "by its reference only.",
        error_messages={"required": "Select how often you want notifications by e-mail"},
    )
