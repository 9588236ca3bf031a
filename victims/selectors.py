"""Reads of people, scoped to the user asking.

An organisation sees a person's record when it has a case or an incident with them (or recorded
them). Every other agency sees a signpost only: that the person is known to N partner agencies,
who to contact, and their repeat, vulnerable and risk status — never another agency's incidents,
notes or cases. Case records are reached by string and reverse relations: this app is imported by
asb_cases, never the other way round.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID

from django.apps import apps
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from partners.access import granted_to
from partners.models import Organisation, User
from partners.working_days import add_working_days
from victims import matching
from victims.models import (
    ContactLog,
    ContactStandard,
    ImpactStatement,
    Person,
    PersonMerge,
    PersonStatus,
    RiskAssessment,
    RiskQuestionnaire,
    SupportReferral,
    VulnerabilityFactor,
)

CASE_PERMISSION = "asb_cases.CaseGroupObjectPermission"


def _model(name: str):
    return apps.get_model("asb_cases", name)


def _uuid(value) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Http404("Not a valid identifier") from None


# Visibility -----------------------------------------------------------------------------------


def person_visible_q(organisation: Organisation) -> Q:
    """People on a case the organisation can see, in an incident reported to it, or recorded
    by it."""
    on_visible_case = Exists(
        _model("CasePerson")
        .objects.filter(person_id=OuterRef("pk"))
        .filter(granted_to(CASE_PERMISSION, organisation, "view_case", outer="case_id"))
    )
    in_our_incident = Exists(
        _model("Incident").objects.filter(
            Q(victim_id=OuterRef("pk")) | Q(reporter_id=OuterRef("pk")),
            reported_to=organisation,
        )
    )
    return Q(on_visible_case) | Q(in_our_incident) | Q(created_by_organisation=organisation)


def group_ids(person: Person) -> list[int]:
    """The person and every record merged into them."""
    return [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]


def person_is_visible(*, user: User, person: Person) -> bool:
    return (
        user.has_perm("victims.view_person")
        and Person.objects.filter(pk__in=group_ids(person))
        .filter(person_visible_q(user.membership.organisation))
        .exists()
    )


def person_get_for_user(*, user: User, person_uuid) -> Person:
    """A person the user's organisation has a case or incident with (merged records resolve to
    the person they were merged into); 404 otherwise."""
    person = (
        Person.objects.filter(uuid=_uuid(person_uuid))
        .select_related("merged_into", "status", "created_by_organisation")
        .first()
    )
    if person is None:
        raise Http404("No such person")
    if person.merged_into_id:
        person = person.merged_into
    if not person_is_visible(user=user, person=person):
        raise Http404("No such person")
    return person


# Signposts ------------------------------------------------------------------------------------


@dataclass
class AgencyContact:
    organisation: Organisation
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    has_open_case: bool = False
    last_seen: dt.datetime | None = None


@dataclass
class Signpost:
    """What any agency may know about a person it has no case with."""

    agencies: list[AgencyContact]
    status: PersonStatus | None
    consent_withdrawn: bool

    @property
    def known_to(self) -> int:
        return len(self.agencies)


def signpost_for(person: Person) -> Signpost:
    """Agencies involved with the person (and whom to call there), and their status."""
    ids = group_ids(person)
    agencies: dict[object, AgencyContact] = {}
    incident_rows = (
        _model("Incident")
        .objects.filter(Q(victim_id__in=ids) | Q(reporter_id__in=ids))
        .values("reported_to_id")
        .annotate(last=Max("reported_at"))
    )
    last_seen = {row["reported_to_id"]: row["last"] for row in incident_rows}
    case_rows = sorted(
        _model("CasePerson")
        .objects.filter(person_id__in=ids)
        .select_related("case__lead_officer__membership"),
        # Open cases first, then the most recently active: their lead officer is the contact.
        key=lambda row: (row.case.status == "closed", -row.case.updated_at.timestamp()),
    )
    organisations = {
        o.pk: o
        for o in Organisation.objects.filter(
            pk__in=set(last_seen) | {row.case.lead_organisation_id for row in case_rows}
        )
    }
    for row in case_rows:
        case = row.case
        if case.lead_organisation_id in agencies:
            continue
        contact = agencies[case.lead_organisation_id] = AgencyContact(
            organisation=organisations[case.lead_organisation_id],
            has_open_case=case.status != "closed",
        )
        if case.lead_officer:
            officer = case.lead_officer
            contact.contact_name = officer.display_name
            contact.contact_email = officer.email
            contact.contact_phone = getattr(getattr(officer, "membership", None), "phone", "")
    for organisation_id, seen in last_seen.items():
        contact = agencies.setdefault(
            organisation_id, AgencyContact(organisation=organisations[organisation_id])
        )
        contact.last_seen = seen
    for contact in agencies.values():
        if not contact.contact_name:
            contact.contact_name = f"{contact.organisation.name} ASB team"
            contact.contact_email = contact.organisation.contact_email
    ordered = sorted(agencies.values(), key=lambda c: (not c.has_open_case, c.organisation.name))
    status = PersonStatus.objects.filter(person=person).first()
    return Signpost(agencies=ordered, status=status, consent_withdrawn=person.consent_withdrawn)


# Searching and matching -----------------------------------------------------------------------


@dataclass
class Candidate:
    person: Person
    match: matching.Match
    visible: bool
    signpost: Signpost | None = None


def _candidates(query: matching.Query, limit: int = 2000) -> QuerySet[Person]:
    family_key = matching.soundex(query.family_name)
    given = matching.normalise_name(query.given_name)
    block = Q(pk__in=[])
    if query.date_of_birth:
        block |= Q(date_of_birth=query.date_of_birth)
    if query.postcode:
        block |= Q(postcode=query.postcode)
    if query.uprn:
        block |= Q(uprn=query.uprn)
    if family_key and given:
        block |= Q(family_name_key=family_key) & (
            Q(given_name_key__in=matching.name_variants(given))
            | Q(given_name_key__startswith=given[0])
        )
    return Person.objects.filter(block, merged_into__isnull=True)[:limit]


def person_candidates(
    *, user: User, query: matching.Query, exclude: list[int] = (), limit: int = 10
) -> list[Candidate]:
    """People across the whole partnership who may be the person described, best first, each
    with the reasons and — unless the user's organisation already has them — a signpost only."""
    scored = []
    for person in _candidates(query):
        if person.pk in exclude:
            continue
        match = matching.score(query, person)
        if match is not None:
            scored.append((match.score, person, match))
    scored.sort(key=lambda item: (-item[0], item[1].family_name, item[1].pk))
    organisation = user.membership.organisation
    top = scored[:limit]
    visible_ids = set(
        Person.objects.filter(pk__in=[p.pk for _, p, _ in top])
        .filter(person_visible_q(organisation))
        .values_list("pk", flat=True)
    )
    return [
        Candidate(
            person=person,
            match=match,
            visible=person.pk in visible_ids,
            signpost=signpost_for(person),
        )
        for _, person, match in top
    ]


