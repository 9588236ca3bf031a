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

from django.db import connection

from access import rules
from access.viewer import Viewer
from asb_cases.models import Case, CasePerson, CaseStatus, Incident
from partners.models import Membership, Organisation, User
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


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# The signpost's flags of people: their status (one row a person, or none), and whether any
# agency's record of them says consent was withdrawn. Written as SQL: it is the same few indexed
# reads the ORM would make, without building and compiling an expression tree for every page
# (the first of a lookup's or a page's people queries; docs/adr/0023).
_FLAGS_SQL = """
    SELECT p.id, p.merged_into_id, s.is_repeat, s.is_vulnerable, s.risk_band,
           EXISTS (SELECT 1 FROM {details} d
                   WHERE d.person_id = p.id AND d.consent_withdrawn_on IS NOT NULL)
    FROM {person} p LEFT JOIN {status} s ON s.person_id = p.id
    WHERE {where}
"""


def _flag_rows(ids: list[int], *, with_merged: bool) -> dict[int, tuple]:
    """Person id -> (id, merged into, is repeat, is vulnerable, risk band, consent withdrawn)
    for `ids` and, `with_merged`, every record merged into one of them."""
    if not ids:
        return {}
    where = f"p.id IN ({_placeholders(ids)})"
    params = list(ids)
    if with_merged:
        where += f" OR p.merged_into_id IN ({_placeholders(ids)})"
        params += ids
    sql = _FLAGS_SQL.format(
        details=_table(PersonDetails),
        person=_table(Person),
        status=_table(PersonStatus),
        where=where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: row for row in cursor.fetchall()}


def _group_of(
    people: list[Person],
) -> tuple[dict[int, int], dict[int, list[int]], dict[int, tuple]]:
    """Each person's canonical record (the one they were merged into, or themselves), each
    canonical record with every record merged into it, and the flags of all of them
    (`_flag_rows`): one query for the lot."""
    canonical = {person.pk: person.merged_into_id or person.pk for person in people}
    groups: dict[int, list[int]] = {pk: [pk] for pk in set(canonical.values())}
    flags = _flag_rows(sorted(groups), with_merged=True)
    for pk, row in sorted(flags.items()):
        if row[1] in groups:
            groups[row[1]].append(pk)
    return canonical, groups, flags


# Whom to contact about people, as the system (every agency's records), in one statement:
# - the lead agency of each case they are on, with the case link that names the contact: of
#   the cases with a lead officer, open ones first, then the most recently active (ties as the
#   links are ordered: role, then when added), picked by a window, so a person on hundreds of
#   cases brings one row an agency rather than every link to sort in Python; its lead officer's
#   name, e-mail and phone beside it (none: no case of that agency has a lead officer);
# - the agencies that recorded them, and those their incidents (as victim or reporter) were
#   reported to (UNION: once each, however many incidents).
# `{canonical}` maps a record merged into another to the one it joined, so the top case is
# picked over the whole group.
_AGENCIES_SQL = """
    SELECT 1, ranked.person_id, ranked.organisation_id, u.id, u.username, u.first_name,
           u.last_name, u.email, m.phone
    FROM (
        SELECT {canonical} AS person_id, c.lead_organisation_id AS organisation_id,
               c.lead_officer_id AS officer_id,
               ROW_NUMBER() OVER (
                   PARTITION BY {canonical}, c.lead_organisation_id
                   ORDER BY (c.lead_officer_id IS NULL), (c.status = %s), c.updated_at DESC,
                            cp.role, cp.added_at, cp.id
               ) AS position
        FROM {case_person} cp JOIN {case} c ON c.id = cp.case_id
        WHERE cp.person_id IN ({members})
    ) ranked
    LEFT JOIN {user} u ON u.id = ranked.officer_id
    LEFT JOIN {membership} m ON m.user_id = u.id
    WHERE ranked.position = 1
    UNION
    SELECT 0, d.person_id, d.organisation_id, NULL, NULL, NULL, NULL, NULL, NULL
    FROM {details} d WHERE d.person_id IN ({members})
    UNION
    SELECT 0, i.victim_id, i.reported_to_id, NULL, NULL, NULL, NULL, NULL, NULL
    FROM {incident} i WHERE i.victim_id IN ({members})
    UNION
    SELECT 0, i.reporter_id, i.reported_to_id, NULL, NULL, NULL, NULL, NULL, NULL
    FROM {incident} i WHERE i.reporter_id IN ({members})
"""


