from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from documents.models import Document, LetterKind
from documents.uploads import ALLOWED_DESCRIPTION, check_upload, max_bytes, size_label
from partners import govuk


class DocumentUploadForm(govuk.Form):
    file = forms.FileField(
        label="File",
        help_text="",
        error_messages={
            "required": "Select a file",
            "empty": "The selected file is empty",
            "invalid": "The selected file could not be read: choose it again",
            "missing": "Select a file",
        },
        widget=forms.FileInput,
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="For example, ‘Noise diary, March’ or ‘Photo of damage to the door’",
        error_messages={
            "required": "Enter a title for the file",
            "max_length": "The title must be 200 characters or fewer",
        },
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    visibility = forms.ChoiceField(
        label="Who can see this file?",
        choices=Document.Visibility.choices,
        widget=forms.RadioSelect,
        initial=Document.Visibility.ALL_AGENCIES,
        help_text="Keep soft intelligence to your own organisation",
        error_messages={"required": "Select who can see the file"},
    )

    def __init__(self, *args, names_sent: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.names_sent = names_sent or {}
        self.fields[
            "file"
        ].help_text = (
            f"Upload {ALLOWED_DESCRIPTION}. It must be smaller than {size_label(max_bytes())}."
        )

    def clean_file(self):
        try:
            return check_upload(
                self.cleaned_data.get("file"), name_sent=self.names_sent.get("file")
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["file"]) from exc


class LetterForm(govuk.Form):
    """The fields every letter may use; which of them a kind asks for is
    documents.letters.FIELDS_FOR (the others are removed in __init__)."""

    recipient = forms.ChoiceField(label="Who is the letter to?", widget=forms.RadioSelect)
    conduct = forms.CharField(
        label="The behaviour complained of",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Describe the conduct, when and where it happened",
        error_messages={"required": "Describe the behaviour complained of"},
    )
    requirements = forms.CharField(
        label="What they must do or stop doing",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Each requirement on its own line",
        error_messages={"required": "Enter what they must do or stop doing"},
    )
    comply_by = govuk.GovUKDateField(
        label="By when must they comply?",
        help_text="For example, 27 3 2027",
        error_messages={"required": "Enter the date by which they must comply"},
    )
    premises = forms.CharField(
        label="Premises",
        help_text="The address of the premises the notice closes",
        error_messages={"required": "Enter the address of the premises"},
    )
    hearing = forms.CharField(
        label="Magistrates’ court hearing",
        help_text="The court, date and time the application will be heard",
        error_messages={"required": "Enter the court, date and time of the hearing"},
    )
    visibility = forms.ChoiceField(
        label="Who can see the letter on the case?",
        choices=Document.Visibility.choices,
        widget=forms.RadioSelect,
        initial=Document.Visibility.ALL_AGENCIES,
        error_messages={"required": "Select who can see the letter"},
    )

    def __init__(self, *args, kind: str, fields: tuple[str, ...], recipients, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields and name != "visibility":
                del self.fields[name]
        if "recipient" in self.fields:
            self.fields["recipient"].choices = recipients
            self.fields["recipient"].error_messages.update(
                required="Select who the letter is to", invalid_choice="Select who the letter is to"
            )
            self.fields[
                "recipient"
            ].help_text = "Only people whose details your organisation may see are offered"
        self.kind = LetterKind(kind)


class LetterKindForm(govuk.Form):
    kind = forms.ChoiceField(
        label="Which letter?",
        choices=LetterKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select which letter to write"},
    )


class LetterTemplateForm(govuk.Form):
    subject = forms.CharField(
        label="Heading",
        max_length=200,
        error_messages={"required": "Enter the letter's heading"},
    )
    body = forms.CharField(
        label="Wording",
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text=(
            "Separate paragraphs with a blank line. Placeholders in double braces are filled in "
            "when a letter is written."
        ),
        error_messages={"required": "Enter the wording of the letter"},
    )
