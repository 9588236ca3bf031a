"""Dashboard 1: ownership and case drift."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from access import redaction, rules
from access.viewer import SYSTEM, Viewer
from asb_cases.models import CaseStatus, CaseTask, OwnershipTransfer, RiskAssessment
from partners.models import User
from reporting.models import AgeBand, CaseOwnershipCount
from reporting.selectors.scope import (
    OPEN_STATUSES,
    PAGE_ROWS,
    Dashboard,
    _as_of,
    _case_link,
    _days_since,
    _limit,
    _organisation_names,
    summary_rows,
)
from reporting.tables import Column, Table

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


def _totals(
    counts: QuerySet[CaseOwnershipCount],
    key: str,
    limit: int | None = None,
    with_count: bool = False,
) -> list[dict]:
    """One row per `key` (organisation or officer) with the ownership columns, summed in the
    database; the first `limit` rows only, if given. `with_count` adds to each row, as `rows`,
    how many rows there are in all (`COUNT(*) OVER ()`, taken after the grouping and before
    the limit)."""
    over = {
        "over_3": [AgeBand.FROM_3, AgeBand.FROM_6, AgeBand.OVER_12],
        "over_6": [AgeBand.FROM_6, AgeBand.OVER_12],
        "over_12": [AgeBand.OVER_12],
    }
    totals = (
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
    if with_count:
        totals = totals.annotate(rows=Window(Count("*")))
    return list(totals if limit is None else totals[:limit])


# The columns the organisation's lists show (and, for the victims, what access.redaction reads
# to name them): the rest of each case, task, assessment (its answers), user and organisation
# row was read and turned into model fields for nothing, 150 rows a page.
_TRANSFER_COLUMNS = [
    "proposed_at",
    "case__reference",
    "case__uuid",
    "from_organisation__name",
    "to_organisation__name",
]
_TASK_COLUMNS = [
    "title",
    "due_on",
    "case__reference",
    "case__uuid",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
]
_REVIEW_COLUMNS = [
    "band",
    "next_review_on",
    "case__reference",
    "case__uuid",
    "person__uuid",
    "person__merged_into",
]


def _status_cells(row: dict) -> list[int]:
    return [row[column.key] for column in STATUS_COLUMNS]


def ownership_dashboard(*, viewer: Viewer, for_export: bool = False) -> Dashboard:
    today = timezone.localdate()
    data = Dashboard(viewer=viewer, as_of=_as_of())
    names = _organisation_names()
    counts = CaseOwnershipCount.objects.filter(summary_rows(viewer)).order_by()
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
    if viewer.partnership:
        _ownership_partnership(data, names, today)
    else:
        _ownership_organisation(data, counts, today, for_export)
    return data


def _ownership_organisation(
    data: Dashboard, counts: QuerySet[CaseOwnershipCount], today: dt.date, for_export: bool
):
    viewer = data.viewer
    organisation = viewer.organisation
    limit = _limit(for_export)
    if viewer.is_supervisor:
        # The page shows the first officers and says how many there are: the rest are counted
        # in the database, not read (a police force has 1,800 officers, each row eleven sums
        # converted in Python: 30 ms of a 200 ms page), by the same statement rather than a
        # second scan of the team's summary rows.
        led = counts.filter(lead_organisation=organisation)
        shown = _totals(
            led, "lead_officer_id", None if for_export else PAGE_ROWS, with_count=not for_export
        )
        officers_in_all = shown[0]["rows"] if shown and not for_export else len(shown)
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
                total=officers_in_all if officers_in_all > len(shown) else None,
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
        rules.cases(viewer)
        .filter(lead_organisation=organisation, lead_officer__isnull=True, status__in=OPEN_STATUSES)
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
        rules.transfers(viewer)
        .filter(status=OwnershipTransfer.Status.PENDING)
        .select_related("case", "from_organisation", "to_organisation")
        .only(*_TRANSFER_COLUMNS)
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
        rules.case_tasks(viewer)
        .filter(organisation=organisation, status=CaseTask.Status.OPEN, due_on__lt=today)
        .select_related("case", "assignee")
        .only(*_TASK_COLUMNS)
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
    reviews = _overdue_reviews(viewer, today).filter(case__lead_organisation=organisation)
    review_items = list(reviews.select_related("case", "person").only(*_REVIEW_COLUMNS)[:limit])
    views = redaction.person_views(viewer, [review.person for review in review_items])
    columns = [Column("case", "Case")]
    if viewer.sees_people:
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
                    *([views[review.person_id].name] if viewer.sees_people else []),
                    review.get_band_display(),
                    review.next_review_on,
                    (today - review.next_review_on).days,
                ]
                for review in review_items
            ],
            empty="No risk review on your cases is overdue.",
        )
    )


def _overdue_reviews(viewer: Viewer, today: dt.date) -> QuerySet[RiskAssessment]:
    """The latest assessment of each victim on each open case, where its review date has
    passed."""
    superseded = RiskAssessment.objects.filter(supersedes_id=OuterRef("pk"))
    return (
        rules.risk_assessments(viewer)
        .filter(next_review_on__lt=today)
        .exclude(case__status=CaseStatus.CLOSED)
        .exclude(Exists(superseded))
        .order_by("next_review_on", "id")
    )


def _ownership_partnership(data: Dashboard, names: dict, today: dt.date) -> None:
    # Partnership counts: every organisation's, by organisation (no record is listed).
    transfers = (
        rules.transfers(SYSTEM)
        .filter(status=OwnershipTransfer.Status.PENDING)
        .values("to_organisation_id")
        .annotate(count=Count("id"), oldest=Min("proposed_at"))
    )
    tasks = (
        rules.case_tasks(SYSTEM)
        .filter(status=CaseTask.Status.OPEN, due_on__lt=today)
        .values("organisation_id")
        .annotate(count=Count("id"), oldest=Min("due_on"))
    )
    reviews = (
        _overdue_reviews(SYSTEM, today)
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
