"""Dashboard 4: hotspots (High Impact Localities)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from access.viewer import Viewer
from asb_cases.models import IncidentType, Lsoa, Ward
from partners.models import LocalAuthority
from reporting import maps
from reporting.models import IncidentAreaMonth, OpenDataIncident
from reporting.selectors.scope import Dashboard, Period, _as_of, summary_rows
from reporting.tables import Column, Table


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


def hotspots_dashboard(*, viewer: Viewer, filters: HotspotFilters) -> Dashboard:
    period, previous = filters.period, filters.period.previous
    data = Dashboard(viewer=viewer, as_of=_as_of(), period=period)
    ward = filters.geography == "ward"
    code = "ward_code" if ward else "lsoa_code"
    rows = IncidentAreaMonth.objects.filter(
        summary_rows(viewer), month__gte=previous.start, month__lt=period.end
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
    whose = "the partnership" if viewer.partnership else viewer.organisation.name
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
