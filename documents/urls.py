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
    path("cases/<uuid:case_uuid>/letters/new/", views.letter_choose, name="letter_choose"),
    path("cases/<uuid:case_uuid>/letters/new/<slug:kind>/", views.letter_new, name="letter_new"),
    path("cases/<uuid:case_uuid>/summary/", views.case_summary, name="case_summary"),
    path("letters/templates/", views.letter_templates, name="letter_templates"),
    path("letters/templates/<slug:kind>/", views.letter_template_edit, name="letter_template_edit"),
]
