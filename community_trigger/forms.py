"""Forms for applying for an ASB Case Review and for running one (GOV.UK rendering)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from asb_cases.models import IncidentType
from community_trigger.models import (
    Appeal,
    Application,
    ApplicationStatement,
    Channel,
    HowTold,
    Recommendation,
    ResolutionMeeting,
    ThresholdDecision,
    ThresholdPolicy,
)
from community_trigger.services import BAD_PRACTICE_CAVEATS
from partners import govuk
from partners.models import LocalAuthority, Organisation, User
from partners.postcodes import is_valid_postcode, normalise_postcode

YES_NO = [("yes", "Yes"), ("no", "No")]


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class ReferenceField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Your application reference")
        kwargs.setdefault(
            "help_text", "It looks like CR-7K4M-9QX2. It is in the e-mail or letter we sent you."
        )
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("error_messages", _required("Enter your application reference"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "class": "govuk-input--width-10",
                    "spellcheck": "false",
                    "autocomplete": "off",
                }
            ),
        )
        super().__init__(**kwargs)


class PostcodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"class": "govuk-input--width-10", "autocomplete": "postal-code"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        if value and not is_valid_postcode(value):
            raise forms.ValidationError("Enter a real postcode, like DL1 5QT")
        return normalise_postcode(value) if value else ""


class ApplicationForm(govuk.Form):
    relationship = forms.ChoiceField(
        label="Are you the victim of the anti-social behaviour?",
        choices=Application.Relationship.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select whether you are the victim, or who you are to them"),
    )
    victim_consents = forms.BooleanField(
        label="The victim knows about this application and agrees to it",
        required=False,
        help_text="You can apply for someone else only with their agreement",
    )
    applicant_name = forms.CharField(
        label="Your full name",
        max_length=200,
        help_text="Applications cannot be anonymous. We share your name only with the agencies "
        "taking part in the review.",
        error_messages=_required("Enter your full name"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    applicant_email = forms.EmailField(
        label="Your e-mail address (optional)",
        required=False,
        help_text="We will e-mail you a reference to follow the application",
        error_messages={"invalid": "Enter an e-mail address like name@example.org"},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    applicant_phone = forms.CharField(
        label="Your phone number (optional)",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    applicant_address = forms.CharField(
        label="Your postal address (optional)",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        help_text="Give at least one way to contact you: e-mail, phone or post",
    )
    victim_given_name = forms.CharField(
        label="The victim's first name",
        max_length=100,
        help_text="If you are the victim, your own first name",
        error_messages=_required("Enter the victim's first name"),
    )
    victim_family_name = forms.CharField(
        label="The victim's last name",
        max_length=100,
        error_messages=_required("Enter the victim's last name"),
    )
    victim_date_of_birth = govuk.GovUKDateField(
        label="The victim's date of birth (optional)",
        required=False,
        help_text="This helps us find the reports they have made. For example, 27 3 1985",
    )
    problem_type = forms.ModelChoiceField(
        label="What kind of anti-social behaviour is it?",
        queryset=IncidentType.objects.filter(active=True),
        empty_label="Select one",
        error_messages=_required("Select what kind of anti-social behaviour it is"),
    )
    problem_address = forms.CharField(
        label="Where is it happening? (optional)",
        max_length=300,
        required=False,
        help_text="An address or a description of the place",
    )
    problem_postcode = PostcodeField(
        label="Postcode of where it is happening",
        help_text="If it happens in a street or park, the postcode of your home",
        error_messages=_required("Enter the postcode of where it is happening"),
    )
    local_authority = forms.ModelChoiceField(
        label="Which council area is it in?",
        queryset=LocalAuthority.objects.all(),
        required=False,
        empty_label="I am not sure",
    )
    description = forms.CharField(
        label="Tell us about the anti-social behaviour",
        help_text="What happens, how often, since when, and what has been done about it",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages=_required("Describe the anti-social behaviour"),
    )
    hate_motivated = forms.ChoiceField(
        label="Do you think it happens because of who you are (for example your race, "
        "religion, disability, sexual orientation or gender identity)?",
        choices=YES_NO,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        error_messages=_required("Select yes or no"),
    )
    agencies_told = forms.ModelMultipleChoiceField(
        label="Who have you reported it to? (optional)",
        queryset=Organisation.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    impact_statement = forms.CharField(
        label="How is it affecting you? (optional)",
        required=False,
        help_text="This becomes your impact statement for the review meeting, in your words. "
        "You can add to it later.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    reading = forms.ChoiceField(
        label="At the review meeting (optional)",
        required=False,
        choices=ApplicationStatement.Reading.choices,
        widget=forms.RadioSelect,
    )
    # Left empty by people; filled by robots that fill every field.
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if (
            data.get("relationship")
            and data["relationship"] != "self"
            and not data.get("victim_consents")
        ):
            self.add_error(
                "victim_consents",
                "You can apply for someone else only with their agreement: confirm they agree",
            )
        if not any(
            data.get(f) for f in ("applicant_email", "applicant_phone", "applicant_address")
        ) and not any(self.errors.get(f) for f in ("applicant_email", "applicant_phone")):
            self.add_error(
                "applicant_email",
                "Give an e-mail address, phone number or postal address so we can contact you",
            )
        born = data.get("victim_date_of_birth")
        if born and born > timezone.localdate():
            self.add_error("victim_date_of_birth", "The date of birth must be in the past")
        if data.get("impact_statement") and not data.get("reading"):
            self.add_error("reading", "Select how you would like your statement used")
        return data


class StaffApplicationForm(ApplicationForm):
    channel = forms.ChoiceField(
        label="How did they apply?",
        choices=[(k, v) for k, v in Channel.choices if k != Channel.ONLINE],
        widget=forms.RadioSelect,
        error_messages=_required("Select how they applied: by phone, letter, in person or e-mail"),
    )
    lead_case = forms.ModelChoiceField(
        label="The case this is about (optional)",
        queryset=None,
        required=False,
        empty_label="No case, or not one my organisation can see",
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_case"].queryset = cases
        self.fields["relationship"].label = "Who is applying?"
        self.fields["applicant_name"].label = "Applicant's full name"
        self.fields["applicant_name"].help_text = ""
        self.fields["applicant_email"].label = "Applicant's e-mail address (optional)"
        self.fields["applicant_phone"].label = "Applicant's phone number (optional)"
        self.fields["applicant_address"].label = "Applicant's postal address (optional)"
        self.fields["impact_statement"].label = "How it is affecting the victim (optional)"


class SaveForm(govuk.Form):
    email = forms.EmailField(
        label="What is your e-mail address?",
        help_text="We will send you a link to come back to your application. It works once.",
        error_messages={
            "required": "Enter your e-mail address",
            "invalid": "Enter an e-mail address in the right format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class LookupForm(govuk.Form):
    reference = ReferenceField()
    postcode = PostcodeField(
        label="Postcode of where the anti-social behaviour is happening",
        error_messages=_required("Enter the postcode you gave in your application"),
    )


class PublicStatementForm(LookupForm):
    text = forms.CharField(
        label="How is the anti-social behaviour affecting you?",
        help_text="Write in your own words. It will be shared with the agencies at the review "
        "meeting. We will not change it.",
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages=_required("Tell us how the anti-social behaviour is affecting you"),
    )
    reading = forms.ChoiceField(
        label="At the review meeting",
        choices=ApplicationStatement.Reading.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select how you would like it used"),
    )


class PublicAppealForm(LookupForm):
    grounds = forms.ChoiceField(
        label="Why are you appealing?",
        choices=Appeal.Grounds.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select why you are appealing"),
    )
    details = forms.CharField(
        label="Tell us more",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=_required("Tell us why you are appealing"),
    )


class DiscretionForm(govuk.Form):
    reveals = {"outcome": {"met": ["route"]}}

    outcome = forms.ChoiceField(
        label="Will the Case Review go ahead?",
        choices=[
            ("met", "Yes: use discretion to hold a review"),
            ("not_met", "No: the threshold is not met"),
        ],
        widget=forms.RadioSelect,
        error_messages=_required("Select whether the review will go ahead"),
    )
    route = forms.ChoiceField(
        label="Why will it go ahead?",
        required=False,
        widget=forms.RadioSelect,
        choices=[],
    )
    reasons = forms.CharField(
        label="Reasons",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The applicant is told these reasons",
        error_messages=_required("Give the reasons for the decision"),
    )
    caveats = forms.MultipleChoiceField(
        label="Does the decision rely on any of these? (Guidance calls them bad practice)",
        choices=[(key, label.capitalize()) for key, label in BAD_PRACTICE_CAVEATS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    caveat_justification = forms.CharField(
        label="If so, why is it right in this case?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, policy: ThresholdPolicy, **kwargs):
        super().__init__(*args, **kwargs)
        Route = ThresholdDecision.Route
        enabled = [
            (Route.PERSISTENCE, policy.consider_persistence),
            (Route.HARM, policy.consider_harm),
            (Route.ADEQUACY, policy.consider_adequacy),
            (Route.HIGH_RISK, policy.consider_high_risk),
        ]
        self.fields["route"].choices = [(r.value, r.label) for r, on in enabled if on]

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "met" and not data.get("route"):
            self.add_error("route", "Select why the review should go ahead")
        if data.get("caveats") and not (data.get("caveat_justification") or "").strip():
            self.add_error(
                "caveat_justification",
                "Guidance calls relying on this bad practice: explain why it is right",
            )
        return data


class MeetingForm(govuk.Form):
    scheduled_for = govuk.GovUKDateTimeField(
        label="When?", error_messages=_required("Enter when the meeting will be")
    )
    location = forms.CharField(
        label="Where, or how to join",
        max_length=300,
        error_messages=_required("Enter where the meeting will be held, or how to join it"),
    )
    invited = forms.ModelMultipleChoiceField(
        label="Agencies invited",
        queryset=Organisation.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages=_required("Invite at least one agency"),
    )
    chair = forms.ModelChoiceField(
        label="Chair",
        queryset=User.objects.none(),
        required=False,
        empty_label="An independent chair (name them below)",
    )
    independent_chair_name = forms.CharField(
        label="Independent chair's name and role", max_length=200, required=False
    )
    victim_participation = forms.ChoiceField(
        label="How will the victim take part?",
        choices=ResolutionMeeting.VictimParticipation.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select how the victim will take part"),
    )

    def __init__(self, *args, chairs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = User.objects.filter(pk__in=[c.pk for c in chairs])
        self.fields["chair"].label_from_instance = lambda user: user.display_name


class MinutesForm(govuk.Form):
    held_at = govuk.GovUKDateTimeField(
        label="When did the meeting take place?",
        help_text="The actual date and time, for example 5 12 2026 and 14 30",
        error_messages=_required("Enter the date and time the meeting took place"),
    )
    minutes = forms.CharField(
        label="Minutes",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Who attended, how the response was reviewed, and what was agreed",
        error_messages=_required("Enter the minutes of the meeting"),
    )


class RecommendationForm(govuk.Form):
    text = forms.CharField(
        label="Recommendation",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("Enter the recommendation"),
    )
    lead_organisation = forms.ModelChoiceField(
        label="Lead agency",
        queryset=Organisation.objects.filter(active=True),
        empty_label="Select an agency",
        error_messages=_required("Select the lead agency"),
    )
    lead_person = forms.CharField(
        label="Lead person",
        max_length=200,
        error_messages=_required("Name the person who will lead it"),
    )
    due_on = govuk.GovUKDateField(label="Due by", error_messages=_required("Enter a due date"))


class RecommendationUpdateForm(govuk.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=Recommendation.Status.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select the status"),
    )
    progress = forms.CharField(
        label="Progress (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConsultForm(govuk.Form):
    comments = forms.CharField(
        label="What did the victim say about the draft action plan?",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_required("Record what the victim said about the plan"),
    )


class TellApplicantForm(govuk.Form):
    how = forms.CharField(
        label="How were they told?",
        max_length=200,
        help_text="For example, by phone on 3 March, and a letter",
        error_messages=_required("Say how they were told"),
    )


class VerifyForm(govuk.Form):
    confirmed = forms.BooleanField(
        label="I have confirmed who the applicant is, and that the victim agrees to the "
        "application if someone else made it",
        error_messages=_required("Confirm that you have verified the applicant"),
    )
    person = forms.ChoiceField(
        label="Who is the application about?",
        widget=forms.RadioSelect,
        error_messages=_required("Select the person the application is about, or a new record"),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for candidate in candidates:
            view = candidate.view
            name = view.details.full_name if view.details else "A person"
            choices.append(
                (
                    str(candidate.person.uuid),
                    f"{name}, known to {view.signpost.known_to} agencies "
                    f"({', '.join(candidate.match.reasons)})",
                )
            )
        choices.append(("new", "None of these: record the person from the application"))
        self.fields["person"].choices = choices


class ExplainForm(govuk.Form):
    how = forms.ChoiceField(
        label="How did you explain the ASB Case Review to them?",
        choices=HowTold.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select how you explained the ASB Case Review"),
    )
    notes = forms.CharField(
        label="Anything to add (optional)",
        required=False,
        max_length=500,
        help_text="For example, whether they want to apply",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ContactOfficerForm(govuk.Form):
    officer = forms.ModelChoiceField(
        label="Who is the victim's single point of contact?",
        queryset=User.objects.none(),
        empty_label="Select an officer",
        error_messages=_required("Select the officer who is the victim's single point of contact"),
    )

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["officer"].label_from_instance = lambda user: (
            f"{user.display_name}, {user.membership.organisation}"
        )


class ClosureNoticeForm(govuk.Form):
    reasons = forms.CharField(
        label="Why is the Case Review closing?",
        help_text="What the victim was told, in the words used",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_required("Enter the reasons the victim was given for closing it"),
    )
    how = forms.ChoiceField(
        label="How was the victim told?",
        choices=[(k, v) for k, v in HowTold.choices if k != HowTold.LEAFLET],
        widget=forms.RadioSelect,
        error_messages=_required("Select how the victim was told"),
    )


class ConfirmMatchForm(govuk.Form):
    person = forms.ChoiceField(
        label="Who is the application about?",
        widget=forms.RadioSelect,
        error_messages=_required(
            "Select who the application is about, or that it is someone the partnership "
            "does not know"
        ),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for candidate in candidates:
            view = candidate.view
            name = view.details.full_name if view.details else "A person"
            choices.append(
                (
                    str(candidate.person.uuid),
                    f"{name}, known to {view.signpost.known_to} agencies "
                    f"({', '.join(candidate.match.reasons)})",
                )
            )
        choices.append(("new", "None of these: someone the partnership does not know"))
        self.fields["person"].choices = choices


class AppealDecideForm(govuk.Form):
    reviewer = forms.CharField(
        label="Independent reviewer",
        max_length=200,
        error_messages=_required("Name the independent reviewer"),
    )
    reviewer_organisation = forms.CharField(
        label="Their organisation (optional)", max_length=200, required=False
    )
    status = forms.ChoiceField(
        label="Status", choices=Appeal.Status.choices, widget=forms.RadioSelect
    )
    outcome = forms.CharField(
        label="Conclusion", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


def _working_days(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=60,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
    )


class PolicyForm(govuk.Form):
    effective_from = govuk.GovUKDateField(
        label="In force from",
        help_text="Applications received from this date are judged by it",
    )
    individual_count = forms.IntegerField(
        label="Complaints about the same problem that meet the threshold",
        min_value=1,
        max_value=3,
        help_text="Three at most, by law",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
        error_messages={"max_value": "The law sets the threshold at 3 complaints at most"},
    )
    window_months = forms.IntegerField(
        label="Within this many months",
        min_value=1,
        max_value=12,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
    )
    report_within_months = forms.IntegerField(
        label="A complaint qualifies if made within this many months of the behaviour",
        min_value=1,
        max_value=6,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
    )
    community_count = forms.IntegerField(
        label="Different people reporting the same problem",
        min_value=2,
        max_value=20,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
    )
    hate_count = forms.IntegerField(
        label="Hate-motivated incidents",
        min_value=1,
        max_value=3,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
    )
    consider_persistence = forms.BooleanField(label="Persistence", required=False)
    consider_harm = forms.BooleanField(label="Harm or potential harm", required=False)
    consider_adequacy = forms.BooleanField(label="Adequacy of the response", required=False)
    consider_high_risk = forms.BooleanField(label="High risk", required=False)
    check_working_days = _working_days("Check the threshold within (working days)")
    tell_applicant_working_days = _working_days("Tell the applicant within (working days)")
    meeting_working_days = _working_days(
        "Hold the meeting within (working days of the threshold being met)"
    )
    outcome_working_days = _working_days("Send the outcome within (working days of the meeting)")
    appeal_working_days = _working_days("The applicant may appeal within (working days)")
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