class _Agencies:
    """Whom to contact about each person of a batch, loaded together on first use: every
    agency that recorded them, had an incident about them or leads a case they are on, and the
    lead officer of their most relevant case there (the agency's ASB team when there is none,
    or when the person withdrew consent). Built from every agency's records, as the system:
    two queries however many people (`_AGENCIES_SQL`, then the organisations not yet read for
    the batch's details)."""

    def __init__(self, groups: dict[int, list[int]], withdrawn: set[int], organisations: dict):
        self.groups = groups
        self.withdrawn = withdrawn
        self.organisations = organisations  # already read for the batch, by id
        self.loaded: dict[int, list[AgencyContact]] | None = None

    def for_person(self, pk: int) -> list[AgencyContact]:
        if self.loaded is None:
            self.loaded = self._load()
        return self.loaded.get(pk, [])

    def _rows(self, member_of: dict[int, int]) -> list[tuple]:
        members = list(member_of)
        merged = [(member, pk) for member, pk in member_of.items() if member != pk]
        canonical = "cp.person_id"
        mapping: list[int] = []
        if merged:
            canonical = (
                "CASE cp.person_id "
                + " ".join("WHEN %s THEN %s" for _ in merged)
                + " ELSE cp.person_id END"
            )
            mapping = [value for pair in merged for value in pair]
        sql = _AGENCIES_SQL.format(
            canonical=canonical,
            members=_placeholders(members),
            case_person=_table(CasePerson),
            case=_table(Case),
            user=_table(User),
            membership=_table(Membership),
            details=_table(PersonDetails),
            incident=_table(Incident),
        )
        # The placeholders in the order they appear: the window's CASE (in SELECT and in
        # PARTITION BY), the closed status, the links' members, then each other branch's.
        params = [
            *mapping,
            *mapping,
            CaseStatus.CLOSED.value,
            *members,
            *members,
            *members,
            *members,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _load(self) -> dict[int, list[AgencyContact]]:
        member_of = {member: pk for pk, members in self.groups.items() for member in members}
        to_uuid = Organisation._meta.pk.to_python
        organisations: dict[int, set] = defaultdict(set)
        officers: dict[tuple[int, object], tuple] = {}
        for is_link, person_id, organisation_id, *officer in self._rows(member_of):
            organisation_id = to_uuid(organisation_id)
            pk = person_id if is_link else member_of[person_id]
            organisations[pk].add(organisation_id)
            if is_link and officer[0] is not None:
                officers[(pk, organisation_id)] = officer
        missing = {o for found in organisations.values() for o in found} - set(self.organisations)
        by_id = {**self.organisations, **Organisation.objects.in_bulk(missing)}
        names: dict[int, str] = {}  # an officer's name, worked out once a batch
        loaded = {}
        for pk in self.groups:
            contacts = []
            for organisation_id in organisations.get(pk, set()):
                organisation = by_id[organisation_id]
                officer = officers.get((pk, organisation_id))
                if officer is not None and pk not in self.withdrawn:
                    officer_id, username, first_name, last_name, email, phone = officer
                    if officer_id not in names:
                        names[officer_id] = User(
                            username=username, first_name=first_name, last_name=last_name
                        ).display_name
                    contacts.append(
                        AgencyContact(
                            organisation=organisation,
                            contact_name=names[officer_id],
                            contact_email=email,
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


def _signposts(
    groups: dict[int, list[int]], flags: dict[int, tuple], organisations: dict | None = None
) -> dict[int, Signpost]:
    member_of = {member: pk for pk, members in groups.items() for member in members}
    withdrawn = {member_of[pk] for pk, row in flags.items() if row[5] and pk in member_of}
    batch = _Agencies(groups, withdrawn, organisations or {})
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
    flags = _flag_rows(members, with_merged=False)
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
    visible = rules.person_details(viewer, person_ids=all_ids).order_by("-updated_at", "pk")
    if with_factors:
        visible = visible.prefetch_related("vulnerability_factors")
    visible = list(visible)
    # The organisations that recorded them by key, not joined: with a join PostgreSQL may probe
    # the details' index once an organisation (60 times 200 people, 38,000 buffers at 1M).
    organisations = Organisation.objects.in_bulk({details.organisation_id for details in visible})
    own: dict[int, PersonDetails] = {}
    shared: dict[int, list[PersonDetails]] = defaultdict(list)
    for details in visible:
        details.organisation = organisations[details.organisation_id]
        pk = member_of[details.person_id]
        if details.organisation_id == viewer.organisation_id:
            own.setdefault(pk, details)
        else:
            shared[pk].append(details)
    posts = _signposts(groups, flags, organisations)
    views = {}
    for person in people:
        pk = canonical[person.pk]
        views[person.pk] = PersonView(
            person=person, signpost=posts[pk], own=own.get(pk), shared=shared.get(pk, [])
        )
    return views


def person_view(viewer: Viewer, person: Person, *, with_factors: bool = False) -> PersonView:
    return person_views(viewer, [person], with_factors=with_factors)[person.pk]
