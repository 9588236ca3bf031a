"""Incidents, cases, and everything agencies do together on a case.

Who may see a case is decided by django-guardian group object permissions on `Case` (direct
foreign keys, `CaseGroupObjectPermission`), granted to organisations' groups by the services in
`asb_cases.access`; see docs/adr/0007-access-control.md. Incidents are visible to the agency they
were reported to and to every agency that can see a case they are linked to.
"""

from __future__ import annotations

import uuid
from uuid import uuid4

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from partners.models import LocalAuthority, Organisation, User
from victims.models import RiskBand

# Geography ------------------------------------------------------------------------------------


class Ward(models.Model):
    """An electoral ward (or County Durham division) in one year's set of ward codes."""

    code = models.CharField(max_length=9)
    year = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["code", "year"], name="asb_cases_ward_code_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class Lsoa(models.Model):
    """A lower layer super output area, in the 2011 or 2021 set, with its best-fit 2025 ward."""

    code = models.CharField(max_length=9)
    vintage = models.PositiveSmallIntegerField(help_text="2011 or 2021")
    name = models.CharField(max_length=120)
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT)
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "LSOA"
        constraints = [
            models.UniqueConstraint(fields=["code", "vintage"], name="asb_cases_lsoa_code_vintage"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class LocationFields(models.Model):
    """Where something happened: an address, and the areas derived from it."""

    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    uprn = models.CharField("UPRN", max_length=12, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lsoa_code = models.CharField("LSOA code", max_length=9, blank=True)
    lsoa_vintage = models.PositiveSmallIntegerField(null=True, blank=True)
    ward_code = models.CharField(max_length=9, blank=True)
    ward_year = models.PositiveSmallIntegerField(null=True, blank=True)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def location_summary(self) -> str:
        return ", ".join(part for part in (self.address, self.postcode) if part)


# Reference lists ------------------------------------------------------------------------------


class IncidentType(models.Model):
    """The local picklist of incident types (configurable, seeded by a migration)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class ActionType(models.Model):
    """A tool or power, with its statutory limits kept as data so law changes need no code.

    The clocks of a `CaseAction` are computed from these when it is recorded.
    """

    class Group(models.TextChoices):
        INFORMAL = "informal", "Informal and early intervention"
        CIVIL = "civil", "Civil and statutory powers"
        SUPPORT = "support", "Support"
        OTHER = "other", "Other"

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    group = models.CharField(max_length=20, choices=Group.choices, default=Group.OTHER)
    legal_basis = models.CharField(max_length=200, blank=True)
    # How long it lasts: hours (short powers such as dispersal) or days. Blank: open-ended.
    duration_hours = models.PositiveIntegerField(null=True, blank=True)
    duration_days = models.PositiveIntegerField(null=True, blank=True)
    # A different maximum where the person it is against is under 18.
    duration_days_under_18 = models.PositiveIntegerField(null=True, blank=True)
    max_duration_days = models.PositiveIntegerField(null=True, blank=True)
    review_after_days = models.PositiveIntegerField(null=True, blank=True)
    appeal_within_days = models.PositiveIntegerField(null=True, blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    # Organisation kinds that may use it (Organisation.Kind values); empty means any.
    allowed_organisation_kinds = models.JSONField(default=list, blank=True)
    max_penalty_pounds = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    notes = models.TextField(blank=True, help_text="What the limits mean, for officers.")
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


# Choices shared by incidents and cases ------------------------------------------------------


class Category(models.TextChoices):
    """The National Standard for Incident Recording qualifier."""

    PERSONAL = "personal", "Personal"
    NUISANCE = "nuisance", "Nuisance"
    ENVIRONMENTAL = "environmental", "Environmental"


class Channel(models.TextChoices):
    PHONE = "phone", "Telephone"
    ONLINE = "online", "Online form"
    EMAIL = "email", "E-mail"
    IN_PERSON = "in_person", "In person"
    LETTER = "letter", "Letter"
    PATROL = "patrol", "Seen by an officer on patrol"
    PARTNER_REFERRAL = "partner_referral", "Referral from a partner"
    PARTNER_SYSTEM = "partner_system", "Partner system (API)"


class ProtectedCharacteristic(models.TextChoices):
    RACE = "race", "Race"
    RELIGION = "religion", "Religion or belief"
    DISABILITY = "disability", "Disability"
    SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation"
    TRANSGENDER = "transgender", "Transgender identity"
    AGE = "age", "Age"
    SEX = "sex", "Sex"
    OTHER = "other", "Other"


# Incidents ------------------------------------------------------------------------------------


class Incident(LocationFields):
    """One report of ASB to one agency."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own on reported_to, reporter or victim: the composite indexes below
    # lead with each (ADR 0023).
    reported_to = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="incidents", db_index=False
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    incident_type = models.ForeignKey(IncidentType, on_delete=models.PROTECT)
    hate_motivated = models.BooleanField(default=False)
    protected_characteristic = models.CharField(
        max_length=30, choices=ProtectedCharacteristic.choices, blank=True
    )
    description = models.TextField()
    anonymous = models.BooleanField(default=False)
    reporter = models.ForeignKey(
        "victims.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents_reported",
        db_index=False,
    )
    victim = models.ForeignKey(
        "victims.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents_as_victim",
        db_index=False,
    )
    # The same event recorded by another agency: counted once wherever incidents are counted.
    # Indexed only where set (asb_inc_duplicate_of below): almost every incident has none.
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        db_index=False,
    )
    external_ref = models.CharField(
        max_length=100, blank=True, help_text="The reporting agency's own reference."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reported_to", "external_ref"],
                condition=~Q(external_ref=""),
                name="asb_cases_incident_external_ref_per_org",
                violation_error_message="This organisation already has an incident with this "
                "reference",
            ),
            models.CheckConstraint(
                condition=Q(reported_at__gte=models.F("occurred_at")),
                name="asb_cases_incident_reported_after_occurred",
            ),
            models.CheckConstraint(
                condition=Q(hate_motivated=False) | ~Q(protected_characteristic=""),
                name="asb_cases_incident_hate_has_characteristic",
            ),
        ]
        indexes = [
            # An agency's own incidents, newest first (incident list, partner sync).
            models.Index(fields=["reported_to", "-reported_at"], name="asb_inc_org_reported"),
            # Possible duplicates and the Case Review: recent incidents at a postcode.
            models.Index(fields=["postcode", "-occurred_at"], name="asb_inc_postcode_occurred"),
            # High Impact Households' check that the viewer may still see an incident at an
            # address in the window: the same property by its UPRN (only incidents that carry
            # one), or by postcode and address as `address__iexact` compares it. With the
            # postcode alone, each address read every incident at its postcode (600 at a
            # million incidents) to find the 50 at the address: 30,000 heap blocks a page.
            models.Index(
                fields=["uprn", "-occurred_at"], name="asb_inc_uprn_occurred", condition=~Q(uprn="")
            ),
            models.Index(
                F("postcode"),
                Upper("address"),
                F("occurred_at").desc(),
                name="asb_inc_place_occurred",
            ),
            # Repeat victims and the Case Review: a person's incidents over time.
            models.Index(fields=["victim", "-occurred_at"], name="asb_inc_victim_occurred"),
            models.Index(fields=["reporter", "-occurred_at"], name="asb_inc_reporter_occurred"),
            # Hotspots: incidents by area and time.
            models.Index(fields=["lsoa_code", "occurred_at"], name="asb_inc_lsoa_occurred"),
            # Partner sync: changed since.
            models.Index(fields=["reported_to", "updated_at"], name="asb_inc_org_updated"),
            # The incident list (page and API) in its order: the visibility filter (reported
            # here, or on a case the agency sees) is an OR no one index serves, so the first page
            # is read by walking these and filtering, instead of sorting all the agency sees.
            # On the million-incident set: 3 s -> 8 ms for the police, 0.8 s -> 35 ms for a
            # small partner (benchmarks/, 2026-11-23).
            models.Index(fields=["-reported_at", "-id"], name="asb_inc_reported"),
            models.Index(fields=["-updated_at", "-id"], name="asb_inc_updated"),
            # An incident's duplicates (its deletion sets theirs to NULL, and the foreign key's
            # check when it is deleted looks them up): the few incidents that duplicate
            # another. A full index took a NULL entry for every incident written (ADR 0023).
            models.Index(
                fields=["duplicate_of"],
                name="asb_inc_duplicate_of",
                condition=Q(duplicate_of__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_type} at {self.location_summary or 'unknown location'}"


# Cases ----------------------------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Investigating"
    ACTION = "action", "Action"
    MONITORING = "monitoring", "Monitoring"
    CLOSED = "closed", "Closed"


class ClosureReason(models.TextChoices):
    RESOLVED = "resolved", "Problem resolved"
    ENFORCEMENT = "enforcement", "Enforcement action completed"
    NO_FURTHER_ACTION = "no_further_action", "No further action possible"
    VICTIM_WITHDREW = "victim_withdrew", "Victim no longer wants action"
    PERPETRATOR_MOVED = "perpetrator_moved", "Perpetrator has moved away"
    NO_CONTACT = "no_contact", "Unable to contact the victim"
    DUPLICATE = "duplicate", "Duplicate of another case"
    OTHER = "other", "Other"


class Case(models.Model):
    """A managed problem, led by one organisation, shared with others as needed."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    incident_type = models.ForeignKey(
        IncidentType, on_delete=models.PROTECT, help_text="The main problem"
    )
    lead_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="led_cases"
    )
    # The victim's single point of contact. Blank: the case is unowned within its organisation.
    lead_officer = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="led_cases"
    )
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    closure_reason = models.CharField(max_length=30, choices=ClosureReason.choices, blank=True)
    risk_band = models.CharField(max_length=10, choices=RiskBand.choices, default=RiskBand.STANDARD)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    incidents = models.ManyToManyField(Incident, through="CaseIncident", related_name="cases")
    people = models.ManyToManyField("victims.Person", through="CasePerson", related_name="cases")
    # Lower-cased reference, names, addresses and postcodes, kept by the services that change
    # them, so one indexed column answers the case search.
    search_document = models.TextField(blank=True, default="")
    # Incremented by every change to the fields above: an edit based on an older version is
    # refused rather than silently overwriting someone else's.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        permissions = [
            ("contribute_case", "Can add notes, actions, tasks and people to a case"),
            ("share_case", "Can share a case with partners and propose its transfer"),
            # Object permission only: an organisation that may see the people's details on a
            # case (its lead, a share that includes people, a transfer being decided).
            ("view_case_people", "Can see the details of the people on a case"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="asb_cases_case_closed_at_with_status",
            ),
        ]
        indexes = [
            # The case list's default order (and its stable tie-break).
            models.Index(fields=["-updated_at", "-id"], name="asb_case_updated"),
            # "My cases": a lead officer's cases by last change.
            models.Index(fields=["lead_officer", "-updated_at"], name="asb_case_officer_updated"),
            # Ownership dashboards: an organisation's cases by status.
            models.Index(fields=["lead_organisation", "status"], name="asb_case_org_status"),
            # A search narrowing the cases its names found to the statuses asked for: the
            # cases of those statuses read from the index alone, checked against the list
            # (0.8 ms for the police's "Jackson", open, at 1M, where probing 7,011 cases by key
            # read 26,905 buffers in 9-20 ms).
            models.Index(fields=["status", "id"], name="asb_case_status_id"),
            models.Index(fields=["-opened_at", "-id"], name="asb_case_opened"),
            # My work: an organisation's (or an officer's) open cases, read from the index
            # alone for the victims due contact and the team's open cases by officer.
            models.Index(
                fields=["lead_organisation", "lead_officer", "id", "opened_at", "risk_band"],
                condition=~Q(status=CaseStatus.CLOSED),
                name="asb_case_org_officer_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """Who may do what on a case: granted to organisations' groups (the source of truth)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
    # A copy of the case's updated_at, kept by database triggers (migration 0003), so the case
    # list can be read in order straight from one index on this table: the filter and the sort
    # key sit side by side, whatever share of the cases an organisation sees.
    case_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        indexes = [
            # Detail checks and the EXISTS probes from a case: (case, group, permission).
            # guardian's unique constraint (group, permission, case) serves the reverse walk.
            models.Index(
                fields=["content_object", "group", "permission"], name="asb_caseperm_case_group"
            ),
            # The case list in its default order: one organisation's visible cases, newest
            # change first, read in index order however many or few there are.
            models.Index(
                fields=["group", "permission", "-case_updated_at", "-content_object"],
                name="asb_caseperm_group_updated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.permission.codename} {self.content_object_id}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Guardian needs both tables; grants to single users are never made."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False

    def __str__(self) -> str:
        return f"{self.user} {self.permission.codename} {self.content_object_id}"


class CaseReferenceCounter(models.Model):
    """The last case number issued in a year (ASB-YYYY-NNNNNN)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class CaseStatusChange(models.Model):
    """The status history, appended on every change."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=20, choices=CaseStatus.choices)
    closure_reason = models.CharField(max_length=30, choices=ClosureReason.choices, blank=True)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["case", "changed_at"], name="asb_statuschange_case")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status} at {self.changed_at:%Y-%m-%d %H:%M}"


class CaseIncident(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incident_links")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="case_links")
    linked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "incident"], name="asb_cases_caseincident_once"
            ),
        ]
        indexes = [
            # Incidents visible through cases: from an incident to its cases.
            models.Index(fields=["incident", "case"], name="asb_caseincident_incident"),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} incident {self.incident_id}"


class PersonRole(models.TextChoices):
    VICTIM = "victim", "Victim"
    COMPLAINANT = "complainant", "Complainant"
    WITNESS = "witness", "Witness"
    PERPETRATOR = "perpetrator", "Alleged perpetrator"


class CasePerson(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="person_links")
    # Indexed by asb_caseperson_person, which leads with it.
    person = models.ForeignKey(
        "victims.Person", on_delete=models.PROTECT, related_name="case_links", db_index=False
    )
    role = models.CharField(max_length=20, choices=PersonRole.choices)
    # Whose record of the person this link shows the case's agencies: the organisation that
    # put them on the case (for a linked incident, the one it was reported to).
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField()
    # A victim on a case that is not closed, under a contact standard for its risk band: when
    # they must next hear from the lead agency (victims.selectors.contact_due), and who owes it
    # (the case's lead organisation and officer, copied). All three are null otherwise. Kept by
    # asb_cases.services.contact_due wherever an input changes, so My work reads the most
    # urgent and counts them from one index instead of computing every victim's date.
    contact_due_on = models.DateField(null=True, blank=True, editable=False)
    contact_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
    )
    contact_officer = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["role", "added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "role"], name="asb_cases_caseperson_once_per_role"
            ),
        ]
        indexes = [
            # A person's cases (signposts, repeat victims), and whose record each link shows
            # (access.rules.person_details checks it for every name a search matches): read
            # from the index alone.
            models.Index(
                fields=["person", "role"],
                include=["organisation", "case"],
                name="asb_caseperson_person_cover",
            ),
            # Victims due contact for an organisation, most urgent first, counted and grouped
            # by officer from the index alone (My work, the supervisor's team).
            models.Index(
                fields=["contact_organisation", "contact_due_on", "case", "person"],
                include=["contact_officer"],
                condition=models.Q(contact_due_on__isnull=False),
                name="asb_caseperson_contact_org",
            ),
            # ... and for one officer.
            models.Index(
                fields=["contact_officer", "contact_due_on", "case", "person"],
                include=["contact_organisation"],
                condition=models.Q(contact_due_on__isnull=False),
                name="asb_caseperson_contact_officer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} as {self.role} on case {self.case_id}"


class CaseLocation(LocationFields):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="locations")
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        indexes = [models.Index(fields=["postcode"], name="asb_caselocation_postcode")]

    def __str__(self) -> str:
        return self.location_summary


class CaseTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "To do"
        DONE = "done", "Done"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    assignee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="case_tasks")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "id"]
        indexes = [
            # A person's open tasks by due date; overdue tasks on dashboards.
            models.Index(fields=["assignee", "status", "due_on"], name="asb_task_assignee_due"),
            # Open tasks most urgent first (My work, a team's thousands of officers).
            models.Index(
                fields=["due_on", "id"],
                condition=Q(status="open"),
                name="asb_task_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (due {self.due_on})"


class CaseNote(models.Model):
    class Visibility(models.TextChoices):
        ALL_AGENCIES = "all_agencies", "All agencies on the case"
        MY_ORGANISATION = "my_organisation", "My organisation only"

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    visibility = models.CharField(max_length=20, choices=Visibility.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="asb_note_case")]

    def __str__(self) -> str:
        return f"Note by {self.author_id} on case {self.case_id}"


class CaseAction(models.Model):
    """A tool or power used on a case, with its clocks computed from the action type."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLIED = "complied", "Complied with"
        BREACHED = "breached", "Breached"
        GRANTED = "granted", "Granted by the court"
        REFUSED = "refused", "Refused by the court"
        WITHDRAWN = "withdrawn", "Withdrawn"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Expired"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    action_type = models.ForeignKey(ActionType, on_delete=models.PROTECT)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(
        "victims.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions_against",
        help_text="The person the action is against, where there is one.",
    )
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)
    appeal_by = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    cost_pounds = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_pounds__gte=0), name="asb_cases_action_cost_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "started_at"], name="asb_action_case"),
            # Costs and powers used, by agency and over time.
            models.Index(fields=["organisation", "started_at"], name="asb_action_org_started"),
            models.Index(fields=["review_on"], name="asb_action_review"),
            # My work's clocks: appeals ending and expiry near, for tools still in force (with
            # the review date's index, each arm of the clocks' OR is served by an index).
            models.Index(
                fields=["appeal_by"],
                condition=Q(outcome__in=["pending", "granted", "breached"]),
                name="asb_action_live_appeal",
            ),
            models.Index(
                fields=["expires_at"],
                condition=Q(outcome__in=["pending", "granted", "breached"]),
                name="asb_action_live_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_type_id} on case {self.case_id}"


class CaseShare(models.Model):
    """A case shared with a partner: who, why, on what legal basis, and whether it still is."""

    class AccessLevel(models.TextChoices):
        VIEW = "view", "View"
        CONTRIBUTE = "contribute", "Contribute (add notes, actions and tasks)"

    class LegalBasis(models.TextChoices):
        CDA_S115 = "cda_1998_s115", "Crime and Disorder Act 1998, section 115"
        CONSENT = "consent", "Consent of the people concerned"
        ISA = "isa", "Information sharing agreement"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="case_shares"
    )
    access_level = models.CharField(max_length=20, choices=AccessLevel.choices)
    # Whether the partner sees what the case's agencies recorded about the people on it (their
    # consent permitting), or only the case and a signpost of each person.
    include_people = models.BooleanField(default=True)
    purpose = models.TextField()
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices)
    shared_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    shared_at = models.DateTimeField()
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    # Set when consent to share is withdrawn by someone on the case: the share needs review.
    needs_review = models.BooleanField(default=False)

    class Meta:
        ordering = ["shared_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation"],
                condition=Q(revoked_at__isnull=True),
                name="asb_cases_one_active_share_per_org",
            ),
        ]
        indexes = [
            # My work: the shares an organisation received lately, newest first.
            models.Index(
                fields=["organisation", "-shared_at"],
                condition=Q(revoked_at__isnull=True),
                name="asb_share_org_active_shared",
            ),
            # My work: the few active shares to review after consent was withdrawn.
            models.Index(
                fields=["case"],
                condition=Q(needs_review=True, revoked_at__isnull=True),
                name="asb_share_needs_review",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} shared with {self.organisation_id} ({self.access_level})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def access_word(self) -> str:
        return "contribute" if self.access_level == self.AccessLevel.CONTRIBUTE else "view"


class OwnershipTransfer(models.Model):
    """A proposal that another organisation lead a case, and its answer."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting acceptance"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="transfers_in"
    )
    reason = models.TextField()
    proposed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    proposed_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        permissions = [
            ("decide_transfer", "Can accept or decline a case transferred to their organisation"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="asb_cases_one_pending_transfer_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(from_organisation=models.F("to_organisation")),
                name="asb_cases_transfer_to_another_org",
            ),
        ]
        indexes = [
            # The receiving organisation's inbox of transfers to decide.
            models.Index(fields=["to_organisation", "status"], name="asb_transfer_inbox"),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} to {self.to_organisation_id} ({self.status})"


