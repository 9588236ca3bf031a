"""How a person is shown to a viewer: the one place that turns people into what pages, API
answers and CSV files may carry (docs/adr/0013-person-visibility.md).

Three views, decided by `access.rules.person_details` (consent and the sharing level):

- **own**: what the viewer's organisation recorded itself (it keeps and changes only that);
- **shared**: what a case share that includes people showed it — the record of whoever put the
  person on that case;
- **signpost**: that the person is known to N agencies, repeat victim yes or no, vulnerable yes
  or no, their risk band, and whom to contact at each agency. No special-category detail, no
  reasons, no other agency's case details.

A view is built for many people at once in a fixed number of queries (`person_views`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber

from access import rules
from access.viewer import Viewer
from asb_cases.models import CasePerson, CaseStatus, Incident
from partners.models import Organisation, User
from victims.models import Person, PersonDetails

OWN = "own"
SHARED = "shared"
SIGNPOST = "signpost"
LEVELS = [
    (OWN, "What your organisation recorded itself"),
    (SHARED, "A record shared with your organisation on a case"),
    (SIGNPOST, "The signpost only"),
]


@dataclass
class AgencyContact:
    organisation: Organisation
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


class Signpost:
    """What any agency may know about a person: no more than this. The flags come with the
    batch; whom to contact (`agencies`) is fetched for the whole batch the first time any page
    asks for it, so pages that show only the flags do not pay for it."""

    def __init__(self, pk: int, batch: _Agencies, status, consent_withdrawn: bool):
        self._pk = pk
        self._batch = batch
        self.is_repeat = bool(status and status.is_repeat)
        self.is_vulnerable = bool(status and status.is_vulnerable)
        self.risk_band = status.risk_band if status else ""
        self.consent_withdrawn = consent_withdrawn

    @property
    def agencies(self) -> list[AgencyContact]:
        return self._batch.for_person(self._pk)

    @property
    def known_to(self) -> int:
        return len(self.agencies)

    @property
    def risk_band_label(self) -> str:
        return self.risk_band.capitalize() if self.risk_band else "Not assessed"


@dataclass
class PersonView:
    """One person as one viewer may see them."""

    person: Person
    signpost: Signpost
    own: PersonDetails | None = None
    shared: list[PersonDetails] = field(default_factory=list)

    @property
    def level(self) -> str:
        if self.own is not None:
            return OWN
        return SHARED if self.shared else SIGNPOST

    @property
    def details(self) -> PersonDetails | None:
        """The record to show: the organisation's own, else the first one shared with it."""
        return self.own or (self.shared[0] if self.shared else None)

    @property
    def uuid(self):
        return self.person.uuid

    @property
    def name(self) -> str:
        if self.details is not None:
            return self.details.full_name
        return "Details not shared with your organisation"

    @property
    def date_of_birth(self):
        return self.details.date_of_birth if self.details is not None else None

    @property
    def recorded_by(self) -> Organisation | None:
        return self.details.organisation if self.details is not None else None

    def csv_name(self) -> str:
        """The name as an export may carry it (blank where only the signpost is visible)."""
        return self.details.full_name if self.details is not None else ""


# What a signpost shows of a person, read with their record (PersonStatus is one row a person).
_FLAGS = ("status__is_repeat", "status__is_vulnerable", "status__risk_band")


def _flag_rows(condition: Q):
    """(id, merged into, is repeat, is vulnerable, risk band, consent withdrawn) of the people
    meeting `condition`: one indexed read of victims_person with its status beside it, and
    whether any agency's record of them says consent was withdrawn."""
    withdrawn = Exists(
        PersonDetails.objects.filter(person_id=OuterRef("pk"), consent_withdrawn_on__isnull=False)
    )
    return (
        Person.objects.filter(condition)
        .order_by()
        .values_list("pk", "merged_into_id", *_FLAGS, withdrawn)
    )


