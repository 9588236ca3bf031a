"""What the case services share: the actor's organisation, the permission checks,
`_touch`, `CaseConflict`, and locations (`LocationInput`, `resolve_location`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from access.rules import CaseAccess
from access.viewer import viewer_for
from asb_cases import geography
from asb_cases.models import Case, Incident
from partners.models import AuditEvent, LocalAuthority, Organisation, User
from partners.postcodes import normalise_postcode

Verb = AuditEvent.Verb

# A little tolerance for clocks that disagree, when refusing times in the future.
CLOCK_SKEW = dt.timedelta(minutes=5)


class CaseConflict(Exception):
    """The case changed since the user loaded it; their edit was not applied."""

    def __init__(self, case: Case):
        super().__init__(f"{case.reference} was changed by someone else")
        self.case = case


def _organisation(actor: User) -> Organisation:
    return actor.membership.organisation


def _require_perm(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied(f"{actor} lacks {perm}")


def _require_case(actor: User, case: Case, codename: str) -> None:
    """The actor's role and organisation may `codename` on the case (access.rules)."""
    if not CaseAccess.of(viewer_for(actor), case).allows(codename):
        raise PermissionDenied(f"{actor} may not {codename} on {case.reference}")


def _touch(case: Case) -> None:
    """Move the case up the lists when something is added to it (no version change)."""
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(updated_at=now)
    case.updated_at = now


def _snapshot(instance, fields: list[str]) -> dict[str, Any]:
    values = {}
    for name in fields:
        value = getattr(instance, name)
        if hasattr(value, "pk"):
            value = str(value.pk)
        elif isinstance(value, dt.date | dt.datetime | Decimal):
            value = str(value)
        values[name] = value
    return values


@dataclass
class LocationInput:
    address: str = ""
    postcode: str = ""
    uprn: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    local_authority: LocalAuthority | None = None

    def is_empty(self) -> bool:
        return not (self.address or self.postcode or self.uprn or self.latitude is not None)


POSTCODE_AREA_FIELDS = ("lsoa_code", "lsoa_vintage", "ward_code", "ward_year", "local_authority")


def postcode_areas(postcode: str) -> dict[str, Any] | None:
    """The areas of the latest incident at the postcode whose areas are known: read from the
    index (postcode, -occurred_at), so it touches a few blocks however many incidents share the
    postcode (`.first()` would order by id and read them all)."""
    return (
        Incident.objects.filter(postcode=postcode)
        .exclude(lsoa_code="")
        .order_by("-occurred_at")
        .values(*POSTCODE_AREA_FIELDS)
        .first()
    )


# One statement for a batch of postcodes: for each, the same index read `postcode_areas` makes.
_POSTCODE_AREAS_SQL = """
    SELECT wanted.postcode, known.lsoa_code, known.lsoa_vintage, known.ward_code,
           known.ward_year, known.local_authority_id
    FROM unnest(%s::text[]) AS wanted(postcode)
    CROSS JOIN LATERAL (
        SELECT lsoa_code, lsoa_vintage, ward_code, ward_year, local_authority_id
        FROM asb_cases_incident
        WHERE postcode = wanted.postcode AND lsoa_code <> ''
        ORDER BY occurred_at DESC
        LIMIT 1
    ) AS known
"""


def postcode_areas_many(postcodes: set[str]) -> dict[str, dict[str, Any] | None]:
    """`postcode_areas` for many postcodes: on PostgreSQL in one statement (a lateral join,
    each postcode read from the index as `postcode_areas` reads it), elsewhere one by one."""
    wanted = sorted(postcodes - {""})
    if not wanted:
        return {}
    if connection.vendor != "postgresql":
        return {postcode: postcode_areas(postcode) for postcode in wanted}
    found: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
    with connection.cursor() as cursor:
        cursor.execute(_POSTCODE_AREAS_SQL, [wanted])
        for postcode, *values in cursor.fetchall():
            found[postcode] = dict(zip(POSTCODE_AREA_FIELDS, values, strict=True))
    return found


def resolve_location(location: LocationInput) -> dict[str, Any]:
    """The location's fields with its areas derived from coordinates, or from the areas of an
    earlier address with the same postcode; the officer's choice of local authority stands
    where nothing can be derived."""
    postcode = normalise_postcode(location.postcode) if location.postcode else ""
    fields: dict[str, Any] = {
        "address": location.address.strip(),
        "postcode": postcode,
        "uprn": location.uprn.strip(),
        "latitude": location.latitude,
        "longitude": location.longitude,
        "lsoa_code": "",
        "lsoa_vintage": None,
        "ward_code": "",
        "ward_year": None,
        "local_authority": location.local_authority,
    }
    area = None
    if location.latitude is not None and location.longitude is not None:
        area = geography.area_for_point(location.latitude, location.longitude)
    if area is not None:
        fields.update(
            lsoa_code=area.lsoa_code,
            lsoa_vintage=area.lsoa_vintage,
            ward_code=area.ward_code,
            ward_year=area.ward_year,
            local_authority=LocalAuthority.objects.filter(code=area.local_authority_code).first()
            or location.local_authority,
        )
    elif postcode:
        known = postcode_areas(postcode)
        if known:
            fields.update(known)
            fields["local_authority"] = (
                LocalAuthority.objects.filter(pk=known["local_authority"]).first()
                or location.local_authority
            )
    return fields