# The person page ------------------------------------------------------------------------------


@dataclass
class PersonRecord:
    person: Person
    signpost: Signpost
    cases: list  # the user's organisation's view of the person's cases
    incidents: list
    assessments: list[RiskAssessment]
    contacts: list[ContactLog]
    referrals: list[SupportReferral]
    statements: list[ImpactStatement]
    merges: list[PersonMerge]
    merged_people: list[Person]
    factors: list[VulnerabilityFactor] = field(default_factory=list)


def _visible_case_q(organisation: Organisation, outer: str = "case_id") -> Exists:
    return granted_to(CASE_PERMISSION, organisation, "view_case", outer=outer)


def person_record_for_user(*, user: User, person: Person) -> PersonRecord:
    """Everything the user's organisation may see about a person: the cases and incidents it
    can see, and the risk, contact, referral and statement records on those cases."""
    organisation = user.membership.organisation
    ids = group_ids(person)
    visible_case = _visible_case_q(organisation)
    cases = list(
        _model("Case")
        .objects.filter(person_links__person_id__in=ids)
        .filter(_visible_case_q(organisation, outer="pk"))
        .select_related("lead_organisation", "lead_officer")
        .distinct()
        .order_by("-updated_at")
    )
    incident_model = _model("Incident")
    incidents = list(
        incident_model.objects.filter(Q(victim_id__in=ids) | Q(reporter_id__in=ids))
        .filter(
            Q(reported_to=organisation)
            | Exists(
                _model("CaseIncident")
                .objects.filter(incident_id=OuterRef("pk"))
                .filter(_visible_case_q(organisation))
            )
        )
        .select_related("reported_to", "incident_type")
        .order_by("-occurred_at")
    )
    assessments = list(
        RiskAssessment.objects.filter(person_id__in=ids)
        .filter(visible_case)
        .select_related("case", "assessed_by", "organisation", "questionnaire")
    )
    contacts = list(
        ContactLog.objects.filter(person_id__in=ids)
        .filter(visible_case)
        .select_related("case", "by", "organisation")
    )
    referrals = list(
        SupportReferral.objects.filter(person_id__in=ids)
        .filter(visible_case)
        .select_related("case", "referred_by", "organisation")
    )
    statements = list(
        ImpactStatement.objects.filter(person_id__in=ids)
        .filter(Q(case__isnull=True, organisation=organisation) | Q(visible_case))
        .select_related("case", "recorded_by", "organisation")
    )
    merges = list(
        PersonMerge.objects.filter(Q(survivor=person) | Q(duplicate=person)).select_related(
            "survivor", "duplicate", "merged_by", "organisation"
        )
    )
    return PersonRecord(
        person=person,
        signpost=signpost_for(person),
        cases=cases,
        incidents=incidents,
        assessments=assessments,
        contacts=contacts,
        referrals=referrals,
        statements=statements,
        merges=merges,
        merged_people=list(Person.objects.filter(merged_into=person)),
        factors=list(person.vulnerability_factors.all()),
    )


