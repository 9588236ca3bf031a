"""The dashboards' reads, always scoped to the user asking.

Who sees what (docs/adr/0011-reporting.md):

- a case officer or supervisor sees their organisation's view: the cases it owns and those
  shared with it, the incidents reported to it or on those cases; a supervisor's team is their
  organisation's officers;
- the ASB Champion and analysts see partnership totals;
- analysts never see people: no names, no addresses of people, no officers; only counts by
  organisation and area;
- people and addresses (repeat victims, High Impact Households) only for roles that may see
  person records, over what their organisation may see, or the ASB Champion.

Counts of incidents, open cases and actions come from the summaries rebuilt by Celery
(reporting.services.summaries_refresh, every 15 minutes); lists of things to act on (unowned
cases, transfers, overdue tasks and reviews, victims) are read live. Every selector runs a fixed
number of queries, however much data there is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from asb_cases.access import case_visible_to
from asb_cases.models import (
    ActionType,
    Case,
    CasePerson,
    CaseStatus,
    CaseTask,
    IncidentType,
    Lsoa,
    OwnershipTransfer,
    Ward,
)
from community_trigger.models import Application, Recommendation, ResolutionMeeting, Stage
from community_trigger.selectors import application_list_for_user
from partners.models import LocalAuthority, Membership, Organisation, User
from partners.paging import Page, paginate
from partners.working_days import add_working_days
from reporting import charts, maps
from reporting.models import (
    ActionMonth,
    AgeBand,
    CaseCostMonth,
    CaseOwnershipCount,
    HouseholdRank,
    IncidentAgencyMonth,
    IncidentAreaMonth,
    OpenDataImport,
    OpenDataIncident,
    SummaryState,
)
from reporting.policeuk import Skip
from reporting.services import months_before
from reporting.tables import Column, Link, Table
from victims.models import ContactLog, Person, RiskAssessment
from victims.selectors import contact_due, contact_standards, person_visible_q

# Lists to act on show this many rows on the page; the CSV has up to EXPORT_LIMIT.
PAGE_ROWS = 50
EXPORT_LIMIT = 10_000
OPEN_STATUSES = [
    CaseStatus.OPEN,
    CaseStatus.INVESTIGATING,
    CaseStatus.ACTION,
    CaseStatus.MONITORING,
]


# Who is asking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    user: User
    organisation: Organisation
    partnership: bool  # partnership totals (the ASB Champion, analysts)
    personal: bool  # may see people (names, addresses); never analysts
    team: bool  # a supervisor: their organisation's officers

    @classmethod
    def for_user(cls, user: User) -> Scope:
        return cls(
            user=user,
            organisation=user.membership.organisation,
            partnership=user.has_perm("reporting.view_partnership_totals"),
            # Analysts never see people, whatever permissions their role is later given.
            personal=user.has_perm("victims.view_person")
            and user.membership.role != Membership.Role.ANALYST,
            team=user.has_perm("asb_cases.decide_transfer"),
        )

    @property
    def viewer(self) -> Organisation | None:
        """Whose rows of the summaries to read: None is the partnership's."""
        return None if self.partnership else self.organisation

    @property
    def viewer_q(self) -> Q:
        return Q(viewer__isnull=True) if self.partnership else Q(viewer=self.organisation)

    @property
    def label(self) -> str:
        if self.partnership:
            return "the whole partnership"
        return f"{self.organisation.name}: its own cases and those shared with it"

    @property
    def key(self) -> str:
        return "partnership" if self.partnership else f"organisation:{self.organisation.slug}"


# Periods --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole calendar months: `months` months from `start` (the first of a month)."""

    start: dt.date
    months: int

    @classmethod
    def ending(cls, last_month: dt.date, months: int) -> Period:
        first = last_month.replace(day=1)
        return cls(months_before(first, months - 1), months)

    @classmethod
    def between(cls, first: dt.date, last: dt.date) -> Period:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        return cls(first.replace(day=1), months)

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        return months_before(self.start, -self.months)

    @property
    def last_month(self) -> dt.date:
        return months_before(self.start, -(self.months - 1))

    @property
    def previous(self) -> Period:
        return Period(months_before(self.start, self.months), self.months)

    @property
    def label(self) -> str:
        if self.months == 1:
            return f"{self.start:%B %Y}"
        return f"{self.start:%B %Y} to {self.last_month:%B %Y}"

    @property
    def month_list(self) -> list[dt.date]:
        return [months_before(self.start, -offset) for offset in range(self.months)]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes in the service's time zone, end exclusive."""
        return (
            timezone.make_aware(dt.datetime.combine(self.start, dt.time.min)),
            timezone.make_aware(dt.datetime.combine(self.end, dt.time.min)),
        )


def default_period(months: int = 12, today: dt.date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period.ending(today, months)


# What every dashboard returns -----------------------------------------------------------------


@dataclass
class Dashboard:
    scope: Scope
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, SafeString | None] = field(default_factory=dict)
    maps: dict[str, maps.Map] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    as_of: dt.datetime | None = None
    period: Period | None = None
    page: Page | None = None

    def add(self, table: Table) -> Table:
        self.tables[table.key] = table
        return table


def _as_of(kind: str = SummaryState.Kind.CASES) -> dt.datetime | None:
    return SummaryState.objects.filter(kind=kind).values_list("refreshed_at", flat=True).first()


def _organisation_names() -> dict[Any, str]:
    return dict(Organisation.objects.values_list("id", "name"))


def _days_since(moment: dt.datetime | dt.date | None, today: dt.date) -> int | None:
    if moment is None:
        return None
    day = timezone.localtime(moment).date() if isinstance(moment, dt.datetime) else moment
    return (today - day).days


def _case_link(reference: str, case_uuid) -> Link:
    return Link(reference, reverse("asb_cases:case_detail", args=[case_uuid]))


def _limit(for_export: bool) -> int:
    return EXPORT_LIMIT if for_export else PAGE_ROWS


# 1. Ownership and case drift ------------------------------------------------------------------

STATUS_COLUMNS = [
    Column("open", "Status: open", "int"),
    Column("investigating", "Investigating", "int"),
    Column("action", "Action", "int"),
    Column("monitoring", "Monitoring", "int"),
    Column("total", "All open cases", "int"),
    Column("over_3", "Open over 3 months", "int"),
    Column("over_6", "Open over 6 months", "int"),
    Column("over_12", "Open over 12 months", "int"),
]
OVER = {
    "over_3": {AgeBand.FROM_3, AgeBand.FROM_6, AgeBand.OVER_12},
    "over_6": {AgeBand.FROM_6, AgeBand.OVER_12},
    "over_12": {AgeBand.OVER_12},
}


