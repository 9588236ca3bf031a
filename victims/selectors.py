"""Reads of people, scoped to the viewer asking (access.rules decides, access.redaction shows).

An organisation sees what it recorded about a person, what a case share that includes people
showed it, and the signpost (known to N agencies, repeat, vulnerable, risk band, whom to
contact) — never more because it matched, linked or merged someone (docs/adr/0013). Cases and
incidents are reached through the access layer's rules and reverse relations: this app does not
import asb_cases.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple
from uuid import UUID

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connections
from django.db.models import F, Func, IntegerField, Max, Q, QuerySet, Value
from django.db.models.lookups import LessThanOrEqual
from django.http import Http404
from django.utils import timezone

from access import redaction, rules
from access.viewer import Viewer
from partners.postcodes import normalise_postcode
from partners.working_days import add_working_days
from victims import matching
from victims.models import (
    ContactStandard,
    Person,
    PersonDetails,
    PersonMerge,
    PersonStatus,
    RiskQuestionnaire,
)


def _uuid(value) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Http404("Not a valid identifier") from None


def group_ids(person: Person) -> list[int]:
    """The person and every record merged into them."""
    return [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]


def _person_by_uuid(person_uuid) -> Person:
    person = Person.objects.filter(uuid=_uuid(person_uuid)).select_related("merged_into").first()
    if person is None:
        raise Http404("No such person")
    return person.merged_into if person.merged_into_id else person


def person_is_visible(*, viewer: Viewer, person: Person) -> bool:
    """Whether the viewer may open the person's page (access.rules.people, over the person and
    the records merged into them)."""
    return rules.people(viewer).filter(pk__in=group_ids(person)).exists()


def person_get_for_viewer(*, viewer: Viewer, person_uuid) -> Person:
    """A person the viewer's organisation recorded, or has a case or incident with (a merged
    record resolves to the person it was merged into); 404 otherwise."""
    person = _person_by_uuid(person_uuid)
    if not person_is_visible(viewer=viewer, person=person):
        raise Http404("No such person")
    return person


def person_get_for_signpost(*, viewer: Viewer, person_uuid) -> Person:
    """Any person of the partnership, for their signpost (what every agency may know): merged
    records resolve to the person they joined. 404 for a role that does not see people."""
    if not viewer.sees_people:
        raise Http404("No such person")
    return _person_by_uuid(person_uuid)


def person_details_own(*, viewer: Viewer, person: Person) -> PersonDetails | None:
    """What the viewer's organisation recorded about the person (or a record merged into
    them), if anything."""
    return (
        rules.person_details_own(viewer)
        .filter(person_id__in=group_ids(person))
        .prefetch_related("vulnerability_factors")
        .order_by("-updated_at")
        .first()
    )


# Searching and matching -----------------------------------------------------------------------


@dataclass
class Candidate:
    """A person who may be the one described. `view` says what the viewer may see of them;
    `match.reasons` never quote another agency's record."""

    person: Person
    match: matching.Match
    view: redaction.PersonView

    @property
    def visible(self) -> bool:
        return self.view.level != redaction.SIGNPOST

    @property
    def signpost(self) -> redaction.Signpost:
        return self.view.signpost


def _birth_dates(query: matching.Query) -> set[dt.date]:
    """The dates of birth a record may have to be proposed: the one typed, and it with day and
    month swapped when there is such a date."""
    if not query.date_of_birth:
        return set()
    born = query.date_of_birth
    dates = {born}
    with contextlib.suppress(ValueError):  # no such date with day and month swapped
        dates.add(born.replace(month=born.day, day=born.month))
    return dates


def _corroborations(query: matching.Query, *, stored_district: bool = False) -> list[Q]:
    """What can corroborate a name, each on its own: a date of birth allowed, the same
    postcode, the same postcode district, the same UPRN. The district as the postcode's
    beginning, or as the stored district (`PersonDetails.postcode_district`, indexed): the
    same records either way."""
    found = []
    if dates := _birth_dates(query):
        found.append(Q(date_of_birth__in=dates))
    compact = re.sub(r"\s", "", query.postcode or "").upper()
    if compact:
        found.append(Q(postcode=normalise_postcode(compact)))
        if len(compact) > 3:
            district = compact[:-3]
            found.append(
                Q(postcode_district=district)
                if stored_district
                else Q(postcode__startswith=f"{district} ")
            )
    if query.uprn:
        found.append(Q(uprn=query.uprn))
    return found


def _could_match(query: matching.Query) -> Q:
    """What `matching.score` requires of a record whatever its names, as a condition the
    database checks: no date of birth other than the one typed (or it with day and month
    swapped), and something that corroborates a name — that date of birth, the same postcode
    district, or the same UPRN. Records failing it would be scored only to be dropped."""
    corroborating = Q(pk__in=[])
    for corroboration in _corroborations(query):
        corroborating |= corroboration
    compatible_birth = Q()
    if dates := _birth_dates(query):
        compatible_birth = Q(date_of_birth__isnull=True) | Q(date_of_birth__in=dates)
    return compatible_birth & corroborating