# Contact standards and "my victims" -----------------------------------------------------------


@dataclass
class ContactDue:
    last_contact: dt.datetime | None
    due_on: dt.date | None
    overdue: bool
    standard: ContactStandard | None

    @property
    def label(self) -> str:
        if self.due_on is None:
            return "No standard"
        when = f"{self.due_on:%-d %b %Y}"
        return f"Overdue since {when}" if self.overdue else f"Next contact by {when}"


def contact_due(
    *,
    opened_at: dt.datetime,
    risk_band: str,
    last_contact: dt.datetime | None,
    standards: dict[str, ContactStandard],
    today: dt.date | None = None,
) -> ContactDue:
    """When the victim must next hear from the lead agency, by the standard for the risk band:
    first contact within N working days of the case opening, then every M working days."""
    today = today or timezone.localdate()
    standard = standards.get(risk_band)
    if standard is None:
        return ContactDue(last_contact, None, False, None)
    if last_contact is None:
        due = add_working_days(
            timezone.localtime(opened_at).date(), standard.first_contact_working_days
        )
    else:
        due = add_working_days(
            timezone.localtime(last_contact).date(), standard.update_every_working_days
        )
    return ContactDue(last_contact, due, due < today, standard)


def contact_standards() -> dict[str, ContactStandard]:
    return {standard.risk_band: standard for standard in ContactStandard.objects.all()}


@dataclass
class VictimRow:
    person: Person
    case: object
    status: PersonStatus | None
    contact: ContactDue


def my_victims(*, user: User, team: bool = False) -> list[VictimRow]:
    """Victims on open cases the user leads (or, for a team view, their organisation leads),
    with their flags and whether contact is overdue — the list a supervisor acts on each
    morning. A fixed number of queries however long the list."""
    case_person = _model("CasePerson")
    links = case_person.objects.filter(role="victim").exclude(case__status="closed")
    if team:
        links = links.filter(case__lead_organisation_id=user.membership.organisation_id)
    else:
        links = links.filter(case__lead_officer=user)
    links = list(
        links.select_related("person", "person__status", "case", "case__lead_officer").order_by(
            "case__opened_at"
        )
    )
    last_contacts: dict[tuple[int, int], dt.datetime] = {}
    if links:
        rows = (
            ContactLog.objects.filter(
                case_id__in={link.case_id for link in links},
                person_id__in={link.person_id for link in links},
                made_contact=True,
            )
            .values("case_id", "person_id")
            .annotate(last=Max("contacted_at"))
        )
        last_contacts = {(row["case_id"], row["person_id"]): row["last"] for row in rows}
    standards = contact_standards()
    result = []
    for link in links:
        result.append(
            VictimRow(
                person=link.person,
                case=link.case,
                status=getattr(link.person, "status", None),
                contact=contact_due(
                    opened_at=link.case.opened_at,
                    risk_band=link.case.risk_band,
                    last_contact=last_contacts.get((link.case_id, link.person_id)),
                    standards=standards,
                ),
            )
        )
    result.sort(key=lambda row: (not row.contact.overdue, row.contact.due_on or dt.date.max))
    return result


