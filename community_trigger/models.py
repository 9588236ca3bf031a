"""The ASB Case Review (Community Trigger): policies, applications, threshold decisions with
their evidence, resolution meetings, recommendations, appeals and the proactive sweep's alerts.

Every rule comes from the Anti-social Behaviour, Crime and Policing Act 2014 ss.104–105 and
Schedule 4 and local practice, with the local parts kept as data in `ThresholdPolicy`.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partners.models import LocalAuthority, Organisation, User


class ThresholdPolicy(models.Model):
    """One local authority's threshold and timescales, versioned by effective date. The policy
    in force when an application is received is the one it is judged by."""

    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="threshold_policies"
    )
    version = models.PositiveSmallIntegerField()
    effective_from = models.DateField()
    # The individual route: complaints about the same problem. Three at most, by law.
    individual_count = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    window_months = models.PositiveSmallIntegerField(default=6, validators=[MinValueValidator(1)])
    # A complaint qualifies if made within this long of the behaviour.
    report_within_months = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)]
    )
    community_count = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(2)], help_text="Different people, same problem"
    )
    hate_count = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    # Routes the ASB Champion may use when the threshold is not met.
    consider_persistence = models.BooleanField(default=True)
    consider_harm = models.BooleanField(default=True)
    consider_adequacy = models.BooleanField(default=True)
    consider_high_risk = models.BooleanField(default=True)
    # Timescales in working days (England and Wales bank holidays excluded).
    check_working_days = models.PositiveSmallIntegerField(default=5)
    tell_applicant_working_days = models.PositiveSmallIntegerField(default=10)
    meeting_working_days = models.PositiveSmallIntegerField(
        default=10, help_text="From the threshold being met"
    )
    outcome_working_days = models.PositiveSmallIntegerField(
        default=5, help_text="From the meeting to the outcome letter"
    )
    appeal_working_days = models.PositiveSmallIntegerField(
        default=20, help_text="How long the applicant has to ask for an appeal"
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["local_authority__name", "-effective_from", "-version"]
        verbose_name_plural = "threshold policies"
        constraints = [
            models.UniqueConstraint(
                fields=["local_authority", "version"], name="ct_policy_version_per_area"
            ),
            models.CheckConstraint(
                condition=Q(individual_count__lte=3) & Q(individual_count__gte=1),
                name="ct_policy_individual_count_at_most_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.local_authority} v{self.version} from {self.effective_from}"


class Stage(models.TextChoices):
    RECEIVED = "received", "Received: checking the threshold"
    AWAITING_DISCRETION = (
        "awaiting_discretion",
        "Threshold not met: the ASB Champion is considering it",
    )
    NOT_MET = "not_met", "Threshold not met"
    REVIEW = "review", "Threshold met: review being arranged"
    MEETING_HELD = "meeting_held", "Review meeting held: action plan being agreed"
    COMPLETED = "completed", "Review completed: outcome sent"
    WITHDRAWN = "withdrawn", "Withdrawn"


class VictimMatch(models.TextChoices):
    CHOSEN = "chosen", "Chosen by the ASB Champion"
    CERTAIN = "certain", "Matched on name and postcode or date of birth"
    UNCERTAIN = "uncertain", "Possible match: the ASB Champion must confirm it"
    CONFIRMED = "confirmed", "Possible match confirmed by the ASB Champion"
    NEW = "new", "Nobody matched: a new person"


class Channel(models.TextChoices):
    ONLINE = "online", "Online"
    PHONE = "phone", "By phone"
    LETTER = "letter", "By letter"
    IN_PERSON = "in_person", "In person"
    EMAIL = "email", "By e-mail"


class Application(models.Model):
    """An application for an ASB Case Review, made by the public or recorded by staff."""

    class Source(models.TextChoices):
        PUBLIC = "public", "Online, by the applicant"
        STAFF = "staff", "Recorded by staff"

    class Relationship(models.TextChoices):
        SELF = "self", "I am the victim"
        FAMILY = "family", "Family member"
        FRIEND = "friend", "Friend or neighbour"
        COUNCILLOR = "councillor", "Councillor or MP"
        PROFESSIONAL = "professional", "Support worker or other professional"
        OTHER = "other", "Someone else"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What the applicant uses to follow progress: random, so one cannot be guessed from another.
    reference = models.CharField(max_length=12, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(ThresholdPolicy, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=30, choices=Stage.choices, default=Stage.RECEIVED)

    # Who is applying, and for whom.
    applicant_name = models.CharField(max_length=200)
    applicant_email = models.EmailField(blank=True)
    applicant_phone = models.CharField(max_length=40, blank=True)
    applicant_address = models.CharField(max_length=300, blank=True)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    victim_consents = models.BooleanField(
        default=False, help_text="Someone applying for another person has their consent"
    )
    victim_given_name = models.CharField(max_length=100)
    victim_family_name = models.CharField(max_length=100)
    victim_date_of_birth = models.DateField(null=True, blank=True)
    victim = models.ForeignKey(
        "victims.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_review_applications",
    )

    # The problem.
    problem_type = models.ForeignKey("asb_cases.IncidentType", on_delete=models.PROTECT)
    problem_address = models.CharField(max_length=300, blank=True)
    problem_postcode = models.CharField(max_length=10)
    description = models.TextField()
    hate_motivated = models.BooleanField(default=False)
    agencies_told = models.ManyToManyField(Organisation, blank=True, related_name="+")
    lead_case = models.ForeignKey(
        "asb_cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_review_applications",
    )
    reading = models.CharField(max_length=20, blank=True, help_text="ImpactStatement.Reading")

    # Clocks, in working days from receipt (and from the threshold being met).
    received_at = models.DateTimeField()
    check_due = models.DateField()
    tell_applicant_due = models.DateField()
    threshold_met_at = models.DateTimeField(null=True, blank=True)
    meeting_due = models.DateField(null=True, blank=True)
    applicant_told_at = models.DateTimeField(null=True, blank=True)
    outcome_due = models.DateField(null=True, blank=True)
    outcome_sent_at = models.DateTimeField(null=True, blank=True)
    appeal_window_ends = models.DateField(null=True, blank=True)

    # The action plan is agreed with the victim before it is final.
    plan_shared_with_victim_at = models.DateTimeField(null=True, blank=True)
    victim_plan_comments = models.TextField(blank=True)
    plan_finalised_at = models.DateTimeField(null=True, blank=True)

    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The organisation whose member recorded it (blank for the public's own applications).
    recorded_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # An application the public made online is matched to a person, and its threshold
    # checked, only once staff have confirmed who the applicant is (staff applications are
    # verified when recorded): until then nothing of it reaches anyone's records.
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How the application was matched to its victim (name and postcode, tolerant of slips, as
    # the officer's form matches): an uncertain match holds the decision until the ASB Champion
    # confirms who the application is about.
    victim_match = models.CharField(
        max_length=12, choices=VictimMatch.choices, blank=True, default=""
    )
    victim_match_reasons = models.JSONField(default=list, blank=True)
    victim_match_confirmed_at = models.DateTimeField(null=True, blank=True)
    victim_match_confirmed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How the application was made (2025 guidance: victims have various ways to apply).
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.ONLINE)
    # The single point of contact (2025 guidance): the named officer the victim deals with.
    contact_officer = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        permissions = [
            ("decide_application", "Can make threshold decisions and run Case Reviews"),
            ("change_threshold_policy", "Can change threshold policies"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(relationship="self") | Q(victim_consents=True),
                name="ct_application_consent_for_others",
            ),
        ]
        indexes = [
            # The ASB Champion's pipeline and the deadline job.
            models.Index(fields=["stage", "received_at"], name="ct_application_stage"),
            models.Index(fields=["local_authority", "received_at"], name="ct_application_area"),
        ]

    def __str__(self) -> str:
        return f"Case Review application {self.reference}"

    @property
    def victim_name(self) -> str:
        return f"{self.victim_given_name} {self.victim_family_name}".strip()

    @property
    def is_open(self) -> bool:
        return self.stage not in {Stage.NOT_MET, Stage.COMPLETED, Stage.WITHDRAWN}

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def match_awaits_confirmation(self) -> bool:
        """An uncertain match the ASB Champion has not yet confirmed: no decision stands."""
        return self.victim_match == VictimMatch.UNCERTAIN


class ApplicationStatement(models.Model):
    """The victim's account of the harm, made with an application (online by the applicant,
    or recorded by staff on their behalf). It stays on the application: it is read at the
    review meeting, and never joins another agency's records of the person."""

    class Reading(models.TextChoices):
        BY_VICTIM = "by_victim", "I will read it myself at the Case Review meeting"
        FOR_VICTIM = "for_victim", "I would like someone to read it for me"
        NOT_READ = "not_read", "I do not want it read out, only shared with the panel"

    class Source(models.TextChoices):
        OFFICER = "officer", "Recorded by an officer"
        VICTIM = "victim", "Written by the victim"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="statements"
    )
    text = models.TextField()
    reading = models.CharField(max_length=20, choices=Reading.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Statement on {self.application_id} ({self.source})"


class ThresholdDecision(models.Model):
    """A decision on whether the threshold is met, with its evidence and reasons."""

    class Outcome(models.TextChoices):
        MET = "met", "Threshold met"
        NOT_MET = "not_met", "Threshold not met"

    class Route(models.TextChoices):
        INDIVIDUAL = "individual", "Complaints about the same problem"
        COMMUNITY = "community", "Several people reporting the same problem"
        HATE = "hate", "Hate-motivated incident"
        PERSISTENCE = "persistence", "Discretion: persistence of the behaviour"
        HARM = "harm", "Discretion: harm or potential for harm"
        ADEQUACY = "adequacy", "Discretion: adequacy of the response"
        HIGH_RISK = "high_risk", "Discretion: high risk"

    DISCRETIONARY = {Route.PERSISTENCE, Route.HARM, Route.ADEQUACY, Route.HIGH_RISK}

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    policy = models.ForeignKey(ThresholdPolicy, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    route = models.CharField(max_length=20, choices=Route.choices, blank=True)
    automatic = models.BooleanField(help_text="Made by the threshold engine, not a person")
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField()
    counted = models.PositiveSmallIntegerField(default=0)
    people_reporting = models.PositiveSmallIntegerField(default=0)
    reasons = models.TextField()
    # Caveats the guidance calls bad practice, which the decision-maker relied on and was
    # warned about (e.g. "the case is still open"): recorded, never applied silently.
    caveats = models.JSONField(default=list, blank=True)
    caveat_justification = models.TextField(blank=True)
    # A fingerprint of the inputs, so a re-run on the same facts records nothing new.
    inputs_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.route or 'no route'})"

    @property
    def is_discretionary(self) -> bool:
        return self.route in self.DISCRETIONARY


