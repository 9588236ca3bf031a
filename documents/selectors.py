"""Reads of documents, scoped to the viewer through access.rules: out of scope is 404."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from access import redaction, rules
from access.redaction import PersonView
from access.rules import CaseAccess
from access.viewer import Viewer
from asb_cases.models import Case, Incident
from community_trigger.models import Application
from documents.letters import RECIPIENT_ROLE
from documents.models import Document, LetterKind, LetterTemplate


def _uuid(value) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError as exc:
        raise Http404("No such document") from exc


def documents_on(
    *, viewer: Viewer, record: Case | Incident | Application, access: CaseAccess | None = None
) -> QuerySet[Document]:
    """The documents on one record (already fetched through its own viewer-scoped selector)
    that the viewer may see, newest first. `access`: the viewer's grants on the case `record`,
    where the page has read them already (access.rules.documents with `on`)."""
    return (
        rules.documents(viewer, record, on=access)
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


# Letters --------------------------------------------------------------------------------------


def letter_template_current(*, viewer: Viewer, kind: str) -> LetterTemplate:
    """The version a new letter of `kind` is made from: the viewer's organisation's latest,
    else the partnership's latest default."""
    templates = rules.letter_templates(viewer).filter(kind=kind)
    template = (
        templates.filter(organisation_id=viewer.organisation_id).order_by("-version").first()
        or templates.filter(organisation__isnull=True).order_by("-version").first()
    )
    if template is None:
        raise Http404("No template for this kind of letter")
    return template


def letter_templates_current(*, viewer: Viewer) -> list[LetterTemplate]:
    return [
        letter_template_current(viewer=viewer, kind=kind)
        for kind in LetterKind.values
        if rules.letter_templates(viewer).filter(kind=kind).exists()
    ]


def letter_template_history(*, viewer: Viewer, kind: str) -> QuerySet[LetterTemplate]:
    return (
        rules.letter_templates(viewer)
        .filter(kind=kind)
        .select_related("organisation", "created_by")
        .order_by("-version", "organisation")
    )


def letter_recipients(*, viewer: Viewer, case: Case, kind: str) -> dict[int, PersonView]:
    """Whom a letter of `kind` on the case may be addressed to: the people in the kind's role
    whose details the viewer's organisation may read (its own record or one shared with it).
    A signpost has no name or address to write to."""
    role = RECIPIENT_ROLE.get(kind)
    if role is None:
        return {}
    links = list(rules.case_people(viewer).filter(case=case, role=role).select_related("person"))
    views = redaction.person_views(viewer, [link.person for link in links])
    return {
        pk: view for pk, view in views.items() if view.level in (redaction.OWN, redaction.SHARED)
    }
