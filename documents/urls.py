from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("cases/<uuid:record_uuid>/documents/add/", views.case_document_add, name="case_add"),
    path(
        "incidents/<uuid:record_uuid>/documents/add/",
        views.incident_document_add,
        name="incident_add",
    ),
    path(
        "case-reviews/<uuid:record_uuid>/documents/add/",
        views.application_document_add,
        name="application_add",
    ),
    path("documents/<uuid:document_uuid>/", views.document_download, name="download"),
]
