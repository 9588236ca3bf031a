"""Reference lists for the dashboards' filters."""

from __future__ import annotations

from django.db.models import QuerySet

from asb_cases.models import IncidentType
from partners.models import LocalAuthority


def incident_types() -> QuerySet[IncidentType]:
    return IncidentType.objects.filter(active=True)


def local_authorities() -> QuerySet[LocalAuthority]:
    return LocalAuthority.objects.filter(code__in=["E06000047", "E06000005"]).order_by("name")
