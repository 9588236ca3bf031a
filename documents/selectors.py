"""Reads of documents, scoped to the viewer through access.rules: out of scope is 404."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from access import rules
from access.viewer import Viewer
from asb_cases.models import Case, Incident
from community_trigger.models import Application
from documents.models import Document


def _uuid(value) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError as exc:
        raise Http404("No such document") from exc


def documents_on(*, viewer: Viewer, record: Case | Incident | Application) -> QuerySet[Document]:
    """The documents on one record (already fetched through its own viewer-scoped selector)
    that the viewer may see, newest first."""
    field = {Case: "case", Incident: "incident", Application: "application"}[type(record)]
    return (
        rules.documents(viewer)
        .filter(**{field: record})
        .select_related("organisation", "uploaded_by")
        .order_by("-created_at", "-id")
    )


def document_get_for_viewer(*, viewer: Viewer, document_uuid) -> Document:
    document = (
        rules.documents(viewer)
        .filter(uuid=_uuid(document_uuid))
        .select_related("case", "incident", "application", "organisation")
        .first()
    )
    if document is None:
        raise Http404("No such document")
    return document
