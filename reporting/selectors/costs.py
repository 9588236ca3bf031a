"""Dashboard 6: tools and powers, and costs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum

from access import rules
from access.viewer import SYSTEM, Viewer
from asb_cases.models import ActionType
from partners.models import LocalAuthority
from reporting import charts
from reporting.models import ActionMonth, CaseCostMonth
from reporting.selectors.scope import (
    EXPORT_LIMIT,
    PAGE_ROWS,
    Dashboard,
    Period,
    _as_of,
    _case_link,
    _organisation_names,
    summary_rows,
)
from reporting.tables import Column, Table


def _money(value) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"))


def costs_dashboard(*, viewer: Viewer, period: Period, for_export: bool = False) -> Dashboard:
    data = Dashboard(viewer=viewer, as_of=_as_of(), period=period)
    names = _organisation_names()
    types = dict(ActionType.objects.values_list("id", "name"))
    areas = dict(LocalAuthority.objects.values_list("id", "name"))

    # The totals by agency and type, by month and by area, each added up by PostgreSQL; by type
    # and by agency from the first (a few hundred rows). Adding up the period's summary rows
    # here meant fetching every one (7,000 for the partnership over a year at a million
    # incidents) as Decimals and adding each to three totals: 30-40 ms of Python a page.
    rows = ActionMonth.objects.filter(
        summary_rows(viewer), month__gte=period.start, month__lt=period.end
    ).order_by()

    def summed(*keys: str) -> dict[Any, list]:
        grouped = rows.values(*keys).annotate(used=Sum("actions"), cost=Sum("cost_pounds"))
        return {
            (key[0] if len(keys) == 1 else tuple(key)): [used, cost]
            for *key, used, cost in grouped.values_list(*keys, "used", "cost")
        }

    per_agency_type = summed("organisation_id", "action_type_id")
    per_month = summed("month")
    per_area = summed("local_authority_id")
    per_type: dict[Any, list] = {}
    per_agency: dict[Any, list] = {}
    for (organisation_id, type_id), (actions, cost) in per_agency_type.items():
        for total in (
            per_type.setdefault(type_id, [0, Decimal("0")]),
            per_agency.setdefault(organisation_id, [0, Decimal("0")]),
        ):
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
    # Ties by name: the rows come in no set order.
    by_area = sorted(tallied(per_area), key=lambda t: (-t[2], areas.get(t[0], "Area not recorded")))
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
        CaseCostMonth.objects.filter(
            summary_rows(viewer), month__gte=period.start, month__lt=period.end
        )
        .values("case_id")
        .annotate(actions=Sum("actions"), cost=Sum("cost_pounds"))
        .order_by("-cost", "case_id")[: EXPORT_LIMIT if for_export else 20]
    )
    top = list(top_costs)
    cases = {
        case["id"]: case
        # The ids themselves: as a subquery, PostgreSQL would aggregate the period again.
        # Each case checked against the rules as it is read: a share revoked since the summary
        # was built takes the case off an organisation's list at once.
        for case in rules.cases(SYSTEM if viewer.partnership else viewer)
        .filter(pk__in=[row["case_id"] for row in top])
        .values("id", "reference", "uuid", "lead_organisation_id", "local_authority_id")
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
                    if viewer.partnership
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