class Evidence(models.Model):
    """One incident the engine considered, whether it counted, and why not."""

    class Finding(models.TextChoices):
        COUNTED = "counted", "Counted"
        OUTSIDE_WINDOW = "outside_window", "Outside the six-month window"
        REPORTED_TOO_LATE = "reported_too_late", "Reported more than a month after the behaviour"
        DUPLICATE = "duplicate", "The same incident, reported to another agency as well"
        DIFFERENT_PROBLEM = "different_problem", "A different problem"
        SOMEONE_ELSE = "someone_else", "Someone else's report of a different problem"

    decision = models.ForeignKey(
        ThresholdDecision, on_delete=models.CASCADE, related_name="evidence"
    )
    incident = models.ForeignKey("asb_cases.Incident", on_delete=models.PROTECT, related_name="+")
    finding = models.CharField(max_length=30, choices=Finding.choices)
    explanation = models.CharField(max_length=300)
    # The routes a counted incident counts towards (ThresholdDecision.Route values): a row is
    # "counted" exactly when this is not empty, so the totals are the rows marked counted.
    routes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["decision", "id"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "incident"], name="ct_evidence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.finding}"


class ResolutionMeeting(models.Model):
    class VictimParticipation(models.TextChoices):
        ATTEND_OPENING = "attend_opening", "The victim will attend the opening of the meeting"
        STATEMENT_READ = "statement_read", "The victim's impact statement will be read"
        BOTH = "both", "The victim will attend and their statement will be read"
        NEITHER = "neither", "The victim has chosen not to take part"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="meetings")
    chair = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    independent_chair_name = models.CharField(max_length=200, blank=True)
    scheduled_for = models.DateTimeField()
    location = models.CharField(max_length=300)
    invited = models.ManyToManyField(Organisation, related_name="+")
    victim_participation = models.CharField(max_length=20, choices=VictimParticipation.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    minutes = models.TextField(blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_for"]

    def __str__(self) -> str:
        return f"Meeting for {self.application.reference} on {self.scheduled_for:%Y-%m-%d}"

    @property
    def chair_name(self) -> str:
        return self.independent_chair_name or (self.chair.display_name if self.chair else "")


class Recommendation(models.Model):
    class Status(models.TextChoices):
        AGREED = "agreed", "Agreed"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        NOT_DONE = "not_done", "Not done"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="recommendations"
    )
    meeting = models.ForeignKey(
        ResolutionMeeting,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recommendations",
    )
    text = models.TextField()
    lead_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    lead_person = models.CharField(max_length=200)
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AGREED)
    progress = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # Open recommendations by agency, and the overdue ones.
            models.Index(fields=["lead_organisation", "status", "due_on"], name="ct_rec_agency"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.AGREED, self.Status.IN_PROGRESS}