def _first_name_could_agree(query: matching.Query) -> Q:
    """What `matching.score` requires of a record's first name, on PostgreSQL: that it agrees
    with the one typed (the same, a form of it, a typo apart, or an initial of it either way),
    unless the record is at the same property. A typo apart is `matching._close`: at most one
    or two edits counting a swap of neighbouring letters as one; `levenshtein_less_equal`
    (fuzzystrmatch) counts a swap as two, so it is asked for twice as many: a wider
    condition, never a narrower one. Without it a common surname in a postcode district read
    a thousand records a lookup to propose five (issue 16)."""
    given = matching.normalise_name(query.given_name)
    agrees = Q(pk__in=[])
    if given:
        edits = 2 * (2 if len(given) >= 8 else 1)
        distance = Func(
            F("given_name_key"),
            Value(given),
            Value(edits),
            function="levenshtein_less_equal",
            output_field=IntegerField(),
        )
        agrees = (
            Q(given_name_key__in=matching.name_variants(given))
            | Q(LessThanOrEqual(distance, edits))
            # An initial on either side (the typed one, or the record's).
            | (
                Q(given_name_key__startswith=given)
                if len(given) == 1
                else Q(given_name_key=given[0])
            )
        )
    if query.uprn:
        agrees |= Q(uprn=query.uprn)
    return agrees


# The fields of a record `matching.score` reads.
_SCORED_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode", "uprn")


class _Scored(NamedTuple):
    """A record as scoring reads it: a lookup reads a few hundred of them (up to 2,000), and a
    tuple costs a fraction of a model instance to build (docs/adr/0023)."""

    person_id: int
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    postcode: str
    uprn: str


def _blocks(query: matching.Query, limit: int = 2000) -> QuerySet[PersonDetails]:
    """Every organisation's records that could be the person: cheap indexed blocks (the same
    date of birth, postcode or UPRN, the phonetic surname code with a compatible first name,
    and on PostgreSQL a surname similar by trigrams, from its GIN index), narrowed in the
    database to those `matching.score` could propose. On PostgreSQL the closest surnames come
    first, so the cap keeps the likeliest; elsewhere (SQLite) the order is arbitrary.

    A name block finds a common surname across the country, and a name needs something to
    corroborate it; so each name block is asked for with each corroboration the query could
    have (a date of birth, the postcode, its district, the UPRN), every arm of the condition
    served by an index of its own (the planner does not distribute AND over OR itself).
    `_could_match` is checked as well: the records are the same as those of the name blocks
    alone, narrowed by it; on PostgreSQL so is the first name (`_first_name_could_agree`)."""
    family_key = matching.soundex(query.family_name)
    given = matching.normalise_name(query.given_name)
    plain = []
    if query.date_of_birth:
        plain.append(Q(date_of_birth=query.date_of_birth))
    if query.postcode:
        plain.append(Q(postcode=query.postcode))
    if query.uprn:
        plain.append(Q(uprn=query.uprn))
    names = []
    if family_key and given:
        names.append(
            Q(family_name_key=family_key)
            & (
                Q(given_name_key__in=matching.name_variants(given))
                | Q(given_name_key__startswith=given[0])
            )
        )
    records = PersonDetails.objects.all()
    family = query.family_name.strip()
    if connections[records.db].vendor == "postgresql" and family:
        # pg_trgm ignores case and punctuation.
        names.append(Q(family_name__trigram_similar=family))
        records = records.annotate(
            closeness=TrigramSimilarity("family_name", Value(family))
        ).order_by("-closeness", "pk")
    if connections[records.db].vendor == "postgresql":
        records = records.filter(_first_name_could_agree(query))
    block = Q(pk__in=[])
    for each in plain:
        block |= each
    for corroboration in _corroborations(query, stored_district=True):
        # Already a block whatever the name: the UPRN, and the postcode when typed as stored.
        if corroboration in plain:
            continue
        for name in names:
            block |= name & corroboration
    return (
        records.filter(block)
        .filter(_could_match(query))
        # What scoring reads: a common surname can bring a thousand records back.
        .only(*_SCORED_FIELDS, "person")[:limit]
    )


