"""The REST API for partner systems, at /api/ (docs/adr/0009-api-clients.md).

Version 1 lives under /api/v1/; the OpenAPI schema is /api/schema/ and its docs page
/api/docs/. Every endpoint needs an API client's token (the schema and docs also accept a
signed-in person). Each app keeps its views in its own `api` module; this file only routes.
"""

from django.urls import include, path, re_path

from asb_cases import api as cases
from community_trigger import api as case_reviews
from documents import api as documents
from partners.api import views as partners
from partners.api.base import NotFoundView
from victims import api as people

v1 = [
    path("organisations/", partners.OrganisationListView.as_view(), name="organisation-list"),
    path(
        "organisations/<slug:slug>/",
        partners.OrganisationDetailView.as_view(),
        name="organisation-detail",
    ),
    path("incidents/", cases.IncidentListView.as_view(), name="incident-list"),
    path("incidents/bulk/", cases.IncidentBulkView.as_view(), name="incident-bulk"),
    path(
        "incidents/<str:incident_uuid>/",
        cases.IncidentDetailView.as_view(),
        name="incident-detail",
    ),
    path(
        "incidents/<str:incident_uuid>/documents/",
        documents.IncidentDocumentView.as_view(),
        name="incident-documents",
    ),
    path("cases/", cases.CaseListView.as_view(), name="case-list"),
    path("cases/<str:case_uuid>/", cases.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<str:case_uuid>/status/", cases.CaseStatusView.as_view(), name="case-status"),
    path("cases/<str:case_uuid>/notes/", cases.CaseNoteView.as_view(), name="case-notes"),
    path(
        "cases/<str:case_uuid>/documents/",
        documents.CaseDocumentListView.as_view(),
        name="case-documents",
    ),
    path(
        "documents/<str:document_uuid>/content/",
        documents.DocumentContentView.as_view(),
        name="document-content",
    ),
    path("cases/<str:case_uuid>/actions/", cases.CaseActionAddView.as_view(), name="case-actions"),
    path(
        "cases/<str:case_uuid>/actions/<str:action_uuid>/breaches/",
        cases.CaseActionBreachView.as_view(),
        name="case-action-breaches",
    ),
    path(
        "cases/<str:case_uuid>/risk-before-application/",
        cases.CasePreApplicationRiskView.as_view(),
        name="case-pre-application-risks",
    ),
    path("cases/<str:case_uuid>/shares/", cases.CaseShareView.as_view(), name="case-shares"),
    path(
        "cases/<str:case_uuid>/shares/<str:share_uuid>/revoke/",
        cases.CaseShareRevokeView.as_view(),
        name="case-share-revoke",
    ),
    path(
        "cases/<str:case_uuid>/transfers/",
        cases.CaseTransferProposeView.as_view(),
        name="case-transfers",
    ),
    path("transfers/", cases.TransferListView.as_view(), name="transfer-list"),
    path(
        "transfers/<str:transfer_uuid>/",
        cases.TransferDetailView.as_view(),
        name="transfer-detail",
    ),
    path(
        "transfers/<str:transfer_uuid>/accept/",
        cases.TransferAcceptView.as_view(),
        name="transfer-accept",
    ),
    path(
        "transfers/<str:transfer_uuid>/decline/",
        cases.TransferDeclineView.as_view(),
        name="transfer-decline",
    ),
    path("people/", people.PersonSearchView.as_view(), name="person-search"),
    path("people/<str:person_uuid>/", people.PersonDetailView.as_view(), name="person-detail"),
    path("case-reviews/", case_reviews.ApplicationListView.as_view(), name="case-review-list"),
    path(
        "case-reviews/<str:application_uuid>/",
        case_reviews.ApplicationDetailView.as_view(),
        name="case-review-detail",
    ),
    path(
        "case-reviews/<str:application_uuid>/documents/",
        documents.ApplicationDocumentView.as_view(),
        name="case-review-documents",
    ),
]

app_name = "api"

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", partners.SchemaView.as_view(), name="schema"),
    path("docs/", partners.DocsView.as_view(), name="docs"),
    # Anything else under /api/ answers JSON (404 to a client, 401 to anyone else), a path with
    # a newline in it too (hence `(?s:...)`: a bare `.` stops at one).
    re_path(r"^(?P<rest>(?s:.*))$", NotFoundView.as_view(), name="not-found"),
]