def _totals(counts: QuerySet[CaseOwnershipCount], key: str) -> list[dict]:
    """One row per `key` (organisation or officer) with the ownership columns, summed in the
    database."""
    over = {
        "over_3": [AgeBand.FROM_3, AgeBand.FROM_6, AgeBand.OVER_12],
        "over_6": [AgeBand.FROM_6, AgeBand.OVER_12],
        "over_12": [AgeBand.OVER_12],
    }
    return list(
        counts.values(key)
        .annotate(
            total=Coalesce(Sum("cases"), 0),
            unowned=Coalesce(Sum("unowned"), 0),
            **{
                status: Coalesce(Sum("cases", filter=Q(status=status)), 0)
                for status in OPEN_STATUSES
            },
            **{
                name: Coalesce(Sum("cases", filter=Q(age_band__in=bands)), 0)
                for name, bands in over.items()
            },
        )
        .order_by("-total", key)
    )


def _status_cells(row: dict) -> list[int]:
    return [row[column.key] for column in STATUS_COLUMNS]


def ownership_dashboard(*, scope: Scope, for_export: bool = False) -> Dashboard:
    today = timezone.localdate()
    data = Dashboard(scope=scope, as_of=_as_of())
    names = _organisation_names()
    counts = CaseOwnershipCount.objects.filter(scope.viewer_q).order_by()
    ordered = sorted(
        _totals(counts, "lead_organisation_id"),
        key=lambda row: (-row["total"], names[row["lead_organisation_id"]]),
    )
    everyone = {
        column: sum(row[column] for row in ordered)
        for column in [*(c.key for c in STATUS_COLUMNS), "unowned"]
    }
    data.add(
        Table(
            key="by_organisation",
            caption="Open cases by lead organisation, status and age",
            columns=[
                Column("organisation", "Lead organisation"),
                *STATUS_COLUMNS,
                Column("unowned", "No lead officer", "int"),
            ],
            rows=[
                [names[row["lead_organisation_id"]], *_status_cells(row), row["unowned"]]
                for row in ordered
            ]
            + (
                [["All organisations", *_status_cells(everyone), everyone["unowned"]]]
                if ordered
                else []
            ),
            empty="There are no open cases.",
            hint="Shared cases are counted under the organisation that leads them.",
        )
    )
    data.facts = {
        "open": everyone["total"],
        "unowned": everyone["unowned"],
        "over_6": everyone["over_6"],
        "over_12": everyone["over_12"],
    }
    if scope.partnership:
        _ownership_partnership(data, names, today)
    else:
        _ownership_organisation(data, counts, today, for_export)
    return data


def _ownership_organisation(
    data: Dashboard, counts: QuerySet[CaseOwnershipCount], today: dt.date, for_export: bool
):
    scope = data.scope
    organisation = scope.organisation
    limit = _limit(for_export)
    if scope.team:
        team = _totals(counts.filter(lead_organisation=organisation), "lead_officer_id")
        shown = team if for_export else team[:PAGE_ROWS]
        officers = {
            pk: f"{first} {last}".strip() or username
            for pk, first, last, username in User.objects.filter(
                pk__in=[row["lead_officer_id"] for row in shown if row["lead_officer_id"]]
            ).values_list("pk", "first_name", "last_name", "username")
        }
        data.add(
            Table(
                key="team",
                caption=f"Your team: open cases {organisation.name} leads, by lead officer",
                columns=[Column("officer", "Lead officer"), *STATUS_COLUMNS],
                rows=[
                    [
                        officers.get(row["lead_officer_id"], "No lead officer (unowned)"),
                        *_status_cells(row),
                    ]
                    for row in shown
                ],
                total=len(team) if len(team) > len(shown) else None,
                empty=f"{organisation.name} leads no open cases.",
                hint="Officers with most open cases first.",
            )
        )
    accepted = (
        OwnershipTransfer.objects.filter(
            case_id=OuterRef("pk"),
            to_organisation=organisation,
            status=OwnershipTransfer.Status.ACCEPTED,
        )
        .order_by("-decided_at")
        .values("decided_at")[:1]
    )
    unowned = (
        Case.objects.filter(
            lead_organisation=organisation, lead_officer__isnull=True, status__in=OPEN_STATUSES
        )
        .annotate(taken_on=Subquery(accepted), since=Coalesce("taken_on", "opened_at"))
        # Sorting on the computed date makes PostgreSQL start from the organisation's open
        # cases rather than walk every case by opening date.
        .order_by("since", "id")
        .values("reference", "uuid", "title", "status", "opened_at", "taken_on")
    )
    items = list(unowned[:limit])
    data.add(
        Table(
            key="unowned",
            caption="Cases with no lead officer, longest waiting first",
            columns=[
                Column("case", "Case"),
                Column("title", "Title"),
                Column("status", "Status"),
                Column("since", "Waiting since", "date"),
                Column("days", "Days waiting", "int"),
            ],
            rows=[
                [
                    _case_link(item["reference"], item["uuid"]),
                    item["title"],
                    CaseStatus(item["status"]).label,
                    timezone.localtime(item["taken_on"] or item["opened_at"]).date(),
                    _days_since(item["taken_on"] or item["opened_at"], today),
                ]
                for item in items
            ],
            total=data.facts["unowned"] if data.facts["unowned"] > len(items) else None,
            empty=f"Every open case {organisation.name} leads has a lead officer.",
            hint="Waiting since the case was opened, or since your organisation accepted it.",
        )
    )
    transfers = list(
        OwnershipTransfer.objects.filter(status=OwnershipTransfer.Status.PENDING)
        .filter(Q(to_organisation=organisation) | Q(from_organisation=organisation))
        .select_related("case", "from_organisation", "to_organisation")
        .order_by("proposed_at", "id")[:limit]
    )
    data.add(
        Table(
            key="transfers",
            caption="Cases awaiting a transfer of ownership",
            columns=[
                Column("case", "Case"),
                Column("from", "From"),
                Column("to", "To"),
                Column("proposed", "Proposed", "date"),
                Column("days", "Days waiting", "int"),
            ],
            rows=[
                [
                    _case_link(t.case.reference, t.case.uuid),
                    t.from_organisation.name,
                    t.to_organisation.name,
                    timezone.localtime(t.proposed_at).date(),
                    _days_since(t.proposed_at, today),
                ]
                for t in transfers
            ],
            empty="No transfers to or from your organisation are waiting for an answer.",
        )
    )
    tasks = (
        CaseTask.objects.filter(
            organisation=organisation, status=CaseTask.Status.OPEN, due_on__lt=today
        )
        .filter(Exists(Case.objects.filter(case_visible_to(organisation), pk=OuterRef("case_id"))))
        .select_related("case", "assignee")
        .order_by("due_on", "id")
    )
    task_items = list(tasks[:limit])
    data.add(
        Table(
            key="tasks",
            caption="Overdue tasks of your organisation, most overdue first",
            columns=[
                Column("task", "Task"),
                Column("case", "Case"),
                Column("assignee", "Assigned to"),
                Column("due", "Due", "date"),
                Column("days", "Days overdue", "int"),
            ],
            rows=[
                [
                    task.title,
                    _case_link(task.case.reference, task.case.uuid),
                    task.assignee.display_name,
                    task.due_on,
                    (today - task.due_on).days,
                ]
                for task in task_items
            ],
            empty="No task of your organisation is overdue.",
        )
    )
    reviews = _overdue_reviews(today).filter(case__lead_organisation=organisation)
    review_items = list(reviews.select_related("case", "person")[:limit])
    columns = [Column("case", "Case")]
    if scope.personal:
        columns.append(Column("person", "Victim"))
    columns += [
        Column("band", "Risk"),
        Column("due", "Review due", "date"),
        Column("days", "Days overdue", "int"),
    ]
    data.add(
        Table(
            key="reviews",
            caption="Overdue risk reviews on cases your organisation leads",
            columns=columns,
            rows=[
                [
                    _case_link(review.case.reference, review.case.uuid),
                    *([review.person.full_name] if scope.personal else []),
                    review.get_band_display(),
                    review.next_review_on,
                    (today - review.next_review_on).days,
                ]
                for review in review_items
            ],
            empty="No risk review on your cases is overdue.",
        )
    )


