"""Reads of incidents and cases, always scoped to the viewer asking (access.rules decides).

Views and API views never query protected models themselves; they call these. Anything the
viewer may not see is `Http404`, so its existence does not leak. People on cases and incidents
are shown through access.redaction.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from uuid import UUID

from django.db import connection
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Max, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Lower
from django.http import Http404
from django.utils import timezone

from access import redaction, rules
from access.rules import CaseAccess
from access.viewer import Viewer
from asb_cases.models import (
    ActionType,
    Case,
    CaseAction,
    CaseLocation,
    CasePerson,
    CaseShare,
    CaseStatus,
    CaseStatusChange,
    CaseTask,
    Incident,
    IncidentType,
    Lsoa,
    OwnershipTransfer,
    PersonRole,
    PreApplicationRiskAssessment,
    SupportReferral,
    Ward,
)
from partners.models import Membership, Organisation
from partners.paging import Page, paginate_union
from partners.postcodes import is_valid_postcode, normalise_postcode
from victims.models import Person, PersonDetails
from victims.selectors import ContactDue, contact_due, contact_standards

# A search naming more cases than this narrows them to the statuses asked for in one read of
# its own before the list's count and page use them.
NAMED_CASES_NARROWED_ABOVE = 200

# A search naming more cases than that lists the cases matching its document too, up to this
# many, to find them among the organisation's permission rows.
DOCUMENT_MATCHES_LISTED = 5000

# A search by name reads the details of an organisation seeing people on at most this many
# cases as its own and those cases' people's (`_readable_details`).
PEOPLE_CASES_READ_APART = 2000

# The case links of at most this many people are read person by person (`_case_links_of`).
LINKS_PROBED_UP_TO = 10_000

REFERENCE_RE = re.compile(r"^ASB-\d{4}-\d{6}$", re.IGNORECASE)


def _uuid(value) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Http404("Not a valid identifier") from None


# Cases --------------------------------------------------------------------------------------


@dataclass
class CaseFilters:
    q: str = ""
    statuses: list[str] = field(default_factory=list)
    risk_bands: list[str] = field(default_factory=list)
    incident_type: IncidentType | None = None
    lead_organisation: Organisation | None = None
    local_authority_code: str = ""
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None
    mine: bool = False
    sort: str = "updated"

    SORTS = {
        "updated": rules.CASES_BY_LAST_CHANGE,
        "opened": ("-opened_at", "-id"),
        "oldest": ("opened_at", "id"),
        "reference": ("reference",),
        "risk": ("-risk_rank", "-updated_at", "-id"),
    }

    def is_search(self) -> bool:
        """Whether the user is searching or filtering (an audited search), or just listing."""
        return bool(
            self.q
            or self.statuses
            or self.risk_bands
            or self.incident_type
            or self.lead_organisation
            or self.local_authority_code
            or self.opened_from
            or self.opened_to
        )

    def terms(self) -> dict:
        return {
            key: value
            for key, value in {
                "q": self.q,
                "status": self.statuses,
                "risk": self.risk_bands,
                "incident_type": self.incident_type.code if self.incident_type else "",
                "lead_organisation": self.lead_organisation.slug if self.lead_organisation else "",
                "area": self.local_authority_code,
                "opened_from": str(self.opened_from or ""),
                "opened_to": str(self.opened_to or ""),
                "mine": self.mine,
                "sort": self.sort,
            }.items()
            if value
        }


# For each person, their case links read from the links' covering index (person, role) INCLUDE
# (organisation, case).
_CASE_LINKS_SQL = """
    SELECT link.case_id, link.person_id
    FROM unnest(%s::bigint[]) AS wanted(person_id)
    CROSS JOIN LATERAL (
        SELECT case_id, person_id FROM asb_cases_caseperson
        WHERE person_id = wanted.person_id
    ) AS link
