"""Dashboard 5: High Impact Households."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from reporting.models import HouseholdRank, SummaryState
from reporting.selectors.scope import Dashboard, Scope, _as_of
from reporting.tables import Column, Link, Table
from victims.models import Person
from victims.selectors import person_visible_q


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
