"""Dashboard 7: trends."""

from __future__ import annotations

from django.db.models import Sum

from access.viewer import Viewer
from asb_cases.models import IncidentType
from reporting import charts
from reporting.models import IncidentAgencyMonth
from reporting.selectors.scope import Dashboard, Period, _as_of, _organisation_names, summary_rows
from reporting.tables import Column, Table


def trends_dashboard(
    *, viewer: Viewer, period: Period, incident_type: IncidentType | None = None
) -> Dashboard:
    data = Dashboard(viewer=viewer, as_of=_as_of(), period=period)
    rows = IncidentAgencyMonth.objects.filter(
        summary_rows(viewer), month__gte=period.start, month__lt=period.end
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
