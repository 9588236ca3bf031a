"""Forms for recording incidents and working on cases (GOV.UK rendering, see partners.govuk)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from asb_cases import services
from asb_cases.models import (
    ActionType,
    CaseAction,
    CaseNote,
    CaseShare,
    CaseStatus,
    Category,
    Channel,
    ClosureNoticeHow,
    ClosureReason,
    ContactLog,
    ImpactStatement,
    IncidentType,
    PersonRole,
    ProtectedCharacteristic,
    RiskBand,
    SupportReferral,
)
from partners import govuk
from partners.models import LocalAuthority, Organisation, User
from partners.postcodes import is_valid_postcode, normalise_postcode

YES_NO = [("yes", "Yes"), ("no", "No")]


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        organisation = getattr(getattr(user, "membership", None), "organisation", None)
        name = user.display_name
        return f"{name} ({organisation})" if self.show_organisation and organisation else name

    def __init__(self, *args, show_organisation: bool = False, **kwargs):
        self.show_organisation = show_organisation
        super().__init__(*args, **kwargs)


class LocationFormMixin(forms.Form):
    """Address fields shared by incidents, cases and case locations. The map reference (UPRN,
    latitude, longitude) is kept in a details component: few officers have it to hand."""

    tucked = (
        "Map reference: UPRN, latitude and longitude (optional)",
        ["uprn", "latitude", "longitude"],
    )

    address = forms.CharField(
        label="Address or description of the place", max_length=300, required=False
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
    )
    uprn = forms.CharField(
        label="UPRN (optional)",
        max_length=12,
        required=False,
        help_text="The Unique Property Reference Number, if you know it",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
    )
    latitude = forms.DecimalField(
        label="Latitude (optional)",
        max_digits=9,
        decimal_places=6,
        required=False,
        min_value=Decimal("-90"),
        max_value=Decimal("90"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
        error_messages={"invalid": "Enter the latitude as a number, like 54.5253"},
    )
    longitude = forms.DecimalField(
        label="Longitude (optional)",
        max_digits=9,
        decimal_places=6,
        required=False,
        min_value=Decimal("-180"),
        max_value=Decimal("180"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
        error_messages={"invalid": "Enter the longitude as a number, like -1.5531"},
    )
    local_authority = forms.ModelChoiceField(
        label="Local authority area",
        queryset=LocalAuthority.objects.all(),
        required=False,
        empty_label="Work it out from the location",
        help_text="Needed only if we cannot work it out from the coordinates or postcode",
    )

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data.get("postcode", "").strip()
        if postcode and not is_valid_postcode(postcode):
            raise ValidationError("Enter a real postcode, like DL1 5QT")
        return normalise_postcode(postcode) if postcode else ""

    def location_input(self) -> services.LocationInput:
        data = self.cleaned_data
        return services.LocationInput(
            address=data.get("address", ""),
            postcode=data.get("postcode", ""),
            uprn=data.get("uprn", ""),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            local_authority=data.get("local_authority"),
        )


class PersonFieldsMixin:
    """Details of a person typed into a form under a prefix (reporter_, victim_, person_)."""

    @staticmethod
    def person_fields(prefix: str, who: str) -> dict[str, forms.Field]:
        return {
            f"{prefix}given_name": forms.CharField(
                label=f"{who}: first name", max_length=100, required=False
            ),
            f"{prefix}family_name": forms.CharField(
                label=f"{who}: last name", max_length=100, required=False
            ),
            f"{prefix}date_of_birth": govuk.GovUKDateField(
                label=f"{who}: date of birth (optional)",
                required=False,
                help_text="For example, 27 3 1985",
            ),
            f"{prefix}phone": forms.CharField(
                label=f"{who}: phone number (optional)",
                max_length=40,
                required=False,
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            ),
            f"{prefix}postcode": forms.CharField(
                label=f"{who}: home postcode (optional)",
                max_length=10,
                required=False,
                widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
            ),
        }

    def person_data(self, prefix: str) -> dict | None:
        data = self.cleaned_data
        if not (data.get(f"{prefix}given_name") or data.get(f"{prefix}family_name")):
            return None
        postcode = data.get(f"{prefix}postcode") or ""
        return {
            "given_name": data.get(f"{prefix}given_name", ""),
            "family_name": data.get(f"{prefix}family_name", ""),
            "date_of_birth": data.get(f"{prefix}date_of_birth"),
            "phone": data.get(f"{prefix}phone", ""),
            "postcode": normalise_postcode(postcode) if postcode else "",
        }

    def clean_person(self, prefix: str, who: str, required: bool) -> None:
        data = self.cleaned_data
        given, family = data.get(f"{prefix}given_name"), data.get(f"{prefix}family_name")
        if required or given or family:
            if not given:
                self.add_error(f"{prefix}given_name", f"Enter the {who.lower()}'s first name")
            if not family:
                self.add_error(f"{prefix}family_name", f"Enter the {who.lower()}'s last name")
        born = data.get(f"{prefix}date_of_birth")
        if born and born > timezone.localdate():
            self.add_error(f"{prefix}date_of_birth", "The date of birth must be in the past")
        postcode = data.get(f"{prefix}postcode")
        if postcode and not is_valid_postcode(postcode):
            self.add_error(f"{prefix}postcode", "Enter a real postcode, like DL1 5QT")


class DuplicateChoiceMixin(forms.Form):
    """The officer's answer to 'possible duplicates', carried through a second submit."""

    duplicates_reviewed = forms.CharField(widget=forms.HiddenInput, required=False)
    duplicate_choice = forms.CharField(required=False, widget=forms.HiddenInput)