def case_contact_due(*, case, person: Person) -> ContactDue:
    last = (
        ContactLog.objects.filter(case=case, person=person, made_contact=True)
        .aggregate(last=Max("contacted_at"))
        .get("last")
    )
    return contact_due(
        opened_at=case.opened_at,
        risk_band=case.risk_band,
        last_contact=last,
        standards=contact_standards(),
    )


# Reference data -------------------------------------------------------------------------------


def questionnaire_current() -> RiskQuestionnaire:
    questionnaire = (
        RiskQuestionnaire.objects.filter(active=True, effective_from__lte=timezone.localdate())
        .prefetch_related("questions")
        .first()
    )
    if questionnaire is None:
        raise Http404("No risk questionnaire is in force")
    return questionnaire


def statement_versions(*, statement: ImpactStatement) -> QuerySet[ImpactStatement]:
    return ImpactStatement.objects.filter(statement_id=statement.statement_id).order_by("-version")


def statuses_by_person(person_ids: list[int]) -> dict[int, PersonStatus]:
    return {s.person_id: s for s in PersonStatus.objects.filter(person_id__in=person_ids)}


def query_for(person: Person) -> matching.Query:
    """The matching query that finds other records of this person."""
    return matching.Query(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        postcode=person.postcode,
        uprn=person.uprn,
    )


def person_merge_get(*, person: Person, merge_id: int) -> PersonMerge:
    merge = (
        PersonMerge.objects.filter(pk=merge_id, survivor=person)
        .select_related("survivor", "duplicate")
        .first()
    )
    if merge is None:
        raise Http404("No such merge")
    return merge


def person_strong_match(
    *, given_name: str, family_name: str, date_of_birth: dt.date | None
) -> Person | None:
    """The one person with exactly this (normalised) name and date of birth, for matching
    without an officer to confirm (public applications, partner systems). None if there is no
    such person, or more than one."""
    if date_of_birth is None:
        return None
    family = matching.normalise_name(family_name)
    found = [
        person
        for person in Person.objects.filter(
            date_of_birth=date_of_birth,
            given_name_key=matching.normalise_name(given_name),
            merged_into__isnull=True,
        )
        if matching.normalise_name(person.family_name) == family
    ]
    return found[0] if len(found) == 1 else None


StrongMatchKey = tuple[str, str, dt.date]


def strong_match_key(given_name: str, family_name: str, date_of_birth: dt.date) -> StrongMatchKey:
    return (
        matching.normalise_name(given_name),
        matching.normalise_name(family_name),
        date_of_birth,
    )


def people_strong_matches(
    *, people: list[tuple[str, str, dt.date | None]]
) -> dict[StrongMatchKey, Person]:
    """`person_strong_match` for many (given name, family name, date of birth) at once, in one
    query, keyed by `strong_match_key`: a key that matches no one, or more than one person, is
    left out; so is a person without a date of birth."""
    keys = {strong_match_key(*person) for person in people if person[2] is not None}
    if not keys:
        return {}
    found: dict[StrongMatchKey, list[Person]] = {}
    for person in Person.objects.filter(
        date_of_birth__in={key[2] for key in keys},
        given_name_key__in={key[0] for key in keys},
        merged_into__isnull=True,
    ):
        key = strong_match_key(person.given_name, person.family_name, person.date_of_birth)
        if key in keys:
            found.setdefault(key, []).append(person)
    return {key: matches[0] for key, matches in found.items() if len(matches) == 1}


def person_get_for_signpost(*, user: User, person_uuid) -> Person:
    """Any person of the partnership, for their signpost (what every agency may know): merged
    records resolve to the person they joined. 404 for a role that does not see people; what
    else the organisation may see of them is `person_is_visible`."""
    if not user.has_perm("victims.view_person"):
        raise Http404("No such person")
    person = (
        Person.objects.filter(uuid=_uuid(person_uuid))
        .select_related("merged_into", "status", "created_by_organisation")
        .first()
    )
    if person is None:
        raise Http404("No such person")
    return person.merged_into if person.merged_into_id else person