class Appeal(models.Model):
    class Grounds(models.TextChoices):
        THRESHOLD_WRONGLY_REJECTED = "threshold", "The threshold was wrongly judged not met"
        PROCESS_NOT_FOLLOWED = "process", "The review was not carried out properly"
        FACT_NOT_CONSIDERED = "fact", "A relevant fact was not considered"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        UNDER_REVIEW = "under_review", "Being reviewed"
        UPHELD = "upheld", "Upheld"
        NOT_UPHELD = "not_upheld", "Not upheld"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="appeals")
    grounds = models.CharField(max_length=20, choices=Grounds.choices)
    details = models.TextField()
    lodged_at = models.DateTimeField()
    reviewer = models.CharField(max_length=200, blank=True)
    reviewer_organisation = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-lodged_at"]

    def __str__(self) -> str:
        return f"Appeal on {self.application.reference} ({self.status})"


class SweepAlert(models.Model):
    """A person or place that meets a threshold (or has a second report) without an
    application. One alert per rule, subject and window: a database constraint, so repeated
    or overlapping sweeps never raise it twice."""

    class Rule(models.TextChoices):
        INDIVIDUAL = "individual", "Meets the individual threshold"
        COMMUNITY = "community", "Several people reporting the same problem"
        HATE = "hate", "Hate-motivated incident"
        SECOND_REPORT = "second_report", "Second report in six months: explain the Case Review"

    id = models.BigAutoField(primary_key=True)
    rule = models.CharField(max_length=20, choices=Rule.choices)
    # "person:<id>" or "place:<postcode>:<incident type code>"
    subject_key = models.CharField(max_length=80)
    window_start = models.DateField()
    person = models.ForeignKey(
        "victims.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    postcode = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=300)
    incident_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key", "window_start"], name="ct_alert_once_per_window"
            ),
        ]
        indexes = [
            models.Index(fields=["acknowledged_at", "-created_at"], name="ct_alert_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.subject_key} from {self.window_start}"


class SweepRun(models.Model):
    """A record of each sweep: when, how long, what it found (for operations)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    alerts_created = models.PositiveIntegerField(default=0)
    subjects_checked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Sweep at {self.started_at:%Y-%m-%d %H:%M}"


class HowTold(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    LETTER = "letter", "By letter"
    EMAIL = "email", "By e-mail"
    LEAFLET = "leaflet", "Gave them the Case Review leaflet"


class CaseReviewExplanation(models.Model):
    """A victim's second report of ASB within six months, to any agency (2025 guidance): the
    officer recording it is prompted, there and then, to explain the ASB Case Review, and
    records that they did and how. `due_on` is the contact standard's deadline for it."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("victims.Person", on_delete=models.CASCADE, related_name="+")
    incident = models.OneToOneField(
        "asb_cases.Incident", on_delete=models.CASCADE, related_name="case_review_explanation"
    )
    earlier_incident = models.ForeignKey(
        "asb_cases.Incident", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    prompted_at = models.DateTimeField()
    due_on = models.DateField()
    explained_at = models.DateTimeField(null=True, blank=True)
    how = models.CharField(max_length=12, choices=HowTold.choices, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    explained_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-prompted_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "prompted_at"], name="ct_explain_org"),
        ]

    def __str__(self) -> str:
        return f"Explain the Case Review to {self.person_id} ({self.incident_id})"

    @property
    def told_in_time(self) -> bool:
        return (
            self.explained_at is not None
            and timezone.localtime(self.explained_at).date() <= self.due_on
        )


class ClosureNotice(models.Model):
    """What the victim was told, and why, when their Case Review closed: the 2025 guidance asks
    the single point of contact to tell them when and why."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="closure_notices"
    )
    reasons = models.TextField()
    how = models.CharField(max_length=12, choices=HowTold.choices)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"Closure notice {self.uuid}"


class ApplicationDraft(models.Model):
    """An online application in progress, one question page at a time. The applicant can save
    it and come back by a link e-mailed to them: only a hash of the link's token is kept, the
    link expires, and it works once (opening it again shows a clear page)."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    answers = models.JSONField(default=dict, blank=True)
    email = models.EmailField(blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    token_used_at = models.DateTimeField(null=True, blank=True)
    submitted_as = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Application draft {self.uuid}"