def _overdue_reviews(today: dt.date) -> QuerySet[RiskAssessment]:
    """The latest assessment of each victim on each open case, where its review date has
    passed."""
    superseded = RiskAssessment.objects.filter(supersedes_id=OuterRef("pk"))
    return (
        RiskAssessment.objects.filter(next_review_on__lt=today)
        .exclude(case__status=CaseStatus.CLOSED)
        .exclude(Exists(superseded))
        .order_by("next_review_on", "id")
    )


def _ownership_partnership(data: Dashboard, names: dict, today: dt.date) -> None:
    transfers = (
        OwnershipTransfer.objects.filter(status=OwnershipTransfer.Status.PENDING)
        .values("to_organisation_id")
        .annotate(count=Count("id"), oldest=Min("proposed_at"))
    )
    tasks = (
        CaseTask.objects.filter(status=CaseTask.Status.OPEN, due_on__lt=today)
        .values("organisation_id")
        .annotate(count=Count("id"), oldest=Min("due_on"))
    )
    reviews = (
        _overdue_reviews(today)
        .order_by()
        .values("case__lead_organisation_id")
        .annotate(count=Count("id"), oldest=Min("next_review_on"))
    )
    for key, caption, rows, org_key, label, wait in (
        (
            "transfers",
            "Cases awaiting a transfer of ownership, by the organisation asked to take them",
            transfers,
            "to_organisation_id",
            "Waiting",
            "Longest waiting (days)",
        ),
        (
            "tasks",
            "Overdue tasks, by organisation",
            tasks,
            "organisation_id",
            "Overdue",
            "Most overdue (days)",
        ),
        (
            "reviews",
            "Overdue risk reviews on open cases, by lead organisation",
            reviews,
            "case__lead_organisation_id",
            "Overdue",
            "Most overdue (days)",
        ),
    ):
        items = sorted(rows, key=lambda row, k=org_key: (-row["count"], names[row[k]]))
        data.add(
            Table(
                key=key,
                caption=caption,
                columns=[
                    Column("organisation", "Organisation"),
                    Column("count", label, "int"),
                    Column("days", wait, "int"),
                ],
                rows=[
                    [names[row[org_key]], row["count"], _days_since(row["oldest"], today)]
                    for row in items
                ],
                empty="None.",
            )
        )


# 2. Repeat and vulnerable victims -------------------------------------------------------------