class IncidentForm(PersonFieldsMixin, DuplicateChoiceMixin, LocationFormMixin, govuk.Form):
    reveals = {
        "hate_motivated": {"yes": ["protected_characteristic"]},
        "victim_is": {
            "other": [
                f"victim_{name}"
                for name in ("given_name", "family_name", "date_of_birth", "phone", "postcode")
            ]
        },
    }
    occurred_at = govuk.GovUKDateTimeField(
        label="When did it happen?",
        help_text="For example, 14 11 2026 21 30. Use the 24-hour clock.",
        error_messages=_required("Enter when it happened"),
    )
    reported_at = govuk.GovUKDateTimeField(
        label="When was it reported to you?",
        error_messages=_required("Enter when it was reported"),
    )
    channel = forms.ChoiceField(
        label="How was it reported?",
        choices=[("", "Select how"), *Channel.choices],
        error_messages=_required("Select how it was reported"),
    )
    category = forms.ChoiceField(
        label="Which kind of ASB is it?",
        choices=Category.choices,
        widget=forms.RadioSelect,
        help_text="Personal: aimed at a person or group. Nuisance: the community at large. "
        "Environmental: public spaces and the wider environment.",
        error_messages=_required("Select which kind of ASB it is"),
    )
    incident_type = forms.ModelChoiceField(
        label="Type of incident",
        queryset=IncidentType.objects.filter(active=True),
        empty_label="Select a type",
        error_messages=_required("Select the type of incident"),
    )
    hate_motivated = forms.ChoiceField(
        label="Was it motivated by hostility or prejudice (a hate incident)?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages=_required("Select yes if it was a hate incident"),
    )
    protected_characteristic = forms.ChoiceField(
        label="What was the hostility about?",
        choices=[("", "Select a characteristic"), *ProtectedCharacteristic.choices],
        required=False,
    )
    description = forms.CharField(
        label="What happened?",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="In the reporter's words where you can",
        error_messages=_required("Enter what happened"),
    )
    anonymous = forms.BooleanField(label="The reporter wants to stay anonymous", required=False)
    victim_is = forms.ChoiceField(
        label="Who is the victim?",
        choices=[
            ("reporter", "The person reporting it"),
            ("other", "Someone else"),
            ("none", "No individual victim (it affects the community or place)"),
        ],
        widget=forms.RadioSelect,
        error_messages=_required("Select who the victim is"),
    )
    external_ref = forms.CharField(
        label="Your organisation's reference (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(self.person_fields("reporter_", "Reporter"))
        self.fields.update(self.person_fields("victim_", "Victim"))
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("reported_at", now)

    def clean(self):
        data = super().clean()
        anonymous = data.get("anonymous")
        self.clean_person("reporter_", "Reporter", required=not anonymous)
        victim_is = data.get("victim_is")
        if victim_is == "reporter" and anonymous:
            self.add_error(
                "victim_is",
                "An anonymous reporter cannot be recorded as the victim: choose someone else or "
                "no individual victim",
            )
        self.clean_person("victim_", "Victim", required=victim_is == "other")
        if data.get("hate_motivated") == "yes" and not data.get("protected_characteristic"):
            self.add_error(
                "protected_characteristic", "Select what the hostility or prejudice was about"
            )
        occurred, reported = data.get("occurred_at"), data.get("reported_at")
        now = timezone.now() + services.CLOCK_SKEW
        if occurred and occurred > now:
            self.add_error("occurred_at", "The date and time it happened must be in the past")
        if reported and reported > now:
            self.add_error("reported_at", "The date and time it was reported must be in the past")
        if occurred and reported and reported < occurred and occurred <= now:
            self.add_error("reported_at", "It cannot have been reported before it happened")
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("latitude", "Enter both a latitude and a longitude, or neither")
        if not (data.get("address") or data.get("postcode") or data.get("latitude") is not None):
            self.add_error("address", "Enter where it happened: an address, a postcode or both")
        return data

    def people_for_duplicates(self) -> list[dict]:
        return [p for p in (self.person_data("reporter_"), self.person_data("victim_")) if p]


class CaseOpenForm(DuplicateChoiceMixin, LocationFormMixin, govuk.Form):
    title = forms.CharField(
        label="Case title",
        max_length=200,
        help_text="A short description of the problem, like ‘Noise and threats at Elm Court’",
        error_messages=_required("Enter a case title"),
    )
    incident_type = forms.ModelChoiceField(
        label="Main problem",
        queryset=IncidentType.objects.filter(active=True),
        empty_label="Select a type",
        error_messages=_required("Select the main problem"),
    )
    summary = forms.CharField(
        label="Summary (optional)", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    risk_band = forms.ChoiceField(
        label="Risk to the victim",
        choices=RiskBand.choices,
        initial=RiskBand.STANDARD,
        widget=forms.RadioSelect,
        error_messages=_required("Select the risk to the victim"),
    )
    lead_officer = UserChoiceField(
        label="Lead officer (the victim's single point of contact)",
        queryset=User.objects.none(),
        required=False,
        empty_label="No lead officer yet",
    )
    incidents = forms.CharField(widget=forms.MultipleHiddenInput, required=False)

    def __init__(self, *args, workers: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_officer"].queryset = User.objects.filter(pk__in=[w.pk for w in workers])

    def clean_incidents(self) -> list[str]:
        return self.data.getlist("incidents") if hasattr(self.data, "getlist") else []


class CaseDetailsForm(govuk.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(
        label="Case title", max_length=200, error_messages=_required("Enter a case title")
    )
    incident_type = forms.ModelChoiceField(
        label="Main problem",
        queryset=IncidentType.objects.filter(active=True),
        error_messages=_required("Select the main problem"),
    )
    summary = forms.CharField(
        label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    risk_band = forms.ChoiceField(
        label="Risk to the victim", choices=RiskBand.choices, widget=forms.RadioSelect
    )
    lead_officer = UserChoiceField(
        label="Lead officer (the victim's single point of contact)",
        queryset=User.objects.none(),
        required=False,
        empty_label="No lead officer yet",
    )

    def __init__(self, *args, workers: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_officer"].queryset = User.objects.filter(pk__in=[w.pk for w in workers])


class CaseStatusForm(govuk.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label="New status",
        choices=CaseStatus.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select the new status"),
    )
    closure_reason = forms.ChoiceField(
        label="If closing, why?",
        choices=[("", "Select a reason"), *ClosureReason.choices],
        required=False,
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="When closing, say what you have told the victim and why",
    )

    def clean(self):
        data = super().clean()
        if data.get("status") == CaseStatus.CLOSED and not data.get("closure_reason"):
            self.add_error("closure_reason", "Select why the case is being closed")
        return data


class CaseNoteForm(govuk.Form):
    body = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_required("Enter the note"),
    )
    visibility = forms.ChoiceField(
        label="Who can see this note?",
        choices=CaseNote.Visibility.choices,
        widget=forms.RadioSelect,
        initial=CaseNote.Visibility.ALL_AGENCIES,
        help_text="Keep soft intelligence to your own organisation",
        error_messages=_required("Select who can see the note"),
    )


class CaseActionForm(govuk.Form):
    action_type = forms.ModelChoiceField(
        label="Tool or power",
        queryset=ActionType.objects.filter(active=True),
        empty_label="Select a tool or power",
        error_messages=_required("Select the tool or power used"),
    )
    started_at = govuk.GovUKDateTimeField(
        label="When was it used or issued?",
        help_text="Expiry, review and appeal dates are worked out from this",
        error_messages=_required("Enter when it was used"),
    )
    subject = forms.ModelChoiceField(
        label="Who is it against?",
        queryset=None,
        required=False,
        empty_label="Not against a person (for example, the closure of premises)",
        help_text="The alleged perpetrators on the case. Add a perpetrator to the case first "
        "if they are not listed.",
    )
    outcome = forms.ChoiceField(label="Outcome so far", choices=CaseAction.Outcome.choices)
    cost_pounds = forms.DecimalField(
        label="Cost to your organisation, in pounds",
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        initial=Decimal("0"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
        help_text="Officer time, legal fees and court costs. Enter 0 if none.",
        error_messages={
            "required": "Enter the cost, or 0",
            "invalid": "Enter the cost as a number of pounds, like 350.00",
            "min_value": "The cost cannot be negative",
            "max_decimal_places": "Enter the cost in pounds and pence, like 350.50",
        },
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # What the Crime and Policing Act 2026 tools need (their rules say which; see the table).
    risk_assessment = forms.ModelChoiceField(
        label="Pre-application risk assessment (Respect Orders and injunctions)",
        queryset=None,  # the viewer's organisation's, given to the form
        required=False,
        empty_label="None",
    )
    notice_hours = forms.IntegerField(
        label="How many hours does the notice last? (closure notices)",
        required=False,
        min_value=1,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter the hours as a whole number, like 48",
            "min_value": "Enter at least 1 hour",
        },
    )
    authorised_by_name = forms.CharField(
        label="Senior manager who authorised it (notices over 24 hours)",
        required=False,
        max_length=200,
    )
    authorised_by_role = forms.CharField(label="Their role", required=False, max_length=200)
    prior_warning_given = forms.BooleanField(label="A prior warning was given", required=False)

    REQUIREMENT_ROWS = 3

    def __init__(self, *args, people: tuple, risk_assessments=None, **kwargs):
        """`people`: the case's people and their labels, the names the viewer may see of them
        (asb_cases.selectors.case_people_choices); `risk_assessments`: the viewer's
        organisation's pre-application risk assessments on the case."""
        super().__init__(*args, **kwargs)
        queryset, labels = people
        subject = self.fields["subject"]
        subject.queryset = queryset
        subject.choices = [*labels.items(), ("", subject.empty_label)]
        if risk_assessments is None:  # a form that offers none (the 2026 tools need one)
            del self.fields["risk_assessment"]
        else:
            assessments = self.fields["risk_assessment"]
            assessments.queryset = risk_assessments
            assessments.label_from_instance = lambda a: (
                f"{a.action_type.name}, {labels.get(a.subject_id, 'a person on the case')}, "
                f"{timezone.localtime(a.assessed_at):%-d %b %Y}"
            )
        for number in range(1, self.REQUIREMENT_ROWS + 1):
            self.fields[f"requirement_{number}"] = forms.CharField(
                label=f"Positive requirement {number} (Respect Orders, optional)",
                required=False,
                max_length=500,
            )
            self.fields[f"requirement_{number}_supervisor"] = forms.CharField(
                label=f"Who supervises requirement {number}?", required=False, max_length=200
            )
            self.fields[f"requirement_{number}_supervisor_organisation"] = forms.CharField(
                label=f"Their organisation (requirement {number})",
                required=False,
                max_length=200,
            )
        if not self.is_bound:
            if labels:  # the first alleged perpetrator, rather than nobody
                self.initial.setdefault("subject", next(iter(labels)))
            self.initial.setdefault(
                "started_at", timezone.localtime().replace(second=0, microsecond=0)
            )


def action_requirements(data: dict) -> list:
    """The positive requirements a `CaseActionForm` was given (rows left wholly blank are
    not requirements)."""
    from asb_cases.services import Requirement

    rows = []
    for number in range(1, CaseActionForm.REQUIREMENT_ROWS + 1):
        row = Requirement(
            text=data.get(f"requirement_{number}") or "",
            supervisor_name=data.get(f"requirement_{number}_supervisor") or "",
            supervisor_organisation=data.get(f"requirement_{number}_supervisor_organisation") or "",
        )
        if row.text or row.supervisor_name or row.supervisor_organisation:
            rows.append(row)
    return rows


class PreApplicationRiskForm(govuk.Form):
    action_type = forms.ModelChoiceField(
        label="What will you apply for?",
        queryset=ActionType.objects.filter(rules__risk_assessment_required=True).distinct(),
        empty_label="Select the order or injunction",
        error_messages=_required("Select what you will apply for"),
    )
    subject = forms.ModelChoiceField(
        label="Who is it against?",
        queryset=None,
        empty_label="Select a person on the case",
        error_messages=_required("Select who it is against"),
    )
    harm_risk = forms.CharField(
        label="The risk of harassment, alarm or distress",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("Describe the risk of harassment, alarm or distress"),
    )
    respondent_vulnerabilities = forms.CharField(
        label="The respondent's vulnerabilities",
        help_text="Say if none are known",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required(
            "Describe the respondent's vulnerabilities, or say there are none known"
        ),
    )
    alternatives_tried = forms.CharField(
        label="The alternatives tried",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("Describe the alternatives tried"),
    )

    def __init__(self, *args, people: tuple, **kwargs):
        super().__init__(*args, **kwargs)
        queryset, labels = people
        subject = self.fields["subject"]
        subject.queryset = queryset
        subject.choices = [("", subject.empty_label), *labels.items()]


class ActionBreachForm(govuk.Form):
    occurred_at = govuk.GovUKDateTimeField(
        label="When was it breached?", error_messages=_required("Enter when it was breached")
    )
    details = forms.CharField(
        label="What happened?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("Describe what happened"),
    )
    referred_to = forms.CharField(
        label="Referred to (where breach is an offence)",
        help_text="For example, the police force investigating the offence",
        required=False,
        max_length=200,
    )
    referral_reference = forms.CharField(
        label="Their reference (optional)", required=False, max_length=60
    )


class CaseTaskForm(govuk.Form):
    title = forms.CharField(
        label="What needs doing?",
        max_length=200,
        error_messages=_required("Enter what needs doing"),
    )
    due_on = govuk.GovUKDateField(label="Due date", error_messages=_required("Enter a due date"))
    assignee = UserChoiceField(
        label="Who will do it?",
        queryset=User.objects.none(),
        show_organisation=True,
        empty_label="Select a person",
        error_messages=_required("Select who will do it"),
    )

    def __init__(self, *args, assignees: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            pk__in=[a.pk for a in assignees]
        ).select_related("membership__organisation")

    def clean_due_on(self) -> dt.date:
        due = self.cleaned_data["due_on"]
        if due < timezone.localdate():
            raise ValidationError("The due date must be today or in the future")
        return due


class CaseShareForm(govuk.Form):
    organisation = forms.ModelChoiceField(
        label="Share with",
        queryset=Organisation.objects.none(),
        empty_label="Select a partner",
        error_messages=_required("Select the partner to share with"),
    )
    access_level = forms.ChoiceField(
        label="What can they do?",
        choices=CaseShare.AccessLevel.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select what the partner can do"),
    )
    include_people = forms.ChoiceField(
        label="Should the partner see the details of the people on the case?",
        choices=[
            ("yes", "Yes: names, contact details and support records, as each person agreed"),
            ("no", "No: the case only, and a signpost of each person"),
        ],
        widget=forms.RadioSelect,
        help_text="People who asked that only the agency leading their case sees their "
        "information are never shown to partners",
        error_messages=_required("Select whether the partner should see the people's details"),
    )
    purpose = forms.CharField(
        label="Why does the partner need it?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="This is recorded with the share and shown to the partner",
        error_messages=_required("Enter why the partner needs the case"),
    )
    legal_basis = forms.ChoiceField(
        label="Legal basis for sharing",
        choices=CaseShare.LegalBasis.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select the legal basis for sharing"),
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = partners


class ReasonForm(govuk.Form):
    reason = forms.CharField(
        label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransferProposeForm(govuk.Form):
    to_organisation = forms.ModelChoiceField(
        label="Which organisation should lead the case?",
        queryset=Organisation.objects.none(),
        empty_label="Select an organisation",
        error_messages=_required("Select the organisation that should lead the case"),
    )
    reason = forms.CharField(
        label="Why should they lead it?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("Enter why the other organisation should lead the case"),
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = partners


class TransferDecideForm(govuk.Form):
    LATER = "later"

    reveals = {"decision": {"accept": ["lead_officer"]}}

    decision = forms.ChoiceField(
        label="Will your organisation lead this case?",
        choices=[("accept", "Yes, accept the case"), ("decline", "No, decline it")],
        widget=forms.RadioSelect,
        error_messages=_required("Select whether you accept the case"),
    )
    lead_officer = forms.ChoiceField(
        label="Who will be the lead officer?",
        required=False,
        help_text="The victim's single point of contact",
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed if you decline: the proposing organisation will see it",
    )

    def __init__(self, *args, workers: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.workers = {str(worker.pk): worker for worker in workers}
        # No default: leaving a case unowned is a choice made on purpose, never by accident.
        self.fields["lead_officer"].choices = [
            ("", "Select the lead officer"),
            *((pk, worker.display_name) for pk, worker in self.workers.items()),
            (self.LATER, "Decide later (the case will be unowned)"),
        ]

    def clean_lead_officer(self):
        value = self.cleaned_data.get("lead_officer") or ""
        if value == self.LATER or value == "":
            return value
        if value not in self.workers:
            raise ValidationError("Select someone in your organisation who works on cases")
        return self.workers[value]

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter why you are declining the case")
        if decision == "accept" and data.get("lead_officer") == "":
            self.add_error("lead_officer", "Select the lead officer, or choose to decide later")
        if data.get("lead_officer") in ("", self.LATER):
            data["lead_officer"] = None
        return data


class CasePersonForm(PersonFieldsMixin, govuk.Form):
    role = forms.ChoiceField(
        label="Their role in the case",
        choices=PersonRole.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select the person's role in the case"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(self.person_fields("person_", "Person"))

    def clean(self):
        data = super().clean()
        self.clean_person("person_", "Person", required=True)
        return data


class CaseLocationForm(LocationFormMixin, govuk.Form):
    def clean(self):
        data = super().clean()
        if not (data.get("address") or data.get("postcode")):
            self.add_error("address", "Enter an address or a postcode")
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("latitude", "Enter both a latitude and a longitude, or neither")
        return data


class LinkIncidentForm(govuk.Form):
    incident = forms.ChoiceField(
        label="Incident",
        widget=forms.RadioSelect,
        error_messages=_required("Select the incident to add"),
    )

    def __init__(self, *args, incidents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"].choices = [
            (
                str(i.uuid),
                f"{timezone.localtime(i.reported_at):%d %b %Y}: {i.incident_type} at "
                f"{i.location_summary or 'no location'}",
            )
            for i in incidents
        ]


class CaseSearchForm(govuk.Form):
    """The case list's search and filters (GET). Invalid values are ignored, not errors."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        help_text="A case reference, a person's name, an address or a postcode",
    )
    status = forms.MultipleChoiceField(
        label="Status",
        choices=CaseStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    risk = forms.MultipleChoiceField(
        label="Risk", choices=RiskBand.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    incident_type = forms.ModelChoiceField(
        label="Main problem",
        queryset=IncidentType.objects.all(),
        required=False,
        empty_label="Any",
        to_field_name="code",
    )
    lead_organisation = forms.ModelChoiceField(
        label="Lead organisation",
        queryset=Organisation.objects.all(),
        required=False,
        empty_label="Any",
        to_field_name="slug",
    )
    area = forms.ModelChoiceField(
        label="Area",
        queryset=LocalAuthority.objects.all(),
        required=False,
        empty_label="Any",
        to_field_name="code",
    )
    opened_from = govuk.GovUKDateField(label="Opened on or after", required=False)
    opened_to = govuk.GovUKDateField(label="Opened on or before", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("updated", "Recently updated"),
            ("opened", "Recently opened"),
            ("oldest", "Oldest first"),
            ("reference", "Reference"),
            ("risk", "Highest risk first"),
        ],
    )


# A victim's support on a case ----------------------------------------------------------------


class ContactForm(govuk.Form):
    contacted_at = govuk.GovUKDateTimeField(
        label="When?", error_messages=_required("Enter when you contacted them")
    )
    method = forms.ChoiceField(
        label="How?",
        choices=ContactLog.Method.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select how you contacted them"),
    )
    made_contact = forms.ChoiceField(
        label="Did you speak to them?",
        choices=YES_NO,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        help_text="Say no for a call they did not answer or a visit when they were out",
        error_messages=_required("Select yes if you spoke to them"),
    )
    summary = forms.CharField(
        label="Summary",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("Enter a summary of the contact"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "contacted_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_contacted_at(self):
        value = self.cleaned_data["contacted_at"]
        if value > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError("The date and time of the contact must be in the past")
        return value


class ReferralForm(govuk.Form):
    service = forms.ChoiceField(
        label="Refer to",
        choices=SupportReferral.Service.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select the service"),
    )
    provider = forms.CharField(
        label="Organisation or person (optional)", max_length=200, required=False
    )
    reason = forms.CharField(
        label="Why?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("Enter why you are referring them"),
    )


class ReferralUpdateForm(govuk.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=SupportReferral.Status.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select the referral's status"),
    )
    outcome = forms.CharField(
        label="Outcome (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class StatementForm(govuk.Form):
    text = forms.CharField(
        label="How is the anti-social behaviour affecting them?",
        help_text="Write it in their words. It cannot be edited later: a correction becomes a "
        "new version.",
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages=_required("Enter how the anti-social behaviour is affecting them"),
    )
    reading = forms.ChoiceField(
        label="At a Case Review meeting",
        choices=ImpactStatement.Reading.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select how the statement should be used at the meeting"),
    )


class StatementCorrectForm(StatementForm):
    correction_note = forms.CharField(
        label="What was corrected, and at whose request?",
        max_length=300,
        error_messages=_required("Say what was corrected and at whose request"),
    )


class ClosureNoticeForm(govuk.Form):
    person = forms.ChoiceField(
        label="Which victim was told?",
        widget=forms.RadioSelect,
        error_messages=_required("Select the victim who was told"),
    )
    reasons = forms.CharField(
        label="Why has the case closed?",
        help_text="What the victim was told, in plain words",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_required("Enter the reasons the victim was given for closing the case"),
    )
    how = forms.ChoiceField(
        label="How was the victim told?",
        help_text="By e-mail: the notice is sent to the address your organisation holds",
        choices=ClosureNoticeHow.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select how the victim was told"),
    )

    def __init__(self, *args, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [
            (str(person.uuid), details.full_name) for person, details in recipients
        ]
