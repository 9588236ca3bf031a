"""Dashboard 2: repeat and vulnerable victims."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import (
    BooleanField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import TruncDate
from django.utils import timezone

from access import redaction, rules
from access.viewer import SYSTEM, Viewer
from asb_cases.models import CasePerson, CaseStatus
from partners.paging import paginate
from partners.working_days import add_working_days
from reporting.selectors.scope import (
    EXPORT_LIMIT,
    PAGE_ROWS,
    Dashboard,
    _case_link,
    _organisation_names,
    uuid_url,
)
from reporting.tables import Column, Link, Table
from victims.selectors import contact_due, contact_standards

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


def _victim_links(viewer: Viewer, today: dt.date) -> QuerySet[CasePerson]:
    """Victims flagged repeat or vulnerable on open cases the viewer sees (every case, for
    partnership counts), with their last contact on the case and whether it is overdue by the
    contact standard for the case's risk band (the same rule as victims.selectors.contact_due,
    as a database expression)."""
    links = (
        rules.case_people(SYSTEM if viewer.partnership else viewer)
        .filter(role="victim")
        .exclude(case__status=CaseStatus.CLOSED)
        .filter(Q(person__status__is_repeat=True) | Q(person__status__is_vulnerable=True))
    )
    last = (
        rules.contacts(SYSTEM)
        .filter(case_id=OuterRef("case_id"), person_id=OuterRef("person_id"), made_contact=True)
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


def victims_dashboard(*, viewer: Viewer, params=None, for_export: bool = False) -> Dashboard:
    today = timezone.localdate()
    data = Dashboard(viewer=viewer)
    links = _victim_links(viewer, today)
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
    if not viewer.sees_people:
        return data
    # The list of people: only those on cases the viewer's organisation sees, live (a revoked
    # share removes them at once), each shown as the viewer may see them.
    if viewer.partnership:
        links = links.filter(rules.case_q(viewer, outer="case_id"))
    ordered = links.select_related(
        "person", "person__status", "case", "case__lead_officer", "case__lead_organisation"
    ).order_by("-overdue", "-risk_rank", "case__opened_at", "id")
    if for_export:
        items = list(ordered[:EXPORT_LIMIT])
    else:
        data.page = paginate(ordered, params or {}, per_page=PAGE_ROWS)
        items = data.page.items
    standards = contact_standards()
    views = redaction.person_views(viewer, [link.person for link in items])
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
                    views[link.person_id].name,
                    uuid_url("victims:person_detail", link.person.uuid),
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
