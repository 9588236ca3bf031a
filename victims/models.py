"""People: one identity across agencies, what each organisation recorded about them, their
repeat and vulnerable status, and the partnership's reference lists for supporting victims
(vulnerability factors, risk questionnaires, contact standards).

What an agency may see of a person is decided by access.rules and shown through
access.redaction: its own details, details a case share gave it, and the signpost. Merging two
records never moves anything: the duplicate points at the survivor, every read resolves the
group, and undoing the merge clears the pointer. Records about a victim on a case (risk
assessments, contacts, referrals, impact statements) live beside the cases, in asb_cases.
"""

from __future__ import annotations

from uuid import uuid4

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import StrIndex, Substr

from partners.db_search import PostgresGinIndex
from partners.models import Organisation, User


class RiskBand(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class VulnerabilityFactor(models.Model):
    """The configurable list of things that make a victim vulnerable (seeded by a migration)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """One person across the partnership: an identity that every organisation's records of them
    point at, and nothing else. What is known about them is held per organisation
    (`PersonDetails`): an agency sees what it recorded itself, what a case share gave it, and
    the signpost (access.redaction) — never more because it matched, linked or merged them."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)

    # Set when this record was found to be the same person as another (reversible).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_people",
        db_index=False,  # the partial index below: merged records are few
    )

    # Who first recorded them (their own details are in PersonDetails like everyone's).
    created_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        permissions = [("merge_person", "Can merge two records of the same person")]
        indexes = [
            # Only merged records: small, so PostgreSQL uses it for a long list of survivors
            # (with a full index it would estimate most rows and scan the whole table).
            models.Index(
                fields=["merged_into"],
                name="victims_person_merged",
                condition=Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Person {self.uuid}"


class PersonDetails(models.Model):
    """What one organisation recorded about a person: their name, date of birth, address,
    contact details and preferences, access needs, vulnerability and consent to share. Each
    organisation keeps and changes only its own; a case share may show it to a partner
    (access.rules.person_details_shared), consent permitting."""

    class ContactMethod(models.TextChoices):
        PHONE = "phone", "Phone call"
        TEXT = "text", "Text message"
        EMAIL = "email", "E-mail"
        LETTER = "letter", "Letter"
        VISIT = "visit", "Home visit"

    class ConsentScope(models.TextChoices):
        PARTNERSHIP = "partnership", "All partner agencies, to help with the problem"
        LEAD_ONLY = "lead_only", "Only the agency leading their case"

    id = models.BigAutoField(primary_key=True)
    # Indexed by the unique (person, organisation) and by (organisation, person) below.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="details", db_index=False
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    uprn = models.CharField("UPRN", max_length=12, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # Matching keys, kept by the services: a phonetic code of the family name and the
    # normalised given name (victims/matching.py).
    family_name_key = models.CharField(max_length=8, blank=True)
    given_name_key = models.CharField(max_length=100, blank=True)
    # The outward code of the postcode as stored ("DL16" of "DL16 7ZP"): what comes before its
    # space, "" when it has none. Kept by the database, so that the matching blocks "similar
    # surname in this postcode district" are served by an index (victims.selectors._blocks).
    postcode_district = models.GeneratedField(
        expression=Case(
            When(
                postcode__contains=" ",
                then=Substr("postcode", 1, StrIndex("postcode", Value(" ")) - 1),
            ),
            default=Value(""),
        ),
        output_field=models.CharField(max_length=10),
        db_persist=True,
    )

    # How they want to be contacted, and what they need.
    preferred_contact_method = models.CharField(
        max_length=10, choices=ContactMethod.choices, blank=True
    )
    preferred_contact_times = models.CharField(max_length=200, blank=True)
    safe_to_leave_messages = models.BooleanField(default=True)
    interpreter_needed = models.BooleanField(default=False)
    language = models.CharField(max_length=60, blank=True)
    large_print = models.BooleanField(default=False)
    other_access_needs = models.TextField(blank=True)
    vulnerability_factors = models.ManyToManyField(
        VulnerabilityFactor, blank=True, related_name="+"
    )

    # Consent, given to this organisation, to share what it holds with partner agencies.
    consent_given_on = models.DateField(null=True, blank=True)
    consent_scope = models.CharField(max_length=20, choices=ConsentScope.choices, blank=True)
    consent_withdrawn_on = models.DateField(null=True, blank=True)

    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name_plural = "person details"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"], name="victims_details_once_per_org"
            ),
        ]
        indexes = [
            # Matching candidates: by date of birth, postcode, UPRN, or the phonetic surname
            # code and the first name (victims.selectors.person_candidates).
            models.Index(fields=["date_of_birth"], name="victims_details_dob"),
            models.Index(fields=["postcode"], name="victims_details_postcode"),
            models.Index(fields=["family_name_key", "given_name_key"], name="victims_details_key"),
            models.Index(fields=["uprn"], name="victims_details_uprn", condition=~Q(uprn="")),
            # An organisation's own records of people (the person list, subject access).
            models.Index(fields=["organisation", "person"], name="victims_details_org"),
            # Matching: surnames similar to the one typed (pg_trgm's % operator, which ignores
            # case), and the case search: names containing what was typed (ILIKE); on
            # PostgreSQL only (victims.selectors._blocks, asb_cases.selectors).
            PostgresGinIndex(
                fields=["family_name"],
                opclasses=["gin_trgm_ops"],
                name="victims_details_family_trgm",
            ),
            PostgresGinIndex(
                fields=["given_name"],
                opclasses=["gin_trgm_ops"],
                name="victims_details_given_trgm",
            ),
            # Matching: the phonetic surname code, or a surname similar by trigrams, in the
            # postcode district typed (the trigram one needs btree_gin for the district).
            models.Index(
                fields=["postcode_district", "family_name_key"], name="victims_details_district"
            ),
            PostgresGinIndex(
                fields=["postcode_district", "family_name"],
                opclasses=["", "gin_trgm_ops"],  # the district's: btree_gin's default
                name="victims_details_district_trgm",
            ),
            # Records whose person kept their information to the lead agency or withdrew
            # consent (access.rules.consent_restricted reads them all, once per query).
            models.Index(
                fields=["person"],
                condition=Q(consent_withdrawn_on__isnull=False) | Q(consent_scope="lead_only"),
                name="victims_details_restricted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.organisation_id})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def consent_withdrawn(self) -> bool:
        return self.consent_withdrawn_on is not None

    @property
    def has_access_needs(self) -> bool:
        return bool(self.interpreter_needed or self.large_print or self.other_access_needs)


class PersonMerge(models.Model):
    """Two records found to be one person; undone by setting `undone_at`."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    duplicate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    merged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    # People that pointed at the duplicate and were re-pointed at the survivor with it.
    repointed = models.JSONField(default=list, blank=True)
    undone_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.duplicate_id} merged into {self.survivor_id}"


class StatusDefinition(models.Model):
    """How the partnership defines a repeat victim and a vulnerable one. The latest row whose
    `effective_from` has come applies; older rows are kept for the record."""

    effective_from = models.DateField()
    repeat_incident_count = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(2)]
    )
    repeat_window_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1)]
    )
    second_report_window_months = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1)]
    )
    vulnerable_risk_bands = models.JSONField(default=list)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return (
            f"Repeat: {self.repeat_incident_count} in {self.repeat_window_months} months, "
            f"from {self.effective_from}"
        )


class PersonStatus(models.Model):
    """A person's repeat and vulnerable status, recomputed from incidents to every agency when
    one is recorded and every night, with the reasons people read."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="status")
    is_repeat = models.BooleanField(default=False)
    repeat_reason = models.CharField(max_length=300, blank=True)
    second_report = models.BooleanField(default=False)
    second_report_reason = models.CharField(max_length=300, blank=True)
    is_vulnerable = models.BooleanField(default=False)
    vulnerable_reason = models.CharField(max_length=300, blank=True)
    risk_band = models.CharField(max_length=10, choices=RiskBand.choices, blank=True)
    incidents_in_window = models.PositiveIntegerField(default=0)
    agencies_in_window = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "person statuses"
        indexes = [
            # Dashboards: repeat and vulnerable victims.
            models.Index(
                fields=["is_repeat", "is_vulnerable"],
                name="victims_status_flags",
                condition=Q(is_repeat=True) | Q(is_vulnerable=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: repeat={self.is_repeat} vulnerable={self.is_vulnerable}"


# Risk assessment -----------------------------------------------------------------------------


class RiskQuestionnaire(models.Model):
    """A versioned question set: weights, band cut-offs, referral threshold and review cadence
    are data. Assessments keep the version they were answered against."""

    name = models.CharField(max_length=120)
    version = models.PositiveSmallIntegerField()
    effective_from = models.DateField()
    active = models.BooleanField(default=True)
    medium_from = models.PositiveSmallIntegerField(help_text="Scores from here are medium risk")
    high_from = models.PositiveSmallIntegerField(help_text="Scores from here are high risk")
    referral_from = models.PositiveSmallIntegerField(
        help_text="Scores from here prompt a referral to victim support"
    )
    # Days after an assessment when it must be reviewed, per band: {"high": [14, 28, 56]}.
    review_days = models.JSONField(default=dict)

    class Meta:
        ordering = ["-effective_from", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="victims_questionnaire_ver"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"

    def band_for(self, score: int) -> str:
        if score >= self.high_from:
            return RiskBand.HIGH
        if score >= self.medium_from:
            return RiskBand.MEDIUM
        return RiskBand.STANDARD


class RiskQuestion(models.Model):
    questionnaire = models.ForeignKey(
        RiskQuestionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField()
    theme = models.CharField(max_length=60)
    text = models.CharField(max_length=300)
    hint = models.CharField(max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(help_text="Points added when the answer is yes")

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "order"], name="victims_question_order"
            ),
        ]

    def __str__(self) -> str:
        return self.text


# Contact with the victim ---------------------------------------------------------------------


class ContactStandard(models.Model):
    """How soon, and how often, a victim must hear from the lead agency, by risk band."""

    risk_band = models.CharField(max_length=10, choices=RiskBand.choices, unique=True)
    first_contact_working_days = models.PositiveSmallIntegerField()
    update_every_working_days = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["risk_band"]

    def __str__(self) -> str:
        return (
            f"{self.get_risk_band_display()}: first contact within "
            f"{self.first_contact_working_days}, then every {self.update_every_working_days} "
            "working days"
        )