# The support of a victim on a case --------------------------------------------------------
# Risk assessments, contact, referrals and the victim's own statements are about a person on a
# case: they live beside the cases, keeping the tables they were created with (victims_*).


class RiskAssessment(models.Model):
    """One answered questionnaire for a person on a case. A reassessment is a new row."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "victims.Person", on_delete=models.PROTECT, related_name="risk_assessments"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="risk_assessments")
    questionnaire = models.ForeignKey("victims.RiskQuestionnaire", on_delete=models.PROTECT)
    answers = models.JSONField(help_text='{"<question id>": true|false}')
    score = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=10, choices=RiskBand.choices)
    referral_prompted = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()
    review_dates = models.JSONField(default=list, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "victims_riskassessment"
        ordering = ["-assessed_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-assessed_at"], name="victims_risk_person"),
            # Reviews due on dashboards.
            models.Index(fields=["next_review_on"], name="victims_risk_review"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.band} ({self.score}) on {self.assessed_at:%Y-%m-%d}"


class ContactLog(models.Model):
    class Method(models.TextChoices):
        PHONE = "phone", "Phone call"
        VISIT = "visit", "Visit"
        EMAIL = "email", "E-mail"
        LETTER = "letter", "Letter"
        TEXT = "text", "Text message"
        VIDEO = "video", "Video call"

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey("victims.Person", on_delete=models.PROTECT, related_name="contacts")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contacts")
    contacted_at = models.DateTimeField()
    method = models.CharField(max_length=10, choices=Method.choices)
    made_contact = models.BooleanField(
        default=True, help_text="False for an attempt that did not reach them"
    )
    summary = models.TextField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "victims_contactlog"
        ordering = ["-contacted_at", "-id"]
        indexes = [
            # The last contact with a victim on a case (contact standards).
            models.Index(fields=["case", "person", "-contacted_at"], name="victims_contact_last"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} with {self.person_id} on {self.contacted_at:%Y-%m-%d}"


class SupportReferral(models.Model):
    class Service(models.TextChoices):
        VICTIM_SUPPORT = "victim_support", "Victim support service"
        MEDIATION = "mediation", "Mediation"
        RESTORATIVE_JUSTICE = "restorative_justice", "Restorative justice"
        HEALTH = "health", "Health (GP or community health)"
        MENTAL_HEALTH = "mental_health", "Mental health support"
        ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
        HOUSING_SUPPORT = "housing_support", "Housing support"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        MADE = "made", "Referral made"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined by the service"
        REFUSED = "refused", "Victim did not want it"
        COMPLETED = "completed", "Support completed"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("victims.Person", on_delete=models.PROTECT, related_name="referrals")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    service = models.CharField(max_length=30, choices=Service.choices)
    provider = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.MADE)
    outcome = models.TextField(blank=True)
    referred_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "victims_supportreferral"
        ordering = ["-referred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_service_display()} for {self.person_id} ({self.status})"


class ImpactStatement(models.Model):
    """The victim's account of how the ASB affects them. Never edited: a correction is a new
    version of the same statement (same `statement_id`, higher `version`)."""

    class Reading(models.TextChoices):
        BY_VICTIM = "by_victim", "I will read it myself at the Case Review meeting"
        FOR_VICTIM = "for_victim", "I would like someone to read it for me"
        NOT_READ = "not_read", "I do not want it read out, only shared with the panel"

    class Source(models.TextChoices):
        OFFICER = "officer", "Recorded by an officer"
        VICTIM = "victim", "Written by the victim"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    statement_id = models.UUIDField(default=uuid4, db_index=True)
    version = models.PositiveSmallIntegerField(default=1)
    person = models.ForeignKey(
        "victims.Person", on_delete=models.PROTECT, related_name="statements"
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="impact_statements",
    )
    text = models.TextField()
    reading = models.CharField(max_length=20, choices=Reading.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    correction_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "victims_impactstatement"
        ordering = ["statement_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement_id", "version"], name="victims_statement_version"
            ),
        ]

    def __str__(self) -> str:
        return f"Impact statement {self.statement_id} v{self.version}"


# The Crime and Policing Act 2026: gates on tools and powers, as versioned data ----------------
# docs/adr/0022-act-2026-tools-pcc-review-published-figures.md


class ActionRule(models.Model):
    """The gates on one tool or power, versioned by effective date as threshold policies are:
    the version in force on the day an action is used is the one it is checked against, so a
    commencement order is a new row, not a release."""

    action_type = models.ForeignKey(ActionType, on_delete=models.PROTECT, related_name="rules")
    version = models.PositiveSmallIntegerField()
    effective_from = models.DateField()
    # False: replaced (e.g. the ASB injunction by Youth and Housing Injunctions); actions
    # recorded before stay readable, new ones are refused.
    new_records_allowed = models.BooleanField(default=True)
    replaced_by = models.ManyToManyField(ActionType, blank=True, related_name="+")
    # The oldest a person it is against may be (Youth Injunctions: 17).
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    # The person it is against must be on the case with a known date of birth (adults only).
    age_must_be_known = models.BooleanField(default=False)
    risk_assessment_required = models.BooleanField(
        default=False, help_text="A pre-application risk assessment must be recorded first"
    )
    supervisor_per_requirement = models.BooleanField(
        default=False, help_text="Each positive requirement names its supervisor"
    )
    breach_is_offence = models.BooleanField(
        default=False, help_text="A breach is recorded as a referral for a criminal offence"
    )
    # A notice may last up to `max_notice_hours`; one longer than `authorisation_over_hours`
    # needs a senior manager's authorisation.
    max_notice_hours = models.PositiveIntegerField(null=True, blank=True)
    authorisation_over_hours = models.PositiveIntegerField(null=True, blank=True)
    prior_warning_required = models.BooleanField(default=False)
    legal_basis = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action_type", "-effective_from", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["action_type", "version"], name="asb_action_rule_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_type} v{self.version} from {self.effective_from}"


class PreApplicationRiskAssessment(models.Model):
    """The risk assessment the 2026 Act requires before applying for a Respect Order or an
    injunction: the risk of harassment, alarm or distress, the respondent's vulnerabilities
    and the alternatives tried."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="pre_application_risks")
    action_type = models.ForeignKey(ActionType, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("victims.Person", on_delete=models.PROTECT, related_name="+")
    harm_risk = models.TextField()
    respondent_vulnerabilities = models.TextField()
    alternatives_tried = models.TextField()
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()

    class Meta:
        ordering = ["-assessed_at", "-id"]

    def __str__(self) -> str:
        return f"Pre-application risk assessment {self.uuid} on case {self.case_id}"


class ActionGate(models.Model):
    """What an action needed to pass its rule's gates: the risk assessment it rests on, the
    senior manager who authorised a longer notice, a prior warning."""

    action = models.OneToOneField(CaseAction, on_delete=models.CASCADE, related_name="gate")
    rule = models.ForeignKey(ActionRule, on_delete=models.PROTECT, related_name="+")
    risk_assessment = models.ForeignKey(
        PreApplicationRiskAssessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notice_hours = models.PositiveIntegerField(null=True, blank=True)
    authorised_by_name = models.CharField(max_length=200, blank=True)
    authorised_by_role = models.CharField(max_length=200, blank=True)
    prior_warning_given = models.BooleanField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Gates of action {self.action_id}"


class ActionRequirement(models.Model):
    """A positive requirement of an order, with the person named to supervise it."""

    action = models.ForeignKey(CaseAction, on_delete=models.CASCADE, related_name="requirements")
    text = models.CharField(max_length=500)
    supervisor_name = models.CharField(max_length=200)
    supervisor_organisation = models.CharField(max_length=200)

    class Meta:
        ordering = ["action", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class ActionBreach(models.Model):
    """A breach of an order or notice. Where the rule makes breach an offence, the breach is an
    offence referral: to whom, and their reference."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    action = models.ForeignKey(CaseAction, on_delete=models.PROTECT, related_name="breaches")
    occurred_at = models.DateTimeField()
    details = models.TextField()
    offence_referral = models.BooleanField(default=False)
    referred_to = models.CharField(max_length=200, blank=True)
    referral_reference = models.CharField(max_length=60, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(offence_referral=False) | ~Q(referred_to=""),
                name="asb_breach_referral_names_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"Breach of action {self.action_id} on {self.occurred_at:%Y-%m-%d}"


class ClosureNoticeHow(models.TextChoices):
    LETTER = "letter", "By letter"
    EMAIL = "email", "By e-mail"
    PHONE = "phone", "By phone"
    IN_PERSON = "in_person", "In person"


class CaseClosureNotice(models.Model):
    """What a victim was told, and why, when their case closed, and who their single point of
    contact is (the case's lead officer and organisation, as named at the time). Recorded by
    the lead organisation; an e-mail notice is sent through the outbox (`email_sent_at`)."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closure_notices")
    person = models.ForeignKey("victims.Person", on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField()
    how = models.CharField(max_length=12, choices=ClosureNoticeHow.choices)
    contact_officer = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_name = models.CharField(max_length=200)
    contact_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["case", "recorded_at"], name="asb_closurenotice_case")]

    def __str__(self) -> str:
        return f"Closure notice {self.uuid} on case {self.case_id}"
