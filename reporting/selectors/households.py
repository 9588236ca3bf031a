"""Dashboard 5: High Impact Households."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from access import redaction, rules
from access.viewer import Viewer
from reporting.models import HouseholdRank, SummaryState
from reporting.selectors.scope import Dashboard, _as_of, summary_rows, uuid_url
from reporting.services import months_before
from reporting.tables import Column, Link, Table


def _address_visible(viewer: Viewer, since) -> Exists:
    """An incident at the row's address in the window that the viewer may see, now."""
    same_place = (Q(uprn=OuterRef("uprn")) & ~Q(uprn="")) | (
        Q(postcode=OuterRef("postcode")) & Q(address__iexact=OuterRef("address"))
    )
    return Exists(rules.incidents(viewer).filter(same_place, occurred_at__gte=since))


def households_dashboard(*, viewer: Viewer, months: int, for_export: bool = False) -> Dashboard:
    """Addresses and people with most incidents: for roles that may see people, over what
    their organisation may see (the ASB Champion: ranked over the whole partnership).

    The ranks are rebuilt nightly, but every row is checked against the access rules as it is
    read: an address is listed only while the viewer may see an incident there, a person only
    while the viewer may open their page, and named only as access.redaction allows — so a
    revoked share takes them off the page and its CSV at once."""
    if not viewer.sees_people:
        raise PermissionError("High Impact Households show people")
    data = Dashboard(viewer=viewer, as_of=_as_of(SummaryState.Kind.HOUSEHOLDS))
    since = timezone.make_aware(
        dt.datetime.combine(months_before(timezone.localdate(), months), dt.time.min)
    )
    # The ranked rows first (a hundred at most), each address's check evaluated for its own
    # row; then the people among them the viewer may open, in one query by primary key. (As
    # one statement's OR, the people rule was evaluated for every person the organisation may
    # see: 27 s for a housing provider's officer at a million incidents.)
    ranked = list(
        HouseholdRank.objects.filter(summary_rows(viewer), months=months)
        .annotate(
            place_seen=Case(
                When(kind=HouseholdRank.Kind.ADDRESS, then=_address_visible(viewer, since)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .select_related("person", "local_authority")
        .order_by("kind", "rank")
    )
    seen = set(
        rules.people(viewer)
        .filter(pk__in={row.person_id for row in ranked if row.kind == HouseholdRank.Kind.PERSON})
        .values_list("pk", flat=True)
    )
    rows = [
        row
        for row in ranked
        if (row.kind == HouseholdRank.Kind.ADDRESS and row.place_seen)
        or (row.kind == HouseholdRank.Kind.PERSON and row.person_id in seen)
    ]
    people = [row for row in rows if row.kind == HouseholdRank.Kind.PERSON]
    views = redaction.person_views(viewer, [row.person for row in people])
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
                        views[row.person_id].name,
                        uuid_url("victims:person_detail", row.person.uuid),
                    ),
                    row.incidents,
                    row.as_victim,
                    row.as_perpetrator,
                    row.agencies,
                    timezone.localtime(row.last_at).date(),
                ]
                for row in people
            ],
            empty="No people linked to incidents in this period.",
            hint="Alleged perpetrators are those named on the cases the incidents are linked to.",
        )
    )
    return data