def _group_of(
    people: list[Person],
) -> tuple[dict[int, int], dict[int, list[int]], dict[int, tuple]]:
    """Each person's canonical record (the one they were merged into, or themselves), each
    canonical record with every record merged into it, and the flag rows of all of them
    (`_flag_rows`): one query for the lot."""
    canonical = {person.pk: person.merged_into_id or person.pk for person in people}
    groups: dict[int, list[int]] = {pk: [pk] for pk in set(canonical.values())}
    rows = _flag_rows(Q(pk__in=list(groups)) | Q(merged_into_id__in=list(groups)))
    flags = {}
    for row in rows:
        flags[row[0]] = row
        if row[1] in groups:
            groups[row[1]].append(row[0])
    return canonical, groups, flags


class _Agencies:
    """Whom to contact about each person of a batch, loaded together on first use: every
    agency that recorded them, had an incident about them or leads a case they are on, and the
    lead officer of their most relevant case there (the agency's ASB team when there is none,
    or when the person withdrew consent). Built from every agency's records, as the system.

    Three queries however many people: the agencies that recorded them or had an incident
    about them (one UNION); the top case link of each person and lead agency, picked by a
    window in the database (a person on hundreds of cases brings one row an agency, not every
    link to sort here), with its lead officer's name and phone beside it; the organisations."""

    def __init__(self, groups: dict[int, list[int]], withdrawn: set[int]):
        self.groups = groups
        self.withdrawn = withdrawn
        self.loaded: dict[int, list[AgencyContact]] | None = None

    def for_person(self, pk: int) -> list[AgencyContact]:
        if self.loaded is None:
            self.loaded = self._load()
        return self.loaded.get(pk, [])

    @staticmethod
    def _known_to(members: list[int]):
        """(person, organisation): the agencies that recorded each person, and those their
        incidents (as victim or reporter) were reported to."""
        recorded = PersonDetails.objects.filter(person_id__in=members).values_list(
            "person_id", "organisation_id"
        )
        as_victim = (
            Incident.objects.filter(victim_id__in=members)
            .order_by()
            .values_list("victim_id", "reported_to_id")
        )
        as_reporter = (
            Incident.objects.filter(reporter_id__in=members)
            .order_by()
            .values_list("reporter_id", "reported_to_id")
        )
        return recorded.order_by().union(as_victim, as_reporter)

    @staticmethod
    def _top_links(members: list[int]):
        """The case link of each person and lead agency whose lead officer is the contact: open
        cases first, then the most recently active, among the cases that have a lead officer
        (a row with no officer: none of that agency's cases has one). Ties as the links are
        ordered (role, then when added)."""
        ranked = Window(
            RowNumber(),
            partition_by=[F("person_id"), F("case__lead_organisation_id")],
            order_by=[
                ExpressionWrapper(Q(case__lead_officer_id__isnull=True), BooleanField()).asc(),
                ExpressionWrapper(Q(case__status=CaseStatus.CLOSED), BooleanField()).asc(),
                F("case__updated_at").desc(),
                F("role").asc(),
                F("added_at").asc(),
                F("pk").asc(),
            ],
        )
        return (
            CasePerson.objects.filter(person_id__in=members)
            .annotate(rank=ranked)
            .filter(rank=1)
            .order_by()
            .values_list(
                "person_id",
                "case__lead_organisation_id",
                "case__status",
                "case__updated_at",
                "role",
                "added_at",
                "case__lead_officer_id",
                "case__lead_officer__username",
                "case__lead_officer__first_name",
                "case__lead_officer__last_name",
                "case__lead_officer__email",
                "case__lead_officer__membership__phone",
            )
        )

    def _load(self) -> dict[int, list[AgencyContact]]:
        member_of = {member: pk for pk, members in self.groups.items() for member in members}
        members = list(member_of)
        organisations: dict[int, set] = defaultdict(set)
        for person_id, organisation_id in self._known_to(members):
            organisations[member_of[person_id]].add(organisation_id)
        # Of each group's members, the best top link at each agency (as the one case list the
        # implementation before this sorted: officer first, open first, most recent first).
        best: dict[tuple[int, int], tuple] = {}
        for row in self._top_links(members):
            person_id, organisation_id, status, updated_at, role, added_at, officer_id = row[:7]
            key = (member_of[person_id], organisation_id)
            organisations[key[0]].add(organisation_id)
            order = (officer_id is None, status == CaseStatus.CLOSED, -updated_at.timestamp())
            if key not in best or (order, role, added_at) < best[key][0]:
                best[key] = ((order, role, added_at), row)
        by_id = Organisation.objects.in_bulk({o for found in organisations.values() for o in found})
        loaded = {}
        for pk in self.groups:
            contacts = []
            for organisation_id in organisations.get(pk, set()):
                organisation = by_id[organisation_id]
                top = best.get((pk, organisation_id))
                officer_id = top[1][6] if top is not None else None
                if officer_id is not None and pk not in self.withdrawn:
                    username, first_name, last_name, email, phone = top[1][7:]
                    officer = User(
                        pk=officer_id,
                        username=username,
                        first_name=first_name,
                        last_name=last_name,
                        email=email,
                    )
                    contacts.append(
                        AgencyContact(
                            organisation=organisation,
                            contact_name=officer.display_name,
                            contact_email=officer.email,
                            contact_phone=phone or "",
                        )
                    )
                else:
                    contacts.append(
                        AgencyContact(
                            organisation=organisation,
                            contact_name=f"{organisation.name} ASB team",
                            contact_email=organisation.contact_email,
                        )
                    )
            loaded[pk] = sorted(contacts, key=lambda c: c.organisation.name)
        return loaded