RISK_ORDER = SqlCase(
    When(case__risk_band="high", then=Value(3)),
    When(case__risk_band="medium", then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)


def _latest_overdue_day(today: dt.date, working_days: int) -> dt.date:
    """The latest day from which `working_days` working days ends before today: contact
    counted from that day or earlier is overdue (add_working_days never goes backwards)."""
    day = today - dt.timedelta(days=1)
    while add_working_days(day, working_days) >= today:
        day -= dt.timedelta(days=1)
    return day


def _victim_links(scope: Scope, today: dt.date) -> QuerySet[CasePerson]:
    """Victims flagged repeat or vulnerable on open cases in scope, with their last contact on
    the case and whether it is overdue by the contact standard for the case's risk band (the
    same rule as victims.selectors.contact_due, as a database expression)."""
    links = (
        CasePerson.objects.filter(role="victim")
        .exclude(case__status=CaseStatus.CLOSED)
        .filter(Q(person__status__is_repeat=True) | Q(person__status__is_vulnerable=True))
    )
    if not scope.partnership:
        links = links.filter(case_visible_to(scope.organisation, outer="case_id"))
    last = (
        ContactLog.objects.filter(
            case_id=OuterRef("case_id"), person_id=OuterRef("person_id"), made_contact=True
        )
        .order_by("-contacted_at")
        .values("contacted_at")[:1]
    )
    zone = timezone.get_current_timezone()
    links = links.annotate(
        last_contact=Subquery(last),
        opened_on=TruncDate("case__opened_at", tzinfo=zone),
    ).annotate(last_contact_on=TruncDate("last_contact", tzinfo=zone))
    overdue = Q(pk__in=[])
    for band, standard in contact_standards().items():
        first_by = _latest_overdue_day(today, standard.first_contact_working_days)
        update_by = _latest_overdue_day(today, standard.update_every_working_days)
        overdue |= Q(case__risk_band=band) & (
            Q(last_contact__isnull=True, opened_on__lte=first_by)
            | Q(last_contact_on__lte=update_by)
        )
    return links.annotate(
        overdue=SqlCase(
            When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        risk_rank=RISK_ORDER,
    )


def victims_dashboard(*, scope: Scope, params=None, for_export: bool = False) -> Dashboard:
    today = timezone.localdate()
    data = Dashboard(scope=scope)
    links = _victim_links(scope, today)
    names = _organisation_names()
    by_organisation = (
        links.order_by()
        .values("case__lead_organisation_id")
        .annotate(
            people=Count("person_id", distinct=True),
            repeat=Count("person_id", distinct=True, filter=Q(person__status__is_repeat=True)),
            vulnerable=Count(
                "person_id", distinct=True, filter=Q(person__status__is_vulnerable=True)
            ),
            high=Count("id", filter=Q(case__risk_band="high")),
            medium=Count("id", filter=Q(case__risk_band="medium")),
            on_cases=Count("id"),
            overdue=Count("id", filter=Q(overdue=True)),
        )
    )
    rows = sorted(
        by_organisation, key=lambda r: (-r["people"], names[r["case__lead_organisation_id"]])
    )
    total = defaultdict(int)
    for row in rows:
        for key in ("people", "repeat", "vulnerable", "high", "medium", "on_cases", "overdue"):
            total[key] += row[key]

    def met(row) -> str:
        if not row["on_cases"]:
            return ""
        return f"{100 * (row['on_cases'] - row['overdue']) / row['on_cases']:.0f}%"

    data.add(
        Table(
            key="by_organisation",
            caption="Repeat and vulnerable victims on open cases, by lead organisation",
            columns=[
                Column("organisation", "Lead organisation"),
                Column("people", "Victims", "int"),
                Column("repeat", "Repeat victims", "int"),
                Column("vulnerable", "Vulnerable", "int"),
                Column("high", "High risk (case)", "int"),
                Column("medium", "Medium risk (case)", "int"),
                Column("overdue", "Contact overdue", "int"),
                Column("met", "Contact standard met", "percent"),
            ],
            rows=[
                [
                    names[row["case__lead_organisation_id"]],
                    row["people"],
                    row["repeat"],
                    row["vulnerable"],
                    row["high"],
                    row["medium"],
                    row["overdue"],
                    met(row),
                ]
                for row in rows
            ]
            + (
                [
                    [
                        "All organisations",
                        *(total[k] for k in ("people", "repeat", "vulnerable", "high", "medium")),
                        total["overdue"],
                        met(total),
                    ]
                ]
                if len(rows) > 1
                else []
            ),
            empty="No repeat or vulnerable victims on open cases.",
            hint="A victim on cases of two organisations is counted under each. Risk is the "
            "case's risk band; contact is measured against the standard for that band.",
        )
    )
    data.facts = {"people": total["people"], "overdue": total["overdue"]}
    if not scope.personal:
        return data
    ordered = links.select_related(
        "person", "person__status", "case", "case__lead_officer", "case__lead_organisation"
    ).order_by("-overdue", "-risk_rank", "case__opened_at", "id")
    if for_export:
        items = list(ordered[:EXPORT_LIMIT])
    else:
        data.page = paginate(ordered, params or {}, per_page=PAGE_ROWS)
        items = data.page.items
    standards = contact_standards()
    table_rows = []
    for link in items:
        status = getattr(link.person, "status", None)
        due = contact_due(
            opened_at=link.case.opened_at,
            risk_band=link.case.risk_band,
            last_contact=link.last_contact,
            standards=standards,
            today=today,
        )
        flags = [
            word
            for word, on in (
                ("Repeat", status and status.is_repeat),
                ("Vulnerable", status and status.is_vulnerable),
            )
            if on
        ]
        table_rows.append(
            [
                Link(
                    link.person.full_name, reverse("victims:person_detail", args=[link.person.uuid])
                ),
                ", ".join(flags),
                link.case.get_risk_band_display(),
                status.agencies_in_window if status else None,
                _case_link(link.case.reference, link.case.uuid),
                link.case.lead_organisation.name,
                link.case.lead_officer.display_name
                if link.case.lead_officer
                else "No lead officer",
                link.last_contact,
                "Overdue" if due.overdue else ("Met" if due.due_on else "No standard"),
                due.due_on,
            ]
        )
    data.add(
        Table(
            key="victims",
            caption="Repeat and vulnerable victims on open cases: contact overdue first",
            columns=[
                Column("person", "Victim"),
                Column("flags", "Status"),
                Column("risk", "Risk (case)"),
                Column("agencies", "Agencies involved", "int"),
                Column("case", "Case"),
                Column("lead", "Lead organisation"),
                Column("officer", "Lead officer"),
                Column("last_contact", "Last contact", "datetime"),
                Column("standard", "Contact standard"),
                Column("due", "Next contact due", "date"),
            ],
            rows=table_rows,
            empty="No repeat or vulnerable victims on open cases.",
            hint="Agencies involved: agencies that recorded an incident about them in the repeat "
            "window.",
        )
    )
    return data


# 3. ASB Case Review ---------------------------------------------------------------------------


def _applications(scope: Scope) -> QuerySet[Application]:
    if scope.user.has_perm("community_trigger.view_application"):
        return application_list_for_user(user=scope.user)
    return Application.objects.all()  # analysts: counts only, never the applications


def case_review_dashboard(*, scope: Scope, for_export: bool = False) -> Dashboard:
    today = timezone.localdate()
    now = timezone.now()
    data = Dashboard(scope=scope)
    listed = scope.user.has_perm("community_trigger.view_application")
    applications = list(
        _applications(scope)
        .order_by()
        .annotate(
            decided=Min("decisions__decided_at"),
            held=Min("meetings__held_at", filter=Q(meetings__status="held")),
        )
        .values(
            "id",
            "stage",
            "received_at",
            "check_due",
            "tell_applicant_due",
            "applicant_told_at",
            "meeting_due",
            "outcome_due",
            "outcome_sent_at",
            "decided",
            "held",
        )
    )
    by_stage = defaultdict(int)
    for application in applications:
        by_stage[application["stage"]] += 1
    data.add(
        Table(
            key="stages",
            caption="Applications by stage",
            columns=[Column("stage", "Stage"), Column("applications", "Applications", "int")],
            rows=[[label, by_stage[value]] for value, label in Stage.choices],
            empty="No applications.",
        )
    )
    clocks = [
        ("Threshold checked", "check_due", "decided"),
        ("Applicant told the decision", "tell_applicant_due", "applicant_told_at"),
        ("Review meeting held", "meeting_due", "held"),
        ("Outcome sent", "outcome_due", "outcome_sent_at"),
    ]
    clock_rows = []
    for label, due_key, done_key in clocks:
        counts = defaultdict(int)
        for application in applications:
            due, done = application[due_key], application[done_key]
            if due is None or (application["stage"] == Stage.WITHDRAWN and done is None):
                continue
            if done is not None:
                counts["on_time" if timezone.localtime(done).date() <= due else "late"] += 1
            else:
                counts["overdue" if due < today else "waiting"] += 1
        clock_rows.append(
            [label, counts["on_time"], counts["late"], counts["waiting"], counts["overdue"]]
        )
    data.add(
        Table(
            key="deadlines",
            caption="Decisions and steps against their deadlines (working days)",
            columns=[
                Column("step", "Step"),
                Column("on_time", "Done on time", "int"),
                Column("late", "Done late", "int"),
                Column("waiting", "Not yet due", "int"),
                Column("overdue", "Not done and overdue", "int"),
            ],
            rows=clock_rows,
        )
    )
    meetings = ResolutionMeeting.objects.filter(application__in=_applications(scope))
    meeting_counts = dict(meetings.order_by().values_list("status").annotate(Count("id")))
    data.add(
        Table(
            key="meetings",
            caption="Resolution meetings",
            columns=[Column("status", "Status"), Column("meetings", "Meetings", "int")],
            rows=[
                [label, meeting_counts.get(value, 0)]
                for value, label in ResolutionMeeting.Status.choices
            ],
        )
    )
    if listed:
        upcoming = list(
            meetings.filter(status=ResolutionMeeting.Status.SCHEDULED, scheduled_for__gte=now)
            .select_related("application")
            .order_by("scheduled_for")[: _limit(for_export)]
        )
        data.add(
            Table(
                key="upcoming",
                caption="Meetings coming up",
                columns=[
                    Column("application", "Application"),
                    Column("when", "When", "datetime"),
                    Column("where", "Where"),
                ],
                rows=[
                    [
                        Link(
                            m.application.reference,
                            reverse(
                                "community_trigger:application_detail", args=[m.application.uuid]
                            ),
                        ),
                        m.scheduled_for,
                        m.location,
                    ]
                    for m in upcoming
                ],
                empty="No meetings are scheduled.",
            )
        )
    names = _organisation_names()
    recommendations = (
        Recommendation.objects.filter(application__in=_applications(scope))
        .order_by()
        .values("lead_organisation_id")
        .annotate(
            open=Count("id", filter=Q(status__in=["agreed", "in_progress"])),
            overdue=Count("id", filter=Q(status__in=["agreed", "in_progress"], due_on__lt=today)),
            completed=Count("id", filter=Q(status="completed")),
            not_done=Count("id", filter=Q(status="not_done")),
        )
    )
    data.add(
        Table(
            key="recommendations",
            caption="Recommendations by the agency that leads them",
            columns=[
                Column("organisation", "Agency"),
                Column("open", "Open", "int"),
                Column("overdue", "Open and overdue", "int"),
                Column("completed", "Completed", "int"),
                Column("not_done", "Not done", "int"),
            ],
            rows=[
                [
                    names[r["lead_organisation_id"]],
                    r["open"],
                    r["overdue"],
                    r["completed"],
                    r["not_done"],
                ]
                for r in sorted(recommendations, key=lambda r: names[r["lead_organisation_id"]])
            ],
            empty="No recommendations yet.",
        )
    )
    data.facts = {
        "applications": len(applications),
        "open": sum(
            1 for a in applications if a["stage"] not in {"not_met", "completed", "withdrawn"}
        ),
    }
    return data


# 4. Hotspots: High Impact Localities ---------------------------------------------------------


@dataclass(frozen=True)
class HotspotFilters:
    period: Period
    incident_type: IncidentType | None = None
    geography: str = "lsoa"  # or "ward"
    local_authority: LocalAuthority | None = None
    open_data: bool = False

    def terms(self) -> dict:
        return {
            key: value
            for key, value in {
                "from": f"{self.period.start:%Y-%m}",
                "to": f"{self.period.last_month:%Y-%m}",
                "type": self.incident_type.code if self.incident_type else "",
                "areas": self.geography,
                "local_authority": self.local_authority.code if self.local_authority else "",
                "open_data": self.open_data,
            }.items()
            if value
        }


@dataclass(frozen=True)
class AreaName:
    name: str
    local_authority: str
    ward: str = ""
    current: bool = True  # in the current set (2021 LSOAs, 2025 wards)


def _area_names(geography: str) -> dict[str, AreaName]:
    """Area code -> its name. An LSOA code that exists in both the 2011 and the 2021 sets is
    the same area (LSOAs that changed in 2021 were given new codes), so one code is one row;
    the current set's name wins."""
    names: dict[str, AreaName] = {}
    if geography == "ward":
        for code, year, name, la in Ward.objects.order_by("year").values_list(
            "code", "year", "name", "local_authority__name"
        ):
            names[code] = AreaName(name, la, current=year == 2025)
        return names
    for code, vintage, name, la, ward in Lsoa.objects.order_by("vintage").values_list(
        "code", "vintage", "name", "local_authority__name", "ward__name"
    ):
        names[code] = AreaName(name, la, ward or "", current=vintage == 2021)
    return names


def _change(now: int, before: int) -> int | str | None:
    """The change on the previous period, in per cent ("new" where there was nothing)."""
    if not before:
        return "new" if now else None
    return round(100 * (now - before) / before)


def _by_area(rows: QuerySet, code: str, start: dt.date, count) -> dict[str, tuple[int, int]]:
    """{area code: (this period, previous period)} from rows spanning both periods."""
    return {
        row[code]: (row["now"] or 0, row["before"] or 0)
        for row in rows.values(code).annotate(
            now=count(filter=Q(month__gte=start)), before=count(filter=Q(month__lt=start))
        )
    }


def hotspots_dashboard(*, scope: Scope, filters: HotspotFilters) -> Dashboard:
    period, previous = filters.period, filters.period.previous
    data = Dashboard(scope=scope, as_of=_as_of(), period=period)
    ward = filters.geography == "ward"
    code = "ward_code" if ward else "lsoa_code"
    rows = IncidentAreaMonth.objects.filter(
        scope.viewer_q, month__gte=previous.start, month__lt=period.end
    )
    if filters.incident_type:
        rows = rows.filter(incident_type=filters.incident_type)
    else:
        rows = rows.filter(incident_type__isnull=True)
    if filters.local_authority:
        rows = rows.filter(local_authority=filters.local_authority)
    counts = _by_area(rows, code, period.start, lambda **kw: Sum("incidents", **kw))
    open_data: dict[str, tuple[int, int]] = {}
    if filters.open_data:
        open_rows = OpenDataIncident.objects.filter(month__gte=previous.start, month__lt=period.end)
        if filters.local_authority:
            open_rows = open_rows.filter(local_authority=filters.local_authority)
        open_data = _by_area(open_rows, code, period.start, lambda **kw: Count("id", **kw))
        data.facts["open_data_months"] = OpenDataIncident.objects.aggregate(
            first=Min("month"), last=Max("month")
        )
    names = _area_names(filters.geography)
    unknown = counts.pop("", (0, 0))
    keys = set(counts) | {key for key, (now, _) in open_data.items() if now}
    ranked = sorted(
        keys, key=lambda key: (-counts.get(key, (0, 0))[0], -open_data.get(key, (0, 0))[0], key)
    )
    columns = [
        Column("rank", "Rank", "int"),
        Column("area", "Ward" if ward else "LSOA"),
        Column("code", "Code"),
    ]
    if not ward:
        columns.append(Column("ward", "Ward (best fit, 2025)"))
    columns += [
        Column("local_authority", "Local authority"),
        Column("incidents", "Incidents", "int"),
        Column("previous", "Previous period", "int"),
        Column("change", "Change (%)", "change"),
    ]
    if filters.open_data:
        columns += [
            Column("open_data", "police.uk ASB", "int"),
            Column("open_data_previous", "police.uk ASB, previous period", "int"),
        ]
    table_rows = []
    rank = 0
    for key in ranked:
        now, before = counts.get(key, (0, 0))
        if now:
            rank += 1
        area = names.get(key, AreaName("Not in the area's boundaries", ""))
        row = [rank if now else None, area.name, key if area.current else f"{key} (2011 set)"]
        if not ward:
            row.append(area.ward)
        row += [area.local_authority, now, before, _change(now, before)]
        if filters.open_data:
            row += list(open_data.get(key, (0, 0)))
        table_rows.append(row)
    subject = filters.incident_type.name.lower() if filters.incident_type else "ASB"
    data.add(
        Table(
            key="areas",
            caption=f"{'Wards' if ward else 'LSOAs'} ranked by {subject} incidents, {period.label}",
            columns=columns,
            rows=table_rows,
            empty="No incidents in this period.",
            hint=f"Previous period: {previous.label}. An incident recorded by several "
            "agencies counts once.",
        )
    )
    this_total = sum(now for now, _ in counts.values()) + unknown[0]
    before_total = sum(before for _, before in counts.values()) + unknown[1]
    data.facts.update(
        {
            "incidents": this_total,
            "previous": before_total,
            "change": _change(this_total, before_total),
            "unknown_area": unknown[0],
            "areas": sum(1 for now, _ in counts.values() if now),
        }
    )
    boundary = "ward25" if ward else "lsoa21"
    where = (
        filters.local_authority.name if filters.local_authority else "County Durham and Darlington"
    )
    whose = "the partnership" if scope.partnership else scope.organisation.name
    data.maps["partnership"] = maps.choropleth(
        key=boundary,
        values={key: now for key, (now, _) in counts.items()},
        title=f"Map of {subject} incidents by {'ward' if ward else 'LSOA'}, {period.label}",
        description=f"{where}: darker areas had more incidents recorded by {whose}. The table "
        "below the map lists every area with its figures.",
        element_id="map-partnership",
    )
    if filters.open_data:
        current = sum(
            now for key, (now, _) in open_data.items() if names.get(key, AreaName("", "")).current
        )
        older = sum(now for now, _ in open_data.values()) - current
        open_boundary = "ward25" if ward else ("lsoa11" if older > current else "lsoa21")
        data.maps["open_data"] = maps.choropleth(
            key=open_boundary,
            values={key: now for key, (now, _) in open_data.items()},
            title=f"Map of police.uk anti-social behaviour by {'ward' if ward else 'LSOA'}, "
            f"{period.label}",
            description="Open data published by police.uk for the same period: darker areas "
            "had more reports. The table below the maps lists every area.",
            element_id="map-open-data",
        )
        data.facts["open_data"] = sum(now for now, _ in open_data.values())
        data.facts["open_data_boundary"] = open_boundary
    return data


# 5. High Impact Households -------------------------------------------------------------------


def households_dashboard(*, scope: Scope, months: int, for_export: bool = False) -> Dashboard:
    """Addresses and people with most incidents: for roles that may see people, over what
    their organisation may see; the ASB Champion over the whole partnership."""
    if not scope.personal:
        raise PermissionError("High Impact Households show people")
    data = Dashboard(scope=scope, as_of=_as_of(SummaryState.Kind.HOUSEHOLDS))
    rows = list(
        HouseholdRank.objects.filter(scope.viewer_q, months=months)
        .select_related("person", "local_authority")
        .order_by("kind", "rank")
    )
    people = [row for row in rows if row.kind == HouseholdRank.Kind.PERSON]
    visible = {row.person_id for row in people}
    if not scope.partnership:
        visible = set(
            Person.objects.filter(pk__in=visible)
            .filter(person_visible_q(scope.organisation))
            .values_list("pk", flat=True)
        )
    data.add(
        Table(
            key="addresses",
            caption=f"Addresses with most incidents, last {months} months",
            columns=[
                Column("rank", "Rank", "int"),
                Column("address", "Address"),
                Column("postcode", "Postcode"),
                Column("uprn", "UPRN"),
                Column("local_authority", "Local authority"),
                Column("incidents", "Incidents", "int"),
                Column("agencies", "Agencies", "int"),
                Column("first", "First", "date"),
                Column("last", "Latest", "date"),
            ],
            rows=[
                [
                    row.rank,
                    row.address,
                    row.postcode,
                    row.uprn,
                    row.local_authority.name if row.local_authority else "",
                    row.incidents,
                    row.agencies,
                    timezone.localtime(row.first_at).date(),
                    timezone.localtime(row.last_at).date(),
                ]
                for row in rows
                if row.kind == HouseholdRank.Kind.ADDRESS
            ],
            empty="No incidents with an address in this period.",
            hint="Where the incidents happened. An incident recorded by several agencies counts "
            "once.",
        )
    )
    shown = [row for row in people if row.person_id in visible]
    data.add(
        Table(
            key="people",
            caption=f"People involved in most incidents, last {months} months",
            columns=[
                Column("rank", "Rank", "int"),
                Column("person", "Person"),
                Column("incidents", "Incidents", "int"),
                Column("as_victim", "As victim or reporter", "int"),
                Column("as_perpetrator", "Named as alleged perpetrator", "int"),
                Column("agencies", "Agencies", "int"),
                Column("last", "Latest", "date"),
            ],
            rows=[
                [
                    row.rank,
                    Link(
                        row.person.full_name,
                        reverse("victims:person_detail", args=[row.person.uuid]),
                    ),
                    row.incidents,
                    row.as_victim,
                    row.as_perpetrator,
                    row.agencies,
                    timezone.localtime(row.last_at).date(),
                ]
                for row in shown
            ],
            empty="No people linked to incidents in this period.",
            hint="Alleged perpetrators are those named on the cases the incidents are linked to.",
        )
    )
    return data


# 6. Tools and powers, and costs --------------------------------------------------------------


def _money(value) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"))


def costs_dashboard(*, scope: Scope, period: Period, for_export: bool = False) -> Dashboard:
    data = Dashboard(scope=scope, as_of=_as_of(), period=period)
    names = _organisation_names()
    types = dict(ActionType.objects.values_list("id", "name"))
    areas = dict(LocalAuthority.objects.values_list("id", "name"))

    # One pass over the period's summary rows (thousands for the partnership), adding each to
    # the totals by agency and type, by month and by area; by type and by agency come from the
    # first.
    def zero() -> list:
        return [0, Decimal("0")]

    per_agency_type: dict[Any, list] = defaultdict(zero)
    per_month: dict[Any, list] = defaultdict(zero)
    per_area: dict[Any, list] = defaultdict(zero)
    for month, type_id, organisation_id, area_id, actions, cost in ActionMonth.objects.filter(
        scope.viewer_q, month__gte=period.start, month__lt=period.end
    ).values_list(
        "month",
        "action_type_id",
        "organisation_id",
        "local_authority_id",
        "actions",
        "cost_pounds",
    ):
        for total in (
            per_agency_type[(organisation_id, type_id)],
            per_month[month],
            per_area[area_id],
        ):
            total[0] += actions
            total[1] += cost
    per_type: dict[Any, list] = defaultdict(zero)
    per_agency: dict[Any, list] = defaultdict(zero)
    for (organisation_id, type_id), (actions, cost) in per_agency_type.items():
        for total in (per_type[type_id], per_agency[organisation_id]):
            total[0] += actions
            total[1] += cost

    def tallied(totals: dict[Any, list]) -> list[tuple[Any, int, Decimal]]:
        return [(key, actions, _money(cost)) for key, (actions, cost) in totals.items()]

    by_type = sorted(tallied(per_type), key=lambda t: (-t[1], types[t[0]]))
    data.add(
        Table(
            key="by_type",
            caption="Tools and powers used, by type",
            columns=[
                Column("type", "Tool or power"),
                Column("actions", "Used", "int"),
                Column("cost", "Cost", "money"),
            ],
            rows=[[types[k], n, cost] for k, n, cost in by_type],
            empty="No tools or powers recorded in this period.",
        )
    )
    data.charts["by_type"] = charts.bar_chart(
        element_id="chart-by-type",
        title=f"Tools and powers used by type, {period.label}",
        description="Bars show how many times each tool or power was used; the table below "
        "has the figures.",
        points=[charts.Point(types[k], n) for k, n, _ in by_type],
    )
    by_agency_type = sorted(
        tallied(per_agency_type),
        key=lambda t: (names[t[0][0]], -t[1], types[t[0][1]]),
    )
    data.add(
        Table(
            key="by_agency_type",
            caption="Tools and powers used, by agency and type",
            columns=[
                Column("organisation", "Agency"),
                Column("type", "Tool or power"),
                Column("actions", "Used", "int"),
                Column("cost", "Cost", "money"),
            ],
            rows=[
                [names[k[0]], types[k[1]], n, cost]
                for k, n, cost in (by_agency_type if for_export else by_agency_type[:PAGE_ROWS])
            ],
            total=len(by_agency_type),
            empty="No tools or powers recorded in this period.",
        )
    )
    monthly = {k: (n, cost) for k, n, cost in tallied(per_month)}
    data.add(
        Table(
            key="by_month",
            caption="Tools and powers used, and their cost, by month",
            columns=[
                Column("month", "Month"),
                Column("actions", "Used", "int"),
                Column("cost", "Cost", "money"),
            ],
            rows=[
                [f"{month:%B %Y}", *monthly.get(month, (0, Decimal("0.00")))]
                for month in period.month_list
            ],
        )
    )
    data.charts["by_month"] = charts.column_chart(
        element_id="chart-cost-by-month",
        title=f"Cost of tools and powers by month, {period.label}",
        description="Columns show the cost recorded each month; the table below has the figures.",
        points=[
            charts.Point(f"{month:%B %Y}", float(monthly.get(month, (0, 0))[1]), f"{month:%b %y}")
            for month in period.month_list
        ],
        money=True,
    )
    by_agency = sorted(tallied(per_agency), key=lambda t: (-t[2], names[t[0]]))
    data.add(
        Table(
            key="by_agency",
            caption="Costs by agency",
            columns=[
                Column("organisation", "Agency"),
                Column("actions", "Tools and powers used", "int"),
                Column("cost", "Cost", "money"),
                Column("average", "Average cost", "money"),
            ],
            rows=[[names[k], n, cost, _money(cost / n) if n else None] for k, n, cost in by_agency],
            empty="No costs recorded in this period.",
        )
    )
    by_area = sorted(tallied(per_area), key=lambda t: -t[2])
    data.add(
        Table(
            key="by_area",
            caption="Costs by local authority area (of the case)",
            columns=[
                Column("area", "Area"),
                Column("actions", "Tools and powers used", "int"),
                Column("cost", "Cost", "money"),
            ],
            rows=[[areas.get(k, "Area not recorded"), n, cost] for k, n, cost in by_area],
            empty="No costs recorded in this period.",
        )
    )
    top_costs = (
        CaseCostMonth.objects.filter(scope.viewer_q, month__gte=period.start, month__lt=period.end)
        .values("case_id")
        .annotate(actions=Sum("actions"), cost=Sum("cost_pounds"))
        .order_by("-cost", "case_id")[: EXPORT_LIMIT if for_export else 20]
    )
    top = list(top_costs)
    cases = {
        case["id"]: case
        # The ids themselves: as a subquery, PostgreSQL would aggregate the period again.
        for case in Case.objects.filter(pk__in=[row["case_id"] for row in top]).values(
            "id", "reference", "uuid", "lead_organisation_id", "local_authority_id"
        )
    }
    case_rows = [
        {
            "case__reference": cases[row["case_id"]]["reference"],
            "case__uuid": cases[row["case_id"]]["uuid"],
            "case__lead_organisation_id": cases[row["case_id"]]["lead_organisation_id"],
            "case__local_authority_id": cases[row["case_id"]]["local_authority_id"],
            **row,
        }
        for row in top
        if row["case_id"] in cases
    ]
    data.add(
        Table(
            key="by_case",
            caption="Cases that cost most in this period",
            columns=[
                Column("case", "Case"),
                Column("lead", "Lead organisation"),
                Column("area", "Area"),
                Column("actions", "Tools and powers used", "int"),
                Column("cost", "Cost", "money"),
            ],
            rows=[
                [
                    row["case__reference"]
                    if scope.partnership
                    else _case_link(row["case__reference"], row["case__uuid"]),
                    names[row["case__lead_organisation_id"]],
                    areas.get(row["case__local_authority_id"], ""),
                    row["actions"],
                    _money(row["cost"]),
                ]
                for row in case_rows
            ],
            empty="No costs recorded in this period.",
        )
    )
    data.facts = {
        "actions": sum(n for _, n, _ in by_type),
        "cost": _money(sum((cost for _, _, cost in by_type), Decimal("0"))),
    }
    return data


# 7. Trends -----------------------------------------------------------------------------------


def trends_dashboard(
    *, scope: Scope, period: Period, incident_type: IncidentType | None = None
) -> Dashboard:
    data = Dashboard(scope=scope, as_of=_as_of(), period=period)
    rows = IncidentAgencyMonth.objects.filter(
        scope.viewer_q, month__gte=period.start, month__lt=period.end
    )
    if incident_type:
        rows = rows.filter(incident_type=incident_type)
    names = _organisation_names()
    types = dict(IncidentType.objects.values_list("id", "name"))

    def total_by(field: str) -> dict:
        return dict(rows.values_list(field).annotate(Sum("incidents")).order_by())

    monthly = total_by("month")
    by_type = total_by("incident_type_id")
    by_agency = total_by("reported_to_id")
    subject = incident_type.name.lower() if incident_type else "ASB"
    heading = subject[0].upper() + subject[1:]
    data.add(
        Table(
            key="by_month",
            caption=f"{heading} incidents by month",
            columns=[Column("month", "Month"), Column("incidents", "Incidents", "int")],
            rows=[[f"{month:%B %Y}", monthly.get(month, 0)] for month in period.month_list],
        )
    )
    data.charts["by_month"] = charts.column_chart(
        element_id="chart-by-month",
        title=f"{heading} incidents by month, {period.label}",
        description="Columns show the incidents recorded each month; the table below has the "
        "figures.",
        points=[
            charts.Point(f"{month:%B %Y}", monthly.get(month, 0), f"{month:%b %y}")
            for month in period.month_list
        ],
    )
    type_rows = sorted(by_type.items(), key=lambda item: (-item[1], types[item[0]]))
    data.add(
        Table(
            key="by_type",
            caption="Incidents by type",
            columns=[Column("type", "Type"), Column("incidents", "Incidents", "int")],
            rows=[[types[k], n] for k, n in type_rows],
            empty="No incidents in this period.",
        )
    )
    data.charts["by_type"] = charts.bar_chart(
        element_id="chart-by-type",
        title=f"Incidents by type, {period.label}",
        description="Bars show how many incidents of each type were recorded; the table below "
        "has the figures.",
        points=[charts.Point(types[k], n) for k, n in type_rows],
    )
    agency_rows = sorted(by_agency.items(), key=lambda item: (-item[1], names[item[0]]))
    data.add(
        Table(
            key="by_agency",
            caption=f"{heading} incidents by the agency they were reported to",
            columns=[Column("organisation", "Agency"), Column("incidents", "Incidents", "int")],
            rows=[[names[k], n] for k, n in agency_rows],
            empty="No incidents in this period.",
        )
    )
    top = agency_rows[:12]
    rest = sum(n for _, n in agency_rows[12:])
    data.charts["by_agency"] = charts.bar_chart(
        element_id="chart-by-agency",
        title=f"{heading} incidents by agency, {period.label}",
        description="Bars show how many incidents were reported to each agency (the twelve "
        "with most, then the rest together); the table below lists every agency.",
        points=[charts.Point(names[k], n) for k, n in top]
        + ([charts.Point("All other agencies", rest)] if rest else []),
    )
    data.facts = {"incidents": sum(monthly.values())}
    return data


# Reference lists for the filters --------------------------------------------------------------


def incident_types() -> QuerySet[IncidentType]:
    return IncidentType.objects.filter(active=True)


def local_authorities() -> QuerySet[LocalAuthority]:
    return LocalAuthority.objects.filter(code__in=["E06000047", "E06000005"]).order_by("name")


# police.uk imports -----------------------------------------------------------------------------


def open_data_imports(*, limit: int = 20) -> list[OpenDataImport]:
    return list(
        OpenDataImport.objects.defer("content")
        .select_related("uploaded_by__membership__organisation")
        .order_by("-created_at")[:limit]
    )


def open_data_import_get(*, import_uuid) -> OpenDataImport:
    record = OpenDataImport.objects.defer("content").filter(uuid=import_uuid).first()
    if record is None:
        raise Http404("No such import")
    return record


def open_data_summary() -> dict:
    return OpenDataIncident.objects.aggregate(
        rows=Count("id"), first=Min("month"), last=Max("month")
    )


def skip_reasons(record: OpenDataImport) -> list[tuple[str, int]]:
    """Why rows of an import were skipped, in words, most common first."""
    labels = dict(Skip.choices)
    return sorted(
        ((labels.get(code, code), count) for code, count in record.skipped_reasons.items()),
        key=lambda item: -item[1],
    )


def loaded_areas(record: OpenDataImport) -> list[tuple[str, int]]:
    """How many rows of an import were loaded in each local authority, by name."""
    names = dict(LocalAuthority.objects.values_list("code", "name"))
    return [(names.get(code, code), count) for code, count in record.areas.items()]