"""


def _case_links_of(people: set[int]) -> list[tuple[int, int]]:
    """The (case, person) links of these people. On PostgreSQL, for up to LINKS_PROBED_UP_TO
    people, each person's links are read from the index: as `person_id = ANY(ids)` the planner
    estimated three links a person and from about 4,000 people (the police's "Jackson" at 1M)
    scanned all 620,000 links in parallel instead: 66 ms for 7,071 links, against 15 to 20 ms
    read person by person (4 buffers a person). For more people the scan is the cheaper: the
    police's 24,722 "Smith"s read one by one took 300 ms, much of the index not in memory."""
    if not people:
        return []
    if connection.vendor != "postgresql" or len(people) > LINKS_PROBED_UP_TO:
        return list(
            CasePerson.objects.filter(person_id__in_ids=people)
            .order_by()
            .values_list("case_id", "person_id")
        )
    with connection.cursor() as cursor:
        # One array literal, as `in_ids` sends it (a list would be an ARRAY[...] of 4,000
        # parameters to parse).
        cursor.execute(_CASE_LINKS_SQL, ["{" + ",".join(map(str, sorted(people))) + "}"])
        return cursor.fetchall()


def _named_cases(viewer: Viewer, lowered: str, statuses: list[str]) -> tuple[set[int], bool]:
    """The cases on which someone is named by the term in details the viewer may read
    (`rules.person_details`), narrowed to `statuses` when they are many; and whether they
    were many (more than NAMED_CASES_NARROWED_ABOVE).

    Each word must be in the first name or the surname (what the names' trigram indexes
    serve), then the whole term in the full name. For one word the full name adds no row, but
    keep it: it is what makes the planner expect few details and check each against the rule
    (without it the planner expected thousands and built the rule's whole set: 700 ms for the
    police's "Jackson" at 1M).

    The details are read first, on their own: inside the case query the planner, unable to
    estimate how many details match, joins every case link against them. Not as a subquery of
    the links' read either: with consent restrictions in the data the details are estimated at
    one row, and the planner scanned all 620,000 case links against each of the police's 2,436
    "Jackson"s (minutes, at 1M). Their cases are read once too, from the links' covering index
    (as a subquery the list's count and its page each scanned them again).

    Three ways to the same cases, by how much of the rule's work a search can skip:

    - An organisation seeing people on few cases (at most PEOPLE_CASES_READ_APART) reads the
      rule's own two branches, each still checked by the rule: its own records, and the records
      of the people on those cases. Read whole, a common surname's records of every agency are
      checked one by one (24,722 "Smith" records, 60 ms, for a partner seeing people on 55
      cases at 1M).
    - An organisation seeing people on many cases, asking for some statuses, finds the cases
      of everyone recorded by the name first, narrows them to those statuses, and checks against
      the rule only the records of the people on the cases left. Checking every record named
      first was most of the police's search: 2,038 other agencies' "Jackson" records checked,
      for the 131 people on the 133 open cases among them.
    - Otherwise (no status asked for: every case named stays) the rule is read whole.
    """
    words = Q()
    for word in lowered.split():
        words &= Q(given_name__ilike=word) | Q(family_name__ilike=word)

    def named_records(details: QuerySet[PersonDetails]) -> QuerySet:
        return (
            details.filter(words)
            .annotate(full_name=Lower(Concat("given_name", Value(" "), "family_name")))
            .filter(full_name__contains=lowered)
            .order_by()
        )

    def named(details: QuerySet[PersonDetails]) -> QuerySet:
        return named_records(details).values_list("person_id", flat=True)

    def narrowed(cases: set[int]) -> tuple[set[int], bool]:
        many = len(cases) > NAMED_CASES_NARROWED_ABOVE
        if statuses and many:
            # Narrowed to the statuses asked for once here, rather than by the list's count and
            # its page each (3,502 cases read twice for 54 open ones, for the police's "Jackson"
            # at 1M). Joined in the read of the links, the status made the planner drive it
            # from every open case instead of the few people named. The cases' (status, id)
            # index answers it from the index alone: 118 open of 7,011 in 0.8 ms, where looking
            # each up by key read 26,905 buffers (9-20 ms).
            cases = set(
                Case.objects.filter(pk__in_ids=cases, status__in=statuses)
                .order_by()
                .values_list("pk", flat=True)
            )
        return cases, many

    people_cases = rules.cases(viewer, rules.PEOPLE).order_by().values("pk")
    # Whether there is a case past the limit, without reading the ones before it.
    if not people_cases[PEOPLE_CASES_READ_APART : PEOPLE_CASES_READ_APART + 1].exists():
        on_those_cases = CasePerson.objects.filter(case_id__in=people_cases).values("person_id")
        people = set(named(rules.person_details_own(viewer)))
        people.update(named(rules.person_details(viewer, person_ids=on_those_cases)))
        return narrowed({case for case, _ in _case_links_of(people)})
    if not statuses:
        readable = set(named(rules.person_details(viewer)))
        return narrowed({case for case, _ in _case_links_of(readable)})
    # Everyone recorded by the name, whoever recorded them: only to find which cases could be
    # named; nobody counts as named until the rule says the viewer may read the record.
    records = dict(named_records(PersonDetails.objects.all()).values_list("pk", "person_id"))
    links = _case_links_of(set(records.values()))
    cases, many = narrowed({case for case, _ in links})
    on_them = {person for case, person in links if case in cases}
    # Those records of the people on the cases left, checked against the rule by key: the
    # names again would search the trigram indexes a second time (15 of the 20 ms of the
    # statement for the police's "Jackson" at 1M, for 131 records).
    wanted = [pk for pk, person in records.items() if person in on_them]
    readable = (
        set(
            rules.person_details(viewer, person_ids=on_them)
            .filter(pk__in_ids=wanted)
            .order_by()
            .values_list("person_id", flat=True)
        )
        if wanted
        else set()
    )
    return {case for case, person in links if case in cases and person in readable}, many


def case_list_for_viewer(*, viewer: Viewer, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The cases the viewer's organisation may see, filtered and ordered; empty for roles that
    do not see case records. The default order comes from the permission rows' own index
    (access.rules.cases; docs/adr/0007)."""
    filters = filters or CaseFilters()
    cases = rules.cases(viewer)
    if filters.q:
        term = filters.q.strip()
        if REFERENCE_RE.match(term):
            cases = cases.filter(reference=term.upper())
        else:
            lowered = term.lower()
            # The document holds each postcode with and without its space, so only a postcode
            # written some other way needs its normal form searched too; any other term adds
            # no second LIKE to the plan.
            postcode = normalise_postcode(term).lower()
            postcode_written_otherwise = is_valid_postcode(term) and lowered not in (
                postcode,
                postcode.replace(" ", ""),
            )
            # A person's name is found only in the details the viewer may read of them.
            named_cases, many_named = _named_cases(viewer, lowered, filters.statuses)
            in_document = Q(search_document__contains=lowered)
            if postcode_written_otherwise:
                in_document |= Q(search_document__contains=postcode)
            # One set of matching cases, the document's (its trigram index) and the named
            # people's, as one subquery: an OR of two subqueries is estimated at half of
            # every case, so for the police at 1M the planner hashed all 196,906 of its
            # permission rows to find 36 open cases matching "Jackson"; the union's size
            # is estimated from its parts, so a force checks the few matches against its
            # permission rows and a small partner its few cases against the matches.
            # The statuses asked for narrow each part too (the list applies them again), so
            # "open" cases matching a common name are counted as the few they are.
            among = Case.objects.order_by()
            if filters.statuses:
                among = among.filter(status__in=filters.statuses)
            matching = among.filter(in_document).values("pk")
            in_documents = (
                list(matching.values_list("pk", flat=True)[: DOCUMENT_MATCHES_LISTED + 1])
                if many_named
                else []
            )
            if many_named and len(in_documents) <= DOCUMENT_MATCHES_LISTED:
                # Many cases named (a common surname, no status): as a subquery they were
                # hashed against all of the organisation's permission rows, and every case
                # found was read and sorted to show fifty (1.2 s for the police's "Smith",
                # 23,376 rows, at 1M). As a list of the permission rows' own case ids the
                # page walks those rows in the list's order and stops at fifty (9 ms).
                cases = rules.cases(viewer, among=named_cases.union(in_documents))
            elif named_cases:
                matching = matching.union(among.filter(pk__in_ids=named_cases).values("pk"))
                cases = cases.filter(pk__in=matching)
            else:
                cases = cases.filter(pk__in=matching)
    if filters.mine:
        cases = cases.filter(lead_officer=viewer.user)
    if filters.statuses:
        cases = cases.filter(status__in=filters.statuses)
    if filters.risk_bands:
        cases = cases.filter(risk_band__in=filters.risk_bands)
    if filters.incident_type:
        cases = cases.filter(incident_type=filters.incident_type)
    if filters.lead_organisation:
        cases = cases.filter(lead_organisation=filters.lead_organisation)
    if filters.local_authority_code:
        cases = cases.filter(local_authority__code=filters.local_authority_code)
    if filters.opened_from:
        cases = cases.filter(opened_at__date__gte=filters.opened_from)
    if filters.opened_to:
        cases = cases.filter(opened_at__date__lte=filters.opened_to)
    order = CaseFilters.SORTS.get(filters.sort, CaseFilters.SORTS["updated"])
    if filters.sort == "risk":
        cases = cases.annotate(
            risk_rank=SqlCase(
                When(risk_band="high", then=Value(3)),
                When(risk_band="medium", then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    return cases.select_related(
        "lead_organisation", "lead_officer", "incident_type", "local_authority"
    ).order_by(*order)


def case_get_for_viewer(*, viewer: Viewer, case_uuid, codename: str = rules.VIEW) -> Case:
    """One case the viewer may see (or act on, with `codename`); 404 otherwise."""
    # `get` reads the one case with the UUID unordered (`first()` ordered it by the cases'
    # default order, which Django resolved against all 51 columns selected).
    try:
        return (
            rules.cases(viewer, codename)
            .select_related("lead_organisation", "lead_officer", "incident_type", "local_authority")
            .get(uuid=_uuid(case_uuid))
        )
    except Case.DoesNotExist:
        raise Http404("No such case") from None


def _in_default_order(queryset: QuerySet) -> list:
    """A section's rows read unordered and sorted here by its model's default ordering (each
    field from the last, as the sort is stable): the same order as the ORDER BY, which
    Django resolved against every column selected (up to 88 with the related rows; about 3
    ms of a case page's CPU, docs/adr/0023). For orderings by columns that are never null
    and compare in Python as in the database: times and keys, not text."""
    rows = list(queryset.order_by())
    for name in reversed(queryset.model._meta.ordering):
        column = name.removeprefix("-")
        rows.sort(key=attrgetter("pk" if column == "id" else column), reverse=name != column)
    return rows


@dataclass
class CaseRecord:
    """Everything the case page shows, fetched with a fixed number of queries."""

    case: Case
    access: CaseAccess
    people: list[CasePerson]
    locations: list[CaseLocation]
    incidents: list[Incident]
    tasks: list[CaseTask]
    shares: list[CaseShare]
    transfers: list[OwnershipTransfer]
    actions: list[CaseAction]
    timeline: list[dict]
    closure_notices: list = field(default_factory=list)
    may_record_closure_notice: bool = False

    @property
    def pending_transfer(self) -> OwnershipTransfer | None:
        return next((t for t in self.transfers if t.status == "pending"), None)

    @property
    def active_shares(self) -> list[CaseShare]:
        return [share for share in self.shares if share.is_active]

    @property
    def open_tasks(self) -> list[CaseTask]:
        return [task for task in self.tasks if task.status == CaseTask.Status.OPEN]


def case_record_for_viewer(*, viewer: Viewer, case: Case) -> CaseRecord:
    """The case page: its people (as the viewer may see them), places, incidents, tasks,
    shares, transfers, and one timeline. Notes another organisation kept to itself are left
    out. `case` was fetched through `case_get_for_viewer`; the viewer's grants on it are read
    once, and each section is the rule for that one case decided from them (access.rules
    .case_q with `on`), not an EXISTS in each of ten statements (issue 16)."""
    access = CaseAccess.of(viewer, case)
    people = list(
        rules.case_people(viewer, on=access)
        .select_related("person", "organisation")
        .order_by("role", "added_at")
    )
    actions = _in_default_order(
        rules.case_actions(viewer, on=access)
        .select_related("action_type", "organisation", "officer", "subject", "gate__rule")
        .prefetch_related("requirements", "breaches")
    )
    views = redaction.person_views(
        viewer, [link.person for link in people] + [a.subject for a in actions if a.subject_id]
    )
    for link in people:
        link.view = views[link.person_id]
    for action in actions:
        action.subject_view = views.get(action.subject_id)
    locations = _in_default_order(
        CaseLocation.objects.filter(case=case).select_related("local_authority")
    )
    incidents = list(
        rules.case_incidents(viewer, on=access)
        .select_related("reported_to", "incident_type")
        .order_by("-reported_at")
    )
    tasks = list(rules.case_tasks(viewer, on=access).select_related("assignee", "organisation"))
    shares = _in_default_order(
        rules.case_shares(viewer, on=access).select_related(
            "organisation", "shared_by", "revoked_by"
        )
    )
    # Transfers follow their own rule (the organisation that proposed one and the one asked
    # to take the case), not the case's: a partner the case is shared with does not read them.
    transfers = _in_default_order(
        rules.transfers(viewer)
        .filter(case=case)
        .select_related("from_organisation", "to_organisation", "proposed_by", "decided_by")
    )
    notes = _in_default_order(
        rules.case_notes(viewer, on=access).select_related("author", "organisation")
    )
    status_changes = _in_default_order(
        CaseStatusChange.objects.filter(case=case).select_related("changed_by", "organisation")
    )
    # Closure notices are about a victim: only the organisation that recorded them reads them.
    closure_notices = _in_default_order(
        rules.case_closure_notices(viewer, on=access).select_related(
            "person", "contact_organisation", "recorded_by"
        )
    )
    for notice in closure_notices:
        notice.person_view = views.get(notice.person_id)
    timeline = _timeline(
        incidents, status_changes, actions, notes, shares, transfers, tasks, closure_notices
    )
    return CaseRecord(
        case=case,
        access=access,
        people=people,
        locations=locations,
        incidents=incidents,
        tasks=tasks,
        shares=shares,
        transfers=transfers,
        actions=actions,
        timeline=timeline,
        closure_notices=closure_notices,
        may_record_closure_notice=rules.case_closure_notice_allowed(viewer, case, access),
    )


def _timeline(
    incidents, status_changes, actions, notes, shares, transfers, tasks, closure_notices=()
) -> list[dict]:
    """One list, newest first, of everything recorded on the case. Entries are placed by when
    they were recorded (`at`): a tool or power recorded now is at the top even when it was
    used earlier (its entry says when: `happened`), and a task is shown when it is set and
    when it is done. Entries recorded at the same moment keep a fixed order."""
    entries = chain(
        (
            {"kind": "incident", "at": i.reported_at, "item": i, "organisation": i.reported_to}
            for i in incidents
        ),
        (
            {"kind": "status", "at": s.changed_at, "item": s, "organisation": s.organisation}
            for s in status_changes
        ),
        (
            {
                "kind": "action",
                "at": a.created_at or a.started_at,
                "happened": a.started_at,
                "item": a,
                "organisation": a.organisation,
            }
            for a in actions
        ),
        (
            {"kind": "note", "at": n.created_at, "item": n, "organisation": n.organisation}
            for n in notes
        ),
        ({"kind": "shared", "at": s.shared_at, "item": s, "organisation": None} for s in shares),
        (
            {"kind": "unshared", "at": s.revoked_at, "item": s, "organisation": None}
            for s in shares
            if s.revoked_at
        ),
        (
            {
                "kind": "transfer",
                "at": t.proposed_at,
                "item": t,
                "organisation": t.from_organisation,
            }
            for t in transfers
        ),
        (
            {
                "kind": "transfer_decided",
                "at": t.decided_at,
                "item": t,
                "organisation": t.to_organisation,
            }
            for t in transfers
            if t.decided_at and t.status != OwnershipTransfer.Status.WITHDRAWN
        ),
        (
            {"kind": "task", "at": t.created_at, "item": t, "organisation": t.organisation}
            for t in tasks
        ),
        (
            {"kind": "task_done", "at": t.completed_at, "item": t, "organisation": t.organisation}
            for t in tasks
            if t.completed_at
        ),
        (
            {
                "kind": "closure_notice",
                "at": n.recorded_at,
                "item": n,
                "organisation": n.organisation,
            }
            for n in closure_notices
        ),
    )
    numbered = [(entry["at"], order, entry) for order, entry in enumerate(entries)]
    numbered.sort(key=lambda row: (row[0], row[1]), reverse=True)
    return [entry for _, _, entry in numbered]


def case_share_get(*, case: Case, share_uuid) -> CaseShare:
    """A share of a case already fetched through a user-scoped selector."""
    share = CaseShare.objects.filter(case=case, uuid=_uuid(share_uuid)).first()
    if share is None:
        raise Http404("No such share")
    return share


def case_task_get_for_viewer(*, viewer: Viewer, task_uuid) -> CaseTask:
    """A task on a case the viewer's organisation can contribute to."""
    task = (
        rules.case_tasks(viewer, rules.CONTRIBUTE)
        .filter(uuid=_uuid(task_uuid))
        .select_related("case")
        .first()
    )
    if task is None:
        raise Http404("No such task")
    return task


def transfer_get_for_viewer(*, viewer: Viewer, transfer_uuid) -> OwnershipTransfer:
    """A transfer the viewer's organisation proposed or was asked to accept."""
    transfer = (
        rules.transfers(viewer)
        .filter(uuid=_uuid(transfer_uuid))
        .select_related("case", "case__lead_organisation", "from_organisation", "to_organisation")
        .first()
    )
    if transfer is None:
        raise Http404("No such transfer")
    return transfer


def transfers_awaiting_viewer(*, viewer: Viewer) -> QuerySet[OwnershipTransfer]:
    """Transfers to the viewer's organisation that are waiting for an answer, oldest first
    (a supervisor decides them)."""
    return (
        rules.transfers(viewer)
        .filter(
            to_organisation_id=viewer.organisation_id,
            status=OwnershipTransfer.Status.PENDING,
        )
        .select_related("case", "from_organisation", "proposed_by")
        .order_by("proposed_at")
    )


# Incidents ----------------------------------------------------------------------------------


INCIDENT_LIST_ORDER = ("-reported_at", "-id")


def _incident_search(incidents: QuerySet[Incident], q: str) -> QuerySet[Incident]:
    if not q:
        return incidents
    postcode = normalise_postcode(q)
    return incidents.filter(
        Q(postcode=postcode) | Q(address__icontains=q.strip()) | Q(external_ref=q.strip())
    )


def incident_list_for_viewer(
    *, viewer: Viewer, q: str = "", own_only: bool = False
) -> QuerySet[Incident]:
    incidents = rules.incidents(viewer)
    if own_only:
        incidents = incidents.filter(reported_to_id=viewer.organisation_id)
    return (
        _incident_search(incidents, q)
        .select_related("reported_to", "incident_type")
        .order_by(*INCIDENT_LIST_ORDER)
    )


def incident_branches_for_viewer(*, viewer: Viewer) -> list[QuerySet[Incident]]:
    """`incident_list_for_viewer`'s visibility as its two parts (access.rules
    .incident_branches), for a list that reads them separately."""
    return rules.incident_branches(viewer)


def incident_page_for_viewer(
    *, viewer: Viewer, params, q: str = "", own_only: bool = False
) -> Page:
    """A page of `incident_list_for_viewer`, read from the two parts of the visibility rule
    separately (access.rules.incident_branches), so that small and large organisations alike
    get an indexed plan for the page and the capped count."""
    branches = rules.incident_branches(viewer)
    count_ids = None
    if own_only:
        branches = [branch.filter(reported_to_id=viewer.organisation_id) for branch in branches[:1]]
    elif not q and len(branches) == 2:
        count_ids = [branches[0].values("pk"), rules.incident_linked_ids(viewer)]
    return paginate_union(
        incident_list_for_viewer(viewer=viewer, q=q, own_only=own_only),
        [_incident_search(branch, q) for branch in branches],
        params,
        ordering=INCIDENT_LIST_ORDER,
        count_ids=count_ids,
    )


def incident_get_for_viewer(*, viewer: Viewer, incident_uuid) -> Incident:
    incident = (
        rules.incidents(viewer)
        .filter(uuid=_uuid(incident_uuid))
        .select_related(
            "reported_to",
            "incident_type",
            "reporter",
            "victim",
            "recorded_by",
            "local_authority",
            "duplicate_of__reported_to",
        )
        .first()
    )
    if incident is None:
        raise Http404("No such incident")
    return incident


@dataclass
class PlaceNames:
    """The names of the areas a location's codes stand for, for people; the codes are for
    analysts."""

    ward: str = ""
    lsoa: str = ""


def place_names(location) -> PlaceNames:
    """The ward and LSOA names of an incident's or a location's codes (two indexed lookups)."""
    ward = lsoa = ""
    if location.ward_code:
        ward = (
            Ward.objects.filter(code=location.ward_code, year=location.ward_year)
            .values_list("name", flat=True)
            .first()
            or ""
        )
    if location.lsoa_code:
        lsoa = (
            Lsoa.objects.filter(code=location.lsoa_code, vintage=location.lsoa_vintage)
            .values_list("name", flat=True)
            .first()
            or ""
        )
    return PlaceNames(ward=ward, lsoa=lsoa)


def incident_cases_for_viewer(*, viewer: Viewer, incident: Incident) -> QuerySet[Case]:
    return case_list_for_viewer(viewer=viewer).filter(incident_links__incident=incident)


def incident_get_linkable(*, viewer: Viewer, incident_uuid) -> Incident:
    """An incident the viewer's organisation may put on a case (access.rules
    .incidents_linkable); 404 otherwise."""
    incident = (
        rules.incidents_linkable(viewer)
        .filter(uuid=_uuid(incident_uuid))
        .select_related("reported_to", "incident_type", "reporter", "victim", "local_authority")
        .first()
    )
    if incident is None:
        raise Http404("No such incident")
    return incident


def incidents_linkable_for_viewer(*, viewer: Viewer, case: Case, limit: int = 50) -> list[Incident]:
    """Recent incidents the viewer's organisation may put on the case, not yet on it."""
    return list(
        rules.incidents_linkable(viewer)
        .exclude(case_links__case=case)
        .select_related("incident_type")
        .order_by("-reported_at")[:limit]
    )


# Possible duplicates ------------------------------------------------------------------------

DUPLICATE_WINDOW = dt.timedelta(days=183)  # six months


@dataclass
class PossibleDuplicates:
    incidents: list[Incident]
    cases: list[Case]

    def __bool__(self) -> bool:
        return bool(self.incidents or self.cases)


def _people_matching(people: list[dict]) -> QuerySet:
    """People any of whose records has the same name and either the same date of birth or the
    same postcode (ids only: the duplicates shown are the viewer's own visible records)."""
    condition = Q(pk__in=[])
    for person in people:
        given, family = person.get("given_name", "").strip(), person.get("family_name", "").strip()
        if not (given and family):
            continue
        same = Q(given_name__iexact=given, family_name__iexact=family)
        identifiers = Q(pk__in=[])
        if person.get("date_of_birth"):
            identifiers |= Q(date_of_birth=person["date_of_birth"])
        if person.get("postcode"):
            identifiers |= Q(postcode=normalise_postcode(person["postcode"]))
        condition |= same & identifiers
    return PersonDetails.objects.filter(condition)


def possible_duplicates_for_viewer(
    *,
    viewer: Viewer,
    postcode: str = "",
    address: str = "",
    people: list[dict] = (),
    person_ids: list[int] = (),
    now: dt.datetime | None = None,
    limit: int = 10,
) -> PossibleDuplicates:
    """Incidents and cases the viewer can see, from the last six months, at the same address or
    postcode or about the same people: the records an officer should check before keying
    another."""
    now = now or timezone.now()
    since = now - DUPLICATE_WINDOW
    postcode = normalise_postcode(postcode) if postcode else ""
    address = address.strip()
    matching_people = list(_people_matching(list(people)).values_list("person_id", flat=True))
    matching_people += list(person_ids)
    place = Q(pk__in=[])
    if postcode:
        place |= Q(postcode=postcode)
    if address:
        place |= Q(address__iexact=address)
    incident_match = place | Q(victim_id__in=matching_people) | Q(reporter_id__in=matching_people)
    incidents = list(
        rules.incidents(viewer)
        .filter(incident_match, occurred_at__gte=since)
        .select_related("reported_to", "incident_type")
        .order_by("-occurred_at")[:limit]
    )
    case_place = Q(pk__in=[])
    if postcode:
        case_place |= Q(locations__postcode=postcode) | Q(incidents__postcode=postcode)
    if address:
        case_place |= Q(locations__address__iexact=address) | Q(incidents__address__iexact=address)
    cases = list(
        case_list_for_viewer(viewer=viewer)
        .filter(case_place | Q(people__in=matching_people))
        .filter(Q(opened_at__gte=since) | ~Q(status=CaseStatus.CLOSED))
        .distinct()[:limit]
    )
    return PossibleDuplicates(incidents=incidents, cases=cases)


# Reference lists and people -----------------------------------------------------------------


def reference_tables_digest(models: list) -> str:
    """A digest of every row of each of these reference tables (incident types,
    organisations, local authorities: the partnership's, the same for every viewer), in one
    statement on PostgreSQL: what a cached rendering of their choices depends on. Any change
    to a row changes it."""
    tables = [connection.ops.quote_name(model._meta.db_table) for model in models]
    digest = "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {} t)"
    with connection.cursor() as cursor:
        # Table names from the models, quoted: nothing from the request.
        cursor.execute("SELECT " + ", ".join(digest.format(table) for table in tables))
        return ":".join(cursor.fetchone())


def incident_types_active() -> QuerySet[IncidentType]:
    return IncidentType.objects.filter(active=True)


def action_types_active() -> QuerySet[ActionType]:
    return ActionType.objects.filter(active=True).prefetch_related("rules__action_type")


def partner_organisations_for(*, viewer: Viewer) -> QuerySet[Organisation]:
    """Other active organisations of the partnership, to share with or transfer to."""
    return Organisation.objects.filter(active=True).exclude(pk=viewer.organisation_id)


CASE_WORKER_ROLES = [
    Membership.Role.CASE_OFFICER,
    Membership.Role.SUPERVISOR,
    Membership.Role.ASB_CHAMPION,
]


def case_workers_for(*, organisation: Organisation) -> list:
    """Active members of an organisation who can lead or work on cases."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            organisation=organisation, user__is_active=True, role__in=CASE_WORKER_ROLES
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name")
    ]


def case_assignees_for(*, case: Case) -> list:
    """People who can be given a task on the case: workers of every organisation that can
    contribute to it (access.rules.case_viewers)."""
    organisations = (
        rules.case_viewers(rules.CONTRIBUTE).filter(content_object_id=case.pk).values("viewer_id")
    )
    return [
        membership.user
        for membership in Membership.objects.filter(
            organisation_id__in=organisations, user__is_active=True, role__in=CASE_WORKER_ROLES
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__first_name")
    ]


def case_people_choices(*, viewer: Viewer, case: Case) -> tuple[QuerySet[Person], dict]:
    """The people a tool or power on a case may be against: its alleged perpetrators (never a
    victim or a witness), as the queryset to choose from and each one's label — the name the
    viewer may see."""
    links = list(
        rules.case_people(viewer)
        .filter(case=case, role=PersonRole.PERPETRATOR)
        .select_related("person")
        .order_by("role", "added_at")
    )
    views = redaction.person_views(viewer, [link.person for link in links])
    labels: dict[int, str] = {}
    for link in sorted(links, key=lambda link: link.role != "perpetrator"):
        name = views[link.person_id].name
        labels.setdefault(link.person_id, f"{name} ({link.get_role_display().lower()})")
    return Person.objects.filter(pk__in=list(labels)), labels


def case_record_access(*, viewer: Viewer, case: Case) -> CaseAccess:
    return CaseAccess.of(viewer, case)


# Victims on a case ---------------------------------------------------------------------------


def case_person_get(*, viewer: Viewer, case: Case, person_uuid) -> Person:
    """A person on a case already fetched through a viewer-scoped selector."""
    link = (
        rules.case_people(viewer)
        .filter(case=case, person__uuid=_uuid(person_uuid))
        .select_related("person__status")
        .first()
    )
    if link is None:
        raise Http404("No such person on this case")
    return link.person


@dataclass
class CaseVictimRecord:
    case: Case
    view: redaction.PersonView
    roles: list[str]
    assessments: list
    contacts: list
    referrals: list
    statements: list
    contact: ContactDue

    @property
    def person(self) -> Person:
        return self.view.person


def case_contact_due(*, viewer: Viewer, case: Case, person: Person) -> ContactDue:
    last = (
        rules.contacts(viewer)
        .filter(case=case, person=person, made_contact=True)
        .aggregate(last=Max("contacted_at"))
        .get("last")
    )
    return contact_due(
        opened_at=case.opened_at,
        risk_band=case.risk_band,
        last_contact=last,
        standards=contact_standards(),
    )


def case_victim_record(*, viewer: Viewer, case: Case, person: Person) -> CaseVictimRecord:
    """A victim's support on one case as the viewer may see it: risk, contact against the
    standard, referrals and their own statements (access.rules: the case's people, consent
    permitting, or what the viewer's organisation recorded itself)."""
    return CaseVictimRecord(
        case=case,
        view=redaction.person_view(viewer, person, with_factors=True),
        roles=list(
            rules.case_people(viewer)
            .filter(case=case, person=person)
            .values_list("role", flat=True)
        ),
        assessments=list(
            rules.risk_assessments(viewer)
            .filter(case=case, person=person)
            .select_related("assessed_by", "organisation")
        ),
        contacts=list(
            rules.contacts(viewer)
            .filter(case=case, person=person)
            .select_related("by", "organisation")
        ),
        referrals=list(
            rules.referrals(viewer)
            .filter(case=case, person=person)
            .select_related("referred_by", "organisation")
        ),
        statements=list(
            rules.impact_statements(viewer)
            .filter(case=case, person=person)
            .select_related("recorded_by", "organisation")
        ),
        contact=case_contact_due(viewer=viewer, case=case, person=person),
    )


def case_referral_get(*, viewer: Viewer, case: Case, referral_uuid) -> SupportReferral:
    referral = rules.referrals(viewer).filter(case=case, uuid=_uuid(referral_uuid)).first()
    if referral is None:
        raise Http404("No such referral")
    return referral


def case_statement_get(*, viewer: Viewer, case: Case, statement_uuid):
    statement = (
        rules.impact_statements(viewer).filter(case=case, uuid=_uuid(statement_uuid)).first()
    )
    if statement is None:
        raise Http404("No such statement")
    return statement


# The Crime and Policing Act 2026 tools -------------------------------------------------------


def case_pre_application_risks(
    *, viewer: Viewer, case: Case
) -> QuerySet[PreApplicationRiskAssessment]:
    """The viewer's organisation's pre-application risk assessments on a case."""
    return (
        rules.case_pre_application_risks(viewer)
        .filter(case=case)
        .select_related("action_type")
        .order_by("-assessed_at")
    )


def case_action_get(*, viewer: Viewer, case: Case, action_uuid) -> CaseAction:
    """One tool or power used on a case the viewer sees (404 otherwise)."""
    action = (
        rules.case_actions(viewer)
        .filter(case=case, uuid=_uuid(action_uuid))
        .select_related("action_type", "case")
        .first()
    )
    if action is None:
        raise Http404("No such action")
    return action
