"""police.uk open data imports: the list, one import, the data loaded, and what was
loaded or skipped.
"""

from __future__ import annotations

from django.db.models import Count, Max, Min
from django.http import Http404

from partners.models import LocalAuthority
from reporting.models import OpenDataImport, OpenDataIncident
from reporting.policeuk import Skip


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