def person_candidates(
    *, viewer: Viewer, query: matching.Query, exclude: list[int] = (), limit: int = 10
) -> list[Candidate]:
    """People across the whole partnership who may be the person described, best first. Each
    is scored against every agency's record of them, but shown only as the viewer may see them:
    their own or shared details, else the signpost and reasons that quote nothing stored."""
    # The records that could be the person, in the order read (scoring keeps the first of
    # equal scores), and then their people: a few of the up to 2,000 records read.
    matched = [
        (record.person_id, match)
        for record in map(_Scored._make, _blocks(query).values_list("person", *_SCORED_FIELDS))
        if (match := matching.score(query, record)) is not None
    ]
    people = Person.objects.in_bulk({person_pk for person_pk, _ in matched})
    best: dict[int, matching.Match] = {}
    for person_pk, match in matched:
        person = people[person_pk]
        pk = person.merged_into_id or person.pk  # a merged record counts for whom it joined
        if pk in exclude:
            continue
        if pk not in best or match.score > best[pk].score:
            best[pk] = match
    # A match found only through a record merged into someone: show the person it joined.
    people.update(Person.objects.in_bulk([pk for pk in best if pk not in people]))
    ranked = sorted(best, key=lambda pk: (-best[pk].score, pk))[:limit]
    views = redaction.person_views(viewer, [people[pk] for pk in ranked])
    return [Candidate(person=people[pk], match=best[pk], view=views[pk]) for pk in ranked]


def query_for(person_details: PersonDetails) -> matching.Query:
    """The matching query that finds other records of the person these details describe."""
    return matching.Query(
        given_name=person_details.given_name,
        family_name=person_details.family_name,
        date_of_birth=person_details.date_of_birth,
        postcode=person_details.postcode,
        uprn=person_details.uprn,
    )


def merge_candidates(*, viewer: Viewer, person: Person) -> list[Candidate]:
    """Other records of the person that the viewer's organisation recorded itself: only those
    can be merged by it (merging another agency's record would change what that agency's staff
    see)."""
    own = person_details_own(viewer=viewer, person=person)
    if own is None:
        return []
    candidates = person_candidates(
        viewer=viewer, query=query_for(own), exclude=group_ids(person), limit=20
    )
    return [c for c in candidates if c.view.own is not None]


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
    """The one person whose records carry exactly this (normalised) name and date of birth,
    for matching without an officer to confirm (partner systems), for many at once, keyed by
    `strong_match_key`: a key matching no one, or more than one person, is left out; so is
    a person without a date of birth. Matching links; it never shows (the organisation that
    links records its own details: victims.services.person_link)."""
    keys = {strong_match_key(*person) for person in people if person[2] is not None}
    if not keys:
        return {}
    # The stored keys narrow the rows (a family name's Soundex is that of its normalised
    # form); the names are compared exactly below. Rows as tuples, and only the people found
    # loaded as models: a batch of 500 read ~750 details with their people as models (70 ms).
    # The three lists also let through details pairing one key's date with another's names
    # (2,459 rows for the 326 keys of a benchmark batch, of which 350 carry a key's own
    # three): those are dropped by their stored keys before their names are normalised, and
    # only the people of the rest are read, with whom they were merged into. Unordered: the
    # details' default order sorted every row for nothing.
    stored = {(given, matching.soundex(family), born) for given, family, born in keys}
    candidates: list[tuple[StrongMatchKey, int]] = []
    for given_key, family_key, born, given, family, person_id in (
        PersonDetails.objects.filter(
            date_of_birth__in={born for _, _, born in stored},
            given_name_key__in={given_key for given_key, _, _ in stored},
            family_name_key__in={family_key for _, family_key, _ in stored},
        )
        .order_by()
        .values_list(
            "given_name_key",
            "family_name_key",
            "date_of_birth",
            "given_name",
            "family_name",
            "person_id",
        )
    ):
        if (given_key, family_key, born) in stored:
            key = strong_match_key(given, family, born)
            if key in keys:
                candidates.append((key, person_id))
    people_by_pk = Person.objects.in_bulk({person_id for _, person_id in candidates})
    found: dict[StrongMatchKey, set[int]] = {}
    for key, person_id in candidates:
        person = people_by_pk.get(person_id)
        if person is not None:
            found.setdefault(key, set()).add(person.merged_into_id or person.pk)
    unique = {key: next(iter(ids)) for key, ids in found.items() if len(ids) == 1}
    # The person a match was merged into, if it is not one of those read.
    people_by_pk.update(Person.objects.in_bulk(set(unique.values()) - set(people_by_pk)))
    return {key: people_by_pk[pk] for key, pk in unique.items() if pk in people_by_pk}


# The person page ------------------------------------------------------------------------------


@dataclass
class PersonRecord:
    """Everything the person page shows the viewer: the person as they may see them, and the
    cases, incidents and support records of theirs that the access rules let through."""

    view: redaction.PersonView
    cases: list
    incidents: list
    assessments: list
    contacts: list
    referrals: list
    statements: list
    merges: list[PersonMerge]
    merged_people: list[Person]

    @property
    def person(self) -> Person:
        return self.view.person

    @property
    def signpost(self) -> redaction.Signpost:
        return self.view.signpost