def _signposts(groups: dict[int, list[int]], flags: dict[int, tuple]) -> dict[int, Signpost]:
    member_of = {member: pk for pk, members in groups.items() for member in members}
    withdrawn = {member_of[pk] for pk, row in flags.items() if row[5] and pk in member_of}
    batch = _Agencies(groups, withdrawn)
    posts = {}
    for pk in groups:
        row = flags.get(pk)
        status = _Status(*row[2:5]) if row is not None and row[2] is not None else None
        posts[pk] = Signpost(pk, batch, status, pk in withdrawn)
    return posts


@dataclass(frozen=True)
class _Status:
    """The three fields of PersonStatus a signpost shows."""

    is_repeat: bool
    is_vulnerable: bool
    risk_band: str


def signposts(groups: dict[int, list[int]]) -> dict[int, Signpost]:
    """The signpost of each canonical person (with the records merged into them): one query
    for the flags, however many people; whom to contact on first use (`_Agencies`)."""
    members = [member for group in groups.values() for member in group]
    flags = {row[0]: row for row in _flag_rows(Q(pk__in=members))}
    return _signposts(groups, flags)


def person_views(
    viewer: Viewer, people: list[Person], *, with_factors: bool = False
) -> dict[int, PersonView]:
    """Each person (by their own id, merged or not) as the viewer may see them, in a fixed
    number of queries; `with_factors` also fetches each record's vulnerability factors (for the
    pages that list them)."""
    people = [person for person in people if person is not None]
    if not people:
        return {}
    canonical, groups, flags = _group_of(people)
    all_ids = [member for members in groups.values() for member in members]
    member_of = {member: pk for pk, members in groups.items() for member in members}
    visible = (
        rules.person_details(viewer, person_ids=all_ids)
        .select_related("organisation")
        .order_by("-updated_at", "pk")
    )
    if with_factors:
        visible = visible.prefetch_related("vulnerability_factors")
    own: dict[int, PersonDetails] = {}
    shared: dict[int, list[PersonDetails]] = defaultdict(list)
    for details in visible:
        pk = member_of[details.person_id]
        if details.organisation_id == viewer.organisation_id:
            own.setdefault(pk, details)
        else:
            shared[pk].append(details)
    posts = _signposts(groups, flags)
    views = {}
    for person in people:
        pk = canonical[person.pk]
        views[person.pk] = PersonView(
            person=person, signpost=posts[pk], own=own.get(pk), shared=shared.get(pk, [])
        )
    return views


def person_view(viewer: Viewer, person: Person, *, with_factors: bool = False) -> PersonView:
    return person_views(viewer, [person], with_factors=with_factors)[person.pk]
