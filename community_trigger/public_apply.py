"""The public application as GOV.UK question pages: one thing per page, in order, some shown
only when an earlier answer needs them, then "Check your answers" and a confirmation.

The answers live on an `ApplicationDraft` (server-side, so the applicant can save and come back
by an e-mailed link); each page's form reads its initial values from them and writes back only
what it asks. Every message names the question it is about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone

from asb_cases.models import IncidentType
from community_trigger.forms import YES_NO, PostcodeField, _required
from community_trigger.models import Application, ApplicationStatement
from partners import govuk
from partners.models import LocalAuthority, Organisation

SELF = Application.Relationship.SELF


def _is_self(answers: dict) -> bool:
    return answers.get("relationship") == SELF


def _victim(answers: dict, you: str, them: str) -> str:
    return you if _is_self(answers) else them


# The forms, one per page ---------------------------------------------------------------------


class StepForm(govuk.Form):
    """A question page's form. `answers` are the draft's answers so far (for wording)."""

    def __init__(self, *args, answers: dict, **kwargs):
        self.answers = answers
        super().__init__(*args, **kwargs)

    def to_answers(self) -> dict[str, Any]:
        return {name: _jsonable(value) for name, value in self.cleaned_data.items()}


def _jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value.pk)
    if not isinstance(value, str | dict) and hasattr(value, "__iter__"):
        return [_jsonable(v) for v in value]
    return value


class RelationshipForm(StepForm):
    relationship = forms.ChoiceField(
        label="Are you the victim of the anti-social behaviour?",
        choices=[
            (SELF, "Yes, I am the victim"),
            *[(k, v) for k, v in Application.Relationship.choices if k != SELF],
        ],
        widget=forms.RadioSelect,
        help_text="If you are applying for someone else, select who you are to them",
        error_messages=_required(
            "Select whether you are the victim of the anti-social behaviour, or who you are to them"
        ),
    )


class ConsentForm(StepForm):
    victim_consents = forms.ChoiceField(
        label="Does the victim agree to you applying for them?",
        choices=YES_NO,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        error_messages=_required("Select yes if the victim agrees to you applying for them"),
    )

    def clean_victim_consents(self):
        value = self.cleaned_data["victim_consents"]
        if value != "yes":
            raise forms.ValidationError(
                "You can apply for someone else only if they agree: ask them first, or they "
                "can apply themselves"
            )
        return value


class ApplicantNameForm(StepForm):
    applicant_name = forms.CharField(
        label="What is your full name?",
        max_length=200,
        help_text="Applications cannot be anonymous. We share your name only with the agencies "
        "taking part in the review.",
        error_messages=_required("Enter your full name"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class VictimNameForm(StepForm):
    victim_given_name = forms.CharField(
        label="First name", max_length=100, error_messages=_required("Enter a first name")
    )
    victim_family_name = forms.CharField(
        label="Last name", max_length=100, error_messages=_required("Enter a last name")
    )

    def __init__(self, *args, answers: dict, **kwargs):
        super().__init__(*args, answers=answers, **kwargs)
        who = _victim(answers, "your", "the victim's")
        self.fields["victim_given_name"].error_messages["required"] = f"Enter {who} first name"
        self.fields["victim_family_name"].error_messages["required"] = f"Enter {who} last name"
        if _is_self(answers):
            self.fields["victim_given_name"].widget.attrs["autocomplete"] = "given-name"
            self.fields["victim_family_name"].widget.attrs["autocomplete"] = "family-name"


class DateOfBirthForm(StepForm):
    victim_date_of_birth = govuk.GovUKDateField(
        label="Date of birth (optional)",
        required=False,
        help_text="It helps us find the reports made about the problem. For example, 27 3 1985",
    )

    def clean_victim_date_of_birth(self):
        born = self.cleaned_data.get("victim_date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError("Date of birth must be in the past")
        return born


CONTACT_METHODS = [("email", "E-mail"), ("phone", "Phone"), ("post", "Post")]


class ContactForm(StepForm):
    contact_methods = forms.MultipleChoiceField(
        label="How can we contact you?",
        choices=CONTACT_METHODS,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
        error_messages=_required("Select at least one way we can contact you"),
    )
    applicant_email = forms.EmailField(
        label="E-mail address",
        required=False,
        error_messages={
            "invalid": "Enter an e-mail address in the right format, like name@example.org"
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    applicant_phone = forms.CharField(
        label="Phone number",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    applicant_address = forms.CharField(
        label="Postal address",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )

    def clean(self):
        data = super().clean()
        methods = data.get("contact_methods") or []
        needed = {
            "email": ("applicant_email", "Enter your e-mail address"),
            "phone": ("applicant_phone", "Enter your phone number"),
            "post": ("applicant_address", "Enter your postal address"),
        }
        for method, (field, message) in needed.items():
            if method in methods and not data.get(field) and field not in self.errors:
                self.add_error(field, message)
            if method not in methods:
                data[field] = ""  # an answer hidden by unticking it is not kept
        return data


class ProblemTypeForm(StepForm):
    problem_type = forms.ModelChoiceField(
        label="What kind of anti-social behaviour is it?",
        queryset=IncidentType.objects.filter(active=True),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages=_required("Select what kind of anti-social behaviour it is"),
    )


class WhereForm(StepForm):
    problem_address = forms.CharField(
        label="Address or description of the place (optional)",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    problem_postcode = PostcodeField(
        label="Postcode",
        help_text="If it happens in a street or park, the postcode of your home",
        error_messages=_required("Enter the postcode of where the anti-social behaviour happens"),
    )


class AreaForm(StepForm):
    local_authority = forms.ModelChoiceField(
        label="Which council area is it in?",
        queryset=LocalAuthority.objects.all(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages=_required("Select the council area where the behaviour is happening"),
    )


class HateForm(StepForm):
    hate_motivated = forms.ChoiceField(
        label="",
        choices=YES_NO,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        help_text="For example because of race, religion, disability, sexual orientation or "
        "gender identity",
    )

    def __init__(self, *args, answers: dict, **kwargs):
        super().__init__(*args, answers=answers, **kwargs)
        who = _victim(answers, "you are", "they are")
        question = f"Do you think it happens because of who {who}?"
        self.fields["hate_motivated"].label = question
        self.fields["hate_motivated"].error_messages["required"] = (
            f"Select yes if you think it happens because of who {who}"
        )


class DescriptionForm(StepForm):
    description = forms.CharField(
        label="Tell us about the anti-social behaviour",
        help_text="What happens, how often, since when, and what has been done about it",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages=_required("Enter what the anti-social behaviour is"),
    )


class AgenciesForm(StepForm):
    agencies_told = forms.ModelMultipleChoiceField(
        label="Who have you reported it to? (optional)",
        queryset=Organisation.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )


class ImpactForm(StepForm):
    # A checkbox, not yes/no radios: its reveal is announced properly (a radio may not carry
    # aria-expanded, which the reveal sets).
    tell_impact = forms.MultipleChoiceField(
        label="Do you want to tell us how it is affecting you?",
        choices=[("yes", "Yes, I want to tell you how it is affecting me")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="It becomes your impact statement for the review meeting, in your words. "
        "You can leave this out, or add it later.",
    )
    impact_statement = forms.CharField(
        label="How is it affecting you?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    reading = forms.ChoiceField(
        label="At the review meeting",
        required=False,
        choices=ApplicationStatement.Reading.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("tell_impact") in ("yes", "no"):
            self.initial["tell_impact"] = [self.initial["tell_impact"]]

    def clean(self):
        data = super().clean()
        data["tell_impact"] = "yes" if "yes" in (data.get("tell_impact") or []) else "no"
        if data["tell_impact"] == "yes":
            if not (data.get("impact_statement") or "").strip():
                self.add_error("impact_statement", "Enter how it is affecting you")
            if not data.get("reading"):
                self.add_error("reading", "Select how you would like your statement used")
        else:
            data["impact_statement"] = ""
            data["reading"] = ""
        return data


class SubmitForm(govuk.Form):
    # Left empty by people; filled by robots that fill every field.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


# The pages, in order -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    slug: str
    title: str  # the page's heading, and the question on "Check your answers"
    form: type[StepForm]
    fields: tuple[str, ...]  # the answers the page asks for
    applies: Any = None  # answers -> bool; None: always
    template: str = "community_trigger/public/apply/question.html"

    def heading(self, answers: dict) -> str:
        return self.title.format(
            victim=_victim(answers, "your", "the victim's"),
            victims=_victim(answers, "you", "them"),
        )

    def applies_to(self, answers: dict) -> bool:
        return self.applies is None or bool(self.applies(answers))


def area_unknown(answers: dict) -> bool:
    from community_trigger.services import area_for_postcode

    postcode = answers.get("problem_postcode")
    return bool(postcode) and area_for_postcode(postcode) is None


STEPS = [
    Step(
        "victim",
        "Are you the victim of the anti-social behaviour?",
        RelationshipForm,
        ("relationship",),
    ),
    Step(
        "consent",
        "Does the victim agree to you applying for them?",
        ConsentForm,
        ("victim_consents",),
        applies=lambda a: a.get("relationship") not in (None, SELF),
    ),
    Step(
        "your-name",
        "What is your full name?",
        ApplicantNameForm,
        ("applicant_name",),
        applies=lambda a: a.get("relationship") not in (None, SELF),
    ),
    Step(
        "name",
        "What is {victim} name?",
        VictimNameForm,
        ("victim_given_name", "victim_family_name"),
    ),
    Step(
        "date-of-birth",
        "What is {victim} date of birth?",
        DateOfBirthForm,
        ("victim_date_of_birth",),
    ),
    Step(
        "contact",
        "How can we contact you?",
        ContactForm,
        ("contact_methods", "applicant_email", "applicant_phone", "applicant_address"),
        template="community_trigger/public/apply/contact.html",
    ),
    Step(
        "behaviour", "What kind of anti-social behaviour is it?", ProblemTypeForm, ("problem_type",)
    ),
    Step("where", "Where is it happening?", WhereForm, ("problem_address", "problem_postcode")),
    Step(
        "area", "Which council area is it in?", AreaForm, ("local_authority",), applies=area_unknown
    ),
    Step("hate", "Is it because of who {victims} are?", HateForm, ("hate_motivated",)),
    Step("details", "Tell us about the anti-social behaviour", DescriptionForm, ("description",)),
    Step("reported-to", "Who have you reported it to?", AgenciesForm, ("agencies_told",)),
    Step(
        "impact",
        "Do you want to tell us how it is affecting you?",
        ImpactForm,
        ("tell_impact", "impact_statement", "reading"),
        template="community_trigger/public/apply/impact.html",
    ),
]
BY_SLUG = {step.slug: step for step in STEPS}
# Where each field the service checks is asked (its errors link back to that page).
STEP_OF_FIELD = {field: step.slug for step in STEPS for field in step.fields}
STEP_OF_FIELD["victim_date_of_birth"] = "date-of-birth"


def settle(answers: dict) -> dict:
    """Answers that follow from others: a victim applying for themselves is the applicant."""
    if _is_self(answers):
        answers.pop("victim_consents", None)
        given, family = answers.get("victim_given_name"), answers.get("victim_family_name")
        if given and family:
            answers["applicant_name"] = f"{given} {family}"
        else:
            answers.pop("applicant_name", None)
    return answers


def applicable(answers: dict) -> list[Step]:
    return [step for step in STEPS if step.applies_to(answers)]


def answered(step: Step, answers: dict) -> bool:
    return all(field in answers for field in step.fields)


def next_step(answers: dict, after: str | None = None) -> Step | None:
    """The first applicable page not yet answered (after `after`, if given)."""
    steps = applicable(answers)
    if after is not None:
        names = [s.slug for s in steps]
        if after in names:
            following = steps[names.index(after) + 1 :]
            return next((s for s in following if not answered(s, answers)), None)
    return next((s for s in steps if not answered(s, answers)), None)


def previous_step(answers: dict, slug: str) -> Step | None:
    steps = applicable(answers)
    names = [s.slug for s in steps]
    if slug not in names or names.index(slug) == 0:
        return None
    return steps[names.index(slug) - 1]


def bound_form(step: Step, answers: dict, data=None) -> StepForm:
    initial = {field: answers.get(field) for field in step.fields if field in answers}
    if initial.get("victim_date_of_birth"):
        initial["victim_date_of_birth"] = dt.date.fromisoformat(initial["victim_date_of_birth"])
    return step.form(data, answers=answers, initial=initial)


def check_answers(answers: dict) -> list[str]:
    """The pages whose stored answers are missing or no longer valid, in order."""
    problems = []
    for step in applicable(answers):
        if not answered(step, answers):
            problems.append(step.slug)
            continue
        form = step.form(_as_post(step, answers), answers=answers)
        if not form.is_valid():
            problems.append(step.slug)
    return problems


def _as_post(step: Step, answers: dict) -> dict:
    """The stored answers as the page would post them (to check them again)."""
    from django.utils.datastructures import MultiValueDict

    data = MultiValueDict()
    for field in step.fields:
        value = answers.get(field)
        if field == "victim_date_of_birth":
            if value:
                day = dt.date.fromisoformat(value)
                data[f"{field}-day"] = str(day.day)
                data[f"{field}-month"] = str(day.month)
                data[f"{field}-year"] = str(day.year)
            continue
        if field == "tell_impact":
            data.setlist(field, ["yes"] if value == "yes" else [])
        elif isinstance(value, list):
            data.setlist(field, [str(v) for v in value])
        elif value is not None:
            data[field] = str(value)
    return data


@dataclass
class SummaryRow:
    question: str
    answer: str
    slug: str


def summary(answers: dict) -> list[SummaryRow]:
    """ "Check your answers": each page's question and the answer given, in page order."""
    types = dict(IncidentType.objects.values_list("pk", "name"))
    organisations = dict(Organisation.objects.values_list("pk", "name"))
    areas = dict(LocalAuthority.objects.values_list("pk", "name"))
    relationships = dict(Application.Relationship.choices)
    methods = dict(CONTACT_METHODS)
    readings = dict(ApplicationStatement.Reading.choices)
    rows = []
    for step in applicable(answers):
        a = answers
        match step.slug:
            case "victim":
                text = "Yes" if _is_self(a) else relationships.get(a.get("relationship"), "")
            case "consent":
                text = "Yes" if a.get("victim_consents") == "yes" else "No"
            case "your-name":
                text = a.get("applicant_name", "")
            case "name":
                text = f"{a.get('victim_given_name', '')} {a.get('victim_family_name', '')}"
            case "date-of-birth":
                born = a.get("victim_date_of_birth")
                text = f"{dt.date.fromisoformat(born):%-d %B %Y}" if born else "Not given"
            case "contact":
                parts = []
                for method in a.get("contact_methods") or []:
                    value = {
                        "email": a.get("applicant_email"),
                        "phone": a.get("applicant_phone"),
                        "post": a.get("applicant_address"),
                    }[method]
                    parts.append(f"{methods[method]}: {value}")
                text = "\n".join(parts)
            case "behaviour":
                text = types.get(_int(a.get("problem_type")), "")
            case "where":
                text = " ".join(filter(None, [a.get("problem_address"), a.get("problem_postcode")]))
            case "area":
                text = areas.get(_int(a.get("local_authority")), "")
            case "hate":
                text = "Yes" if a.get("hate_motivated") == "yes" else "No"
            case "details":
                text = a.get("description", "")
            case "reported-to":
                told = [organisations.get(_int(pk), "") for pk in a.get("agencies_told") or []]
                text = ", ".join(told) or "No one, or not sure"
            case "impact":
                text = (
                    f"{a.get('impact_statement', '')}\n{readings.get(a.get('reading'), '')}"
                    if a.get("tell_impact") == "yes"
                    else "No"
                )
            case _:
                text = ""
        if answered(step, answers):
            rows.append(SummaryRow(step.heading(answers), text, step.slug))
    return rows


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def submission(answers: dict) -> dict[str, Any]:
    """The answers as `services.application_submit` takes them."""
    problem_type = IncidentType.objects.filter(pk=_int(answers.get("problem_type"))).first()
    area = LocalAuthority.objects.filter(pk=_int(answers.get("local_authority"))).first()
    born = answers.get("victim_date_of_birth")
    return {
        "applicant_name": answers.get("applicant_name", ""),
        "applicant_email": answers.get("applicant_email", "") or "",
        "applicant_phone": answers.get("applicant_phone", "") or "",
        "applicant_address": answers.get("applicant_address", "") or "",
        "relationship": answers.get("relationship", ""),
        "victim_consents": answers.get("victim_consents") == "yes",
        "victim_given_name": answers.get("victim_given_name", ""),
        "victim_family_name": answers.get("victim_family_name", ""),
        "victim_date_of_birth": dt.date.fromisoformat(born) if born else None,
        "problem_type": problem_type,
        "problem_address": answers.get("problem_address", "") or "",
        "problem_postcode": answers.get("problem_postcode", ""),
        "local_authority": area,
        "description": answers.get("description", ""),
        "hate_motivated": answers.get("hate_motivated") == "yes",
        "agencies_told": list(
            Organisation.objects.filter(
                pk__in=[_int(pk) for pk in answers.get("agencies_told") or []]
            )
        ),
        "impact_statement": answers.get("impact_statement", "") or "",
        "reading": answers.get("reading", "") or "",
    }