def person_record_for_viewer(*, viewer: Viewer, person: Person) -> PersonRecord:
    """Everything the viewer's organisation may see about a person, in a fixed number of
    queries."""
    ids = group_ids(person)
    view = redaction.person_view(viewer, person, with_factors=True)
    cases = list(
        rules.cases(viewer)
        .filter(person_links__person_id__in=ids)
        .select_related("lead_organisation", "lead_officer")
        .distinct()
        .order_by("-updated_at")
    )
    incidents = list(
        rules.incidents(viewer)
        .filter(Q(victim_id__in=ids) | Q(reporter_id__in=ids))
        .select_related("reported_to", "incident_type")
        .order_by("-occurred_at")
    )
    assessments = list(
        rules.risk_assessments(viewer)
        .filter(person_id__in=ids)
        .select_related("case", "assessed_by", "organisation", "questionnaire")
    )
    contacts = list(
        rules.contacts(viewer)
        .filter(person_id__in=ids)
        .select_related("case", "by", "organisation")
    )
    referrals = list(
        rules.referrals(viewer)
        .filter(person_id__in=ids)
        .select_related("case", "referred_by", "organisation")
    )
    statements = list(
        rules.impact_statements(viewer)
        .filter(person_id__in=ids)
        .select_related("case", "recorded_by", "organisation")
    )
    # Merges the viewer's organisation made (the only ones it can undo) are listed; others'
    # are not its business beyond the person page it is sent to.
    merges = list(
        PersonMerge.objects.filter(Q(survivor=person) | Q(duplicate=person))
        .filter(organisation_id=viewer.organisation_id)
        .select_related("survivor", "duplicate", "merged_by", "organisation")
    )
    return PersonRecord(
        view=view,
        cases=cases,
        incidents=incidents,
        assessments=assessments,
        contacts=contacts,
        referrals=referrals,
        statements=statements,
        merges=merges,
        merged_people=list(Person.objects.filter(merged_into=person)),
    )


def person_merge_get(*, viewer: Viewer, person: Person, merge_id: int) -> PersonMerge:
    """A merge into this person that the viewer's organisation made; 404 otherwise."""
    merge = (
        PersonMerge.objects.filter(
            pk=merge_id, survivor=person, organisation_id=viewer.organisation_id
        )
        .select_related("survivor", "duplicate")
        .first()
    )
    if merge is None:
        raise Http404("No such merge")
    return merge


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
        return contact_due_label(self.due_on, self.overdue)


def contact_due_label(due_on: dt.date, overdue: bool) -> str:
    """A contact date as the victims' lists say it."""
    when = f"{due_on:%-d %b %Y}"
    return f"Overdue since {when}" if overdue else f"Next contact by {when}"


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
    view: redaction.PersonView
    case: object
    status: PersonStatus | None
    contact: ContactDue

    @property
    def person(self) -> Person:
        return self.view.person


def my_victims(*, viewer: Viewer, team: bool = False) -> list[VictimRow]:
    """Victims on open cases the viewer leads (or, for a team view, their organisation leads),
    with their flags and whether contact is overdue — the list a supervisor acts on each
    morning. A fixed number of queries however long the list."""
    if not viewer.sees_people:
        return []
    links = rules.case_people(viewer).filter(
        role="victim", case__lead_organisation_id=viewer.organisation_id
    )
    if not team:
        links = links.filter(case__lead_officer=viewer.user)
    links = list(
        links.exclude(case__status="closed")
        .select_related("person__status", "case__lead_officer")
        .order_by("case__opened_at", "added_at")
    )
    last_contacts: dict[tuple[int, int], dt.datetime] = {}
    if links:
        rows = (
            rules.contacts(viewer)
            .filter(
                case_id__in={link.case_id for link in links},
                person_id__in={link.person_id for link in links},
                made_contact=True,
            )
            .values("case_id", "person_id")
            .annotate(last=Max("contacted_at"))
        )
        last_contacts = {(row["case_id"], row["person_id"]): row["last"] for row in rows}
    views = redaction.person_views(viewer, [link.person for link in links])
    standards = contact_standards()
    result = [
        VictimRow(
            view=views[link.person_id],
            case=link.case,
            status=getattr(link.person, "status", None),
            contact=contact_due(
                opened_at=link.case.opened_at,
                risk_band=link.case.risk_band,
                last_contact=last_contacts.get((link.case_id, link.person_id)),
                standards=standards,
            ),
        )
        for link in links
    ]
    result.sort(key=lambda row: (not row.contact.overdue, row.contact.due_on or dt.date.max))
    return result


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


def statuses_by_person(person_ids: list[int]) -> dict[int, PersonStatus]:
    return {s.person_id: s for s in PersonStatus.objects.filter(person_id__in=person_ids)}
