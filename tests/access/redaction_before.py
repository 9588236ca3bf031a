"""The implementation of `access.redaction.person_views` and `signposts` before issue 16's
batch rewrite, kept only so tests/access/test_person_views_equivalence.py can check the new one
gives every viewer exactly the same views. Not used by the application."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from access import rules
from access.viewer import SYSTEM, Viewer
from asb_cases.models import CaseStatus
from partners.models import Organisation
from victims.models import Person, PersonDetails, PersonStatus

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


def _group_of(people: list[Person]) -> tuple[dict[int, int], dict[int, list[int]]]:
    """Each person's canonical record (the one they were merged into, or themselves), and each
    canonical record with every record merged into it."""
    canonical = {person.pk: person.merged_into_id or person.pk for person in people}
    groups: dict[int, list[int]] = {pk: [pk] for pk in set(canonical.values())}
    for pk, survivor in Person.objects.filter(merged_into_id__in=list(groups)).values_list(
        "pk", "merged_into_id"
    ):
        groups[survivor].append(pk)
    return canonical, groups


class _Agencies:
    """Whom to contact about each person of a batch, loaded together on first use: every
    agency that recorded them, had an incident about them or leads a case they are on, and the
    lead officer of their most relevant case there (the agency's ASB team when there is none,
    or when the person withdrew consent). Built from every agency's records, as the system."""

    def __init__(self, groups: dict[int, list[int]], organisations: dict, withdrawn: set[int]):
        self.groups = groups
        self.organisations = organisations  # canonical pk -> organisations holding details
        self.withdrawn = withdrawn
        self.loaded: dict[int, list[AgencyContact]] | None = None

    def for_person(self, pk: int) -> list[AgencyContact]:
        if self.loaded is None:
            self.loaded = self._load()
        return self.loaded.get(pk, [])

    def _load(self) -> dict[int, list[AgencyContact]]:
        member_of = {member: pk for pk, members in self.groups.items() for member in members}
        organisations = defaultdict(set, {pk: set(o) for pk, o in self.organisations.items()})
        incident_rows = (
            rules.incidents(SYSTEM)
            .filter(Q(victim_id__in=member_of) | Q(reporter_id__in=member_of))
            .values("victim_id", "reporter_id", "reported_to_id")
            .distinct()
        )
        for row in incident_rows:
            for person_id in {row["victim_id"], row["reporter_id"]} - {None}:
                if person_id in member_of:
                    organisations[member_of[person_id]].add(row["reported_to_id"])
        links = sorted(
            rules.case_people(SYSTEM)
            .filter(person_id__in=member_of)
            .select_related("case__lead_officer__membership"),
            # Open cases first, then the most recently active: their lead officer is the contact.
            key=lambda link: (
                link.case.status == CaseStatus.CLOSED,
                -link.case.updated_at.timestamp(),
            ),
        )
        lead_officers: dict[tuple[int, object], object] = {}
        for link in links:
            key = (member_of[link.person_id], link.case.lead_organisation_id)
            organisations[key[0]].add(link.case.lead_organisation_id)
            if key not in lead_officers and link.case.lead_officer is not None:
                lead_officers[key] = link.case.lead_officer
        by_id = Organisation.objects.in_bulk({o for found in organisations.values() for o in found})
        loaded = {}
        for pk in self.groups:
            contacts = []
            for organisation_id in organisations.get(pk, set()):
                organisation = by_id[organisation_id]
                officer = lead_officers.get((pk, organisation_id))
                if officer is not None and pk not in self.withdrawn:
                    membership = getattr(officer, "membership", None)
                    contacts.append(
                        AgencyContact(
                            organisation=organisation,
                            contact_name=officer.display_name,
                            contact_email=officer.email,
                            contact_phone=membership.phone if membership is not None else "",
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


def signposts(groups: dict[int, list[int]]) -> dict[int, Signpost]:
    """The signpost of each canonical person (with the records merged into them): two queries
    for the flags, however many people; whom to contact on first use (`_Agencies`)."""
    member_of = {member: pk for pk, members in groups.items() for member in members}
    organisations: dict[int, set] = defaultdict(set)
    withdrawn: set[int] = set()
    for person_id, organisation_id, withdrawn_on in PersonDetails.objects.filter(
        person_id__in=member_of
    ).values_list("person_id", "organisation_id", "consent_withdrawn_on"):
        organisations[member_of[person_id]].add(organisation_id)
        if withdrawn_on is not None:
            withdrawn.add(member_of[person_id])
    statuses = PersonStatus.objects.in_bulk(list(groups), field_name="person_id")
    batch = _Agencies(groups, organisations, withdrawn)
    return {pk: Signpost(pk, batch, statuses.get(pk), pk in withdrawn) for pk in groups}


def person_views(
    viewer: Viewer, people: list[Person], *, with_factors: bool = False
) -> dict[int, PersonView]:
    """Each person (by their own id, merged or not) as the viewer may see them, in a fixed
    number of queries; `with_factors` also fetches each record's vulnerability factors (for the
    pages that list them)."""
    people = [person for person in people if person is not None]
    if not people:
        return {}
    canonical, groups = _group_of(people)
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
    posts = signposts(groups)
    views = {}
    for person in people:
        pk = canonical[person.pk]
        views[person.pk] = PersonView(
            person=person, signpost=posts[pk], own=own.get(pk), shared=shared.get(pk, [])
        )
    return views


def person_view(viewer: Viewer, person: Person, *, with_factors: bool = False) -> PersonView:
    return person_views(viewer, [person], with_factors=with_factors)[person.pk]
